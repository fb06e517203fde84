/* stackless/object.h - the emulated CPython object model (layout of PyObject and PyTypeObject).
 *
 * Part of the Python.h emulation (NODE.md section 5). Only the fields that ported Stackless
 * extension code and the core actually use exist; their names match CPython's so that
 * designated initialisers such as `.tp_name = "x"` port unchanged. */
#ifndef STACKLESS_OBJECT_H
#define STACKLESS_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define SLP_EXPORT __declspec(dllexport)
#else
#  define SLP_EXPORT __attribute__((visibility("default")))
#endif
#define PyAPI_FUNC(RTYPE) SLP_EXPORT RTYPE
#define PyAPI_DATA(RTYPE) extern SLP_EXPORT RTYPE

typedef ssize_t Py_ssize_t;
typedef Py_ssize_t Py_hash_t;
#define PY_SSIZE_T_MAX ((Py_ssize_t)(((size_t)-1) >> 1))
#define PY_SSIZE_T_MIN (-PY_SSIZE_T_MAX - 1)

struct _typeobject;

/* Every object starts with this header. Reference counts are not atomic: like CPython with its
 * GIL, an object belongs to one thread's scheduler at a time. */
typedef struct _object {
    Py_ssize_t ob_refcnt;
    struct _typeobject *ob_type;
} PyObject;

typedef struct {
    PyObject ob_base;
    Py_ssize_t ob_size;
} PyVarObject;

#define PyObject_HEAD PyObject ob_base;
#define PyObject_VAR_HEAD PyVarObject ob_base;
/* Immortal static objects start with a huge count so that stray DECREFs never free them. */
#define _Py_IMMORTAL_REFCNT ((Py_ssize_t)1 << 40)
#define PyObject_HEAD_INIT(type) { _Py_IMMORTAL_REFCNT, (type) },
#define PyVarObject_HEAD_INIT(type, size) { PyObject_HEAD_INIT(type) (size) },

#define _PyObject_CAST(op) ((PyObject *)(op))
#define Py_TYPE(op) (_PyObject_CAST(op)->ob_type)
#define Py_REFCNT(op) (_PyObject_CAST(op)->ob_refcnt)
#define Py_SIZE(op) (((PyVarObject *)(op))->ob_size)
#define Py_SET_TYPE(op, t) (Py_TYPE(op) = (t))
#define Py_SET_REFCNT(op, n) (Py_REFCNT(op) = (n))
#define Py_IS_TYPE(op, t) (Py_TYPE(op) == (t))
#define Py_Is(x, y) ((x) == (y))

typedef void (*destructor)(PyObject *);
typedef void (*freefunc)(void *);
typedef PyObject *(*reprfunc)(PyObject *);
typedef PyObject *(*ternaryfunc)(PyObject *, PyObject *, PyObject *);
typedef PyObject *(*getattrofunc)(PyObject *, PyObject *);
typedef int (*initproc)(PyObject *, PyObject *, PyObject *);
typedef PyObject *(*newfunc)(struct _typeobject *, PyObject *, PyObject *);
typedef PyObject *(*PyCFunction)(PyObject *, PyObject *);
typedef PyObject *(*PyCFunctionWithKeywords)(PyObject *, PyObject *, PyObject *);

typedef struct PyMethodDef {
    const char *ml_name;
    PyCFunction ml_meth;
    int ml_flags;
    const char *ml_doc;
} PyMethodDef;

#define METH_VARARGS  0x0001
#define METH_KEYWORDS 0x0002
#define METH_NOARGS   0x0004
#define METH_O        0x0008
/* METH_STACKLESS is 0 because STACKLESS is never defined (C-API.md section 2). */
#define METH_STACKLESS 0

typedef struct _typeobject {
    PyVarObject ob_base;
    const char *tp_name;
    Py_ssize_t tp_basicsize;
    Py_ssize_t tp_itemsize;
    destructor tp_dealloc;
    reprfunc tp_repr;
    ternaryfunc tp_call;
    reprfunc tp_str;
    getattrofunc tp_getattro;
    unsigned long tp_flags;
    const char *tp_doc;
    PyMethodDef *tp_methods;
    struct _typeobject *tp_base;
    PyObject *tp_dict;
    initproc tp_init;
    newfunc tp_new;
    freefunc tp_free;
} PyTypeObject;

/* Type flags (values as in CPython where they exist there). */
#define Py_TPFLAGS_HEAPTYPE          (1UL << 9)
#define Py_TPFLAGS_BASETYPE          (1UL << 10)
#define Py_TPFLAGS_READY             (1UL << 12)
#define Py_TPFLAGS_HAVE_STACKLESS_CALL 0   /* STACKLESS is not defined: no soft-switch protocol */
#define Py_TPFLAGS_HAVE_STACKLESS_EXTENSION 0
#define Py_TPFLAGS_LONG_SUBCLASS     (1UL << 24)
#define Py_TPFLAGS_TUPLE_SUBCLASS    (1UL << 26)
#define Py_TPFLAGS_UNICODE_SUBCLASS  (1UL << 28)
#define Py_TPFLAGS_DICT_SUBCLASS     (1UL << 29)
#define Py_TPFLAGS_BASE_EXC_SUBCLASS (1UL << 30)
#define Py_TPFLAGS_TYPE_SUBCLASS     (1UL << 31)
#define Py_TPFLAGS_DEFAULT 0
/* stackless extension: calling objects of this type must happen on the thread's host
 * (scheduler) stack, never on a native tasklet's stack (JS functions in Node). A tasklet bound
 * to such a callable is a hosted tasklet (NODE.md section 2). */
