/* test_channel_ops.c - channel operations in every channel state (STATES.md 5.1-5.3, 5.5;
 * API.md 3; C-API.md 4; error texts of API.md 9.3).
 *
 * Channel states (STATES.md 5.2): E empty/open, S(n) n senders waiting, Rv(n) n receivers
 * waiting, X closed, XS(n)/XR(n) closing with waiters. After every operation the tests check
 * balance, queue head (PyChannel_GetQueue, a new reference or Py_None), closing and closed. */
#include "test_helpers.h"

static PyChannelObject *g_ch;   /* the channel the task functions operate on */
static PyObject *g_last_received; /* strong ref to the last value received by t_recv_keep */

#define CLOSED_MSG "Send/receive operation on a closed channel"

/* ---- task functions ------------------------------------------------------------------------ */
/* receives and keeps the object (to check identity) */
static PyObject *t_recv_keep(long id) {
    th_logf("r%ld:recv", id);
    PyObject *v = PyChannel_Receive(g_ch);
    if (!v) return NULL;
    Py_XSETREF(g_last_received, v);
    th_logf("r%ld:got", id);
    Py_RETURN_NONE;
}

/* ---- helpers ------------------------------------------------------------------------------- */
static PyChannelObject *new_chan(void) {
    return g_ch = th_new_chan("ch");
}

/* Tasklets on g_ch named after their log prefix: "r<i>" receives, "s<v>" sends v, "x<v>"
 * send_exception(ValueError, "e<v>"), "y<v>" send_throw(RuntimeError, "t<v>"). */
static PyTaskletObject *spawn_recv(long i) {
    char who[16];
    snprintf(who, sizeof who, "r%ld", i);
    return th_spawn_receiver(g_ch, who);
}
static PyTaskletObject *spawn_send(long v) {
    char who[16];
    snprintf(who, sizeof who, "s%ld", v);
    return th_spawn_sender(g_ch, who, v);
}
static PyTaskletObject *spawn_exc_sender(int op, long v) {
    char who[16], msg[16];
    int thr = op == TH_SEND_THROW;
    snprintf(who, sizeof who, "%c%ld", thr ? 'y' : 'x', v);
    snprintf(msg, sizeof msg, "%c%ld", thr ? 't' : 'e', v);
    PyObject *m = PyUnicode_FromString(msg);
    PyTaskletObject *t = th_spawn_f(th_sender(g_ch, who, op, thr ? PyExc_RuntimeError : PyExc_ValueError, m),
                                    NULL, who);
    Py_DECREF(m);
    return t;
}

/* Make n receivers r1..rn wait on g_ch; returns them in out[]. */
static void block_receivers(int n, PyTaskletObject **out) {
    for (int i = 1; i <= n; i++) out[i - 1] = spawn_recv(i);
    th_schedule();
}
static void block_senders(int n, PyTaskletObject **out) {
    for (int i = 1; i <= n; i++) out[i - 1] = spawn_send(i);
    th_schedule();
}

static void main_recv_log(void) {
    PyObject *v = PyChannel_Receive(g_ch);
    if (v) { th_logf("M:got%s", th_val(v)); Py_DECREF(v); }
    else th_log_exc("M");
}

/* ---- tests: construction, attributes ------------------------------------------------------- */
MAIN_TEST(test_new_defaults) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    CHECK(PyChannel_Check((PyObject *)ch));
    CHECK(PyChannel_CheckExact((PyObject *)ch));
    CHECK(!PyTasklet_Check((PyObject *)ch));
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyChannel_GetPreference(ch), -1);
    CHECK_EQ_INT(PyChannel_GetScheduleAll(ch), 0);
    PyChannelObject *ch2 = PyChannel_New(&PyChannel_Type);
    CHECK(ch2 != NULL && ch2 != ch);
    if (ch2) { CHECK_CHAN(ch2, 0, NULL, 0, 0); Py_DECREF(ch2); }
    CHECK_NO_ERR();
    Py_DECREF(ch);
}

