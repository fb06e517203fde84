/* test_runqueue.c - the run queue and the scheduling functions, from the spec:
 *   STATES.md 4.1 (circular queue, head = current, append = just before the current tasklet,
 *   switch to X makes X the head without reordering, end of a tasklet -> its successor,
 *   immediate channel hand-over), API.md 5.1 / 5.3 / 5.4 (schedule, schedule_remove and their
 *   return values, run() / switch() equivalences), C-API.md 5 (PyStackless_Schedule,
 *   GetRunCount, GetCurrent, GetCurrentId). Every expected interleaving is written out. */
#define _GNU_SOURCE 1
#include <pthread.h>
#include "test_helpers.h"

/* w_rr: self = name; args = (n,). Logs name1, schedule(), name2, schedule(), ... name<n>,
 * then returns None. A failing schedule logs "name:exc:Tag" and propagates. */
static PyObject *w_rr_fn(PyObject *self, PyObject *args)
{
    const char *name = PyUnicode_AsUTF8(self);
    long n = PyLong_AsLong(PyTuple_GetItem(args, 0)), i;
    for (i = 1; i <= n; i++) {
        th_logf("%s%ld", name, i);
        if (i < n) {
            PyObject *r = PyStackless_Schedule(Py_None, 0);
            if (!r) { th_logf("%s:exc:%s", name, th_exc_tag()); return NULL; }
            Py_DECREF(r);
        }
    }
    Py_RETURN_NONE;
}
static PyMethodDef w_rr_def = {"w_rr", w_rr_fn, METH_VARARGS, NULL};

static PyObject *name_obj(const char *s) { return th_str(s); }

/* spawn a w_rr tasklet "name" with n steps (the run queue keeps it) */
static void rr(const char *name, long n)
{
    PyObject *nm = name_obj(name), *a = th_tuple1_int(n);
    CHECK(th_spawn_free(&w_rr_def, nm, a) == 0);
    Py_DECREF(nm);
    Py_DECREF(a);
}

/* main: schedule() and log "M:<runcount>" until only main is left */
static void main_rounds(int limit)
{
    while (PyStackless_GetRunCount() > 1 && limit-- > 0) {
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (!r) { th_logf("M:exc:%s", th_exc_tag()); PyErr_Clear(); return; }
        Py_DECREF(r);
        th_logf("M:%d", PyStackless_GetRunCount());
    }
}

MAIN_TEST(test_setup_appends_in_order)
{
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    rr("A", 2);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    rr("B", 2);
    rr("C", 2);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 4);
    CHECK_LOG_SO_FAR(""); /* setup never switches */
    main_rounds(10);
    CHECK_LOG_SO_FAR("A1 B1 C1 M:4 A2 B2 C2 M:1");
}

MAIN_TEST(test_round_robin_five_tasklets)
{
    rr("A", 5);
    rr("B", 1);
    rr("C", 3);
    rr("D", 2);
    rr("E", 4);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 6);
    main_rounds(20);
    CHECK_LOG_SO_FAR("A1 B1 C1 D1 E1 M:5 A2 C2 D2 E2 M:4 A3 C3 E3 M:3 A4 E4 M:2 A5 M:1");
}

/* run(C) makes C the head; A and B (between main and C) run only after the round wraps. */
MAIN_TEST(test_run_makes_target_head_without_reordering)
{
    PyObject *nm = name_obj("C"), *a = th_tuple1_int(2), *r;
    PyTaskletObject *c;
    rr("A", 2);
    rr("B", 2);
    c = th_spawn(&w_rr_def, nm, a);
    CHECK(c != NULL);
    if (c) EXPECT_OK(PyTasklet_Run(c));
    th_logf("M1");
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M2");
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M3");
    CHECK_LOG_SO_FAR("C1 M1 A1 B1 C2 M2 A2 B2 M3");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_XDECREF(c); Py_DECREF(nm); Py_DECREF(a);
}

/* A tasklet runs another: the ring order stays main, A, B, C. */
static PyTaskletObject *g_target;
static PyObject *w_runner_fn(PyObject *self, PyObject *unused)
{
    int rc;
    (void)self; (void)unused;
    th_logf("A1");
    rc = PyTasklet_Run(g_target);
    th_logf("A2:%d", rc);
    if (rc) return NULL;
    Py_RETURN_NONE;
}
static PyMethodDef w_runner_def = {"w_runner", w_runner_fn, METH_NOARGS, NULL};

