/* slp_internal.h - the core's private data structures: tasklets, channels, per-thread
 * scheduler state, and the functions the core files share. Not installed; the Node binding
 * includes it (plus slp_host.h) to drive hosted (JS) tasklets. */
#ifndef SLP_INTERNAL_H
#define SLP_INTERNAL_H

#include "stackless_api.h"
#include "slp_stack.h"
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a tasklet executes (NODE.md section 2). */
enum slp_kind {
    SLP_KIND_NONE = 0,   /* no execution state yet (unbound, bound, dead) */
    SLP_KIND_MAIN,       /* the thread's main tasklet: runs on the host (thread) stack */
    SLP_KIND_NATIVE,     /* a C callable on its own mapped stack, switched by slp_ctx_switch */
    SLP_KIND_HOSTED,     /* a callable whose type has Py_TPFLAGS_SLP_HOSTED_CALL (JS): stepped
                            on the host stack through the host hooks */
    SLP_KIND_HARD,       /* a hosted callable the host runs on an OS thread of its own (a JS
                            plain-function tasklet): stepped by hooks.step, blocks in place
                            through hooks.park */
};

enum slp_exec { SLP_EXEC_NONE = 0, SLP_EXEC_INIT, SLP_EXEC_STARTED };

typedef struct slp_thread slp_thread;

struct _tasklet {
    PyObject_HEAD
    /* Links in the one chain the tasklet is in: the run queue (circular) or a channel's wait
     * queue (NULL-terminated, head first). Both chains own a reference to the tasklet. */
    struct _tasklet *next, *prev;
    PyChannelObject *chan;       /* channel it waits on, when blocked != 0 */
    slp_thread *ts;              /* owning thread; NULL once orphaned (thread_id -1) */
    PyObject *tempval;           /* transfer value; never NULL (Py_None) */
    PyObject *func, *args, *kwargs; /* prepared initial call while exec == SLP_EXEC_INIT */
    slp_stack *stack;            /* native tasklets: their machine stack */
    void *sp;                    /* native tasklets: saved stack pointer while switched out */
    void *host_data;             /* hosted tasklets: owned by the host (binding) */
    struct _tasklet *cs_next, *cs_prev; /* the owning thread's list of tasklets with C state */
    unsigned long id;            /* serial number, for getcurrentid and messages */
    signed char blocked;         /* -1 receiving, 0, +1 sending */
    unsigned char kind;          /* enum slp_kind */
    unsigned char exec;          /* enum slp_exec */
    unsigned char in_runq;
    unsigned char atomic, ignore_nesting, block_trap;
    unsigned pending_irq;        /* deferred interrupt: the epoch of the run() that set it, or 0;
                                    read it with slp_irq_pending() */
};

struct _channel {
    PyObject_HEAD
    PyTaskletObject *head, *tail; /* waiting tasklets, FIFO */
    int balance;                  /* > 0 senders waiting, < 0 receivers waiting */
    int preference;               /* -1, 0, 1 */
    unsigned char closing;
    unsigned char schedule_all;
};

struct _bomb {
    PyObject_HEAD
    PyObject *curexc_type, *curexc_value, *curexc_traceback;
};

struct _unwindobject { PyObject_HEAD };
struct _cframe { PyObject_HEAD };
struct _cstack { PyObject_HEAD };

/* A C function to run on the host stack on behalf of a native tasklet (slp_run_on_host). */
typedef struct slp_host_call {
    void (*fn)(void *);
    void *arg;
    PyTaskletObject *requester;
} slp_host_call;

