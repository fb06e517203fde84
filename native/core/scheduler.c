/* scheduler.c - the run queue, the transfer of control between tasklets of every kind, the
 * host loop, the start and end of native tasklets, and the empty-queue rules (STATES.md 4).
 *
 * Stacks: the main tasklet and hosted (JS) tasklets run on the thread's own stack, the "host"
 * stack. Native tasklets run on their own mapped stacks. A native tasklet switches directly
 * to another native tasklet (one context switch per hand-over); to reach a tasklet on the
 * host stack it switches to the host loop, which is where the host stack is always suspended
 * while a native tasklet runs. The host loop runs inside the main tasklet's blocking call:
 * it steps hosted tasklets, switches into native ones, and serves calls that native tasklets
 * must make on the host stack (JS never runs on a mapped stack: architecture-findings.md). */
#include "slp_internal.h"
#include <stdio.h>
#include <stdlib.h>

/* ---- run queue (circular; ts->current is the head) --------------------------------------- */

void slp_runq_append(slp_thread *ts, PyTaskletObject *t)
{
    PyTaskletObject *h = ts->current;
    Py_INCREF(t);
    if (!h) {
        t->next = t->prev = t;
        ts->current = t;
    } else {
        t->prev = h->prev;
        t->next = h;
        h->prev->next = t;
        h->prev = t;
    }
    t->in_runq = 1;
    ts->runcount++;
}

void slp_runq_insert_after(slp_thread *ts, PyTaskletObject *after, PyTaskletObject *t)
{
    Py_INCREF(t);
    t->prev = after;
    t->next = after->next;
    after->next->prev = t;
    after->next = t;
    t->in_runq = 1;
    ts->runcount++;
}

void slp_runq_unlink(slp_thread *ts, PyTaskletObject *t)
{
    if (t->next == t) {
        ts->current = NULL;
    } else {
        t->prev->next = t->next;
        t->next->prev = t->prev;
        if (ts->current == t) ts->current = t->next;
    }
    t->next = t->prev = NULL;
    t->in_runq = 0;
    ts->runcount--;
}

/* ---- resume values ----------------------------------------------------------------------- */

PyObject *slp_resume_value(PyTaskletObject *t)
{
    PyObject *v = t->tempval;
    t->tempval = Py_NewRef(Py_None);
    if (PyBomb_Check(v)) return slp_bomb_explode(v);
    return v;
}

/* ---- switching machinery ----------------------------------------------------------------- */

void slp_after_switch_slow(slp_thread *ts)
{
    if (ts->dead_stack) {
        slp_stack_release(ts->dead_stack);
        ts->dead_stack = NULL;
    }
    if (ts->dead_tasklet) {
        PyTaskletObject *d = ts->dead_tasklet;
        ts->dead_tasklet = NULL;
        Py_DECREF(d);
    }
}

/* Serve a call that a native tasklet asked to run on the host stack, then resume it. */
static void slp_serve_host_call(slp_thread *ts)
{
    slp_host_call hc = ts->host_call;
    ts->host_call.fn = NULL;
    ts->host_nested++;
    slp_update_fast(ts);
    hc.fn(hc.arg);
    ts->host_nested--;
    slp_update_fast(ts);
    {
        void *target = slp_native_target(hc.requester);
        slp_ctx_switch(&ts->host_sp, target, hc.requester->stack->lo, hc.requester->stack->size);
    }
    slp_after_switch(ts);
}

void slp_host_step(slp_thread *ts)
{
    PyTaskletObject *t = ts->current;
    void *target = slp_native_target(t);
    slp_ctx_switch(&ts->host_sp, target, t->stack->lo, t->stack->size);
    slp_after_switch(ts);
    while (ts->host_call.fn) slp_serve_host_call(ts);
}

/* The host loop: runs on the host stack for the main tasklet `self` (which is not current)
 * until self is current again. */
