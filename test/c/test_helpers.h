/* test_helpers.h - the helpers shared by the C conformance tests (test_tasklet_states.c,
 * test_tasklet_ops.c, test_runqueue.c, test_native_stress.c, test_outside.c,
 * test_channel_ops.c, test_channel_scheduling.c, test_channel_misuse.c, test_callbacks.c,
 * test_watchdog.c, test_traps.c, test_softfunc.c), on top of harness.h. Include it first (it
 * sets _POSIX_C_SOURCE before any system header). Everything here is prefixed th_.
 *
 *  - the event log: th_logf() appends one space-separated token ("A1 B1 M ..."). CHECK_LOG(e)
 *    compares the whole log with the exact sequence e and resets it; CHECK_LOG_SO_FAR(e)
 *    compares without resetting (the log grows until th_log_reset());
 *  - MAIN_TEST(name) { body }: a test whose body runs inside a main tasklet created with
 *    PyStackless_CallCMethod_Main (a C program starts "outside"); th_run_main(fn) does the same
 *    for a plain function. It resets the log and the names first; while the body runs th_main
 *    is the main tasklet (borrowed, named "M"), NULL otherwise; the run queue must hold only
 *    main at the start and at the end, and the body must leave no exception set;
 *  - names: th_name_set(obj, "R") gives a tasklet / channel a short name for logs, th_name(obj)
 *    gives it back ("M" for an unnamed main tasklet, "None", "NULL", "?");
 *  - text: th_val(v) for a value, th_exc_name(type) for an exception class, th_exc_tag() /
 *    th_exc_msg() for the pending exception, th_log_exc(who) logs "<who>:<Class>(<message>)";
 *  - native tasklets: th_new / th_spawn for a PyMethodDef bound to a self object,
 *    th_spawn_fn(fn, arg, name) for a task function PyObject *fn(long arg), th_spawn_f for any
 *    callable; shared task functions that log with a prefix: th_logger, th_raiser,
 *    th_receiver, th_sender (th_spawn_logger / _raiser / _receiver / _sender name the tasklet
 *    after the prefix);
 *  - scheduling: th_schedule, th_drain, th_drain_all, th_finish, th_self;
 *  - w_park, a configurable native tasklet function that puts tasklets into the states of
 *    STATES.md (paused after schedule_remove, runnable after schedule, blocked on a channel),
 *    logging "start[M]", "resumed:V[M]" or "exc:Tag[M]" where M is the main tasklet's state at
 *    that moment (C, R, P, BL, "-" outside); fixtures: fx_make(&f, ST_x) builds a tasklet in
 *    canonical state x, fx_cleanup kills it and drops it; CHECK_ATTRS checks every predicate;
 *  - channels: th_new_chan, th_send_int, CHECK_CHAN; CHECK_ERR2; capturing stderr; a
 *    microsecond clock. */
#ifndef SLP_TEST_HELPERS_H
#define SLP_TEST_HELPERS_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define TH_UNUSED __attribute__((unused))

/* ---- event log ------------------------------------------------------------------------------ */
static char th_log[1 << 16];
static size_t th_loglen;

static inline void th_log_reset(void) { th_loglen = 0; th_log[0] = 0; }

static inline __attribute__((format(printf, 1, 2))) void th_logf(const char *fmt, ...)
{
    va_list ap;
    if (th_loglen && th_loglen < sizeof th_log - 1) th_log[th_loglen++] = ' ';
    va_start(ap, fmt);
    if (th_loglen < sizeof th_log - 1) {
        int n = vsnprintf(th_log + th_loglen, sizeof th_log - th_loglen, fmt, ap);
        if (n > 0) th_loglen += (size_t)n;
        if (th_loglen > sizeof th_log - 1) th_loglen = sizeof th_log - 1;
    }
    va_end(ap);
    th_log[th_loglen] = 0;
}

static inline void th_check_log(const char *expected, int reset, const char *file, int line)
{
    if (strcmp(th_log, expected) != 0) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: event log\n      got:      '%s'\n      expected: '%s'\n",
                file, line, h_current, th_log, expected);
    }
    if (reset) th_log_reset();
}
#define CHECK_LOG(expected) th_check_log((expected), 1, __FILE__, __LINE__)
#define CHECK_LOG_SO_FAR(expected) th_check_log((expected), 0, __FILE__, __LINE__)

