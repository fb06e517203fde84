/* errors.c - the per-thread error indicator (type, value, traceback; not normalised), exception
 * matching and normalisation, printing, PyErr_NewException. */
#include "stackless/pycore.h"

static _Thread_local PyObject *cur_type, *cur_value, *cur_tb;

/* ---- the indicator -------------------------------------------------------------------------- */

void PyErr_Restore(PyObject *type, PyObject *value, PyObject *traceback) {
    PyObject *ot = cur_type, *ov = cur_value, *otb = cur_tb;
    if (type == NULL) {
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        value = traceback = NULL;
    }
    cur_type = type;
    cur_value = value;
    cur_tb = traceback;
    /* release the old triple last: destructors may look at the indicator */
    Py_XDECREF(ot);
    Py_XDECREF(ov);
    Py_XDECREF(otb);
}

void PyErr_Fetch(PyObject **ptype, PyObject **pvalue, PyObject **ptraceback) {
    *ptype = cur_type;
    *pvalue = cur_value;
    *ptraceback = cur_tb;
    cur_type = cur_value = cur_tb = NULL;
}

void PyErr_Clear(void) { PyErr_Restore(NULL, NULL, NULL); }

PyObject *PyErr_Occurred(void) { return cur_type; }

void PyErr_SetObject(PyObject *type, PyObject *value) {
    if (type != NULL && !PyExceptionClass_Check(type)) {
        PyErr_Format(PyExc_SystemError, "_PyErr_SetObject: exception %R is not a BaseException subclass", type);
        return;
    }
    Py_XINCREF(type);
    Py_XINCREF(value);
    PyErr_Restore(type, value, NULL);
}

void PyErr_SetNone(PyObject *type) { PyErr_SetObject(type, NULL); }

void PyErr_SetString(PyObject *type, const char *message) {
    PyObject *v = PyUnicode_DecodeUTF8(message ? message : "", message ? (Py_ssize_t)strlen(message) : 0, "replace");
    if (!v) return;
    PyErr_SetObject(type, v);
    Py_DECREF(v);
}

PyObject *PyErr_FormatV(PyObject *type, const char *format, va_list vargs) {
    /* a pending exception would otherwise confuse the str()/repr() calls of the format */
    PyErr_Clear();
    PyObject *s = PyUnicode_FromFormatV(format, vargs);
    if (s) {
        PyErr_SetObject(type, s);
        Py_DECREF(s);
    }
    return NULL;
}

PyObject *PyErr_Format(PyObject *type, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyErr_FormatV(type, format, va);
    va_end(va);
    return NULL;
}

int PyErr_GivenExceptionMatches(PyObject *given, PyObject *exc) {
    if (given == NULL || exc == NULL) return 0;
    if (PyTuple_Check(exc)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(exc); i++)
            if (PyErr_GivenExceptionMatches(given, PyTuple_GET_ITEM(exc, i))) return 1;
        return 0;
    }
    if (PyExceptionInstance_Check(given)) given = PyExceptionInstance_Class(given);
    if (PyExceptionClass_Check(given) && PyExceptionClass_Check(exc))
        return PyType_IsSubtype((PyTypeObject *)given, (PyTypeObject *)exc);
    return given == exc;
}

int PyErr_ExceptionMatches(PyObject *exc) { return PyErr_GivenExceptionMatches(cur_type, exc); }

static void normalize(PyObject **ptype, PyObject **pvalue, PyObject **ptb, int depth) {
    PyObject *type = *ptype, *value = *pvalue;
    if (type == NULL) return;
    if (value == NULL) value = Py_NewRef(Py_None);
    if (!PyExceptionClass_Check(type)) {
        *pvalue = value;
        return;
    }
    PyObject *inclass = PyExceptionInstance_Check(value) ? PyExceptionInstance_Class(value) : NULL;
    if (inclass && PyType_IsSubtype((PyTypeObject *)inclass, (PyTypeObject *)type)) {
        if (inclass != type) {
            Py_INCREF(inclass);
            Py_SETREF(type, inclass);
        }
        *ptype = type;
        *pvalue = value;
        return;
    }
    PyObject *args;
    if (value == Py_None) args = PyTuple_New(0);
    else if (PyTuple_Check(value)) args = Py_NewRef(value);
    else args = PyTuple_Pack(1, value);
    PyObject *inst = args ? PyObject_Call(type, args, NULL) : NULL;
    Py_XDECREF(args);
    if (inst) {
        Py_DECREF(value);
        *pvalue = inst;
        PyObject *cls = PyExceptionInstance_Check(inst) ? PyExceptionInstance_Class(inst) : type;
        if (cls != type) {
            Py_INCREF(cls);
            Py_SETREF(type, cls);
        }
        *ptype = type;
        return;
    }
    /* creating the instance failed: that exception replaces the original one */
    Py_DECREF(type);
    Py_DECREF(value);
    PyObject *initial_tb = *ptb;
    PyErr_Fetch(ptype, pvalue, ptb);
    if (initial_tb) {
        if (*ptb == NULL) *ptb = initial_tb;
        else Py_DECREF(initial_tb);
    }
    if (depth >= 32) {
        Py_CLEAR(*ptype);
        Py_CLEAR(*pvalue);
        Py_CLEAR(*ptb);
        PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded while normalizing an exception");
        PyErr_Fetch(ptype, pvalue, ptb);
        if (depth >= 34) return;   /* even RecursionError cannot be created */
    }
    normalize(ptype, pvalue, ptb, depth + 1);
}