static void slp_host_loop(slp_thread *ts, PyTaskletObject *self)
{
    for (;;) {
        PyTaskletObject *t = ts->current;
        if (t == self) return;
        if (t->kind == SLP_KIND_NATIVE) {
            slp_host_step(ts);
        } else if ((t->kind == SLP_KIND_HOSTED || t->kind == SLP_KIND_HARD) && ts->hooks.step) {
            ts->hooks.step(t);
            slp_after_switch(ts);
        } else {
            fprintf(stderr, "stackless: fatal: the host loop cannot run tasklet #%lu (kind %d)\n",
                    t->id, (int)t->kind);
            abort();
        }
    }
}

void slp_run_on_host(slp_thread *ts, void (*fn)(void *), void *arg)
{
    PyTaskletObject *self = ts->running_native;
    if (!self || ts->host_nested) {
        fn(arg);   /* already on the host stack */
        return;
    }
    ts->host_call.fn = fn;
    ts->host_call.arg = arg;
    ts->host_call.requester = self;
    slp_overflow_set_running(NULL, NULL);
    ts->running_native = NULL;
    slp_ctx_switch(&self->sp, ts->host_sp, NULL, 0);
    slp_after_switch(ts);
}

/* Soft watchdog interrupt (API.md 5.2 soft): the first voluntary switch of a marked tasklet
 * goes to the watchdog instead; an immediate channel hand-over passes the mark on. */
static PyTaskletObject *slp_soft_divert(slp_thread *ts, PyTaskletObject *prev, PyTaskletObject *next)
{
    PyTaskletObject *w = ts->wd.owner;
    if (!slp_irq_pending(ts, prev) || !(ts->wd.flags & PY_WATCHDOG_SOFT) || prev == w) return next;
    prev->pending_irq = 0;
    if (ts->handover) {
        slp_irq_mark(ts, next);
        return next;
    }
    if (!w->in_runq && !w->blocked) slp_runq_append(ts, w);
    if (!w->in_runq) return next;   /* the watchdog waits on a channel: keep going */
    Py_SETREF(w->tempval, Py_NewRef(Py_None));
    return w;
}

/* totaltimeout (API.md 5.2): once the whole run() is over its budget, every switch goes to the
 * watchdog. Tasklets that only ever switch (generator tasklets yielding switching calls, whose
 * yields are not polled) would otherwise keep it from returning. In hard mode the tasklet that
 * was about to run is the victim: it leaves the run queue unresumed (its resume value stays),
 * and run() returns it, paused; in soft mode every tasklet stays scheduled. */
static PyTaskletObject *slp_total_divert(slp_thread *ts, PyTaskletObject *next)
{
    PyTaskletObject *w = ts->wd.owner;
    if (!(ts->wd.flags & PY_WATCHDOG_TOTALTIMEOUT) || next == w || next == ts->main || next->atomic ||
        w->blocked || ts->in_callback || ts->host_nested || ts->switch_trap ||
        slp_now_us() - ts->wd.slice_start < ts->wd.timeout_us)
        return next;
    if (!(ts->wd.flags & PY_WATCHDOG_SOFT)) {
        Py_SETREF(w->tempval, Py_NewRef((PyObject *)next));
        slp_runq_unlink(ts, next);
        Py_DECREF(next);   /* the run queue's reference: w->tempval holds one */
    } else {
        Py_SETREF(w->tempval, Py_NewRef(Py_None));
    }
    if (!w->in_runq) slp_runq_append(ts, w);
    return w;
}

