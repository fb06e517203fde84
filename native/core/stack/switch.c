/* switch.c - context creation and switching for native tasklets.
 *
 * Where an assembly switch exists (switch_x86_64.S, switch_aarch64.S) slp_ctx_switch is a
 * single tail jump into it (~15 ns per switch). Elsewhere, or with -DSLP_FORCE_UCONTEXT, a
 * makecontext/swapcontext fallback is used: portable but ~100x slower, because glibc's
 * swapcontext makes an rt_sigprocmask system call on every switch.
 *
 * With AddressSanitizer every switch is bracketed by the fiber annotations, so ASan knows
 * which stack is current (otherwise it reports false stack-buffer overflows and its
 * use-after-return "fake stacks" get confused). */
#define _GNU_SOURCE
#include "slp_stack.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && !defined(__ILP32__) && defined(__ELF__) && !defined(SLP_FORCE_UCONTEXT)
#define SLP_SWITCH_X86_64 1
#elif defined(__aarch64__) && !defined(__ILP32__) && defined(__ELF__) && !defined(SLP_FORCE_UCONTEXT)
#define SLP_SWITCH_AARCH64 1
#else
#define SLP_SWITCH_UCONTEXT 1
#include <ucontext.h>
#endif

#define SLP_HIDDEN __attribute__((visibility("hidden")))

/* Reached when an entry function returns, which the contract forbids: there is no frame to
 * return to. Called from the asm start stubs as well, hence not static, and `used` so that
 * LTO does not drop it (the only references may be in assembly). */
SLP_HIDDEN __attribute__((noreturn, used)) void slp_ctx_entry_returned(void);
void slp_ctx_entry_returned(void)
{
    static const char msg[] = "stackless: fatal: a native context's entry function returned\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    abort();
}

const char *slp_ctx_impl(void)
{
#if defined(SLP_SWITCH_X86_64)
    return "x86_64-asm";
#elif defined(SLP_SWITCH_AARCH64)
    return "aarch64-asm";
#else
    return "ucontext";
#endif
}

/* ---- thread stack bounds ---------------------------------------------------------------- */

static __thread const void *thread_stack_lo;
static __thread size_t thread_stack_size;

void slp_stack_thread_bounds(const void **lo, size_t *size)
{
    if (thread_stack_size == 0) {
        /* pthread_getattr_np is slow on the main thread (parses /proc/self/maps): cache. */
        pthread_attr_t attr;
        void *addr = NULL;
        size_t sz = 0;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            if (pthread_attr_getstack(&attr, &addr, &sz) != 0) {
                addr = NULL;
                sz = 0;
            }
            pthread_attr_destroy(&attr);
        }
        thread_stack_lo = addr;
        thread_stack_size = sz;
    }
    *lo = thread_stack_lo;
    *size = thread_stack_size;
}

/* ---- entry wrapper for ASan --------------------------------------------------------------- */

#ifdef SLP_ASAN
/* A fresh context must first tell ASan that the switch into it has completed. The real
 * entry and argument are parked at the top of the new stack. */
struct asan_boot {
    void (*entry)(void *);
    void *arg;
};

static void asan_entry(void *p)
{
    __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
    struct asan_boot *b = p;
    b->entry(b->arg);
    slp_ctx_entry_returned();
}
#endif

/* Top of the usable stack, 16-byte aligned; under ASan also reserves the boot block and
 * redirects entry/arg through asan_entry. */
static uintptr_t prepare_top(slp_stack *s, void (**entry)(void *), void **arg)
{
    uintptr_t top = ((uintptr_t)(s->lo + s->size)) & ~(uintptr_t)15;
#ifdef SLP_ASAN
    /* A recycled stack still carries the redzone poisoning of the frames that were on it
     * when its previous context died; start from a clean shadow. */
    __asan_unpoison_memory_region(s->lo, s->size);
    top -= (sizeof(struct asan_boot) + 15) & ~(size_t)15;
    struct asan_boot *b = (struct asan_boot *)top;
    b->entry = *entry;
    b->arg = *arg;
    *entry = asan_entry;
    *arg = b;
#else
    (void)entry;
    (void)arg;
#endif
    return top;
}

/* ---- x86-64 / aarch64: assembly ------------------------------------------------------------ */

#if defined(SLP_SWITCH_X86_64) || defined(SLP_SWITCH_AARCH64)

SLP_HIDDEN void slp_asm_switch(void **save_sp, void *load_sp);
SLP_HIDDEN void slp_asm_start(void);

#define raw_switch(save_sp, load_sp) slp_asm_switch(save_sp, load_sp)