/* Hooks through which a host (the Node binding) runs hosted tasklets. */
typedef struct slp_host_hooks {
    /* Run hosted tasklet t (== ts->current) on the host stack until it switches away, or
     * ends (it then calls slp_hosted_end). Called from the host loop. */
    void (*step)(PyTaskletObject *t);
    /* Drop t->host_data (its execution state is discarded: bind, kill of an orphan, dealloc). */
    void (*release)(PyTaskletObject *t);
    /* Set the error for a hosted tasklet that tried to block in a call that cannot unwind. */
    void (*cannot_block)(PyTaskletObject *t);
    /* A tasklet of the process main thread ended with SystemExit(code). */
    void (*system_exit)(PyObject *exc_value);
    /* A value v that hosted tasklet `owner` handed over (its own representation, e.g. a
     * marker meaning "the JS value in owner's slot") goes to a tasklet that is not hosted:
     * return the real object (new reference; steals v) or NULL with an exception. NULL
     * hook: no conversion. */
    PyObject *(*materialize)(PyObject *v, PyTaskletObject *owner);
    /* The kind (SLP_KIND_HOSTED or SLP_KIND_HARD) of a tasklet whose callable is hosted. NULL
     * hook: SLP_KIND_HOSTED. */
    int (*kind_of)(PyTaskletObject *t);
    /* Hard tasklet t (the caller, on its own OS thread) switched away: ts->current is already
     * the next tasklet. Give control back to the host (the thread that stepped t) and return
     * once t has been stepped again. */
    void (*park)(PyTaskletObject *t);
    /* Value v (in the host's representation) passed from tasklet `from` to tasklet `to`, both on
     * the host, and the one that switches away next could otherwise reach it only through the
     * other's state, which may change first: the host moves it into `to`'s own keeping. Called
     * for a receive that switches to the sender at once (preference 1, schedule_all), and for
     * a send by a hard tasklet that switches to the receiver. NULL hook: nothing to do. */
    void (*pass_value)(PyObject *v, PyTaskletObject *from, PyTaskletObject *to);
} slp_host_hooks;

/* One active run() call: its caller, and the timeout settings to restore if it owns them. */
typedef struct slp_watchdog_frame {
    PyTaskletObject *caller;   /* owned reference */
    int owns;
    PyTaskletObject *saved_owner;
    int64_t saved_timeout_us, saved_slice_start;
    int saved_flags;
} slp_watchdog_frame;

/* Watchdog (run()) bookkeeping of one thread (STATES.md section 4.4). */
typedef struct slp_watchdog_state {
    slp_watchdog_frame *stack; /* active run() calls, innermost last */
    int depth, cap;
    PyTaskletObject *owner;    /* the interrupt watchdog (first timed run()), or NULL */
    int64_t timeout_us;        /* its budget in ticks (microseconds) */
    int flags;
    int64_t slice_start;       /* monotonic microseconds at the start of the slice / run */
    unsigned epoch;            /* counts timed run() calls that took the timeout: a deferred
                                  interrupt belongs to one of them and dies with it */
} slp_watchdog_state;

struct slp_thread {
    PyTaskletObject *main;     /* NULL while the thread is "outside" (C-API.md section 9) */
    PyTaskletObject *current;  /* head of the run queue; the running tasklet when inside */
    int runcount;
    int fast;                  /* nothing below forces the general paths: see slp_update_fast */
    int switch_trap;
    int in_callback;           /* a schedule or channel callback is running */
    int host_nested;           /* > 0 while a host call made for a native tasklet runs */
    void *host_sp;             /* saved host stack pointer while a native tasklet runs */
    slp_host_call host_call;   /* pending request from a native tasklet, fn == NULL if none */
    PyTaskletObject *running_native; /* whose stack the thread runs on, NULL: the host stack.
                                        Not ts->current, which moves on before callbacks run */
    int handover;              /* the next transfer is a preference-driven channel hand-over */
    int main_hosted;           /* the main tasklet is driven by a host trampoline (Node): when
                                  it blocks, the switching call returns Py_UnwindToken and the
                                  host runs the others (slp_host_step for native ones) until
                                  main is current again, instead of the C host loop */
    int may_unwind;            /* the switching call in progress is an _nr call (set by
                                  slp_check_can_switch): only then may main unwind */
    PyTaskletObject *last_partner; /* the partner of this thread's latest channel transfer
                                      (borrowed; for hosts that keep values on their side) */
    slp_stack *dead_stack;     /* stack of a native tasklet that just ended, freed after the switch */
    PyTaskletObject *dead_tasklet; /* its last reference, dropped after the switch */
    PyTaskletObject *cstate;   /* started native tasklets (they own C state), newest first */
    slp_watchdog_state wd;
    size_t stack_size;         /* for new native tasklets */
    unsigned long thread_id;
    int is_process_main;
    int dead;                  /* the OS thread ended: its tasklets are orphaned */
    slp_host_hooks hooks;
    PyObject *schedule_cb;     /* callbacks: per thread (each Node thread is an interpreter) */
    slp_schedule_hook_func *schedule_fastcb;
    PyObject *channel_cb;
    PyObject *error_handler;
    slp_thread *next_thread;   /* registry, oldest first */
};

