/* tasklet_helpers.h - shared helpers for the tasklet / run-queue conformance tests
 * (test_tasklet_states.c, test_tasklet_ops.c, test_runqueue.c, test_native_stress.c,
 * test_outside.c). Include after harness.h.
 *
 *  - an event log: tl_logf() appends a token, CHECK_LOG(expected) compares the whole log
 *    ("A1 B1 M1 ...", tokens separated by one space);
 *  - INSIDE(name) { ... }: a test whose body runs inside a main tasklet created with
 *    PyStackless_CallCMethod_Main; g_main is the main tasklet (borrowed) while it runs; the
 *    wrapper checks that the run queue holds only main at the start and at the end;
 *  - native tasklet construction (tl_new / tl_spawn), argument builders;
 *  - w_park: a configurable native tasklet function used to put tasklets into the states of
 *    STATES.md (paused after schedule_remove, runnable after schedule, blocked on a channel),
 *    logging "start[M]", "resumed:V[M]" or "exc:Tag[M]" where M is the main tasklet's state
 *    at that moment (C, R, P, BL);
 *  - fixtures: fx_make(&f, ST_x) builds a tasklet in canonical state x, fx_cleanup kills it
 *    and drops it. */
#ifndef SLP_TASKLET_HELPERS_H
#define SLP_TASKLET_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "harness.h"

#define TL_UNUSED __attribute__((unused))

/* ---- event log ------------------------------------------------------------------------------ */
static char tl_log[1 << 16];
static size_t tl_loglen;

static TL_UNUSED void tl_log_reset(void) { tl_loglen = 0; tl_log[0] = 0; }

static TL_UNUSED __attribute__((format(printf, 1, 2))) void tl_logf(const char *fmt, ...)
{
    va_list ap;
    if (tl_loglen && tl_loglen < sizeof tl_log - 1) tl_log[tl_loglen++] = ' ';
    va_start(ap, fmt);
    if (tl_loglen < sizeof tl_log - 1) {
        int n = vsnprintf(tl_log + tl_loglen, sizeof tl_log - tl_loglen, fmt, ap);
        if (n > 0) tl_loglen += (size_t)n;
        if (tl_loglen > sizeof tl_log - 1) tl_loglen = sizeof tl_log - 1;
    }
    va_end(ap);
    tl_log[tl_loglen] = 0;
}

#define CHECK_LOG(expected) do { const char *_e = (expected); if (strcmp(tl_log, _e) != 0) { \
    h_failed_checks++; fprintf(stderr, "  FAIL %s:%d in %s:\n       log '%s'\n  expected '%s'\n", \
    __FILE__, __LINE__, h_current, tl_log, _e); } } while (0)

#define CHECK_STR(got, expected) do { const char *_g = (got), *_e = (expected); \
    if (!_g || strcmp(_g, _e) != 0) { h_failed_checks++; \
    fprintf(stderr, "  FAIL %s:%d in %s: %s is '%s', expected '%s'\n", __FILE__, __LINE__, \
            h_current, #got, _g ? _g : "(null)", _e); } } while (0)

/* ---- exceptions ----------------------------------------------------------------------------- */
/* Short name of the pending exception's class (most specific known class first). */
static TL_UNUSED const char *tl_exc_tag(void)
{
    if (!PyErr_Occurred()) return "none";
    if (PyErr_ExceptionMatches(PyExc_TaskletExit)) return "TaskletExit";
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) return "SystemExit";
    if (PyErr_ExceptionMatches(PyExc_ZeroDivisionError)) return "ZeroDivisionError";
    if (PyErr_ExceptionMatches(PyExc_RuntimeError)) return "RuntimeError";
    if (PyErr_ExceptionMatches(PyExc_ValueError)) return "ValueError";
    if (PyErr_ExceptionMatches(PyExc_TypeError)) return "TypeError";
    if (PyErr_ExceptionMatches(PyExc_SystemError)) return "SystemError";
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) return "AttributeError";
    if (PyErr_ExceptionMatches(PyExc_Exception)) return "Exception";
    return "BaseException";
}