#define CHECK_STR(got, expected) do { const char *_g = (got), *_e = (expected); \
    if (!_g || strcmp(_g, _e) != 0) { h_failed_checks++; \
    fprintf(stderr, "  FAIL %s:%d in %s: %s is '%s', expected '%s'\n", __FILE__, __LINE__, \
            h_current, #got, _g ? _g : "(null)", _e); } } while (0)

/* ---- names of objects ----------------------------------------------------------------------- */
static struct { PyObject *obj; char name[24]; } th_names[64];
static int th_nnames;

static inline void th_name_set(PyObject *o, const char *name)
{
    for (int i = 0; i < th_nnames; i++)
        if (th_names[i].obj == o) { snprintf(th_names[i].name, sizeof th_names[i].name, "%s", name); return; }
    if (th_nnames < (int)(sizeof th_names / sizeof th_names[0])) {
        th_names[th_nnames].obj = o;
        snprintf(th_names[th_nnames].name, sizeof th_names[th_nnames].name, "%s", name);
        th_nnames++;
    }
}
static inline void th_names_clear(void) { th_nnames = 0; }
static inline const char *th_name(PyObject *o)
{
    if (!o) return "NULL";
    if (o == Py_None) return "None";
    for (int i = 0; i < th_nnames; i++)
        if (th_names[i].obj == o) return th_names[i].name;
    if (PyTasklet_Check(o) && PyTasklet_IsMain((PyTaskletObject *)o)) return "M";
    return "?";
}

/* ---- values and exceptions as text ---------------------------------------------------------- */
/* Short text for a value: integers, None, strings, named objects (8 results stay valid). */
static char th_val_buf[8][128];
static int th_val_idx;
static inline const char *th_val(PyObject *v)
{
    char *b = th_val_buf[th_val_idx++ & 7];
    if (!v) snprintf(b, 128, "NULL");
    else if (v == Py_None) snprintf(b, 128, "None");
    else if (PyLong_Check(v)) snprintf(b, 128, "%ld", PyLong_AsLong(v));
    else if (PyUnicode_Check(v)) snprintf(b, 128, "%s", PyUnicode_AsUTF8(v));
    else snprintf(b, 128, "%s", th_name(v));
    return b;
}

/* Short name of an exception class. */
static inline const char *th_exc_name(PyObject *type)
{
    if (!type) return "NULL";
    if (type == PyExc_TaskletExit) return "TaskletExit";
    if (type == PyExc_SystemExit) return "SystemExit";
    if (type == PyExc_ZeroDivisionError) return "ZeroDivisionError";
    if (type == PyExc_RuntimeError) return "RuntimeError";
    if (type == PyExc_ValueError) return "ValueError";
    if (type == PyExc_TypeError) return "TypeError";
    if (type == PyExc_SystemError) return "SystemError";
    if (type == PyExc_AttributeError) return "AttributeError";
    if (type == PyExc_StopIteration) return "StopIteration";
    if (type == PyExc_Exception) return "Exception";
    if (PyType_Check(type)) return ((PyTypeObject *)type)->tp_name;
    return "?";
}

/* Class name of the pending exception ("none" without one); leaves it set. */
static inline const char *th_exc_tag(void)
{
    PyObject *t = PyErr_Occurred();
    return t ? th_exc_name(t) : "none";
}

/* Message (str of the value) of the pending exception, also kept in th_last_msg; leaves the
 * exception set (normalized). */
static char th_last_msg[512];
static inline const char *th_exc_msg(void)
{
    PyObject *t, *v, *tb, *s;
    th_last_msg[0] = 0;
    if (!PyErr_Occurred()) return th_last_msg;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    s = v ? PyObject_Str(v) : NULL;
    if (s) {
        const char *u = PyUnicode_AsUTF8(s);
        snprintf(th_last_msg, sizeof th_last_msg, "%s", u ? u : "");
        Py_DECREF(s);
    }
    if (PyErr_Occurred()) PyErr_Clear();
    PyErr_Restore(t, v, tb);
    return th_last_msg;
}

/* Log "<who>:<Class>(<message>)" for the pending exception. Returns 1 if it is TaskletExit
 * (the exception is left set, so that the tasklet can let it propagate), else clears it and
 * returns 0. Without a pending exception logs "<who>:NOEXC" and returns 0. */
static inline int th_log_exc(const char *who)
{
    const char *msg;
    if (!PyErr_Occurred()) { th_logf("%s:NOEXC", who); return 0; }
    msg = th_exc_msg();
    th_logf("%s:%s(%s)", who, th_exc_tag(), msg);
    if (PyErr_Occurred() == PyExc_TaskletExit) return 1;
    PyErr_Clear();
    return 0;
}

/* For a task function after a failed call: th_log_exc(who), then end the tasklet, letting
 * TaskletExit propagate (NULL) and swallowing anything else (None). */
static inline PyObject *th_task_failed(const char *who)
{
    return th_log_exc(who) ? NULL : Py_NewRef(Py_None);
}

/* ---- checks ------------------------------------------------------------------------------- */
/* An int function failed cleanly: returned -1 with some exception set (cleared). */
#define CHECK_FAIL_INT(expr) do { long long _r = (long long)(expr); \
    if (_r != -1 || !PyErr_Occurred()) { h_failed_checks++; fprintf(stderr, \
        "  FAIL %s:%d in %s: %s returned %lld with exception %s, expected -1 with one\n", \
        __FILE__, __LINE__, h_current, #expr, _r, th_exc_tag()); } \
    PyErr_Clear(); } while (0)
/* A pointer function failed cleanly: returned NULL with some exception set (cleared). */
#define CHECK_FAIL_PTR(expr) do { PyObject *_p = (PyObject *)(expr); \
    if (_p || !PyErr_Occurred()) { h_failed_checks++; fprintf(stderr, \
        "  FAIL %s:%d in %s: %s returned %p with exception %s, expected NULL with one\n", \
        __FILE__, __LINE__, h_current, #expr, (void *)_p, th_exc_tag()); } \
    Py_XDECREF(_p); PyErr_Clear(); } while (0)

/* expr returns -1 and raises exactly cls(msg) (msg NULL: any message). */
#define EXPECT_ERR(expr, cls, msg) do { CHECK_EQ_INT((expr), -1); CHECK_ERR((cls), (msg)); } while (0)
/* expr returns 0 and sets no exception. */
#define EXPECT_OK(expr) do { CHECK_EQ_INT((expr), 0); CHECK_NO_ERR(); } while (0)

/* The error indicator holds exactly class cls1 or cls2 (any message); clears it. */
#define CHECK_ERR2(cls1, cls2) \
    CHECK_ERR(PyErr_Occurred() == (PyObject *)(cls2) ? (PyObject *)(cls2) : (PyObject *)(cls1), NULL)

/* ---- small values ----------------------------------------------------------------------------- */
static inline PyObject *th_int(long v) { return PyLong_FromLong(v); }
static inline PyObject *th_str(const char *s) { return PyUnicode_FromString(s); }
static inline PyObject *th_tuple0(void) { return PyTuple_New(0); }
static inline PyObject *th_tuple1_int(long v)
{
    PyObject *i = PyLong_FromLong(v), *t = PyTuple_Pack(1, i);
    Py_DECREF(i);
    return t;
}
/* The 1-tuple (s,) as a new reference. */
static inline PyObject *th_tuple_str(const char *s)
{
    PyObject *t = PyTuple_New(1);
    if (t) PyTuple_SetItem(t, 0, PyUnicode_FromString(s));
    return t;
}
/* A normalised exception instance cls(msg). */
static inline PyObject *th_exc_instance(PyObject *cls, const char *msg)
{
    PyObject *t, *v, *tb;
    PyErr_SetString(cls, msg);
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    Py_XDECREF(t); Py_XDECREF(tb);
    return v;
}

/* ---- the main tasklet and its state ----------------------------------------------------------- */
static PyTaskletObject *th_main;   /* borrowed; set while a th_run_main body runs */

/* State code of tasklet t as seen through the public predicates. */
static inline const char *th_state(PyTaskletObject *t)
{
    if (!t) return "-";
    if (PyTasklet_IsCurrent(t)) return "C";
    if (PyTasklet_GetBlocked(t)) return "BL";
    if (PyTasklet_Scheduled(t)) return "R";
    if (PyTasklet_Paused(t)) return "P";
    if (!PyTasklet_Alive(t)) return "D";
    return "?";
}
static inline const char *th_main_state(void) { return th_state(th_main); }

/* The current tasklet (borrowed: valid while it runs). */
static inline PyTaskletObject *th_self(void)
{
    PyObject *c = PyStackless_GetCurrent();
    if (!c) return NULL;
    Py_DECREF(c);   /* the run queue keeps it alive while it runs */
    return (PyTaskletObject *)c;
}

/* ---- native tasklets ------------------------------------------------------------------------- */
/* A bound (not set up) tasklet whose function is the callable f (reference stolen; NULL
 * fails), named `name` (NULL: no name). New reference, or NULL with an exception set. */
static inline PyTaskletObject *th_new_f(PyObject *f, const char *name)
{
    PyTaskletObject *t;
    if (!f) return NULL;
    t = PyTasklet_New(NULL, f);
    Py_DECREF(f);
    if (t && name) th_name_set((PyObject *)t, name);
    return t;
}

/* A runnable tasklet (appended to the run queue, which holds its own reference): th_new_f
 * set up with args (NULL: ()). New reference; a failure is a failed check (printed), NULL. */
static inline PyTaskletObject *th_spawn_f(PyObject *f, PyObject *args, const char *name)
{
    PyTaskletObject *t = th_new_f(f, name);
    PyObject *a;
    if (!t) { CHECK(!"th_spawn: PyTasklet_New failed"); PyErr_Print(); return NULL; }
    a = args ? Py_NewRef(args) : PyTuple_New(0);
    if (PyTasklet_Setup(t, a, NULL) != 0) { CHECK(!"th_spawn: PyTasklet_Setup failed"); PyErr_Print(); Py_CLEAR(t); }
    Py_DECREF(a);
    return t;
}

/* The same for the C function `def` bound to `self`. */
static inline PyTaskletObject *th_new(PyMethodDef *def, PyObject *self)
{
    return th_new_f(PyCFunction_New(def, self), NULL);
}
static inline PyTaskletObject *th_spawn(PyMethodDef *def, PyObject *self, PyObject *args)
{
    return th_spawn_f(PyCFunction_New(def, self), args, NULL);
}

/* Drops the reference to a spawned tasklet (the run queue keeps it alive): 0, -1 for NULL. */
static inline int th_release(PyTaskletObject *t)
{
    if (!t) return -1;
    Py_DECREF(t);
    return 0;
}
static inline int th_spawn_free(PyMethodDef *def, PyObject *self, PyObject *args)
{
    return th_release(th_spawn(def, self, args));
}

/* Task functions PyObject *fn(long arg): return a new reference, or NULL with an exception
 * set (the tasklet's uncaught exception). th_fn(fn, arg) is a callable running fn(arg). */
typedef PyObject *(*th_task_fn)(long arg);
static th_task_fn th_fns[128];
static int th_nfns;

static inline PyObject *th_fn_tramp(PyObject *self, PyObject *unused)
{
    long idx = PyLong_AsLong(PyTuple_GetItem(self, 0));
    long arg = PyLong_AsLong(PyTuple_GetItem(self, 1));
    (void)unused;
    return th_fns[idx](arg);
}
static TH_UNUSED PyMethodDef th_fn_def = {"th_fn", th_fn_tramp, METH_NOARGS, NULL};

static inline PyObject *th_fn(th_task_fn fn, long arg)
{
    PyObject *self, *f;
    int idx = -1;
    for (int i = 0; i < th_nfns; i++) if (th_fns[i] == fn) { idx = i; break; }
    if (idx < 0) { idx = th_nfns++; th_fns[idx] = fn; }
    self = PyTuple_New(2);
    if (!self) return NULL;
    PyTuple_SetItem(self, 0, PyLong_FromLong(idx));
    PyTuple_SetItem(self, 1, PyLong_FromLong(arg));
    f = PyCFunction_New(&th_fn_def, self);
    Py_DECREF(self);
    return f;
}
static inline PyTaskletObject *th_spawn_fn(th_task_fn fn, long arg, const char *name)
{
    return th_spawn_f(th_fn(fn, arg), NULL, name);
}

/* ---- shared task functions --------------------------------------------------------------- */
/* th_logger(token): logs token, returns None (th_log_def: self is the token, a str). */
static inline PyObject *th_log_fn(PyObject *self, PyObject *unused)
{
    (void)unused;
    th_logf("%s", PyUnicode_AsUTF8(self));
    Py_RETURN_NONE;
}
static TH_UNUSED PyMethodDef th_log_def = {"th_log", th_log_fn, METH_NOARGS, NULL};

static inline PyObject *th_logger(const char *token)
{
    PyObject *s = PyUnicode_FromString(token), *f = s ? PyCFunction_New(&th_log_def, s) : NULL;
    Py_XDECREF(s);
    return f;
}
/* A runnable tasklet named `name` that logs its name. */
static inline PyTaskletObject *th_spawn_logger(const char *name)
{
    return th_spawn_f(th_logger(name), NULL, name);
}

/* th_raiser(cls, who): logs "<who>:raise" ("raise" for who NULL) and raises cls("boom"). */
static inline PyObject *th_raise_fn(PyObject *self, PyObject *unused)
{
    PyObject *cls = PyTuple_GetItem(self, 0), *who = PyTuple_GetItem(self, 1);
    (void)unused;
    if (who == Py_None) th_logf("raise");
    else th_logf("%s:raise", PyUnicode_AsUTF8(who));
    PyErr_SetString(cls, "boom");
    return NULL;
}
static TH_UNUSED PyMethodDef th_raise_def = {"th_raise", th_raise_fn, METH_NOARGS, NULL};

static inline PyObject *th_raiser(PyObject *cls, const char *who)
{
    PyObject *w = who ? PyUnicode_FromString(who) : Py_NewRef(Py_None);
    PyObject *self = w ? PyTuple_Pack(2, cls, w) : NULL, *f = self ? PyCFunction_New(&th_raise_def, self) : NULL;
    Py_XDECREF(w);
    Py_XDECREF(self);
    return f;
}
static inline PyTaskletObject *th_spawn_raiser(PyObject *cls, const char *name)
{
    return th_spawn_f(th_raiser(cls, name), NULL, name);
}

/* th_receiver(ch, who): logs "<who>:recv", receives from ch and logs "<who>:got<value>"; a
 * failure ends it through th_task_failed(who). */
static inline PyObject *th_recv_fn(PyObject *self, PyObject *unused)
{
    const char *who = PyUnicode_AsUTF8(PyTuple_GetItem(self, 0));
    PyChannelObject *ch = (PyChannelObject *)PyTuple_GetItem(self, 1);
    PyObject *v;
    (void)unused;
    th_logf("%s:recv", who);
    v = PyChannel_Receive(ch);
    if (!v) return th_task_failed(who);
    th_logf("%s:got%s", who, th_val(v));
    Py_DECREF(v);
    Py_RETURN_NONE;
}
static TH_UNUSED PyMethodDef th_recv_def = {"th_recv", th_recv_fn, METH_NOARGS, NULL};

static inline PyObject *th_receiver(PyChannelObject *ch, const char *who)
{
    PyObject *w = PyUnicode_FromString(who);
    PyObject *self = w ? PyTuple_Pack(2, w, (PyObject *)ch) : NULL, *f = self ? PyCFunction_New(&th_recv_def, self) : NULL;
    Py_XDECREF(w);
    Py_XDECREF(self);
    return f;
}
static inline PyTaskletObject *th_spawn_receiver(PyChannelObject *ch, const char *name)
{
    return th_spawn_f(th_receiver(ch, name), NULL, name);
}

/* th_sender(ch, who, op, cls, value): logs "<who>:send", then PyChannel_Send(ch, value)
 * (TH_SEND), PyChannel_SendException(ch, cls, value) (TH_SEND_EXCEPTION) or
 * PyChannel_SendThrow(ch, cls, value, NULL) (TH_SEND_THROW), and logs "<who>:sent"; a failure
 * ends it through th_task_failed(who). */
enum { TH_SEND, TH_SEND_EXCEPTION, TH_SEND_THROW };

static inline PyObject *th_send_fn(PyObject *self, PyObject *unused)
{
    const char *who = PyUnicode_AsUTF8(PyTuple_GetItem(self, 0));
    PyChannelObject *ch = (PyChannelObject *)PyTuple_GetItem(self, 1);
    long op = PyLong_AsLong(PyTuple_GetItem(self, 2));
    PyObject *cls = PyTuple_GetItem(self, 3), *value = PyTuple_GetItem(self, 4);
    int rc;
    (void)unused;
    th_logf("%s:send", who);
    if (op == TH_SEND) rc = PyChannel_Send(ch, value);
    else if (op == TH_SEND_EXCEPTION) rc = PyChannel_SendException(ch, cls, value);
    else rc = PyChannel_SendThrow(ch, cls, value, NULL);
    if (rc != 0) return th_task_failed(who);
    th_logf("%s:sent", who);
    Py_RETURN_NONE;
}
static TH_UNUSED PyMethodDef th_send_def = {"th_send", th_send_fn, METH_NOARGS, NULL};

/* cls: NULL for TH_SEND; value: borrowed. */
static inline PyObject *th_sender(PyChannelObject *ch, const char *who, int op, PyObject *cls, PyObject *value)
{
    PyObject *w = PyUnicode_FromString(who), *o = PyLong_FromLong(op), *self = NULL, *f = NULL;
    if (w && o) self = PyTuple_Pack(5, w, (PyObject *)ch, o, cls ? cls : Py_None, value);
    if (self) f = PyCFunction_New(&th_send_def, self);
    Py_XDECREF(w); Py_XDECREF(o); Py_XDECREF(self);
    return f;
}
/* A runnable tasklet named `name` that sends the integer v on ch (log prefix: its name). */
static inline PyTaskletObject *th_spawn_sender(PyChannelObject *ch, const char *name, long v)
{
    PyObject *o = PyLong_FromLong(v);
    PyTaskletObject *t = th_spawn_f(o ? th_sender(ch, name, TH_SEND, NULL, o) : NULL, NULL, name);
    Py_XDECREF(o);
    return t;
}

/* ---- scheduling --------------------------------------------------------------------------- */
/* schedule() once from the caller (a failure is a failed check, printed). */
static inline void th_schedule(void)
{
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    CHECK(r != NULL);
    if (!r) PyErr_Print(); else Py_DECREF(r);
}

/* schedule() until the caller is the only runnable tasklet (or at most `limit` rounds).
 * Returns 0, or -1 (exception set) if a schedule failed. */
static inline int th_drain(int limit)
{
    while (PyStackless_GetRunCount() > 1 && limit-- > 0) {
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (!r) return -1;
        Py_DECREF(r);
    }
    return 0;
}
/* th_drain(10000); a failure is a failed check (printed). */
static inline void th_drain_all(void)
{
    if (th_drain(10000) != 0) { CHECK(!"th_drain_all: schedule failed"); PyErr_Print(); }
}

/* Kill t if still alive (checking it succeeds), then drop the reference. */
static inline void th_finish(PyTaskletObject *t)
{
    if (!t) return;
    if (PyTasklet_Alive(t)) {
        if (PyTasklet_Kill(t) != 0) { CHECK(!"th_finish: kill failed"); PyErr_Print(); }
    }
    CHECK(!PyTasklet_Alive(t));
    Py_DECREF(t);
}

/* ---- w_park: the state-fixture worker ------------------------------------------------------ */
enum {
    PARK_SREMOVE = 0,   /* PyStackless_Schedule(Py_None, 1)  -> state P */
    PARK_SCHEDULE = 1,  /* PyStackless_Schedule(Py_None, 0)  -> state R (started) */
    PARK_RECV = 2,      /* PyChannel_Receive(ch)             -> state BL (receiving) */
    PARK_SEND = 3,      /* PyChannel_Send(ch, 99)            -> state BL (sending) */
    PARK_RETURN = 4,    /* return at once                    -> state D after running */
    PARK_CATCH = 16     /* flag: an exception from the operation is logged and swallowed */
};

/* self = (mode, channel or None). */
static inline PyObject *w_park_fn(PyObject *self, PyObject *unused)
{
    long mode = PyLong_AsLong(PyTuple_GetItem(self, 0));
    PyChannelObject *ch = (PyChannelObject *)PyTuple_GetItem(self, 1);
    PyObject *r = NULL;
    (void)unused;
    th_logf("start[%s]", th_main_state());
    switch (mode & 15) {
    case PARK_SREMOVE: r = PyStackless_Schedule(Py_None, 1); break;
    case PARK_SCHEDULE: r = PyStackless_Schedule(Py_None, 0); break;
    case PARK_RECV: r = PyChannel_Receive(ch); break;
    case PARK_SEND: {
        PyObject *v = PyLong_FromLong(99);
        int rc = PyChannel_Send(ch, v);
        Py_DECREF(v);
        r = rc == 0 ? Py_NewRef(Py_None) : NULL;
        break;
    }
    default: Py_RETURN_NONE;
    }
    if (!r) {
        const char *tag = th_exc_tag();
        th_exc_msg();
        th_logf("exc:%s[%s]", tag, th_main_state());
        if (mode & PARK_CATCH) { PyErr_Clear(); Py_RETURN_NONE; }
        return NULL;
    }
    th_logf("resumed:%s[%s]", th_val(r), th_main_state());
    Py_DECREF(r);
    Py_RETURN_NONE;
}
static TH_UNUSED PyMethodDef w_park_def = {"w_park", w_park_fn, METH_NOARGS, NULL};

/* A bound (not set up) w_park tasklet. */
static inline PyTaskletObject *th_new_park(long mode, PyChannelObject *ch)
{
    PyObject *m = PyLong_FromLong(mode);
    PyObject *self = PyTuple_Pack(2, m, ch ? (PyObject *)ch : Py_None);
    PyTaskletObject *t = th_new(&w_park_def, self);
    Py_DECREF(m);
    Py_DECREF(self);
    return t;
}

/* ---- canonical state fixtures (STATES.md 1) -------------------------------------------- */
enum fx_state {
    ST_U,      /* unbound: PyTasklet_New(NULL, NULL) */
    ST_B,      /* bound: PyTasklet_New(NULL, f) */
    ST_D,      /* dead: ran to completion */
    ST_P0,     /* paused, not started: bind(f, ()) */
    ST_P,      /* paused, started (native: P/hard): after schedule_remove */
    ST_R0,     /* runnable, not started: setup() */
    ST_R,      /* runnable, started: after schedule() */
    ST_BLR,    /* blocked receiving on f->ch */
    ST_BLS,    /* blocked sending on f->ch */
    ST_COUNT
};
static TH_UNUSED const char *const fx_names[ST_COUNT] = {"U", "B", "D", "P0", "P", "R0", "R", "BLR", "BLS"};

typedef struct {
    PyTaskletObject *t;
    PyChannelObject *ch;
    int state;
} fixture;

/* Build a tasklet in `state`; its function is w_park with mode `mode_flags` | the op the state
 * needs. Must be called from the main tasklet (inside). Clears the log at the end. */
static inline int fx_make_ex(fixture *f, int state, long mode_flags)
{
    long op = PARK_RETURN;
    PyObject *empty = PyTuple_New(0);
    int rc = 0;
    f->state = state;
    f->ch = PyChannel_New(NULL);
    switch (state) {
    case ST_P: op = PARK_SREMOVE; break;
    case ST_R: op = PARK_SCHEDULE; break;
    case ST_BLR: op = PARK_RECV; break;
    case ST_BLS: op = PARK_SEND; break;
    case ST_P0: case ST_R0: op = PARK_SREMOVE; break;
    default: break;
    }
    if (state == ST_U) f->t = PyTasklet_New(NULL, NULL);
    else f->t = th_new_park(op | mode_flags, f->ch);
    if (!f->t) { Py_DECREF(empty); return -1; }
    switch (state) {
    case ST_P0:
        rc = PyTasklet_BindEx(f->t, NULL, empty, NULL);
        break;
    case ST_R0:
        rc = PyTasklet_Setup(f->t, empty, NULL);
        break;
    case ST_D: case ST_P: case ST_R: case ST_BLR: case ST_BLS:
        rc = PyTasklet_Setup(f->t, empty, NULL);
        if (rc == 0) rc = PyTasklet_Run(f->t);
        break;
    default:
        break;
    }
    Py_DECREF(empty);
    if (rc) {
        fprintf(stderr, "  fixture %s could not be built: %s\n", fx_names[state], th_exc_tag());
        PyErr_Print();
        h_failed_checks++;
    }
    th_log_reset();
    return rc;
}
static inline int fx_make(fixture *f, int state) { return fx_make_ex(f, state, 0); }

/* Run count the fixture state implies while main runs (main + a runnable fixture). */
static inline int fx_runcount(int st) { return (st == ST_R0 || st == ST_R) ? 2 : 1; }

/* Kill the tasklet if it is still alive, drop the fixture. */
static inline void fx_cleanup(fixture *f)
{
    if (f->t) {
        if (PyTasklet_Alive(f->t) && !PyTasklet_IsCurrent(f->t)) {
            if (PyTasklet_Kill(f->t) != 0) {
                fprintf(stderr, "  (cleanup: kill of fixture %s failed: %s)\n", fx_names[f->state], th_exc_tag());
                PyErr_Clear();
            }
        }
        if (PyTasklet_Alive(f->t)) {
            fprintf(stderr, "  (cleanup: fixture %s still alive)\n", fx_names[f->state]);
            h_failed_checks++;
        }
        Py_CLEAR(f->t);
    }
    Py_CLEAR(f->ch);
}

/* ---- attribute checks (STATES.md 1.1) ------------------------------------------------------ */
static inline void th_check_attrs_at(PyTaskletObject *t, const char *what, int alive, int paused,
                                     int scheduled, int restorable, int is_current, int is_main,
                                     int blocked, int nesting, const char *file, int line)
{
    struct { const char *name; int got, exp; } a[] = {
        {"alive", PyTasklet_Alive(t), alive},
        {"paused", PyTasklet_Paused(t), paused},
        {"scheduled", PyTasklet_Scheduled(t), scheduled},
        {"restorable", PyTasklet_Restorable(t), restorable},
        {"is_current", PyTasklet_IsCurrent(t), is_current},
        {"is_main", PyTasklet_IsMain(t), is_main},
        {"blocked", PyTasklet_GetBlocked(t), blocked},
        {"nesting_level", PyTasklet_GetNestingLevel(t), nesting},
        {"recursion_depth", PyTasklet_GetRecursionDepth(t), 0},
    };
    size_t i;
    PyObject *fr;
    for (i = 0; i < sizeof a / sizeof a[0]; i++) {
        if (a[i].got != a[i].exp) {
            h_failed_checks++;
            fprintf(stderr, "  FAIL %s:%d in %s: state %s: %s == %d, expected %d\n", file, line,
                    h_current, what, a[i].name, a[i].got, a[i].exp);
        }
    }
    fr = PyTasklet_GetFrame(t);
    if (fr || PyErr_Occurred()) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: state %s: GetFrame returned %p / exception %s\n", file,
                line, h_current, what, (void *)fr, th_exc_tag());
        Py_XDECREF(fr);
        PyErr_Clear();
    }
    if (PyErr_Occurred()) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: state %s: a predicate set an exception\n", file, line,
                h_current, what);
        PyErr_Clear();
    }
}
/* CHECK_ATTRS(t, what, alive, paused, scheduled, restorable, is_current, is_main, blocked, nesting) */
#define CHECK_ATTRS(t, what, al, pa, sc, re, cu, ma, bl, ne) \
    th_check_attrs_at((t), (what), (al), (pa), (sc), (re), (cu), (ma), (bl), (ne), __FILE__, __LINE__)

