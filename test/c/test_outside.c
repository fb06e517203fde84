/* test_outside.c - the "outside" / main-function interface, from the spec:
 *   C-API.md 9 (PyStackless_Call_Main, CallMethod_Main, CallCMethod_Main), C-API.md 1
 *   ("outside" calls wrap themselves), NODE.md 3.5 (a C program starts outside; Call_Main
 *   inside raises RuntimeError), C-API.md 5 (GetCurrent NULL without exception outside,
 *   GetRunCount), C-API.md 6 (the schedule callback sees (NULL, main) when main starts and
 *   (main, NULL) when it ends).
 * This file runs mostly outside; MAIN_TEST tests are used where a main tasklet is needed. */
#define _GNU_SOURCE 1
#include <pthread.h>
#include "test_helpers.h"

#define RTE PyExc_RuntimeError
#define MSG_INSIDE "Call_Main cannot run within a main tasklet"

/* sum(args) + kwargs.get("k", 0) (+ self if self is an int); checks it runs as main */
static int g_sum_saw_main;
static PyObject *f_sum(PyObject *self, PyObject *args, PyObject *kwargs)
{
    long s = 0;
    Py_ssize_t i;
    PyObject *cur = PyStackless_GetCurrent();
    g_sum_saw_main = cur && PyTasklet_IsMain((PyTaskletObject *)cur) &&
                     PyTasklet_IsCurrent((PyTaskletObject *)cur) && PyStackless_GetRunCount() >= 1;
    Py_XDECREF(cur);
    for (i = 0; i < PyTuple_Size(args); i++) s += PyLong_AsLong(PyTuple_GetItem(args, i));
    if (kwargs) {
        PyObject *k = PyDict_GetItemString(kwargs, "k");
        if (k) s += PyLong_AsLong(k);
    }
    if (self && PyLong_Check(self)) s += PyLong_AsLong(self);
    return PyLong_FromLong(s);
}
static PyObject *f_sum_va(PyObject *self, PyObject *args) { return f_sum(self, args, NULL); }
static PyMethodDef f_sum_def = {"f_sum", (PyCFunction)(void (*)(void))f_sum, METH_VARARGS | METH_KEYWORDS, NULL};
static PyMethodDef f_sum_va_def = {"f_sum_va", f_sum_va, METH_VARARGS, NULL};

static long as_long_and_free(PyObject *r)
{
    long v;
    if (!r) { PyErr_Print(); return -999999; }
    v = PyLong_Check(r) ? PyLong_AsLong(r) : -888888;
    Py_DECREF(r);
    return v;
}

static void test_outside_state(void)
{
    PyObject *cur = PyStackless_GetCurrent();
    CHECK(cur == NULL);
    CHECK_NO_ERR();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
    CHECK(PyStackless_GetCurrentId() == (unsigned long)pthread_self());
    CHECK_NO_ERR();
}

static void test_call_main_returns_result(void)
{
    PyObject *f = PyCFunction_New(&f_sum_def, NULL), *a = Py_BuildValue("(ii)", 2, 3), *kw = PyDict_New();
    PyObject *k = th_int(10), *e = th_tuple0();
    g_sum_saw_main = 0;
    CHECK_EQ_INT(as_long_and_free(PyStackless_Call_Main(f, a, NULL)), 5);
    CHECK(g_sum_saw_main);
    PyDict_SetItemString(kw, "k", k);
    CHECK_EQ_INT(as_long_and_free(PyStackless_Call_Main(f, a, kw)), 15);
    CHECK_EQ_INT(as_long_and_free(PyStackless_Call_Main(f, e, NULL)), 0);
    CHECK(PyStackless_GetCurrent() == NULL);
    CHECK_NO_ERR();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
    Py_DECREF(f); Py_DECREF(a); Py_DECREF(kw); Py_DECREF(k); Py_DECREF(e);
}

