/* outside.c - the "outside" interface (C-API.md 9): running a function as the thread's main
 * tasklet, and the temporary main that switching functions use when called from outside. */
#include "slp_internal.h"
#include <stdarg.h>

int slp_enter_temp_main(slp_thread *ts)
{
    if (ts->main) return 0;
    if (!slp_create_main(ts)) {
        fprintf(stderr, "stackless: fatal: cannot create the main tasklet\n");
        abort();
    }
    slp_call_schedule_callback(ts, NULL, ts->main);
    return 1;
}

void slp_leave_temp_main(slp_thread *ts)
{
    PyTaskletObject *m = ts->main;
    slp_call_schedule_callback(ts, m, NULL);
    if (m->in_runq) {
        slp_runq_unlink(ts, m);
        Py_DECREF(m);
    }
    m->exec = SLP_EXEC_NONE;
    ts->main = NULL;
    slp_update_fast(ts);
    Py_DECREF(m);
}

PyObject *PyStackless_Call_Main(PyObject *func, PyObject *args, PyObject *kwds)
{
    slp_thread *ts = slp_thread_get();
    PyObject *r;
    if (ts->main) SLP_RETURN_ERR(PyExc_RuntimeError, "Call_Main cannot run within a main tasklet", NULL);
    if (!func) SLP_RETURN_ERR(PyExc_SystemError, "bad argument to internal function", NULL);
    if (args && !PyTuple_Check(args)) SLP_RETURN_ERR(PyExc_TypeError, "Call_Main: args must be a tuple", NULL);
    slp_enter_temp_main(ts);
    if (args) r = PyObject_Call(func, args, kwds);
    else {
        PyObject *empty = PyTuple_New(0);
        r = empty ? PyObject_Call(func, empty, kwds) : NULL;
        Py_XDECREF(empty);
    }
    slp_leave_temp_main(ts);
    return r;
}

/* Build an argument tuple from a Py_BuildValue format (NULL or "" means no arguments). */
static PyObject *slp_build_args(const char *format, va_list va)
{
    PyObject *v;
    if (!format || !*format) return PyTuple_New(0);
    v = Py_VaBuildValue(format, va);
    if (!v || PyTuple_Check(v)) return v;
    {
        PyObject *t = PyTuple_Pack(1, v);
        Py_DECREF(v);
        return t;
    }
}

/* Call_Main(func, args built from format/va); steals func. */
static PyObject *slp_call_main_va(PyObject *func, const char *format, va_list va)
{
    PyObject *args = slp_build_args(format, va), *r;
    if (!args) {
        Py_DECREF(func);
        return NULL;
    }
    r = PyStackless_Call_Main(func, args, NULL);
    Py_DECREF(func);
    Py_DECREF(args);
    return r;
}

PyObject *PyStackless_CallMethod_Main(PyObject *o, const char *name, const char *format, ...)
{
    PyObject *func, *r;
    va_list va;
    if (!o) SLP_RETURN_ERR(PyExc_SystemError, "PyStackless_CallMethod_Main: object is NULL", NULL);
    if (name) {
        func = PyObject_GetAttrString(o, name);
        if (!func) {
            PyErr_Clear();
            SLP_RETURN_ERR(PyExc_AttributeError, name, NULL);
        }
    } else {
        func = Py_NewRef(o);
    }
    if (!PyCallable_Check(func)) {
        Py_DECREF(func);
        SLP_RETURN_ERR(PyExc_TypeError, "call of non-callable attribute", NULL);
    }
    va_start(va, format);
    r = slp_call_main_va(func, format, va);
    va_end(va);
    return r;
}

PyObject *PyStackless_CallCMethod_Main(PyMethodDef *meth, PyObject *self, const char *format, ...)
{
    PyObject *func, *r;
    va_list va;
    if (!meth) SLP_RETURN_ERR(PyExc_SystemError, "PyStackless_CallCMethod_Main: method is NULL", NULL);
    func = PyCFunction_New(meth, self);
    if (!func) return NULL;
    va_start(va, format);
    r = slp_call_main_va(func, format, va);
    va_end(va);
    return r;
}
