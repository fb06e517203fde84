/* stackless/listobject.h - list objects (small subset). */
#ifndef STACKLESS_LISTOBJECT_H
#define STACKLESS_LISTOBJECT_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    PyObject_VAR_HEAD
    PyObject **ob_item;
    Py_ssize_t allocated;
} PyListObject;

PyAPI_DATA(PyTypeObject) PyList_Type;

#define PyList_Check(op) PyObject_TypeCheck(op, &PyList_Type)
#define PyList_CheckExact(op) Py_IS_TYPE(op, &PyList_Type)

/* New list with n NULL slots. */
PyAPI_FUNC(PyObject *) PyList_New(Py_ssize_t n);
PyAPI_FUNC(Py_ssize_t) PyList_Size(PyObject *l);
/* borrowed; IndexError "list index out of range" */
PyAPI_FUNC(PyObject *) PyList_GetItem(PyObject *l, Py_ssize_t i);
/* steals o (even on failure); IndexError "list assignment index out of range" */
PyAPI_FUNC(int) PyList_SetItem(PyObject *l, Py_ssize_t i, PyObject *o);
PyAPI_FUNC(int) PyList_Append(PyObject *l, PyObject *o);
PyAPI_FUNC(int) PyList_Insert(PyObject *l, Py_ssize_t where, PyObject *o);
PyAPI_FUNC(PyObject *) PyList_AsTuple(PyObject *l);
PyAPI_FUNC(PyObject *) PyList_GetSlice(PyObject *l, Py_ssize_t low, Py_ssize_t high);

#define PyList_GET_SIZE(op) Py_SIZE(op)
#define PyList_GET_ITEM(op, i) (((PyListObject *)(op))->ob_item[i])
#define PyList_SET_ITEM(op, i, v) ((void)(((PyListObject *)(op))->ob_item[i] = (v)))

#ifdef __cplusplus
}
#endif
#endif
