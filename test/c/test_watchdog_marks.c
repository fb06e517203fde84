/* test_watchdog_marks.c - a deferred interrupt belongs to the run() that set it: when that
 * run() ends some other way (here: the marked tasklet blocks and the queue empties), the mark
 * left on the tasklet must neither re-arm nor divert a switch during a later run(). */
#include "harness.h"
#include <time.h>

static char log_buf[128];
static void logs(const char *s) { strncat(log_buf, s, sizeof log_buf - strlen(log_buf) - 1); }
static PyChannelObject *ch;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Atomic, so the hard interrupt that comes due is deferred: the tasklet is marked. Then it
 * blocks, the first run() ends with the queue empty, and the mark is left behind. */
static PyObject *marked(PyObject *self, PyObject *args)
{
    PyObject *me = PyStackless_GetCurrent(), *v, *r;
    double t0 = now_s();
    PyTasklet_SetAtomic((PyTaskletObject *)me, 1);
    while (!PyTasklet_GetPendingIrq((PyTaskletObject *)me) && now_s() - t0 < 5.0) {
    }
    CHECK(PyTasklet_GetPendingIrq((PyTaskletObject *)me) == 1);
    logs("T:marked ");
    v = PyChannel_Receive(ch);
    if (!v) { Py_DECREF(me); return NULL; }
    Py_DECREF(v);
    logs("T:got ");
    PyTasklet_SetAtomic((PyTaskletObject *)me, 0);   /* a stale mark would re-arm here */
    Py_DECREF(me);
    r = PyStackless_Schedule(Py_None, 0);             /* ... and divert this switch */
    if (!r) return NULL;
    Py_DECREF(r);
    logs("T:after ");
    Py_RETURN_NONE;
}

static PyObject *other(PyObject *self, PyObject *args)
{
    PyObject *one = PyLong_FromLong(1);
    int rc;
    logs("U:send ");
    rc = PyChannel_Send(ch, one);
    Py_DECREF(one);
    if (rc) return NULL;
    logs("U:after ");
    Py_RETURN_NONE;
}

static PyMethodDef marked_def = {"marked", marked, METH_VARARGS, NULL};
static PyMethodDef other_def = {"other", other, METH_VARARGS, NULL};

static PyObject *body(PyObject *self, PyObject *noargs)
{
    PyObject *f1 = PyCFunction_New(&marked_def, NULL), *f2 = PyCFunction_New(&other_def, NULL);
    PyObject *empty = PyTuple_New(0), *r;
    PyTaskletObject *t = PyTasklet_New(NULL, f1), *u = PyTasklet_New(NULL, f2);
    ch = PyChannel_New(NULL);
    log_buf[0] = 0;
    PyTasklet_Setup(t, empty, NULL);
    r = PyStackless_RunWatchdogEx(1000, 0);   /* hard mode; ends when t blocks */
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK(PyTasklet_GetBlocked(t) == -1);
    CHECK_EQ_INT(PyTasklet_GetPendingIrq(t), 0);   /* its run() is over: the mark is dead */
    PyTasklet_Setup(u, empty, NULL);
    r = PyStackless_RunWatchdogEx(100000000, PY_WATCHDOG_SOFT);   /* never due */
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK(strcmp(log_buf, "T:marked U:send T:got U:after T:after ") == 0);
    if (strcmp(log_buf, "T:marked U:send T:got U:after T:after ") != 0) fprintf(stderr, "  log: %s\n", log_buf);
    if (PyTasklet_Alive(t)) PyTasklet_Kill(t);
    if (PyTasklet_Alive(u)) PyTasklet_Kill(u);
    Py_DECREF(t); Py_DECREF(u); Py_DECREF(f1); Py_DECREF(f2); Py_DECREF(empty); Py_DECREF(ch);
    Py_RETURN_NONE;
}

static void test_stale_mark_does_not_divert_a_later_run(void)
{
    static PyMethodDef def = {"body", body, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

int main(void)
{
    TEST(test_stale_mark_does_not_divert_a_later_run);
    return TEST_SUMMARY();
}
