/* tasklet.c - the tasklet type and the PyTasklet_* functions (C-API.md 3, STATES.md 2). */
#include "slp_internal.h"
#include <stdio.h>
#include <string.h>

static unsigned long slp_next_id = 1;   /* shared by all threads: incremented atomically */

#define CHECK_TASKLET(t, rv) do { \
        if (!(t) || !PyTasklet_Check((PyObject *)(t))) { \
            PyErr_SetString(PyExc_TypeError, (t) ? "argument must be a tasklet" : \
                            "tasklet argument is NULL"); \
            return rv; } } while (0)

static const char *cross_thread_msg =
    "operating on a tasklet of another thread is not supported yet";

/* ---- type ------------------------------------------------------------------------------- */

static void tasklet_dealloc(PyObject *o)
{
    PyTaskletObject *t = (PyTaskletObject *)o;
    slp_tasklet_clear_exec(t);
    Py_XDECREF(t->tempval);
    if (Py_TYPE(o)->tp_free) Py_TYPE(o)->tp_free(o);
    else PyObject_Free(o);
}

/* tasklet.__init__(func=None, args=None, kwargs=None) is exactly bind() (API.md 2.1), so a
 * subtype's initialiser can chain to PyTasklet_Type.tp_init. */
static int tasklet_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    PyObject *v[3] = {NULL, NULL, NULL};
    static const char *names[3] = {"func", "args", "kwargs"};
    Py_ssize_t n = args ? PyTuple_Size(args) : 0, i;
    if (n > 3) {
        PyErr_Format(PyExc_TypeError, "tasklet() takes at most 3 arguments (%zd given)", n);
        return -1;
    }
    for (i = 0; i < n; i++) v[i] = PyTuple_GET_ITEM(args, i);
    if (kwds) {
        for (i = 0; i < 3; i++) {
            PyObject *k = PyDict_GetItemString(kwds, names[i]);
            if (!k) continue;
            if (v[i]) {
                PyErr_Format(PyExc_TypeError, "argument '%s' given twice", names[i]);
                return -1;
            }
            v[i] = k;
        }
    }
    return PyTasklet_BindEx((PyTaskletObject *)self, v[0], v[1], v[2]);
}

PyTypeObject PyTasklet_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "_stackless.tasklet",
    .tp_basicsize = sizeof(PyTaskletObject),
    .tp_dealloc = tasklet_dealloc,
    .tp_init = tasklet_init,
    .tp_flags = Py_TPFLAGS_BASETYPE,
    .tp_base = &PyBaseObject_Type,
};

PyTaskletObject *slp_tasklet_alloc(PyTypeObject *type, slp_thread *ts)
{
    PyTaskletObject *t = (PyTaskletObject *)PyType_GenericAlloc(type, 0);
    return t ? slp_tasklet_init(t, ts) : NULL;
}

PyTaskletObject *slp_tasklet_init(PyTaskletObject *t, slp_thread *ts)
{
    t->ts = ts;
    t->tempval = Py_NewRef(Py_None);
    t->id = __atomic_fetch_add(&slp_next_id, 1, __ATOMIC_RELAXED);
    return t;
}

unsigned long slp_reserve_ids(unsigned long n)
{
    return __atomic_fetch_add(&slp_next_id, n, __ATOMIC_RELAXED);
}

PyTaskletObject *slp_create_main(slp_thread *ts)
{
    PyTaskletObject *m = slp_tasklet_alloc(&PyTasklet_Type, ts);
    if (!m) return NULL;
    m->kind = SLP_KIND_MAIN;
    m->exec = SLP_EXEC_STARTED;
    ts->main = m;   /* owns the creation reference */
    slp_update_fast(ts);
    slp_runq_append(ts, m);
    ts->current = m;
    return m;
}

void slp_cstate_link(slp_thread *ts, PyTaskletObject *t)
{
    t->cs_prev = NULL;
    t->cs_next = ts->cstate;
    if (ts->cstate) ts->cstate->cs_prev = t;
    ts->cstate = t;
}

