/* object.c - the emulated object model: memory, type objects (type, object, NoneType,
 * traceback), PyType_Ready, allocation, repr/str/truth, isinstance, attributes, comparison and
 * hashing (NODE.md section 5). */
#include "stackless/pycore.h"

#include <pthread.h>
#include <stdint.h>

/* ---- memory -------------------------------------------------------------------------------- */

void *PyObject_Malloc(size_t n) { return malloc(n ? n : 1); }
void *PyObject_Calloc(size_t nelem, size_t elsize) {
    if (nelem == 0 || elsize == 0) nelem = elsize = 1;
    return calloc(nelem, elsize);
}
void *PyObject_Realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
void PyObject_Free(void *p) { free(p); }
void *PyMem_Malloc(size_t n) { return malloc(n ? n : 1); }
void *PyMem_Calloc(size_t n, size_t size) {
    if (n == 0 || size == 0) n = size = 1;
    return calloc(n, size);
}
void *PyMem_Realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
void PyMem_Free(void *p) { free(p); }
char *_PyMem_Strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = (char *)PyMem_Malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void PyObject_GC_Track(void *op) { (void)op; }
void PyObject_GC_UnTrack(void *op) { (void)op; }
void PyObject_GC_Del(void *op) { PyObject_Free(op); }
int PyObject_GC_IsTracked(PyObject *op) { (void)op; return 0; }

/* ---- byte buffer ---------------------------------------------------------------------------- */

int _PySlp_BufReserve(_PySlp_Buf *b, size_t extra) {
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->len + extra + 1) ncap *= 2;
    char *nd = (char *)PyMem_Realloc(b->data, ncap);
    if (!nd) {
        b->failed = 1;
        PyErr_NoMemory();
        return -1;
    }
    b->data = nd;
    b->cap = ncap;
    return 0;
}

int _PySlp_BufAppend(_PySlp_Buf *b, const char *s, size_t n) {
    if (_PySlp_BufReserve(b, n) < 0) return -1;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int _PySlp_BufAppendStr(_PySlp_Buf *b, const char *s) { return _PySlp_BufAppend(b, s, strlen(s)); }

int _PySlp_BufPrintf(_PySlp_Buf *b, const char *fmt, ...) {
    char small[128];
    va_list va;
    va_start(va, fmt);
    int n = vsnprintf(small, sizeof small, fmt, va);
    va_end(va);
    if (n < 0) return -1;
    if ((size_t)n < sizeof small) return _PySlp_BufAppend(b, small, (size_t)n);
    if (_PySlp_BufReserve(b, (size_t)n) < 0) return -1;
    va_start(va, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, va);
    va_end(va);
    b->len += (size_t)n;
    return 0;
}

int _PySlp_BufAppendObj(_PySlp_Buf *b, PyObject *o, int use_repr) {
    PyObject *s = use_repr ? PyObject_Repr(o) : PyObject_Str(o);
    if (!s) return -1;
    Py_ssize_t n;
    const char *d = _PySlp_UnicodeData(s, &n);
    int r = _PySlp_BufAppend(b, d, (size_t)n);
    Py_DECREF(s);
    return r;
}

void _PySlp_BufFree(_PySlp_Buf *b) {
    PyMem_Free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

PyObject *_PySlp_BufToUnicode(_PySlp_Buf *b) {
    PyObject *r = NULL;
    if (!b->failed) r = _PySlp_UnicodeFromTrusted(b->data ? b->data : "", (Py_ssize_t)b->len);
    _PySlp_BufFree(b);
    return r;
}

/* ---- deallocation --------------------------------------------------------------------------- */

void _PySlp_ObjectDealloc(PyObject *op) {
    freefunc f = Py_TYPE(op)->tp_free;
    (f ? f : PyObject_Free)(op);
}

void _Py_Dealloc(PyObject *op) {
    PyTypeObject *tp = Py_TYPE(op);
    destructor d = tp->tp_dealloc ? tp->tp_dealloc : _PySlp_ObjectDealloc;
    d(op);
    /* instances of heap types own a reference to their type (taken at allocation) */
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) Py_DECREF(tp);
}

/* ---- PyType_Ready --------------------------------------------------------------------------- */

static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;

#define INHERITED_FLAGS (Py_TPFLAGS_LONG_SUBCLASS | Py_TPFLAGS_TUPLE_SUBCLASS | \
    Py_TPFLAGS_UNICODE_SUBCLASS | Py_TPFLAGS_DICT_SUBCLASS | Py_TPFLAGS_BASE_EXC_SUBCLASS | \
    Py_TPFLAGS_TYPE_SUBCLASS)

