/* stackless/objimpl.h - object allocation helpers beyond object.h, and the no-op cycle-GC API.
 *
 * There is no cycle collector: the PyObject_GC_* functions exist so that ported code compiles;
 * GC objects are ordinary objects and reference cycles are never collected. */
#ifndef STACKLESS_OBJIMPL_H
#define STACKLESS_OBJIMPL_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*visitproc)(PyObject *, void *);
typedef int (*traverseproc)(PyObject *, visitproc, void *);
typedef int (*inquiry)(PyObject *);

#define Py_TPFLAGS_HAVE_GC (1UL << 14)
#define Py_TPFLAGS_DEFAULT_CORE Py_TPFLAGS_DEFAULT
#define Py_TPFLAGS_CHECKTYPES 0
#define Py_TPFLAGS_HAVE_VERSION_TAG 0

/* Initialise the header of already allocated memory (refcount 1, type; a heap type gets a
 * reference). */
PyAPI_FUNC(PyObject *) PyObject_Init(PyObject *op, PyTypeObject *type);
PyAPI_FUNC(PyVarObject *) PyObject_InitVar(PyVarObject *op, PyTypeObject *type, Py_ssize_t size);
/* Zeroed object of tp_basicsize + n * tp_itemsize bytes with ob_size == n. */
PyAPI_FUNC(PyVarObject *) _PyObject_NewVar(PyTypeObject *type, Py_ssize_t n);
#define PyObject_NewVar(type, typeobj, n) ((type *)_PyObject_NewVar((typeobj), (n)))
PyAPI_FUNC(void *) PyObject_Calloc(size_t nelem, size_t elsize);
PyAPI_FUNC(void *) PyObject_Realloc(void *p, size_t n);
PyAPI_FUNC(char *) _PyMem_Strdup(const char *s);

/* GC API: no cycle collector exists. */
#define PyObject_GC_New(type, typeobj) ((type *)_PyObject_New(typeobj))
#define PyObject_GC_NewVar(type, typeobj, n) ((type *)_PyObject_NewVar((typeobj), (n)))
PyAPI_FUNC(void) PyObject_GC_Track(void *op);
PyAPI_FUNC(void) PyObject_GC_UnTrack(void *op);
PyAPI_FUNC(void) PyObject_GC_Del(void *op);
PyAPI_FUNC(int) PyObject_GC_IsTracked(PyObject *op);
#define PyObject_IS_GC(op) 0
#define Py_VISIT(op) do { if (op) { int _vret = visit(_PyObject_CAST(op), arg); \
    if (_vret) return _vret; } } while (0)

#ifdef __cplusplus
}
#endif
#endif
