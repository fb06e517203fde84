/* test_callbacks.c - schedule callback, fast schedule callback and channel callback
 * (C-API.md 6, API.md 6.1, 6.2, STATES.md 5.6): exact argument sequences, setter results and
 * errors, replacement rules, recursion errors, exceptions raised by callbacks. */
#include "channel_helpers.h"

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
    h_logf("cb(%s,%s)", h_name(prev), h_name(next));
    if (g_cb_mode == 1) {
        PyErr_SetString(PyExc_ValueError, "from the schedule callback");
        return NULL;
    }
    if (g_cb_mode == 2) {
        g_cb_mode = 0;
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (r) { h_logf("cb:switched"); Py_DECREF(r); }
        else h_log_exc("cb");
        r = PyStackless_Schedule(Py_None, 1);
        if (r) { h_logf("cb:switched"); Py_DECREF(r); }
        else h_log_exc("cb");
        if (PyChannel_Send(g_ch2, Py_None) == 0) h_logf("cb:sent");
        else h_log_exc("cb");
        r = PyChannel_Receive(g_ch2);
        if (r) { h_logf("cb:received"); Py_DECREF(r); }
        else h_log_exc("cb");
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
    h_logf("ccb(%s,%s,%ld,%ld)", h_name(ch), h_name(t), PyLong_AsLong(sending), PyLong_AsLong(willblock));
    if (g_chan_cb_mode == 1) {
        PyErr_SetString(PyExc_ValueError, "from the channel callback");
        return NULL;
    }
    if (g_chan_cb_mode == 2) {
        g_chan_cb_mode = 0;
        if (PyChannel_Send(g_ch2, Py_None) == 0) h_logf("ccb:sent");
        else h_log_exc("ccb");
        PyObject *r = PyChannel_Receive(g_ch2);
        if (r) { h_logf("ccb:received"); Py_DECREF(r); }
        else h_log_exc("ccb");
    }
    Py_RETURN_NONE;
}
static PyMethodDef chan_cb_def = {"chan_cb", chan_cb, METH_VARARGS, NULL};

static int g_fast_rc;
static int g_fast_check_current;
static int fast_cb(PyTaskletObject *from, PyTaskletObject *to) {
    h_logf("fast(%s,%s)", h_name((PyObject *)from), h_name((PyObject *)to));
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

/* ---- task functions ------------------------------------------------------------------------ */
static PyObject *t_log(long id) {
    h_logf("T%ld", id);
    Py_RETURN_NONE;
}
static PyObject *t_raise(long id) {
    h_logf("T%ld:raise", id);
    PyErr_SetString(PyExc_ValueError, "boom");
    return NULL;
}
static PyObject *t_recv(long id) {
    (void)id;
    h_logf("R:recv");
    PyObject *v = PyChannel_Receive(g_ch);
    if (!v) return h_log_exc("R") ? NULL : Py_NewRef(Py_None);
    h_logf("R:got%s", h_val(v));
    Py_DECREF(v);
    Py_RETURN_NONE;
}
static PyObject *t_send(long v) {
    h_logf("S:send");
    PyObject *o = PyLong_FromLong(v);
    int rc = PyChannel_Send(g_ch, o);
    Py_DECREF(o);
    if (rc) return h_log_exc("S") ? NULL : Py_NewRef(Py_None);
    h_logf("S:sent");
    Py_RETURN_NONE;
}

static PyChannelObject *new_chan(const char *name) {
    PyChannelObject *ch = PyChannel_New(NULL);
    CHECK(ch != NULL);
    if (ch) h_name_set((PyObject *)ch, name);
    return ch;
}

static void do_schedule(void) {
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    CHECK(r != NULL);
    if (!r) PyErr_Print(); else Py_DECREF(r);
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
    PyTaskletObject *t1 = h_spawn(t_log, 1, "T1");
    PyTaskletObject *t2 = h_spawn(t_log, 2, "T2");
    do_schedule();
    CHECK_LOG("cb(M,T1) T1 cb(T1,T2) T2 cb(T2,M)");
    do_schedule();                                /* alone: no switch, no callback */
    CHECK_LOG("");
    PyObject *marker = PyUnicode_FromString("x");
    PyObject *r = PyStackless_Schedule(marker, 1);  /* schedule_remove alone: no switch either */
    Py_XDECREF(r);
    Py_DECREF(marker);
    CHECK_LOG("");
    CHECK_EQ_INT(PyTasklet_Run(h_main), 0);         /* switching to oneself: no callback */
    CHECK_LOG("");
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);
    PyTaskletObject *t3 = h_spawn(t_log, 3, "T3");
    do_schedule();
    CHECK_LOG("T3");                                /* removed: not called any more */
    clear_callbacks();
    h_finish(t1); h_finish(t2); h_finish(t3);
}