void PyErr_NormalizeException(PyObject **ptype, PyObject **pvalue, PyObject **ptraceback) {
    normalize(ptype, pvalue, ptraceback, 0);
}

PyObject *PyErr_GetRaisedException(void) {
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (t == NULL) return NULL;
    PyErr_NormalizeException(&t, &v, &tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return v;
}

void PyErr_SetRaisedException(PyObject *exc) {
    if (exc == NULL) {
        PyErr_Clear();
        return;
    }
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc, NULL);
}

PyObject *PyErr_NoMemory(void) {
    PyErr_SetNone(PyExc_MemoryError);
    return NULL;
}

int PyErr_BadArgument(void) {
    PyErr_SetString(PyExc_TypeError, "bad argument type for built-in operation");
    return 0;
}

void PyErr_BadInternalCall(void) { PyErr_SetString(PyExc_SystemError, "bad argument to internal function"); }

PyObject *PyErr_SetFromErrno(PyObject *type) {
    int e = errno;
    PyObject *v = Py_BuildValue("(is)", e, strerror(e));
    if (v) {
        PyErr_SetObject(type, v);
        Py_DECREF(v);
    }
    return NULL;
}

int PyErr_CheckSignals(void) { return 0; }

void Py_FatalError(const char *message) {
    fprintf(stderr, "Fatal Python error: %s\n", message ? message : "");
    if (cur_type) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        PyErr_Display(t, v, tb);
    }
    fflush(stderr);
    abort();
}

/* ---- recursion guard ------------------------------------------------------------------------ */

static int recursion_limit = 1000;   /* accessed atomically */
static _Thread_local int recursion_depth;

int Py_EnterRecursiveCall(const char *where) {
    if (++recursion_depth > __atomic_load_n(&recursion_limit, __ATOMIC_RELAXED)) {
        --recursion_depth;
        PyErr_Format(PyExc_RecursionError, "maximum recursion depth exceeded%s", where ? where : "");
        return -1;
    }
    return 0;
}

void Py_LeaveRecursiveCall(void) { --recursion_depth; }
int Py_GetRecursionLimit(void) { return __atomic_load_n(&recursion_limit, __ATOMIC_RELAXED); }
void Py_SetRecursionLimit(int limit) { __atomic_store_n(&recursion_limit, limit, __ATOMIC_RELAXED); }
int _PySlp_GetRecursionDepth(void) { return recursion_depth; }
void _PySlp_SetRecursionDepth(int depth) { recursion_depth = depth; }

/* ---- printing ------------------------------------------------------------------------------- */

static void write_exception(FILE *f, PyObject *type, PyObject *value) {
    if (type == NULL) return;
    /* work on our own references: normalising may create the instance */
    PyObject *t = Py_NewRef(type), *v = Py_XNewRef(value), *tb = NULL;
    PyObject *saved_t, *saved_v, *saved_tb;
    PyErr_Fetch(&saved_t, &saved_v, &saved_tb);
    PyErr_NormalizeException(&t, &v, &tb);
    const char *name = PyType_Check(t) ? ((PyTypeObject *)t)->tp_name : "<unknown exception type>";
    PyObject *s = v && v != Py_None ? PyObject_Str(v) : NULL;
    const char *msg = s ? PyUnicode_AsUTF8(s) : NULL;
    if (v && v != Py_None && !s) {
        PyErr_Clear();
        msg = "<exception str() failed>";
    }
    if (msg && *msg) fprintf(f, "%s: %s\n", name, msg);
    else fprintf(f, "%s\n", name);
    fflush(f);
    Py_XDECREF(s);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    PyErr_Restore(saved_t, saved_v, saved_tb);
}