MAIN_TEST(test_new_bad_type) {
    PyChannelObject *ch = PyChannel_New(&PyBaseObject_Type);
    CHECK(ch == NULL);
    CHECK_ERR(PyExc_TypeError, "channel_new: type must be subtype of channel");
    ch = PyChannel_New(&PyTasklet_Type);
    CHECK(ch == NULL);
    CHECK_ERR(PyExc_TypeError, "channel_new: type must be subtype of channel");
}

MAIN_TEST(test_preference_and_schedule_all_setters) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyChannel_SetPreference(ch, 5);
    CHECK_EQ_INT(PyChannel_GetPreference(ch), 1);
    PyChannel_SetPreference(ch, -7);
    CHECK_EQ_INT(PyChannel_GetPreference(ch), -1);
    PyChannel_SetPreference(ch, 0);
    CHECK_EQ_INT(PyChannel_GetPreference(ch), 0);
    PyChannel_SetPreference(ch, 1);
    CHECK_EQ_INT(PyChannel_GetPreference(ch), 1);
    PyChannel_SetPreference(ch, INT_MIN);
    CHECK_EQ_INT(PyChannel_GetPreference(ch), -1);
    PyChannel_SetScheduleAll(ch, 42);
    CHECK_EQ_INT(PyChannel_GetScheduleAll(ch), 1);
    PyChannel_SetScheduleAll(ch, 0);
    CHECK_EQ_INT(PyChannel_GetScheduleAll(ch), 0);
    PyChannel_SetScheduleAll(ch, -1);
    CHECK_EQ_INT(PyChannel_GetScheduleAll(ch), 1);
    PyChannel_SetScheduleAll(ch, 0);
    /* setters do not touch the other fields */
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_NO_ERR();
    Py_DECREF(ch);
}

/* ---- E, S(n): send blocks, receive transfers ----------------------------------------------- */
MAIN_TEST(test_E_send_blocks_then_S_receive_transfers) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *s[2];
    if (!ch) return;
    block_senders(1, s);                         /* E --send--> S(1) */
    CHECK_CHAN(ch, 1, s[0], 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(s[0]), 1);
    CHECK(PyTasklet_Scheduled(s[0]));
    CHECK(!PyTasklet_Paused(s[0]));
    CHECK(PyTasklet_Alive(s[0]));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);  /* a blocked tasklet is not in the run queue */
    s[1] = spawn_send(2);
    th_schedule();                               /* S(1) --send--> S(2), FIFO: s1 stays head */
    CHECK_CHAN(ch, 2, s[0], 0, 0);
    CHECK_LOG("s1:send s2:send");
    main_recv_log();                             /* S(2) --receive--> S(1): value of s1 */
    CHECK_CHAN(ch, 1, s[1], 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(s[0]), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);  /* s1 appended (preference -1: receiver continues) */
    main_recv_log();                             /* S(1) --receive--> E */
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_LOG("M:got1 M:got2");
    th_drain_all();
    CHECK_LOG("s1:sent s2:sent");
    th_finish(s[0]); th_finish(s[1]);
    Py_DECREF(ch);
}

/* ---- E, Rv(n): receive blocks, send transfers ---------------------------------------------- */
MAIN_TEST(test_E_receive_blocks_then_Rv_send_transfers) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *r[3];
    if (!ch) return;
    block_receivers(3, r);                       /* E -> Rv(3) */
    CHECK_CHAN(ch, -3, r[0], 0, 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(PyTasklet_GetBlocked(r[i]), -1);
        CHECK(PyTasklet_Scheduled(r[i]));
    }
    CHECK_LOG("r1:recv r2:recv r3:recv");
    CHECK_EQ_INT(th_send_int(g_ch, 10), 0);      /* Rv(3) -> Rv(2); switches to r1 (pref -1) */
    CHECK_LOG("r1:got10");
    CHECK_CHAN(ch, -2, r[1], 0, 0);
    CHECK_EQ_INT(th_send_int(g_ch, 20), 0);
    CHECK_CHAN(ch, -1, r[2], 0, 0);
    CHECK_EQ_INT(th_send_int(g_ch, 30), 0);
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_LOG("r2:got20 r3:got30");
    for (int i = 0; i < 3; i++) th_finish(r[i]);
    Py_DECREF(ch);
}

