/* tuple.c - tuple and list objects. */
#include "stackless/pycore.h"

#include <stddef.h>

/* ---- tuple ---------------------------------------------------------------------------------- */

static PyTupleObject empty_tuple = { { { _Py_IMMORTAL_REFCNT, &PyTuple_Type }, 0 }, { NULL } };

PyObject *PyTuple_New(Py_ssize_t n) {
    if (n < 0) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if (n == 0) return Py_NewRef((PyObject *)&empty_tuple);
    if ((size_t)n > ((size_t)PY_SSIZE_T_MAX - sizeof(PyTupleObject)) / sizeof(PyObject *)) return PyErr_NoMemory();
    PyTupleObject *t = (PyTupleObject *)PyObject_Calloc(1, offsetof(PyTupleObject, ob_item) + (size_t)n * sizeof(PyObject *));
    if (!t) return PyErr_NoMemory();
    PyObject_InitVar((PyVarObject *)t, &PyTuple_Type, n);
    return (PyObject *)t;
}

PyObject *PyTuple_Pack(Py_ssize_t n, ...) {
    PyObject *t = PyTuple_New(n);
    if (!t) return NULL;
    va_list va;
    va_start(va, n);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = va_arg(va, PyObject *);
        if (o == NULL) {
            va_end(va);
            Py_DECREF(t);
            PyErr_BadInternalCall();
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, Py_NewRef(o));
    }
    va_end(va);
    return t;
}

Py_ssize_t PyTuple_Size(PyObject *t) {
    if (t == NULL || !PyTuple_Check(t)) {
        PyErr_BadInternalCall();
        return -1;
    }
    return Py_SIZE(t);
}

PyObject *PyTuple_GetItem(PyObject *t, Py_ssize_t i) {
    if (t == NULL || !PyTuple_Check(t)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if (i < 0 || i >= Py_SIZE(t)) {
        PyErr_SetString(PyExc_IndexError, "tuple index out of range");
        return NULL;
    }
    return PyTuple_GET_ITEM(t, i);
}

int PyTuple_SetItem(PyObject *t, Py_ssize_t i, PyObject *o) {
    if (t == NULL || !PyTuple_Check(t) || Py_REFCNT(t) != 1) {
        Py_XDECREF(o);
        PyErr_BadInternalCall();
        return -1;
    }
    if (i < 0 || i >= Py_SIZE(t)) {
        Py_XDECREF(o);
        PyErr_SetString(PyExc_IndexError, "tuple assignment index out of range");
        return -1;
    }
    Py_XSETREF(PyTuple_ITEMS(t)[i], o);
    return 0;
}

PyObject *PyTuple_GetSlice(PyObject *t, Py_ssize_t low, Py_ssize_t high) {
    if (t == NULL || !PyTuple_Check(t)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    Py_ssize_t n = Py_SIZE(t);
    if (low < 0) low = 0;
    if (high > n) high = n;
    if (high < low) high = low;
    if (low == 0 && high == n && PyTuple_CheckExact(t)) return Py_NewRef(t);
    PyObject *r = PyTuple_New(high - low);
    if (!r) return NULL;
    for (Py_ssize_t i = low; i < high; i++) PyTuple_SET_ITEM(r, i - low, Py_NewRef(PyTuple_GET_ITEM(t, i)));
    return r;
}

static void tuple_dealloc(PyObject *op) {
    if (op == (PyObject *)&empty_tuple) {
        Py_SET_REFCNT(op, _Py_IMMORTAL_REFCNT);
        return;
    }
    for (Py_ssize_t i = 0; i < Py_SIZE(op); i++) Py_XDECREF(PyTuple_ITEMS(op)[i]);
    freefunc f = Py_TYPE(op)->tp_free;
    (f ? f : PyObject_Free)(op);
}

static PyObject *seq_repr(PyObject *op, PyObject **items, Py_ssize_t n, const char *open, const char *close, int one_comma) {
    if (n == 0) return PyUnicode_FromFormat("%s%s", open, close);
    if (Py_ReprEnter(op)) return PyUnicode_FromFormat("%s...%s", open, close);
    _PySlp_Buf b = { 0 };
    _PySlp_BufAppendStr(&b, open);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i) _PySlp_BufAppend(&b, ", ", 2);
        if (_PySlp_BufAppendObj(&b, items[i], 1) < 0) {
            Py_ReprLeave(op);
            _PySlp_BufFree(&b);
            return NULL;
        }
    }
    if (n == 1 && one_comma) _PySlp_BufAppend(&b, ",", 1);
    _PySlp_BufAppendStr(&b, close);
    Py_ReprLeave(op);
    return _PySlp_BufToUnicode(&b);
}

