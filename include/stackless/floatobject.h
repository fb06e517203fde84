/* stackless/floatobject.h - float objects (C double). */
#ifndef STACKLESS_FLOATOBJECT_H
#define STACKLESS_FLOATOBJECT_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    PyObject_HEAD
    double ob_fval;
} PyFloatObject;

PyAPI_DATA(PyTypeObject) PyFloat_Type;

#define PyFloat_Check(op) PyObject_TypeCheck(op, &PyFloat_Type)
#define PyFloat_CheckExact(op) Py_IS_TYPE(op, &PyFloat_Type)
#define PyFloat_AS_DOUBLE(op) (((PyFloatObject *)(op))->ob_fval)

PyAPI_FUNC(PyObject *) PyFloat_FromDouble(double v);
/* float -> its value; int -> converted; anything else: TypeError "must be real number, not X",
 * returns -1.0. */
PyAPI_FUNC(double) PyFloat_AsDouble(PyObject *o);

#ifdef __cplusplus
}
#endif
#endif