MAIN_TEST(test_run_from_tasklet)
{
    PyObject *nm = name_obj("C"), *a = th_tuple1_int(2), *r;
    CHECK(th_spawn_free(&w_runner_def, NULL, NULL) == 0);
    rr("B", 1);
    g_target = th_spawn(&w_rr_def, nm, a);
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M1");
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M2");
    CHECK_LOG_SO_FAR("A1 C1 M1 A2:0 B1 C2 M2");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_CLEAR(g_target);
    Py_DECREF(nm); Py_DECREF(a);
}

/* switch(): the caller leaves the run queue; it comes back only when inserted. */
static PyTaskletObject *g_a, *g_b;
static PyObject *w_switcher_fn(PyObject *self, PyObject *unused)
{
    int rc;
    (void)self; (void)unused;
    th_logf("A1");
    rc = PyTasklet_Switch(g_b);
    th_logf("A2:%d", rc);
    Py_RETURN_NONE;
}
static PyMethodDef w_switcher_def = {"w_switcher", w_switcher_fn, METH_NOARGS, NULL};
static PyObject *w_switchee_fn(PyObject *self, PyObject *unused)
{
    PyObject *r;
    (void)self; (void)unused;
    th_logf("B1:%s:%d", th_state(g_a), PyStackless_GetRunCount());
    r = PyStackless_Schedule(Py_None, 0);
    if (!r) return NULL;
    Py_DECREF(r);
    th_logf("B2");
    Py_RETURN_NONE;
}
static PyMethodDef w_switchee_def = {"w_switchee", w_switchee_fn, METH_NOARGS, NULL};

MAIN_TEST(test_switch_pauses_caller)
{
    PyObject *r;
    g_a = th_spawn(&w_switcher_def, NULL, NULL);
    g_b = th_spawn(&w_switchee_def, NULL, NULL);
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M1:%s:%d", th_state(g_a), PyStackless_GetRunCount());
    if (g_a) EXPECT_OK(PyTasklet_Insert(g_a));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M2:%d", PyStackless_GetRunCount());
    CHECK_LOG_SO_FAR("A1 B1:P:2 M1:P:2 B2 A2:0 M2:1");
    Py_CLEAR(g_a);
    Py_CLEAR(g_b);
}

/* schedule_remove(v): paused until inserted; returns v when resumed. insert() appends. */
static PyObject *g_val7;
static PyObject *w_sremove_fn(PyObject *self, PyObject *unused)
{
    const char *name = PyUnicode_AsUTF8(self);
    PyObject *r;
    (void)unused;
    th_logf("%s1", name);
    r = PyStackless_Schedule(g_val7, 1);
    if (!r) { th_logf("%s:exc:%s", name, th_exc_tag()); return NULL; }
    th_logf("%s2:%s:%s", name, th_val(r), r == g_val7 ? "same" : "other");
    Py_DECREF(r);
    Py_RETURN_NONE;
}
static PyMethodDef w_sremove_def = {"w_sremove", w_sremove_fn, METH_NOARGS, NULL};

MAIN_TEST(test_schedule_remove_and_insert_order)
{
    PyObject *p = name_obj("P"), *q = name_obj("Q"), *r;
    PyTaskletObject *tp, *tq;
    g_val7 = th_int(7);
    tp = th_spawn(&w_sremove_def, p, NULL);
    tq = th_spawn(&w_sremove_def, q, NULL);
    r = PyStackless_Schedule(Py_None, 0);      /* P1 Q1; both remove themselves */
    Py_XDECREF(r);
    th_logf("M:%d", PyStackless_GetRunCount());
    CHECK(tp && PyTasklet_Paused(tp) && tq && PyTasklet_Paused(tq));
    if (tq) EXPECT_OK(PyTasklet_Insert(tq));   /* Q first, then P: the insert order counts */
    if (tp) EXPECT_OK(PyTasklet_Insert(tp));
    th_logf("M:%d", PyStackless_GetRunCount());
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M:%d", PyStackless_GetRunCount());
    CHECK_LOG_SO_FAR("P1 Q1 M:1 M:3 Q2:7:same P2:7:same M:1");
    Py_XDECREF(tp); Py_XDECREF(tq);
    Py_DECREF(p); Py_DECREF(q);
    Py_CLEAR(g_val7);
}

