/* test_channel_scheduling.c - who runs after a channel transfer (STATES.md 5.4, API.md 3.4),
 * run-queue order (STATES.md 4.1), and what happens when the run queue empties: deadlock,
 * blocked main woken by the end of the last tasklet, exceptions routed to a blocked main
 * (STATES.md 4.2, API.md 5.5, 5.6). Interleavings are checked as exact event sequences. */
#include "test_helpers.h"

static PyChannelObject *g_ch, *g_ch2;

#define DEADLOCK_MSG "Deadlock: the last runnable tasklet cannot be blocked."
#define MAIN_RECV_MSG "the main tasklet is receiving without a sender available."
#define MAIN_SEND_MSG "the main tasklet is sending without a receiver available."

/* ---- task functions ------------------------------------------------------------------------ */
static PyObject *pp_sender(long n) {
    for (long i = 1; i <= n; i++) {
        th_logf("A:send%ld", i);
        if (th_send_int(g_ch, i)) return NULL;
        th_logf("A:sent%ld", i);
    }
    Py_RETURN_NONE;
}

static PyObject *pp_receiver(long n) {
    for (long i = 1; i <= n; i++) {
        th_logf("B:recv");
        PyObject *v = PyChannel_Receive(g_ch);
        if (!v) return NULL;
        th_logf("B:got%s", th_val(v));
        Py_DECREF(v);
    }
    Py_RETURN_NONE;
}

/* blocks on g_ch2 (while main is blocked on g_ch); catches what it gets if arg != 0 */
static PyObject *t_block_other(long catch_it) {
    th_logf("T:recv");
    PyObject *v = PyChannel_Receive(g_ch2);
    if (v) { th_logf("T:got%s", th_val(v)); Py_DECREF(v); Py_RETURN_NONE; }
    if (!catch_it) { th_logf("T:dies"); return NULL; }
    th_log_exc("T");
    Py_RETURN_NONE;
}

/* ---- 5.4: preference x direction x schedule_all ---------------------------------------------
 * Partner P waits on the channel, X is runnable (queued after P blocked), then main (S)
 * performs the operation. */
static int c_send, c_pref, c_sa;
static const char *c_expected;

static void transfer_case_body(void) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyChannel_SetPreference(g_ch, c_pref);
    PyChannel_SetScheduleAll(g_ch, c_sa);
    PyTaskletObject *p = c_send ? th_spawn_receiver(g_ch, "P") : th_spawn_sender(g_ch, "P", 7);
    th_schedule();
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), c_send ? -1 : 1);
    PyTaskletObject *x = th_spawn_logger("X");
    th_logf("M:op");
    if (c_send) {
        CHECK_EQ_INT(th_send_int(g_ch, 7), 0);
        th_logf("M:ret");
    } else {
        PyObject *v = PyChannel_Receive(g_ch);
        CHECK(v != NULL);
        th_logf("M:ret%s", th_val(v));
        Py_XDECREF(v);
    }
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    th_drain_all();
    if (strcmp(th_log, c_expected) != 0)
        fprintf(stderr, "  (case: %s, preference %d, schedule_all %d)\n",
                c_send ? "send" : "receive", c_pref, c_sa);
    CHECK_LOG(c_expected);
    th_finish(p); th_finish(x);
    Py_DECREF(g_ch);
    g_ch = NULL;
}

static void transfer_case(int send, int pref, int sa, const char *expected) {
    c_send = send; c_pref = pref; c_sa = sa; c_expected = expected;
    th_run_main(transfer_case_body);
}

static void test_send_preference_receiver(void) {      /* -1: switch to the receiver now */
    transfer_case(1, -1, 0, "P:recv M:op P:got7 X M:ret");
}
static void test_send_preference_none(void) {          /* 0: sender continues */
    transfer_case(1, 0, 0, "P:recv M:op M:ret X P:got7");
}
static void test_send_preference_sender(void) {        /* +1: sender continues */
    transfer_case(1, 1, 0, "P:recv M:op M:ret X P:got7");
}
static void test_receive_preference_receiver(void) {   /* -1: receiver continues */
    transfer_case(0, -1, 0, "P:send M:op M:ret7 X P:sent");
}
static void test_receive_preference_none(void) {
    transfer_case(0, 0, 0, "P:send M:op M:ret7 X P:sent");
}
static void test_receive_preference_sender(void) {     /* +1: switch to the sender now */
    transfer_case(0, 1, 0, "P:send M:op P:sent X M:ret7");
}
/* schedule_all: the partner is appended and the caller yields, whatever the preference */
static void test_send_schedule_all(void) {
    transfer_case(1, -1, 1, "P:recv M:op X P:got7 M:ret");
    transfer_case(1, 0, 1, "P:recv M:op X P:got7 M:ret");
    transfer_case(1, 1, 1, "P:recv M:op X P:got7 M:ret");
}
static void test_receive_schedule_all(void) {
    transfer_case(0, -1, 1, "P:send M:op X P:sent M:ret7");
    transfer_case(0, 0, 1, "P:send M:op X P:sent M:ret7");
    transfer_case(0, 1, 1, "P:send M:op X P:sent M:ret7");
}

