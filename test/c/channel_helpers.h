/* channel_helpers.h - shared helpers for the channel / callback / watchdog / trap / softfunc
 * conformance tests (test_channel_*.c, test_callbacks.c, test_watchdog.c, test_traps.c,
 * test_softfunc.c).
 *
 * - MAIN_TEST(name) { body }  defines a test whose body runs inside a main tasklet created by
 *   PyStackless_CallCMethod_Main (the C program starts "outside"). h_main is the main tasklet
 *   (borrowed) while the body runs; the body starts with run count 1 (checked).
 * - h_spawn(fn, arg, "name"): a native tasklet running fn(arg), set up (runnable); returns a
 *   new reference. Task functions have the signature PyObject *fn(long arg) and return a new
 *   reference or NULL with an exception set (the tasklet's uncaught exception).
 * - h_logf(...) appends one space-separated token to the event log; CHECK_LOG("a b c")
 *   compares the whole log with an exact sequence and resets it.
 * - h_name(obj) gives the registered short name of a tasklet/channel ("M" for main, "None",
 *   "NULL", or "?").
 * Include this file first (it sets _POSIX_C_SOURCE before any system header). */
#ifndef SLP_CHANNEL_HELPERS_H
#define SLP_CHANNEL_HELPERS_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#if defined(__GNUC__) || defined(__clang__)
#define H_UNUSED __attribute__((unused))
#else
#define H_UNUSED
#endif

/* ---- event log ----------------------------------------------------------------------------- */
static char h_log[16384];
static size_t h_log_len;

static H_UNUSED void h_log_reset(void) { h_log_len = 0; h_log[0] = 0; }

static H_UNUSED void h_logf(const char *fmt, ...) {
    va_list ap;
    if (h_log_len + 2 >= sizeof h_log) return;
    if (h_log_len) h_log[h_log_len++] = ' ';
    va_start(ap, fmt);
    int n = vsnprintf(h_log + h_log_len, sizeof h_log - h_log_len, fmt, ap);
    va_end(ap);
    if (n > 0) h_log_len += (size_t)n;
    if (h_log_len >= sizeof h_log) h_log_len = sizeof h_log - 1;
    h_log[h_log_len] = 0;
}

#define CHECK_LOG(expected) h_check_log((expected), __FILE__, __LINE__)
static H_UNUSED void h_check_log(const char *expected, const char *file, int line) {
    if (strcmp(h_log, expected) != 0) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: event log\n      got:      '%s'\n      expected: '%s'\n",
                file, line, h_current, h_log, expected);
    }
    h_log_reset();
}

/* ---- names of objects ---------------------------------------------------------------------- */
static struct { PyObject *obj; char name[24]; } h_names[64];
static int h_nnames;

static H_UNUSED void h_name_set(PyObject *o, const char *name) {
    for (int i = 0; i < h_nnames; i++)
        if (h_names[i].obj == o) { snprintf(h_names[i].name, sizeof h_names[i].name, "%s", name); return; }
    if (h_nnames < (int)(sizeof h_names / sizeof h_names[0])) {
        h_names[h_nnames].obj = o;
        snprintf(h_names[h_nnames].name, sizeof h_names[h_nnames].name, "%s", name);
        h_nnames++;
    }
}
static H_UNUSED void h_names_clear(void) { h_nnames = 0; }
static H_UNUSED const char *h_name(PyObject *o) {
    if (!o) return "NULL";
    if (o == Py_None) return "None";
    for (int i = 0; i < h_nnames; i++)
        if (h_names[i].obj == o) return h_names[i].name;
    if (PyTasklet_Check(o) && PyTasklet_IsMain((PyTaskletObject *)o)) return "M";
    return "?";
}

/* ---- exceptions ---------------------------------------------------------------------------- */
static H_UNUSED const char *h_exc_name(PyObject *type) {
    if (!type) return "NULL";
    if (type == PyExc_TaskletExit) return "TaskletExit";
    if (type == PyExc_ValueError) return "ValueError";
    if (type == PyExc_TypeError) return "TypeError";
    if (type == PyExc_RuntimeError) return "RuntimeError";
    if (type == PyExc_StopIteration) return "StopIteration";
    if (type == PyExc_SystemError) return "SystemError";
    if (type == PyExc_Exception) return "Exception";
    if (PyType_Check(type)) return ((PyTypeObject *)type)->tp_name;
    return "?";
}

/* Log "<who>:<ExcName>(<message>)" for the pending exception. Returns 1 if it is TaskletExit
 * (the exception is left set, so that the tasklet can let it propagate), else clears it and
 * returns 0. Without a pending exception logs "<who>:NOEXC" and returns 0. */