PyObject *slp_transfer(slp_thread *ts, PyTaskletObject *prev, PyTaskletObject *next)
{
    next = slp_soft_divert(ts, prev, next);
    if (ts->wd.owner) next = slp_total_divert(ts, next);
    ts->handover = 0;
    if (prev == next) {
        ts->current = next;
        return slp_resume_value(prev);
    }
    slp_call_schedule_callback(ts, prev, next);
    ts->current = next;
    slp_watchdog_switched(ts);
    switch (prev->kind) {
    case SLP_KIND_HOSTED:
        return (PyObject *)Py_UnwindToken;
    case SLP_KIND_HARD:
        /* Blocks this OS thread until the host steps prev again. Native stacks are only ever
         * left and freed on the host thread, so there is no after-switch work here. */
        ts->hooks.park(prev);
        break;
    case SLP_KIND_NATIVE:
        slp_leave_native(ts, &prev->sp, next);
        slp_after_switch(ts);
        break;
    default:   /* main, on the host stack */
        /* Under a host trampoline an _nr call unwinds to it; a plain call (C code running in
         * main) blocks here, running the others from the C host loop. */
        if (ts->main_hosted && ts->may_unwind) return (PyObject *)Py_UnwindToken;
        slp_host_loop(ts, prev);
        break;
    }
    return slp_resume_value(prev);
}

int slp_check_can_switch(slp_thread *ts, int may_unwind)
{
    PyTaskletObject *cur = ts->current;
    if (ts->in_callback)
        SLP_RETURN_ERR(PyExc_RuntimeError, "Recursive scheduler call due to callbacks!", -1);
    if (ts->host_nested)
        SLP_RETURN_ERR(PyExc_RuntimeError,
                       "cannot switch tasklets inside a call that a native tasklet made on the "
                       "scheduler's stack: return from the call first", -1);
    ts->may_unwind = may_unwind;
    if (cur && cur->kind == SLP_KIND_HOSTED && !may_unwind) {
        if (ts->hooks.cannot_block) ts->hooks.cannot_block(cur);
        else PyErr_SetString(PyExc_RuntimeError,
                             "this tasklet runs on the scheduler's stack and cannot block here: "
                             "use the _nr variant of the call");
        return -1;
    }
    return 0;
}

/* ---- empty run queue: who runs next (STATES.md 4.2) --------------------------------------- */

PyTaskletObject *slp_wakeup_target(slp_thread *ts)
{
    if (ts->wd.depth) return ts->wd.stack[ts->wd.depth - 1].caller;
    return ts->main;
}

int slp_is_paused(PyTaskletObject *t)
{
    return slp_tasklet_alive(t) && !t->in_runq && !t->blocked;
}

PyTaskletObject *slp_next_after_block(slp_thread *ts, PyTaskletObject *blocker)
{
    PyTaskletObject *w;
    int threadblock;
    if (ts->current) return ts->current;
    w = slp_wakeup_target(ts);
    threadblock = ts->wd.owner && (ts->wd.flags & Py_WATCHDOG_THREADBLOCK);
    /* No other thread can make our tasklets runnable (cross-thread operations are not
     * supported yet), so a thread-block could never end: on the process main thread the
     * paused watchdog resumes instead, elsewhere the blocker gets the deadlock error. */
    if (w && slp_is_paused(w) && (!threadblock || ts->is_process_main)) {
        if (w != blocker) Py_SETREF(w->tempval, Py_NewRef(Py_None));
        slp_runq_append(ts, w);
        return w;
    }
    PyErr_SetString(PyExc_RuntimeError, "Deadlock: the last runnable tasklet cannot be blocked.");
    return NULL;
}

/* Put the blocker back where it was in the run queue (it was the head). */
static void slp_restore_current(slp_thread *ts, PyTaskletObject *t)
{
    slp_runq_append(ts, t);
    ts->current = t;
}

