/* test_channel_misuse.c - misuse of the channel (and, as a channel stand-in, tasklet) C API
 * never crashes: NULL arguments and objects of the wrong type cast to PyChannelObject * /
 * PyTaskletObject * make the functions fail with their failure value and an exception set
 * (C-API.md 1 "Error reporting"); wrong-typed objects give TypeError. Getters and void
 * setters that cannot report failure must at least not crash (any exception they leave is
 * cleared). Also: a channel partner in another thread is refused with RuntimeError (not
 * supported yet in this project, NODE.md 6). Kept in its own executable so that a crash does
 * not hide the results of the other channel tests. */
#include "test_helpers.h"
#include <pthread.h>

static PyChannelObject *g_ch;

/* call every getter / void setter; they cannot fail, must not crash */
static void poke_channel_getters(PyChannelObject *ch) {
    (void)PyChannel_GetBalance(ch);
    PyErr_Clear();
    (void)PyChannel_GetClosing(ch);
    PyErr_Clear();
    (void)PyChannel_GetClosed(ch);
    PyErr_Clear();
    (void)PyChannel_GetPreference(ch);
    PyErr_Clear();
    (void)PyChannel_GetScheduleAll(ch);
    PyErr_Clear();
    PyChannel_SetPreference(ch, 1);
    PyErr_Clear();
    PyChannel_SetScheduleAll(ch, 1);
    PyErr_Clear();
    PyChannel_Close(ch);
    PyErr_Clear();
    PyChannel_Open(ch);
    PyErr_Clear();
    PyObject *q = PyChannel_GetQueue(ch);
    if (q) Py_DECREF(q);
    PyErr_Clear();
}

