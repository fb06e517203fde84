/* stackless/methodobject.h - built-in functions and methods (PyCFunction objects).
 * PyMethodDef and the METH_VARARGS / KEYWORDS / NOARGS / O flags are in object.h. */
#ifndef STACKLESS_METHODOBJECT_H
#define STACKLESS_METHODOBJECT_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

#define METH_CLASS    0x0010   /* accepted in tables, not supported when calling */
#define METH_STATIC   0x0020   /* self is NULL */
#define METH_COEXIST  0x0040
#define METH_FASTCALL 0x0080   /* (self, PyObject *const *args, Py_ssize_t nargs[, kwnames]) */

typedef PyObject *(*_PyCFunctionFast)(PyObject *, PyObject *const *, Py_ssize_t);
typedef PyObject *(*_PyCFunctionFastWithKeywords)(PyObject *, PyObject *const *, Py_ssize_t, PyObject *);
typedef PyObject *(*PyNoArgsFunction)(PyObject *);
#define _PyCFunction_CAST(func) ((PyCFunction)(void (*)(void))(func))

typedef struct {
    PyObject_HEAD
    PyMethodDef *m_ml;     /* borrowed: the table must outlive the function object */
    PyObject *m_self;      /* NULL or a strong reference: the bound object / the module */
    PyObject *m_module;    /* NULL or a strong reference: usually the module name */
} PyCFunctionObject;

PyAPI_DATA(PyTypeObject) PyCFunction_Type;

#define PyCFunction_Check(op) PyObject_TypeCheck(op, &PyCFunction_Type)
#define PyCFunction_CheckExact(op) Py_IS_TYPE(op, &PyCFunction_Type)

PyAPI_FUNC(PyObject *) PyCFunction_New(PyMethodDef *ml, PyObject *self);
PyAPI_FUNC(PyObject *) PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, PyObject *module);
PyAPI_FUNC(PyCFunction) PyCFunction_GetFunction(PyObject *op);
PyAPI_FUNC(PyObject *) PyCFunction_GetSelf(PyObject *op);
PyAPI_FUNC(int) PyCFunction_GetFlags(PyObject *op);
/* Calls ml->ml_meth as its flags say (args a tuple, kwargs a dict or NULL). Argument count
 * errors are TypeErrors "<name>() takes no arguments (N given)", "<name>() takes exactly one
 * argument (N given)", "<name>() takes no keyword arguments". */
PyAPI_FUNC(PyObject *) PyCFunction_Call(PyObject *func, PyObject *args, PyObject *kwargs);

#define PyCFunction_GET_FUNCTION(op) (((PyCFunctionObject *)(op))->m_ml->ml_meth)
#define PyCFunction_GET_SELF(op) \
    ((((PyCFunctionObject *)(op))->m_ml->ml_flags & METH_STATIC) ? NULL : ((PyCFunctionObject *)(op))->m_self)
#define PyCFunction_GET_FLAGS(op) (((PyCFunctionObject *)(op))->m_ml->ml_flags)

#ifdef __cplusplus
}
#endif
#endif