/* Message (str of the value) of the pending exception; leaves the exception set. */
static char tl_last_msg[512];
static TL_UNUSED const char *tl_exc_msg(void)
{
    PyObject *t, *v, *tb, *s;
    tl_last_msg[0] = 0;
    if (!PyErr_Occurred()) return tl_last_msg;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    s = v ? PyObject_Str(v) : NULL;
    if (s) {
        const char *u = PyUnicode_AsUTF8(s);
        snprintf(tl_last_msg, sizeof tl_last_msg, "%s", u ? u : "");
        Py_DECREF(s);
    }
    if (PyErr_Occurred()) PyErr_Clear();
    PyErr_Restore(t, v, tb);
    return tl_last_msg;
}

/* An int function failed cleanly: returned -1 with some exception set (cleared). */
#define CHECK_FAIL_INT(expr) do { long long _r = (long long)(expr); \
    if (_r != -1 || !PyErr_Occurred()) { h_failed_checks++; fprintf(stderr, \
        "  FAIL %s:%d in %s: %s returned %lld with exception %s, expected -1 with one\n", \
        __FILE__, __LINE__, h_current, #expr, _r, tl_exc_tag()); } \
    PyErr_Clear(); } while (0)
/* A pointer function failed cleanly: returned NULL with some exception set (cleared). */
#define CHECK_FAIL_PTR(expr) do { PyObject *_p = (PyObject *)(expr); \
    if (_p || !PyErr_Occurred()) { h_failed_checks++; fprintf(stderr, \
        "  FAIL %s:%d in %s: %s returned %p with exception %s, expected NULL with one\n", \
        __FILE__, __LINE__, h_current, #expr, (void *)_p, tl_exc_tag()); } \
    Py_XDECREF(_p); PyErr_Clear(); } while (0)

/* expr returns -1 and raises exactly cls(msg) (msg NULL: any message). */
#define EXPECT_ERR(expr, cls, msg) do { CHECK_EQ_INT((expr), -1); CHECK_ERR((cls), (msg)); } while (0)
/* expr returns 0 and sets no exception. */
#define EXPECT_OK(expr) do { CHECK_EQ_INT((expr), 0); CHECK_NO_ERR(); } while (0)

/* ---- the main tasklet and its state ---------------------------------------------------------- */
static PyTaskletObject *g_main;   /* borrowed; set while an INSIDE body runs */

/* State code of tasklet t as seen through the public predicates. */
static TL_UNUSED const char *tl_state(PyTaskletObject *t)
{
    if (!t) return "-";
    if (PyTasklet_IsCurrent(t)) return "C";
    if (PyTasklet_GetBlocked(t)) return "BL";
    if (PyTasklet_Scheduled(t)) return "R";
    if (PyTasklet_Paused(t)) return "P";
    if (!PyTasklet_Alive(t)) return "D";
    return "?";
}
static TL_UNUSED const char *tl_main_state(void) { return tl_state(g_main); }

/* ---- object helpers --------------------------------------------------------------------------- */
static TL_UNUSED PyObject *tl_int(long v) { return PyLong_FromLong(v); }
static TL_UNUSED PyObject *tl_str(const char *s) { return PyUnicode_FromString(s); }
static TL_UNUSED PyObject *tl_tuple0(void) { return PyTuple_New(0); }
/* A 1-tuple holding a new reference to o (borrowed). */
static TL_UNUSED PyObject *tl_tuple1(PyObject *o) { return PyTuple_Pack(1, o); }
static TL_UNUSED PyObject *tl_tuple1_int(long v)
{
    PyObject *i = PyLong_FromLong(v), *t = PyTuple_Pack(1, i);
    Py_DECREF(i);
    return t;
}

/* Short text for a value, for logs. */
static char tl_repr_buf[128];
static TL_UNUSED const char *tl_repr(PyObject *o)
{
    if (!o) return "NULL";
    if (o == Py_None) return "None";
    if (PyLong_Check(o)) { snprintf(tl_repr_buf, sizeof tl_repr_buf, "%ld", PyLong_AsLong(o)); return tl_repr_buf; }
    if (PyUnicode_Check(o)) { snprintf(tl_repr_buf, sizeof tl_repr_buf, "%s", PyUnicode_AsUTF8(o)); return tl_repr_buf; }
    if (PyTasklet_Check(o)) return "<tasklet>";
    return "<obj>";
}

/* ---- native tasklets ----------------------------------------------------------------------- */
/* A bound tasklet (state B) whose function is the C function `def` bound to `self`. */
static TL_UNUSED PyTaskletObject *tl_new(PyMethodDef *def, PyObject *self)
{
    PyObject *f = PyCFunction_New(def, self);
    PyTaskletObject *t;
    if (!f) return NULL;
    t = PyTasklet_New(NULL, f);
    Py_DECREF(f);
    return t;
}

/* A runnable tasklet (state R, appended to the run queue): tl_new + PyTasklet_Setup(args);
 * args NULL means (). Returns a new reference (the run queue holds its own). */
static TL_UNUSED PyTaskletObject *tl_spawn(PyMethodDef *def, PyObject *self, PyObject *args)
{
    PyTaskletObject *t = tl_new(def, self);
    PyObject *a = args ? (Py_INCREF(args), args) : PyTuple_New(0);
    if (t && PyTasklet_Setup(t, a, NULL) != 0) Py_CLEAR(t);
    Py_DECREF(a);
    return t;
}

/* Like tl_spawn but drops the reference: the run queue keeps the tasklet alive. */
static TL_UNUSED int tl_spawn_free(PyMethodDef *def, PyObject *self, PyObject *args)
{
    PyTaskletObject *t = tl_spawn(def, self, args);
    if (!t) return -1;
    Py_DECREF(t);
    return 0;
}

/* Run the scheduler from main until only main is left (or at most `limit` rounds). Returns
 * 0, or -1 (exception set) if a PyStackless_Schedule failed. */
static TL_UNUSED int tl_drain(int limit)
{
    while (PyStackless_GetRunCount() > 1 && limit-- > 0) {
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (!r) return -1;
        Py_DECREF(r);
    }
    return 0;
}

/* ---- simple worker functions -------------------------------------------------------------- */
/* w_log: self = name (str). Logs the name, returns None. */
static PyObject *w_log_fn(PyObject *self, PyObject *unused)
{
    (void)unused;
    tl_logf("%s", PyUnicode_AsUTF8(self));
    Py_RETURN_NONE;
}
static TL_UNUSED PyMethodDef w_log_def = {"w_log", w_log_fn, METH_NOARGS, NULL};

/* w_rr: self = name; args = (n,). Logs name1, schedule(), name2, schedule(), ... name<n>,
 * then returns None. A failing schedule logs "name:exc:Tag" and propagates. */
static PyObject *w_rr_fn(PyObject *self, PyObject *args)
{
    const char *name = PyUnicode_AsUTF8(self);
    long n = PyLong_AsLong(PyTuple_GetItem(args, 0)), i;
    for (i = 1; i <= n; i++) {
        tl_logf("%s%ld", name, i);
        if (i < n) {
            PyObject *r = PyStackless_Schedule(Py_None, 0);
            if (!r) { tl_logf("%s:exc:%s", name, tl_exc_tag()); return NULL; }
            Py_DECREF(r);
        }
    }
    Py_RETURN_NONE;
}
static TL_UNUSED PyMethodDef w_rr_def = {"w_rr", w_rr_fn, METH_VARARGS, NULL};

/* w_raise: self = exception class; raises it with message "boom" after logging "raise". */
static PyObject *w_raise_fn(PyObject *self, PyObject *unused)
{
    (void)unused;
    tl_logf("raise");
    PyErr_SetString(self, "boom");
    return NULL;
}
static TL_UNUSED PyMethodDef w_raise_def = {"w_raise", w_raise_fn, METH_NOARGS, NULL};

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
static PyObject *w_park_fn(PyObject *self, PyObject *unused)
{
    long mode = PyLong_AsLong(PyTuple_GetItem(self, 0));
    PyChannelObject *ch = (PyChannelObject *)PyTuple_GetItem(self, 1);
    PyObject *r = NULL;
    (void)unused;
    tl_logf("start[%s]", tl_main_state());
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
        const char *tag = tl_exc_tag();
        tl_exc_msg();
        tl_logf("exc:%s[%s]", tag, tl_main_state());
        if (mode & PARK_CATCH) { PyErr_Clear(); Py_RETURN_NONE; }
        return NULL;
    }
    tl_logf("resumed:%s[%s]", tl_repr(r), tl_main_state());
    Py_DECREF(r);
    Py_RETURN_NONE;
}
static TL_UNUSED PyMethodDef w_park_def = {"w_park", w_park_fn, METH_NOARGS, NULL};

/* A bound (not set up) w_park tasklet. */
static TL_UNUSED PyTaskletObject *tl_new_park(long mode, PyChannelObject *ch)
{
    PyObject *m = PyLong_FromLong(mode);
    PyObject *self = PyTuple_Pack(2, m, ch ? (PyObject *)ch : Py_None);
    PyTaskletObject *t = tl_new(&w_park_def, self);
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
static const char *const fx_names[ST_COUNT] = {"U", "B", "D", "P0", "P", "R0", "R", "BLR", "BLS"};

typedef struct {
    PyTaskletObject *t;
    PyChannelObject *ch;
    int state;
} fixture;

/* Build a tasklet in `state`; its function is w_park with mode `mode_flags` | the op the state
 * needs. Must be called from the main tasklet (inside). Clears the log at the end. */
static TL_UNUSED int fx_make_ex(fixture *f, int state, long mode_flags)
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
    else f->t = tl_new_park(op | mode_flags, f->ch);
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
        fprintf(stderr, "  fixture %s could not be built: %s\n", fx_names[state], tl_exc_tag());
        PyErr_Print();
        h_failed_checks++;
    }
    tl_log_reset();
    return rc;
}
static TL_UNUSED int fx_make(fixture *f, int state) { return fx_make_ex(f, state, 0); }