static int is_ready(PyTypeObject *t) {
    return (__atomic_load_n(&t->tp_flags, __ATOMIC_ACQUIRE) & Py_TPFLAGS_READY) != 0;
}

static int type_ready_locked(PyTypeObject *type, int depth) {
    if (type->tp_flags & Py_TPFLAGS_READY) return 0;
    if (depth > 100) {
        PyErr_SetString(PyExc_SystemError, "PyType_Ready: base class chain too long or cyclic");
        return -1;
    }
    if (Py_TYPE(type) == NULL) Py_SET_TYPE(type, &PyType_Type);
    if (Py_REFCNT(type) <= 0 && !(type->tp_flags & Py_TPFLAGS_HEAPTYPE))
        Py_SET_REFCNT(type, _Py_IMMORTAL_REFCNT);
    if (type->tp_name == NULL) {
        PyErr_SetString(PyExc_SystemError, "Type does not define the tp_name field.");
        return -1;
    }
    PyTypeObject *base = type->tp_base;
    if (base == NULL && type != &PyBaseObject_Type) base = type->tp_base = &PyBaseObject_Type;
    if (base) {
        if (type_ready_locked(base, depth + 1) < 0) return -1;
        int call_inherited = type->tp_call == NULL;
#define INHERIT(slot) if (type->slot == NULL) type->slot = base->slot
        INHERIT(tp_dealloc);
        INHERIT(tp_call);
        INHERIT(tp_repr);
        INHERIT(tp_str);
        INHERIT(tp_getattro);
        INHERIT(tp_init);
        INHERIT(tp_new);
        INHERIT(tp_free);
#undef INHERIT
        if (type->tp_basicsize == 0) type->tp_basicsize = base->tp_basicsize;
        if (type->tp_itemsize == 0) type->tp_itemsize = base->tp_itemsize;
        type->tp_flags |= base->tp_flags & INHERITED_FLAGS;
        if (call_inherited) type->tp_flags |= base->tp_flags & Py_TPFLAGS_SLP_HOSTED_CALL;
        if (type->tp_basicsize < base->tp_basicsize) {
            PyErr_Format(PyExc_TypeError, "type '%s': tp_basicsize smaller than its base '%s'",
                         type->tp_name, base->tp_name);
            return -1;
        }
    }
    if (type->tp_basicsize == 0) type->tp_basicsize = sizeof(PyObject);
    __atomic_store_n(&type->tp_flags, type->tp_flags | Py_TPFLAGS_READY, __ATOMIC_RELEASE);
    return 0;
}