/* preference -1 with a non-main sender: the receiver is inserted right after the sender and
 * runs at once; the sender becomes last in the round (after main). */
MAIN_TEST(test_send_from_tasklet_prefer_receiver) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *p = th_spawn_receiver(g_ch, "P");
    th_schedule();
    CHECK_LOG("P:recv");
    PyTaskletObject *s = th_spawn_sender(g_ch, "S", 5);
    PyTaskletObject *x = th_spawn_logger("X");
    th_schedule();
    th_logf("M");
    th_drain_all();
    CHECK_LOG("S:send P:got5 X M S:sent");
    th_finish(p); th_finish(s); th_finish(x);
    Py_DECREF(g_ch);
}

/* ping-pong between two tasklets with the default preference */
MAIN_TEST(test_pingpong_between_tasklets) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *a = th_spawn_fn(pp_sender, 3, "A");
    PyTaskletObject *b = th_spawn_fn(pp_receiver, 3, "B");
    th_drain_all();
    CHECK_LOG("A:send1 B:recv B:got1 B:recv A:sent1 A:send2 B:got2 B:recv A:sent2 "
              "A:send3 B:got3 A:sent3");
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    CHECK(!PyTasklet_Alive(a));
    CHECK(!PyTasklet_Alive(b));
    th_finish(a); th_finish(b);
    Py_DECREF(g_ch);
}

/* ---- deadlock (4.2) -------------------------------------------------------------------------- */
MAIN_TEST(test_deadlock_main_alone) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    CHECK(PyChannel_Receive(g_ch) == NULL);
    CHECK_ERR(PyExc_RuntimeError, DEADLOCK_MSG);
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK(PyTasklet_IsCurrent(th_main));
    CHECK_EQ_INT(PyTasklet_GetBlocked(th_main), 0);
    CHECK(PyTasklet_Scheduled(th_main));
    CHECK_EQ_INT(PyChannel_Send(g_ch, Py_None), -1);
    CHECK_ERR(PyExc_RuntimeError, DEADLOCK_MSG);
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyChannel_SendException(g_ch, PyExc_ValueError, Py_None), -1);
    CHECK_ERR(PyExc_RuntimeError, DEADLOCK_MSG);
    CHECK_EQ_INT(PyChannel_SendThrow(g_ch, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_RuntimeError, DEADLOCK_MSG);
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    /* the channel still works afterwards */
    PyTaskletObject *p = th_spawn_sender(g_ch, "P", 4);
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v != NULL && PyLong_AsLong(v) == 4);
    Py_XDECREF(v);
    th_drain_all();
    CHECK_LOG("P:send P:sent");
    th_finish(p);
    Py_DECREF(g_ch);
}

/* Main blocked on ch; T blocks on ch2 with nothing else runnable: T gets Deadlock (caught);
 * then T ends normally while main is still blocked: main's receive raises. */
MAIN_TEST(test_deadlock_in_tasklet_while_main_blocked) {
    g_ch = th_new_chan("ch");
    g_ch2 = th_new_chan("ch2");
    if (!g_ch || !g_ch2) return;
    PyTaskletObject *t = th_spawn_fn(t_block_other, 1, "T");
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    if (!v) th_log_exc("M"); else Py_DECREF(v);
    CHECK_LOG("T:recv T:RuntimeError(" DEADLOCK_MSG ") M:RuntimeError(" MAIN_RECV_MSG ")");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_CHAN(g_ch2, 0, NULL, 0, 0);
    CHECK(!PyTasklet_Alive(t));
    CHECK_EQ_INT(PyTasklet_GetBlocked(th_main), 0);
    th_finish(t);
    Py_DECREF(g_ch); Py_DECREF(g_ch2);
}

/* ... T does not catch the Deadlock error: T dies, main's receive raises it */
MAIN_TEST(test_deadlock_uncaught_goes_to_blocked_main) {
    g_ch = th_new_chan("ch");
    g_ch2 = th_new_chan("ch2");
    if (!g_ch || !g_ch2) return;
    PyTaskletObject *t = th_spawn_fn(t_block_other, 0, "T");
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    if (!v) th_log_exc("M"); else Py_DECREF(v);
    CHECK_LOG("T:recv T:dies M:RuntimeError(" DEADLOCK_MSG ")");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_CHAN(g_ch2, 0, NULL, 0, 0);
    th_finish(t);
    Py_DECREF(g_ch); Py_DECREF(g_ch2);
}