MAIN_TEST(test_fifo_order_of_waiting_receivers_and_senders) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *r[4], *s[4];
    if (!ch) return;
    PyChannel_SetPreference(ch, 0);              /* no switch at a transfer */
    block_receivers(4, r);
    CHECK_LOG("r1:recv r2:recv r3:recv r4:recv");
    for (long v = 1; v <= 4; v++) {
        CHECK_CHAN(ch, -(int)(5 - v), r[v - 1], 0, 0);
        CHECK_EQ_INT(th_send_int(g_ch, 100 + v), 0);
    }
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_LOG("");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 5);
    th_drain_all();
    CHECK_LOG("r1:got101 r2:got102 r3:got103 r4:got104");
    block_senders(4, s);
    CHECK_LOG("s1:send s2:send s3:send s4:send");
    for (int i = 0; i < 4; i++) {
        CHECK_CHAN(ch, 4 - i, s[i], 0, 0);
        main_recv_log();
    }
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_LOG("M:got1 M:got2 M:got3 M:got4");
    th_drain_all();
    CHECK_LOG("s1:sent s2:sent s3:sent s4:sent");
    for (int i = 0; i < 4; i++) { th_finish(r[i]); th_finish(s[i]); }
    Py_DECREF(ch);
}

/* ---- X --------------------------------------------------------------------------------------- */
MAIN_TEST(test_X_closed_channel) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyChannel_Close(ch);                          /* E --close--> X */
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    PyChannel_Close(ch);                          /* no-op */
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    CHECK_EQ_INT(th_send_int(g_ch, 1), -1);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    CHECK(PyChannel_Receive(ch) == NULL);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK(PyChannel_Receive_nr(ch) == NULL);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_EQ_INT(PyChannel_Send_nr(ch, Py_None), -1);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_EQ_INT(PyChannel_SendException(ch, PyExc_ValueError, Py_None), -1);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    PyChannel_Open(ch);                           /* X --open--> E */
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    PyChannel_Open(ch);                           /* no-op on E */
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    Py_DECREF(ch);
}

/* A closed channel refuses blocking operations from a tasklet as well (the tasklet is not
 * blocked, it continues). */
MAIN_TEST(test_X_closed_channel_from_tasklet) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyChannel_Close(ch);
    PyTaskletObject *r = spawn_recv(1);
    PyTaskletObject *s = spawn_send(2);
    PyTaskletObject *x = spawn_exc_sender(TH_SEND_EXCEPTION, 3);
    PyTaskletObject *y = spawn_exc_sender(TH_SEND_THROW, 4);
    th_drain_all();
    CHECK_LOG("r1:recv r1:ValueError(" CLOSED_MSG ") s2:send s2:ValueError(" CLOSED_MSG ") "
              "x3:send x3:ValueError(" CLOSED_MSG ") y4:send y4:ValueError(" CLOSED_MSG ")");
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    th_finish(r); th_finish(s); th_finish(x); th_finish(y);
    Py_DECREF(ch);
}

