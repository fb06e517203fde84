/* unwind.c - the Py_UnwindToken singleton and the internal types the header names
 * (cframe, cstack) that have no behaviour in this implementation. */
#include "slp_internal.h"

static PyObject *unwind_repr(PyObject *o) { return PyUnicode_FromString("UnwindToken"); }

static PyTypeObject PyUnwind_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "UnwindToken",
    .tp_basicsize = sizeof(PyUnwindObject),
    .tp_repr = unwind_repr,
    .tp_str = unwind_repr,
    .tp_base = &PyBaseObject_Type,
};

static PyUnwindObject unwind_token = { { _Py_IMMORTAL_REFCNT, &PyUnwind_Type } };
PyUnwindObject *Py_UnwindToken = &unwind_token;

PyTypeObject PyCFrame_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "_stackless.cframe",
    .tp_basicsize = sizeof(PyCFrameObject),
    .tp_base = &PyBaseObject_Type,
};

PyTypeObject PyCStack_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "_stackless.cstack",
    .tp_basicsize = sizeof(PyCStackObject),
    .tp_base = &PyBaseObject_Type,
};