/* ---- threadstate.c ---- */
extern SLP_TLS slp_thread *slp_tls_thread;
slp_thread *slp_thread_create(void);
/* The calling thread's state, created on first use. */
static inline slp_thread *slp_thread_get(void)
{
    slp_thread *ts = slp_tls_thread;
    return ts ? ts : slp_thread_create();
}
/* NULL if the thread never used the module. */
static inline slp_thread *slp_thread_peek(void) { return slp_tls_thread; }
slp_thread *slp_thread_find(unsigned long thread_id);
unsigned long slp_os_thread_id(void);
int64_t slp_now_us(void);

#if defined(__GNUC__) || defined(__clang__)
#  define SLP_NOINLINE __attribute__((noinline))
#else
#  define SLP_NOINLINE
#endif

/* Recompute ts->fast after changing anything it summarises: the fast paths (channel.c) run
 * only inside, with no callbacks, watchdog, switch trap or host-nested call active. */
static inline void slp_update_fast(slp_thread *ts)
{
#ifdef SLP_NO_FAST_PATHS   /* test builds: everything through the general paths */
    ts->fast = 0;
#else
    ts->fast = ts->main && !ts->in_callback && !ts->host_nested && !ts->switch_trap &&
               !ts->wd.owner && !ts->channel_cb && !ts->schedule_cb && !ts->schedule_fastcb;
#endif
}

/* ---- tasklet.c ---- */
void slp_cstate_link(slp_thread *ts, PyTaskletObject *t);
void slp_cstate_unlink(slp_thread *ts, PyTaskletObject *t);
PyTaskletObject *slp_tasklet_alloc(PyTypeObject *type, slp_thread *ts);
/* The fields of a new tasklet whose memory is zeroed and whose object header is initialised
 * (slp_tasklet_alloc's second half, for hosts that recycle tasklet memory). Returns t. */
PyTaskletObject *slp_tasklet_init(PyTaskletObject *t, slp_thread *ts);
PyTaskletObject *slp_create_main(slp_thread *ts);
/* n consecutive tasklet ids, for a host that numbers tasklets of its own (the Node binding's JS
 * engine); returns the first. */
unsigned long slp_reserve_ids(unsigned long n);
int slp_tasklet_alive(PyTaskletObject *t);
int slp_tasklet_nesting(PyTaskletObject *t);
/* Discard t's execution state without running any code (bind, kill of an orphan). */
void slp_tasklet_clear_exec(PyTaskletObject *t);
/* Prepare t's initial call func(*args, **kwargs): takes new references. */
int slp_tasklet_prepare(PyTaskletObject *t, PyObject *func, PyObject *args, PyObject *kwargs);

/* ---- scheduler.c ---- */
void slp_runq_append(slp_thread *ts, PyTaskletObject *t);      /* just before current; INCREFs */
void slp_runq_insert_after(slp_thread *ts, PyTaskletObject *after, PyTaskletObject *t);
void slp_runq_unlink(slp_thread *ts, PyTaskletObject *t);      /* caller owns the ref it gets */
/* Give control to next (ts->current must be the caller). Linkage already updated.
 * Returns the caller's resume value (new ref), NULL with an exception (a bomb), or
 * Py_UnwindToken when the caller is a hosted tasklet that must unwind to the host. */
PyObject *slp_transfer(slp_thread *ts, PyTaskletObject *prev, PyTaskletObject *next);
/* Can the current tasklet switch away now? may_unwind: the call is an _nr variant.
 * Returns 0, or -1 with RuntimeError set. Checks nothing about switch_trap. */
int slp_check_can_switch(slp_thread *ts, int may_unwind);
/* Pick who runs when the current tasklet blocks or removes itself (STATES.md 4.2).
 * The current tasklet has already been unlinked from the run queue (and linked into a
 * channel if blocking). Returns the tasklet to switch to (borrowed), or NULL with the
 * Deadlock RuntimeError set (the caller then undoes its linkage). */