int PyType_Ready(PyTypeObject *type) {
    if (type == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    if (is_ready(type)) return 0;
    pthread_mutex_lock(&ready_lock);
    int r = type_ready_locked(type, 0);
    pthread_mutex_unlock(&ready_lock);
    return r;
}

int PyType_IsSubtype(PyTypeObject *a, PyTypeObject *b) {
    for (PyTypeObject *t = a; t; t = t->tp_base)
        if (t == b) return 1;
    /* an unready type without tp_base still derives from object */
    return b == &PyBaseObject_Type;
}

/* ---- allocation ----------------------------------------------------------------------------- */

static int ensure_ready(PyTypeObject *type) { return is_ready(type) ? 0 : PyType_Ready(type); }

PyObject *PyObject_Init(PyObject *op, PyTypeObject *type) {
    if (op == NULL) return PyErr_NoMemory();
    Py_SET_TYPE(op, type);
    Py_SET_REFCNT(op, 1);
    if (type->tp_flags & Py_TPFLAGS_HEAPTYPE) Py_INCREF(type);
    return op;
}

PyVarObject *PyObject_InitVar(PyVarObject *op, PyTypeObject *type, Py_ssize_t size) {
    if (op == NULL) return (PyVarObject *)PyErr_NoMemory();
    PyObject_Init((PyObject *)op, type);
    op->ob_size = size;
    return op;
}

PyObject *PyType_GenericAlloc(PyTypeObject *type, Py_ssize_t nitems) {
    if (ensure_ready(type) < 0) return NULL;
    if (nitems < 0 || (type->tp_itemsize && nitems > (PY_SSIZE_T_MAX - type->tp_basicsize) / type->tp_itemsize - 1))
        return PyErr_NoMemory();
    /* like CPython: one extra item for variable-size objects */
    size_t size = (size_t)type->tp_basicsize + (size_t)(type->tp_itemsize ? nitems + 1 : 0) * (size_t)type->tp_itemsize;
    PyObject *op = (PyObject *)PyObject_Calloc(1, size);
    if (!op) return PyErr_NoMemory();
    PyObject_Init(op, type);
    if (type->tp_itemsize) Py_SIZE(op) = nitems;
    return op;
}

PyObject *PyType_GenericNew(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    (void)args; (void)kwds;
    return PyType_GenericAlloc(type, 0);
}

PyObject *_PyObject_New(PyTypeObject *type) {
    if (ensure_ready(type) < 0) return NULL;
    PyObject *op = (PyObject *)PyObject_Calloc(1, (size_t)type->tp_basicsize);
    if (!op) return PyErr_NoMemory();
    return PyObject_Init(op, type);
}

PyVarObject *_PyObject_NewVar(PyTypeObject *type, Py_ssize_t n) {
    if (ensure_ready(type) < 0) return NULL;
    if (n < 0 || (type->tp_itemsize && n > (PY_SSIZE_T_MAX - type->tp_basicsize) / type->tp_itemsize))
        return (PyVarObject *)PyErr_NoMemory();
    size_t size = (size_t)type->tp_basicsize + (size_t)n * (size_t)type->tp_itemsize;
    PyVarObject *op = (PyVarObject *)PyObject_Calloc(1, size);
    if (!op) return (PyVarObject *)PyErr_NoMemory();
    return PyObject_InitVar(op, type, n);
}

/* ---- object --------------------------------------------------------------------------------- */

static PyObject *object_repr(PyObject *self) {
    return PyUnicode_FromFormat("<%s object at %p>", Py_TYPE(self)->tp_name, (void *)self);
}

static PyObject *object_str(PyObject *self) { return PyObject_Repr(self); }

static int excess_args(PyObject *args, PyObject *kwds) {
    return (args && PyTuple_Check(args) && PyTuple_GET_SIZE(args)) || (kwds && PyDict_Check(kwds) && PyDict_Size(kwds));
}

static int object_init(PyObject *self, PyObject *args, PyObject *kwds);

static PyObject *object_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    if (excess_args(args, kwds)) {
        if (type->tp_new != object_new) {
            PyErr_SetString(PyExc_TypeError, "object.__new__() takes exactly one argument (the type to instantiate)");
            return NULL;
        }
        if (type->tp_init == object_init) {
            PyErr_Format(PyExc_TypeError, "%s() takes no arguments", _PyType_Name(type));
            return NULL;
        }
    }
    return PyType_GenericAlloc(type, 0);
}

static int object_init(PyObject *self, PyObject *args, PyObject *kwds) {
    PyTypeObject *type = Py_TYPE(self);
    if (excess_args(args, kwds)) {
        if (type->tp_init != object_init) {
            PyErr_SetString(PyExc_TypeError, "object.__init__() takes exactly one argument (the instance to initialize)");
            return -1;
        }
        if (type->tp_new == object_new) {
            PyErr_Format(PyExc_TypeError, "%s() takes no arguments", _PyType_Name(type));
            return -1;
        }
    }
    return 0;
}

PyTypeObject PyBaseObject_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "object",
    .tp_basicsize = sizeof(PyObject),
    .tp_dealloc = _PySlp_ObjectDealloc,
    .tp_repr = object_repr,
    .tp_str = object_str,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_BASETYPE | Py_TPFLAGS_READY,
    .tp_doc = "The base class of the class hierarchy.",
    .tp_init = object_init,
    .tp_new = object_new,
    .tp_free = PyObject_Free,
};

/* ---- type ----------------------------------------------------------------------------------- */

const char *_PyType_Name(PyTypeObject *type) {
    const char *s = strrchr(type->tp_name, '.');
    return s ? s + 1 : type->tp_name;
}

PyObject *PyType_GetName(PyTypeObject *type) { return PyUnicode_FromString(_PyType_Name(type)); }
unsigned long PyType_GetFlags(PyTypeObject *type) { return type->tp_flags; }