static PyObject *tuple_repr(PyObject *op) { return seq_repr(op, PyTuple_ITEMS(op), Py_SIZE(op), "(", ")", 1); }

static PyObject *seq_from(PyObject *x, int want_list);

static PyObject *tuple_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *x = NULL;
    if (type != &PyTuple_Type) {
        PyErr_Format(PyExc_TypeError, "cannot create '%s' instances (tuple subclasses are not supported)", type->tp_name);
        return NULL;
    }
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "tuple() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "tuple", 0, 1, &x)) return NULL;
    if (!x) return PyTuple_New(0);
    return seq_from(x, 0);
}

PyTypeObject PyTuple_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "tuple",
    .tp_basicsize = offsetof(PyTupleObject, ob_item),
    .tp_itemsize = sizeof(PyObject *),
    .tp_dealloc = tuple_dealloc,
    .tp_repr = tuple_repr,
    .tp_str = tuple_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY | Py_TPFLAGS_TUPLE_SUBCLASS,
    .tp_doc = "tuple(iterable=(), /)",
    .tp_base = &PyBaseObject_Type,
    .tp_new = tuple_new,
    .tp_free = PyObject_Free,
};

/* ---- list ----------------------------------------------------------------------------------- */

#define L(op) ((PyListObject *)(op))

PyObject *PyList_New(Py_ssize_t n) {
    if (n < 0) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if ((size_t)n > (size_t)PY_SSIZE_T_MAX / sizeof(PyObject *)) return PyErr_NoMemory();
    PyListObject *l = (PyListObject *)PyObject_Malloc(sizeof(PyListObject));
    if (!l) return PyErr_NoMemory();
    l->ob_item = NULL;
    if (n) {
        l->ob_item = (PyObject **)PyMem_Calloc((size_t)n, sizeof(PyObject *));
        if (!l->ob_item) {
            PyObject_Free(l);
            return PyErr_NoMemory();
        }
    }
    PyObject_InitVar((PyVarObject *)l, &PyList_Type, n);
    l->allocated = n;
    return (PyObject *)l;
}

Py_ssize_t PyList_Size(PyObject *l) {
    if (l == NULL || !PyList_Check(l)) {
        PyErr_BadInternalCall();
        return -1;
    }
    return Py_SIZE(l);
}