static H_UNUSED int h_log_exc(const char *who) {
    PyObject *t, *v, *tb;
    if (!PyErr_Occurred()) { h_logf("%s:NOEXC", who); return 0; }
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    PyObject *s = v ? PyObject_Str(v) : NULL;
    const char *msg = s ? PyUnicode_AsUTF8(s) : NULL;
    if (!s) PyErr_Clear();
    h_logf("%s:%s(%s)", who, h_exc_name(t), msg ? msg : "");
    Py_XDECREF(s);
    if (t == PyExc_TaskletExit) { PyErr_Restore(t, v, tb); return 1; }
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
    return 0;
}

/* Short text for a received value: integers, None, strings, named objects. */
static char h_val_buf[8][64];
static int h_val_idx;
static H_UNUSED const char *h_val(PyObject *v) {
    char *b = h_val_buf[h_val_idx++ & 7];
    if (!v) snprintf(b, 64, "NULL");
    else if (v == Py_None) snprintf(b, 64, "None");
    else if (PyLong_Check(v)) snprintf(b, 64, "%ld", PyLong_AsLong(v));
    else if (PyUnicode_Check(v)) snprintf(b, 64, "%s", PyUnicode_AsUTF8(v));
    else snprintf(b, 64, "%s", h_name(v));
    return b;
}

/* The error indicator holds one of two classes (any message); clears it. */
#define CHECK_ERR2(cls1, cls2) h_check_err2((PyObject *)(cls1), (PyObject *)(cls2), __FILE__, __LINE__)
static H_UNUSED void h_check_err2(PyObject *c1, PyObject *c2, const char *file, int line) {
    PyObject *t, *v, *tb;
    if (!PyErr_Occurred()) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: expected an exception, none set\n", file, line, h_current);
        return;
    }
    PyErr_Fetch(&t, &v, &tb);
    if (t != c1 && t != c2) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: exception class %s, expected %s or %s\n", file, line,
                h_current, h_exc_name(t), h_exc_name(c1), h_exc_name(c2));
    }
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
}

/* The 1-tuple (s,) as a new reference. */
static H_UNUSED PyObject *h_tuple_str(const char *s) {
    PyObject *t = PyTuple_New(1);
    if (t) PyTuple_SetItem(t, 0, PyUnicode_FromString(s));
    return t;
}

/* Create a normalised exception instance cls(msg). */
static H_UNUSED PyObject *h_exc_instance(PyObject *cls, const char *msg) {
    PyObject *t, *v, *tb;
    PyErr_SetString(cls, msg);
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    Py_XDECREF(t); Py_XDECREF(tb);
    return v;
}

/* ---- native tasklets ----------------------------------------------------------------------- */
typedef PyObject *(*h_task_fn)(long arg);
static h_task_fn h_fns[128];
static int h_nfns;

static PyObject *h_task_tramp(PyObject *self, PyObject *Py_UNUSED(args)) {
    long idx = PyLong_AsLong(PyTuple_GetItem(self, 0));
    long arg = PyLong_AsLong(PyTuple_GetItem(self, 1));
    return h_fns[idx](arg);
}
static PyMethodDef h_task_def = {"h_task", h_task_tramp, METH_NOARGS, NULL};

/* A callable object running fn(arg) (new reference). */
static H_UNUSED PyObject *h_callable(h_task_fn fn, long arg) {
    int idx = -1;
    for (int i = 0; i < h_nfns; i++) if (h_fns[i] == fn) { idx = i; break; }
    if (idx < 0) { idx = h_nfns++; h_fns[idx] = fn; }
    PyObject *self = PyTuple_New(2);
    if (!self) return NULL;
    PyTuple_SetItem(self, 0, PyLong_FromLong(idx));
    PyTuple_SetItem(self, 1, PyLong_FromLong(arg));
    PyObject *f = PyCFunction_New(&h_task_def, self);
    Py_DECREF(self);
    return f;
}

/* A bound (not set up) tasklet for fn(arg); new reference. */
static H_UNUSED PyTaskletObject *h_new(h_task_fn fn, long arg, const char *name) {
    PyObject *f = h_callable(fn, arg);
    if (!f) return NULL;
    PyTaskletObject *t = PyTasklet_New(NULL, f);
    Py_DECREF(f);
    if (t && name) h_name_set((PyObject *)t, name);
    return t;
}

/* A runnable tasklet for fn(arg) (appended to the run queue); new reference. */
static H_UNUSED PyTaskletObject *h_spawn(h_task_fn fn, long arg, const char *name) {
    PyTaskletObject *t = h_new(fn, arg, name);
    if (!t) { CHECK(!"h_spawn: PyTasklet_New failed"); PyErr_Print(); return NULL; }
    PyObject *args = PyTuple_New(0);
    int rc = PyTasklet_Setup(t, args, NULL);
    Py_DECREF(args);
    if (rc != 0) { CHECK(!"h_spawn: PyTasklet_Setup failed"); PyErr_Print(); }
    return t;
}