static void type_dealloc(PyObject *op) {
    PyTypeObject *t = (PyTypeObject *)op;
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        /* a static type lost its (immortal) references: keep it alive */
        Py_SET_REFCNT(op, _Py_IMMORTAL_REFCNT);
        return;
    }
    PyMem_Free((void *)t->tp_name);
    PyMem_Free((void *)t->tp_doc);
    Py_XDECREF(t->tp_dict);
    if (t->tp_base && (t->tp_base->tp_flags & Py_TPFLAGS_HEAPTYPE)) Py_DECREF(t->tp_base);
    PyObject_Free(t);
}

static PyObject *type_repr(PyObject *op) {
    return PyUnicode_FromFormat("<class '%s'>", ((PyTypeObject *)op)->tp_name);
}

static PyObject *type_call(PyObject *callable, PyObject *args, PyObject *kwds) {
    PyTypeObject *type = (PyTypeObject *)callable;
    if (type == &PyType_Type) {
        if (PyTuple_GET_SIZE(args) == 1 && (kwds == NULL || PyDict_Size(kwds) == 0))
            return Py_NewRef((PyObject *)Py_TYPE(PyTuple_GET_ITEM(args, 0)));
        PyErr_SetString(PyExc_TypeError, "type() takes 1 argument here (classes cannot be created dynamically)");
        return NULL;
    }
    if (ensure_ready(type) < 0) return NULL;
    if (type->tp_new == NULL) {
        PyErr_Format(PyExc_TypeError, "cannot create '%s' instances", type->tp_name);
        return NULL;
    }
    PyObject *obj = type->tp_new(type, args, kwds);
    if (obj == NULL || !PyObject_TypeCheck(obj, type)) return obj;
    type = Py_TYPE(obj);
    if (type->tp_init && type->tp_init(obj, args, kwds) < 0) {
        Py_DECREF(obj);
        return NULL;
    }
    return obj;
}

static PyObject *lookup_methods(PyTypeObject *t, const char *name, PyObject *self, int for_type) {
    for (PyMethodDef *ml = t->tp_methods; ml && ml->ml_name; ml++) {
        if (strcmp(ml->ml_name, name) != 0) continue;
        if (ml->ml_flags & METH_STATIC) return PyCFunction_NewEx(ml, NULL, NULL);
        if (ml->ml_flags & METH_CLASS)
            return PyCFunction_NewEx(ml, for_type ? self : (PyObject *)Py_TYPE(self), NULL);
        if (for_type) return NULL;   /* no unbound method descriptors */
        return PyCFunction_NewEx(ml, self, NULL);
    }
    return NULL;
}

static PyObject *attr_error(PyObject *o, PyObject *name) {
    if (PyModule_Check(o)) {
        const char *mn = PyModule_GetName(o);
        if (mn) return PyErr_Format(PyExc_AttributeError, "module '%s' has no attribute '%U'", mn, name);
        PyErr_Clear();
    }
    if (PyType_Check(o))
        return PyErr_Format(PyExc_AttributeError, "type object '%s' has no attribute '%U'",
                            ((PyTypeObject *)o)->tp_name, name);
    return PyErr_Format(PyExc_AttributeError, "'%s' object has no attribute '%U'", Py_TYPE(o)->tp_name, name);
}

static PyObject *type_getattro(PyObject *o, PyObject *name) {
    PyTypeObject *type = (PyTypeObject *)o;
    const char *n = PyUnicode_AsUTF8(name);
    if (!n) return NULL;
    for (PyTypeObject *t = type; t; t = t->tp_base) {
        if (t->tp_dict) {
            PyObject *v = PyDict_GetItemWithError(t->tp_dict, name);
            if (v) return Py_NewRef(v);
            if (PyErr_Occurred()) return NULL;
        }
        PyObject *m = lookup_methods(t, n, o, 1);
        if (m || PyErr_Occurred()) return m;
    }
    if (strcmp(n, "__name__") == 0 || strcmp(n, "__qualname__") == 0) return PyType_GetName(type);
    if (strcmp(n, "__module__") == 0) {
        const char *dot = strrchr(type->tp_name, '.');
        if (dot) return PyUnicode_FromStringAndSize(type->tp_name, dot - type->tp_name);
        return PyUnicode_FromString("builtins");
    }
    if (strcmp(n, "__doc__") == 0) {
        if (type->tp_doc) return PyUnicode_FromString(type->tp_doc);
        Py_RETURN_NONE;
    }
    if (strcmp(n, "__base__") == 0) return Py_NewRef(type->tp_base ? (PyObject *)type->tp_base : Py_None);
    if (strcmp(n, "__class__") == 0) return Py_NewRef((PyObject *)Py_TYPE(o));
    return attr_error(o, name);
}