/* ---- running a test body inside a main tasklet ------------------------------------------------ */
static void (*th_body)(void);

static inline PyObject *th_main_tramp(PyObject *self, PyObject *unused)
{
    PyObject *m = PyStackless_GetCurrent();
    (void)self; (void)unused;
    if (!m) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: no current tasklet inside Call_Main\n", h_current);
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    th_main = (PyTaskletObject *)m;
    th_name_set(m, "M");
    CHECK(PyTasklet_IsMain(th_main));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    th_body();
    if (PyErr_Occurred()) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: exception left set by the body: %s\n", h_current, th_exc_tag());
        PyErr_Print();
        PyErr_Clear();
    }
    if (PyStackless_GetRunCount() != 1) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: run queue not clean at the end: runcount %d\n", h_current,
                PyStackless_GetRunCount());
    }
    Py_DECREF(m);
    Py_RETURN_NONE;
}
static TH_UNUSED PyMethodDef th_main_def = {"th_main", th_main_tramp, METH_NOARGS, NULL};

static inline void th_run_main(void (*body)(void))
{
    PyObject *r;
    th_log_reset();
    th_names_clear();
    th_body = body;
    r = PyStackless_CallCMethod_Main(&th_main_def, NULL, NULL);
    if (!r) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: PyStackless_CallCMethod_Main failed: %s\n", h_current, th_exc_tag());
        PyErr_Print();
        PyErr_Clear();
    } else {
        CHECK(r == Py_None);
        Py_DECREF(r);
    }
    th_main = NULL;
    th_names_clear();
}