MAIN_TEST(test_schedule_callback_channel_pair) {
    g_ch = new_chan("ch");
    if (!g_ch) return;
    set_sched_cb(0);
    PyTaskletObject *r = h_spawn(t_recv, 0, "R");
    do_schedule();
    CHECK_LOG("cb(M,R) R:recv cb(R,M)");
    PyObject *o = PyLong_FromLong(1);
    CHECK_EQ_INT(PyChannel_Send(g_ch, o), 0);     /* preference -1: switch to R now */
    CHECK_LOG("cb(M,R) R:got1 cb(R,M)");
    h_finish(r);
    /* preference 0: the transfer itself does not switch */
    PyChannel_SetPreference(g_ch, 0);
    r = h_spawn(t_recv, 0, "R");
    do_schedule();
    CHECK_LOG("cb(M,R) R:recv cb(R,M)");
    CHECK_EQ_INT(PyChannel_Send(g_ch, o), 0);
    CHECK_LOG("");
    do_schedule();
    CHECK_LOG("cb(M,R) R:got1 cb(R,M)");
    Py_DECREF(o);
    clear_callbacks();
    h_finish(r);
    Py_DECREF(g_ch);
}

/* cb(None, main) when Call_Main creates the main tasklet, cb(main, None) when it ends */
static void lifecycle_body(void) { h_logf("body"); }
static void test_schedule_callback_main_lifecycle(void) {
    set_sched_cb(0);
    h_run_main(lifecycle_body);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);
    CHECK_LOG("cb(None,M) body cb(M,None)");
}

/* an exception raised by the callback is reported and ignored; the switch happens */
MAIN_TEST(test_schedule_callback_exception_reported_and_ignored) {
    set_sched_cb(1);
    PyTaskletObject *t = h_spawn(t_log, 1, "T1");
    h_stderr_begin();
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    const char *err = h_stderr_end();
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_LOG("cb(M,T1) T1 cb(T1,M)");
    CHECK(strstr(err, "Error in scheduling callback") != NULL);
    clear_callbacks();
    h_finish(t);
}

/* an exception travelling with the switch (a tasklet's uncaught exception delivered to main)
 * is preserved across a callback that raises its own exception */
MAIN_TEST(test_schedule_callback_preserves_pending_exception) {
    set_sched_cb(1);
    PyTaskletObject *t = h_spawn(t_raise, 1, "T1");
    h_stderr_begin();
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    h_stderr_end();
    CHECK(r == NULL);
    if (r) Py_DECREF(r);
    CHECK_ERR(PyExc_ValueError, "boom");
    CHECK_LOG("cb(M,T1) T1:raise cb(T1,M)");
    clear_callbacks();
    h_finish(t);
}

