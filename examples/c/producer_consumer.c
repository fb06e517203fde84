/* producer_consumer.c - native tasklets in plain C, written only against the Stackless C API.
 *
 * Two producers and one consumer share a channel. Each tasklet is an ordinary C function
 * running on its own stack, so the consumer can block several calls deep (in
 * take_item()) without any callback or state machine. The main tasklet runs the scheduler
 * until everybody is done.
 *
 *   npm run demo            (builds the core, then runs this program)
 */
#include <stdio.h>
#include "stackless_api.h"

#define ITEMS_PER_PRODUCER 5

static PyChannelObject *items;

static PyObject *producer(PyObject *self, PyObject *args)
{
    const char *name;
    int i;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    for (i = 1; i <= ITEMS_PER_PRODUCER; i++) {
        PyObject *item = PyUnicode_FromFormat("%s-item-%d", name, i);
        int r;
        printf("  %-10s sends   %s\n", name, PyUnicode_AsUTF8(item));
        r = PyChannel_Send(items, item);   /* blocks until the consumer takes it */
        Py_DECREF(item);
        if (r < 0) return NULL;
    }
    Py_RETURN_NONE;
}

/* Blocking deep in a helper: the whole C stack of the consumer waits here. */
static PyObject *take_item(int depth)
{
    if (depth > 0) return take_item(depth - 1);
    return PyChannel_Receive(items);
}

static PyObject *consumer(PyObject *self, PyObject *args)
{
    int total = 2 * ITEMS_PER_PRODUCER, n;
    for (n = 1; n <= total; n++) {
        PyObject *item = take_item(10);
        if (!item) return NULL;
        printf("  consumer   got     %s (%d of %d)\n", PyUnicode_AsUTF8(item), n, total);
        Py_DECREF(item);
    }
    Py_RETURN_NONE;
}

static PyMethodDef producer_def = {"producer", producer, METH_VARARGS, "sends items"};
static PyMethodDef consumer_def = {"consumer", consumer, METH_VARARGS, "receives items"};

static int start(PyMethodDef *def, PyObject *args)
{
    PyObject *func = PyCFunction_New(def, NULL);
    PyTaskletObject *t = func ? PyTasklet_New(NULL, func) : NULL;
    int r = t ? PyTasklet_Setup(t, args, NULL) : -1;   /* the run queue keeps it alive */
    Py_XDECREF(func);
    Py_XDECREF(t);
    return r;
}

/* Runs as the thread's main tasklet (see PyStackless_CallCMethod_Main below). */
static PyObject *main_tasklet(PyObject *self, PyObject *noargs)
{
    PyObject *empty = PyTuple_New(0), *a = Py_BuildValue("(s)", "alpha"),
             *b = Py_BuildValue("(s)", "beta"), *r = NULL;
    items = PyChannel_New(NULL);
    if (start(&consumer_def, empty) == 0 && start(&producer_def, a) == 0 &&
        start(&producer_def, b) == 0) {
        printf("run queue holds %d tasklets; running them\n", PyStackless_GetRunCount());
        r = PyStackless_RunWatchdog(0);   /* returns when nothing is runnable any more */
    }
    Py_XDECREF(empty); Py_XDECREF(a); Py_XDECREF(b); Py_XDECREF(items);
    return r;
}

static PyMethodDef main_def = {"main", main_tasklet, METH_NOARGS, NULL};

int main(void)
{
    PyObject *r;
    printf("stackless native tasklets demo\n");
    r = PyStackless_CallCMethod_Main(&main_def, NULL, NULL);
    if (!r) {
        PyErr_Print();
        return 1;
    }
    Py_DECREF(r);
    printf("done: every item was produced and consumed\n");
    return 0;
}