#define Py_TPFLAGS_SLP_HOSTED_CALL   (1UL << 8)

PyAPI_DATA(PyTypeObject) PyType_Type;
PyAPI_DATA(PyTypeObject) PyBaseObject_Type;

PyAPI_FUNC(void) _Py_Dealloc(PyObject *op);

static inline void Py_INCREF(PyObject *op) { op->ob_refcnt++; }
static inline void Py_DECREF(PyObject *op) {
    if (--op->ob_refcnt == 0) _Py_Dealloc(op);
}
#define Py_INCREF(op) Py_INCREF(_PyObject_CAST(op))
#define Py_DECREF(op) Py_DECREF(_PyObject_CAST(op))
#define Py_XINCREF(op) do { PyObject *_py_tmp = _PyObject_CAST(op); if (_py_tmp) Py_INCREF(_py_tmp); } while (0)
#define Py_XDECREF(op) do { PyObject *_py_tmp = _PyObject_CAST(op); if (_py_tmp) Py_DECREF(_py_tmp); } while (0)
#define Py_CLEAR(op) do { PyObject *_py_tmp = _PyObject_CAST(op); if (_py_tmp) { (op) = NULL; Py_DECREF(_py_tmp); } } while (0)
#define Py_SETREF(op, op2) do { PyObject *_py_old = _PyObject_CAST(op); (op) = (op2); Py_DECREF(_py_old); } while (0)
#define Py_XSETREF(op, op2) do { PyObject *_py_old = _PyObject_CAST(op); (op) = (op2); Py_XDECREF(_py_old); } while (0)
static inline PyObject *Py_NewRef(PyObject *o) { Py_INCREF(o); return o; }
static inline PyObject *Py_XNewRef(PyObject *o) { Py_XINCREF(o); return o; }

PyAPI_DATA(PyObject) _Py_NoneStruct;
#define Py_None (&_Py_NoneStruct)
#define Py_RETURN_NONE return Py_NewRef(Py_None)
#define Py_IsNone(x) ((x) == Py_None)

PyAPI_FUNC(int) PyType_Ready(PyTypeObject *type);
PyAPI_FUNC(int) PyType_IsSubtype(PyTypeObject *a, PyTypeObject *b);
#define PyObject_TypeCheck(ob, tp) (Py_IS_TYPE(ob, tp) || PyType_IsSubtype(Py_TYPE(ob), (tp)))
#define PyType_Check(op) PyObject_TypeCheck(op, &PyType_Type)
#define PyType_CheckExact(op) Py_IS_TYPE(op, &PyType_Type)
#define PyType_HasFeature(t, f) (((t)->tp_flags & (f)) != 0)
#define PyType_FastSubclass(t, f) PyType_HasFeature(t, f)

PyAPI_FUNC(PyObject *) PyType_GenericAlloc(PyTypeObject *type, Py_ssize_t nitems);
PyAPI_FUNC(PyObject *) PyType_GenericNew(PyTypeObject *type, PyObject *args, PyObject *kwds);
PyAPI_FUNC(PyObject *) _PyObject_New(PyTypeObject *type);
#define PyObject_New(type, typeobj) ((type *)_PyObject_New(typeobj))
PyAPI_FUNC(void) PyObject_Free(void *p);
PyAPI_FUNC(void *) PyObject_Malloc(size_t n);
PyAPI_FUNC(void *) PyMem_Malloc(size_t n);
PyAPI_FUNC(void *) PyMem_Calloc(size_t n, size_t size);
PyAPI_FUNC(void *) PyMem_Realloc(void *p, size_t n);
PyAPI_FUNC(void) PyMem_Free(void *p);
#define PyObject_Del PyObject_Free
#define PyObject_DEL PyObject_Free

PyAPI_FUNC(PyObject *) PyObject_Repr(PyObject *o);
PyAPI_FUNC(PyObject *) PyObject_Str(PyObject *o);
PyAPI_FUNC(int) PyObject_IsTrue(PyObject *o);
PyAPI_FUNC(int) PyObject_IsInstance(PyObject *inst, PyObject *cls);
PyAPI_FUNC(int) PyObject_IsSubclass(PyObject *derived, PyObject *cls);
PyAPI_FUNC(int) PyCallable_Check(PyObject *o);
PyAPI_FUNC(PyObject *) PyObject_GetAttrString(PyObject *o, const char *name);
PyAPI_FUNC(int) PyObject_HasAttrString(PyObject *o, const char *name);
PyAPI_FUNC(int) PyObject_SetAttrString(PyObject *o, const char *name, PyObject *v);
PyAPI_FUNC(PyObject *) PyObject_GenericGetAttr(PyObject *o, PyObject *name);

#ifdef __cplusplus
}
#endif
#endif
