/* test_fast_paths.c - channel operations between native tasklets, the cases the core's fast
 * path takes (native caller, same thread, no callbacks/watchdog/traps): a send to a waiting
 * receiver with preference -1, a receive from a waiting sender with preference -1 or 0, a
 * bomb taken from a waiting sender, and blocking with another tasklet runnable. The suite
 * also runs in a build without fast paths (SLP_NO_FAST_PATHS), where the same expectations
 * hold through the general path. */
#include "harness.h"

static PyChannelObject *ch;
static char log_buf[256];
static void logs(const char *s) { strncat(log_buf, s, sizeof log_buf - strlen(log_buf) - 1); }

static PyObject *receiver(PyObject *self, PyObject *args)
{
    int i;
    for (i = 0; i < 3; i++) {
        PyObject *v = PyChannel_Receive(ch);
        char buf[16];
        if (!v) {
            logs(PyErr_ExceptionMatches(PyExc_ValueError) ? "R:ValueError " : "R:error ");
            PyErr_Clear();
            continue;
        }
        snprintf(buf, sizeof buf, "R%ld ", PyLong_AsLong(v));
        logs(buf);
        Py_DECREF(v);
    }
    Py_RETURN_NONE;
}

static PyObject *sender(PyObject *self, PyObject *args)
{
    long i;
    for (i = 1; i <= 3; i++) {
        PyObject *v = PyLong_FromLong(i);
        char buf[16];
        int r;
        snprintf(buf, sizeof buf, "S%ld ", i);
        logs(buf);
        r = i == 2 ? PyChannel_SendException(ch, PyExc_ValueError, v) : PyChannel_Send(ch, v);
        Py_DECREF(v);
        if (r) return NULL;
    }
    logs("S:done ");
    Py_RETURN_NONE;
}

static PyMethodDef receiver_def = {"receiver", receiver, METH_VARARGS, NULL};
static PyMethodDef sender_def = {"sender", sender, METH_VARARGS, NULL};

/* Start receiver and sender (in the given order) as native tasklets, run them to the end. */
static void run_pair(int receiver_first, int preference)
{
    PyObject *rf = PyCFunction_New(&receiver_def, NULL), *sf = PyCFunction_New(&sender_def, NULL);
    ch = PyChannel_New(NULL);
    log_buf[0] = 0;
    h_run_channel_pair(rf, sf, ch, receiver_first, preference);
    Py_DECREF(rf); Py_DECREF(sf); Py_DECREF(ch);
}

#define INSIDE(name) static PyObject *name##_body(PyObject *s, PyObject *a); \
    static void name(void) { static PyMethodDef d = {#name, name##_body, METH_NOARGS, NULL}; \
        PyObject *r = PyStackless_CallCMethod_Main(&d, NULL, NULL); CHECK(r == Py_None); Py_XDECREF(r); } \
    static PyObject *name##_body(PyObject *s, PyObject *a)

/* The receiver waits first: each send goes to a waiting receiver (preference -1: it runs at
 * once), so the log alternates; the exception arrives as ValueError. */
INSIDE(test_send_to_waiting_receiver)
{
    run_pair(1, -1);
    CHECK(strcmp(log_buf, "S1 R1 S2 R:ValueError S3 R3 S:done ") == 0);
    if (strcmp(log_buf, "S1 R1 S2 R:ValueError S3 R3 S:done ") != 0) fprintf(stderr, "  log: %s\n", log_buf);
    Py_RETURN_NONE;
}

/* The sender comes first and blocks; the receiver then takes from a waiting sender and
 * continues (preference -1 and 0 alike), the sender resuming later. With preference -1 a
 * later send to the waiting receiver switches to it; with 0 the sender keeps running. */
INSIDE(test_receive_from_waiting_sender)
{
    static const char *expected[2] = {
        "S1 R1 S2 R:ValueError S3 R3 S:done ",   /* preference -1 */
        "S1 R1 S2 S3 R:ValueError R3 S:done ",   /* preference 0 */
    };
    int pref;
    for (pref = -1; pref <= 0; pref++) {
        run_pair(0, pref);
        CHECK(strcmp(log_buf, expected[pref + 1]) == 0);
        if (strcmp(log_buf, expected[pref + 1]) != 0)
            fprintf(stderr, "  preference %d log: %s\n", pref, log_buf);
    }
    Py_RETURN_NONE;
}

int main(void)
{
    TEST(test_send_to_waiting_receiver);
    TEST(test_receive_from_waiting_sender);
    return TEST_SUMMARY();
}