void PyErr_Display(PyObject *type, PyObject *value, PyObject *traceback) {
    (void)traceback;
    write_exception(stderr, type, value);
}

void PyErr_PrintEx(int set_sys_last_vars) {
    (void)set_sys_last_vars;
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (t == NULL) return;
    write_exception(stderr, t, v);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
}

void PyErr_Print(void) { PyErr_PrintEx(1); }

void PyErr_WriteUnraisable(PyObject *obj) {
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (obj) {
        PyObject *r = PyObject_Repr(obj);
        if (r) fprintf(stderr, "Exception ignored in: %s\n", PyUnicode_AsUTF8(r));
        else {
            PyErr_Clear();
            fprintf(stderr, "Exception ignored in: <object repr() failed>\n");
        }
        Py_XDECREF(r);
    }
    if (t) write_exception(stderr, t, v);
    fflush(stderr);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
}

int PyErr_WarnEx(PyObject *category, const char *message, Py_ssize_t stack_level) {
    (void)stack_level;
    if (category == NULL) category = PyExc_RuntimeWarning;
    const char *name = PyType_Check(category) ? ((PyTypeObject *)category)->tp_name : "Warning";
    fprintf(stderr, "%s: %s\n", name, message ? message : "");
    fflush(stderr);
    return 0;
}

int PyErr_WarnFormat(PyObject *category, Py_ssize_t stack_level, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *s = PyUnicode_FromFormatV(format, va);
    va_end(va);
    if (!s) return -1;
    int r = PyErr_WarnEx(category, PyUnicode_AsUTF8(s), stack_level);
    Py_DECREF(s);
    return r;
}

/* ---- new exception classes ------------------------------------------------------------------ */

PyObject *PyErr_NewExceptionWithDoc(const char *name, const char *doc, PyObject *base, PyObject *dict) {
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (dot == NULL) {
        PyErr_SetString(PyExc_SystemError, "PyErr_NewException: name must be module.class");
        return NULL;
    }
    if (base == NULL) base = PyExc_Exception;
    if (PyTuple_Check(base)) {
        /* single inheritance only: the first base */
        if (PyTuple_GET_SIZE(base) == 0) {
            PyErr_SetString(PyExc_TypeError, "PyErr_NewException: empty tuple of bases");
            return NULL;
        }
        base = PyTuple_GET_ITEM(base, 0);
    }
    if (!PyExceptionClass_Check(base)) {
        PyErr_SetString(PyExc_TypeError, "PyErr_NewException: base must be an exception class");
        return NULL;
    }
    if (dict != NULL && !PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "PyErr_NewException: dict must be a dict");
        return NULL;
    }
    PyTypeObject *b = (PyTypeObject *)base;
    PyTypeObject *t = (PyTypeObject *)PyObject_Calloc(1, sizeof(PyTypeObject));
    if (!t) return PyErr_NoMemory();
    Py_SET_REFCNT(t, 1);
    Py_SET_TYPE(t, &PyType_Type);
    t->tp_flags = Py_TPFLAGS_HEAPTYPE | Py_TPFLAGS_BASETYPE;
    t->tp_base = b;
    if (b->tp_flags & Py_TPFLAGS_HEAPTYPE) Py_INCREF(b);
    t->tp_basicsize = b->tp_basicsize;
    t->tp_name = _PyMem_Strdup(name);
    if (doc && (t->tp_doc = _PyMem_Strdup(doc)) == NULL) goto nomem;
    if (!t->tp_name) goto nomem;
    if ((t->tp_dict = PyDict_New()) == NULL) goto fail;
    if (dict && PyDict_Update(t->tp_dict, dict) < 0) goto fail;
    if (!PyDict_GetItemString(t->tp_dict, "__module__")) {
        PyObject *mod = PyUnicode_FromStringAndSize(name, dot - name);
        if (!mod || PyDict_SetItemString(t->tp_dict, "__module__", mod) < 0) {
            Py_XDECREF(mod);
            goto fail;
        }
        Py_DECREF(mod);
    }
    if (PyType_Ready(t) < 0) goto fail;
    return (PyObject *)t;
nomem:
    PyErr_NoMemory();
fail:
    Py_DECREF(t);
    return NULL;
}

PyObject *PyErr_NewException(const char *name, PyObject *base, PyObject *dict) {
    return PyErr_NewExceptionWithDoc(name, NULL, base, dict);
}