PyTypeObject PyType_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "type",
    .tp_basicsize = sizeof(PyTypeObject),
    .tp_dealloc = type_dealloc,
    .tp_repr = type_repr,
    .tp_call = type_call,
    .tp_str = type_repr,
    .tp_getattro = type_getattro,
    .tp_flags = Py_TPFLAGS_BASETYPE | Py_TPFLAGS_READY | Py_TPFLAGS_TYPE_SUBCLASS,
    .tp_base = &PyBaseObject_Type,
    .tp_init = object_init,
    .tp_free = PyObject_Free,
};

/* ---- None and traceback --------------------------------------------------------------------- */

static PyObject *none_repr(PyObject *op) { (void)op; return PyUnicode_FromString("None"); }
static void immortal_dealloc(PyObject *op) { Py_SET_REFCNT(op, _Py_IMMORTAL_REFCNT); }

static PyTypeObject PyNone_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "NoneType",
    .tp_basicsize = sizeof(PyObject),
    .tp_dealloc = immortal_dealloc,
    .tp_repr = none_repr,
    .tp_str = none_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY,
    .tp_base = &PyBaseObject_Type,
    .tp_init = object_init,
    .tp_free = PyObject_Free,
};

PyObject _Py_NoneStruct = { _Py_IMMORTAL_REFCNT, &PyNone_Type };

PyTypeObject PyTraceBack_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "traceback",
    .tp_basicsize = sizeof(PyObject),
    .tp_dealloc = _PySlp_ObjectDealloc,
    .tp_repr = object_repr,
    .tp_str = object_str,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY,
    .tp_base = &PyBaseObject_Type,
    .tp_init = object_init,
    .tp_free = PyObject_Free,
};

/* ---- repr / str / truth / length ------------------------------------------------------------ */

static PyObject *check_str_result(PyObject *res, PyObject *o, const char *what) {
    if (res && !PyUnicode_Check(res)) {
        PyErr_Format(PyExc_TypeError, "%s returned non-string (type %s)", what, Py_TYPE(res)->tp_name);
        Py_DECREF(res);
        return NULL;
    }
    (void)o;
    return res;
}

PyObject *PyObject_Repr(PyObject *o) {
    if (o == NULL) return PyUnicode_FromString("<NULL>");
    reprfunc f = Py_TYPE(o)->tp_repr;
    if (f == NULL) return object_repr(o);
    return check_str_result(f(o), o, "__repr__");
}

PyObject *PyObject_Str(PyObject *o) {
    if (o == NULL) return PyUnicode_FromString("<NULL>");
    if (PyUnicode_CheckExact(o)) return Py_NewRef(o);
    reprfunc f = Py_TYPE(o)->tp_str;
    if (f == NULL) return PyObject_Repr(o);
    return check_str_result(f(o), o, "__str__");
}

PyObject *PyObject_ASCII(PyObject *o) { return PyObject_Repr(o); }