#define MAIN_TEST(name) \
    static void name##_body(void); \
    static void name(void) { th_run_main(name##_body); } \
    static void name##_body(void)

/* ---- channels ------------------------------------------------------------------------------ */
/* A new channel named `name` (a failure is a failed check). */
static inline PyChannelObject *th_new_chan(const char *name)
{
    PyChannelObject *ch = PyChannel_New(NULL);
    CHECK(ch != NULL);
    if (ch) th_name_set((PyObject *)ch, name);
    return ch;
}

/* PyChannel_Send of the integer v. */
static inline int th_send_int(PyChannelObject *ch, long v)
{
    PyObject *o = PyLong_FromLong(v);
    int rc = PyChannel_Send(ch, o);
    Py_DECREF(o);
    return rc;
}

/* Checks balance, queue head (NULL: expect Py_None), closing and closed of ch. */
#define CHECK_CHAN(ch, bal, head, closing_, closed_) \
    th_check_chan((ch), (bal), (PyObject *)(head), (closing_), (closed_), __FILE__, __LINE__)
static inline void th_check_chan(PyChannelObject *ch, int bal, PyObject *head, int closing,
                                 int closed, const char *file, int line)
{
    int b = PyChannel_GetBalance(ch);
    PyObject *q = PyChannel_GetQueue(ch);
    int cg = PyChannel_GetClosing(ch), cd = PyChannel_GetClosed(ch);
    PyObject *want = head ? head : Py_None;
    if (b != bal || q != want || cg != closing || cd != closed) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: channel balance=%d queue=%s closing=%d closed=%d, "
                "expected balance=%d queue=%s closing=%d closed=%d\n", file, line, h_current,
                b, th_name(q), cg, cd, bal, th_name(want), closing, closed);
    }
    Py_XDECREF(q);
}

/* ---- time ---------------------------------------------------------------------------------- */
static inline int64_t th_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- capturing stderr ---------------------------------------------------------------------- */
static FILE *th_cap_file;
static int th_cap_saved = -1;
static inline void th_stderr_begin(void)
{
    fflush(stderr);
    th_cap_file = tmpfile();
    if (!th_cap_file) return;
    th_cap_saved = dup(2);
    dup2(fileno(th_cap_file), 2);
}
/* Stops capturing; returns what was written (static buffer). */
static inline const char *th_stderr_end(void)
{
    static char buf[8192];
    size_t n;
    buf[0] = 0;
    if (!th_cap_file) return buf;
    fflush(stderr);
    dup2(th_cap_saved, 2);
    close(th_cap_saved);
    th_cap_saved = -1;
    rewind(th_cap_file);
    n = fread(buf, 1, sizeof buf - 1, th_cap_file);
    buf[n] = 0;
    fclose(th_cap_file);
    th_cap_file = NULL;
    return buf;
}

#endif /* SLP_TEST_HELPERS_H */