/* The current tasklet (borrowed: valid while it runs). */
static H_UNUSED PyTaskletObject *h_self(void) {
    PyObject *c = PyStackless_GetCurrent();
    if (!c) return NULL;
    Py_DECREF(c);   /* the run queue keeps it alive while it runs */
    return (PyTaskletObject *)c;
}

/* schedule() until the caller is the only runnable tasklet (bounded). */
static H_UNUSED void h_drain(void) {
    for (int i = 0; i < 10000 && PyStackless_GetRunCount() > 1; i++) {
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (!r) { CHECK(!"h_drain: schedule failed"); PyErr_Print(); return; }
        Py_DECREF(r);
    }
}

/* Kill t if still alive (checking it succeeds), then drop the reference. */
static H_UNUSED void h_finish(PyTaskletObject *t) {
    if (!t) return;
    if (PyTasklet_Alive(t)) {
        if (PyTasklet_Kill(t) != 0) { CHECK(!"h_finish: kill failed"); PyErr_Print(); }
    }
    CHECK(!PyTasklet_Alive(t));
    Py_DECREF(t);
}

/* ---- running a test body inside a main tasklet ---------------------------------------------- */
static PyTaskletObject *h_main;
static void (*h_body_cur)(void);

static PyObject *h_main_tramp(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args)) {
    h_main = h_self();
    CHECK(h_main != NULL);
    if (h_main) {
        h_name_set((PyObject *)h_main, "M");
        CHECK(PyTasklet_IsMain(h_main));
    }
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    h_body_cur();
    if (PyErr_Occurred()) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: exception left set by the body\n", h_current);
        PyErr_Print();
        PyErr_Clear();
    }
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_RETURN_NONE;
}
static PyMethodDef h_main_def = {"h_main", h_main_tramp, METH_NOARGS, NULL};

static H_UNUSED void h_run_main(void (*body)(void)) {
    h_log_reset();
    h_names_clear();
    h_body_cur = body;
    PyObject *r = PyStackless_CallCMethod_Main(&h_main_def, NULL, NULL);
    if (!r) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: PyStackless_CallCMethod_Main failed\n", h_current);
        PyErr_Print();
        PyErr_Clear();
    } else {
        CHECK(r == Py_None);
        Py_DECREF(r);
    }
    h_main = NULL;
    h_names_clear();
}

#define MAIN_TEST(name) \
    static void name##_body(void); \
    static void name(void) { h_run_main(name##_body); } \
    static void name##_body(void)

/* ---- time ---------------------------------------------------------------------------------- */
static H_UNUSED int64_t h_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- capturing stderr ---------------------------------------------------------------------- */
static FILE *h_cap_file;
static int h_cap_saved = -1;
static H_UNUSED void h_stderr_begin(void) {
    fflush(stderr);
    h_cap_file = tmpfile();
    if (!h_cap_file) return;
    h_cap_saved = dup(2);
    dup2(fileno(h_cap_file), 2);
}
/* Stops capturing; returns what was written (static buffer) and echoes it to real stderr
 * prefixed by "  [captured] ". */
static H_UNUSED const char *h_stderr_end(void) {
    static char buf[8192];
    buf[0] = 0;
    if (!h_cap_file) return buf;
    fflush(stderr);
    dup2(h_cap_saved, 2);
    close(h_cap_saved);
    h_cap_saved = -1;
    rewind(h_cap_file);
    size_t n = fread(buf, 1, sizeof buf - 1, h_cap_file);
    buf[n] = 0;
    fclose(h_cap_file);
    h_cap_file = NULL;
    return buf;
}

/* ---- channel state ------------------------------------------------------------------------- */
/* Checks balance, queue head (NULL: expect Py_None), closing and closed of ch. */
#define CHECK_CHAN(ch, bal, head, closing_, closed_) \
    h_check_chan((ch), (bal), (PyObject *)(head), (closing_), (closed_), __FILE__, __LINE__)
static H_UNUSED void h_check_chan(PyChannelObject *ch, int bal, PyObject *head, int closing,
                                  int closed, const char *file, int line) {
    int b = PyChannel_GetBalance(ch);
    PyObject *q = PyChannel_GetQueue(ch);
    int cg = PyChannel_GetClosing(ch), cd = PyChannel_GetClosed(ch);
    PyObject *want = head ? head : Py_None;
    if (b != bal || q != want || cg != closing || cd != closed) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: channel balance=%d queue=%s closing=%d closed=%d, "
                "expected balance=%d queue=%s closing=%d closed=%d\n", file, line, h_current,
                b, h_name(q), cg, cd, bal, h_name(want), closing, closed);
    }
    Py_XDECREF(q);
}

#endif /* SLP_CHANNEL_HELPERS_H */
