/* hard_iface.h - the interface between the N-API addon (stackless.node, which owns the core)
 * and the hard-tasklet module (native/hard, built per Node ABI). Plain C types only: the hard
 * module sees tasklets and scheduler contexts as opaque pointers.
 *
 * The binding fills one slp_hard_iface and hands its address to JS (B.hardIface(), a BigInt);
 * lib/index.ts passes it to the hard module's init(), which checks magic, version and size and
 * installs its operations (slp_hard_ops) for the calling thread's scheduler. */
#ifndef SLP_HARD_IFACE_H
#define SLP_HARD_IFACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLP_HARD_IFACE_MAGIC 0x534c5048u   /* "SLPH" */
#define SLP_HARD_IFACE_VERSION 1u

/* What the hard module does for the scheduler. */
typedef struct slp_hard_ops {
    /* Host thread: run hard tasklet t (the current one) on its OS thread until control comes
     * back (it blocked, was preempted or ended). */
    void (*step)(void *t);
    /* Hard thread: its tasklet t switched away (the scheduler's current tasklet is already the
     * next one). Hand control back to the host; return when t is stepped again. */
    void (*park)(void *t);
    /* t's execution state is discarded (bind, orphan kill): forget what the module keeps in
     * *host_data(t). Only ever called for a tasklet that is not running. */
    void (*release)(void *t);
} slp_hard_ops;

/* What the binding offers the hard module. `ctx` is a scheduler context (one per Node
 * thread that uses stackless). */
typedef struct slp_hard_iface {
    uint32_t magic, version, size;
    /* The calling thread's scheduler context, or NULL. */
    void *(*context)(void);
    /* Make ctx the calling thread's context (a hard thread about to run JS for it); NULL
     * clears it. */
    void (*enter)(void *ctx);
    /* Install the module's operations for ctx; returns 0, or -1 if ctx already has others. */
    int (*install)(void *ctx, const slp_hard_ops *ops);
    /* The word the module may keep per tasklet; the binding clears it when the tasklet ends
     * (after which the module must not touch the tasklet: it may be gone). */
    void **(*host_data)(void *t);
    /* The watchdog falls due for the current tasklet at this time (CLOCK_MONOTONIC, µs), or -1
     * when no timed run() watches it. */
    int64_t (*deadline)(void *ctx);
    /* Hard thread, at a watchdog interrupt: let the watchdog preempt the current tasklet if its
     * time is up. Returns 0 (go on: it was not due, or it was paused and has been resumed), or
     * -1 if it was resumed with an exception, which the binding keeps until JS asks for it
     * (B.hardError()): the module must then unwind the tasklet's JS. */
    int (*poll)(void *ctx);
} slp_hard_iface;

#ifdef __cplusplus
}
#endif
#endif
