/* test_traps.c - switch_trap (PyStackless_AdjustSwitchTrap; API.md 1.3.5, 5.8, STATES.md 2.2,
 * 5.6) and block_trap (PyTasklet_Get/SetBlockTrap; API.md 5.9, STATES.md 5.3).
 *
 * Every trapped operation fails with RuntimeError("switch_trap") and leaves the state as it
 * was (for channel transfers: partner back at its queue position, value not delivered);
 * the operations that do not switch keep working. */
#include "test_helpers.h"

static PyChannelObject *g_ch;
static volatile int g_stop;

#define TRAP_MSG "switch_trap"
#define BLOCK_MSG "this tasklet does not like to be blocked."

/* ---- task functions ------------------------------------------------------------------------ */
/* sets the trap and ends without resetting it */
static PyObject *t_trap_and_end(long id) {
    (void)id;
    th_logf("T:trap%d", PyStackless_AdjustSwitchTrap(1));
    Py_RETURN_NONE;
}

static void spin(void) {
    volatile unsigned x = 0;
    for (unsigned i = 0; i < 200; i++) x += i;
}
/* busy under the switch trap for 100 ms, releases it, then busy until g_stop */
static PyObject *t_trapped_busy(long id) {
    (void)id;
    PyStackless_AdjustSwitchTrap(1);
    int64_t start = th_now_us();
    while (th_now_us() - start < 100000) {
        spin();
        (void)PyStackless_GetRunCount();
        if (PyErr_Occurred()) { PyStackless_AdjustSwitchTrap(-1); return th_task_failed("H"); }
    }
    th_logf("H:trap-done");
    PyStackless_AdjustSwitchTrap(-1);
    start = th_now_us();
    while (!g_stop && th_now_us() - start < 3000000) {
        spin();
        (void)PyStackless_GetRunCount();
        if (PyErr_Occurred()) return th_task_failed("H");
    }
    th_logf("H:after");
    Py_RETURN_NONE;
}

static PyChannelObject *new_chan(void) {
    return g_ch = th_new_chan("ch");
}

/* ---- switch_trap ------------------------------------------------------------------------------ */
MAIN_TEST(test_switch_trap_level) {
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(0), 0);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(0), 1);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(2), 1);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-3), 3);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(0), 0);
    CHECK_NO_ERR();
}

MAIN_TEST(test_switch_trap_traps_switches) {
    PyTaskletObject *t = th_spawn_logger("T1");
    PyTaskletObject *p = th_spawn_logger("T2");
    CHECK_EQ_INT(PyTasklet_Remove(p), 0);          /* paused */
    PyObject *empty = PyTuple_New(0);
    PyObject *r;
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);

    r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == NULL); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    r = PyStackless_Schedule(Py_None, 1);
    CHECK(r == NULL); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK(PyTasklet_Scheduled(th_main));           /* schedule_remove did not remove main */
    r = PyStackless_Schedule_nr(Py_None, 0);
    CHECK(r == NULL); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Run(t), -1); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Run_nr(t), -1); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Switch(t), -1); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Switch_nr(t), -1); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK(PyTasklet_Scheduled(th_main));
    r = PyStackless_RunWatchdog(0);
    CHECK(r == NULL); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Throw(t, 0, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_RaiseException(t, PyExc_ValueError, empty), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Kill(t), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_KillEx(t, 0), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    /* a paused target stays paused */
    CHECK_EQ_INT(PyTasklet_Run(p), -1); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Switch(p), -1); CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Throw(p, 0, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK(PyTasklet_Paused(p));

    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    CHECK_LOG("");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK(PyTasklet_IsCurrent(th_main));
    CHECK(PyTasklet_Alive(t) && PyTasklet_Scheduled(t));
    th_drain_all();
    CHECK_LOG("T1");                               /* ran normally: no exception left behind */
    CHECK_EQ_INT(PyTasklet_Insert(p), 0);
    th_drain_all();
    CHECK_LOG("T2");
    Py_DECREF(empty);
    th_finish(t); th_finish(p);
}