/* Exceptions of the main function propagate to Call_Main's caller (TaskletExit too). */
static void test_call_main_propagates_exceptions(void)
{
    PyObject *f = th_raiser(PyExc_ValueError, NULL), *e = th_tuple0(), *one = th_int(1);
    PyObject *g = th_raiser(PyExc_TaskletExit, NULL);
    th_log_reset();
    CHECK(PyStackless_Call_Main(f, e, NULL) == NULL);
    CHECK_ERR(PyExc_ValueError, "boom");
    CHECK(PyStackless_Call_Main(g, e, NULL) == NULL);
    CHECK_ERR(PyExc_TaskletExit, "boom");
    CHECK_LOG_SO_FAR("raise raise");
    CHECK(PyStackless_Call_Main(one, e, NULL) == NULL);           /* not callable */
    CHECK_ERR(PyExc_TypeError, NULL);
    CHECK(PyStackless_GetCurrent() == NULL);
    CHECK_NO_ERR();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
    Py_DECREF(f); Py_DECREF(g); Py_DECREF(e); Py_DECREF(one);
}

static PyObject *f_inside_calls(PyObject *self, PyObject *unused)
{
    PyObject *f = PyCFunction_New(&f_sum_def, NULL), *e = th_tuple0();
    (void)self; (void)unused;
    CHECK(PyStackless_Call_Main(f, e, NULL) == NULL);
    CHECK_ERR(RTE, MSG_INSIDE);
    CHECK(PyStackless_CallMethod_Main(f, NULL, NULL) == NULL);
    CHECK_ERR(RTE, MSG_INSIDE);
    CHECK(PyStackless_CallCMethod_Main(&f_sum_va_def, NULL, "(ii)", 1, 2) == NULL);
    CHECK_ERR(RTE, MSG_INSIDE);
    {
        PyObject *c = PyStackless_GetCurrent();
        th_logf("inside[%s]", c && PyTasklet_IsMain((PyTaskletObject *)c) ? "main" : "tasklet");
        Py_XDECREF(c);
    }
    Py_DECREF(f); Py_DECREF(e);
    Py_RETURN_NONE;
}
static PyMethodDef f_inside_calls_def = {"f_inside_calls", f_inside_calls, METH_NOARGS, NULL};

MAIN_TEST(test_call_main_inside_is_an_error)
{
    PyObject *r = f_inside_calls(NULL, NULL);     /* from main */
    Py_XDECREF(r);
    CHECK(th_spawn_free(&f_inside_calls_def, NULL, NULL) == 0);   /* from a native tasklet */
    CHECK(th_drain(3) == 0);
    CHECK_LOG_SO_FAR("inside[main] inside[tasklet]");
}

static void test_callmethod_main(void)
{
    PyObject *f = PyCFunction_New(&f_sum_va_def, NULL), *m = PyModule_New("outside_test");
    PyObject *fk = PyCFunction_New(&f_sum_def, NULL);
    CHECK(m != NULL);
    if (!m) { Py_XDECREF(f); Py_XDECREF(fk); return; }
    CHECK_EQ_INT(PyModule_AddObjectRef(m, "f", f), 0);
    CHECK_EQ_INT(PyModule_AddIntConstant(m, "x", 1), 0);
    /* format strings build the arguments; a non-tuple result is a 1-tuple */
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallMethod_Main(m, "f", "(ii)", 2, 3)), 5);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallMethod_Main(m, "f", "ii", 4, 5)), 9);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallMethod_Main(m, "f", "i", 7)), 7);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallMethod_Main(m, "f", NULL)), 0);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallMethod_Main(m, "f", "")), 0);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallMethod_Main(f, NULL, "(iii)", 1, 2, 3)), 6);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallMethod_Main(fk, NULL, "(i)", 8)), 8);
    /* errors */
    CHECK(PyStackless_CallMethod_Main(NULL, "f", NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, NULL);
    CHECK(PyStackless_CallMethod_Main(NULL, NULL, NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, NULL);
    CHECK(PyStackless_CallMethod_Main(m, "missing", NULL) == NULL);
    CHECK_ERR(PyExc_AttributeError, NULL);
    CHECK(PyStackless_CallMethod_Main(m, "x", NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "call of non-callable attribute");
    CHECK(PyStackless_GetCurrent() == NULL);
    CHECK_NO_ERR();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
    Py_DECREF(f); Py_DECREF(fk); Py_DECREF(m);
}

static PyObject *g_self_seen;
static PyObject *f_self_noargs(PyObject *self, PyObject *unused)
{
    (void)unused;
    g_self_seen = self;
    th_logf("noargs:%s", th_val(self));
    Py_RETURN_NONE;
}
static PyMethodDef f_self_noargs_def = {"f_self_noargs", f_self_noargs, METH_NOARGS, NULL};

static void test_callcmethod_main(void)
{
    PyObject *self = th_int(100), *r;
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallCMethod_Main(&f_sum_va_def, self, "(ii)", 2, 3)), 105);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallCMethod_Main(&f_sum_va_def, NULL, "i", 2)), 2);
    CHECK_EQ_INT(as_long_and_free(PyStackless_CallCMethod_Main(&f_sum_def, self, NULL)), 100);
    th_log_reset();
    g_self_seen = NULL;
    r = PyStackless_CallCMethod_Main(&f_self_noargs_def, self, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK(g_self_seen == self);
    CHECK_LOG_SO_FAR("noargs:100");
    CHECK(PyStackless_GetCurrent() == NULL);
    CHECK_NO_ERR();
    Py_DECREF(self);
}

