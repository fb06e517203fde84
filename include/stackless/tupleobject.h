/* stackless/tupleobject.h - tuple objects. */
#ifndef STACKLESS_TUPLEOBJECT_H
#define STACKLESS_TUPLEOBJECT_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    PyObject_VAR_HEAD
    PyObject *ob_item[1];   /* ob_size items (trailing array, as in CPython) */
} PyTupleObject;

PyAPI_DATA(PyTypeObject) PyTuple_Type;

#define PyTuple_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_TUPLE_SUBCLASS)
#define PyTuple_CheckExact(op) Py_IS_TYPE(op, &PyTuple_Type)

/* New tuple with n NULL slots (fill them with PyTuple_SET_ITEM / PyTuple_SetItem). */
PyAPI_FUNC(PyObject *) PyTuple_New(Py_ssize_t n);
PyAPI_FUNC(PyObject *) PyTuple_Pack(Py_ssize_t n, ...);
/* borrowed; IndexError "tuple index out of range" */
PyAPI_FUNC(PyObject *) PyTuple_GetItem(PyObject *t, Py_ssize_t i);
/* steals o (even on failure); only for tuples nobody else references (refcount 1) */
PyAPI_FUNC(int) PyTuple_SetItem(PyObject *t, Py_ssize_t i, PyObject *o);
PyAPI_FUNC(Py_ssize_t) PyTuple_Size(PyObject *t);
PyAPI_FUNC(PyObject *) PyTuple_GetSlice(PyObject *t, Py_ssize_t low, Py_ssize_t high);

#define _PyTuple_CAST(op) ((PyTupleObject *)(op))
#define PyTuple_GET_SIZE(op) Py_SIZE(op)
#define PyTuple_GET_ITEM(op, i) (_PyTuple_CAST(op)->ob_item[i])
#define PyTuple_SET_ITEM(op, i, v) ((void)(_PyTuple_CAST(op)->ob_item[i] = (v)))
#define PyTuple_ITEMS(op) (_PyTuple_CAST(op)->ob_item)

#ifdef __cplusplus
}
#endif
#endif