PyObject *slp_schedule(slp_thread *ts, PyObject *retval, int remove, int may_unwind)
{
    PyTaskletObject *prev = ts->current, *next;
    if (slp_check_can_switch(ts, may_unwind)) return NULL;
    if (!remove) {
        next = prev->next;
        if (next != prev && ts->switch_trap)
            SLP_RETURN_ERR(PyExc_RuntimeError, "switch_trap", NULL);
        Py_SETREF(prev->tempval, Py_NewRef(retval));
        return slp_transfer(ts, prev, next);
    }
    if (ts->switch_trap) {
        PyTaskletObject *w = slp_wakeup_target(ts);
        if (prev->next != prev || (w && w != prev && slp_is_paused(w)))
            SLP_RETURN_ERR(PyExc_RuntimeError, "switch_trap", NULL);
    }
    slp_runq_unlink(ts, prev);
    next = slp_next_after_block(ts, prev);
    if (!next) {
        slp_restore_current(ts, prev);
        Py_DECREF(prev);   /* restore took its own reference */
        return NULL;
    }
    Py_DECREF(prev);   /* the queue's reference; main/started tasklets are held elsewhere */
    Py_SETREF(prev->tempval, Py_NewRef(retval));
    return slp_transfer(ts, prev, next);
}

/* ---- the end of a tasklet ---------------------------------------------------------------- */

/* Deliver bomb (stolen) to the wake-up target and return it, made runnable. */
static PyTaskletObject *slp_deliver_to_wakeup(slp_thread *ts, PyObject *bomb)
{
    PyTaskletObject *w = slp_wakeup_target(ts);
    if (!w) {
        fprintf(stderr, "stackless: fatal: a tasklet ended with no main tasklet to return to\n");
        abort();
    }
    if (w->blocked) {
        slp_channel_remove(w->chan, w);
        Py_DECREF(w);   /* the channel's reference; runq takes its own below */
    }
    Py_SETREF(w->tempval, bomb);
    if (!w->in_runq) slp_runq_append(ts, w);
    return w;
}

/* Route the exception that ended tasklet t (STATES.md 4.3). Returns a bomb for the wake-up
 * target, or NULL if the exception was swallowed. Clears the error indicator. */
static PyObject *slp_route_exception(slp_thread *ts, PyTaskletObject *t)
{
    if (PyErr_ExceptionMatches(PyExc_TaskletExit)) {
        PyErr_Clear();
        return NULL;
    }
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
        PyObject *type, *value, *tb;
        if (!ts->is_process_main) {
            PyErr_Clear();
            return NULL;
        }
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (ts->hooks.system_exit) {
            ts->hooks.system_exit(value);
        } else {
            PyObject *args = value ? PyObject_GetAttrString(value, "args") : NULL;
            long code = 0;
            PyErr_Clear();
            if (args && PyTuple_Check(args) && PyTuple_GET_SIZE(args) > 0 &&
                PyLong_Check(PyTuple_GET_ITEM(args, 0)))
                code = PyLong_AsLong(PyTuple_GET_ITEM(args, 0));
            exit((int)code);
        }
        Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(tb);
        return NULL;
    }
    if (ts->error_handler) {
        PyObject *type, *value, *tb, *r;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        r = PyObject_CallFunctionObjArgs(ts->error_handler, type ? type : Py_None,
                                         value ? value : Py_None, tb ? tb : Py_None, NULL);
        Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(tb);
        if (r) {
            Py_DECREF(r);
            return NULL;
        }
    }
    return slp_bomb_from_error();
}

/* t (current) ended with result (NULL: exception set). Unlinks it, marks it dead and
 * returns who runs next (borrowed; in the run queue). */
