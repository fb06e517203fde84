/* test_callbacks.c - schedule callback, fast schedule callback and channel callback
 * (C-API.md 6, API.md 6.1, 6.2, STATES.md 5.6): exact argument sequences, setter results and
 * errors, replacement rules, recursion errors, exceptions raised by callbacks. */
#include "test_helpers.h"

static PyChannelObject *g_ch, *g_ch2;

#define SCHED_RECURSION "Recursive scheduler call due to callbacks!"
#define CHAN_RECURSION "Recursive channel call due to callbacks!"

/* ---- callbacks ----------------------------------------------------------------------------- */
static int g_cb_mode;          /* 0 log only; 1 raise ValueError; 2 try to switch/use channels once */
static PyObject *sched_cb(PyObject *Py_UNUSED(self), PyObject *args) {
    CHECK(PyTuple_Check(args));
    CHECK_EQ_INT(PyTuple_Size(args), 2);
    PyObject *prev = PyTuple_GetItem(args, 0), *next = PyTuple_GetItem(args, 1);
    CHECK(prev == Py_None || PyTasklet_Check(prev));
    CHECK(next == Py_None || PyTasklet_Check(next));
    th_logf("cb(%s,%s)", th_name(prev), th_name(next));
    if (g_cb_mode == 1) {
        PyErr_SetString(PyExc_ValueError, "from the schedule callback");
        return NULL;
    }
    if (g_cb_mode == 2) {
        g_cb_mode = 0;
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (r) { th_logf("cb:switched"); Py_DECREF(r); }
        else th_log_exc("cb");
        r = PyStackless_Schedule(Py_None, 1);
        if (r) { th_logf("cb:switched"); Py_DECREF(r); }
        else th_log_exc("cb");
        if (PyChannel_Send(g_ch2, Py_None) == 0) th_logf("cb:sent");
        else th_log_exc("cb");
        r = PyChannel_Receive(g_ch2);
        if (r) { th_logf("cb:received"); Py_DECREF(r); }
        else th_log_exc("cb");
    }
    Py_RETURN_NONE;
}
static PyMethodDef sched_cb_def = {"sched_cb", sched_cb, METH_VARARGS, NULL};

static int g_chan_cb_mode;     /* 0 log; 1 raise; 2 nested channel op once */
static PyObject *chan_cb(PyObject *Py_UNUSED(self), PyObject *args) {
    CHECK(PyTuple_Check(args));
    CHECK_EQ_INT(PyTuple_Size(args), 4);
    PyObject *ch = PyTuple_GetItem(args, 0), *t = PyTuple_GetItem(args, 1);
    PyObject *sending = PyTuple_GetItem(args, 2), *willblock = PyTuple_GetItem(args, 3);
    CHECK(PyChannel_Check(ch));
    CHECK(PyTasklet_Check(t));
    CHECK(PyLong_Check(sending) && PyLong_Check(willblock));
    th_logf("ccb(%s,%s,%ld,%ld)", th_name(ch), th_name(t), PyLong_AsLong(sending), PyLong_AsLong(willblock));
    if (g_chan_cb_mode == 1) {
        PyErr_SetString(PyExc_ValueError, "from the channel callback");
        return NULL;
    }
    if (g_chan_cb_mode == 2) {
        g_chan_cb_mode = 0;
        if (PyChannel_Send(g_ch2, Py_None) == 0) th_logf("ccb:sent");
        else th_log_exc("ccb");
        PyObject *r = PyChannel_Receive(g_ch2);
        if (r) { th_logf("ccb:received"); Py_DECREF(r); }
        else th_log_exc("ccb");
    }
    Py_RETURN_NONE;
}
static PyMethodDef chan_cb_def = {"chan_cb", chan_cb, METH_VARARGS, NULL};

static int g_fast_rc;
static int g_fast_check_current;
static int fast_cb(PyTaskletObject *from, PyTaskletObject *to) {
    th_logf("fast(%s,%s)", th_name((PyObject *)from), th_name((PyObject *)to));
    if (g_fast_check_current && from) {
        /* C-API.md 6: during the call the current tasklet is reported as `from`. Checked for
         * one switch only (a plain schedule()): for a tasklet that ends or blocks the
         * reference has already unlinked it and reports its successor, and API.md 6.1 calls
         * `current` during a callback implementation-defined. */
        g_fast_check_current = 0;
        PyObject *cur = PyStackless_GetCurrent();
        CHECK(cur == (PyObject *)from);
        Py_XDECREF(cur);
    }
    if (g_fast_rc) {
        PyErr_SetString(PyExc_ValueError, "from the fast callback");
        return -1;
    }
    return 0;
}