void slp_cstate_unlink(slp_thread *ts, PyTaskletObject *t)
{
    if (t->cs_prev) t->cs_prev->cs_next = t->cs_next;
    else if (ts->cstate == t) ts->cstate = t->cs_next;
    if (t->cs_next) t->cs_next->cs_prev = t->cs_prev;
    t->cs_next = t->cs_prev = NULL;
}

int slp_tasklet_alive(PyTaskletObject *t)
{
    return t->exec != SLP_EXEC_NONE && slp_owner(t) != NULL;
}

int slp_tasklet_nesting(PyTaskletObject *t)
{
    return (t->kind == SLP_KIND_NATIVE || t->kind == SLP_KIND_HARD) && t->exec == SLP_EXEC_STARTED ? 1 : 0;
}

void slp_tasklet_clear_exec(PyTaskletObject *t)
{
    int started_native = t->kind == SLP_KIND_NATIVE && t->exec == SLP_EXEC_STARTED;
    Py_CLEAR(t->func);
    Py_CLEAR(t->args);
    Py_CLEAR(t->kwargs);
    if (t->stack) {
        slp_stack_release(t->stack);
        t->stack = NULL;
    }
    t->sp = NULL;
    if (started_native && t->ts) slp_cstate_unlink(t->ts, t);
    if ((t->kind == SLP_KIND_HOSTED || t->kind == SLP_KIND_HARD) && t->ts && t->ts->hooks.release)
        t->ts->hooks.release(t);
    t->kind = SLP_KIND_NONE;
    t->exec = SLP_EXEC_NONE;
    if (started_native) Py_DECREF(t);   /* the self reference taken when it started */
}

int slp_tasklet_prepare(PyTaskletObject *t, PyObject *func, PyObject *args, PyObject *kwargs)
{
    int hosted = PyType_HasFeature(Py_TYPE(func), Py_TPFLAGS_SLP_HOSTED_CALL);
    if (!hosted) {
        slp_thread *ts = slp_owner(t) ? t->ts : slp_thread_get();
        if (slp_stack_acquire(&t->stack, ts->stack_size) != 0) {
            t->stack = NULL;
            PyErr_Format(PyExc_MemoryError,
                         "cannot allocate a %zu KiB stack for a native tasklet (out of memory, or "
                         "out of kernel mappings: see vm.max_map_count)", ts->stack_size / 1024);
            return -1;
        }
        snprintf(t->stack->name, sizeof t->stack->name, "tasklet #%lu", t->id);
    }
    Py_INCREF(func);
    Py_INCREF(args);
    Py_XINCREF(kwargs);
    t->func = func;
    t->args = args;
    t->kwargs = kwargs;
    t->kind = SLP_KIND_NATIVE;
    if (hosted) {
        slp_thread *ts = slp_owner(t) ? t->ts : slp_thread_get();
        t->kind = ts->hooks.kind_of ? (unsigned char)ts->hooks.kind_of(t) : SLP_KIND_HOSTED;
    }
    t->exec = SLP_EXEC_INIT;
    Py_SETREF(t->tempval, Py_NewRef(Py_None));
    return 0;
}

/* ---- creation and binding ---------------------------------------------------------------- */

PyTaskletObject *PyTasklet_New(PyTypeObject *type, PyObject *func)
{
    PyTaskletObject *t;
    if (!type) type = &PyTasklet_Type;
    if (!PyType_Check((PyObject *)type) || !PyType_IsSubtype(type, &PyTasklet_Type)) {
        PyErr_SetNone(PyExc_TypeError);
        return NULL;
    }
    t = slp_tasklet_alloc(type, slp_thread_get());
    if (!t) return NULL;
    if (func && func != Py_None && PyTasklet_BindEx(t, func, NULL, NULL)) {
        Py_DECREF(t);
        return NULL;
    }
    /* Run a subclass's own initialiser (C-API.md 3: "Subclass __init__ is run"). */
    if (type->tp_init && type->tp_init != tasklet_init) {
        PyObject *args = (func && func != Py_None) ? PyTuple_Pack(1, func) : PyTuple_New(0);
        int r = args ? type->tp_init((PyObject *)t, args, NULL) : -1;
        Py_XDECREF(args);
        if (r < 0) {
            Py_DECREF(t);
            return NULL;
        }
    }
    return t;
}

