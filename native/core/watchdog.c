/* watchdog.c - stackless.run() / PyStackless_RunWatchdog[Ex] and preemption (API.md 5.2,
 * STATES.md 4.4-4.5, NODE.md 4). One tick is one microsecond. Native tasklets and the main
 * tasklet are interrupted when they next call the C API (slp_watchdog_poll at every entry
 * point); hosted tasklets are polled by their host at each yield. */
#include "slp_internal.h"
#include <stdlib.h>

/* Push a frame for caller; it takes over the timeout if timeout > 0 and nobody owns it. */
static int slp_wd_push(slp_thread *ts, PyTaskletObject *caller, long timeout, int flags)
{
    slp_watchdog_frame *f;
    if (ts->wd.depth == ts->wd.cap) {
        int cap = ts->wd.cap ? ts->wd.cap * 2 : 8;
        slp_watchdog_frame *s = (slp_watchdog_frame *)realloc(ts->wd.stack, (size_t)cap * sizeof *s);
        if (!s) {
            PyErr_NoMemory();
            return -1;
        }
        ts->wd.stack = s;
        ts->wd.cap = cap;
    }
    f = &ts->wd.stack[ts->wd.depth++];
    f->caller = (PyTaskletObject *)Py_NewRef((PyObject *)caller);
    f->owns = timeout > 0 && !ts->wd.owner;
    f->saved_owner = ts->wd.owner;
    f->saved_timeout_us = ts->wd.timeout_us;
    f->saved_flags = ts->wd.flags;
    f->saved_slice_start = ts->wd.slice_start;
    if (f->owns) {
        if (++ts->wd.epoch == 0) ts->wd.epoch = 1;   /* 0 means "no mark" */
        ts->wd.owner = caller;
        ts->wd.timeout_us = timeout;
        ts->wd.flags = flags;
        ts->wd.slice_start = slp_now_us();
        slp_update_fast(ts);
    }
    return 0;
}

/* The watchdog t was resumed: pop it and every deeper watchdog above it; deeper ones that
 * are not scheduled go back into the run queue; an owner gives the timeout back. */
static void slp_wd_pop(slp_thread *ts, PyTaskletObject *t)
{
    int i = ts->wd.depth;
    while (i > 0 && ts->wd.stack[i - 1].caller != t) i--;
    if (i == 0) return;   /* not on the stack (already popped) */
    while (ts->wd.depth >= i) {
        slp_watchdog_frame f = ts->wd.stack[--ts->wd.depth];
        if (f.owns) {
            ts->wd.owner = f.saved_owner;
            ts->wd.timeout_us = f.saved_timeout_us;
            ts->wd.flags = f.saved_flags;
            ts->wd.slice_start = f.saved_slice_start;
            slp_update_fast(ts);
        }
        if (f.caller != t && slp_tasklet_alive(f.caller) && !f.caller->in_runq && !f.caller->blocked)
            slp_runq_append(ts, f.caller);
        Py_DECREF(f.caller);
    }
}

/* The first half of run(): returns None at once if nothing else is runnable, NULL on error,
 * or the result of the transfer (Py_UnwindToken if the caller must unwind). */
static PyObject *slp_run_begin(slp_thread *ts, long timeout, int flags, int may_unwind)
{
    PyTaskletObject *cur = ts->current, *next = cur->next;
    if (next == cur) return Py_NewRef(Py_None);   /* nothing else runnable */
    if (ts->switch_trap) SLP_RETURN_ERR(PyExc_RuntimeError, "switch_trap", NULL);
    if (slp_check_can_switch(ts, may_unwind) || slp_wd_push(ts, cur, timeout, flags)) return NULL;
    slp_runq_unlink(ts, cur);
    Py_DECREF(cur);   /* held by the watchdog frame while it waits */
    Py_SETREF(cur->tempval, Py_NewRef(Py_None));
    return slp_transfer(ts, cur, next);
}

PyObject *slp_watchdog_run_end(slp_thread *ts, PyTaskletObject *caller, PyObject *resume)
{
    slp_wd_pop(ts, caller);
    return resume;
}

PyObject *slp_watchdog_run_nr(slp_thread *ts, long timeout, int flags)
{
    PyTaskletObject *cur = ts->current;
    PyObject *r;
    if (flags < 0 || flags > 255) SLP_RETURN_ERR(PyExc_ValueError, "flags must be in [0..255]", NULL);
    if (slp_watchdog_poll(ts)) return NULL;
    cur = ts->current;
    r = slp_run_begin(ts, timeout, flags, 1);
    if (STACKLESS_UNWINDING(r)) return r;
    return slp_watchdog_run_end(ts, cur, r);
}

PyObject *PyStackless_RunWatchdogEx(long timeout, int flags)
{
    slp_thread *ts = slp_thread_get();
    PyObject *r;
    if (flags < 0 || flags > 255) SLP_RETURN_ERR(PyExc_ValueError, "flags must be in [0..255]", NULL);
    if (slp_watchdog_poll(ts)) return NULL;
    {
        SLP_ENTER(ts);
        PyTaskletObject *cur = ts->current;
        r = slp_run_begin(ts, timeout, flags, 0);
        r = slp_watchdog_run_end(ts, cur, r);
        SLP_LEAVE(ts);
    }
    return r;
}

PyObject *PyStackless_RunWatchdog(long timeout) { return PyStackless_RunWatchdogEx(timeout, 0); }

int64_t slp_watchdog_deadline(slp_thread *ts)
{
    PyTaskletObject *cur = ts->current;
    if (!ts->wd.owner || !cur || cur == ts->wd.owner || cur->atomic) return -1;
    return ts->wd.slice_start + ts->wd.timeout_us;
}

void slp_watchdog_rearm(slp_thread *ts)
{
    if (ts->wd.owner) ts->wd.slice_start = slp_now_us() - ts->wd.timeout_us;
}

int slp_watchdog_poll_slow(slp_thread *ts)
{
    PyTaskletObject *cur, *w;
    PyObject *r;
    int64_t now;
    cur = ts->current;
    w = ts->wd.owner;
    if (!cur || cur == w || ts->in_callback) return 0;
    now = slp_now_us();
    if (now - ts->wd.slice_start < ts->wd.timeout_us) return 0;
    /* (with totaltimeout the budget is the whole run()'s: a deferred interrupt leaves it spent, so
     * that the next switch goes to the watchdog) */
    if (!(ts->wd.flags & PY_WATCHDOG_TOTALTIMEOUT)) ts->wd.slice_start = now;
    /* Deferral (API.md 5.2): soft mode, atomic, callbacks, switch_trap, or a nested call on
     * the host stack. A native tasklet's own stack is not "nesting" here (NODE.md 3.5). */
    if ((ts->wd.flags & PY_WATCHDOG_SOFT) || cur->atomic || ts->switch_trap || ts->host_nested ||
        cur->kind == SLP_KIND_HOSTED) {
        slp_irq_mark(ts, cur);
        return 0;
    }
    cur->pending_irq = 0;
    /* Hard interrupt: the victim is paused, the interrupt watchdog runs and returns it. The
     * victim is inside some C-API call, which cannot unwind. */
    ts->may_unwind = 0;
    Py_SETREF(w->tempval, Py_NewRef((PyObject *)cur));
    slp_runq_unlink(ts, cur);
    if (!w->in_runq && !w->blocked) slp_runq_append(ts, w);
    r = slp_transfer(ts, cur, w);
    Py_DECREF(cur);   /* the run queue's reference (the tasklet is held by its owner) */
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}