PyObject *PyObject_Type(PyObject *o) {
    if (o == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return Py_NewRef((PyObject *)Py_TYPE(o));
}

Py_ssize_t PyObject_Size(PyObject *o) {
    if (o == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    if (PyUnicode_Check(o)) return PyUnicode_GetLength(o);
    if (PyTuple_Check(o) || PyList_Check(o)) return Py_SIZE(o);
    if (PyDict_Check(o)) return PyDict_Size(o);
    PyErr_Format(PyExc_TypeError, "object of type '%s' has no len()", Py_TYPE(o)->tp_name);
    return -1;
}

Py_ssize_t PyObject_Length(PyObject *o) { return PyObject_Size(o); }

int PyObject_IsTrue(PyObject *o) {
    if (o == Py_True) return 1;
    if (o == Py_False || o == Py_None) return 0;
    if (PyLong_Check(o)) return ((PyLongObject *)o)->slp_magnitude != 0;
    if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o) != 0.0;
    if (PyUnicode_Check(o) || PyTuple_Check(o) || PyList_Check(o) || PyDict_Check(o)) {
        Py_ssize_t n = PyObject_Size(o);
        return n < 0 ? -1 : n > 0;
    }
    return 1;
}

int PyObject_Not(PyObject *o) {
    int r = PyObject_IsTrue(o);
    return r < 0 ? r : !r;
}

/* ---- isinstance / issubclass / callable ----------------------------------------------------- */

static int is_instance_rec(PyObject *inst, PyObject *cls, int depth) {
    if (PyType_Check(cls)) return PyObject_TypeCheck(inst, (PyTypeObject *)cls);
    if (PyTuple_Check(cls)) {
        if (depth > 100) {
            PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded in __instancecheck__");
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(cls); i++) {
            int r = is_instance_rec(inst, PyTuple_GET_ITEM(cls, i), depth + 1);
            if (r) return r;
        }
        return 0;
    }
    PyErr_SetString(PyExc_TypeError, "isinstance() arg 2 must be a type or tuple of types");
    return -1;
}

int PyObject_IsInstance(PyObject *inst, PyObject *cls) {
    if (inst == NULL || cls == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    return is_instance_rec(inst, cls, 0);
}

static int is_subclass_rec(PyObject *derived, PyObject *cls, int depth) {
    if (PyType_Check(cls)) return PyType_IsSubtype((PyTypeObject *)derived, (PyTypeObject *)cls);
    if (PyTuple_Check(cls)) {
        if (depth > 100) {
            PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded in __subclasscheck__");
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(cls); i++) {
            int r = is_subclass_rec(derived, PyTuple_GET_ITEM(cls, i), depth + 1);
            if (r) return r;
        }
        return 0;
    }
    PyErr_SetString(PyExc_TypeError, "issubclass() arg 2 must be a class or tuple of classes");
    return -1;
}

int PyObject_IsSubclass(PyObject *derived, PyObject *cls) {
    if (derived == NULL || cls == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    if (!PyType_Check(derived)) {
        PyErr_SetString(PyExc_TypeError, "issubclass() arg 1 must be a class");
        return -1;
    }
    return is_subclass_rec(derived, cls, 0);
}

int PyCallable_Check(PyObject *o) { return o != NULL && Py_TYPE(o)->tp_call != NULL; }

/* ---- attributes ----------------------------------------------------------------------------- */

PyObject *PyObject_GenericGetAttr(PyObject *o, PyObject *name) {
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "attribute name must be string, not '%s'", Py_TYPE(name)->tp_name);
        return NULL;
    }
    PyObject **dictptr = _PySlp_InstanceDictPtr(o);
    if (dictptr && *dictptr) {
        PyObject *v = PyDict_GetItemWithError(*dictptr, name);
        if (v) return Py_NewRef(v);
        if (PyErr_Occurred()) return NULL;
    }
    const char *n = PyUnicode_AsUTF8(name);
    for (PyTypeObject *t = Py_TYPE(o); t; t = t->tp_base) {
        PyObject *m = lookup_methods(t, n, o, 0);
        if (m || PyErr_Occurred()) return m;
        if (t->tp_dict) {
            PyObject *v = PyDict_GetItemWithError(t->tp_dict, name);
            if (v) return Py_NewRef(v);
            if (PyErr_Occurred()) return NULL;
        }
    }
    if (strcmp(n, "__class__") == 0) return Py_NewRef((PyObject *)Py_TYPE(o));
    if (dictptr && strcmp(n, "__dict__") == 0) {
        if (*dictptr == NULL && (*dictptr = PyDict_New()) == NULL) return NULL;
        return Py_NewRef(*dictptr);
    }
    return attr_error(o, name);
}

PyObject *PyObject_GenericGetDict(PyObject *o, void *context) {
    (void)context;
    PyObject **dictptr = _PySlp_InstanceDictPtr(o);
    if (!dictptr) {
        PyErr_SetString(PyExc_AttributeError, "This object has no __dict__");
        return NULL;
    }
    if (*dictptr == NULL && (*dictptr = PyDict_New()) == NULL) return NULL;
    return Py_NewRef(*dictptr);
}

PyObject *PyObject_GetAttr(PyObject *o, PyObject *name) {
    if (o == NULL || name == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "attribute name must be string, not '%s'", Py_TYPE(name)->tp_name);
        return NULL;
    }
    getattrofunc f = Py_TYPE(o)->tp_getattro;
    return f ? f(o, name) : PyObject_GenericGetAttr(o, name);
}