/* switching or channel use inside the schedule callback raises RuntimeError */
MAIN_TEST(test_schedule_callback_recursion_errors) {
    g_ch2 = new_chan("ch2");
    if (!g_ch2) return;
    PyTaskletObject *t = h_spawn(t_log, 1, "T1");
    PyTaskletObject *t2 = h_spawn(t_log, 2, "T2");
    set_sched_cb(2);
    do_schedule();
    CHECK_LOG("cb(M,T1) cb:RuntimeError(" SCHED_RECURSION ") cb:RuntimeError(" SCHED_RECURSION ") "
              "cb:RuntimeError(" CHAN_RECURSION ") cb:RuntimeError(" CHAN_RECURSION ") "
              "T1 cb(T1,T2) T2 cb(T2,M)");
    CHECK_CHAN(g_ch2, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    clear_callbacks();
    h_finish(t); h_finish(t2);
    Py_DECREF(g_ch2);
}

/* ---- fast callback ------------------------------------------------------------------------- */
static void fast_body(void) {
    PyTaskletObject *t = h_spawn(t_log, 1, "T1");
    do_schedule();
    h_logf("end");
    h_finish(t);
}
static void test_fast_callback_sequence(void) {
    PyStackless_SetScheduleFastcallback(fast_cb);
    h_run_main(fast_body);
    PyStackless_SetScheduleFastcallback(NULL);
    /* from == NULL when the main tasklet starts; whether the end of main is reported too is
     * not specified for the fast callback */
    if (strcmp(h_log, "fast(NULL,M) fast(M,T1) T1 fast(T1,M) end fast(M,NULL)") == 0) h_log_reset();
    else CHECK_LOG("fast(NULL,M) fast(M,T1) T1 fast(T1,M) end");
    CHECK_LOG("");
}

MAIN_TEST(test_fast_callback_error_reported_and_cleared) {
    g_fast_rc = 1;
    PyStackless_SetScheduleFastcallback(fast_cb);
    PyTaskletObject *t = h_spawn(t_log, 1, "T1");
    h_stderr_begin();
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    const char *err = h_stderr_end();
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_LOG("fast(M,T1) T1 fast(T1,M)");
    CHECK(strstr(err, "Error in scheduling callback") != NULL);
    clear_callbacks();
    h_finish(t);
}

/* the Python-level and the fast callback share one slot: the last setter wins */
MAIN_TEST(test_fast_and_python_callback_replace_each_other) {
    PyTaskletObject *t;
    PyStackless_SetScheduleFastcallback(fast_cb);
    set_sched_cb(0);                              /* replaces the fast one */
    t = h_spawn(t_log, 1, "T1");
    do_schedule();
    CHECK_LOG("cb(M,T1) T1 cb(T1,M)");
    h_finish(t);
    PyStackless_SetScheduleFastcallback(fast_cb); /* replaces the Python one */
    t = h_spawn(t_log, 2, "T2");
    do_schedule();
    CHECK_LOG("fast(M,T2) T2 fast(T2,M)");
    h_finish(t);
    CHECK_EQ_INT(PyStackless_SetScheduleCallback(NULL), 0);   /* clears the slot */
    t = h_spawn(t_log, 3, "T3");
    do_schedule();
    CHECK_LOG("T3");
    h_finish(t);
    PyStackless_SetScheduleFastcallback(fast_cb);
    PyStackless_SetScheduleFastcallback(NULL);    /* NULL removes */
    t = h_spawn(t_log, 4, "T4");
    do_schedule();
    CHECK_LOG("T4");
    h_finish(t);
    clear_callbacks();
}

MAIN_TEST(test_fast_callback_current_is_from) {
    g_fast_check_current = 1;
    PyStackless_SetScheduleFastcallback(fast_cb);
    PyTaskletObject *t = h_spawn(t_log, 1, "T1");
    do_schedule();
    CHECK_LOG("fast(M,T1) T1 fast(T1,M)");
    clear_callbacks();
    h_finish(t);
}

/* run() switches to the tasklets and back to the watchdog: real switches, reported */
MAIN_TEST(test_schedule_callback_with_run) {
    set_sched_cb(0);
    PyTaskletObject *t1 = h_spawn(t_log, 1, "T1");
    PyTaskletObject *t2 = h_spawn(t_log, 2, "T2");
    PyObject *r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_LOG("cb(M,T1) T1 cb(T1,T2) T2 cb(T2,M)");
    clear_callbacks();
    h_finish(t1); h_finish(t2);
}

/* ---- channel callback ---------------------------------------------------------------------- */
MAIN_TEST(test_channel_callback_receiver_blocks_first) {
    g_ch = new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyTaskletObject *r = h_spawn(t_recv, 0, "R");
    do_schedule();
    PyObject *o = PyLong_FromLong(5);
    CHECK_EQ_INT(PyChannel_Send(g_ch, o), 0);
    Py_DECREF(o);
    CHECK_LOG("R:recv ccb(ch,R,0,1) ccb(ch,M,1,0) R:got5");
    clear_callbacks();
    h_finish(r);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_channel_callback_sender_blocks_first) {
    g_ch = new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyTaskletObject *s = h_spawn(t_send, 6, "S");
    do_schedule();
    PyObject *v = PyChannel_Receive(g_ch);
    CHECK(v != NULL && PyLong_AsLong(v) == 6);
    Py_XDECREF(v);
    h_drain();
    CHECK_LOG("S:send ccb(ch,S,1,1) ccb(ch,M,0,0) S:sent");
    clear_callbacks();
    h_finish(s);
    Py_DECREF(g_ch);
}

MAIN_TEST(test_channel_callback_for_send_exception_and_throw) {
    g_ch = new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyTaskletObject *r1 = h_spawn(t_recv, 0, "R");
    do_schedule();
    CHECK_EQ_INT(PyChannel_SendException(g_ch, PyExc_ValueError, Py_None), 0);
    PyTaskletObject *r2 = h_spawn(t_recv, 0, "R");
    do_schedule();
    CHECK_EQ_INT(PyChannel_SendThrow(g_ch, PyExc_ValueError, NULL, NULL), 0);
    CHECK_LOG("R:recv ccb(ch,R,0,1) ccb(ch,M,1,0) R:ValueError(None) "
              "R:recv ccb(ch,R,0,1) ccb(ch,M,1,0) R:ValueError()");
    clear_callbacks();
    h_finish(r1); h_finish(r2);
    Py_DECREF(g_ch);
}

/* the callback comes first, with willblock=1, before block_trap / closing / deadlock checks */
MAIN_TEST(test_channel_callback_before_block_checks) {
    g_ch = new_chan("ch");
    if (!g_ch) return;
    set_chan_cb(0);
    PyObject *v = PyChannel_Receive(g_ch);        /* deadlock */
    CHECK(v == NULL);
    CHECK_ERR(PyExc_RuntimeError, "Deadlock: the last runnable tasklet cannot be blocked.");
    CHECK_LOG("ccb(ch,M,0,1)");
    PyTasklet_SetBlockTrap(h_main, 1);
    CHECK_EQ_INT(PyChannel_Send(g_ch, Py_None), -1);
    CHECK_ERR(PyExc_RuntimeError, "this tasklet does not like to be blocked.");
    CHECK_LOG("ccb(ch,M,1,1)");
    PyTasklet_SetBlockTrap(h_main, 0);
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
    g_ch = new_chan("ch");
    g_ch2 = new_chan("ch2");
    if (!g_ch || !g_ch2) return;
    PyTaskletObject *r = h_spawn(t_recv, 0, "R");
    do_schedule();
    set_chan_cb(2);
    PyObject *o = PyLong_FromLong(1);
    CHECK_EQ_INT(PyChannel_Send(g_ch, o), 0);     /* the outer operation proceeds */
    Py_DECREF(o);
    CHECK_LOG("R:recv ccb(ch,M,1,0) ccb:RuntimeError(" CHAN_RECURSION ") "
              "ccb:RuntimeError(" CHAN_RECURSION ") R:got1");
    CHECK_CHAN(g_ch, 0, NULL, 0, 0);
    CHECK_CHAN(g_ch2, 0, NULL, 0, 0);
    CHECK_NO_ERR();
    clear_callbacks();
    h_finish(r);
    Py_DECREF(g_ch); Py_DECREF(g_ch2);
}

MAIN_TEST(test_channel_callback_exception_reported_and_ignored) {
    g_ch = new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *r = h_spawn(t_recv, 0, "R");
    do_schedule();
    set_chan_cb(1);
    h_stderr_begin();
    PyObject *o = PyLong_FromLong(2);
    int rc = PyChannel_Send(g_ch, o);
    const char *err = h_stderr_end();
    CHECK_EQ_INT(rc, 0);
    CHECK_NO_ERR();
    CHECK(err[0] != 0);                           /* reported */
    CHECK_LOG("R:recv ccb(ch,M,1,0) R:got2");
    /* an exception pending before the operation survives the raising callback */
    PyTaskletObject *r2 = h_spawn(t_recv, 0, "R");
    PyChannel_SetPreference(g_ch, 0);             /* no switch at the transfer */
    CHECK_EQ_INT(PyStackless_SetChannelCallback(NULL), 0);
    do_schedule();
    set_chan_cb(1);
    PyErr_SetString(PyExc_TypeError, "pending");
    h_stderr_begin();
    rc = PyChannel_Send(g_ch, o);
    h_stderr_end();
    CHECK_EQ_INT(rc, 0);
    CHECK_ERR(PyExc_TypeError, "pending");
    CHECK_EQ_INT(PyStackless_SetChannelCallback(NULL), 0);
    h_drain();
    CHECK_LOG("R:recv ccb(ch,M,1,0) R:got2");
    Py_DECREF(o);
    clear_callbacks();
    h_finish(r); h_finish(r2);
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