/* Run count the fixture state implies while main runs (main + a runnable fixture). */
static TL_UNUSED int fx_runcount(int st) { return (st == ST_R0 || st == ST_R) ? 2 : 1; }

/* Kill the tasklet if it is still alive, drop the fixture. */
static TL_UNUSED void fx_cleanup(fixture *f)
{
    if (f->t) {
        if (PyTasklet_Alive(f->t) && !PyTasklet_IsCurrent(f->t)) {
            if (PyTasklet_Kill(f->t) != 0) {
                fprintf(stderr, "  (cleanup: kill of fixture %s failed: %s)\n", fx_names[f->state], tl_exc_tag());
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
static TL_UNUSED void tl_check_attrs_at(PyTaskletObject *t, const char *what, int alive, int paused,
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
                line, h_current, what, (void *)fr, tl_exc_tag());
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
    tl_check_attrs_at((t), (what), (al), (pa), (sc), (re), (cu), (ma), (bl), (ne), __FILE__, __LINE__)

/* ---- running a test body inside a main tasklet ----------------------------------------------- */
typedef void (*tl_body_fn)(void);
static tl_body_fn tl_cur_body;
static int tl_inside_strict_end = 1;

static PyObject *tl_tramp(PyObject *self, PyObject *unused)
{
    PyObject *m = PyStackless_GetCurrent();
    (void)self; (void)unused;
    if (!m) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: no current tasklet inside Call_Main\n", h_current);
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    g_main = (PyTaskletObject *)m;
    CHECK(PyTasklet_IsMain(g_main));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    tl_log_reset();
    tl_cur_body();
    if (PyErr_Occurred()) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: exception left set by the body: %s\n", h_current, tl_exc_tag());
        PyErr_Print();
        PyErr_Clear();
    }
    if (tl_inside_strict_end && PyStackless_GetRunCount() != 1) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: run queue not clean at the end: runcount %d\n", h_current,
                PyStackless_GetRunCount());
    }
    g_main = NULL;
    Py_DECREF(m);
    Py_RETURN_NONE;
}

static TL_UNUSED void tl_run_inside(tl_body_fn fn)
{
    static PyMethodDef def = {"test_body", tl_tramp, METH_NOARGS, NULL};
    PyObject *r;
    tl_cur_body = fn;
    r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    if (!r) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: PyStackless_CallCMethod_Main failed: %s\n", h_current, tl_exc_tag());
        PyErr_Print();
        PyErr_Clear();
    } else {
        CHECK(r == Py_None);
        Py_DECREF(r);
    }
}

#define INSIDE(name) static void name##_body(void); \
    static void name(void) { tl_run_inside(name##_body); } \
    static void name##_body(void)

#endif
