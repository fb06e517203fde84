/* switch_aarch64.S - context switch for AArch64 (AAPCS64, ELF: Linux, the BSDs).
 *
 *   void slp_asm_switch(void **save_sp, void *load_sp);   x0 = save_sp, x1 = load_sp
 *
 * Saves the callee-saved state - x19-x28, fp (x29), lr (x30), the low halves d8-d15 and
 * FPCR (rounding mode, flush-to-zero: preserved across calls by AAPCS64) - in a 176-byte
 * frame on the current stack, stores sp in *save_sp, switches to load_sp and restores the
 * same frame from there. x18 (platform register) is not touched. Frame layout:
 *
 *   sp+0   x19 x20   sp+16  x21 x22   sp+32  x23 x24   sp+48  x25 x26   sp+64  x27 x28
 *   sp+80  x29 x30   sp+96  d8  d9    sp+112 d10 d11   sp+128 d12 d13   sp+144 d14 d15
 *   sp+160 fpcr      sp+168 (padding: sp stays 16-byte aligned)
 *
 * slp_ctx_make() (switch.c) builds the same frame on a fresh stack with x30 = slp_asm_start,
 * x19 = argument, x20 = entry function, x29 = 0.
 *
 * BTI/PAC: slp_asm_switch starts with `bti c` (a NOP without BTI). lr is stored unsigned;
 * we emit no .note.gnu.property, so binaries containing this file are not BTI-marked. */
#if defined(__aarch64__) && !defined(__ILP32__) && defined(__ELF__) && !defined(SLP_FORCE_UCONTEXT)

    .text

    .globl  slp_asm_switch
    .hidden slp_asm_switch
    .type   slp_asm_switch, %function
    .p2align 4
slp_asm_switch:
    .cfi_startproc
    hint    #34                 /* bti c */
    sub     sp, sp, #176
    .cfi_def_cfa_offset 176
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    /* Frame layout is identical on both stacks, so this CFI stays valid after the swap. */
    .cfi_offset x19, -176
    .cfi_offset x20, -168
    .cfi_offset x21, -160
    .cfi_offset x22, -152
    .cfi_offset x23, -144
    .cfi_offset x24, -136
    .cfi_offset x25, -128
    .cfi_offset x26, -120
    .cfi_offset x27, -112
    .cfi_offset x28, -104
    .cfi_offset x29, -96
    .cfi_offset x30, -88
    stp     d8,  d9,  [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x9, fpcr
    str     x9, [sp, #160]

    mov     x10, sp
    str     x10, [x0]           /* publish our sp only once the frame is complete */
    mov     sp, x1              /* now on the target stack */

    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8,  d9,  [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    /* Writing FPCR can be slow (serialising on some cores): only do it when it differs. */
    ldr     x9, [sp, #160]
    mrs     x10, fpcr
    cmp     x9, x10
    b.eq    1f
    msr     fpcr, x9
1:
    add     sp, sp, #176
    .cfi_def_cfa_offset 0
    ret
    .cfi_endproc
    .size   slp_asm_switch, .-slp_asm_switch

/* First activation of a fresh context: slp_asm_switch `ret`s here with sp 16-byte aligned,
 * x29 = 0 (ends frame-pointer walks), x19 = arg, x20 = entry. entry must not return. */
    .globl  slp_asm_start
    .hidden slp_asm_start
    .type   slp_asm_start, %function
    .p2align 4
slp_asm_start:
    .cfi_startproc
    .cfi_undefined x30          /* outermost frame: stop DWARF unwinders here */
    mov     x0, x19
    blr     x20
    bl      slp_ctx_entry_returned  /* hidden C function in switch.c; never returns */
    brk     #0
    .cfi_endproc
    .size   slp_asm_start, .-slp_asm_start

#endif

/* Non-executable stack, even when the file assembles to nothing (all ELF targets). */
#if defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