static PyObject *g_sched_cb_obj, *g_chan_cb_obj;

static void set_sched_cb(int mode) {
    g_cb_mode = mode;
    if (!g_sched_cb_obj) g_sched_cb_obj = PyCFunction_New(&sched_cb_def, NULL);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(g_sched_cb_obj), 0);
}
static void set_chan_cb(int mode) {
    g_chan_cb_mode = mode;
    if (!g_chan_cb_obj) g_chan_cb_obj = PyCFunction_New(&chan_cb_def, NULL);
    CHECK_EQ_INT(PyStackless_SetChannelCallback(g_chan_cb_obj), 0);
}
static void clear_callbacks(void) {
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);
    CHECK_EQ_INT(PyStackless_SetChannelCallback(NULL), 0);
    PyStackless_SetScheduleFastcallback(NULL);
    g_cb_mode = g_chan_cb_mode = g_fast_rc = g_fast_check_current = 0;
}

/* ---- setters ------------------------------------------------------------------------------- */
MAIN_TEST(test_set_callbacks_results_and_errors) {
    PyObject *cb = PyCFunction_New(&sched_cb_def, NULL);
    PyObject *notcallable = PyLong_FromLong(1);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(cb), 0);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(notcallable), -1);
    CHECK_ERR(PyExc_TypeError, "schedule callback must be callable");
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);   /* removing twice is fine */
    CHECK_EQ_INT(PyStackless_SetChannelCallback(cb), 0);
    CHECK_EQ_INT(PyStackless_SetChannelCallback(notcallable), -1);
    CHECK_ERR(PyExc_TypeError, "channel callback must be callable");
    CHECK_EQ_INT(PyStackless_SetChannelCallback(NULL), 0);
    CHECK_EQ_INT(PyStackless_SetChannelCallback(NULL), 0);
    Py_DECREF(cb);
    Py_DECREF(notcallable);
    CHECK_NO_ERR();
    CHECK_LOG("");
}

/* ---- schedule callback --------------------------------------------------------------------- */
MAIN_TEST(test_schedule_callback_on_every_switch) {
    set_sched_cb(0);
    PyTaskletObject *t1 = th_spawn_logger("T1");
    PyTaskletObject *t2 = th_spawn_logger("T2");
    th_schedule();
    CHECK_LOG("cb(M,T1) T1 cb(T1,T2) T2 cb(T2,M)");
    th_schedule();                                /* alone: no switch, no callback */
    CHECK_LOG("");
    PyObject *marker = PyUnicode_FromString("x");
    PyObject *r = PyStackless_Schedule(marker, 1);  /* schedule_remove alone: no switch either */
    Py_XDECREF(r);
    Py_DECREF(marker);
    CHECK_LOG("");
    CHECK_EQ_INT(PyTasklet_Run(th_main), 0);        /* switching to oneself: no callback */
    CHECK_LOG("");
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);
    PyTaskletObject *t3 = th_spawn_logger("T3");
    th_schedule();
    CHECK_LOG("T3");                                /* removed: not called any more */
    clear_callbacks();
    th_finish(t1); th_finish(t2); th_finish(t3);
}

MAIN_TEST(test_schedule_callback_channel_pair) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    set_sched_cb(0);
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R");
    th_schedule();
    CHECK_LOG("cb(M,R) R:recv cb(R,M)");
    PyObject *o = PyLong_FromLong(1);
    CHECK_EQ_INT(PyChannel_Send(g_ch, o), 0);     /* preference -1: switch to R now */
    CHECK_LOG("cb(M,R) R:got1 cb(R,M)");
    th_finish(r);
    /* preference 0: the transfer itself does not switch */
    PyChannel_SetPreference(g_ch, 0);
    r = th_spawn_receiver(g_ch, "R");
    th_schedule();
    CHECK_LOG("cb(M,R) R:recv cb(R,M)");
    CHECK_EQ_INT(PyChannel_Send(g_ch, o), 0);
    CHECK_LOG("");
    th_schedule();
    CHECK_LOG("cb(M,R) R:got1 cb(R,M)");
    Py_DECREF(o);
    clear_callbacks();
    th_finish(r);
    Py_DECREF(g_ch);
}

