/* slp_stack.h - machine stacks for native tasklets: allocation with a guard region, the
 * context switch, and the overflow report. No knowledge of tasklets or Python objects.
 *
 * Contract used by the scheduler (native/core/scheduler.c):
 *   - A context is identified by a saved stack pointer (void *). slp_ctx_switch() saves the
 *     callee-saved machine state of the running code on its own stack, stores the resulting
 *     stack pointer in *save_sp and resumes the context whose pointer is load_sp.
 *   - slp_ctx_make() prepares a fresh context on a stack; the first switch to it calls
 *     entry(arg) on that stack. entry must never return (it switches away for good).
 *   - Stacks come from slp_stack_acquire() and go back with slp_stack_release(); both are
 *     per-thread caches over arenas, so the common spawn/finish path makes no system call. */
#ifndef SLP_STACK_H
#define SLP_STACK_H

#include <stddef.h>
#include <stdint.h>

/* SLP_ASAN: built with AddressSanitizer (gcc says so with __SANITIZE_ADDRESS__, clang with
 * __has_feature). Its interface is declared here, so the build needs no sanitizer headers. */
#if defined(__SANITIZE_ADDRESS__)
#define SLP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLP_ASAN 1
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef SLP_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
                                     size_t *size_old);
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#endif

typedef struct slp_stack {
    char *lo;            /* lowest usable byte (just above the guard region) */
    size_t size;         /* usable bytes; the stack grows down from lo + size */
    char *guard;         /* guard region [guard, lo): any access faults */
    size_t guard_size;
    void *arena;         /* owning arena (allocator private) */
    char name[32];       /* who runs on it, for the overflow report (set by the user) */
    struct slp_stack *next_free; /* allocator private */
} slp_stack;

/* Which switch implementation was compiled in: "x86_64-asm", "aarch64-asm" or "ucontext". */
const char *slp_ctx_impl(void);

/* Prepare a new context at the top of stack s; returns the sp to pass as load_sp. */
void *slp_ctx_make(slp_stack *s, void (*entry)(void *), void *arg);

/* Switch contexts. asan_* describe the target stack (lo, size) for the AddressSanitizer
 * fiber annotations; they are ignored when not built with ASan. Pass target_lo = NULL for
 * the thread's original stack (bounds are then taken from slp_stack_thread_bounds()). */
void slp_ctx_switch(void **save_sp, void *load_sp, const void *target_lo, size_t target_size);

/* Bounds of the calling thread's original stack (for ASan annotations and reports). */
void slp_stack_thread_bounds(const void **lo, size_t *size);

/* Get a stack of at least `size` usable bytes (rounded up to pages). Returns 0, or -1 with
 * errno set (ENOMEM) when no memory or no more mappings are available. */
int slp_stack_acquire(slp_stack **out, size_t size);
/* Stacks each thread keeps hot per stack size: a spawn burst of this many reuses stacks
 * without system calls or page faults. Past it, released stacks give their pages back. */
#define SLP_STACK_CACHE_MAX 1024
/* Give a stack back. Its pages may be kept (cache) or returned to the kernel. */
void slp_stack_release(slp_stack *s);
/* Number of bytes of s currently resident in RAM (for benchmarks and tests; uses mincore). */
size_t slp_stack_resident(const slp_stack *s);
/* "madvise-guard" (Linux >= 6.13 guard markers: no extra kernel mapping per stack) or
 * "mprotect" (one extra mapping per stack; bounded by vm.max_map_count). */
const char *slp_stack_guard_impl(void);

/* Overflow reporting. Install once per thread that runs native tasklets (idempotent): sets an
 * alternate signal stack for the thread and, once per process, SIGSEGV/SIGBUS handlers that
 * chain to any previously installed handler for faults that are not stack overflows. */
void slp_overflow_install_thread(void);
/* Thread-locals on the switch path use the initial-exec model: no __tls_get_addr call even
 * when the core is linked into a dlopen()ed Node addon. */
#if defined(__GNUC__) || defined(__clang__)
#  define SLP_TLS __thread __attribute__((tls_model("initial-exec")))
#else
#  define SLP_TLS _Thread_local
#endif

/* The native stack running now on this thread, for the overflow report. */
typedef struct slp_running_info {
    const slp_stack *stack;
    const char *name;
} slp_running_info;
extern SLP_TLS slp_running_info slp_running;

/* Tell the overflow handler which native stack runs now on this thread (NULL: none), and the
 * name to print for it (e.g. "tasklet #7"); name must stay valid while set.
 * Inline: two thread-local stores on every switch. */
static inline void slp_overflow_set_running(const slp_stack *s, const char *name)
{
    slp_running.stack = s;
    slp_running.name = name;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);   /* visible to a fault handler on this thread */
}

#ifdef __cplusplus
}
#endif
#endif