void *slp_ctx_make(slp_stack *s, void (*entry)(void *), void *arg)
{
    uintptr_t top = prepare_top(s, &entry, &arg);
#if defined(SLP_SWITCH_X86_64)
    /* Frame popped by slp_asm_switch (see the layout in switch_x86_64.S). It sits 16 bytes
     * below top so that rsp is 16-byte aligned when slp_asm_start calls entry. The new
     * context inherits the creator's FP control words, as a new thread would. */
    uint32_t mxcsr;
    uint16_t fpcw;
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fpcw));
    uint64_t *f = (uint64_t *)(top - 80);
    f[0] = (uint64_t)(mxcsr & ~0x3Fu) | ((uint64_t)fpcw << 32); /* drop sticky status flags */
    f[1] = 0;                            /* r15 */
    f[2] = 0;                            /* r14 */
    f[3] = (uint64_t)(uintptr_t)entry;   /* r13 */
    f[4] = (uint64_t)(uintptr_t)arg;     /* r12 */
    f[5] = 0;                            /* rbx */
    f[6] = 0;                            /* rbp: terminates frame-pointer unwinding */
    f[7] = (uint64_t)(uintptr_t)slp_asm_start; /* return address */
    f[8] = 0;
    f[9] = 0;
    return f;
#else
    /* Frame popped by slp_asm_switch (see switch_aarch64.S); sp lands exactly on top. */
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    uint64_t *f = (uint64_t *)(top - 176);
    memset(f, 0, 176);
    f[0] = (uint64_t)(uintptr_t)arg;     /* x19 */
    f[1] = (uint64_t)(uintptr_t)entry;   /* x20 */
    f[10] = 0;                           /* x29 */
    f[11] = (uint64_t)(uintptr_t)slp_asm_start; /* x30 */
    f[20] = fpcr;
    return f;
#endif
}

/* ---- fallback: ucontext ------------------------------------------------------------------- */

#else

/* A fresh context: its ucontext plus the entry/arg that makecontext cannot pass portably
 * (it only takes int arguments), at the top of its own stack. The address of the ucontext
 * is the context's "sp". */
struct uc_boot {
    ucontext_t uc;
    void (*entry)(void *);
    void *arg;
};

/* Handover to uc_trampoline: which context is being entered. Set by every switch; only the
 * first switch into a fresh context reads it, on the same thread right after swapcontext. */
static __thread struct uc_boot *uc_incoming;

static void uc_trampoline(void)
{
    struct uc_boot *b = uc_incoming;
    /* Under ASan, b->entry is asan_entry (see prepare_top), which finishes the switch. */
    b->entry(b->arg);
    slp_ctx_entry_returned();
}

void *slp_ctx_make(slp_stack *s, void (*entry)(void *), void *arg)
{
    uintptr_t top = prepare_top(s, &entry, &arg);
    struct uc_boot *b = (struct uc_boot *)((top - sizeof(struct uc_boot)) & ~(uintptr_t)63);
    memset(b, 0, sizeof *b);
    if (getcontext(&b->uc) != 0)
        abort();
    b->uc.uc_link = NULL;
    b->uc.uc_stack.ss_sp = s->lo;
    b->uc.uc_stack.ss_size = (size_t)((char *)b - s->lo);
    b->uc.uc_stack.ss_flags = 0;
    b->entry = entry;
    b->arg = arg;
    makecontext(&b->uc, uc_trampoline, 0);
    return &b->uc;
}

/* The suspended context's ucontext lives in this frame, on the stack being suspended. */
static __attribute__((noinline)) void raw_switch(void **save_sp, void *load_sp)
{
    ucontext_t here;
    /* ASan's swapcontext interceptor clears the shadow of the target's uc_stack; a resumed
     * context must not have its (live) stack cleared, so describe it as empty. */
    here.uc_stack.ss_sp = NULL;
    here.uc_stack.ss_size = 0;
    here.uc_stack.ss_flags = 0;
    *save_sp = &here;
    uc_incoming = (struct uc_boot *)load_sp;
    if (swapcontext(&here, (ucontext_t *)load_sp) != 0)
        abort();
}

#endif

/* ---- the switch ------------------------------------------------------------------------- */

void slp_ctx_switch(void **save_sp, void *load_sp, const void *target_lo, size_t target_size)
{
#ifdef SLP_ASAN
    void *fake_stack = NULL;
    if (target_lo == NULL)
        slp_stack_thread_bounds(&target_lo, &target_size);
    __sanitizer_start_switch_fiber(&fake_stack, target_lo, target_size);
    raw_switch(save_sp, load_sp);
    __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#else
    (void)target_lo;
    (void)target_size;
    /* Compiles to a single jmp into the assembly (or into raw_switch). */
    raw_switch(save_sp, load_sp);
#endif
}