PyTaskletObject *slp_next_after_block(slp_thread *ts, PyTaskletObject *blocker);
PyTaskletObject *slp_wakeup_target(slp_thread *ts);
PyObject *slp_schedule(slp_thread *ts, PyObject *retval, int remove, int may_unwind);
PyObject *slp_resume_value(PyTaskletObject *t);
/* Work left by a tasklet that ended: its stack and last reference can only go once we are
 * off its stack. Runs at every resume point. */
void slp_after_switch_slow(slp_thread *ts);
static inline void slp_after_switch(slp_thread *ts)
{
    if (ts->dead_stack || ts->dead_tasklet) slp_after_switch_slow(ts);
}
/* First code on a native tasklet's own stack (scheduler.c). */
void slp_native_entry(void *arg);

/* The saved stack pointer to load to run native tasklet t, preparing a fresh context at its
 * first run. Inline: on every native switch. */
static inline void *slp_native_target(PyTaskletObject *t)
{
    if (!t->sp) t->sp = slp_ctx_make(t->stack, slp_native_entry, t);
    slp_overflow_set_running(t->stack, t->stack->name);
    t->ts->running_native = t;
    return t->sp;
}

/* Leave the current (native) stack for `next` (already current), saving into *save. */
static inline void slp_leave_native(slp_thread *ts, void **save, PyTaskletObject *next)
{
    if (next->kind == SLP_KIND_NATIVE) {
        void *target = slp_native_target(next);
        slp_ctx_switch(save, target, next->stack->lo, next->stack->size);
    } else {
        slp_overflow_set_running(NULL, NULL);
        ts->running_native = NULL;
        slp_ctx_switch(save, ts->host_sp, NULL, 0);
    }
}
/* The tasklet run by the current OS thread with its state, called by every entry point. */
#define SLP_TS() slp_thread_get()
/* First step of hosted tasklet t: hands the prepared call over (new references) and marks
 * it started; returns 1, or 0 if t had already started. */
int slp_hosted_begin(PyTaskletObject *t, PyObject **func, PyObject **args, PyObject **kwargs);
/* A hosted tasklet finished with result (NULL: exception set). Called by the host. */
void slp_hosted_end(PyTaskletObject *t, PyObject *result);
void slp_run_on_host(slp_thread *ts, void (*fn)(void *), void *arg);
/* Host side, with a native tasklet current: run it (and any others it switches to directly)
 * until control comes back to the host stack, serving calls native tasklets make on the
 * host stack on the way. Returns with a hosted tasklet or the main tasklet current. */
void slp_host_step(slp_thread *ts);
/* Is t driven on the host stack (hosted, or the main tasklet under a host trampoline)? */
static inline int slp_on_host(slp_thread *ts, PyTaskletObject *t)
{
    return t->kind == SLP_KIND_HOSTED || t->kind == SLP_KIND_HARD ||
           (t->kind == SLP_KIND_MAIN && ts->main_hosted);
}
/* PyChannel_Send / Receive (and their _nr forms) for the calling thread ts and a channel that
 * is known to be one: send (dir +1, value borrowed) or receive (dir -1). Returns the new
 * reference result (None for a send), NULL with an exception, or Py_UnwindToken. */
PyObject *slp_channel_op(slp_thread *ts, PyChannelObject *ch, int dir, PyObject *value, int may_unwind);
/* Remove t from its channel queue (adjusts balance); returns the reference the queue held. */
void slp_channel_remove(PyChannelObject *ch, PyTaskletObject *t);
/* Append t to ch's wait queue in direction dir, taking a new reference: a host that moves a
 * blocked tasklet in from its own scheduler (the Node binding's JS engine hand-over). */
void slp_channel_adopt(PyChannelObject *ch, PyTaskletObject *t, int dir);
int slp_throw(PyTaskletObject *t, PyObject *bomb, int pending, int is_kill);
int slp_is_paused(PyTaskletObject *t);

/* ---- bomb.c ---- */
PyObject *slp_make_bomb(PyObject *type, PyObject *value, PyObject *tb); /* borrows */
PyObject *slp_bomb_from_error(void);   /* fetches the error indicator into a new bomb */
PyObject *slp_bomb_explode(PyObject *bomb); /* steals bomb, sets the error, returns NULL */
/* Validate (exc, val, tb) with throw()/send_throw() rules; returns a new bomb or NULL. */
PyObject *slp_bomb_from_throw_args(PyObject *exc, PyObject *val, PyObject *tb);
/* klass(*args) as a bomb; args: tuple or single object. who: "tasklet.raise_exception" or
 * "channel.send_exception" for the error message. */