/* ---- XS(n) ----------------------------------------------------------------------------------- */
MAIN_TEST(test_XS_closing_with_senders) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *s[2];
    if (!ch) return;
    block_senders(2, s);
    CHECK_LOG("s1:send s2:send");
    PyChannel_Close(ch);                          /* S(2) --close--> XS(2) */
    CHECK_CHAN(ch, 2, s[0], 1, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);   /* close() does not wake the waiters */
    CHECK_EQ_INT(PyTasklet_GetBlocked(s[0]), 1);
    PyChannel_Close(ch);                          /* no-op */
    CHECK_CHAN(ch, 2, s[0], 1, 0);
    CHECK_EQ_INT(th_send_int(g_ch, 9), -1);       /* send would block: refused */
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_EQ_INT(PyChannel_SendException(ch, PyExc_ValueError, Py_None), -1);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    CHECK_CHAN(ch, 2, s[0], 1, 0);
    main_recv_log();                              /* XS(2) --receive--> XS(1) */
    CHECK_CHAN(ch, 1, s[1], 1, 0);
    main_recv_log();                              /* XS(1) --receive--> X */
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    CHECK_LOG("M:got1 M:got2");
    main_recv_log();                              /* X: refused */
    CHECK_LOG("M:ValueError(" CLOSED_MSG ")");
    th_drain_all();
    CHECK_LOG("s1:sent s2:sent");
    th_finish(s[0]); th_finish(s[1]);
    Py_DECREF(ch);
}

MAIN_TEST(test_XS_open_gives_S) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *s[1];
    if (!ch) return;
    block_senders(1, s);
    PyChannel_Open(ch);                           /* no-op on S(1) */
    CHECK_CHAN(ch, 1, s[0], 0, 0);
    PyChannel_Close(ch);
    CHECK_CHAN(ch, 1, s[0], 1, 0);
    PyChannel_Open(ch);                           /* XS(1) --open--> S(1) */
    CHECK_CHAN(ch, 1, s[0], 0, 0);
    main_recv_log();
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    th_drain_all();
    CHECK_LOG("s1:send M:got1 s1:sent");
    th_finish(s[0]);
    Py_DECREF(ch);
}

/* ---- XR(n) ----------------------------------------------------------------------------------- */
MAIN_TEST(test_XR_closing_with_receivers) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *r[2];
    if (!ch) return;
    block_receivers(2, r);
    CHECK_LOG("r1:recv r2:recv");
    PyChannel_Close(ch);                          /* Rv(2) --close--> XR(2) */
    CHECK_CHAN(ch, -2, r[0], 1, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    PyChannel_Close(ch);
    CHECK_CHAN(ch, -2, r[0], 1, 0);
    main_recv_log();                              /* receive would block: refused */
    CHECK_LOG("M:ValueError(" CLOSED_MSG ")");
    CHECK_CHAN(ch, -2, r[0], 1, 0);
    CHECK_EQ_INT(th_send_int(g_ch, 1), 0);        /* XR(2) --send--> XR(1) */
    CHECK_CHAN(ch, -1, r[1], 1, 0);
    CHECK_EQ_INT(th_send_int(g_ch, 2), 0);        /* XR(1) --send--> X */
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    CHECK_LOG("r1:got1 r2:got2");
    CHECK_EQ_INT(th_send_int(g_ch, 3), -1);
    CHECK_ERR(PyExc_ValueError, CLOSED_MSG);
    th_finish(r[0]); th_finish(r[1]);
    Py_DECREF(ch);
}

MAIN_TEST(test_XR_open_gives_Rv) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *r[1];
    if (!ch) return;
    block_receivers(1, r);
    PyChannel_Open(ch);                           /* no-op on Rv(1) */
    CHECK_CHAN(ch, -1, r[0], 0, 0);
    PyChannel_Close(ch);
    CHECK_CHAN(ch, -1, r[0], 1, 0);
    PyChannel_Open(ch);                           /* XR(1) --open--> Rv(1) */
    CHECK_CHAN(ch, -1, r[0], 0, 0);
    CHECK_EQ_INT(th_send_int(g_ch, 5), 0);
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_LOG("r1:recv r1:got5");
    th_finish(r[0]);
    Py_DECREF(ch);
}