/* cb(None, main) when Call_Main creates the main tasklet, cb(main, None) when it ends */
static void lifecycle_body(void) { th_logf("body"); }
static void test_schedule_callback_main_lifecycle(void) {
    set_sched_cb(0);
    th_run_main(lifecycle_body);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);
    CHECK_LOG("cb(None,M) body cb(M,None)");
}

/* With a callback set up to fail: T1 runs after a schedule() with stderr captured; the
 * callback's error is reported on stderr and ignored (the switch happens, nothing raised). */
static void check_callback_error_reported(const char *expected_log) {
    PyTaskletObject *t = th_spawn_logger("T1");
    th_stderr_begin();
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    const char *err = th_stderr_end();
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_LOG(expected_log);
    CHECK(strstr(err, "Error in scheduling callback") != NULL);
    clear_callbacks();
    th_finish(t);
}

/* an exception raised by the callback is reported and ignored; the switch happens */
MAIN_TEST(test_schedule_callback_exception_reported_and_ignored) {
    set_sched_cb(1);
    check_callback_error_reported("cb(M,T1) T1 cb(T1,M)");
}

/* an exception travelling with the switch (a tasklet's uncaught exception delivered to main)
 * is preserved across a callback that raises its own exception */
MAIN_TEST(test_schedule_callback_preserves_pending_exception) {
    set_sched_cb(1);
    PyTaskletObject *t = th_spawn_raiser(PyExc_ValueError, "T1");
    th_stderr_begin();
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    th_stderr_end();
    CHECK(r == NULL);
    if (r) Py_DECREF(r);
    CHECK_ERR(PyExc_ValueError, "boom");
    CHECK_LOG("cb(M,T1) T1:raise cb(T1,M)");
    clear_callbacks();
    th_finish(t);
}

/* switching or channel use inside the schedule callback raises RuntimeError */
MAIN_TEST(test_schedule_callback_recursion_errors) {
    g_ch2 = th_new_chan("ch2");
    if (!g_ch2) return;
    PyTaskletObject *t = th_spawn_logger("T1");
    PyTaskletObject *t2 = th_spawn_logger("T2");
    set_sched_cb(2);
    th_schedule();
    CHECK_LOG("cb(M,T1) cb:RuntimeError(" SCHED_RECURSION ") cb:RuntimeError(" SCHED_RECURSION ") "
              "cb:RuntimeError(" CHAN_RECURSION ") cb:RuntimeError(" CHAN_RECURSION ") "
              "T1 cb(T1,T2) T2 cb(T2,M)");
    CHECK_CHAN(g_ch2, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    clear_callbacks();
    th_finish(t); th_finish(t2);
    Py_DECREF(g_ch2);
}

/* ---- fast callback ------------------------------------------------------------------------- */
static void fast_body(void) {
    PyTaskletObject *t = th_spawn_logger("T1");
    th_schedule();
    th_logf("end");
    th_finish(t);
}
static void test_fast_callback_sequence(void) {
    PyStackless_SetScheduleFastcallback(fast_cb);
    th_run_main(fast_body);
    PyStackless_SetScheduleFastcallback(NULL);
    /* from == NULL when the main tasklet starts; whether the end of main is reported too is
     * not specified for the fast callback */
    if (strcmp(th_log, "fast(NULL,M) fast(M,T1) T1 fast(T1,M) end fast(M,NULL)") == 0) th_log_reset();
    else CHECK_LOG("fast(NULL,M) fast(M,T1) T1 fast(T1,M) end");
    CHECK_LOG("");
}

MAIN_TEST(test_fast_callback_error_reported_and_cleared) {
    g_fast_rc = 1;
    PyStackless_SetScheduleFastcallback(fast_cb);
    check_callback_error_reported("fast(M,T1) T1 fast(T1,M)");
}

/* the Python-level and the fast callback share one slot: the last setter wins */
MAIN_TEST(test_fast_and_python_callback_replace_each_other) {
    PyTaskletObject *t;
    PyStackless_SetScheduleFastcallback(fast_cb);
    set_sched_cb(0);                              /* replaces the fast one */
    t = th_spawn_logger("T1");
    th_schedule();
    CHECK_LOG("cb(M,T1) T1 cb(T1,M)");
    th_finish(t);
    PyStackless_SetScheduleFastcallback(fast_cb); /* replaces the Python one */
    t = th_spawn_logger("T2");
    th_schedule();
    CHECK_LOG("fast(M,T2) T2 fast(T2,M)");
    th_finish(t);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);   /* clears the slot */
    t = th_spawn_logger("T3");
    th_schedule();
    CHECK_LOG("T3");
    th_finish(t);
    PyStackless_SetScheduleFastcallback(fast_cb);
    PyStackless_SetScheduleFastcallback(NULL);    /* NULL removes */
    t = th_spawn_logger("T4");
    th_schedule();
    CHECK_LOG("T4");
    th_finish(t);
    clear_callbacks();
}