/* PyStackless_Schedule returns a new reference to retval, alone or after a round. */
MAIN_TEST(test_schedule_return_value)
{
    PyObject *v = th_str("value"), *r;
    Py_ssize_t rc0 = Py_REFCNT(v);
    r = PyStackless_Schedule(v, 0);            /* alone: no switch */
    CHECK(r == v);
    CHECK_EQ_INT(Py_REFCNT(v), rc0 + 1);
    Py_XDECREF(r);
    rr("A", 1);
    r = PyStackless_Schedule(v, 0);
    CHECK(r == v);
    CHECK_LOG_SO_FAR("A1");
    Py_XDECREF(r);
    rr("B", 1);
    r = PyStackless_Schedule_nr(v, 0);         /* _nr from C: the plain behaviour */
    CHECK(r == v && !STACKLESS_UNWINDING(r));
    CHECK_LOG_SO_FAR("A1 B1");
    Py_XDECREF(r);
    r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_EQ_INT(Py_REFCNT(v), rc0);
    Py_DECREF(v);
}

/* The ending tasklet's successor runs next (STATES.md 4.1 "Tasklet end"). */
MAIN_TEST(test_end_of_tasklet_goes_to_successor)
{
    PyObject *nm = name_obj("X"), *r;
    rr("A", 1);
    rr("B", 2);
    CHECK(th_spawn_free(&th_log_def, nm, NULL) == 0);
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    th_logf("M");
    CHECK_LOG_SO_FAR("A1 B1 X M");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK(th_drain(3) == 0);
    CHECK_LOG_SO_FAR("A1 B1 X M B2");
    Py_DECREF(nm);
}

/* remove() / insert() / kill() / end / block: run count at each point. */
MAIN_TEST(test_runcount_at_each_point)
{
    fixture a, b;
    PyChannelObject *ch = PyChannel_New(NULL);
    PyObject *v = th_int(3), *r;
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    if (fx_make(&a, ST_R0) || fx_make(&b, ST_R0)) { Py_DECREF(ch); Py_DECREF(v); return; }
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    EXPECT_OK(PyTasklet_Remove(a.t));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    EXPECT_OK(PyTasklet_Remove(a.t));          /* no-op */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    EXPECT_OK(PyTasklet_Insert(a.t));
    EXPECT_OK(PyTasklet_Insert(a.t));          /* no-op */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    /* ring: main, b, a. kill(b) switches to b, which dies at once; control goes to b's
     * successor a (not back to main), which starts and removes itself; then main */
    th_log_reset();
    EXPECT_OK(PyTasklet_Kill(b.t));
    CHECK_LOG_SO_FAR("start[R]");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK(PyTasklet_Paused(a.t) && !PyTasklet_Alive(b.t));
    fx_cleanup(&a);
    fx_cleanup(&b);
    th_log_reset();
    /* a blocked tasklet is not in the run queue */
    {
        PyTaskletObject *t = th_new_park(PARK_RECV, ch);
        PyObject *e = th_tuple0();
        if (t) EXPECT_OK(PyTasklet_Setup(t, e, NULL));
        CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
        r = PyStackless_Schedule(Py_None, 0);
        Py_XDECREF(r);
        CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
        CHECK_EQ_INT(PyChannel_GetBalance(ch), -1);
        EXPECT_OK(PyChannel_Send(ch, v));        /* hand-over: t runs, ends */
        CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
        CHECK_LOG_SO_FAR("start[R] resumed:3[R]");
        Py_XDECREF(t);
        Py_DECREF(e);
    }
    Py_DECREF(ch); Py_DECREF(v);
}

/* Immediate hand-over (preference -1, send to a waiting receiver): the receiver is inserted
 * right after the sender and runs now; the sender becomes last in the round. */
static PyChannelObject *g_ch;
static PyObject *w_recv_then_schedule_fn(PyObject *self, PyObject *unused)
{
    PyObject *v = PyChannel_Receive(g_ch), *r;
    (void)self; (void)unused;
    if (!v) return NULL;
    th_logf("R:%s", th_val(v));
    Py_DECREF(v);
    r = PyStackless_Schedule(Py_None, 0);
    if (!r) return NULL;
    Py_DECREF(r);
    th_logf("R2");
    Py_RETURN_NONE;
}
static PyMethodDef w_recv_then_schedule_def = {"w_recv_then_schedule", w_recv_then_schedule_fn, METH_NOARGS, NULL};

MAIN_TEST(test_channel_handover_order)
{
    PyObject *v = th_int(9), *r;
    PyTaskletObject *rt;
    g_ch = PyChannel_New(NULL);
    rt = th_spawn(&w_recv_then_schedule_def, NULL, NULL);
    r = PyStackless_Schedule(Py_None, 0);      /* the receiver blocks */
    Py_XDECREF(r);
    CHECK(rt && PyTasklet_GetBlocked(rt) == -1);
    rr("X", 2);
    rr("Y", 2);
    CHECK_EQ_INT(PyChannel_GetPreference(g_ch), -1);
    EXPECT_OK(PyChannel_Send(g_ch, v));
    th_logf("M");
    CHECK_LOG_SO_FAR("R:9 X1 Y1 M");
    CHECK(th_drain(5) == 0);
    CHECK_LOG_SO_FAR("R:9 X1 Y1 M R2 X2 Y2");
    Py_XDECREF(rt);
    Py_CLEAR(g_ch);
    Py_DECREF(v);
}

