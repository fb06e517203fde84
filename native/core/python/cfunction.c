/* cfunction.c - built-in function objects (PyCFunction) and module objects. */
#include "stackless/pycore.h"

/* ---- PyCFunction ---------------------------------------------------------------------------- */

#define F(op) ((PyCFunctionObject *)(op))

PyObject *PyCFunction_NewEx(PyMethodDef *ml, PyObject *self, PyObject *module) {
    if (ml == NULL || ml->ml_name == NULL || ml->ml_meth == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    PyCFunctionObject *f = (PyCFunctionObject *)PyObject_Malloc(sizeof(PyCFunctionObject));
    if (!f) return PyErr_NoMemory();
    PyObject_Init((PyObject *)f, &PyCFunction_Type);
    f->m_ml = ml;
    f->m_self = Py_XNewRef(self);
    f->m_module = Py_XNewRef(module);
    return (PyObject *)f;
}

PyObject *PyCFunction_New(PyMethodDef *ml, PyObject *self) { return PyCFunction_NewEx(ml, self, NULL); }

PyCFunction PyCFunction_GetFunction(PyObject *op) {
    if (op == NULL || !PyCFunction_Check(op)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return F(op)->m_ml->ml_meth;
}

PyObject *PyCFunction_GetSelf(PyObject *op) {
    if (op == NULL || !PyCFunction_Check(op)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return PyCFunction_GET_SELF(op);
}

int PyCFunction_GetFlags(PyObject *op) {
    if (op == NULL || !PyCFunction_Check(op)) {
        PyErr_BadInternalCall();
        return -1;
    }
    return F(op)->m_ml->ml_flags;
}

static PyObject *call_fast_keywords(PyMethodDef *ml, PyObject *self, PyObject *args, PyObject *kwargs) {
    Py_ssize_t n = PyTuple_GET_SIZE(args), nk = kwargs ? PyDict_Size(kwargs) : 0;
    if (nk <= 0) return ((_PyCFunctionFastWithKeywords)(void (*)(void))ml->ml_meth)(self, PyTuple_ITEMS(args), n, NULL);
    PyObject **stack = (PyObject **)PyMem_Malloc((size_t)(n + nk) * sizeof(PyObject *));
    PyObject *kwnames = PyTuple_New(nk);
    if (!stack || !kwnames) {
        PyMem_Free(stack);
        Py_XDECREF(kwnames);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) stack[i] = PyTuple_GET_ITEM(args, i);
    Py_ssize_t pos = 0, k = 0;
    PyObject *key, *value;
    while (PyDict_Next(kwargs, &pos, &key, &value)) {
        PyTuple_SET_ITEM(kwnames, k, Py_NewRef(key));
        stack[n + k++] = value;
    }
    PyObject *r = ((_PyCFunctionFastWithKeywords)(void (*)(void))ml->ml_meth)(self, stack, n, kwnames);
    Py_DECREF(kwnames);
    PyMem_Free(stack);
    return r;
}

PyObject *PyCFunction_Call(PyObject *func, PyObject *args, PyObject *kwargs) {
    if (func == NULL || !PyCFunction_Check(func) || args == NULL || !PyTuple_Check(args)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    PyMethodDef *ml = F(func)->m_ml;
    PyObject *self = PyCFunction_GET_SELF(func);
    int flags = ml->ml_flags & ~(METH_CLASS | METH_STATIC | METH_COEXIST);
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    int has_kw = kwargs != NULL && PyDict_Check(kwargs) && PyDict_Size(kwargs) > 0;
    if (has_kw && !(flags & METH_KEYWORDS)) {
        PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", ml->ml_name);
        return NULL;
    }
    switch (flags) {
    case METH_VARARGS:
        return ml->ml_meth(self, args);
    case METH_VARARGS | METH_KEYWORDS:
        return ((PyCFunctionWithKeywords)(void (*)(void))ml->ml_meth)(self, args, kwargs);
    case METH_NOARGS:
        if (n != 0) {
            PyErr_Format(PyExc_TypeError, "%s() takes no arguments (%zd given)", ml->ml_name, n);
            return NULL;
        }
        return ml->ml_meth(self, NULL);
    case METH_O:
        if (n != 1) {
            PyErr_Format(PyExc_TypeError, "%s() takes exactly one argument (%zd given)", ml->ml_name, n);
            return NULL;
        }
        return ml->ml_meth(self, PyTuple_GET_ITEM(args, 0));
    case METH_FASTCALL:
        return ((_PyCFunctionFast)(void (*)(void))ml->ml_meth)(self, PyTuple_ITEMS(args), n);
    case METH_FASTCALL | METH_KEYWORDS:
        return call_fast_keywords(ml, self, args, kwargs);
    default:
        PyErr_Format(PyExc_SystemError, "%s() method: bad call flags", ml->ml_name);
        return NULL;
    }
}

static void cfunction_dealloc(PyObject *op) {
    Py_XDECREF(F(op)->m_self);
    Py_XDECREF(F(op)->m_module);
    PyObject_Free(op);
}

static PyObject *cfunction_repr(PyObject *op) {
    PyObject *self = PyCFunction_GET_SELF(op);
    if (self == NULL || PyModule_Check(self))
        return PyUnicode_FromFormat("<built-in function %s>", F(op)->m_ml->ml_name);
    return PyUnicode_FromFormat("<built-in method %s of %s object at %p>", F(op)->m_ml->ml_name,
                                Py_TYPE(self)->tp_name, (void *)self);
}

static PyObject *cfunction_getattro(PyObject *op, PyObject *name) {
    if (PyUnicode_EqualToUTF8(name, "__name__") || PyUnicode_EqualToUTF8(name, "__qualname__"))
        return PyUnicode_FromString(F(op)->m_ml->ml_name);
    if (PyUnicode_EqualToUTF8(name, "__doc__")) {
        if (F(op)->m_ml->ml_doc) return PyUnicode_FromString(F(op)->m_ml->ml_doc);
        Py_RETURN_NONE;
    }
    if (PyUnicode_EqualToUTF8(name, "__self__")) {
        PyObject *self = PyCFunction_GET_SELF(op);
        return Py_NewRef(self ? self : Py_None);
    }
    if (PyUnicode_EqualToUTF8(name, "__module__")) return Py_NewRef(F(op)->m_module ? F(op)->m_module : Py_None);
    return PyObject_GenericGetAttr(op, name);
}

PyTypeObject PyCFunction_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "builtin_function_or_method",
    .tp_basicsize = sizeof(PyCFunctionObject),
    .tp_dealloc = cfunction_dealloc,
    .tp_repr = cfunction_repr,
    .tp_call = PyCFunction_Call,
    .tp_str = cfunction_repr,
    .tp_getattro = cfunction_getattro,
    .tp_flags = Py_TPFLAGS_READY,
    .tp_base = &PyBaseObject_Type,
    .tp_free = PyObject_Free,
};

/* ---- modules -------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *md_dict;
    PyModuleDef *md_def;
    void *md_state;
} PyModuleObject;

#define M(op) ((PyModuleObject *)(op))

PyObject **_PySlp_InstanceDictPtr(PyObject *o) {
    if (PyModule_Check(o)) return &M(o)->md_dict;
    return NULL;
}

PyObject *PyModule_NewObject(PyObject *name) {
    if (name == NULL || !PyUnicode_Check(name)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    PyModuleObject *m = (PyModuleObject *)PyObject_Calloc(1, sizeof(PyModuleObject));
    if (!m) return PyErr_NoMemory();
    PyObject_Init((PyObject *)m, &PyModule_Type);
    if ((m->md_dict = PyDict_New()) == NULL ||
        PyDict_SetItemString(m->md_dict, "__name__", name) < 0 ||
        PyDict_SetItemString(m->md_dict, "__doc__", Py_None) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return (PyObject *)m;
}

PyObject *PyModule_New(const char *name) {
    PyObject *n = PyUnicode_FromString(name);
    if (!n) return NULL;
    PyObject *m = PyModule_NewObject(n);
    Py_DECREF(n);
    return m;
}

PyObject *PyModule_Create2(PyModuleDef *def, int apiver) {
    (void)apiver;
    if (def == NULL || def->m_name == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if (def->m_slots) {
        PyErr_Format(PyExc_SystemError, "module %s: PyModule_Create is incompatible with m_slots", def->m_name);
        return NULL;
    }
    PyObject *m = PyModule_New(def->m_name);
    if (!m) return NULL;
    if (def->m_size > 0) {
        M(m)->md_state = PyMem_Calloc(1, (size_t)def->m_size);
        if (!M(m)->md_state) {
            Py_DECREF(m);
            return PyErr_NoMemory();
        }
    }
    if ((def->m_methods && PyModule_AddFunctions(m, def->m_methods) < 0) ||
        (def->m_doc && PyModule_SetDocString(m, def->m_doc) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    M(m)->md_def = def;
    return m;
}

PyObject *PyModule_Create(PyModuleDef *def) { return PyModule_Create2(def, PYTHON_API_VERSION); }

static int check_module(PyObject *m, const char *fn) {
    if (m == NULL || !PyModule_Check(m)) {
        PyErr_Format(PyExc_TypeError, "%s() first argument must be a module", fn);
        return -1;
    }
    return 0;
}

PyObject *PyModule_GetDict(PyObject *module) {
    if (module == NULL || !PyModule_Check(module)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return M(module)->md_dict;
}

PyObject *PyModule_GetNameObject(PyObject *module) {
    if (module == NULL || !PyModule_Check(module)) {
        PyErr_BadArgument();
        return NULL;
    }
    PyObject *n = M(module)->md_dict ? PyDict_GetItemString(M(module)->md_dict, "__name__") : NULL;
    if (n == NULL || !PyUnicode_Check(n)) {
        PyErr_SetString(PyExc_SystemError, "nameless module");
        return NULL;
    }
    return Py_NewRef(n);
}

const char *PyModule_GetName(PyObject *module) {
    PyObject *n = PyModule_GetNameObject(module);
    if (!n) return NULL;
    Py_DECREF(n);   /* still referenced by the module's dict */
    return PyUnicode_AsUTF8(n);
}

PyModuleDef *PyModule_GetDef(PyObject *module) {
    if (module == NULL || !PyModule_Check(module)) {
        PyErr_BadArgument();
        return NULL;
    }
    return M(module)->md_def;
}

void *PyModule_GetState(PyObject *module) {
    if (module == NULL || !PyModule_Check(module)) {
        PyErr_BadArgument();
        return NULL;
    }
    return M(module)->md_state;
}

int PyModule_AddObjectRef(PyObject *module, const char *name, PyObject *value) {
    if (check_module(module, "PyModule_AddObjectRef") < 0) return -1;
    if (name == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    if (value == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_SystemError, "PyModule_AddObjectRef() must be called with an exception raised if value is NULL");
        return -1;
    }
    return PyDict_SetItemString(M(module)->md_dict, name, value);
}

int PyModule_AddObject(PyObject *module, const char *name, PyObject *value) {
    int r = PyModule_AddObjectRef(module, name, value);
    if (r == 0) Py_DECREF(value);
    return r;
}

int PyModule_Add(PyObject *module, const char *name, PyObject *value) {
    int r = PyModule_AddObjectRef(module, name, value);
    Py_XDECREF(value);
    return r;
}

int PyModule_AddIntConstant(PyObject *module, const char *name, long value) {
    return PyModule_Add(module, name, PyLong_FromLong(value));
}

int PyModule_AddStringConstant(PyObject *module, const char *name, const char *value) {
    return PyModule_Add(module, name, PyUnicode_FromString(value));
}

int PyModule_AddType(PyObject *module, PyTypeObject *type) {
    if (PyType_Ready(type) < 0) return -1;
    return PyModule_AddObjectRef(module, _PyType_Name(type), (PyObject *)type);
}

int PyModule_SetDocString(PyObject *module, const char *doc) {
    return PyModule_Add(module, "__doc__", PyUnicode_FromString(doc));
}

int PyModule_AddFunctions(PyObject *module, PyMethodDef *functions) {
    if (check_module(module, "PyModule_AddFunctions") < 0) return -1;
    PyObject *name = PyModule_GetNameObject(module);
    if (!name) return -1;
    for (PyMethodDef *ml = functions; ml && ml->ml_name; ml++) {
        if (ml->ml_flags & (METH_CLASS | METH_STATIC)) {
            PyErr_SetString(PyExc_ValueError, "module functions cannot set METH_CLASS or METH_STATIC");
            Py_DECREF(name);
            return -1;
        }
        PyObject *f = PyCFunction_NewEx(ml, module, name);
        if (PyModule_Add(module, ml->ml_name, f) < 0) {
            Py_DECREF(name);
            return -1;
        }
    }
    Py_DECREF(name);
    return 0;
}

static void module_dealloc(PyObject *op) {
    PyModuleObject *m = M(op);
    if (m->md_def && m->md_def->m_free) m->md_def->m_free(op);
    Py_XDECREF(m->md_dict);
    PyMem_Free(m->md_state);
    PyObject_Free(op);
}

static PyObject *module_repr(PyObject *op) {
    PyObject *n = M(op)->md_dict ? PyDict_GetItemString(M(op)->md_dict, "__name__") : NULL;
    if (n && PyUnicode_Check(n)) return PyUnicode_FromFormat("<module %R>", n);
    return PyUnicode_FromString("<module '?'>");
}

static PyObject *module_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *name = NULL, *doc = NULL;
    (void)type;
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "module() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "U|O:module", &name, &doc)) return NULL;
    PyObject *m = PyModule_NewObject(name);
    if (m && doc && PyDict_SetItemString(M(m)->md_dict, "__doc__", doc) < 0) Py_CLEAR(m);
    return m;
}

PyTypeObject PyModule_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "module",
    .tp_basicsize = sizeof(PyModuleObject),
    .tp_dealloc = module_dealloc,
    .tp_repr = module_repr,
    .tp_str = module_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY,
    .tp_doc = "Create a module object.",
    .tp_base = &PyBaseObject_Type,
    .tp_new = module_new,
    .tp_free = PyObject_Free,
};
