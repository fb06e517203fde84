/* callbacks.c - schedule and channel callbacks (API.md 6, C-API.md 6). Per thread: in Node
 * every thread is its own interpreter, so a callback belongs to the thread that set it. */
#include "slp_internal.h"
#include <stdio.h>

/* Report the pending exception of a failed callback and clear it (sys.unraisablehook). */
static void slp_report_unraisable(const char *context)
{
    PyObject *type, *value, *tb, *s;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    s = value ? PyObject_Str(value) : NULL;
    fprintf(stderr, "stackless: %s: %s: %s\n", context,
            type ? ((PyTypeObject *)type)->tp_name : "?", s ? PyUnicode_AsUTF8(s) : "");
    Py_XDECREF(s);
    PyErr_Clear();
    Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(tb);
}

void slp_call_schedule_callback_slow(slp_thread *ts, PyTaskletObject *prev, PyTaskletObject *next)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);   /* a pending exception survives the callback */
    ts->in_callback++;
    slp_update_fast(ts);
    if (ts->schedule_fastcb) {
        if (ts->schedule_fastcb(prev, next)) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "schedule callback failed");
            slp_report_unraisable("Error in scheduling callback");
        }
    } else {
        PyObject *r = PyObject_CallFunctionObjArgs(ts->schedule_cb,
                                                   prev ? (PyObject *)prev : Py_None,
                                                   next ? (PyObject *)next : Py_None, NULL);
        if (r) Py_DECREF(r);
        else slp_report_unraisable("Error in scheduling callback");
    }
    ts->in_callback--;
    slp_update_fast(ts);
    PyErr_Restore(type, value, tb);
}

void slp_call_channel_callback(slp_thread *ts, PyChannelObject *ch, PyTaskletObject *t,
                               int sending, int willblock)
{
    PyObject *type, *value, *tb, *s, *w, *r;
    if (!ts->channel_cb) return;
    PyErr_Fetch(&type, &value, &tb);
    ts->in_callback++;
    slp_update_fast(ts);
    s = PyLong_FromLong(sending);
    w = PyLong_FromLong(willblock);
    r = (s && w) ? PyObject_CallFunctionObjArgs(ts->channel_cb, (PyObject *)ch, (PyObject *)t, s, w, NULL)
                 : NULL;
    Py_XDECREF(s);
    Py_XDECREF(w);
    if (r) Py_DECREF(r);
    else slp_report_unraisable("Error in channel callback");
    ts->in_callback--;
    slp_update_fast(ts);
    PyErr_Restore(type, value, tb);
}

static int slp_set_callback(PyObject **slot, PyObject *callable, const char *msg)
{
    if (callable == Py_None) callable = NULL;
    if (callable && !PyCallable_Check(callable)) SLP_RETURN_ERR(PyExc_TypeError, msg, -1);
    Py_XINCREF(callable);
    Py_XSETREF(*slot, callable);
    return 0;
}

int PyStackless_SetChannelCallback(PyObject *callable)
{
    slp_thread *ts = slp_thread_get();
    int r = slp_set_callback(&ts->channel_cb, callable, "channel callback must be callable");
    slp_update_fast(ts);
    return r;
}

int PyStackless_SetScheduleCallback(PyObject *callable)
{
    slp_thread *ts = slp_thread_get();
    if (slp_set_callback(&ts->schedule_cb, callable, "schedule callback must be callable")) return -1;
    ts->schedule_fastcb = NULL;   /* the two share one slot: the last setter wins */
    slp_update_fast(ts);
    return 0;
}

void PyStackless_SetScheduleFastcallback(slp_schedule_hook_func func)
{
    slp_thread *ts = slp_thread_get();
    ts->schedule_fastcb = func;
    Py_CLEAR(ts->schedule_cb);
    slp_update_fast(ts);
}
