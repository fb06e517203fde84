/* watchdog_preemption.c - preempting CPU-bound native tasklets with the watchdog.
 *
 * Three workers crunch numbers and never yield on their own. PyStackless_RunWatchdog(2000)
 * runs the scheduler with a 2,000 microsecond time slice: a worker that runs longer without
 * switching is interrupted at its next call into the C API (here the cheap
 * PyStackless_GetRunCount() in its loop) and run() returns it, paused. The main tasklet puts
 * it back at the end of the queue and calls run() again, so all three make progress in turn.
 *
 *   out/core/example_watchdog_preemption      (after npm run build:core)
 */
#include <stdio.h>
#include "stackless_api.h"

#define WORKERS 3
#define WORK 30000000L

static long progress[WORKERS];

static PyObject *worker(PyObject *self, PyObject *args)
{
    long id = PyLong_AsLong(self), i;
    volatile double x = 0;
    for (i = 0; i < WORK; i++) {
        x += (double)(i % 7) * 0.5;
        if ((i & 1023) == 0) {
            progress[id] = i;
            PyStackless_GetRunCount();   /* an interruption point */
        }
    }
    progress[id] = WORK;
    Py_RETURN_NONE;
}

static PyMethodDef worker_def = {"worker", worker, METH_VARARGS, NULL};

static PyObject *main_tasklet(PyObject *self, PyObject *noargs)
{
    PyObject *empty = PyTuple_New(0);
    int i, slices = 0;
    for (i = 0; i < WORKERS; i++) {
        PyObject *id = PyLong_FromLong(i), *f = PyCFunction_New(&worker_def, id);
        PyTaskletObject *t = PyTasklet_New(NULL, f);
        PyTasklet_Setup(t, empty, NULL);
        Py_DECREF(t); Py_DECREF(f); Py_DECREF(id);
    }
    for (;;) {
        PyObject *victim = PyStackless_RunWatchdog(2000);   /* 2 ms slices */
        if (!victim) break;                                 /* an exception */
        if (victim == Py_None) { Py_DECREF(victim); break; } /* all done */
        slices++;
        if (slices % 10 == 0)
            printf("after %3d slices: worker progress %3ld%% %3ld%% %3ld%%\n", slices,
                   progress[0] * 100 / WORK, progress[1] * 100 / WORK, progress[2] * 100 / WORK);
        PyTasklet_Insert((PyTaskletObject *)victim);        /* continue it later */
        Py_DECREF(victim);
    }
    printf("finished after %d preemptions\n", slices);
    Py_DECREF(empty);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef main_def = {"main", main_tasklet, METH_NOARGS, NULL};

int main(void)
{
    PyObject *r = PyStackless_CallCMethod_Main(&main_def, NULL, NULL);
    if (!r) {
        PyErr_Print();
        return 1;
    }
    Py_DECREF(r);
    return 0;
}