PyObject *PyList_GetItem(PyObject *l, Py_ssize_t i) {
    if (l == NULL || !PyList_Check(l)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if (i < 0 || i >= Py_SIZE(l)) {
        PyErr_SetString(PyExc_IndexError, "list index out of range");
        return NULL;
    }
    return L(l)->ob_item[i];
}

int PyList_SetItem(PyObject *l, Py_ssize_t i, PyObject *o) {
    if (l == NULL || !PyList_Check(l)) {
        Py_XDECREF(o);
        PyErr_BadInternalCall();
        return -1;
    }
    if (i < 0 || i >= Py_SIZE(l)) {
        Py_XDECREF(o);
        PyErr_SetString(PyExc_IndexError, "list assignment index out of range");
        return -1;
    }
    Py_XSETREF(L(l)->ob_item[i], o);
    return 0;
}

static int list_grow(PyListObject *l, Py_ssize_t need) {
    if (need <= l->allocated) return 0;
    Py_ssize_t cap = l->allocated ? l->allocated : 4;
    while (cap < need) {
        if (cap > PY_SSIZE_T_MAX / 2 / (Py_ssize_t)sizeof(PyObject *)) {
            PyErr_NoMemory();
            return -1;
        }
        cap *= 2;
    }
    PyObject **items = (PyObject **)PyMem_Realloc(l->ob_item, (size_t)cap * sizeof(PyObject *));
    if (!items) {
        PyErr_NoMemory();
        return -1;
    }
    l->ob_item = items;
    l->allocated = cap;
    return 0;
}

int PyList_Insert(PyObject *l, Py_ssize_t where, PyObject *o) {
    if (l == NULL || !PyList_Check(l) || o == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    Py_ssize_t n = Py_SIZE(l);
    if (list_grow(L(l), n + 1) < 0) return -1;
    if (where < 0) where = where + n < 0 ? 0 : where + n;
    if (where > n) where = n;
    memmove(&L(l)->ob_item[where + 1], &L(l)->ob_item[where], (size_t)(n - where) * sizeof(PyObject *));
    L(l)->ob_item[where] = Py_NewRef(o);
    Py_SIZE(l) = n + 1;
    return 0;
}

int PyList_Append(PyObject *l, PyObject *o) {
    if (l == NULL || !PyList_Check(l) || o == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    return PyList_Insert(l, Py_SIZE(l), o);
}

PyObject *PyList_GetSlice(PyObject *l, Py_ssize_t low, Py_ssize_t high) {
    if (l == NULL || !PyList_Check(l)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    Py_ssize_t n = Py_SIZE(l);
    if (low < 0) low = 0;
    if (high > n) high = n;
    if (high < low) high = low;
    PyObject *r = PyList_New(high - low);
    if (!r) return NULL;
    for (Py_ssize_t i = low; i < high; i++) L(r)->ob_item[i - low] = Py_XNewRef(L(l)->ob_item[i]);
    return r;
}

PyObject *PyList_AsTuple(PyObject *l) {
    if (l == NULL || !PyList_Check(l)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    PyObject *t = PyTuple_New(Py_SIZE(l));
    if (!t) return NULL;
    for (Py_ssize_t i = 0; i < Py_SIZE(l); i++) PyTuple_SET_ITEM(t, i, Py_XNewRef(L(l)->ob_item[i]));
    return t;
}

static void list_dealloc(PyObject *op) {
    for (Py_ssize_t i = 0; i < Py_SIZE(op); i++) Py_XDECREF(L(op)->ob_item[i]);
    PyMem_Free(L(op)->ob_item);
    freefunc f = Py_TYPE(op)->tp_free;
    (f ? f : PyObject_Free)(op);
}

static PyObject *list_repr(PyObject *op) { return seq_repr(op, L(op)->ob_item, Py_SIZE(op), "[", "]", 0); }

static PyObject *seq_from(PyObject *x, int want_list) {
    PyObject **items;
    Py_ssize_t n;
    if (PyTuple_Check(x)) {
        if (!want_list && PyTuple_CheckExact(x)) return Py_NewRef(x);
        items = PyTuple_ITEMS(x), n = Py_SIZE(x);
    } else if (PyList_Check(x)) {
        items = L(x)->ob_item, n = Py_SIZE(x);
    } else {
        PyErr_Format(PyExc_TypeError, "'%s' object is not iterable", Py_TYPE(x)->tp_name);
        return NULL;
    }
    PyObject *r = want_list ? PyList_New(n) : PyTuple_New(n);
    if (!r) return NULL;
    PyObject **dst = want_list ? L(r)->ob_item : PyTuple_ITEMS(r);
    for (Py_ssize_t i = 0; i < n; i++) dst[i] = Py_XNewRef(items[i]);
    return r;
}

static PyObject *list_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *x = NULL;
    if (type != &PyList_Type) {
        PyErr_Format(PyExc_TypeError, "cannot create '%s' instances (list subclasses are not supported)", type->tp_name);
        return NULL;
    }
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "list() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "list", 0, 1, &x)) return NULL;
    if (!x) return PyList_New(0);
    return seq_from(x, 1);
}

PyTypeObject PyList_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "list",
    .tp_basicsize = sizeof(PyListObject),
    .tp_dealloc = list_dealloc,
    .tp_repr = list_repr,
    .tp_str = list_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY,
    .tp_doc = "list(iterable=(), /)",
    .tp_base = &PyBaseObject_Type,
    .tp_new = list_new,
    .tp_free = PyObject_Free,
};