PyObject *PyObject_GetAttrString(PyObject *o, const char *name) {
    PyObject *n = PyUnicode_FromString(name);
    if (!n) return NULL;
    PyObject *r = PyObject_GetAttr(o, n);
    Py_DECREF(n);
    return r;
}

int PyObject_HasAttr(PyObject *o, PyObject *name) {
    PyObject *r = PyObject_GetAttr(o, name);
    if (r) {
        Py_DECREF(r);
        return 1;
    }
    PyErr_Clear();
    return 0;
}

int PyObject_HasAttrString(PyObject *o, const char *name) {
    PyObject *r = PyObject_GetAttrString(o, name);
    if (r) {
        Py_DECREF(r);
        return 1;
    }
    PyErr_Clear();
    return 0;
}

static int set_in_dict(PyObject *o, PyObject **dictptr, PyObject *name, PyObject *v) {
    if (v == NULL) {
        if (*dictptr && PyDict_GetItem(*dictptr, name)) return PyDict_DelItem(*dictptr, name);
        attr_error(o, name);
        return -1;
    }
    if (*dictptr == NULL && (*dictptr = PyDict_New()) == NULL) return -1;
    return PyDict_SetItem(*dictptr, name, v);
}

int PyObject_GenericSetAttr(PyObject *o, PyObject *name, PyObject *v) {
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "attribute name must be string, not '%s'", Py_TYPE(name)->tp_name);
        return -1;
    }
    PyObject **dictptr = _PySlp_InstanceDictPtr(o);
    if (dictptr) return set_in_dict(o, dictptr, name, v);
    if (PyType_Check(o)) {
        PyTypeObject *t = (PyTypeObject *)o;
        if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) return set_in_dict(o, &t->tp_dict, name, v);
        PyErr_Format(PyExc_TypeError, "cannot set '%U' attribute of immutable type '%s'", name, t->tp_name);
        return -1;
    }
    attr_error(o, name);
    return -1;
}