MAIN_TEST(test_fast_callback_current_is_from) {
    g_fast_check_current = 1;
    PyStackless_SetScheduleFastcallback(fast_cb);
    PyTaskletObject *t = th_spawn_logger("T1");
    th_schedule();
    CHECK_LOG("fast(M,T1) T1 fast(T1,M)");
    clear_callbacks();
    th_finish(t);
}

/* run() switches to the tasklets and back to the watchdog: real switches, reported */
MAIN_TEST(test_schedule_callback_with_run) {
    set_sched_cb(0);
    PyTaskletObject *t1 = th_spawn_logger("T1");
    PyTaskletObject *t2 = th_spawn_logger("T2");
    PyObject *r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_LOG("cb(M,T1) T1 cb(T1,T2) T2 cb(T2,M)");
    clear_callbacks();
    th_finish(t1); th_finish(t2);
}

/* ---- channel callback ---------------------------------------------------------------------- */
MAIN_TEST(test_channel_callback_receiver_blocks_first) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R");
    th_schedule();
    CHECK_EQ_INT(th_send_int(g_ch, 5), 0);
    CHECK_LOG("R:recv ccb(ch,R,0,1) ccb(ch,M,1,0) R:got5");
    clear_callbacks();
    th_finish(r);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_channel_callback_sender_blocks_first) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyTaskletObject *s = th_spawn_sender(g_ch, "S", 6);
    th_schedule();
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v != NULL && PyLong_AsLong(v) == 6);
    Py_XDECREF(v);
    th_drain_all();
    CHECK_LOG("S:send ccb(ch,S,1,1) ccb(ch,M,0,0) S:sent");
    clear_callbacks();
    th_finish(s);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_channel_callback_for_send_exception_and_throw) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyTaskletObject *r1 = th_spawn_receiver(g_ch, "R");
    th_schedule();
    CHECK_EQ_INT(PyChannel_SendException(g_ch, PyExc_ValueError, Py_None), 0);
    PyTaskletObject *r2 = th_spawn_receiver(g_ch, "R");
    th_schedule();
    CHECK_EQ_INT(PyChannel_SendThrow(g_ch, PyExc_ValueError, NULL, NULL), 0);
    CHECK_LOG("R:recv ccb(ch,R,0,1) ccb(ch,M,1,0) R:ValueError(None) "
              "R:recv ccb(ch,R,0,1) ccb(ch,M,1,0) R:ValueError()");
    clear_callbacks();
    th_finish(r1); th_finish(r2);
    Py_DECREF(g_ch);
}