int PyTasklet_BindEx(PyTaskletObject *t, PyObject *func, PyObject *args, PyObject *kwargs)
{
    slp_thread *owner;
    CHECK_TASKLET(t, -1);
    if (func == Py_None) func = NULL;
    if (args == Py_None) args = NULL;
    if (kwargs == Py_None) kwargs = NULL;
    if (func && !PyCallable_Check(func))
        SLP_RETURN_ERR(PyExc_TypeError, "tasklet function must be a callable or None", -1);
    if (args && !PyTuple_Check(args))
        SLP_RETURN_ERR(PyExc_TypeError, "tasklet args must be a tuple or None", -1);
    if (kwargs && !PyDict_Check(kwargs))
        SLP_RETURN_ERR(PyExc_TypeError, "tasklet kwargs must be a dictionary or None", -1);
    owner = slp_owner(t);
    if (owner && owner->main && owner->current == t)
        SLP_RETURN_ERR(PyExc_RuntimeError, "can't (re)bind the current tasklet", -1);
    if (t->in_runq || t->blocked)
        SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet is scheduled", -1);
    if (slp_tasklet_nesting(t))
        SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet has C state on its stack", -1);
    if (owner && owner->main == t && !args && !kwargs)
        SLP_RETURN_ERR(PyExc_RuntimeError, "can't unbind the main tasklet", -1);

    slp_tasklet_clear_exec(t);
    if (!args && !kwargs) {
        Py_SETREF(t->tempval, Py_NewRef(func ? func : Py_None));
        return 0;
    }
    if (func) Py_SETREF(t->tempval, Py_NewRef(func));
    if (t->tempval == Py_None)
        SLP_RETURN_ERR(PyExc_RuntimeError, "the tasklet was not bound to a function", -1);
    if (!PyCallable_Check(t->tempval))
        SLP_RETURN_ERR(PyExc_TypeError, "cframe function must be a callable", -1);
    if (!owner) SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet has no thread", -1);
    {
        PyObject *f = Py_NewRef(t->tempval), *a = args ? Py_NewRef(args) : PyTuple_New(0);
        int r = a ? slp_tasklet_prepare(t, f, a, kwargs) : -1;
        Py_DECREF(f);
        Py_XDECREF(a);
        return r;
    }
}

PyTaskletObject *PyTasklet_Bind(PyTaskletObject *t, PyObject *func)
{
    if (PyTasklet_BindEx(t, func, NULL, NULL)) return NULL;
    return (PyTaskletObject *)Py_NewRef((PyObject *)t);
}

int PyTasklet_Setup(PyTaskletObject *t, PyObject *args, PyObject *kwds)
{
    slp_thread *owner;
    CHECK_TASKLET(t, -1);
    if (!args || !PyTuple_Check(args))
        SLP_RETURN_ERR(PyExc_TypeError, "tasklet args must be a tuple", -1);
    if (kwds == Py_None) kwds = NULL;
    if (kwds && !PyDict_Check(kwds))
        SLP_RETURN_ERR(PyExc_TypeError, "tasklet kwargs must be a dictionary or None", -1);
    owner = slp_owner(t);
    if (slp_tasklet_alive(t) || t->in_runq)
        SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet is alive", -1);
    if (t->tempval == Py_None)
        SLP_RETURN_ERR(PyExc_RuntimeError, "the tasklet was not bound to a function", -1);
    if (!PyCallable_Check(t->tempval))
        SLP_RETURN_ERR(PyExc_TypeError, "cframe function must be a callable", -1);
    if (!owner) SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet has no thread", -1);
    if (owner != slp_thread_get()) SLP_RETURN_ERR(PyExc_RuntimeError, cross_thread_msg, -1);
    {
        PyObject *f = Py_NewRef(t->tempval);
        int r = slp_tasklet_prepare(t, f, args, kwds);
        Py_DECREF(f);
        if (r) return -1;
    }
    slp_runq_append(owner, t);
    return 0;
}