/* the failing channel operations: each returns its failure value with exc1 or exc2 set */
static void check_channel_ops_fail(PyChannelObject *ch, PyObject *exc1, PyObject *exc2) {
    CHECK_EQ_INT(PyChannel_Send(ch, Py_None), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyChannel_Send_nr(ch, Py_None), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK(PyChannel_Receive(ch) == NULL);
    CHECK_ERR2(exc1, exc2);
    CHECK(PyChannel_Receive_nr(ch) == NULL);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyChannel_SendException(ch, PyExc_ValueError, Py_None), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyChannel_SendThrow(ch, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR2(exc1, exc2);
}

static void check_tasklet_ops_fail(PyTaskletObject *t, PyObject *exc1, PyObject *exc2) {
    PyObject *empty = PyTuple_New(0);
    CHECK_EQ_INT(PyTasklet_Run(t), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_Switch(t), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_Insert(t), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_Remove(t), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_Kill(t), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_KillEx(t, 1), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_Throw(t, 0, PyExc_ValueError, NULL, NULL), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_RaiseException(t, PyExc_ValueError, empty), -1);
    CHECK_ERR2(exc1, exc2);
    CHECK_EQ_INT(PyTasklet_Setup(t, empty, NULL), -1);
    CHECK_ERR2(exc1, exc2);
    Py_DECREF(empty);
    /* getters / setters: no crash */
    (void)PyTasklet_GetBlockTrap(t); PyErr_Clear();
    PyTasklet_SetBlockTrap(t, 1); PyErr_Clear();
    (void)PyTasklet_GetAtomic(t); PyErr_Clear();
    (void)PyTasklet_Alive(t); PyErr_Clear();
    (void)PyTasklet_Scheduled(t); PyErr_Clear();
    (void)PyTasklet_Paused(t); PyErr_Clear();
    (void)PyTasklet_GetBlocked(t); PyErr_Clear();
}

MAIN_TEST(test_null_channel) {
    check_channel_ops_fail(NULL, PyExc_TypeError, PyExc_SystemError);
    poke_channel_getters(NULL);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

MAIN_TEST(test_non_channel_objects) {
    PyObject *i = PyLong_FromLong(42);
    check_channel_ops_fail((PyChannelObject *)i, PyExc_TypeError, PyExc_TypeError);
    poke_channel_getters((PyChannelObject *)i);
    CHECK(PyLong_AsLong(i) == 42);
    Py_DECREF(i);
    PyObject *s = PyUnicode_FromString("not a channel");
    check_channel_ops_fail((PyChannelObject *)s, PyExc_TypeError, PyExc_TypeError);
    poke_channel_getters((PyChannelObject *)s);
    Py_DECREF(s);
    /* a tasklet is not a channel */
    check_channel_ops_fail((PyChannelObject *)th_main, PyExc_TypeError, PyExc_TypeError);
    CHECK(PyTasklet_IsCurrent(th_main));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

MAIN_TEST(test_channel_new_with_non_channel_type) {
    CHECK(PyChannel_New(&PyTasklet_Type) == NULL);
    CHECK_ERR(PyExc_TypeError, "channel_new: type must be subtype of channel");
    CHECK(PyChannel_New(&PyLong_Type) == NULL);
    CHECK_ERR(PyExc_TypeError, "channel_new: type must be subtype of channel");
}

MAIN_TEST(test_null_tasklet) {
    check_tasklet_ops_fail(NULL, PyExc_TypeError, PyExc_SystemError);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

MAIN_TEST(test_non_tasklet_objects) {
    PyChannelObject *ch = PyChannel_New(NULL);
    CHECK(ch != NULL);
    if (!ch) return;
    check_tasklet_ops_fail((PyTaskletObject *)ch, PyExc_TypeError, PyExc_TypeError);
    CHECK_CHAN(ch, 0, NULL, 0, 0);
    Py_DECREF(ch);
    PyObject *i = PyLong_FromLong(7);
    check_tasklet_ops_fail((PyTaskletObject *)i, PyExc_TypeError, PyExc_TypeError);
    Py_DECREF(i);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

/* ---- cross-thread partner ------------------------------------------------------------------- */
static int g_thread_rc;
static PyObject *g_thread_exc;

static PyObject *other_thread_body(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args)) {
    g_thread_rc = PyChannel_Send(g_ch, Py_None);
    if (g_thread_rc != 0) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        g_thread_exc = t;
        Py_XDECREF(v); Py_XDECREF(tb);
    }
    Py_RETURN_NONE;
}
static PyMethodDef other_thread_def = {"other", other_thread_body, METH_NOARGS, NULL};
static void *other_thread(void *arg) {
    (void)arg;
    PyObject *r = PyStackless_CallCMethod_Main(&other_thread_def, NULL, NULL);
    if (r) Py_DECREF(r);
    else { g_thread_rc = -2; PyErr_Clear(); }
    return NULL;
}

MAIN_TEST(test_cross_thread_partner_refused) {
    g_ch = th_new_chan("ch");
    if (!g_ch) return;
    PyTaskletObject *r = th_spawn_receiver(g_ch, "R");
    PyObject *x = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(x);
    CHECK_CHAN(g_ch, -1, r, 0, 0);
    g_thread_rc = 0; g_thread_exc = NULL;
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, other_thread, NULL), 0);
    pthread_join(th, NULL);
    CHECK_EQ_INT(g_thread_rc, -1);
    CHECK(g_thread_exc == PyExc_RuntimeError);
    Py_XDECREF(g_thread_exc);
    g_thread_exc = NULL;
    CHECK_CHAN(g_ch, -1, r, 0, 0);            /* unchanged, R still waits */
    CHECK_EQ_INT(PyTasklet_GetBlocked(r), -1);
    CHECK_EQ_INT(th_send_int(g_ch, 1), 0);
    CHECK_LOG("R:recv R:got1");
    th_finish(r);
    Py_DECREF(g_ch);
    g_ch = NULL;
}

int main(void) {
    TEST(test_null_channel);
    TEST(test_non_channel_objects);
    TEST(test_channel_new_with_non_channel_type);
    TEST(test_null_tasklet);
    TEST(test_non_tasklet_objects);
    TEST(test_cross_thread_partner_refused);
    return TEST_SUMMARY();
}
