/* stackless/boolobject.h - True and False (immortal instances of bool, a subclass of int). */
#ifndef STACKLESS_BOOLOBJECT_H
#define STACKLESS_BOOLOBJECT_H

#include "object.h"
#include "longobject.h"

#ifdef __cplusplus
extern "C" {
#endif

PyAPI_DATA(PyTypeObject) PyBool_Type;
PyAPI_DATA(PyLongObject) _Py_FalseStruct;
PyAPI_DATA(PyLongObject) _Py_TrueStruct;

#define Py_False ((PyObject *)&_Py_FalseStruct)
#define Py_True ((PyObject *)&_Py_TrueStruct)
#define Py_RETURN_TRUE return Py_NewRef(Py_True)
#define Py_RETURN_FALSE return Py_NewRef(Py_False)
#define Py_IsTrue(x) ((PyObject *)(x) == Py_True)
#define Py_IsFalse(x) ((PyObject *)(x) == Py_False)
#define PyBool_Check(op) Py_IS_TYPE(op, &PyBool_Type)

PyAPI_FUNC(PyObject *) PyBool_FromLong(long v);

#ifdef __cplusplus
}
#endif
#endif