/* send_exception / send_throw on XR transfer (no closing check for transfers) */
MAIN_TEST(test_XR_send_exception_and_throw_transfer) {
    PyChannelObject *ch = new_chan();
    PyTaskletObject *r[2];
    if (!ch) return;
    block_receivers(2, r);
    PyChannel_Close(ch);
    PyObject *m = PyUnicode_FromString("xr");
    CHECK_EQ_INT(PyChannel_SendException(ch, PyExc_ValueError, m), 0);
    CHECK_CHAN(ch, -1, r[1], 1, 0);
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_TypeError, m, NULL), 0);
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    Py_DECREF(m);
    CHECK_LOG("r1:recv r2:recv r1:ValueError(xr) r2:TypeError(xr)");
    th_finish(r[0]); th_finish(r[1]);
    Py_DECREF(ch);
}

/* ---- what each side gets (5.5) ---------------------------------------------------------------- */
MAIN_TEST(test_receiver_gets_the_sent_object) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyObject *obj = PyUnicode_FromString("payload");
    PyTaskletObject *r = th_spawn_fn(t_recv_keep, 1, "r1");
    th_schedule();
    CHECK_EQ_INT(PyChannel_Send(ch, obj), 0);     /* send returns 0 (None) */
    CHECK(g_last_received == obj);                /* the very object */
    CHECK_LOG("r1:recv r1:got");
    Py_CLEAR(g_last_received);
    /* sender blocked first: the receiver (main) gets the object */
    th_finish(r);
    PyTaskletObject *s = spawn_send(77);
    th_schedule();
    PyObject *v = PyChannel_Receive(ch);
    CHECK(v != NULL && PyLong_Check(v) && PyLong_AsLong(v) == 77);
    Py_XDECREF(v);
    th_drain_all();
    CHECK_LOG("s77:send s77:sent");
    /* None travels as None */
    r = spawn_recv(2);
    th_schedule();
    CHECK_EQ_INT(PyChannel_Send(ch, Py_None), 0);
    CHECK_LOG("r2:recv r2:gotNone");
    th_finish(r); th_finish(s);
    Py_DECREF(obj);
    Py_DECREF(ch);
}

/* _nr variants called from C behave like the plain functions (never Py_UnwindToken) */
MAIN_TEST(test_nr_variants_from_c) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r = spawn_recv(1);
    th_schedule();
    PyObject *o = PyLong_FromLong(3);
    int rc = PyChannel_Send_nr(ch, o);
    CHECK_EQ_INT(rc, 0);
    CHECK_LOG("r1:recv r1:got3");
    PyTaskletObject *s = spawn_send(4);
    th_schedule();
    PyObject *v = PyChannel_Receive_nr(ch);
    CHECK(v != NULL && !STACKLESS_UNWINDING(v));
    if (v && !STACKLESS_UNWINDING(v)) { CHECK_EQ_INT(PyLong_AsLong(v), 4); Py_DECREF(v); }
    th_drain_all();
    CHECK_LOG("s4:send s4:sent");
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    Py_DECREF(o);
    th_finish(r); th_finish(s);
    Py_DECREF(ch);
}

/* ---- send_exception ---------------------------------------------------------------------------- */
MAIN_TEST(test_send_exception_to_waiting_receiver) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r[3];
    block_receivers(3, r);
    CHECK_LOG("r1:recv r2:recv r3:recv");
    PyObject *targs = th_tuple_str("a");
    PyObject *single = PyUnicode_FromString("b");
    PyObject *empty = PyTuple_New(0);
    CHECK_EQ_INT(PyChannel_SendException(ch, PyExc_ValueError, targs), 0);   /* tuple: args */
    CHECK_CHAN(ch, -2, r[1], 0, 0);
    CHECK_EQ_INT(PyChannel_SendException(ch, PyExc_ValueError, single), 0);  /* single value */
    CHECK_CHAN(ch, -1, r[2], 0, 0);
    CHECK_EQ_INT(PyChannel_SendException(ch, PyExc_RuntimeError, empty), 0); /* no args */
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_LOG("r1:ValueError(a) r2:ValueError(b) r3:RuntimeError()");
    CHECK_NO_ERR();
    Py_XDECREF(targs); Py_DECREF(single); Py_DECREF(empty);
    for (int i = 0; i < 3; i++) th_finish(r[i]);
    Py_DECREF(ch);
}