/* Tasklets still queued when the main function returns stay in the main-less run queue; the
 * next main tasklet finds them. */
static PyObject *f_leave_two(PyObject *self, PyObject *unused)
{
    PyObject *a = th_str("A"), *b = th_str("B");
    (void)self; (void)unused;
    CHECK(th_spawn_free(&th_log_def, a, NULL) == 0);
    CHECK(th_spawn_free(&th_log_def, b, NULL) == 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    Py_DECREF(a); Py_DECREF(b);
    Py_RETURN_NONE;
}
static PyMethodDef f_leave_two_def = {"f_leave_two", f_leave_two, METH_NOARGS, NULL};

static PyObject *f_pick_up(PyObject *self, PyObject *unused)
{
    (void)self; (void)unused;
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    CHECK(th_drain(5) == 0);
    th_logf("M");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_RETURN_NONE;
}
static PyMethodDef f_pick_up_def = {"f_pick_up", f_pick_up, METH_NOARGS, NULL};

static void test_queued_tasklets_stay_queued(void)
{
    PyObject *r;
    th_log_reset();
    r = PyStackless_CallCMethod_Main(&f_leave_two_def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_LOG_SO_FAR("");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK(PyStackless_GetCurrent() == NULL);
    CHECK_NO_ERR();
    r = PyStackless_CallCMethod_Main(&f_pick_up_def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_LOG_SO_FAR("A B M");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
}

/* A switching function called from outside runs itself as main, transparently. */
static void test_switching_functions_from_outside(void)
{
    PyObject *a = th_str("O1"), *b = th_str("O2"), *v = th_int(5), *r;
    PyTaskletObject *t;
    PyChannelObject *ch = PyChannel_New(NULL);
    th_log_reset();
    CHECK(th_spawn_free(&th_log_def, a, NULL) == 0);
    CHECK(th_spawn_free(&th_log_def, b, NULL) == 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    r = PyStackless_Schedule(v, 0);            /* runs O1 and O2, comes back */
    CHECK(r == v);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_LOG_SO_FAR("O1 O2");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
    CHECK(PyStackless_GetCurrent() == NULL);
    CHECK_NO_ERR();

    r = PyStackless_Schedule(v, 0);            /* nothing queued: returns at once */
    CHECK(r == v);
    Py_XDECREF(r);
    CHECK_NO_ERR();

    t = th_spawn(&th_log_def, a, NULL);        /* PyTasklet_Run from outside */
    if (t) EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR("O1 O2 O1");
    if (t) CHECK(!PyTasklet_Alive(t));
    Py_XDECREF(t);

    /* a receiver blocks (Run from outside returns), then a Send from outside feeds it */
    th_log_reset();
    t = th_new_park(PARK_RECV, ch);
    if (t) {
        PyObject *e = th_tuple0();
        EXPECT_OK(PyTasklet_Setup(t, e, NULL));
        EXPECT_OK(PyTasklet_Run(t));
        CHECK_EQ_INT(PyTasklet_GetBlocked(t), -1);
        CHECK_EQ_INT(PyChannel_GetBalance(ch), -1);
        CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
        EXPECT_OK(PyChannel_Send(ch, v));
        CHECK_LOG_SO_FAR("start[-] resumed:5[-]");
        CHECK(!PyTasklet_Alive(t));
        CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
        Py_DECREF(e);
        Py_DECREF(t);
    }
    /* nothing to run: a blocking receive from outside deadlocks */
    CHECK(PyChannel_Receive(ch) == NULL);
    CHECK_ERR(RTE, "Deadlock: the last runnable tasklet cannot be blocked.");
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    CHECK(PyStackless_GetCurrent() == NULL);
    CHECK_NO_ERR();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 0);
    Py_DECREF(a); Py_DECREF(b); Py_DECREF(v); Py_DECREF(ch);
}

/* After Call_Main returned, its main tasklet is neither alive nor current. */
static PyObject *g_old_main;
static PyObject *f_grab_main(PyObject *self, PyObject *unused)
{
    (void)self; (void)unused;
    g_old_main = PyStackless_GetCurrent();
    Py_RETURN_NONE;
}
static PyMethodDef f_grab_main_def = {"f_grab_main", f_grab_main, METH_NOARGS, NULL};

static void test_main_after_call_main(void)
{
    PyObject *r = PyStackless_CallCMethod_Main(&f_grab_main_def, NULL, NULL), *r2, *second;
    Py_XDECREF(r);
    CHECK(g_old_main != NULL);
    if (!g_old_main) return;
    CHECK(!PyTasklet_Alive((PyTaskletObject *)g_old_main));
    CHECK(!PyTasklet_IsCurrent((PyTaskletObject *)g_old_main));
    CHECK(!PyTasklet_Scheduled((PyTaskletObject *)g_old_main));
    second = g_old_main;
    g_old_main = NULL;
    r2 = PyStackless_CallCMethod_Main(&f_grab_main_def, NULL, NULL);   /* a fresh main each time */
    Py_XDECREF(r2);
    CHECK(g_old_main != NULL && g_old_main != second);
    Py_XDECREF(g_old_main);
    g_old_main = NULL;
    Py_DECREF(second);
}

/* The schedule callback sees (NULL, main) when Call_Main creates main and (main, NULL) when
 * that main ends; in between every switch. */
#define MAXEV 32
static PyTaskletObject *ev_from[MAXEV], *ev_to[MAXEV];
static int nev;
static int fast_hook(PyTaskletObject *from, PyTaskletObject *to)
{
    if (nev < MAXEV) { ev_from[nev] = from; ev_to[nev] = to; }
    nev++;
    return 0;
}
static PyObject *g_cb_main, *g_cb_t;
static PyObject *f_cb_body(PyObject *self, PyObject *unused)
{
    PyObject *n = th_str("T"), *r;
    (void)self; (void)unused;
    g_cb_main = PyStackless_GetCurrent();
    g_cb_t = (PyObject *)th_spawn(&th_log_def, n, NULL);
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    Py_DECREF(n);
    Py_RETURN_NONE;
}
static PyMethodDef f_cb_body_def = {"f_cb_body", f_cb_body, METH_NOARGS, NULL};

static void check_events(const char *what)
{
    PyTaskletObject *M = (PyTaskletObject *)g_cb_main, *T = (PyTaskletObject *)g_cb_t;
    PyTaskletObject *ef[4] = {NULL, M, T, M}, *et[4] = {M, T, M, NULL};
    int i;
    CHECK_EQ_INT(nev, 4);
    for (i = 0; i < 4 && i < nev; i++) {
        if (ev_from[i] != ef[i] || ev_to[i] != et[i]) {
            h_failed_checks++;
            fprintf(stderr, "  FAIL %s: %s event %d: (%p, %p), expected (%p, %p) [main %p, T %p]\n",
                    h_current, what, i, (void *)ev_from[i], (void *)ev_to[i], (void *)ef[i],
                    (void *)et[i], (void *)M, (void *)T);
        }
    }
}

static PyObject *py_cb(PyObject *self, PyObject *args)
{
    PyObject *prev = PyTuple_GetItem(args, 0), *next = PyTuple_GetItem(args, 1);
    (void)self;
    if (nev < MAXEV) {
        ev_from[nev] = prev == Py_None ? NULL : (PyTaskletObject *)prev;
        ev_to[nev] = next == Py_None ? NULL : (PyTaskletObject *)next;
    }
    nev++;
    Py_RETURN_NONE;
}
static PyMethodDef py_cb_def = {"py_cb", py_cb, METH_VARARGS, NULL};

static void test_schedule_callback_sees_main_start_and_end(void)
{
    PyObject *r, *cb, *one = th_int(1);
    th_log_reset();
    nev = 0;
    PyStackless_SetScheduleFastcallback(fast_hook);
    r = PyStackless_CallCMethod_Main(&f_cb_body_def, NULL, NULL);
    PyStackless_SetScheduleFastcallback(NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_LOG_SO_FAR("T");
    check_events("fast callback");
    Py_CLEAR(g_cb_main);
    Py_CLEAR(g_cb_t);

    /* the same through a callable: (None, main) ... (main, None) */
    nev = 0;
    cb = PyCFunction_New(&py_cb_def, NULL);
    EXPECT_OK(PyStackless_SetScheduleCallback(cb));
    r = PyStackless_CallCMethod_Main(&f_cb_body_def, NULL, NULL);
    EXPECT_OK(PyStackless_SetScheduleCallback(NULL));
    CHECK(r == Py_None);
    Py_XDECREF(r);
    check_events("callable");
    EXPECT_ERR(PyStackless_SetScheduleCallback(one), PyExc_TypeError, "schedule callback must be callable");
    /* removed: no more events */
    nev = 0;
    r = PyStackless_CallCMethod_Main(&f_cb_body_def, NULL, NULL);
    Py_XDECREF(r);
    CHECK_EQ_INT(nev, 0);
    Py_CLEAR(g_cb_main);
    Py_CLEAR(g_cb_t);
    Py_DECREF(cb);
    Py_DECREF(one);
}

/* Another OS thread starts outside as well and gets its own main. */
static int g_thread_ok;
static void *outside_thread(void *arg)
{
    PyObject *f = PyCFunction_New(&f_sum_va_def, NULL), *a = Py_BuildValue("(ii)", 20, 22), *r;
    (void)arg;
    g_thread_ok = PyStackless_GetCurrent() == NULL && !PyErr_Occurred() && PyStackless_GetRunCount() == 0;
    r = PyStackless_Call_Main(f, a, NULL);
    g_thread_ok = g_thread_ok && r && PyLong_AsLong(r) == 42 && g_sum_saw_main &&
                  PyStackless_GetCurrent() == NULL;
    Py_XDECREF(r);
    Py_DECREF(f);
    Py_DECREF(a);
    return NULL;
}

static void test_other_thread_starts_outside(void)
{
    pthread_t th;
    g_thread_ok = 0;
    if (pthread_create(&th, NULL, outside_thread, NULL) != 0) { CHECK(!"pthread_create"); return; }
    pthread_join(th, NULL);
    CHECK(g_thread_ok);
}

int main(void)
{
    TEST(test_outside_state);
    TEST(test_call_main_returns_result);
    TEST(test_call_main_propagates_exceptions);
    TEST(test_call_main_inside_is_an_error);
    TEST(test_callmethod_main);
    TEST(test_callcmethod_main);
    TEST(test_queued_tasklets_stay_queued);
    TEST(test_switching_functions_from_outside);
    TEST(test_main_after_call_main);
    TEST(test_schedule_callback_sees_main_start_and_end);
    TEST(test_other_thread_starts_outside);
    TEST(test_outside_state);
    return TEST_SUMMARY();
}
