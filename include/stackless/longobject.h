/* stackless/longobject.h - int objects.
 *
 * Ints are sign + 64-bit magnitude: the range is -(2**64 - 1) .. 2**64 - 1 (enough for every C
 * integer type). Arithmetic beyond that raises OverflowError. bool is a subclass of int. */
#ifndef STACKLESS_LONGOBJECT_H
#define STACKLESS_LONGOBJECT_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _longobject {
    PyObject_HEAD
    unsigned long long slp_magnitude;
    int slp_negative;            /* 1 if the value is < 0 (never set together with magnitude 0) */
} PyLongObject;

PyAPI_DATA(PyTypeObject) PyLong_Type;

#define PyLong_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_LONG_SUBCLASS)
#define PyLong_CheckExact(op) Py_IS_TYPE(op, &PyLong_Type)

PyAPI_FUNC(PyObject *) PyLong_FromLong(long v);
PyAPI_FUNC(PyObject *) PyLong_FromUnsignedLong(unsigned long v);
PyAPI_FUNC(PyObject *) PyLong_FromLongLong(long long v);
PyAPI_FUNC(PyObject *) PyLong_FromUnsignedLongLong(unsigned long long v);
PyAPI_FUNC(PyObject *) PyLong_FromSsize_t(Py_ssize_t v);
PyAPI_FUNC(PyObject *) PyLong_FromSize_t(size_t v);
PyAPI_FUNC(PyObject *) PyLong_FromDouble(double v);
PyAPI_FUNC(PyObject *) PyLong_FromVoidPtr(void *p);
/* Parses an optional sign and digits in `base` (2..36, or 0 for prefix detection); surrounding
 * whitespace and '_' between digits allowed. *pend (if given) receives the end pointer. */
PyAPI_FUNC(PyObject *) PyLong_FromString(const char *str, char **pend, int base);

/* Non-int arguments raise TypeError "an integer is required"; values out of range raise
 * OverflowError. On error the functions return -1 (or (unsigned)-1, -1.0, NULL). */
PyAPI_FUNC(long) PyLong_AsLong(PyObject *o);
PyAPI_FUNC(long) PyLong_AsLongAndOverflow(PyObject *o, int *overflow);
PyAPI_FUNC(long long) PyLong_AsLongLong(PyObject *o);
PyAPI_FUNC(long long) PyLong_AsLongLongAndOverflow(PyObject *o, int *overflow);
PyAPI_FUNC(Py_ssize_t) PyLong_AsSsize_t(PyObject *o);
PyAPI_FUNC(unsigned long) PyLong_AsUnsignedLong(PyObject *o);
PyAPI_FUNC(unsigned long long) PyLong_AsUnsignedLongLong(PyObject *o);
PyAPI_FUNC(unsigned long) PyLong_AsUnsignedLongMask(PyObject *o);
PyAPI_FUNC(unsigned long long) PyLong_AsUnsignedLongLongMask(PyObject *o);
PyAPI_FUNC(size_t) PyLong_AsSize_t(PyObject *o);
PyAPI_FUNC(double) PyLong_AsDouble(PyObject *o);
PyAPI_FUNC(void *) PyLong_AsVoidPtr(PyObject *o);
#define PyLong_AS_LONG(op) PyLong_AsLong(op)
/* like PyNumber_Index: an int (new reference) or TypeError */
PyAPI_FUNC(PyObject *) PyNumber_Index(PyObject *o);
PyAPI_FUNC(Py_ssize_t) PyNumber_AsSsize_t(PyObject *o, PyObject *exc);

#ifdef __cplusplus
}
#endif
#endif