int PyTasklet_BindThread(PyTaskletObject *t, unsigned long thread_id)
{
    slp_thread *ts = slp_thread_get(), *target;
    CHECK_TASKLET(t, -1);
    target = thread_id == (unsigned long)-1 ? ts : slp_thread_find(thread_id);
    if (target == ts && slp_owner(t) == ts) return 0;
    if (t->in_runq) SLP_RETURN_ERR(PyExc_RuntimeError, "can't (re)bind a runnable tasklet", -1);
    if (slp_tasklet_nesting(t))
        SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet has C state on its stack", -1);
    if (!target) SLP_RETURN_ERR(PyExc_ValueError, "bad thread", -1);
    if (target != ts)
        SLP_RETURN_ERR(PyExc_RuntimeError,
                       "binding a tasklet to another thread is not supported yet", -1);
    t->ts = ts;
    return 0;
}

/* ---- queue operations -------------------------------------------------------------------- */

int PyTasklet_Insert(PyTaskletObject *t)
{
    slp_thread *ts = slp_thread_get(), *owner;
    CHECK_TASKLET(t, -1);
    if (slp_watchdog_poll(ts)) return -1;
    if (t->blocked) SLP_RETURN_ERR(PyExc_RuntimeError, "You cannot run a blocked tasklet", -1);
    if (t->in_runq) return 0;
    owner = slp_owner(t);
    if (!owner || !owner->main)
        SLP_RETURN_ERR(PyExc_RuntimeError, "Target thread isn't initialized", -1);
    if (owner != ts) SLP_RETURN_ERR(PyExc_RuntimeError, cross_thread_msg, -1);
    if (!slp_tasklet_alive(t))
        SLP_RETURN_ERR(PyExc_RuntimeError, "You cannot run an unbound(dead) tasklet", -1);
    slp_runq_append(ts, t);
    return 0;
}

int PyTasklet_Remove(PyTaskletObject *t)
{
    slp_thread *ts = slp_thread_get(), *owner;
    CHECK_TASKLET(t, -1);
    if (slp_watchdog_poll(ts)) return -1;
    owner = slp_owner(t);
    if (!owner) return 0;
    if (t->blocked) SLP_RETURN_ERR(PyExc_RuntimeError, "You cannot remove a blocked tasklet.", -1);
    if (owner->main && owner->current == t)
        SLP_RETURN_ERR(PyExc_RuntimeError, "The current tasklet cannot be removed.", -1);
    if (!t->in_runq) return 0;
    if (owner != ts) SLP_RETURN_ERR(PyExc_RuntimeError, cross_thread_msg, -1);
    slp_runq_unlink(ts, t);
    Py_DECREF(t);
    return 0;
}

/* run() and switch(): returns 0, 1 (the hosted caller must unwind) or -1. */
static int slp_run_switch(PyTaskletObject *t, int remove_caller, int may_unwind)
{
    slp_thread *ts = slp_thread_get(), *owner;
    PyTaskletObject *prev;
    PyObject *r;
    CHECK_TASKLET(t, -1);
    if (slp_watchdog_poll(ts)) return -1;
    owner = slp_owner(t);
    if (!owner) SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet has no thread", -1);
    if (owner != ts)
        SLP_RETURN_ERR(PyExc_RuntimeError, remove_caller ? "can't switch to a different thread."
                                                        : cross_thread_msg, -1);
    if (ts->main && ts->current == t) return 0;
    if (t->blocked) SLP_RETURN_ERR(PyExc_RuntimeError, "You cannot run a blocked tasklet", -1);
    if (!slp_tasklet_alive(t))
        SLP_RETURN_ERR(PyExc_RuntimeError, "You cannot run an unbound(dead) tasklet", -1);
    if (slp_check_can_switch(ts, may_unwind)) return -1;
    if (ts->switch_trap) SLP_RETURN_ERR(PyExc_RuntimeError, "switch_trap", -1);
    {
        SLP_ENTER(ts);
        prev = ts->current;
        if (!t->in_runq) slp_runq_append(ts, t);
        if (remove_caller) {
            slp_runq_unlink(ts, prev);
            Py_DECREF(prev);   /* main and started tasklets are held elsewhere */
        }
        r = slp_transfer(ts, prev, t);
        SLP_LEAVE(ts);
    }
    if (!r) return -1;
    if (STACKLESS_UNWINDING(r)) return 1;
    Py_DECREF(r);
    return 0;
}