MAIN_TEST(test_main_blocked_receiving_when_last_tasklet_ends) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *t = th_spawn_f(th_logger("T:end"), NULL, "T");
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    if (!v) th_log_exc("M"); else Py_DECREF(v);
    CHECK_LOG("T:end M:RuntimeError(" MAIN_RECV_MSG ")");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);      /* main was removed from the channel */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    th_finish(t);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_main_blocked_sending_when_last_tasklet_ends) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *t = th_spawn_f(th_logger("T:end"), NULL, "T");
    CHECK_EQ_INT(PyChannel_Send(g_ch, Py_None), -1);
    th_log_exc("M");
    CHECK_LOG("T:end M:RuntimeError(" MAIN_SEND_MSG ")");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    th_finish(t);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_exception_goes_to_blocked_main) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *t = th_spawn_raiser(PyExc_ValueError, "T");
    PyTaskletObject *x = th_spawn_logger("X");      /* still queued: delivered regardless */
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    if (!v) th_log_exc("M"); else Py_DECREF(v);
    CHECK_LOG("T:raise M:ValueError(boom)");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);      /* X stays queued */
    th_drain_all();
    CHECK_LOG("X");
    th_finish(t); th_finish(x);
    Py_DECREF(g_ch);
}

/* schedule_remove alone: returns at once with retval; main runnable again */
MAIN_TEST(test_schedule_remove_alone_returns) {
    PyObject *marker = PyUnicode_FromString("marker");
    PyObject *r = PyStackless_Schedule(marker, 1);
    CHECK(r == marker);
    Py_XDECREF(r);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK(PyTasklet_Scheduled(th_main));
    CHECK(PyTasklet_IsCurrent(th_main));
    r = PyStackless_Schedule(marker, 0);            /* schedule alone: no switch */
    CHECK(r == marker);
    Py_XDECREF(r);
    Py_DECREF(marker);
}

/* main inside run(); T blocks with nothing else runnable: run() returns None, T stays blocked */
MAIN_TEST(test_block_while_main_in_run) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *p = th_spawn_receiver(g_ch, "P");
    PyObject *r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    if (!r) PyErr_Print(); else Py_DECREF(r);
    CHECK_LOG("P:recv");
    CHECK_CHAN(g_ch, -1, p, 0, 0);
    CHECK(PyTasklet_Alive(p));
    CHECK_EQ_INT(PyTasklet_GetBlocked(p), -1);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(th_send_int(g_ch, 1), 0);
    CHECK_LOG("P:got1");
    th_finish(p);
    Py_DECREF(g_ch);
}

/* a tasklet blocking in send_exception while main sits in run(): run() returns None; the
 * reference's quirk of handing the blocking tasklet's bomb to main is not replicated
 * (API.md 5.5 recommendation) */
MAIN_TEST(test_blocking_send_exception_while_main_in_run) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *x = th_spawn_f(th_sender(g_ch, "X", TH_SEND_EXCEPTION, PyExc_ValueError, Py_None), NULL, "X");
    PyObject *r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    if (!r) th_log_exc("M"); else Py_DECREF(r);
    CHECK_LOG("X:send");
    CHECK_CHAN(g_ch, 1, x, 0, 0);
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    CHECK_ERR(PyExc_ValueError, "None");
    th_drain_all();
    CHECK_LOG("X:sent");
    th_finish(x);
    Py_DECREF(g_ch);
}

/* main switched away (paused); the tasklet blocks with nothing else runnable: main is revived */
MAIN_TEST(test_block_while_main_paused_by_switch) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *p = th_spawn_receiver(g_ch, "P");
    CHECK_EQ_INT(PyTasklet_Switch(p), 0);
    CHECK_LOG("P:recv");
    CHECK(PyTasklet_IsCurrent(th_main));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_CHAN(g_ch, -1, p, 0, 0);
    CHECK_EQ_INT(th_send_int(g_ch, 2), 0);
    CHECK_LOG("P:got2");
    th_finish(p);
    Py_DECREF(g_ch);
}

int main(void) {
    TEST(test_send_preference_receiver);
    TEST(test_send_preference_none);
    TEST(test_send_preference_sender);
    TEST(test_receive_preference_receiver);
    TEST(test_receive_preference_none);
    TEST(test_receive_preference_sender);
    TEST(test_send_schedule_all);
    TEST(test_receive_schedule_all);
    TEST(test_send_from_tasklet_prefer_receiver);
    TEST(test_pingpong_between_tasklets);
    TEST(test_deadlock_main_alone);
    TEST(test_deadlock_in_tasklet_while_main_blocked);
    TEST(test_deadlock_uncaught_goes_to_blocked_main);
    TEST(test_main_blocked_receiving_when_last_tasklet_ends);
    TEST(test_main_blocked_sending_when_last_tasklet_ends);
    TEST(test_exception_goes_to_blocked_main);
    TEST(test_schedule_remove_alone_returns);
    TEST(test_block_while_main_in_run);
    TEST(test_blocking_send_exception_while_main_in_run);
    TEST(test_block_while_main_paused_by_switch);
    return TEST_SUMMARY();
}