/* the callback comes first, with willblock=1, before block_trap / closing / deadlock checks */
MAIN_TEST(test_channel_callback_before_block_checks) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyObject *v = PyChannel_Receive(g_ch);        /* deadlock */
    CHECK(v == NULL);
    CHECK_ERR(PyExc_RuntimeError, "Deadlock: the last runnable tasklet cannot be blocked.");
    CHECK_LOG("ccb(ch,M,0,1)");
    PyTasklet_SetBlockTrap(th_main, 1);
    CHECK_EQ_INT(PyChannel_Send(g_ch, Py_None), -1);
    CHECK_ERR(PyExc_RuntimeError, "this tasklet does not like to be blocked.");
    CHECK_LOG("ccb(ch,M,1,1)");
    PyTasklet_SetBlockTrap(th_main, 0);
    PyChannel_Close(g_ch);
    v = PyChannel_Receive(g_ch);
    CHECK(v == NULL);
    CHECK_ERR(PyExc_ValueError, "Send/receive operation on a closed channel");
    CHECK_LOG("ccb(ch,M,0,1)");
    CHECK_CHAN(g_ch, 0, NULL, 1, 1);
    clear_callbacks();
    Py_DECREF(g_ch);
}

MAIN_TEST(test_channel_callback_recursion_error) {
    g_ch = th_new_chan("ch");
    g_ch2 = th_new_chan("ch2");
    if (!g_ch || !g_ch2) return;
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R");
    th_schedule();
    set_chan_cb(2);
    CHECK_EQ_INT(th_send_int(g_ch, 1), 0);        /* the outer operation proceeds */
    CHECK_LOG("R:recv ccb(ch,M,1,0) ccb:RuntimeError(" CHAN_RECURSION ") "
              "ccb:RuntimeError(" CHAN_RECURSION ") R:got1");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_CHAN(g_ch2, 0, NULL, 0, 0);
    CHECK_NO_ERR();
    clear_callbacks();
    th_finish(r);
    Py_DECREF(g_ch); Py_DECREF(g_ch2);
}

MAIN_TEST(test_channel_callback_exception_reported_and_ignored) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R");
    th_schedule();
    set_chan_cb(1);
    th_stderr_begin();
    PyObject *o = PyLong_FromLong(2);
    int rc = PyChannel_Send(g_ch, o);
    const char *err = th_stderr_end();
    CHECK_EQ_INT(rc, 0);
    CHECK_NO_ERR();
    CHECK(err[0] != 0);                           /* reported */
    CHECK_LOG("R:recv ccb(ch,M,1,0) R:got2");
    /* an exception pending before the operation survives the raising callback */
    PyTaskletObject *r2 = th_spawn_receiver(g_ch, "R");
    PyChannel_SetPreference(g_ch, 0);             /* no switch at the transfer */
    CHECK_EQ_INT(PyStackless_SetChannelCallback(NULL), 0);
    th_schedule();
    set_chan_cb(1);
    PyErr_SetString(PyExc_TypeError, "pending");
    th_stderr_begin();
    rc = PyChannel_Send(g_ch, o);
    th_stderr_end();
    CHECK_EQ_INT(rc, 0);
    CHECK_ERR(PyExc_TypeError, "pending");
    CHECK_EQ_INT(PyStackless_SetChannelCallback(NULL), 0);
    th_drain_all();
    CHECK_LOG("R:recv ccb(ch,M,1,0) R:got2");
    Py_DECREF(o);
    clear_callbacks();
    th_finish(r); th_finish(r2);
    Py_DECREF(g_ch);
}

int main(void) {
    TEST(test_set_callbacks_results_and_errors);
    TEST(test_schedule_callback_on_every_switch);
    TEST(test_schedule_callback_channel_pair);
    TEST(test_schedule_callback_main_lifecycle);
    TEST(test_schedule_callback_exception_reported_and_ignored);
    TEST(test_schedule_callback_preserves_pending_exception);
    TEST(test_schedule_callback_recursion_errors);
    TEST(test_fast_callback_sequence);
    TEST(test_fast_callback_error_reported_and_cleared);
    TEST(test_fast_and_python_callback_replace_each_other);
    TEST(test_fast_callback_current_is_from);
    TEST(test_schedule_callback_with_run);
    TEST(test_channel_callback_receiver_blocks_first);
    TEST(test_channel_callback_sender_blocks_first);
    TEST(test_channel_callback_for_send_exception_and_throw);
    TEST(test_channel_callback_before_block_checks);
    TEST(test_channel_callback_recursion_error);
    TEST(test_channel_callback_exception_reported_and_ignored);
    Py_XDECREF(g_sched_cb_obj);
    Py_XDECREF(g_chan_cb_obj);
    return TEST_SUMMARY();
}