MAIN_TEST(test_send_exception_bad_class) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r[1];
    block_receivers(1, r);
    PyObject *three = PyLong_FromLong(3);
    PyObject *empty = PyTuple_New(0);
    const char *msg = "channel.send_exception needs Exception or string subclass as first parameter";
    CHECK_EQ_INT(PyChannel_SendException(ch, (PyObject *)&PyBaseObject_Type, empty), -1);
    CHECK_ERR(PyExc_TypeError, msg);
    CHECK_EQ_INT(PyChannel_SendException(ch, three, empty), -1);      /* an instance, not a class */
    CHECK_ERR(PyExc_TypeError, msg);
    CHECK_EQ_INT(PyChannel_SendException(ch, (PyObject *)&PyLong_Type, empty), -1);
    CHECK_ERR(PyExc_TypeError, msg);
    PyObject *str = PyUnicode_FromString("ValueError");                /* no legacy strings */
    CHECK_EQ_INT(PyChannel_SendException(ch, str, empty), -1);
    CHECK_ERR(PyExc_TypeError, msg);
    Py_DECREF(str);
    CHECK_CHAN(ch, -1, r[0], 0, 0);               /* state unchanged: r1 still waiting */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(th_send_int(g_ch, 8), 0);
    CHECK_LOG("r1:recv r1:got8");
    Py_DECREF(three); Py_DECREF(empty);
    th_finish(r[0]);
    Py_DECREF(ch);
}

/* send_exception in E blocks like send (S(1)); the receiver raises */
MAIN_TEST(test_send_exception_blocks_in_E) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *x = spawn_exc_sender(TH_SEND_EXCEPTION, 1);
    th_schedule();
    CHECK_CHAN(ch, 1, x, 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(x), 1);
    main_recv_log();                              /* the bomb explodes in the receiver */
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    th_drain_all();
    CHECK_LOG("x1:send M:ValueError(e1) x1:sent");
    /* a second blocking sender of each kind in S(n) */
    PyTaskletObject *x2 = spawn_exc_sender(TH_SEND_EXCEPTION, 2);
    PyTaskletObject *y3 = spawn_exc_sender(TH_SEND_THROW, 3);
    PyTaskletObject *s4 = spawn_send(4);
    th_schedule();
    CHECK_CHAN(ch, 3, x2, 0, 0);
    main_recv_log(); main_recv_log(); main_recv_log();
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    th_drain_all();
    CHECK_LOG("x2:send y3:send s4:send M:ValueError(e2) M:RuntimeError(t3) M:got4 "
              "x2:sent y3:sent s4:sent");
    th_finish(x); th_finish(x2); th_finish(y3); th_finish(s4);
    Py_DECREF(ch);
}

/* ---- send_throw -------------------------------------------------------------------------------- */
MAIN_TEST(test_send_throw_variants) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r[5];
    block_receivers(5, r);
    CHECK_LOG("r1:recv r2:recv r3:recv r4:recv r5:recv");
    PyObject *v = PyUnicode_FromString("v");
    PyObject *tup = th_tuple_str("t");
    PyObject *inst = th_exc_instance(PyExc_ValueError, "inst");
    PyObject *inst2 = th_exc_instance(PyExc_ValueError, "iv");
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_ValueError, NULL, NULL), 0);   /* class */
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_ValueError, v, NULL), 0);      /* class + value */
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_TypeError, tup, Py_None), 0);  /* class + args */
    CHECK_EQ_INT(PyChannel_SendThrow(ch, inst, NULL, NULL), 0);               /* instance */
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_ValueError, inst2, NULL), 0);  /* class + instance */
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_LOG("r1:ValueError() r2:ValueError(v) r3:TypeError(t) r4:ValueError(inst) r5:ValueError(iv)");
    CHECK_NO_ERR();
    Py_DECREF(v); Py_XDECREF(tup); Py_XDECREF(inst); Py_XDECREF(inst2);
    for (int i = 0; i < 5; i++) th_finish(r[i]);
    Py_DECREF(ch);
}