MAIN_TEST(test_switch_trap_channel_send_rolled_back) {
    if (!new_chan()) return;
    PyTaskletObject *r1 = th_spawn_receiver(g_ch, "R1");
    PyTaskletObject *r2 = th_spawn_receiver(g_ch, "R2");
    th_schedule();
    CHECK_LOG("R1:recv R2:recv");
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    CHECK_EQ_INT(th_send_int(g_ch, 1), -1);        /* preference -1 would switch to R1 */
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_CHAN(g_ch, -2, r1, 0, 0);                /* R1 back at the head */
    CHECK_EQ_INT(PyTasklet_GetBlocked(r1), -1);
    CHECK_EQ_INT(PyChannel_SendException(g_ch, PyExc_ValueError, Py_None), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyChannel_SendThrow(g_ch, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_CHAN(g_ch, -2, r1, 0, 0);
    PyChannel_SetScheduleAll(g_ch, 1);             /* schedule_all: the caller would yield */
    CHECK_EQ_INT(th_send_int(g_ch, 1), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_CHAN(g_ch, -2, r1, 0, 0);
    PyChannel_SetScheduleAll(g_ch, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    CHECK_LOG("");
    CHECK_EQ_INT(th_send_int(g_ch, 2), 0);         /* R1 gets 2, not the trapped 1 */
    CHECK_EQ_INT(th_send_int(g_ch, 3), 0);
    CHECK_LOG("R1:got2 R2:got3");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    th_finish(r1); th_finish(r2);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_switch_trap_channel_receive_rolled_back) {
    if (!new_chan()) return;
    PyTaskletObject *s = th_spawn_sender(g_ch, "S5", 5);
    th_schedule();
    PyChannel_SetPreference(g_ch, 1);              /* receive would switch to the sender */
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_CHAN(g_ch, 1, s, 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(s), 1);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    v = PyChannel_Receive(g_ch);                   /* now it works: same value */
    CHECK(v != NULL && PyLong_AsLong(v) == 5);
    Py_XDECREF(v);
    th_drain_all();
    CHECK_LOG("S5:send S5:sent");
    th_finish(s);
    Py_DECREF(g_ch);
}

/* an operation that would block (and switch to another runnable tasklet) is trapped */
/* non-pending kill/throw of a blocked tasklet is trapped: it stays in the channel */
MAIN_TEST(test_switch_trap_kill_of_blocked_tasklet) {
    if (!new_chan()) return;
    PyTaskletObject *r1 = th_spawn_receiver(g_ch, "R1");
    th_schedule();
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    CHECK_EQ_INT(PyTasklet_Kill(r1), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(PyTasklet_Throw(r1, 0, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_CHAN(g_ch, -1, r1, 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(r1), -1);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    CHECK_EQ_INT(th_send_int(g_ch, 4), 0);
    CHECK_LOG("R1:recv R1:got4");
    th_finish(r1);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_switch_trap_blocking_op_trapped) {
    if (!new_chan()) return;
    PyTaskletObject *t = th_spawn_logger("T1");
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_EQ_INT(th_send_int(g_ch, 1), -1);
    CHECK_ERR(PyExc_RuntimeError, TRAP_MSG);
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(th_main), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    CHECK_LOG("");
    th_drain_all();
    CHECK_LOG("T1");
    th_finish(t);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_switch_trap_non_switching_ops_work) {
    if (!new_chan()) return;
    PyObject *marker = PyUnicode_FromString("m");
    PyObject *r;
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    /* switching to oneself / nothing else runnable */
    r = PyStackless_Schedule(marker, 0);
    CHECK(r == marker); Py_XDECREF(r);
    r = PyStackless_Schedule(marker, 1);
    CHECK(r == marker); Py_XDECREF(r);
    PyErr_Clear();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(PyTasklet_Run(th_main), 0);
    CHECK_EQ_INT(PyTasklet_Switch(th_main), 0);
    r = PyStackless_RunWatchdog(0);                /* nothing else runnable: returns None */
    CHECK(r == Py_None); Py_XDECREF(r);
    PyErr_Clear();
    /* throw/kill to oneself raise in the caller, not switch_trap */
    CHECK_EQ_INT(PyTasklet_Throw(th_main, 0, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_ValueError, NULL);
    CHECK_EQ_INT(PyTasklet_Kill(th_main), -1);
    CHECK_ERR(PyExc_TaskletExit, NULL);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    CHECK(PyTasklet_IsCurrent(th_main));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_DECREF(marker);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_switch_trap_prefer_caller_transfers_work) {
    if (!new_chan()) return;
    PyTaskletObject *r1 = th_spawn_receiver(g_ch, "R1");
    th_schedule();
    PyChannel_SetPreference(g_ch, 0);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    CHECK_EQ_INT(th_send_int(g_ch, 7), 0);         /* sender continues: no switch */
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    th_drain_all();
    CHECK_LOG("R1:recv R1:got7");
    PyTaskletObject *s = th_spawn_sender(g_ch, "S8", 8);
    th_schedule();
    PyChannel_SetPreference(g_ch, -1);             /* receiver continues: no switch */
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v != NULL && PyLong_AsLong(v) == 8);
    Py_XDECREF(v);
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    th_drain_all();
    CHECK_LOG("S8:send S8:sent");
    th_finish(r1); th_finish(s);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_switch_trap_queue_ops_and_pending_throws_work) {
    if (!new_chan()) return;
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R1");
    th_schedule();
    PyTaskletObject *t = th_spawn_logger("T2");
    PyTaskletObject *u = th_spawn_logger("T3");
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(1), 0);
    CHECK_EQ_INT(PyTasklet_Remove(u), 0);
    CHECK(PyTasklet_Paused(u));
    CHECK_EQ_INT(PyTasklet_Insert(u), 0);
    CHECK(PyTasklet_Scheduled(u));
    PyObject *m = PyUnicode_FromString("p");
    CHECK_EQ_INT(PyTasklet_Throw(r, 1, PyExc_ValueError, m, NULL), 0);  /* pending */
    Py_DECREF(m);
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyTasklet_KillEx(t, 1), 0);                            /* pending kill */
    CHECK(PyTasklet_Alive(t));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 4);
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    th_drain_all();
    CHECK_LOG("R1:recv T3 R1:ValueError(p)");      /* T2 died before its function ran */
    CHECK(!PyTasklet_Alive(t));
    th_finish(r); th_finish(t); th_finish(u);
    Py_DECREF(g_ch);
}

/* the end of a tasklet that left the trap set still switches */
MAIN_TEST(test_switch_trap_end_of_tasklet_not_trapped) {
    PyTaskletObject *t = th_spawn_fn(t_trap_and_end, 0, "T");
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    PyErr_Clear();
    CHECK_LOG("T:trap0");
    CHECK(!PyTasklet_Alive(t));
    CHECK(PyTasklet_IsCurrent(th_main));
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(-1), 1);
    th_finish(t);
}

/* the watchdog does not interrupt while the trap is set */
MAIN_TEST(test_switch_trap_postpones_watchdog) {
    g_stop = 0;
    PyTaskletObject *h = th_spawn_fn(t_trapped_busy, 0, "H");
    PyObject *r = PyStackless_RunWatchdog(2000);
    CHECK(r == (PyObject *)h);
    Py_XDECREF(r);
    PyErr_Clear();
    CHECK_LOG("H:trap-done");
    CHECK_EQ_INT(PyStackless_AdjustSwitchTrap(0), 0);
    if (PyTasklet_Paused(h)) CHECK_EQ_INT(PyTasklet_Insert(h), 0);
    g_stop = 1;
    r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    PyErr_Clear();
    CHECK_LOG("H:after");
    th_finish(h);
}

/* ---- block_trap -------------------------------------------------------------------------------- */
MAIN_TEST(test_block_trap_attribute) {
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(th_main), 0);
    PyTasklet_SetBlockTrap(th_main, 1);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(th_main), 1);
    PyTasklet_SetBlockTrap(th_main, 0);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(th_main), 0);
    PyTasklet_SetBlockTrap(th_main, 5);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(th_main), 1);
    PyTasklet_SetBlockTrap(th_main, 0);
    PyTaskletObject *t = th_new_f(th_logger("T1"), "T1");
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(t), 0);    /* new tasklets start without it */
    Py_XDECREF(t);
}