int PyTasklet_Run(PyTaskletObject *t) { return slp_run_switch(t, 0, 0); }
int PyTasklet_Run_nr(PyTaskletObject *t) { return slp_run_switch(t, 0, 1); }
int PyTasklet_Switch(PyTaskletObject *t) { return slp_run_switch(t, 1, 0); }
int PyTasklet_Switch_nr(PyTaskletObject *t) { return slp_run_switch(t, 1, 1); }

/* ---- exceptions -------------------------------------------------------------------------- */

static int bomb_is_taskletexit(PyObject *bomb)
{
    PyObject *type = ((PyBombObject *)bomb)->curexc_type;
    return type && PyExceptionClass_Check(type) &&
           PyType_IsSubtype((PyTypeObject *)type, (PyTypeObject *)PyExc_TaskletExit);
}

/* Drop t's leftover links (a dead or orphaned tasklet may still sit in a channel). */
static void slp_unlink_leftovers(PyTaskletObject *t)
{
    if (t->blocked) {
        slp_channel_remove(t->chan, t);
        Py_DECREF(t);
    }
}

int slp_throw(PyTaskletObject *t, PyObject *bomb, int pending, int is_kill)
{
    slp_thread *ts = slp_thread_get(), *owner = slp_owner(t);
    PyTaskletObject *prev;
    PyObject *r;

    if (ts->main && ts->current == t) {
        slp_bomb_explode(bomb);
        return -1;
    }
    if (!owner) {
        if (is_kill) {
            Py_INCREF(t);
            slp_unlink_leftovers(t);
            slp_tasklet_clear_exec(t);
            Py_DECREF(t);
            Py_DECREF(bomb);
            return 0;
        }
        if (t->exec == SLP_EXEC_NONE && bomb_is_taskletexit(bomb)) {
            slp_unlink_leftovers(t);
            Py_DECREF(bomb);
            return 0;
        }
        Py_DECREF(bomb);
        SLP_RETURN_ERR(PyExc_RuntimeError, "tasklet has no thread", -1);
    }
    if (owner != ts) {
        Py_DECREF(bomb);
        SLP_RETURN_ERR(PyExc_RuntimeError, cross_thread_msg, -1);
    }
    if (!slp_tasklet_alive(t)) {
        if (is_kill || bomb_is_taskletexit(bomb)) {
            slp_unlink_leftovers(t);
            Py_DECREF(bomb);
            return 0;
        }
        Py_DECREF(bomb);
        SLP_RETURN_ERR(PyExc_RuntimeError, "You cannot throw to a dead tasklet", -1);
    }
    if (!pending) {
        if (slp_check_can_switch(ts, 0) || (ts->switch_trap && (PyErr_SetString(
                PyExc_RuntimeError, "switch_trap"), 1))) {
            Py_DECREF(bomb);
            return -1;
        }
    }
    Py_SETREF(t->tempval, bomb);
    if (t->blocked) {
        slp_channel_remove(t->chan, t);
        slp_runq_append(ts, t);
        Py_DECREF(t);   /* the channel's reference */
    } else if (!t->in_runq) {
        slp_runq_append(ts, t);
    }
    if (pending) return 0;
    {
        SLP_ENTER(ts);
        prev = ts->current;
        r = slp_transfer(ts, prev, t);
        SLP_LEAVE(ts);
    }
    if (!r) return -1;
    if (STACKLESS_UNWINDING(r)) return 1;
    Py_DECREF(r);
    return 0;
}

int PyTasklet_Throw(PyTaskletObject *self, int pending, PyObject *exc, PyObject *val, PyObject *tb)
{
    PyObject *bomb;
    CHECK_TASKLET(self, -1);
    if (slp_watchdog_poll(slp_thread_get())) return -1;
    bomb = slp_bomb_from_throw_args(exc, val, tb);
    if (!bomb) return -1;
    return slp_throw(self, bomb, pending, 0) < 0 ? -1 : 0;
}

int PyTasklet_RaiseException(PyTaskletObject *self, PyObject *klass, PyObject *args)
{
    PyObject *bomb;
    CHECK_TASKLET(self, -1);
    if (slp_watchdog_poll(slp_thread_get())) return -1;
    bomb = slp_bomb_from_class_args(klass, args, "tasklet.raise_exception");
    if (!bomb) return -1;
    return slp_throw(self, bomb, 0, 0) < 0 ? -1 : 0;
}