PyObject *slp_bomb_from_class_args(PyObject *klass, PyObject *args, const char *who);

/* ---- callbacks.c ---- */
void slp_call_schedule_callback_slow(slp_thread *ts, PyTaskletObject *prev, PyTaskletObject *next);
static inline void slp_call_schedule_callback(slp_thread *ts, PyTaskletObject *prev, PyTaskletObject *next)
{
    if (ts->schedule_fastcb || ts->schedule_cb) slp_call_schedule_callback_slow(ts, prev, next);
}
void slp_call_channel_callback(slp_thread *ts, PyChannelObject *ch, PyTaskletObject *t, int sending, int willblock);

/* ---- watchdog.c ---- */
/* Poll the watchdog at an interruption point of a native tasklet. Returns 0, or -1 with an
 * exception set if the tasklet was resumed with one. */
int slp_watchdog_poll_slow(slp_thread *ts);
static inline int slp_watchdog_poll(slp_thread *ts) { return ts->wd.owner ? slp_watchdog_poll_slow(ts) : 0; }
/* A switch happened: restart the time slice (not for totaltimeout). */
static inline void slp_watchdog_switched(slp_thread *ts) {
    if (ts->wd.owner && !(ts->wd.flags & PY_WATCHDOG_TOTALTIMEOUT)) ts->wd.slice_start = slp_now_us();
}
/* t carries a deferred interrupt of the run() that owns the timeout now. */
static inline int slp_irq_pending(slp_thread *ts, PyTaskletObject *t)
{
    return t->pending_irq && ts->wd.owner && t->pending_irq == ts->wd.epoch;
}
static inline void slp_irq_mark(slp_thread *ts, PyTaskletObject *t) { t->pending_irq = ts->wd.epoch; }

/* Soft interrupt: if the current tasklet has a pending soft irq, return the watchdog that
 * must run instead of `intended` (and clear the mark), else intended. */
PyTaskletObject *slp_watchdog_divert(slp_thread *ts, PyTaskletObject *intended);
void slp_watchdog_rearm(slp_thread *ts);
/* run() in two halves, for a caller on the host stack that may unwind (main under a host
 * trampoline, or a hosted tasklet): slp_watchdog_run_nr returns the result, NULL, or
 * Py_UnwindToken; after an unwind the host runs the others until the caller is current
 * again, then calls slp_watchdog_run_end(ts, caller, resume) with the caller's resume value
 * (slp_resume_value), which pops the watchdog and returns run()'s result. */
PyObject *slp_watchdog_run_nr(slp_thread *ts, long timeout, int flags);
PyObject *slp_watchdog_run_end(slp_thread *ts, PyTaskletObject *caller, PyObject *resume);
/* When the watchdog falls due for the current tasklet (slp_now_us() clock), or -1 if no timed
 * run() watches it. For hosts that preempt from a timer (hard tasklets). */
int64_t slp_watchdog_deadline(slp_thread *ts);

/* ---- outside.c ---- */
/* Make the thread "inside" if it is not (creating a temporary main tasklet). Returns 1 if it
 * did so: the caller must call slp_leave_temp_main afterwards. */
int slp_enter_temp_main(slp_thread *ts);
void slp_leave_temp_main(slp_thread *ts);

/* The thread that owns t, or NULL if it is orphaned (its thread ended). */
static inline slp_thread *slp_owner(PyTaskletObject *t) { return t->ts && !t->ts->dead ? t->ts : NULL; }

/* Switching functions called "outside" (no main tasklet) run inside a temporary main. */
#define SLP_ENTER(ts) int slp_tmp_main_ = slp_enter_temp_main(ts)
#define SLP_LEAVE(ts) do { if (slp_tmp_main_) slp_leave_temp_main(ts); } while (0)

#define SLP_RETURN_ERR(exc, msg, rv) do { PyErr_SetString((exc), (msg)); return (rv); } while (0)

/* The C API as a table (capi_table.c; stackless/capi.h). Node-only entries are NULL. */
const PyStackless_CAPI *slp_capi_table(void);

#ifdef __cplusplus
}
#endif
#endif