MAIN_TEST(test_send_throw_bad_arguments) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r[1];
    block_receivers(1, r);
    PyObject *inst = th_exc_instance(PyExc_ValueError, "inst");
    PyObject *v = PyUnicode_FromString("v");
    PyObject *three = PyLong_FromLong(3);
    CHECK_EQ_INT(PyChannel_SendThrow(ch, inst, v, NULL), -1);
    CHECK_ERR(PyExc_TypeError, "instance exception may not have a separate value");
    CHECK_EQ_INT(PyChannel_SendThrow(ch, three, NULL, NULL), -1);
    CHECK_ERR(PyExc_TypeError, "exceptions must be classes, or instances, not int");
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_ValueError, v, three), -1);
    CHECK_ERR(PyExc_TypeError, "third argument must be a traceback object");
    CHECK_CHAN(ch, -1, r[0], 0, 0);               /* unchanged */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(th_send_int(g_ch, 1), 0);
    CHECK_LOG("r1:recv r1:got1");
    Py_XDECREF(inst); Py_DECREF(v); Py_DECREF(three);
    th_finish(r[0]);
    Py_DECREF(ch);
}

/* send_throw in E blocks (S(1)); the receiver raises */
MAIN_TEST(test_send_throw_blocks_in_E) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *y = spawn_exc_sender(TH_SEND_THROW, 1);
    th_schedule();
    CHECK_CHAN(ch, 1, y, 0, 0);
    PyChannel_Close(ch);                          /* XS(1): transfer still works */
    main_recv_log();
    CHECK_CHAN(ch, 0, NULL, 1, 1);
    th_drain_all();
    CHECK_LOG("y1:send M:RuntimeError(t1) y1:sent");
    th_finish(y);
    Py_DECREF(ch);
}

/* ---- a blocked party hit by kill/throw is removed from the channel (5.5) ----------------------- */
MAIN_TEST(test_kill_blocked_receiver_and_sender) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r[3];
    block_receivers(3, r);
    CHECK_LOG("r1:recv r2:recv r3:recv");
    CHECK_EQ_INT(PyTasklet_Kill(r[1]), 0);        /* middle one */
    CHECK_LOG("r2:TaskletExit()");
    CHECK(!PyTasklet_Alive(r[1]));
    CHECK_CHAN(ch, -2, r[0], 0, 0);
    CHECK_EQ_INT(PyTasklet_Kill(r[0]), 0);        /* head */
    CHECK_LOG("r1:TaskletExit()");
    CHECK_CHAN(ch, -1, r[2], 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(r[0]), 0);
    CHECK_EQ_INT(th_send_int(g_ch, 3), 0);        /* the remaining one still gets values */
    CHECK_LOG("r3:got3");
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    PyTaskletObject *s[2];
    block_senders(2, s);
    CHECK_LOG("s1:send s2:send");
    CHECK_EQ_INT(PyTasklet_Kill(s[1]), 0);        /* tail */
    CHECK_LOG("s2:TaskletExit()");
    CHECK_CHAN(ch, 1, s[0], 0, 0);
    CHECK_EQ_INT(PyTasklet_Kill(s[0]), 0);
    CHECK_LOG("s1:TaskletExit()");
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    for (int i = 0; i < 3; i++) th_finish(r[i]);
    th_finish(s[0]); th_finish(s[1]);
    Py_DECREF(ch);
}