static PyTaskletObject *slp_end_tasklet(slp_thread *ts, PyTaskletObject *t, PyObject *result)
{
    PyObject *bomb = NULL;
    PyTaskletObject *succ;
    if (result) Py_DECREF(result);
    else bomb = slp_route_exception(ts, t);

    succ = t->next != t ? t->next : NULL;
    slp_runq_unlink(ts, t);
    t->exec = SLP_EXEC_NONE;
    t->pending_irq = 0;
    Py_SETREF(t->tempval, Py_NewRef(Py_None));
    Py_DECREF(t);   /* the run queue's reference: the caller still holds one */

    if (bomb) return slp_deliver_to_wakeup(ts, bomb);
    if (succ) return succ;
    {
        PyTaskletObject *w = slp_wakeup_target(ts);
        if (w && slp_is_paused(w)) {
            Py_SETREF(w->tempval, Py_NewRef(Py_None));
            slp_runq_append(ts, w);
            return w;
        }
        if (w && w->blocked) {
            PyObject *b;
            PyErr_SetString(PyExc_RuntimeError, w->blocked < 0
                ? "the main tasklet is receiving without a sender available."
                : "the main tasklet is sending without a receiver available.");
            b = slp_bomb_from_error();
            return slp_deliver_to_wakeup(ts, b);
        }
    }
    fprintf(stderr, "stackless: fatal: tasklet #%lu ended and nothing can run next\n", t->id);
    abort();
}

/* First code on a native tasklet's own stack. */
void slp_native_entry(void *arg)
{
    PyTaskletObject *t = (PyTaskletObject *)arg, *next;
    slp_thread *ts = t->ts;
    PyObject *func = t->func, *args = t->args, *kwargs = t->kwargs, *v, *result = NULL;
    void *dead_sp;

    slp_after_switch(ts);
    t->func = t->args = t->kwargs = NULL;
    t->exec = SLP_EXEC_STARTED;
    Py_INCREF(t);   /* a tasklet that owns C state stays alive until it ends */
    slp_cstate_link(ts, t);

    v = slp_resume_value(t);   /* a throw()/kill() before the start explodes here */
    if (v) {
        Py_DECREF(v);
        result = PyObject_Call(func, args, kwargs);
    }
    Py_DECREF(func);
    Py_DECREF(args);
    Py_XDECREF(kwargs);

    slp_cstate_unlink(ts, t);
    next = slp_end_tasklet(ts, t, result);
    slp_call_schedule_callback(ts, t, next);
    ts->current = next;
    slp_watchdog_switched(ts);
    /* Leave for good: the stack and our last reference go after the switch. */
    ts->dead_stack = t->stack;
    ts->dead_tasklet = t;
    t->stack = NULL;
    t->sp = NULL;
    t->kind = SLP_KIND_NONE;
    slp_leave_native(ts, &dead_sp, next);
    fprintf(stderr, "stackless: fatal: a dead tasklet was resumed\n");
    abort();
}

int slp_hosted_begin(PyTaskletObject *t, PyObject **func, PyObject **args, PyObject **kwargs)
{
    if (t->exec != SLP_EXEC_INIT) return 0;
    *func = t->func;
    *args = t->args;
    *kwargs = t->kwargs;
    t->func = t->args = t->kwargs = NULL;
    t->exec = SLP_EXEC_STARTED;
    return 1;
}

void slp_hosted_end(PyTaskletObject *t, PyObject *result)
{
    slp_thread *ts = t->ts;
    PyTaskletObject *next = slp_end_tasklet(ts, t, result);
    slp_call_schedule_callback(ts, t, next);
    ts->current = next;
    slp_watchdog_switched(ts);
    t->kind = SLP_KIND_NONE;
    if (ts->hooks.release) ts->hooks.release(t);
}

/* ---- module functions -------------------------------------------------------------------- */

static PyObject *slp_schedule_api(PyObject *retval, int remove, int may_unwind)
{
    slp_thread *ts = slp_thread_get();
    PyObject *r;
    if (!retval) SLP_RETURN_ERR(PyExc_SystemError, "bad argument to internal function", NULL);
    if (slp_watchdog_poll(ts)) return NULL;
    {
        SLP_ENTER(ts);
        r = slp_schedule(ts, retval, remove, may_unwind);
        SLP_LEAVE(ts);
    }
    return r;
}

PyObject *PyStackless_Schedule(PyObject *retval, int remove) { return slp_schedule_api(retval, remove, 0); }
PyObject *PyStackless_Schedule_nr(PyObject *retval, int remove) { return slp_schedule_api(retval, remove, 1); }
