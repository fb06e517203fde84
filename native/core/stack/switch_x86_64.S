/* switch_x86_64.S - context switch for x86-64 System V (ELF: Linux, the BSDs).
 *
 *   void slp_asm_switch(void **save_sp, void *load_sp);   rdi = save_sp, rsi = load_sp
 *
 * Saves what the ABI says a callee must preserve (rbp, rbx, r12-r15, and the control bits of
 * MXCSR and the x87 control word) on the current stack, stores rsp in *save_sp, switches to
 * load_sp and restores the same frame from there. Everything else is caller-saved, so the C
 * caller has already spilled what it needs. A suspended context therefore looks like:
 *
 *   sp+0   MXCSR (4 bytes), x87 control word (2 bytes), padding
 *   sp+8   r15    sp+16  r14    sp+24  r13    sp+32  r12
 *   sp+40  rbx    sp+48  rbp    sp+56  return address
 *
 * slp_ctx_make() (switch.c) builds the same frame on a fresh stack with the return address
 * pointing at slp_asm_start, r12 = argument and r13 = entry function.
 *
 * CET: the entry points start with endbr64 (a NOP on CPUs without IBT). We deliberately do
 * NOT emit a .note.gnu.property claiming shadow-stack support: switching stacks with a plain
 * `ret` is incompatible with SHSTK, so the linker must drop the SHSTK marking from any
 * binary that contains this file. */
#if defined(__x86_64__) && !defined(__ILP32__) && defined(__ELF__) && !defined(SLP_FORCE_UCONTEXT)

    .text

    .globl  slp_asm_switch
    .hidden slp_asm_switch
    .type   slp_asm_switch, @function
    .p2align 4
slp_asm_switch:
    .cfi_startproc
    endbr64
    /* The CFI below stays valid after rsp is swapped because the frame we land in has the
     * identical layout, so debuggers and profilers can unwind through a switch. */
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbx, 0
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r12, 0
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r13, 0
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r14, 0
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    subq    $8, %rsp
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)
    fnstcw  4(%rsp)

    movq    %rsp, (%rdi)        /* publish our sp only once the frame is complete */
    movq    %rsi, %rsp          /* now on the target stack */

    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq    %r15
    .cfi_adjust_cfa_offset -8
    popq    %r14
    .cfi_adjust_cfa_offset -8
    popq    %r13
    .cfi_adjust_cfa_offset -8
    popq    %r12
    .cfi_adjust_cfa_offset -8
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    ret
    .cfi_endproc
    .size   slp_asm_switch, .-slp_asm_switch

/* First activation of a fresh context: slp_asm_switch `ret`s here with rsp 16-byte aligned,
 * rbp = 0 (ends frame-pointer walks), r12 = arg, r13 = entry. entry must not return. */
    .globl  slp_asm_start
    .hidden slp_asm_start
    .type   slp_asm_start, @function
    .p2align 4
slp_asm_start:
    .cfi_startproc
    .cfi_undefined %rip         /* outermost frame: stop DWARF unwinders here */
    endbr64
    movq    %r12, %rdi
    callq   *%r13
    callq   slp_ctx_entry_returned  /* hidden C function in switch.c; never returns */
    ud2
    .cfi_endproc
    .size   slp_asm_start, .-slp_asm_start

#endif

/* Non-executable stack, even when the file assembles to nothing (all ELF targets). */
#if defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