MAIN_TEST(test_throw_to_blocked_receiver) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r[2];
    block_receivers(2, r);
    PyObject *m = PyUnicode_FromString("thrown");
    CHECK_EQ_INT(PyTasklet_Throw(r[0], 0, PyExc_ValueError, m, NULL), 0);  /* runs r1 now */
    CHECK_LOG("r1:recv r2:recv r1:ValueError(thrown)");
    CHECK_CHAN(ch, -1, r[1], 0, 0);
    CHECK(!PyTasklet_Alive(r[0]));
    /* pending: removed from the channel and made runnable, raises when it runs */
    CHECK_EQ_INT(PyTasklet_Throw(r[1], 1, PyExc_ValueError, m, NULL), 0);
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(r[1]), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_LOG("");
    th_drain_all();
    CHECK_LOG("r2:ValueError(thrown)");
    Py_DECREF(m);
    th_finish(r[0]); th_finish(r[1]);
    Py_DECREF(ch);
}

MAIN_TEST(test_kill_pending_blocked_sender) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *s[1];
    block_senders(1, s);
    CHECK_EQ_INT(PyTasklet_KillEx(s[0], 1), 0);
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    CHECK(PyTasklet_Alive(s[0]));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_LOG("s1:send");
    th_drain_all();
    CHECK_LOG("s1:TaskletExit()");
    CHECK(!PyTasklet_Alive(s[0]));
    th_finish(s[0]);
    Py_DECREF(ch);
}

/* a blocked tasklet cannot be inserted, run, switched to or removed (API.md 9.3) */
MAIN_TEST(test_blocked_tasklet_queue_ops_refused) {
    PyChannelObject *ch = new_chan();
    if (!ch) return;
    PyTaskletObject *r[1];
    block_receivers(1, r);
    CHECK_EQ_INT(PyTasklet_Insert(r[0]), -1);
    CHECK_ERR(PyExc_RuntimeError, "You cannot run a blocked tasklet");
    CHECK_EQ_INT(PyTasklet_Run(r[0]), -1);
    CHECK_ERR(PyExc_RuntimeError, "You cannot run a blocked tasklet");
    CHECK_EQ_INT(PyTasklet_Switch(r[0]), -1);
    CHECK_ERR(PyExc_RuntimeError, "You cannot run a blocked tasklet");
    CHECK_EQ_INT(PyTasklet_Remove(r[0]), -1);
    CHECK_ERR(PyExc_RuntimeError, "You cannot remove a blocked tasklet.");
    CHECK_CHAN(ch, -1, r[0], 0, 0);
    CHECK(PyTasklet_Scheduled(r[0]) && !PyTasklet_Paused(r[0]));
    CHECK_EQ_INT(th_send_int(g_ch, 1), 0);
    CHECK_LOG("r1:recv r1:got1");
    th_finish(r[0]);
    Py_DECREF(ch);
}

int main(void) {
    TEST(test_new_defaults);
    TEST(test_new_bad_type);
    TEST(test_preference_and_schedule_all_setters);
    TEST(test_E_send_blocks_then_S_receive_transfers);
    TEST(test_E_receive_blocks_then_Rv_send_transfers);
    TEST(test_fifo_order_of_waiting_receivers_and_senders);
    TEST(test_X_closed_channel);
    TEST(test_X_closed_channel_from_tasklet);
    TEST(test_XS_closing_with_senders);
    TEST(test_XS_open_gives_S);
    TEST(test_XR_closing_with_receivers);
    TEST(test_XR_open_gives_Rv);
    TEST(test_XR_send_exception_and_throw_transfer);
    TEST(test_receiver_gets_the_sent_object);
    TEST(test_nr_variants_from_c);
    TEST(test_send_exception_to_waiting_receiver);
    TEST(test_send_exception_bad_class);
    TEST(test_send_exception_blocks_in_E);
    TEST(test_send_throw_variants);
    TEST(test_send_throw_bad_arguments);
    TEST(test_send_throw_blocks_in_E);
    TEST(test_kill_blocked_receiver_and_sender);
    TEST(test_throw_to_blocked_receiver);
    TEST(test_kill_pending_blocked_sender);
    TEST(test_blocked_tasklet_queue_ops_refused);
    return TEST_SUMMARY();
}