int PyTasklet_KillEx(PyTaskletObject *self, int pending)
{
    PyObject *bomb;
    CHECK_TASKLET(self, -1);
    if (slp_watchdog_poll(slp_thread_get())) return -1;
    if (!slp_tasklet_alive(self) && slp_owner(self)) return 0;   /* not alive: no-op */
    bomb = slp_make_bomb(PyExc_TaskletExit, NULL, NULL);
    if (!bomb) return -1;
    return slp_throw(self, bomb, pending, 1) < 0 ? -1 : 0;
}

int PyTasklet_Kill(PyTaskletObject *self) { return PyTasklet_KillEx(self, 0); }

/* ---- flags and predicates ---------------------------------------------------------------- */

#define POLL_TASKLET(t, rv) do { CHECK_TASKLET(t, rv); { slp_thread *ts_ = slp_thread_peek(); \
        if (ts_) slp_watchdog_poll(ts_); } } while (0)

int PyTasklet_GetAtomic(PyTaskletObject *t) { POLL_TASKLET(t, -1); return t->atomic; }

int PyTasklet_SetAtomic(PyTaskletObject *t, int flag)
{
    int old;
    POLL_TASKLET(t, -1);
    old = t->atomic;
    t->atomic = flag != 0;
    if (old && !flag && slp_owner(t) && slp_irq_pending(t->ts, t) && t->ts->current == t)
        slp_watchdog_rearm(t->ts);
    return old;
}

int PyTasklet_GetIgnoreNesting(PyTaskletObject *t) { POLL_TASKLET(t, -1); return t->ignore_nesting; }

int PyTasklet_SetIgnoreNesting(PyTaskletObject *t, int flag)
{
    int old;
    POLL_TASKLET(t, -1);
    old = t->ignore_nesting;
    t->ignore_nesting = flag != 0;
    if (!old && flag && slp_owner(t) && slp_irq_pending(t->ts, t) && t->ts->current == t)
        slp_watchdog_rearm(t->ts);
    return old;
}

int PyTasklet_GetBlockTrap(PyTaskletObject *t) { POLL_TASKLET(t, -1); return t->block_trap; }
void PyTasklet_SetBlockTrap(PyTaskletObject *t, int value) { POLL_TASKLET(t, ); t->block_trap = value != 0; }
PyObject *PyTasklet_GetFrame(PyTaskletObject *t) { POLL_TASKLET(t, NULL); return NULL; }

int PyTasklet_IsMain(PyTaskletObject *t)
{
    slp_thread *o;
    POLL_TASKLET(t, -1);
    o = slp_owner(t);
    return o && o->main == t;
}

int PyTasklet_IsCurrent(PyTaskletObject *t)
{
    slp_thread *o;
    POLL_TASKLET(t, -1);
    o = slp_owner(t);
    return o && o->main && o->current == t;
}

int PyTasklet_GetRecursionDepth(PyTaskletObject *t) { POLL_TASKLET(t, -1); return 0; }
int PyTasklet_GetNestingLevel(PyTaskletObject *t) { POLL_TASKLET(t, -1); return slp_tasklet_nesting(t); }
int PyTasklet_Alive(PyTaskletObject *t) { POLL_TASKLET(t, -1); return slp_tasklet_alive(t); }
int PyTasklet_Scheduled(PyTaskletObject *t) { POLL_TASKLET(t, -1); return t->in_runq || t->blocked; }
int PyTasklet_Paused(PyTaskletObject *t)
{
    POLL_TASKLET(t, -1);
    return slp_tasklet_alive(t) && !t->in_runq && !t->blocked;
}
int PyTasklet_Restorable(PyTaskletObject *t) { POLL_TASKLET(t, -1); return slp_tasklet_nesting(t) == 0; }
int PyTasklet_GetPendingIrq(PyTaskletObject *t)
{
    POLL_TASKLET(t, -1);
    return slp_owner(t) ? slp_irq_pending(t->ts, t) : 0;
}
int PyTasklet_GetBlocked(PyTaskletObject *t) { POLL_TASKLET(t, -1); return t->blocked; }