MAIN_TEST(test_block_trap_refuses_blocking) {
    if (!new_chan()) return;
    PyTaskletObject *t = th_spawn_logger("T1");
    PyTasklet_SetBlockTrap(th_main, 1);
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    CHECK_ERR(PyExc_RuntimeError, BLOCK_MSG);
    CHECK_EQ_INT(th_send_int(g_ch, 1), -1);
    CHECK_ERR(PyExc_RuntimeError, BLOCK_MSG);
    CHECK_EQ_INT(PyChannel_SendException(g_ch, PyExc_ValueError, Py_None), -1);
    CHECK_ERR(PyExc_RuntimeError, BLOCK_MSG);
    CHECK_EQ_INT(PyChannel_SendThrow(g_ch, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_RuntimeError, BLOCK_MSG);
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_LOG("");                                 /* nothing ran */
    /* checked before closing */
    PyChannel_Close(g_ch);
    v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    CHECK_ERR(PyExc_RuntimeError, BLOCK_MSG);
    CHECK_EQ_INT(th_send_int(g_ch, 1), -1);
    CHECK_ERR(PyExc_RuntimeError, BLOCK_MSG);
    PyChannel_Open(g_ch);
    PyTasklet_SetBlockTrap(th_main, 0);
    th_drain_all();
    CHECK_LOG("T1");
    /* checked before the deadlock check */
    PyTasklet_SetBlockTrap(th_main, 1);
    v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    CHECK_ERR(PyExc_RuntimeError, BLOCK_MSG);
    /* schedule_remove is not affected */
    PyObject *marker = PyUnicode_FromString("m");
    PyObject *r = PyStackless_Schedule(marker, 1);
    CHECK(r == marker);
    Py_XDECREF(r);
    Py_DECREF(marker);
    PyTasklet_SetBlockTrap(th_main, 0);
    th_finish(t);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_block_trap_allows_transfers) {
    if (!new_chan()) return;
    PyTaskletObject *s = th_spawn_sender(g_ch, "S4", 4);
    th_schedule();
    PyTasklet_SetBlockTrap(th_main, 1);
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v != NULL && PyLong_AsLong(v) == 4);
    Py_XDECREF(v);
    th_drain_all();
    PyTasklet_SetBlockTrap(th_main, 0);
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R1");
    th_schedule();
    PyTasklet_SetBlockTrap(th_main, 1);
    PyChannel_Close(g_ch);                         /* XR(1): the transfer still works */
    CHECK_EQ_INT(th_send_int(g_ch, 9), 0);
    PyTasklet_SetBlockTrap(th_main, 0);
    CHECK_LOG("S4:send S4:sent R1:recv R1:got9");
    CHECK_CHAN(g_ch, 0, NULL, 1, 1);
    th_finish(s); th_finish(r);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_block_trap_on_tasklet) {
    if (!new_chan()) return;
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R1");
    PyTasklet_SetBlockTrap(r, 1);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(r), 1);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(th_main), 0);
    th_drain_all();
    CHECK_LOG("R1:recv R1:RuntimeError(" BLOCK_MSG ")");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    th_finish(r);
    Py_DECREF(g_ch);
}

int main(void) {
    TEST(test_switch_trap_level);
    TEST(test_switch_trap_traps_switches);
    TEST(test_switch_trap_channel_send_rolled_back);
    TEST(test_switch_trap_channel_receive_rolled_back);
    TEST(test_switch_trap_kill_of_blocked_tasklet);
    TEST(test_switch_trap_blocking_op_trapped);
    TEST(test_switch_trap_non_switching_ops_work);
    TEST(test_switch_trap_prefer_caller_transfers_work);
    TEST(test_switch_trap_queue_ops_and_pending_throws_work);
    TEST(test_switch_trap_end_of_tasklet_not_trapped);
    TEST(test_switch_trap_postpones_watchdog);
    TEST(test_block_trap_attribute);
    TEST(test_block_trap_refuses_blocking);
    TEST(test_block_trap_allows_transfers);
    TEST(test_block_trap_on_tasklet);
    return TEST_SUMMARY();
}