int PyObject_SetAttr(PyObject *o, PyObject *name, PyObject *v) {
    if (o == NULL || name == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    return PyObject_GenericSetAttr(o, name, v);
}

int PyObject_SetAttrString(PyObject *o, const char *name, PyObject *v) {
    PyObject *n = PyUnicode_FromString(name);
    if (!n) return -1;
    int r = PyObject_SetAttr(o, n, v);
    Py_DECREF(n);
    return r;
}

/* ---- comparison and hashing ----------------------------------------------------------------- */

static const char *const op_names[] = { "<", "<=", "==", "!=", ">", ">=" };

static int cmp_to_bool(int c, int op) {
    switch (op) {
    case Py_LT: return c < 0;
    case Py_LE: return c <= 0;
    case Py_EQ: return c == 0;
    case Py_NE: return c != 0;
    case Py_GT: return c > 0;
    default: return c >= 0;
    }
}

static int seq_compare(PyObject *a, PyObject *b, int op, int depth);

static int rich_compare(PyObject *a, PyObject *b, int op, int depth) {
    if (op < Py_LT || op > Py_GE) {
        PyErr_BadInternalCall();
        return -1;
    }
    int c;
    if (_PySlp_NumCompare(a, b, &c)) {
        if (c == 2) return op == Py_NE;   /* NaN: unordered */
        return cmp_to_bool(c, op);
    }
    if (PyUnicode_Check(a) && PyUnicode_Check(b)) {
        Py_ssize_t na, nb;
        const char *da = _PySlp_UnicodeData(a, &na), *db = _PySlp_UnicodeData(b, &nb);
        int m = memcmp(da, db, (size_t)(na < nb ? na : nb));
        c = m ? (m < 0 ? -1 : 1) : (na < nb ? -1 : na > nb);
        return cmp_to_bool(c, op);
    }
    if ((PyTuple_Check(a) && PyTuple_Check(b)) || (PyList_Check(a) && PyList_Check(b)))
        return seq_compare(a, b, op, depth);
    if (op == Py_EQ) return a == b;
    if (op == Py_NE) return a != b;
    PyErr_Format(PyExc_TypeError, "'%s' not supported between instances of '%s' and '%s'",
                 op_names[op], Py_TYPE(a)->tp_name, Py_TYPE(b)->tp_name);
    return -1;
}

static int seq_compare(PyObject *a, PyObject *b, int op, int depth) {
    if (depth > 500) {
        PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded in comparison");
        return -1;
    }
    PyObject **ia = PyTuple_Check(a) ? PyTuple_ITEMS(a) : ((PyListObject *)a)->ob_item;
    PyObject **ib = PyTuple_Check(b) ? PyTuple_ITEMS(b) : ((PyListObject *)b)->ob_item;
    Py_ssize_t na = Py_SIZE(a), nb = Py_SIZE(b);
    if ((op == Py_EQ || op == Py_NE) && na != nb) return op == Py_NE;
    Py_ssize_t i;
    for (i = 0; i < na && i < nb; i++) {
        if (ia[i] == ib[i]) continue;
        int eq = rich_compare(ia[i], ib[i], Py_EQ, depth + 1);
        if (eq < 0) return -1;
        if (!eq) break;
    }
    if (i >= na || i >= nb) return cmp_to_bool(na < nb ? -1 : na > nb, op);
    if (op == Py_EQ) return 0;
    if (op == Py_NE) return 1;
    return rich_compare(ia[i], ib[i], op, depth + 1);
}

int PyObject_RichCompareBool(PyObject *a, PyObject *b, int op) {
    if (a == NULL || b == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    /* identity implies equality (as in CPython's containers) */
    if (a == b) {
        if (op == Py_EQ) return 1;
        if (op == Py_NE) return 0;
    }
    return rich_compare(a, b, op, 0);
}

PyObject *PyObject_RichCompare(PyObject *a, PyObject *b, int op) {
    if (a == NULL || b == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    int r = rich_compare(a, b, op, 0);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

Py_hash_t PyObject_HashNotImplemented(PyObject *o) {
    PyErr_Format(PyExc_TypeError, "unhashable type: '%s'", Py_TYPE(o)->tp_name);
    return -1;
}

static Py_hash_t pointer_hash(void *p) {
    size_t y = (size_t)p;
    y = (y >> 4) | (y << (8 * sizeof(y) - 4));   /* low bits are mostly zero: rotate */
    Py_hash_t h = (Py_hash_t)y;
    return h == -1 ? -2 : h;
}

Py_hash_t PyObject_Hash(PyObject *o) {
    if (o == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    if (PyUnicode_Check(o)) return _PySlp_UnicodeHash(o);
    if (PyLong_Check(o) || PyFloat_Check(o)) return _PySlp_NumHash(o);
    if (PyTuple_Check(o)) {
        /* xxHash-style combination as in CPython */
        uint64_t acc = 0x27D4EB2F165667C5ULL;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); i++) {
            Py_hash_t h = PyObject_Hash(PyTuple_GET_ITEM(o, i));
            if (h == -1) return -1;
            acc += (uint64_t)h * 14029467366897019727ULL;
            acc = (acc << 31) | (acc >> 33);
            acc *= 11400714785074694791ULL;
        }
        acc += (uint64_t)PyTuple_GET_SIZE(o) ^ (2870177450012600261ULL ^ 3527539UL);
        Py_hash_t h = (Py_hash_t)acc;
        return h == -1 ? 1546275796 : h;
    }
    if (PyList_Check(o) || PyDict_Check(o)) return PyObject_HashNotImplemented(o);
    return pointer_hash(o);
}

/* ---- repr recursion guard ------------------------------------------------------------------- */

#define REPR_STACK 64
static _Thread_local PyObject *repr_stack[REPR_STACK];
static _Thread_local int repr_depth;

int Py_ReprEnter(PyObject *o) {
    for (int i = 0; i < repr_depth; i++)
        if (repr_stack[i] == o) return 1;
    if (repr_depth >= REPR_STACK) return 1;   /* too deep: print as "..." */
    repr_stack[repr_depth++] = o;
    return 0;
}

void Py_ReprLeave(PyObject *o) {
    for (int i = repr_depth - 1; i >= 0; i--) {
        if (repr_stack[i] == o) {
            memmove(&repr_stack[i], &repr_stack[i + 1], (size_t)(repr_depth - i - 1) * sizeof(PyObject *));
            repr_depth--;
            return;
        }
    }
}