/* PyStackless_GetCurrent: new reference to the current tasklet. GetCurrentId: the thread id
 * (threading.get_ident(), i.e. pthread_self) for main, another stable value per tasklet. */
static unsigned long g_ids[4];
static PyObject *w_ids_fn(PyObject *self, PyObject *unused)
{
    long k = PyLong_AsLong(self);
    PyObject *cur = PyStackless_GetCurrent(), *r;
    (void)unused;
    CHECK(cur != NULL && cur != (PyObject *)th_main);
    CHECK(cur && PyTasklet_IsCurrent((PyTaskletObject *)cur) && !PyTasklet_IsMain((PyTaskletObject *)cur));
    g_ids[k] = PyStackless_GetCurrentId();
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    CHECK_EQ_INT(PyStackless_GetCurrentId(), g_ids[k]);   /* stable across a switch */
    {
        PyObject *cur2 = PyStackless_GetCurrent();
        CHECK(cur2 == cur);
        Py_XDECREF(cur2);
    }
    Py_XDECREF(cur);
    Py_RETURN_NONE;
}
static PyMethodDef w_ids_def = {"w_ids", w_ids_fn, METH_NOARGS, NULL};

MAIN_TEST(test_getcurrent_and_ids)
{
    PyObject *c1 = PyStackless_GetCurrent(), *c2, *k1 = th_int(1), *k2 = th_int(2);
    Py_ssize_t rc;
    CHECK(c1 == (PyObject *)th_main);
    rc = Py_REFCNT(c1);
    c2 = PyStackless_GetCurrent();
    CHECK(c2 == c1);
    CHECK_EQ_INT(Py_REFCNT(c1), rc + 1);
    Py_XDECREF(c2);
    Py_XDECREF(c1);
    g_ids[0] = PyStackless_GetCurrentId();
    CHECK(g_ids[0] == (unsigned long)pthread_self());
    CHECK(th_spawn_free(&w_ids_def, k1, NULL) == 0);
    CHECK(th_spawn_free(&w_ids_def, k2, NULL) == 0);
    CHECK(th_drain(5) == 0);
    CHECK(g_ids[1] != g_ids[0] && g_ids[2] != g_ids[0] && g_ids[1] != g_ids[2]);
    CHECK_EQ_INT(PyStackless_GetCurrentId(), g_ids[0]);
    Py_DECREF(k1); Py_DECREF(k2);
}

/* schedule() from the only runnable tasklet other than a paused main keeps running it;
 * a tasklet that schedule_remove()s when the queue is empty revives the paused main (W). */
static PyObject *w_alone_fn(PyObject *self, PyObject *unused)
{
    PyObject *r;
    (void)self; (void)unused;
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);       /* main switched away: paused */
    r = PyStackless_Schedule(Py_None, 0);             /* alone: no switch */
    th_logf("T1:%s", th_val(r));
    Py_XDECREF(r);
    r = PyStackless_Schedule(Py_None, 1);             /* W (main) paused -> main revived */
    th_logf("T2:%s", th_val(r));
    Py_XDECREF(r);
    Py_RETURN_NONE;
}
static PyMethodDef w_alone_def = {"w_alone", w_alone_fn, METH_NOARGS, NULL};

MAIN_TEST(test_tasklet_alone_with_paused_main)
{
    PyTaskletObject *t = th_spawn(&w_alone_def, NULL, NULL);
    if (t) EXPECT_OK(PyTasklet_Switch(t));
    th_logf("M:%s", th_state(t));
    CHECK_LOG_SO_FAR("T1:None M:P");
    if (t) EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR("T1:None M:P T2:None");
    Py_XDECREF(t);
}

int main(void)
{
    TEST(test_setup_appends_in_order);
    TEST(test_round_robin_five_tasklets);
    TEST(test_run_makes_target_head_without_reordering);
    TEST(test_run_from_tasklet);
    TEST(test_switch_pauses_caller);
    TEST(test_schedule_remove_and_insert_order);
    TEST(test_schedule_return_value);
    TEST(test_end_of_tasklet_goes_to_successor);
    TEST(test_runcount_at_each_point);
    TEST(test_channel_handover_order);
    TEST(test_getcurrent_and_ids);
    TEST(test_tasklet_alone_with_paused_main);
    return TEST_SUMMARY();
}
