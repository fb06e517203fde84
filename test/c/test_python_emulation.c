/* test_python_emulation.c - the Python C API emulation (include/Python.h, native/core/python):
 * objects and reference counts, types, ints, floats, str, tuples, lists, dicts, built-in
 * functions, modules, calls (with the hosted-call hook), Py_BuildValue / PyArg_*, the error
 * indicator and the exception classes. Every error case checks the exact class and message. */
#define _DEFAULT_SOURCE 1
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* str(o) equals expected; consumes nothing */
static int str_is(PyObject *o, const char *expected) {
    PyObject *s = PyObject_Str(o);
    if (!s) {
        PyErr_Print();
        return 0;
    }
    int ok = strcmp(PyUnicode_AsUTF8(s), expected) == 0;
    if (!ok) fprintf(stderr, "    str: got '%s', expected '%s'\n", PyUnicode_AsUTF8(s), expected);
    Py_DECREF(s);
    return ok;
}

static int repr_is(PyObject *o, const char *expected) {
    PyObject *s = PyObject_Repr(o);
    if (!s) {
        PyErr_Print();
        return 0;
    }
    int ok = strcmp(PyUnicode_AsUTF8(s), expected) == 0;
    if (!ok) fprintf(stderr, "    repr: got '%s', expected '%s'\n", PyUnicode_AsUTF8(s), expected);
    Py_DECREF(s);
    return ok;
}

/* the str object (consumed) equals expected */
static int steal_str_is(PyObject *s, const char *expected) {
    if (!s) {
        PyErr_Print();
        return 0;
    }
    int ok = PyUnicode_Check(s) && strcmp(PyUnicode_AsUTF8(s), expected) == 0;
    if (!ok) fprintf(stderr, "    got '%s', expected '%s'\n", PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : "(not a str)", expected);
    Py_DECREF(s);
    return ok;
}

/* repr of a new reference (consumed) equals expected */
static int steal_repr_is(PyObject *o, const char *expected) {
    if (!o) {
        PyErr_Print();
        return 0;
    }
    int ok = repr_is(o, expected);
    Py_DECREF(o);
    return ok;
}

/* the long object (consumed) has value v */
static int steal_long_is(PyObject *o, long v) {
    if (!o) {
        PyErr_Print();
        return 0;
    }
    int ok = PyLong_Check(o) && PyLong_AsLong(o) == v;
    Py_DECREF(o);
    return ok;
}

/* runs fn with stderr redirected; returns what was written (malloc'd) */
static char *capture_stderr(void (*fn)(void *), void *arg) {
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    dup2(fileno(tmp), 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp);
    if (n < 0) n = 0;
    rewind(tmp);
    char *buf = (char *)malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, tmp);
    buf[got] = '\0';
    fclose(tmp);
    return buf;
}

/* ---- a test type with a dealloc counter and methods ------------------------------------------ */

typedef struct {
    PyObject_HEAD
    long value;
} CounterObject;

static int counter_deallocs;

static void counter_dealloc(PyObject *self) {
    counter_deallocs++;
    Py_TYPE(self)->tp_free(self);
}

static PyObject *counter_get(PyObject *self, PyObject *noargs) {
    (void)noargs;
    return PyLong_FromLong(((CounterObject *)self)->value);
}

static PyObject *counter_add(PyObject *self, PyObject *arg) {
    long v = PyLong_AsLong(arg);
    if (v == -1 && PyErr_Occurred()) return NULL;
    ((CounterObject *)self)->value += v;
    Py_RETURN_NONE;
}

static PyObject *counter_sum(PyObject *self, PyObject *args) {
    long a, b = 0;
    if (!PyArg_ParseTuple(args, "l|l:sum", &a, &b)) return NULL;
    return PyLong_FromLong(((CounterObject *)self)->value + a + b);
}

static PyObject *counter_static(PyObject *self, PyObject *args) {
    return PyLong_FromLong(self == NULL ? 1 : 0);
}

static PyObject *counter_class(PyObject *cls, PyObject *args) {
    return Py_NewRef(cls);
}

static PyMethodDef counter_methods[] = {
    { "get", counter_get, METH_NOARGS, "value" },
    { "add", counter_add, METH_O, NULL },
    { "sum", counter_sum, METH_VARARGS, NULL },
    { "smeth", counter_static, METH_VARARGS | METH_STATIC, NULL },
    { "cmeth", counter_class, METH_VARARGS | METH_CLASS, NULL },
    { NULL, NULL, 0, NULL },
};

static PyObject *counter_call(PyObject *self, PyObject *args, PyObject *kwargs) {
    return Py_BuildValue("(lnn)", ((CounterObject *)self)->value, PyTuple_GET_SIZE(args),
                         kwargs ? PyDict_Size(kwargs) : (Py_ssize_t)-1);
}

static PyTypeObject Counter_Type = {
    .tp_name = "test.Counter",
    .tp_basicsize = sizeof(CounterObject),
    .tp_dealloc = counter_dealloc,
    .tp_call = counter_call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_methods = counter_methods,
    .tp_new = PyType_GenericNew,
};

/* a subclass inheriting everything */
static PyTypeObject SubCounter_Type = {
    .tp_name = "test.SubCounter",
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

static CounterObject *new_counter(long v) {
    CounterObject *c = PyObject_New(CounterObject, &Counter_Type);
    if (c) c->value = v;
    return c;
}

/* ---- objects, refcounts, None, bool ------------------------------------------------------------ */

static PyObject *return_none(void) { Py_RETURN_NONE; }
static PyObject *return_true(void) { Py_RETURN_TRUE; }
static PyObject *return_false(void) { Py_RETURN_FALSE; }

static void test_none_and_bool(void) {
    CHECK(Py_None != NULL);
    CHECK(Py_IsNone(Py_None));
    CHECK(repr_is(Py_None, "None"));
    CHECK(str_is(Py_None, "None"));
    Py_ssize_t rc = Py_REFCNT(Py_None);
    PyObject *n = return_none();
    CHECK(n == Py_None);
    CHECK_EQ_INT(Py_REFCNT(Py_None), rc + 1);
    Py_DECREF(n);
    CHECK_EQ_INT(Py_REFCNT(Py_None), rc);
    CHECK(Py_REFCNT(Py_None) > 1000000);   /* immortal */

    PyObject *t = return_true(), *f = return_false();
    CHECK(t == Py_True && f == Py_False);
    Py_DECREF(t);
    Py_DECREF(f);
    CHECK(Py_IsTrue(Py_True) && Py_IsFalse(Py_False));
    PyObject *b = PyBool_FromLong(42);
    CHECK(b == Py_True);
    Py_DECREF(b);
    b = PyBool_FromLong(0);
    CHECK(b == Py_False);
    Py_DECREF(b);
    CHECK(PyBool_Check(Py_True) && PyBool_Check(Py_False));
    CHECK(!PyBool_Check(Py_None));
    /* bool is a subclass of int */
    CHECK(PyLong_Check(Py_True));
    CHECK(!PyLong_CheckExact(Py_True));
    CHECK_EQ_INT(PyLong_AsLong(Py_True), 1);
    CHECK_EQ_INT(PyLong_AsLong(Py_False), 0);
    CHECK(PyType_IsSubtype(&PyBool_Type, &PyLong_Type));
    CHECK(repr_is(Py_True, "True"));
    CHECK(str_is(Py_False, "False"));
    CHECK(strcmp(Py_TYPE(Py_None)->tp_name, "NoneType") == 0);
    CHECK(PyObject_IsInstance(Py_None, (PyObject *)&PyBaseObject_Type) == 1);
    CHECK(PyTraceBack_Check(Py_None) == 0);
    CHECK(strcmp(PyTraceBack_Type.tp_name, "traceback") == 0);
}

static void test_refcounts_and_dealloc(void) {
    CHECK(PyType_Ready(&Counter_Type) == 0);
    counter_deallocs = 0;
    CounterObject *c = new_counter(5);
    PyObject *o = (PyObject *)c;
    CHECK_EQ_INT(Py_REFCNT(o), 1);
    CHECK(Py_TYPE(o) == &Counter_Type);
    Py_INCREF(o);
    CHECK_EQ_INT(Py_REFCNT(o), 2);
    Py_XINCREF(o);
    CHECK_EQ_INT(Py_REFCNT(o), 3);
    Py_XDECREF(o);
    Py_DECREF(o);
    CHECK_EQ_INT(Py_REFCNT(o), 1);
    CHECK_EQ_INT(counter_deallocs, 0);
    PyObject *nul = NULL;
    Py_XINCREF(nul);
    Py_XDECREF(nul);
    Py_CLEAR(nul);
    PyObject *r = Py_NewRef(o);
    CHECK(r == o && Py_REFCNT(o) == 2);
    Py_DECREF(r);
    CHECK(Py_XNewRef(NULL) == NULL);
    Py_CLEAR(o);
    CHECK(o == NULL);
    CHECK_EQ_INT(counter_deallocs, 1);

    /* Py_SETREF / Py_XSETREF */
    PyObject *a = PyLong_FromLong(1), *bb = PyLong_FromLong(2);
    Py_SETREF(a, bb);
    CHECK_EQ_INT(PyLong_AsLong(a), 2);
    Py_XSETREF(a, NULL);
    CHECK(a == NULL);
}

static int plain_frees;
static void counting_free(void *p) {
    plain_frees++;
    PyObject_Free(p);
}

static PyTypeObject Plain_Type = {
    .tp_name = "test.Plain",
    .tp_free = counting_free,
};

static void test_default_dealloc_uses_tp_free(void) {
    CHECK(PyType_Ready(&Plain_Type) == 0);
    CHECK(Py_TYPE(&Plain_Type) == &PyType_Type);      /* head repaired by PyType_Ready */
    CHECK(Py_REFCNT(&Plain_Type) > 1000000);          /* static types are immortal */
    CHECK(Plain_Type.tp_base == &PyBaseObject_Type);
    CHECK(Plain_Type.tp_basicsize == sizeof(PyObject));
    CHECK(Plain_Type.tp_dealloc != NULL && Plain_Type.tp_repr != NULL && Plain_Type.tp_getattro != NULL);
    CHECK(Plain_Type.tp_flags & Py_TPFLAGS_READY);
    plain_frees = 0;
    PyObject *o = _PyObject_New(&Plain_Type);
    CHECK(o && Py_REFCNT(o) == 1);
    Py_DECREF(o);
    CHECK_EQ_INT(plain_frees, 1);
    o = PyType_GenericNew(&Plain_Type, NULL, NULL);
    Py_DECREF(o);
    CHECK_EQ_INT(plain_frees, 2);
}

static PyObject *hosted_dummy_call(PyObject *self, PyObject *args, PyObject *kwargs) {
    return PyUnicode_FromString("direct");
}

static PyTypeObject HostedBase_Type = {
    .tp_name = "test.HostedBase",
    .tp_call = hosted_dummy_call,
    .tp_flags = Py_TPFLAGS_BASETYPE | Py_TPFLAGS_SLP_HOSTED_CALL,
    .tp_new = PyType_GenericNew,
};
static PyTypeObject HostedSub_Type = { .tp_name = "test.HostedSub" };
static PyTypeObject NoName_Type = { .tp_basicsize = 16 };

/* the way ported CPython code writes its types */
static PyTypeObject Classic_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    "test.Classic",           /* tp_name */
    sizeof(CounterObject),    /* tp_basicsize */
    0,                        /* tp_itemsize */
    counter_dealloc,          /* tp_dealloc */
    .tp_doc = "positional head, then designated fields",
};
static PyTypeObject Classic2_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "test.Classic2",
};

static void test_type_ready(void) {
    CHECK(PyType_Ready(&Classic_Type) == 0);
    CHECK(Py_TYPE(&Classic_Type) == &PyType_Type && Py_REFCNT(&Classic_Type) > 1000000);
    CHECK(Classic_Type.tp_base == &PyBaseObject_Type && Classic_Type.tp_dealloc == counter_dealloc);
    CHECK(PyType_Ready(&Classic2_Type) == 0);
    CHECK(Py_TYPE(&Classic2_Type) == &PyType_Type);
    counter_deallocs = 0;
    PyObject *co = PyObject_CallNoArgs((PyObject *)&Classic_Type);
    CHECK(co && Py_TYPE(co) == &Classic_Type);
    Py_XDECREF(co);
    CHECK_EQ_INT(counter_deallocs, 1);

    SubCounter_Type.tp_base = &Counter_Type;
    CHECK(PyType_Ready(&SubCounter_Type) == 0);
    CHECK(SubCounter_Type.tp_dealloc == counter_dealloc);
    CHECK(SubCounter_Type.tp_call == counter_call);
    CHECK(SubCounter_Type.tp_new == PyType_GenericNew);
    CHECK(SubCounter_Type.tp_basicsize == sizeof(CounterObject));
    CHECK(SubCounter_Type.tp_free == PyObject_Free);
    CHECK(PyType_Ready(&SubCounter_Type) == 0);   /* idempotent */
    CHECK(PyType_IsSubtype(&SubCounter_Type, &Counter_Type));
    CHECK(PyType_IsSubtype(&SubCounter_Type, &PyBaseObject_Type));
    CHECK(!PyType_IsSubtype(&Counter_Type, &SubCounter_Type));
    CHECK(!PyType_IsSubtype(&Counter_Type, &PyLong_Type));
    CHECK(PyType_IsSubtype(&PyLong_Type, &PyLong_Type));
    CHECK(PyType_Check((PyObject *)&Counter_Type));
    CHECK(!PyType_Check(Py_None));
    CHECK(PyType_CheckExact((PyObject *)&PyLong_Type));

    /* the hosted-call flag is inherited together with tp_call */
    HostedSub_Type.tp_base = &HostedBase_Type;
    CHECK(PyType_Ready(&HostedSub_Type) == 0);
    CHECK(HostedSub_Type.tp_flags & Py_TPFLAGS_SLP_HOSTED_CALL);
    CHECK(HostedSub_Type.tp_call == hosted_dummy_call);

    /* fast-subclass flags are inherited */
    CHECK(PyType_FastSubclass(&PyBool_Type, Py_TPFLAGS_LONG_SUBCLASS));

    /* the static types of the emulation are ready without any init call */
    PyTypeObject *statics[] = { &PyType_Type, &PyBaseObject_Type, &PyLong_Type, &PyBool_Type, &PyFloat_Type,
                                &PyUnicode_Type, &PyTuple_Type, &PyList_Type, &PyDict_Type, &PyCFunction_Type,
                                &PyModule_Type, &PyTraceBack_Type, (PyTypeObject *)PyExc_TaskletExit };
    for (size_t i = 0; i < sizeof statics / sizeof statics[0]; i++) {
        CHECK(statics[i]->tp_flags & Py_TPFLAGS_READY);
        CHECK(Py_TYPE(statics[i]) == &PyType_Type);
        CHECK(PyType_Ready(statics[i]) == 0);
    }

    CHECK(PyType_Ready(&NoName_Type) == -1);
    CHECK_ERR(PyExc_SystemError, "Type does not define the tp_name field.");
    CHECK(PyType_Ready(NULL) == -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
}

static void test_allocation(void) {
    counter_deallocs = 0;
    PyObject *o = PyType_GenericAlloc(&Counter_Type, 0);
    CHECK(o && Py_REFCNT(o) == 1 && Py_TYPE(o) == &Counter_Type);
    CHECK_EQ_INT(((CounterObject *)o)->value, 0);   /* zeroed */
    Py_DECREF(o);
    CHECK_EQ_INT(counter_deallocs, 1);

    /* tp_new of the type via a call */
    o = PyObject_CallNoArgs((PyObject *)&Counter_Type);
    CHECK(o && Py_TYPE(o) == &Counter_Type);
    Py_XDECREF(o);
    CHECK_EQ_INT(counter_deallocs, 2);

    void *p = PyObject_Malloc(10);
    CHECK(p != NULL);
    p = PyObject_Realloc(p, 100);
    PyObject_Free(p);
    p = PyMem_Malloc(0);
    CHECK(p != NULL);
    PyMem_Free(p);
    int *ip = (int *)PyMem_Calloc(4, sizeof(int));
    CHECK(ip && ip[0] == 0 && ip[3] == 0);
    ip = (int *)PyMem_Realloc(ip, 8 * sizeof(int));
    CHECK(ip != NULL);
    PyMem_Free(ip);
    PyObject_Free(NULL);
    PyMem_Free(NULL);

    /* GC API compatibility */
    CounterObject *g = PyObject_GC_New(CounterObject, &Counter_Type);
    CHECK(g != NULL);
    PyObject_GC_Track(g);
    CHECK(PyObject_GC_IsTracked((PyObject *)g) == 0);
    PyObject_GC_UnTrack(g);
    Py_DECREF(g);

    /* variable-size objects */
    PyVarObject *v = _PyObject_NewVar(&PyTuple_Type, 3);
    CHECK(v && Py_SIZE(v) == 3 && PyTuple_GET_ITEM(v, 2) == NULL);
    Py_XDECREF(v);
}

/* ---- repr / str / truth ---------------------------------------------------------------------- */

static PyObject *bad_repr(PyObject *self) { return PyLong_FromLong(1); }
static PyTypeObject BadRepr_Type = { .tp_name = "test.BadRepr", .tp_repr = bad_repr };

static void test_repr_and_str(void) {
    CounterObject *c = new_counter(1);
    PyObject *r = PyObject_Repr((PyObject *)c);
    CHECK(r != NULL);
    if (r) {
        const char *s = PyUnicode_AsUTF8(r);
        CHECK(strncmp(s, "<test.Counter object at 0x", 26) == 0);
        CHECK(s[strlen(s) - 1] == '>');
    }
    Py_XDECREF(r);
    PyObject *s1 = PyObject_Str((PyObject *)c);   /* default str is repr */
    CHECK(s1 && strncmp(PyUnicode_AsUTF8(s1), "<test.Counter object at 0x", 26) == 0);
    Py_XDECREF(s1);
    Py_DECREF(c);

    PyObject *s = PyUnicode_FromString("abc");
    PyObject *s2 = PyObject_Str(s);
    CHECK(s2 == s);   /* str of a str is itself */
    Py_DECREF(s2);
    CHECK(repr_is(s, "'abc'"));
    Py_DECREF(s);
    CHECK(steal_repr_is(PyUnicode_FromString("it's \"q\"\n\t\\\x01"), "'it\\'s \"q\"\\n\\t\\\\\\x01'"));
    CHECK(steal_repr_is(PyUnicode_FromString("it's"), "\"it's\""));
    CHECK(steal_repr_is(PyUnicode_FromString("h\xc3\xa9"), "'h\xc3\xa9'"));
    CHECK(steal_repr_is(PyLong_FromLong(-12), "-12"));
    CHECK(steal_repr_is(PyFloat_FromDouble(1.5), "1.5"));
    CHECK(steal_repr_is(PyFloat_FromDouble(0.1), "0.1"));
    CHECK(steal_repr_is(PyFloat_FromDouble(2.0), "2.0"));
    CHECK(steal_repr_is(PyFloat_FromDouble(1e100), "1e+100"));
    CHECK(steal_repr_is(Py_BuildValue("(is(i)[]{})", 1, "x", 2), "(1, 'x', (2,), [], {})"));
    CHECK(steal_repr_is(Py_BuildValue("[i,s]", 1, "x"), "[1, 'x']"));
    CHECK(steal_repr_is(Py_BuildValue("{s:i,i:s}", "a", 1, 2, "b"), "{'a': 1, 2: 'b'}"));
    CHECK(repr_is((PyObject *)&PyLong_Type, "<class 'int'>"));
    CHECK(repr_is(PyExc_ValueError, "<class 'ValueError'>"));
    CHECK(str_is((PyObject *)&PyLong_Type, "<class 'int'>"));

    /* a container containing itself */
    PyObject *l = PyList_New(0);
    PyList_Append(l, l);
    CHECK(repr_is(l, "[[...]]"));
    PyList_SetItem(l, 0, PyLong_FromLong(0));   /* break the cycle */
    Py_DECREF(l);

    CHECK(steal_str_is(PyObject_Repr(NULL), "<NULL>"));
    CHECK(steal_str_is(PyObject_Str(NULL), "<NULL>"));
    CHECK(PyType_Ready(&BadRepr_Type) == 0);
    PyObject *br = _PyObject_New(&BadRepr_Type);
    CHECK(PyObject_Repr(br) == NULL);
    CHECK_ERR(PyExc_TypeError, "__repr__ returned non-string (type int)");
    CHECK(PyObject_Str(br) == NULL);   /* default str is repr */
    CHECK_ERR(PyExc_TypeError, "__repr__ returned non-string (type int)");
    Py_DECREF(br);
}

static void test_truth_size_compare_hash(void) {
    PyObject *zero = PyLong_FromLong(0), *one = PyLong_FromLong(1), *fz = PyFloat_FromDouble(0.0);
    PyObject *f1 = PyFloat_FromDouble(1.0), *fh = PyFloat_FromDouble(1.5), *es = PyUnicode_FromString("");
    PyObject *s = PyUnicode_FromString("ab"), *et = PyTuple_New(0), *t = Py_BuildValue("(i)", 1);
    PyObject *d = PyDict_New(), *l = PyList_New(0);
    CHECK_EQ_INT(PyObject_IsTrue(Py_None), 0);
    CHECK_EQ_INT(PyObject_IsTrue(Py_True), 1);
    CHECK_EQ_INT(PyObject_IsTrue(zero), 0);
    CHECK_EQ_INT(PyObject_IsTrue(one), 1);
    CHECK_EQ_INT(PyObject_IsTrue(fz), 0);
    CHECK_EQ_INT(PyObject_IsTrue(fh), 1);
    CHECK_EQ_INT(PyObject_IsTrue(es), 0);
    CHECK_EQ_INT(PyObject_IsTrue(s), 1);
    CHECK_EQ_INT(PyObject_IsTrue(et), 0);
    CHECK_EQ_INT(PyObject_IsTrue(t), 1);
    CHECK_EQ_INT(PyObject_IsTrue(d), 0);
    CHECK_EQ_INT(PyObject_IsTrue(l), 0);
    CHECK_EQ_INT(PyObject_IsTrue((PyObject *)&PyLong_Type), 1);
    CHECK_EQ_INT(PyObject_Not(zero), 1);
    CHECK_EQ_INT(PyObject_Size(s), 2);
    CHECK_EQ_INT(PyObject_Length(t), 1);
    CHECK_EQ_INT(PyObject_Size(d), 0);
    CHECK_EQ_INT(PyObject_Size(one), -1);
    CHECK_ERR(PyExc_TypeError, "object of type 'int' has no len()");

    CHECK_EQ_INT(PyObject_RichCompareBool(one, f1, Py_EQ), 1);
    CHECK_EQ_INT(PyObject_RichCompareBool(one, Py_True, Py_EQ), 1);
    CHECK_EQ_INT(PyObject_RichCompareBool(zero, fh, Py_LT), 1);
    CHECK_EQ_INT(PyObject_RichCompareBool(fh, one, Py_GE), 1);
    CHECK_EQ_INT(PyObject_RichCompareBool(one, fh, Py_GT), 0);
    CHECK_EQ_INT(PyObject_RichCompareBool(s, es, Py_GT), 1);
    CHECK_EQ_INT(PyObject_RichCompareBool(s, one, Py_EQ), 0);
    CHECK_EQ_INT(PyObject_RichCompareBool(s, one, Py_NE), 1);
    CHECK_EQ_INT(PyObject_RichCompareBool(one, s, Py_LT), -1);
    CHECK_ERR(PyExc_TypeError, "'<' not supported between instances of 'int' and 'str'");
    PyObject *t2 = Py_BuildValue("(d)", 1.0), *t3 = Py_BuildValue("(ii)", 1, 0);
    CHECK_EQ_INT(PyObject_RichCompareBool(t, t2, Py_EQ), 1);
    CHECK_EQ_INT(PyObject_RichCompareBool(t, t3, Py_LT), 1);
    PyObject *nan = PyFloat_FromDouble(__builtin_nan(""));
    CHECK_EQ_INT(PyObject_RichCompare(nan, nan, Py_EQ) == Py_False, 1);   /* cached bool, no leak */
    CHECK_EQ_INT(PyObject_RichCompareBool(nan, nan, Py_EQ), 1);           /* identity shortcut */
    PyObject *big = PyLong_FromUnsignedLongLong(18446744073709551615ULL);
    PyObject *fbig = PyFloat_FromDouble(18446744073709551616.0);
    CHECK_EQ_INT(PyObject_RichCompareBool(big, fbig, Py_LT), 1);
    PyObject *res = PyObject_RichCompare(one, f1, Py_EQ);
    CHECK(res == Py_True);
    Py_XDECREF(res);

    CHECK(PyObject_Hash(one) == PyObject_Hash(f1));
    CHECK(PyObject_Hash(one) == PyObject_Hash(Py_True));
    CHECK(PyObject_Hash(t) == PyObject_Hash(t2));
    PyObject *s_again = PyUnicode_FromString("ab");
    CHECK(PyObject_Hash(s) == PyObject_Hash(s_again));
    CHECK(PyObject_Hash(l) == -1);
    CHECK_ERR(PyExc_TypeError, "unhashable type: 'list'");
    CHECK(PyObject_Hash(d) == -1);
    CHECK_ERR(PyExc_TypeError, "unhashable type: 'dict'");
    CHECK(PyObject_Hash(Py_None) != -1);

    PyObject *ty = PyObject_Type(one);
    CHECK(ty == (PyObject *)&PyLong_Type);
    Py_XDECREF(ty);

    Py_DECREF(zero); Py_DECREF(one); Py_DECREF(fz); Py_DECREF(f1); Py_DECREF(fh); Py_DECREF(es);
    Py_DECREF(s); Py_DECREF(et); Py_DECREF(t); Py_DECREF(d); Py_DECREF(l); Py_DECREF(t2); Py_DECREF(t3);
    Py_DECREF(nan); Py_DECREF(big); Py_DECREF(fbig); Py_DECREF(s_again);
}

static void test_isinstance_issubclass_callable(void) {
    PyObject *one = PyLong_FromLong(1), *s = PyUnicode_FromString("x");
    CHECK_EQ_INT(PyObject_IsInstance(one, (PyObject *)&PyLong_Type), 1);
    CHECK_EQ_INT(PyObject_IsInstance(Py_True, (PyObject *)&PyLong_Type), 1);
    CHECK_EQ_INT(PyObject_IsInstance(one, (PyObject *)&PyBool_Type), 0);
    CHECK_EQ_INT(PyObject_IsInstance(s, (PyObject *)&PyBaseObject_Type), 1);
    PyObject *cls = PyTuple_Pack(2, (PyObject *)&PyFloat_Type, (PyObject *)&PyUnicode_Type);
    CHECK_EQ_INT(PyObject_IsInstance(s, cls), 1);
    CHECK_EQ_INT(PyObject_IsInstance(one, cls), 0);
    PyObject *nested = Py_BuildValue("(O(O))", (PyObject *)&PyFloat_Type, (PyObject *)&PyLong_Type);
    CHECK_EQ_INT(PyObject_IsInstance(one, nested), 1);
    CHECK_EQ_INT(PyObject_IsInstance(one, one), -1);
    CHECK_ERR(PyExc_TypeError, "isinstance() arg 2 must be a type or tuple of types");

    CHECK_EQ_INT(PyObject_IsSubclass((PyObject *)&PyBool_Type, (PyObject *)&PyLong_Type), 1);
    CHECK_EQ_INT(PyObject_IsSubclass(PyExc_TaskletExit, cls), 0);
    CHECK_EQ_INT(PyObject_IsSubclass(PyExc_KeyError, PyExc_LookupError), 1);
    PyObject *ecls = PyTuple_Pack(2, PyExc_ValueError, PyExc_SystemExit);
    CHECK_EQ_INT(PyObject_IsSubclass(PyExc_TaskletExit, ecls), 1);
    CHECK_EQ_INT(PyObject_IsSubclass(one, (PyObject *)&PyLong_Type), -1);
    CHECK_ERR(PyExc_TypeError, "issubclass() arg 1 must be a class");
    CHECK_EQ_INT(PyObject_IsSubclass((PyObject *)&PyLong_Type, one), -1);
    CHECK_ERR(PyExc_TypeError, "issubclass() arg 2 must be a class or tuple of classes");

    CHECK(PyCallable_Check((PyObject *)&PyLong_Type));
    CHECK(PyCallable_Check(PyExc_ValueError));
    CHECK(!PyCallable_Check(one));
    CHECK(!PyCallable_Check(NULL));
    CounterObject *c = new_counter(0);
    CHECK(PyCallable_Check((PyObject *)c));
    Py_DECREF(c);
    Py_DECREF(one); Py_DECREF(s); Py_DECREF(cls); Py_DECREF(nested); Py_DECREF(ecls);
}

/* ---- ints and floats -------------------------------------------------------------------------- */

static void test_long(void) {
    PyObject *o = PyLong_FromLong(42);
    CHECK(PyLong_Check(o) && PyLong_CheckExact(o));
    CHECK_EQ_INT(PyLong_AsLong(o), 42);
    CHECK_EQ_INT(PyLong_AsLongLong(o), 42);
    CHECK_EQ_INT(PyLong_AsSsize_t(o), 42);
    CHECK(PyLong_AsUnsignedLong(o) == 42UL);
    CHECK(PyLong_AsDouble(o) == 42.0);
    Py_DECREF(o);
    CHECK(steal_long_is(PyLong_FromLong(LONG_MIN), LONG_MIN));
    CHECK(steal_long_is(PyLong_FromLong(LONG_MAX), LONG_MAX));
    o = PyLong_FromLongLong(LLONG_MIN);
    CHECK(PyLong_AsLongLong(o) == LLONG_MIN);
    CHECK(repr_is(o, "-9223372036854775808"));
    Py_DECREF(o);
    o = PyLong_FromSsize_t(-7);
    CHECK_EQ_INT(PyLong_AsSsize_t(o), -7);
    CHECK(PyLong_AsUnsignedLong(o) == (unsigned long)-1);
    CHECK_ERR(PyExc_OverflowError, "can't convert negative value to unsigned int");
    CHECK(PyLong_AsUnsignedLongLong(o) == (unsigned long long)-1);
    CHECK_ERR(PyExc_OverflowError, "can't convert negative int to unsigned");
    CHECK(PyLong_AsSize_t(o) == (size_t)-1);
    CHECK_ERR(PyExc_OverflowError, "can't convert negative value to size_t");
    CHECK(PyLong_AsUnsignedLongMask(o) == (unsigned long)-7);
    Py_DECREF(o);
    o = PyLong_FromUnsignedLong(ULONG_MAX);
    CHECK(PyLong_AsUnsignedLong(o) == ULONG_MAX);
    CHECK(repr_is(o, "18446744073709551615"));
    CHECK_EQ_INT(PyLong_AsLong(o), -1);
    CHECK_ERR(PyExc_OverflowError, "Python int too large to convert to C long");
    CHECK_EQ_INT(PyLong_AsLongLong(o), -1);
    CHECK_ERR(PyExc_OverflowError, "Python int too large to convert to C long long");
    CHECK_EQ_INT(PyLong_AsSsize_t(o), -1);
    CHECK_ERR(PyExc_OverflowError, "Python int too large to convert to C ssize_t");
    int of = 0;
    CHECK_EQ_INT(PyLong_AsLongAndOverflow(o, &of), -1);
    CHECK_EQ_INT(of, 1);
    CHECK_NO_ERR();
    Py_DECREF(o);
    o = PyLong_FromUnsignedLongLong(0);
    CHECK_EQ_INT(PyLong_AsLongAndOverflow(o, &of), 0);
    CHECK_EQ_INT(of, 0);
    Py_DECREF(o);
    o = PyLong_FromSize_t(123);
    CHECK(PyLong_AsSize_t(o) == 123);
    Py_DECREF(o);

    int x;
    o = PyLong_FromVoidPtr(&x);
    CHECK(PyLong_AsVoidPtr(o) == &x);
    Py_DECREF(o);

    /* errors for non-ints */
    PyObject *s = PyUnicode_FromString("5"), *f = PyFloat_FromDouble(2.5);
    CHECK_EQ_INT(PyLong_AsLong(s), -1);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK_EQ_INT(PyLong_AsLong(f), -1);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK_EQ_INT(PyLong_AsLongLong(s), -1);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK_EQ_INT(PyLong_AsSsize_t(s), -1);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK(PyLong_AsUnsignedLong(s) == (unsigned long)-1);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK_EQ_INT(PyLong_AsLong(NULL), -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK(PyNumber_Index(s) == NULL);
    CHECK_ERR(PyExc_TypeError, "'str' object cannot be interpreted as an integer");
    CHECK(steal_long_is(PyNumber_Index(Py_True), 1));

    /* from double / string */
    CHECK(steal_long_is(PyLong_FromDouble(-3.9), -3));
    CHECK(PyLong_FromDouble(1.0 / 0.0) == NULL);
    CHECK_ERR(PyExc_OverflowError, "cannot convert float infinity to integer");
    CHECK(PyLong_FromDouble(__builtin_nan("")) == NULL);
    CHECK_ERR(PyExc_ValueError, "cannot convert float NaN to integer");
    CHECK(steal_long_is(PyLong_FromString(" -0x1F ", NULL, 0), -31));
    CHECK(steal_long_is(PyLong_FromString("1_000", NULL, 10), 1000));
    char *end;
    CHECK(steal_long_is(PyLong_FromString("12abc", &end, 10), 12));
    CHECK(strcmp(end, "abc") == 0);
    CHECK(PyLong_FromString("12x", NULL, 10) == NULL);
    CHECK_ERR(PyExc_ValueError, "invalid literal for int() with base 10: '12x'");

    /* int() */
    CHECK(steal_long_is(PyObject_CallFunction((PyObject *)&PyLong_Type, "s", "42"), 42));
    CHECK(steal_long_is(PyObject_CallFunction((PyObject *)&PyLong_Type, "d", 7.9), 7));
    CHECK(steal_long_is(PyObject_CallFunction((PyObject *)&PyLong_Type, "si", "ff", 16), 255));
    CHECK(steal_long_is(PyObject_CallNoArgs((PyObject *)&PyLong_Type), 0));
    CHECK(PyObject_CallFunction((PyObject *)&PyLong_Type, "O", Py_None) == NULL);
    CHECK_ERR(PyExc_TypeError, "int() argument must be a string or a number, not 'NoneType'");
    PyObject *b = PyObject_CallFunction((PyObject *)&PyBool_Type, "i", 5);
    CHECK(b == Py_True);
    Py_XDECREF(b);
    Py_DECREF(s);
    Py_DECREF(f);
}

static void test_float(void) {
    PyObject *f = PyFloat_FromDouble(2.25);
    CHECK(PyFloat_Check(f) && PyFloat_CheckExact(f));
    CHECK(PyFloat_AsDouble(f) == 2.25);
    CHECK(PyFloat_AS_DOUBLE(f) == 2.25);
    CHECK(!PyLong_Check(f));
    Py_DECREF(f);
    PyObject *i = PyLong_FromLong(-3);
    CHECK(PyFloat_AsDouble(i) == -3.0);
    CHECK(!PyFloat_Check(i));
    Py_DECREF(i);
    PyObject *s = PyUnicode_FromString("1.5");
    CHECK(PyFloat_AsDouble(s) == -1.0);
    CHECK_ERR(PyExc_TypeError, "must be real number, not str");
    PyObject *g = PyObject_CallOneArg((PyObject *)&PyFloat_Type, s);
    CHECK(g && PyFloat_AsDouble(g) == 1.5);
    Py_XDECREF(g);
    Py_DECREF(s);
    CHECK(steal_repr_is(PyFloat_FromDouble(-0.5), "-0.5"));
    CHECK(steal_repr_is(PyFloat_FromDouble(1.0 / 0.0), "inf"));
    CHECK(steal_repr_is(PyFloat_FromDouble(123456789.0), "123456789.0"));
    s = PyUnicode_FromString("x");
    CHECK(PyObject_CallOneArg((PyObject *)&PyFloat_Type, s) == NULL);
    CHECK_ERR(PyExc_ValueError, "could not convert string to float: 'x'");
    Py_DECREF(s);
}

/* ---- str -------------------------------------------------------------------------------------- */

static void test_unicode(void) {
    PyObject *s = PyUnicode_FromString("h\xc3\xa9llo \xf0\x9f\x98\x80");   /* "héllo 😀" */
    CHECK(PyUnicode_Check(s) && PyUnicode_CheckExact(s));
    CHECK_EQ_INT(PyUnicode_GetLength(s), 7);
    CHECK_EQ_INT(PyUnicode_GET_LENGTH(s), 7);
    Py_ssize_t n = 0;
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    CHECK_EQ_INT(n, 11);
    CHECK(strcmp(u, "h\xc3\xa9llo \xf0\x9f\x98\x80") == 0);
    CHECK(PyUnicode_AsUTF8(s) == u);
    CHECK(PyUnicode_ReadChar(s, 1) == 0xE9);
    CHECK(PyUnicode_ReadChar(s, 6) == 0x1F600);
    CHECK(PyUnicode_ReadChar(s, 7) == (Py_UCS4)-1);
    CHECK_ERR(PyExc_IndexError, "string index out of range");
    CHECK(steal_str_is(PyUnicode_Substring(s, 1, 3), "\xc3\xa9l"));
    CHECK(steal_str_is(PyUnicode_Substring(s, 5, 100), " \xf0\x9f\x98\x80"));
    CHECK(steal_str_is(PyUnicode_Substring(s, 4, 2), ""));
    Py_DECREF(s);

    /* embedded NUL */
    s = PyUnicode_FromStringAndSize("a\0b", 3);
    CHECK_EQ_INT(PyUnicode_GetLength(s), 3);
    u = PyUnicode_AsUTF8AndSize(s, &n);
    CHECK(n == 3 && u[1] == '\0' && u[2] == 'b' && u[3] == '\0');
    CHECK(PyUnicode_CompareWithASCIIString(s, "a") == 1);
    Py_DECREF(s);
    s = PyUnicode_FromStringAndSize(NULL, 0);
    CHECK(s && PyUnicode_GetLength(s) == 0);
    Py_XDECREF(s);
    CHECK(PyUnicode_FromStringAndSize("x", -1) == NULL);
    CHECK_ERR(PyExc_SystemError, "Negative size passed to PyUnicode_FromStringAndSize");

    /* invalid UTF-8 */
    CHECK(PyUnicode_FromString("a\xff") == NULL);
    CHECK_ERR(PyExc_UnicodeDecodeError, "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte");
    CHECK(PyUnicode_FromString("\xe4\x41") == NULL);
    CHECK_ERR(PyExc_UnicodeDecodeError, "'utf-8' codec can't decode byte 0xe4 in position 0: invalid continuation byte");
    CHECK(PyUnicode_FromString("ab\xe4\xb8") == NULL);
    CHECK_ERR(PyExc_UnicodeDecodeError, "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data");
    CHECK(PyUnicode_FromString("\xed\xa0\x80") == NULL);   /* a surrogate */
    CHECK(PyErr_ExceptionMatches(PyExc_ValueError));
    PyErr_Clear();
    CHECK(steal_str_is(PyUnicode_DecodeUTF8("a\xff" "b", 3, "replace"), "a\xef\xbf\xbd" "b"));
    CHECK(steal_str_is(PyUnicode_DecodeUTF8("a\xff" "b", 3, "ignore"), "ab"));
    CHECK(steal_str_is(PyUnicode_FromOrdinal(0x20AC), "\xe2\x82\xac"));
    CHECK(PyUnicode_FromOrdinal(0x110000) == NULL);
    CHECK_ERR(PyExc_ValueError, "chr() arg not in range(0x110000)");

    /* errors for non-str */
    PyObject *i = PyLong_FromLong(1);
    CHECK(PyUnicode_AsUTF8(i) == NULL);
    CHECK_ERR(PyExc_TypeError, "bad argument type for built-in operation");
    CHECK(PyUnicode_AsUTF8AndSize(i, &n) == NULL);
    CHECK_ERR(PyExc_TypeError, "bad argument type for built-in operation");
    CHECK_EQ_INT(PyUnicode_GetLength(i), -1);
    CHECK_ERR(PyExc_TypeError, "bad argument type for built-in operation");
    CHECK(PyUnicode_FromString(NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");

    /* comparison */
    PyObject *a = PyUnicode_FromString("abc"), *b = PyUnicode_FromString("abd");
    CHECK_EQ_INT(PyUnicode_CompareWithASCIIString(a, "abc"), 0);
    CHECK_EQ_INT(PyUnicode_CompareWithASCIIString(a, "abd"), -1);
    CHECK_EQ_INT(PyUnicode_CompareWithASCIIString(a, "ab"), 1);
    CHECK_EQ_INT(PyUnicode_CompareWithASCIIString(a, "abcd"), -1);
    CHECK_EQ_INT(PyUnicode_Compare(a, b), -1);
    CHECK_EQ_INT(PyUnicode_Compare(b, a), 1);
    CHECK_EQ_INT(PyUnicode_Compare(a, a), 0);
    CHECK_EQ_INT(PyUnicode_Compare(a, i), -1);
    CHECK_ERR(PyExc_TypeError, "Can't compare str and int");
    CHECK(PyUnicode_EqualToUTF8(a, "abc") && !PyUnicode_EqualToUTF8(a, "ab") && !PyUnicode_EqualToUTF8(i, "1"));

    /* concatenation */
    CHECK(steal_str_is(PyUnicode_Concat(a, b), "abcabd"));
    CHECK(PyUnicode_Concat(a, i) == NULL);
    CHECK_ERR(PyExc_TypeError, "can only concatenate str (not \"int\") to str");
    CHECK(PyUnicode_Concat(i, a) == NULL);
    CHECK_ERR(PyExc_TypeError, "must be str, not int");
    PyObject *acc = PyUnicode_FromString("x");
    PyUnicode_Append(&acc, a);
    PyUnicode_AppendAndDel(&acc, PyUnicode_FromString("!"));
    CHECK(acc && PyUnicode_EqualToUTF8(acc, "xabc!"));
    PyUnicode_Append(&acc, i);
    CHECK(acc == NULL);
    CHECK_ERR(PyExc_TypeError, "can only concatenate str (not \"int\") to str");
    PyObject *e = PyUnicode_FromString("");
    PyObject *same = PyUnicode_Concat(a, e);
    CHECK(same == a);
    Py_XDECREF(same);

    /* str() */
    CHECK(steal_str_is(PyObject_CallOneArg((PyObject *)&PyUnicode_Type, i), "1"));
    CHECK(steal_str_is(PyObject_CallNoArgs((PyObject *)&PyUnicode_Type), ""));
    PyObject *interned = PyUnicode_InternFromString("abc");
    PyUnicode_InternInPlace(&interned);
    CHECK(PyUnicode_Compare(interned, a) == 0);
    Py_DECREF(interned);
    Py_DECREF(a); Py_DECREF(b); Py_DECREF(i); Py_DECREF(e);
}

static void test_unicode_fromformat(void) {
    PyObject *obj = PyUnicode_FromString("o'k"), *num = PyLong_FromLong(7);
    CHECK(steal_str_is(PyUnicode_FromFormat("plain"), "plain"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%s|%d|%i|%u|%%", "s\xc3\xa9", -1, 2, 3u), "s\xc3\xa9|-1|2|3|%"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%ld %lu %li", -5L, 5UL, 6L), "-5 5 6"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%lld %llu", -9LL, 9ULL), "-9 9"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%zd %zu %zi", (Py_ssize_t)-3, (size_t)4, (Py_ssize_t)5), "-3 4 5"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%x %lx %zx", 255u, 4096UL, (size_t)16), "ff 1000 10"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%c%c", 'A', 0x20AC), "A\xe2\x82\xac"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%S %R %A %U", obj, obj, obj, obj), "o'k \"o'k\" \"o'k\" o'k"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%S %R", num, num), "7 7"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%V|%V", obj, "unused", NULL, "fallback"), "o'k|fallback"));
    CHECK(steal_str_is(PyUnicode_FromFormat("[%5d][%-5d][%05d][%.3s][%5s][%-3s]", 42, 42, 42, "abcdef", "ab", "x"),
                       "[   42][42   ][00042][abc][   ab][x  ]"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%.2U|%.1s", obj, "\xc3\xa9\xc3\xa9"), "o'|\xc3\xa9"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%s", (char *)NULL), "(null)"));
    CHECK(steal_str_is(PyUnicode_FromFormat("%s", "bad\xff"), "bad\xef\xbf\xbd"));
    PyObject *p = PyUnicode_FromFormat("%p", (void *)0x1234);
    CHECK(p && strcmp(PyUnicode_AsUTF8(p), "0x1234") == 0);
    Py_XDECREF(p);
    p = PyUnicode_FromFormat("%p", (void *)obj);
    char expect[64];
    snprintf(expect, sizeof expect, "%p", (void *)obj);
    CHECK(p && strcmp(PyUnicode_AsUTF8(p), expect) == 0 && strncmp(expect, "0x", 2) == 0);
    Py_XDECREF(p);
    CHECK(PyUnicode_FromFormat("%q", 1) == NULL);
    CHECK_ERR(PyExc_SystemError, "invalid format string: %q");
    CHECK(PyUnicode_FromFormat("%U", num) == NULL);
    CHECK_ERR(PyExc_SystemError, "PyUnicode_FromFormat: %U argument is a int, not a str");
    CHECK(PyUnicode_FromFormat("%c", 0x110000) == NULL);
    CHECK_ERR(PyExc_OverflowError, "character argument not in range(0x110000)");
    Py_DECREF(obj);
    Py_DECREF(num);
}

/* ---- tuples and lists ------------------------------------------------------------------------- */

static void test_tuple(void) {
    PyObject *t = PyTuple_New(3);
    CHECK(t && PyTuple_Check(t) && PyTuple_CheckExact(t));
    CHECK_EQ_INT(PyTuple_Size(t), 3);
    CHECK_EQ_INT(PyTuple_GET_SIZE(t), 3);
    CHECK(PyTuple_GET_ITEM(t, 0) == NULL);
    PyObject *one = PyLong_FromLong(1);
    Py_ssize_t rc = Py_REFCNT(one);
    CHECK(PyTuple_SetItem(t, 0, one) == 0);   /* steals */
    CHECK_EQ_INT(Py_REFCNT(one), rc);
    PyTuple_SET_ITEM(t, 1, PyUnicode_FromString("two"));
    CHECK(PyTuple_SetItem(t, 2, Py_NewRef(Py_None)) == 0);
    CHECK(PyTuple_GetItem(t, 0) == one);   /* borrowed */
    CHECK_EQ_INT(Py_REFCNT(one), rc);
    CHECK(PyTuple_GetItem(t, 3) == NULL);
    CHECK_ERR(PyExc_IndexError, "tuple index out of range");
    CHECK(PyTuple_GetItem(t, -1) == NULL);
    CHECK_ERR(PyExc_IndexError, "tuple index out of range");
    /* SetItem errors: still steals */
    PyObject *x = PyLong_FromLong(99);
    Py_INCREF(x);
    CHECK(PyTuple_SetItem(t, 5, x) == -1);
    CHECK_ERR(PyExc_IndexError, "tuple assignment index out of range");
    CHECK_EQ_INT(Py_REFCNT(x), 1);
    Py_INCREF(t);   /* shared: must not be modified */
    Py_INCREF(x);
    CHECK(PyTuple_SetItem(t, 0, x) == -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK_EQ_INT(Py_REFCNT(x), 1);
    Py_DECREF(t);
    Py_INCREF(x);
    CHECK(PyTuple_SetItem(x, 0, x) == -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK(PyTuple_GetItem(x, 0) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK_EQ_INT(PyTuple_Size(x), -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    Py_DECREF(x);
    CHECK(repr_is(t, "(1, 'two', None)"));

    PyObject *sl = PyTuple_GetSlice(t, 1, 10);
    CHECK(repr_is(sl, "('two', None)"));
    Py_XDECREF(sl);
    sl = PyTuple_GetSlice(t, -5, 1);
    CHECK(repr_is(sl, "(1,)"));
    Py_XDECREF(sl);
    sl = PyTuple_GetSlice(t, 2, 1);
    CHECK(sl && PyTuple_GET_SIZE(sl) == 0);
    Py_XDECREF(sl);
    sl = PyTuple_GetSlice(t, 0, 3);
    CHECK(sl == t);
    Py_XDECREF(sl);
    Py_DECREF(t);

    PyObject *a = PyLong_FromLong(10), *b = PyUnicode_FromString("b");
    t = PyTuple_Pack(2, a, b);
    CHECK(t && PyTuple_GET_SIZE(t) == 2 && PyTuple_GET_ITEM(t, 0) == a && PyTuple_GET_ITEM(t, 1) == b);
    CHECK_EQ_INT(Py_REFCNT(a), 2);
    Py_DECREF(t);
    CHECK_EQ_INT(Py_REFCNT(a), 1);
    t = PyTuple_Pack(0);
    CHECK(t && PyTuple_GET_SIZE(t) == 0);
    CHECK(repr_is(t, "()"));
    Py_XDECREF(t);
    CHECK(PyTuple_New(-1) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    PyObject *l = PyList_New(0);
    CHECK(!PyTuple_Check(l));
    Py_DECREF(l);
    /* tuple() */
    l = Py_BuildValue("[ii]", 1, 2);
    CHECK(steal_repr_is(PyObject_CallOneArg((PyObject *)&PyTuple_Type, l), "(1, 2)"));
    CHECK(steal_repr_is(PyObject_CallOneArg((PyObject *)&PyList_Type, l), "[1, 2]"));
    Py_DECREF(l);
    Py_DECREF(a);
    Py_DECREF(b);
}

static void test_list(void) {
    PyObject *l = PyList_New(2);
    CHECK(l && PyList_Check(l) && PyList_CheckExact(l));
    CHECK_EQ_INT(PyList_Size(l), 2);
    CHECK(PyList_GetItem(l, 0) == NULL && !PyErr_Occurred());
    CHECK(PyList_SetItem(l, 0, PyLong_FromLong(0)) == 0);
    PyList_SET_ITEM(l, 1, PyLong_FromLong(1));
    for (int i = 2; i < 100; i++) {
        PyObject *v = PyLong_FromLong(i);
        CHECK(PyList_Append(l, v) == 0);
        Py_DECREF(v);
    }
    CHECK_EQ_INT(PyList_GET_SIZE(l), 100);
    CHECK_EQ_INT(PyLong_AsLong(PyList_GetItem(l, 57)), 57);
    CHECK_EQ_INT(PyLong_AsLong(PyList_GET_ITEM(l, 99)), 99);
    CHECK(PyList_GetItem(l, 100) == NULL);
    CHECK_ERR(PyExc_IndexError, "list index out of range");
    CHECK(PyList_SetItem(l, 100, PyLong_FromLong(0)) == -1);
    CHECK_ERR(PyExc_IndexError, "list assignment index out of range");
    PyObject *v = PyUnicode_FromString("first");
    CHECK(PyList_Insert(l, 0, v) == 0);
    Py_DECREF(v);
    CHECK(PyUnicode_Check(PyList_GetItem(l, 0)));
    PyObject *t = PyList_AsTuple(l);
    CHECK(t && PyTuple_GET_SIZE(t) == 101);
    Py_XDECREF(t);
    PyObject *sl = PyList_GetSlice(l, 1, 4);
    CHECK(repr_is(sl, "[0, 1, 2]"));
    Py_XDECREF(sl);
    Py_DECREF(l);
    CHECK(PyList_Append(Py_None, Py_None) == -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK_EQ_INT(PyList_Size(Py_None), -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
}

/* ---- dicts ------------------------------------------------------------------------------------ */

static void test_dict(void) {
    PyObject *d = PyDict_New();
    CHECK(d && PyDict_Check(d) && PyDict_CheckExact(d));
    CHECK_EQ_INT(PyDict_Size(d), 0);
    PyObject *v1 = PyLong_FromLong(1), *v2 = PyLong_FromLong(2);
    CHECK(PyDict_SetItemString(d, "a", v1) == 0);
    CHECK_EQ_INT(Py_REFCNT(v1), 2);   /* not stolen */
    CHECK(PyDict_GetItemString(d, "a") == v1);   /* borrowed */
    CHECK_EQ_INT(Py_REFCNT(v1), 2);
    PyObject *ka = PyUnicode_FromString("a");   /* a different object, equal value */
    CHECK(PyDict_GetItem(d, ka) == v1);
    CHECK(PyDict_GetItemString(d, "missing") == NULL);
    CHECK_NO_ERR();
    CHECK(PyDict_SetItem(d, ka, v2) == 0);   /* replaces */
    CHECK_EQ_INT(PyDict_Size(d), 1);
    CHECK_EQ_INT(Py_REFCNT(v1), 1);
    CHECK(PyDict_GetItemString(d, "a") == v2);

    /* int keys by value, 1 == 1.0 == True */
    PyObject *k1 = PyLong_FromLong(1), *kf = PyFloat_FromDouble(1.0), *k1b = PyLong_FromLong(1);
    CHECK(PyDict_SetItem(d, k1, v1) == 0);
    CHECK(PyDict_GetItem(d, k1b) == v1);
    CHECK(PyDict_GetItem(d, kf) == v1);
    CHECK(PyDict_GetItem(d, Py_True) == v1);
    CHECK(PyDict_GetItem(d, Py_False) == NULL);
    /* tuple keys by value */
    PyObject *tk = Py_BuildValue("(is)", 1, "x"), *tk2 = Py_BuildValue("(is)", 1, "x");
    CHECK(PyDict_SetItem(d, tk, Py_None) == 0);
    CHECK(PyDict_GetItem(d, tk2) == Py_None);
    /* identity for other objects */
    CounterObject *c1 = new_counter(0), *c2 = new_counter(0);
    CHECK(PyDict_SetItem(d, (PyObject *)c1, v2) == 0);
    CHECK(PyDict_GetItem(d, (PyObject *)c1) == v2);
    CHECK(PyDict_GetItem(d, (PyObject *)c2) == NULL);
    CHECK(PyDict_Contains(d, (PyObject *)c1) == 1 && PyDict_Contains(d, (PyObject *)c2) == 0);
    CHECK_EQ_INT(PyDict_Size(d), 4);

    /* unhashable keys */
    PyObject *l = PyList_New(0);
    CHECK(PyDict_SetItem(d, l, v1) == -1);
    CHECK_ERR(PyExc_TypeError, "unhashable type: 'list'");
    CHECK(PyDict_GetItem(d, l) == NULL);
    CHECK_NO_ERR();
    PyErr_SetString(PyExc_ValueError, "kept");
    CHECK(PyDict_GetItem(d, l) == NULL);          /* preserves a pending exception */
    CHECK(PyDict_GetItemString(d, "a") == v2);
    CHECK_ERR(PyExc_ValueError, "kept");
    CHECK(PyDict_GetItemWithError(d, l) == NULL);
    CHECK_ERR(PyExc_TypeError, "unhashable type: 'list'");
    CHECK(PyDict_GetItemWithError(d, ka) == v2);
    CHECK(PyDict_GetItemWithError(d, v2) == NULL);
    CHECK_NO_ERR();
    CHECK(PyDict_Contains(d, l) == -1);
    CHECK_ERR(PyExc_TypeError, "unhashable type: 'list'");

    /* iteration in insertion order */
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    int count = 0;
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (count == 0) CHECK(PyUnicode_Check(k) && v == v2);
        if (count == 1) CHECK(k == k1 && v == v1);
        if (count == 2) CHECK(k == tk);
        if (count == 3) CHECK(k == (PyObject *)c1);
        count++;
    }
    CHECK_EQ_INT(count, 4);

    /* delete */
    CHECK(PyDict_DelItem(d, k1b) == 0);
    CHECK(PyDict_GetItem(d, k1) == NULL);
    CHECK(PyDict_DelItem(d, k1) == -1);
    CHECK_ERR(PyExc_KeyError, "1");
    CHECK(PyDict_DelItemString(d, "a") == 0);
    CHECK(PyDict_DelItemString(d, "a") == -1);
    CHECK_ERR(PyExc_KeyError, "'a'");
    CHECK(PyDict_DelItem(d, tk) == 0);
    PyObject *tk3 = Py_BuildValue("(i)", 5);
    CHECK(PyDict_DelItem(d, tk3) == -1);     /* a tuple key is not unpacked into KeyError args */
    CHECK_ERR(PyExc_KeyError, "(5,)");
    Py_DECREF(tk3);
    CHECK_EQ_INT(PyDict_Size(d), 1);
    pos = 0;
    CHECK(PyDict_Next(d, &pos, &k, &v) == 1 && k == (PyObject *)c1);
    CHECK(PyDict_Next(d, &pos, &k, &v) == 0);

    /* many items: growth, deletion, re-insertion */
    for (long i = 0; i < 1000; i++) {
        PyObject *key = PyLong_FromLong(i), *val = PyUnicode_FromFormat("v%ld", i);
        CHECK(PyDict_SetItem(d, key, val) == 0);
        Py_DECREF(key);
        Py_DECREF(val);
    }
    for (long i = 0; i < 1000; i += 2) {
        PyObject *key = PyLong_FromLong(i);
        CHECK(PyDict_DelItem(d, key) == 0);
        Py_DECREF(key);
    }
    CHECK_EQ_INT(PyDict_Size(d), 501);
    for (long i = 0; i < 1000; i++) {
        PyObject *key = PyLong_FromLong(i);
        PyObject *got = PyDict_GetItem(d, key);
        if (i % 2) CHECK(got && PyUnicode_AsUTF8(got)[0] == 'v' && atol(PyUnicode_AsUTF8(got) + 1) == i);
        else CHECK(got == NULL);
        Py_DECREF(key);
    }
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", i);
        CHECK(PyDict_SetItemString(d, name, v1) == 0);
    }
    CHECK(PyDict_GetItemString(d, "k299") == v1);
    CHECK_EQ_INT(PyDict_Size(d), 801);

    /* copy, keys/values/items, update, clear */
    PyObject *cp = PyDict_Copy(d);
    CHECK(cp && PyDict_Size(cp) == 801 && PyDict_GetItemString(cp, "k7") == v1);
    PyDict_Clear(d);
    CHECK_EQ_INT(PyDict_Size(d), 0);
    CHECK(PyDict_GetItemString(d, "k7") == NULL);
    CHECK(PyDict_GetItemString(cp, "k7") == v1);
    Py_XDECREF(cp);
    CHECK(PyDict_SetItemString(d, "x", v1) == 0 && PyDict_SetItemString(d, "y", v2) == 0);
    PyObject *keys = PyDict_Keys(d), *vals = PyDict_Values(d), *items = PyDict_Items(d);
    CHECK(repr_is(keys, "['x', 'y']"));
    CHECK(repr_is(vals, "[1, 2]"));
    CHECK(repr_is(items, "[('x', 1), ('y', 2)]"));
    CHECK(repr_is(d, "{'x': 1, 'y': 2}"));
    Py_XDECREF(keys); Py_XDECREF(vals); Py_XDECREF(items);
    PyObject *d2 = Py_BuildValue("{s:i,s:i}", "y", 20, "z", 30);
    CHECK(PyDict_Update(d, d2) == 0);
    CHECK(repr_is(d, "{'x': 1, 'y': 20, 'z': 30}"));
    PyObject *d3 = Py_BuildValue("{s:i,s:i}", "x", 100, "w", 5);
    CHECK(PyDict_Merge(d, d3, 0) == 0);
    CHECK(repr_is(d, "{'x': 1, 'y': 20, 'z': 30, 'w': 5}"));
    CHECK(PyDict_Update(d, v1) == -1);
    CHECK_ERR(PyExc_TypeError, "'int' object is not a mapping");

    /* dict() */
    PyObject *kw = Py_BuildValue("{s:i}", "q", 9);
    PyObject *args = PyTuple_Pack(1, d2);
    PyObject *nd = PyObject_Call((PyObject *)&PyDict_Type, args, kw);
    CHECK(repr_is(nd, "{'y': 20, 'z': 30, 'q': 9}"));
    Py_XDECREF(nd); Py_DECREF(args); Py_DECREF(kw);

    /* errors */
    CHECK(PyDict_SetItem(v1, v1, v1) == -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK(PyDict_SetItem(d, v1, NULL) == -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK_EQ_INT(PyDict_Size(v1), -1);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK(PyDict_GetItem(v1, v1) == NULL);
    CHECK(PyDict_GetItemString(v1, "x") == NULL);
    CHECK_NO_ERR();
    CHECK(PyDict_Next(v1, &pos, &k, &v) == 0);

    Py_DECREF(d); Py_DECREF(d2); Py_DECREF(d3); Py_DECREF(v1); Py_DECREF(v2); Py_DECREF(ka);
    Py_DECREF(k1); Py_DECREF(kf); Py_DECREF(k1b); Py_DECREF(tk); Py_DECREF(tk2); Py_DECREF(c1);
    Py_DECREF(c2); Py_DECREF(l);
}

/* ---- built-in functions ------------------------------------------------------------------------ */

static PyObject *last_self;

static PyObject *f_noargs(PyObject *self, PyObject *unused) {
    last_self = self;
    CHECK(unused == NULL);
    return PyUnicode_FromString("noargs");
}
static PyObject *f_o(PyObject *self, PyObject *arg) {
    last_self = self;
    return Py_NewRef(arg);
}
static PyObject *f_varargs(PyObject *self, PyObject *args) {
    last_self = self;
    return Py_NewRef(args);
}
static PyObject *f_kw(PyObject *self, PyObject *args, PyObject *kwargs) {
    last_self = self;
    return Py_BuildValue("(OO)", args, kwargs ? kwargs : Py_None);
}
static PyObject *f_fast(PyObject *self, PyObject *const *args, Py_ssize_t n) {
    return PyLong_FromSsize_t(n ? PyLong_AsLong(args[n - 1]) : -1);
}
static PyObject *f_fastkw(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kwnames) {
    Py_ssize_t nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *names = kwnames ? Py_NewRef(kwnames) : PyTuple_New(0);
    PyObject *r = Py_BuildValue("(nNO)", n, names, nk ? args[n] : Py_None);
    return r;
}
static PyObject *f_null_noerr(PyObject *self, PyObject *args) { return NULL; }
static PyObject *f_result_with_err(PyObject *self, PyObject *args) {
    PyErr_SetString(PyExc_ValueError, "stray");
    Py_RETURN_NONE;
}
static PyObject *f_raise(PyObject *self, PyObject *args) {
    PyErr_SetString(PyExc_RuntimeError, "raised");
    return NULL;
}

static PyMethodDef funcs[] = {
    { "noargs", f_noargs, METH_NOARGS, "doc of noargs" },
    { "one", f_o, METH_O, NULL },
    { "var", f_varargs, METH_VARARGS, NULL },
    { "kw", _PyCFunction_CAST(f_kw), METH_VARARGS | METH_KEYWORDS, NULL },
    { "fast", _PyCFunction_CAST(f_fast), METH_FASTCALL, NULL },
    { "fastkw", _PyCFunction_CAST(f_fastkw), METH_FASTCALL | METH_KEYWORDS, NULL },
    { "nullnoerr", f_null_noerr, METH_VARARGS, NULL },
    { "resulterr", f_result_with_err, METH_VARARGS, NULL },
    { "raise", f_raise, METH_VARARGS, NULL },
    { "badflags", f_varargs, 0x4000, NULL },
    { NULL, NULL, 0, NULL },
};

static void test_cfunction(void) {
    PyObject *self = PyUnicode_FromString("me");
    PyObject *f0 = PyCFunction_New(&funcs[0], self), *f1 = PyCFunction_New(&funcs[1], NULL);
    PyObject *fv = PyCFunction_NewEx(&funcs[2], self, NULL), *fk = PyCFunction_New(&funcs[3], NULL);
    PyObject *ff = PyCFunction_New(&funcs[4], NULL), *ffk = PyCFunction_New(&funcs[5], NULL);
    CHECK(PyCFunction_Check(f0) && PyCFunction_CheckExact(f0) && !PyCFunction_Check(self));
    CHECK(PyCallable_Check(f0));
    CHECK(PyCFunction_GetSelf(f0) == self);
    CHECK(PyCFunction_GET_SELF(f1) == NULL);
    CHECK(PyCFunction_GetFunction(f1) == f_o);
    CHECK_EQ_INT(PyCFunction_GetFlags(f1), METH_O);
    CHECK(PyCFunction_GET_FUNCTION(f0) == f_noargs);
    CHECK(PyCFunction_GET_FLAGS(fk) == (METH_VARARGS | METH_KEYWORDS));
    CHECK(PyCFunction_GetSelf(self) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK(repr_is(f1, "<built-in function one>"));

    PyObject *empty = PyTuple_New(0), *one = PyLong_FromLong(1);
    PyObject *t1 = PyTuple_Pack(1, one), *t2 = PyTuple_Pack(2, one, one);
    PyObject *kw = Py_BuildValue("{s:i}", "k", 3), *ekw = PyDict_New();

    last_self = NULL;
    CHECK(steal_str_is(PyObject_Call(f0, empty, NULL), "noargs"));
    CHECK(last_self == self);
    CHECK(steal_str_is(PyObject_Call(f0, empty, ekw), "noargs"));   /* empty kwargs are fine */
    CHECK(PyObject_Call(f0, t1, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "noargs() takes no arguments (1 given)");
    CHECK(PyObject_Call(f0, empty, kw) == NULL);
    CHECK_ERR(PyExc_TypeError, "noargs() takes no keyword arguments");

    PyObject *r = PyObject_Call(f1, t1, NULL);
    CHECK(r == one);
    Py_XDECREF(r);
    CHECK(last_self == NULL);
    CHECK(PyObject_Call(f1, empty, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "one() takes exactly one argument (0 given)");
    CHECK(PyObject_Call(f1, t2, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "one() takes exactly one argument (2 given)");

    r = PyObject_Call(fv, t2, NULL);
    CHECK(r == t2);   /* gets the very tuple */
    Py_XDECREF(r);
    CHECK(last_self == self);
    CHECK(PyObject_Call(fv, t2, kw) == NULL);
    CHECK_ERR(PyExc_TypeError, "var() takes no keyword arguments");

    CHECK(steal_repr_is(PyObject_Call(fk, t1, kw), "((1,), {'k': 3})"));
    CHECK(steal_repr_is(PyObject_Call(fk, empty, NULL), "((), None)"));

    CHECK(steal_long_is(PyObject_Call(ff, t2, NULL), 1));
    CHECK(steal_long_is(PyObject_Call(ff, empty, NULL), -1));
    CHECK(PyObject_Call(ff, t1, kw) == NULL);
    CHECK_ERR(PyExc_TypeError, "fast() takes no keyword arguments");
    CHECK(steal_repr_is(PyObject_Call(ffk, t2, kw), "(2, ('k',), 3)"));
    CHECK(steal_repr_is(PyObject_Call(ffk, t1, NULL), "(1, (), None)"));

    PyObject *fb = PyCFunction_New(&funcs[9], NULL);
    CHECK(PyObject_Call(fb, empty, NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "badflags() method: bad call flags");
    Py_DECREF(fb);

    /* attributes of functions */
    PyObject *a = PyObject_GetAttrString(f0, "__name__");
    CHECK(a && PyUnicode_EqualToUTF8(a, "noargs"));
    Py_XDECREF(a);
    a = PyObject_GetAttrString(f0, "__doc__");
    CHECK(a && PyUnicode_EqualToUTF8(a, "doc of noargs"));
    Py_XDECREF(a);
    a = PyObject_GetAttrString(f0, "__self__");
    CHECK(a == self);
    Py_XDECREF(a);
    CHECK(PyObject_GetAttrString(f0, "nope") == NULL);
    CHECK_ERR(PyExc_AttributeError, "'builtin_function_or_method' object has no attribute 'nope'");
    CHECK(PyCFunction_New(NULL, NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");

    Py_DECREF(f0); Py_DECREF(f1); Py_DECREF(fv); Py_DECREF(fk); Py_DECREF(ff); Py_DECREF(ffk);
    Py_DECREF(self); Py_DECREF(empty); Py_DECREF(one); Py_DECREF(t1); Py_DECREF(t2); Py_DECREF(kw);
    Py_DECREF(ekw);
}

/* ---- calls ------------------------------------------------------------------------------------ */

static void test_calls(void) {
    PyObject *fv = PyCFunction_New(&funcs[2], NULL);   /* returns its args tuple */
    PyObject *one = PyLong_FromLong(1), *two = PyLong_FromLong(2);

    CHECK(steal_repr_is(PyObject_CallObject(fv, NULL), "()"));
    PyObject *args = PyTuple_Pack(1, one);
    CHECK(steal_repr_is(PyObject_CallObject(fv, args), "(1,)"));
    CHECK(steal_repr_is(PyEval_CallObjectWithKeywords(fv, NULL, NULL), "()"));
    CHECK(steal_repr_is(PyObject_CallNoArgs(fv), "()"));
    CHECK(steal_repr_is(PyObject_CallOneArg(fv, two), "(2,)"));
    CHECK(steal_repr_is(PyObject_CallFunctionObjArgs(fv, one, two, NULL), "(1, 2)"));
    CHECK(steal_repr_is(PyObject_CallFunctionObjArgs(fv, NULL), "()"));
    CHECK(steal_repr_is(PyObject_CallFunction(fv, NULL), "()"));
    CHECK(steal_repr_is(PyObject_CallFunction(fv, ""), "()"));
    CHECK(steal_repr_is(PyObject_CallFunction(fv, "i", 5), "(5,)"));
    CHECK(steal_repr_is(PyObject_CallFunction(fv, "is", 5, "x"), "(5, 'x')"));
    CHECK(steal_repr_is(PyObject_CallFunction(fv, "(ii)", 5, 6), "(5, 6)"));
    CHECK(steal_repr_is(PyObject_CallFunction(fv, "O", args), "(1,)"));   /* a tuple is the args */
    CHECK(steal_repr_is(PyObject_CallFunction(fv, "[i]", 5), "([5],)"));
    CHECK(PyObject_CallFunction(fv, "y", 5) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad format char passed to Py_BuildValue");
    PyObject *vec[3] = { one, two, one };
    PyObject *kwnames = Py_BuildValue("(s)", "k");
    PyObject *fk = PyCFunction_New(&funcs[3], NULL);
    CHECK(steal_repr_is(PyObject_Vectorcall(fk, vec, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, kwnames), "((1, 2), {'k': 1})"));
    CHECK(steal_repr_is(PyObject_Vectorcall(fv, vec, 3, NULL), "(1, 2, 1)"));
    Py_DECREF(kwnames);
    Py_DECREF(fk);

    /* not callable, bad arguments */
    CHECK(PyObject_Call(one, args, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "'int' object is not callable");
    CHECK(PyObject_CallNoArgs(Py_None) == NULL);
    CHECK_ERR(PyExc_TypeError, "'NoneType' object is not callable");
    CHECK(PyObject_CallFunctionObjArgs(one, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "'int' object is not callable");
    CHECK(PyObject_Call(fv, one, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "argument list must be a tuple");
    CHECK(PyObject_CallObject(fv, one) == NULL);
    CHECK_ERR(PyExc_TypeError, "argument list must be a tuple");
    CHECK(PyObject_Call(fv, args, one) == NULL);
    CHECK_ERR(PyExc_TypeError, "keyword list must be a dictionary");
    CHECK(PyObject_Call(NULL, args, NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "null argument to internal routine");
    CHECK(PyObject_CallOneArg(fv, NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "null argument to internal routine");

    /* result checks */
    PyObject *fn = PyCFunction_New(&funcs[6], NULL), *fr = PyCFunction_New(&funcs[7], NULL);
    PyObject *fe = PyCFunction_New(&funcs[8], NULL);
    CHECK(PyObject_CallNoArgs(fn) == NULL);
    CHECK_ERR(PyExc_SystemError, "<built-in function nullnoerr> returned NULL without setting an exception");
    CHECK(PyObject_CallNoArgs(fr) == NULL);
    CHECK_ERR(PyExc_SystemError, "<built-in function resulterr> returned a result with an exception set");
    CHECK(PyObject_CallNoArgs(fe) == NULL);
    CHECK_ERR(PyExc_RuntimeError, "raised");
    Py_DECREF(fn); Py_DECREF(fr); Py_DECREF(fe);

    /* methods through tp_methods */
    CounterObject *c = new_counter(10);
    PyObject *co = (PyObject *)c;
    CHECK(steal_long_is(PyObject_CallMethod(co, "get", NULL), 10));
    PyObject *none = PyObject_CallMethod(co, "add", "i", 5);
    CHECK(none == Py_None);
    Py_XDECREF(none);
    CHECK(steal_long_is(PyObject_CallMethod(co, "get", ""), 15));
    CHECK(steal_long_is(PyObject_CallMethod(co, "sum", "ii", 1, 2), 18));
    CHECK(steal_long_is(PyObject_CallMethod(co, "sum", "(i)", 1), 16));
    PyObject *name = PyUnicode_FromString("sum");
    CHECK(steal_long_is(PyObject_CallMethodObjArgs(co, name, one, two, NULL), 18));
    CHECK(steal_long_is(PyObject_CallMethodOneArg(co, name, one), 16));
    Py_DECREF(name);
    name = PyUnicode_FromString("get");
    CHECK(steal_long_is(PyObject_CallMethodNoArgs(co, name), 15));
    Py_DECREF(name);
    CHECK(PyObject_CallMethod(co, "sum", NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "sum() takes at least 1 argument (0 given)");
    CHECK(PyObject_CallMethod(co, "add", "s", "x") == NULL);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK(PyObject_CallMethod(co, "missing", NULL) == NULL);
    CHECK_ERR(PyExc_AttributeError, "'test.Counter' object has no attribute 'missing'");
    CHECK(PyObject_CallMethod(NULL, "x", NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "null argument to internal routine");
    /* calling an object with tp_call */
    CHECK(steal_repr_is(PyObject_CallFunctionObjArgs(co, one, two, NULL), "(15, 2, -1)"));
    PyObject *kw = Py_BuildValue("{s:i}", "a", 1);
    CHECK(steal_repr_is(PyObject_Call(co, args, kw), "(15, 1, 1)"));
    Py_DECREF(kw);
    Py_DECREF(c);

    Py_DECREF(fv); Py_DECREF(one); Py_DECREF(two); Py_DECREF(args);
}

/* ---- the hosted-call hook --------------------------------------------------------------------- */

static int hook_calls;
static PyObject *hook_seen_callable, *hook_seen_args, *hook_seen_kwargs;

static PyObject *test_hook(PyObject *callable, PyObject *args, PyObject *kwargs) {
    hook_calls++;
    hook_seen_callable = callable;
    hook_seen_args = args;
    hook_seen_kwargs = kwargs;
    CHECK(PyTuple_Check(args));
    return _PySlp_CallDirect(callable, args, kwargs);   /* "on the host stack" */
}

static PyObject *null_hook(PyObject *callable, PyObject *args, PyObject *kwargs) { return NULL; }

static void test_hosted_call_hook(void) {
    PyObject *h = PyObject_CallNoArgs((PyObject *)&HostedBase_Type);
    PyObject *hs = PyObject_CallNoArgs((PyObject *)&HostedSub_Type);
    CHECK(h && hs);
    if (!h || !hs) return;
    hook_calls = 0;
    /* no hook: direct */
    CHECK(steal_str_is(PyObject_CallNoArgs(h), "direct"));
    CHECK(_PySlp_SetHostedCallHook(test_hook) == NULL);
    PyObject *args = Py_BuildValue("(i)", 1), *kw = Py_BuildValue("{s:i}", "k", 2);
    CHECK(steal_str_is(PyObject_Call(h, args, kw), "direct"));
    CHECK_EQ_INT(hook_calls, 1);
    CHECK(hook_seen_callable == h && hook_seen_args == args && hook_seen_kwargs == kw);
    CHECK(steal_str_is(PyObject_CallNoArgs(hs), "direct"));   /* inherited flag */
    CHECK_EQ_INT(hook_calls, 2);
    CHECK(hook_seen_kwargs == NULL && PyTuple_GET_SIZE(hook_seen_args) == 0);
    CHECK(steal_str_is(PyObject_CallFunction(h, "ii", 1, 2), "direct"));
    CHECK_EQ_INT(hook_calls, 3);
    /* non-hosted objects never use the hook */
    CounterObject *c = new_counter(0);
    PyObject *r = PyObject_CallNoArgs((PyObject *)c);
    Py_XDECREF(r);
    Py_DECREF(c);
    PyObject *fv = PyCFunction_New(&funcs[2], NULL);
    r = PyObject_CallNoArgs(fv);
    Py_XDECREF(r);
    Py_DECREF(fv);
    CHECK_EQ_INT(hook_calls, 3);
    /* _PySlp_CallDirect bypasses the hook */
    CHECK(steal_str_is(_PySlp_CallDirect(h, args, NULL), "direct"));
    CHECK_EQ_INT(hook_calls, 3);
    /* the hook's result is checked like any call */
    CHECK(_PySlp_SetHostedCallHook(null_hook) == test_hook);
    CHECK(PyObject_CallNoArgs(h) == NULL);
    CHECK(PyErr_ExceptionMatches(PyExc_SystemError));
    PyErr_Clear();
    CHECK(_PySlp_SetHostedCallHook(NULL) == null_hook);
    CHECK(steal_str_is(PyObject_CallNoArgs(h), "direct"));
    Py_DECREF(args); Py_DECREF(kw); Py_DECREF(h); Py_DECREF(hs);
}

/* ---- Py_BuildValue ---------------------------------------------------------------------------- */

static PyObject *conv_to_long(void *p) { return PyLong_FromLong(*(int *)p); }

static void test_buildvalue(void) {
    PyObject *v = Py_BuildValue("");
    CHECK(v == Py_None);
    Py_XDECREF(v);
    CHECK(steal_long_is(Py_BuildValue("i", -4), -4));
    CHECK(steal_long_is(Py_BuildValue(" i ", 4), 4));
    CHECK(steal_repr_is(Py_BuildValue("ii", 1, 2), "(1, 2)"));
    CHECK(steal_repr_is(Py_BuildValue("(i)", 1), "(1,)"));
    CHECK(steal_repr_is(Py_BuildValue("()"), "()"));
    CHECK(steal_repr_is(Py_BuildValue("[]"), "[]"));
    CHECK(steal_repr_is(Py_BuildValue("{}"), "{}"));
    CHECK(steal_repr_is(Py_BuildValue("i,i", 1, 2), "(1, 2)"));
    CHECK(steal_repr_is(Py_BuildValue("(bBhHiI)", -1, 255, -300, 65535, -7, 4000000000U),
                        "(-1, 255, -300, 65535, -7, 4000000000)"));
    CHECK(steal_repr_is(Py_BuildValue("(lkLKn)", -1L, ULONG_MAX, LLONG_MIN, ULLONG_MAX, (Py_ssize_t)-9),
                        "(-1, 18446744073709551615, -9223372036854775808, 18446744073709551615, -9)"));
    CHECK(steal_repr_is(Py_BuildValue("(df)", 1.5, 2.5f), "(1.5, 2.5)"));
    CHECK(steal_repr_is(Py_BuildValue("(cC)", 'a', 0x20AC), "('a', '\xe2\x82\xac')"));
    CHECK(steal_repr_is(Py_BuildValue("(sz)", "x", "y"), "('x', 'y')"));
    CHECK(steal_repr_is(Py_BuildValue("(sz)", (char *)NULL, (char *)NULL), "(None, None)"));
    CHECK(steal_repr_is(Py_BuildValue("(s#z#U)", "abcdef", (Py_ssize_t)3, "a\0b", (Py_ssize_t)3, "u"),
                        "('abc', 'a\\x00b', 'u')"));
    CHECK(steal_repr_is(Py_BuildValue("(i(ss)[d{s:i}])", 1, "a", "b", 2.0, "k", 3),
                        "(1, ('a', 'b'), [2.0, {'k': 3}])"));
    int ci = 77;
    CHECK(steal_long_is(Py_BuildValue("O&", conv_to_long, &ci), 77));

    PyObject *o = PyUnicode_FromString("obj");
    Py_ssize_t rc = Py_REFCNT(o);
    v = Py_BuildValue("O", o);
    CHECK(v == o && Py_REFCNT(o) == rc + 1);
    Py_XDECREF(v);
    v = Py_BuildValue("S", o);
    CHECK(v == o && Py_REFCNT(o) == rc + 1);
    Py_XDECREF(v);
    Py_INCREF(o);
    v = Py_BuildValue("N", o);   /* steals */
    CHECK(v == o && Py_REFCNT(o) == rc + 1);
    Py_XDECREF(v);
    CHECK_EQ_INT(Py_REFCNT(o), rc);
    v = Py_BuildValue("(NO)", Py_NewRef(o), o);
    CHECK(v && Py_REFCNT(o) == rc + 2);
    Py_XDECREF(v);
    CHECK_EQ_INT(Py_REFCNT(o), rc);

    /* errors; 'N' references are released even when building fails */
    CHECK(Py_BuildValue("O", (PyObject *)NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "NULL object passed to Py_BuildValue");
    PyErr_SetString(PyExc_ValueError, "from the caller");
    CHECK(Py_BuildValue("N", (PyObject *)NULL) == NULL);   /* keeps the pending error */
    CHECK_ERR(PyExc_ValueError, "from the caller");
    Py_INCREF(o);
    CHECK(Py_BuildValue("(iN)y", 1, o) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad format char passed to Py_BuildValue");
    CHECK_EQ_INT(Py_REFCNT(o), rc);
    Py_INCREF(o);
    CHECK(Py_BuildValue("(OiN)", (PyObject *)NULL, 1, o) == NULL);
    CHECK_ERR(PyExc_SystemError, "NULL object passed to Py_BuildValue");
    CHECK_EQ_INT(Py_REFCNT(o), rc);
    Py_INCREF(o);
    CHECK(Py_BuildValue("{s:O,s:N}", "a", (PyObject *)NULL, "b", o) == NULL);
    CHECK_ERR(PyExc_SystemError, "NULL object passed to Py_BuildValue");
    CHECK_EQ_INT(Py_REFCNT(o), rc);
    CHECK(Py_BuildValue("(i", 1) == NULL);
    CHECK_ERR(PyExc_SystemError, "unmatched paren in format");
    CHECK(Py_BuildValue("{i}", 1) == NULL);
    CHECK_ERR(PyExc_SystemError, "Bad dict format");
    PyObject *l = PyList_New(0);
    CHECK(Py_BuildValue("{O:i}", l, 1) == NULL);
    CHECK_ERR(PyExc_TypeError, "unhashable type: 'list'");
    Py_DECREF(l);
    Py_DECREF(o);
}

/* ---- PyArg_* ---------------------------------------------------------------------------------- */

static int conv_half(PyObject *o, void *addr) {
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return 0;
    if (v % 2) {
        PyErr_SetString(PyExc_ValueError, "odd");
        return 0;
    }
    *(long *)addr = v / 2;
    return 1;
}
static int conv_fail_silently(PyObject *o, void *addr) { return 0; }

static void test_parsetuple(void) {
    PyObject *args = Py_BuildValue("(ilnszOOd)", 1, 2L, (Py_ssize_t)3, "s", (char *)NULL, Py_True, Py_None, 4.5);
    int i = 0;
    long l = 0;
    Py_ssize_t n = 0;
    const char *s = NULL, *z = "unset";
    PyObject *o1 = NULL, *o2 = NULL;
    double d = 0;
    CHECK(PyArg_ParseTuple(args, "ilnszOO!d", &i, &l, &n, &s, &z, &o1, Py_TYPE(Py_None), &o2, &d) == 1);
    CHECK(i == 1 && l == 2 && n == 3 && strcmp(s, "s") == 0 && z == NULL && o1 == Py_True && o2 == Py_None && d == 4.5);
    Py_DECREF(args);

    /* optional arguments and the function name */
    args = Py_BuildValue("(i)", 7);
    int a = 0, b = 99;
    CHECK(PyArg_ParseTuple(args, "i|i:f", &a, &b) == 1);
    CHECK(a == 7 && b == 99);
    CHECK(PyArg_ParseTuple(args, "ii:f", &a, &b) == 0);
    CHECK_ERR(PyExc_TypeError, "f() takes exactly 2 arguments (1 given)");
    CHECK(PyArg_ParseTuple(args, "ii", &a, &b) == 0);
    CHECK_ERR(PyExc_TypeError, "function takes exactly 2 arguments (1 given)");
    CHECK(PyArg_ParseTuple(args, "ii|i:f", &a, &b, &b) == 0);
    CHECK_ERR(PyExc_TypeError, "f() takes at least 2 arguments (1 given)");
    CHECK(PyArg_ParseTuple(args, ":f") == 0);
    CHECK_ERR(PyExc_TypeError, "f() takes no arguments");
    CHECK(PyArg_ParseTuple(args, "|:f") == 0);
    CHECK_ERR(PyExc_TypeError, "f() takes no arguments");
    CHECK(PyArg_ParseTuple(args, "|ii:f", &a, &b) == 1 && a == 7);
    Py_DECREF(args);
    args = PyTuple_New(0);
    CHECK(PyArg_ParseTuple(args, "i:f", &a) == 0);
    CHECK_ERR(PyExc_TypeError, "f() takes exactly one argument (0 given)");
    CHECK(PyArg_ParseTuple(args, "ii|i:f", &a, &b, &b) == 0);
    CHECK_ERR(PyExc_TypeError, "f() takes at least 2 arguments (0 given)");
    CHECK(PyArg_ParseTuple(args, "ii;custom message", &a, &b) == 0);
    CHECK_ERR(PyExc_TypeError, "custom message");
    Py_DECREF(args);
    args = Py_BuildValue("(iii)", 1, 2, 3);
    CHECK(PyArg_ParseTuple(args, "i|i:g", &a, &b) == 0);
    CHECK_ERR(PyExc_TypeError, "g() takes at most 2 arguments (3 given)");
    Py_DECREF(args);

    /* conversion errors */
    args = Py_BuildValue("(si)", "x", 1);
    CHECK(PyArg_ParseTuple(args, "ii:f", &a, &b) == 0);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK(PyArg_ParseTuple(args, "ss:f", &s, &s) == 0);
    CHECK_ERR(PyExc_TypeError, "f() argument 2 must be str, not int");
    CHECK(PyArg_ParseTuple(args, "sz", &s, &s) == 0);
    CHECK_ERR(PyExc_TypeError, "argument 2 must be str or None, not int");
    CHECK(PyArg_ParseTuple(args, "O!i:f", &PyLong_Type, &o1, &a) == 0);
    CHECK_ERR(PyExc_TypeError, "f() argument 1 must be int, not str");
    CHECK(PyArg_ParseTuple(args, "sd", &s, &d) == 1);   /* an int is a real number */
    CHECK(d == 1.0);
    CHECK(PyArg_ParseTuple(args, "ds", &d, &s) == 0);
    CHECK_ERR(PyExc_TypeError, "must be real number, not str");
    CHECK(PyArg_ParseTuple(args, "Ui", &o1, &a) == 1 && PyUnicode_Check(o1));
    CHECK(PyArg_ParseTuple(args, "ik", &a, &l) == 0);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    Py_DECREF(args);

    /* integer ranges */
    args = Py_BuildValue("(L)", (long long)INT_MAX + 1);
    CHECK(PyArg_ParseTuple(args, "i", &a) == 0);
    CHECK_ERR(PyExc_OverflowError, "signed integer is greater than maximum");
    long long ll = 0;
    CHECK(PyArg_ParseTuple(args, "L", &ll) == 1 && ll == (long long)INT_MAX + 1);
    unsigned int ui = 0;
    CHECK(PyArg_ParseTuple(args, "I", &ui) == 1 && ui == 0x80000000U);
    Py_DECREF(args);
    args = Py_BuildValue("(i)", -1);
    unsigned char uc;
    short sh;
    CHECK(PyArg_ParseTuple(args, "b", &uc) == 0);
    CHECK_ERR(PyExc_OverflowError, "unsigned byte integer is less than minimum");
    CHECK(PyArg_ParseTuple(args, "h", &sh) == 1 && sh == -1);
    CHECK(PyArg_ParseTuple(args, "B", &uc) == 1 && uc == 255);
    Py_DECREF(args);
    args = Py_BuildValue("(i)", 40000);
    CHECK(PyArg_ParseTuple(args, "h", &sh) == 0);
    CHECK_ERR(PyExc_OverflowError, "signed short integer is greater than maximum");
    unsigned short us;
    CHECK(PyArg_ParseTuple(args, "H", &us) == 1 && us == 40000);
    unsigned long ul;
    unsigned long long ull;
    CHECK(PyArg_ParseTuple(args, "k", &ul) == 1 && ul == 40000);
    CHECK(PyArg_ParseTuple(args, "K", &ull) == 1 && ull == 40000);
    Py_DECREF(args);

    /* strings */
    args = Py_BuildValue("(s#O)", "a\0b", (Py_ssize_t)3, Py_None);
    Py_ssize_t len = 0;
    CHECK(PyArg_ParseTuple(args, "s#z#", &s, &len, &z, &n) == 1);
    CHECK(len == 3 && s[2] == 'b' && z == NULL && n == 0);
    CHECK(PyArg_ParseTuple(args, "sO", &s, &o1) == 0);
    CHECK_ERR(PyExc_ValueError, "embedded null character");
    Py_DECREF(args);

    /* misc: p, C, c, f, O& */
    args = Py_BuildValue("(isCsfi)", 0, "e", 0x20AC, "z", 0.5, 8);
    int p = -1, ch = 0;
    char c8 = 0;
    float fl = 0;
    long half = 0;
    CHECK(PyArg_ParseTuple(args, "pCicfO&", &p, &ch, &a, &c8, &fl, conv_half, &half) == 0);   /* 'i' got a str */
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    CHECK(PyArg_ParseTuple(args, "pCOcfO&", &p, &ch, &o1, &c8, &fl, conv_half, &half) == 1);
    CHECK(p == 0 && ch == 'e' && c8 == 'z' && fl == 0.5f && half == 4);
    Py_DECREF(args);
    args = Py_BuildValue("(i)", 3);
    CHECK(PyArg_ParseTuple(args, "O&", conv_half, &half) == 0);
    CHECK_ERR(PyExc_ValueError, "odd");
    CHECK(PyArg_ParseTuple(args, "O&:h", conv_fail_silently, &half) == 0);
    CHECK_ERR(PyExc_TypeError, "h() argument 1 must be (unspecified), not int");
    CHECK(PyArg_ParseTuple(args, "C", &ch) == 0);
    CHECK_ERR(PyExc_TypeError, "argument 1 must be a unicode character, not int");
    CHECK(PyArg_ParseTuple(args, "(i)", &a) == 0);
    CHECK_ERR(PyExc_SystemError, "nested tuples are not supported in format '(i)'");
    CHECK(PyArg_ParseTuple(args, "y", &s) == 0);
    CHECK_ERR(PyExc_SystemError, "bad format char 'y' in format 'y'");
    CHECK(PyArg_ParseTuple(Py_None, "i", &a) == 0);
    CHECK_ERR(PyExc_SystemError, "new style getargs format but argument is not a tuple");
    Py_DECREF(args);
    PyObject *empty = PyTuple_New(0);
    CHECK(PyArg_ParseTuple(empty, "") == 1);
    CHECK(PyArg_ParseTuple(empty, "|i", &a) == 1);
    Py_DECREF(empty);
}

static void test_parse_keywords(void) {
    static char *kwlist[] = { "a", "b", "c", NULL };
    int a = 0, b = 0, c = 0;
    PyObject *args = Py_BuildValue("(i)", 1), *kw = Py_BuildValue("{s:i}", "c", 3);
    b = -1;
    CHECK(PyArg_ParseTupleAndKeywords(args, kw, "i|ii:kf", kwlist, &a, &b, &c) == 1);
    CHECK(a == 1 && b == -1 && c == 3);
    CHECK(PyArg_ParseTupleAndKeywords(args, NULL, "i|ii:kf", kwlist, &a, &b, &c) == 1);
    Py_DECREF(kw);
    kw = Py_BuildValue("{s:i}", "a", 5);
    CHECK(PyArg_ParseTupleAndKeywords(args, kw, "i|ii:kf", kwlist, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "argument for kf() given by name ('a') and position (1)");
    PyObject *empty = PyTuple_New(0);
    CHECK(PyArg_ParseTupleAndKeywords(empty, kw, "i|ii:kf", kwlist, &a, &b, &c) == 1 && a == 5);
    CHECK(PyArg_ParseTupleAndKeywords(empty, NULL, "i|ii:kf", kwlist, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "kf() missing required argument 'a' (pos 1)");
    Py_DECREF(kw);
    kw = Py_BuildValue("{s:i,s:i}", "a", 5, "zz", 1);
    CHECK(PyArg_ParseTupleAndKeywords(empty, kw, "i|ii:kf", kwlist, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "'zz' is an invalid keyword argument for kf()");
    CHECK(PyArg_ParseTupleAndKeywords(empty, kw, "i|ii", kwlist, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "'zz' is an invalid keyword argument for this function");
    Py_DECREF(kw);
    kw = Py_BuildValue("{s:s}", "b", "x");
    CHECK(PyArg_ParseTupleAndKeywords(args, kw, "i|ii:kf", kwlist, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "an integer is required");
    Py_DECREF(kw);
    kw = Py_BuildValue("{s:i}", "b", 1);
    const char *sv;
    CHECK(PyArg_ParseTupleAndKeywords(args, kw, "i|si:kf", kwlist, &a, &sv, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "kf() argument 'b' must be str, not int");
    Py_DECREF(kw);
    PyObject *args4 = Py_BuildValue("(iiii)", 1, 2, 3, 4);
    CHECK(PyArg_ParseTupleAndKeywords(args4, NULL, "i|ii:kf", kwlist, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "kf() takes at most 3 arguments (4 given)");
    Py_DECREF(args4);

    /* keyword-only and positional-only */
    static char *kwlist2[] = { "", "b", "c", NULL };
    PyObject *args2 = Py_BuildValue("(ii)", 1, 2);
    kw = Py_BuildValue("{s:i}", "c", 3);
    a = b = c = 0;
    CHECK(PyArg_ParseTupleAndKeywords(args2, kw, "i|i$i:kw", kwlist2, &a, &b, &c) == 1);
    CHECK(a == 1 && b == 2 && c == 3);
    Py_DECREF(args2);
    args2 = Py_BuildValue("(iii)", 1, 2, 3);
    CHECK(PyArg_ParseTupleAndKeywords(args2, NULL, "i|i$i:kw", kwlist2, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "kw() takes at most 2 positional arguments (3 given)");
    Py_DECREF(args2);
    Py_DECREF(kw);
    kw = Py_BuildValue("{s:i}", "b", 3);
    CHECK(PyArg_ParseTupleAndKeywords(empty, kw, "i|i$i:kw", kwlist2, &a, &b, &c) == 0);
    CHECK_ERR(PyExc_TypeError, "kw() takes at least 1 positional argument (0 given)");
    Py_DECREF(kw);
    CHECK(PyArg_ParseTupleAndKeywords(empty, NULL, "i$|i:kw", kwlist2, &a, &b) == 0);
    CHECK(PyErr_ExceptionMatches(PyExc_SystemError));
    PyErr_Clear();
    CHECK(PyArg_ParseTupleAndKeywords(empty, NULL, "ii:kw", kwlist2, &a, &b) == 0);
    CHECK(PyErr_ExceptionMatches(PyExc_SystemError));
    PyErr_Clear();

    CHECK(_PyArg_NoKeywords("nk", NULL) == 1);
    kw = PyDict_New();
    CHECK(_PyArg_NoKeywords("nk", kw) == 1);
    PyDict_SetItemString(kw, "x", Py_None);
    CHECK(_PyArg_NoKeywords("nk", kw) == 0);
    CHECK_ERR(PyExc_TypeError, "nk() takes no keyword arguments");
    Py_DECREF(kw);
    Py_DECREF(args);
    Py_DECREF(empty);
}

static void test_unpacktuple(void) {
    PyObject *args = Py_BuildValue("(ii)", 1, 2), *x = NULL, *y = NULL, *z = Py_None;
    CHECK(PyArg_UnpackTuple(args, "f", 1, 3, &x, &y, &z) == 1);
    CHECK(PyLong_AsLong(x) == 1 && PyLong_AsLong(y) == 2 && z == Py_None);
    CHECK(PyArg_UnpackTuple(args, "f", 3, 4, &x, &y, &z) == 0);
    CHECK_ERR(PyExc_TypeError, "f expected at least 3 arguments, got 2");
    CHECK(PyArg_UnpackTuple(args, "f", 0, 1, &x) == 0);
    CHECK_ERR(PyExc_TypeError, "f expected at most 1 argument, got 2");
    CHECK(PyArg_UnpackTuple(args, "f", 1, 1, &x) == 0);
    CHECK_ERR(PyExc_TypeError, "f expected 1 argument, got 2");
    CHECK(PyArg_UnpackTuple(args, NULL, 3, 3, &x, &y, &z) == 0);
    CHECK_ERR(PyExc_TypeError, "unpacked tuple should have 3 elements, but has 2");
    CHECK(PyArg_UnpackTuple(Py_None, "f", 0, 1, &x) == 0);
    CHECK_ERR(PyExc_SystemError, "PyArg_UnpackTuple() argument list is not a tuple");
    Py_DECREF(args);
}

/* ---- the error indicator ---------------------------------------------------------------------- */

static void test_error_indicator(void) {
    CHECK(PyErr_Occurred() == NULL);
    PyErr_SetString(PyExc_RuntimeError, "boom");
    CHECK(PyErr_Occurred() == PyExc_RuntimeError);
    CHECK(PyErr_ExceptionMatches(PyExc_RuntimeError));
    CHECK(PyErr_ExceptionMatches(PyExc_Exception));
    CHECK(PyErr_ExceptionMatches(PyExc_BaseException));
    CHECK(!PyErr_ExceptionMatches(PyExc_ValueError));
    PyObject *tup = PyTuple_Pack(2, PyExc_ValueError, PyExc_RuntimeError);
    CHECK(PyErr_ExceptionMatches(tup));
    Py_DECREF(tup);
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    CHECK(PyErr_Occurred() == NULL);
    CHECK(t == PyExc_RuntimeError && PyUnicode_Check(v) && tb == NULL);   /* not normalised */
    CHECK(PyUnicode_EqualToUTF8(v, "boom"));
    PyErr_Restore(t, v, tb);   /* steals */
    CHECK(PyErr_Occurred() == PyExc_RuntimeError);
    PyErr_Clear();
    CHECK(PyErr_Occurred() == NULL);
    PyErr_Clear();   /* harmless when empty */
    PyErr_Fetch(&t, &v, &tb);
    CHECK(t == NULL && v == NULL && tb == NULL);
    PyErr_Restore(NULL, PyLong_FromLong(1), NULL);   /* no type: clears, value released */
    CHECK(PyErr_Occurred() == NULL);

    /* a second error replaces the first */
    PyErr_SetString(PyExc_ValueError, "first");
    PyErr_SetString(PyExc_TypeError, "second");
    CHECK_ERR(PyExc_TypeError, "second");

    PyErr_SetNone(PyExc_KeyboardInterrupt);
    PyErr_Fetch(&t, &v, &tb);
    CHECK(t == PyExc_KeyboardInterrupt && v == NULL);
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(v && PyExceptionInstance_Check(v) && Py_TYPE(v) == (PyTypeObject *)PyExc_KeyboardInterrupt);
    CHECK(str_is(v, ""));
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);

    PyObject *num = PyLong_FromLong(42);
    PyErr_SetObject(PyExc_ValueError, num);
    CHECK_ERR(PyExc_ValueError, "42");
    Py_DECREF(num);
    PyObject *args = Py_BuildValue("(is)", 1, "two");
    PyErr_SetObject(PyExc_ValueError, args);
    CHECK_ERR(PyExc_ValueError, "(1, 'two')");
    Py_DECREF(args);

    CHECK(PyErr_Format(PyExc_TypeError, "%s-%d", "x", 5) == NULL);
    CHECK_ERR(PyExc_TypeError, "x-5");
    CHECK(PyErr_NoMemory() == NULL);
    CHECK_ERR(PyExc_MemoryError, "");
    CHECK(PyErr_BadArgument() == 0);
    CHECK_ERR(PyExc_TypeError, "bad argument type for built-in operation");
    PyErr_BadInternalCall();
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    errno = ENOENT;
    CHECK(PyErr_SetFromErrno(PyExc_OSError) == NULL);
    CHECK(PyErr_ExceptionMatches(PyExc_OSError));
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    PyObject *es = PyObject_Str(v);
    CHECK(es && strncmp(PyUnicode_AsUTF8(es), "[Errno 2] ", 10) == 0);
    Py_XDECREF(es); Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
    CHECK_EQ_INT(PyErr_CheckSignals(), 0);

    /* a non-exception class */
    PyErr_SetObject((PyObject *)&PyLong_Type, NULL);
    CHECK_ERR(PyExc_SystemError, "_PyErr_SetObject: exception <class 'int'> is not a BaseException subclass");

    /* GivenExceptionMatches */
    PyObject *inst = PyObject_CallFunction(PyExc_KeyError, "s", "k");
    CHECK(PyErr_GivenExceptionMatches(inst, PyExc_LookupError));
    CHECK(PyErr_GivenExceptionMatches(PyExc_KeyError, PyExc_KeyError));
    CHECK(!PyErr_GivenExceptionMatches(PyExc_LookupError, PyExc_KeyError));
    CHECK(!PyErr_GivenExceptionMatches(NULL, PyExc_KeyError));
    CHECK(!PyErr_GivenExceptionMatches(PyExc_KeyError, NULL));
    tup = Py_BuildValue("(O(O))", PyExc_TypeError, PyExc_LookupError);
    CHECK(PyErr_GivenExceptionMatches(inst, tup));
    Py_DECREF(tup);
    CHECK(PyErr_GivenExceptionMatches(Py_None, Py_None));   /* identity for non-classes */
    CHECK(!PyErr_ExceptionMatches(PyExc_KeyError));          /* nothing pending */

    /* GetRaisedException / SetRaisedException */
    PyErr_SetRaisedException(inst);   /* steals */
    CHECK(PyErr_Occurred() == PyExc_KeyError);
    PyObject *got = PyErr_GetRaisedException();
    CHECK(got == inst);
    CHECK(PyErr_Occurred() == NULL);
    Py_XDECREF(got);
    PyErr_SetString(PyExc_ValueError, "v");
    got = PyErr_GetRaisedException();
    CHECK(got && Py_TYPE(got) == (PyTypeObject *)PyExc_ValueError && str_is(got, "v"));
    Py_XDECREF(got);
    CHECK(PyErr_GetRaisedException() == NULL);
    PyErr_SetRaisedException(NULL);
}

static void test_recursion_guard(void) {
    int limit = Py_GetRecursionLimit();
    CHECK_EQ_INT(limit, 1000);
    Py_SetRecursionLimit(3);
    int saved = _PySlp_GetRecursionDepth();
    CHECK_EQ_INT(saved, 0);
    CHECK(Py_EnterRecursiveCall(" a") == 0);
    CHECK(Py_EnterRecursiveCall(" b") == 0);
    CHECK(Py_EnterRecursiveCall(" c") == 0);
    CHECK_EQ_INT(_PySlp_GetRecursionDepth(), 3);
    CHECK(Py_EnterRecursiveCall(" in test") == -1);
    CHECK_ERR(PyExc_RecursionError, "maximum recursion depth exceeded in test");
    CHECK_EQ_INT(_PySlp_GetRecursionDepth(), 3);
    /* what a tasklet switch does: save, run another tasklet from 0, restore */
    _PySlp_SetRecursionDepth(0);
    CHECK(Py_EnterRecursiveCall("") == 0);
    Py_LeaveRecursiveCall();
    _PySlp_SetRecursionDepth(3);
    Py_LeaveRecursiveCall();
    Py_LeaveRecursiveCall();
    Py_LeaveRecursiveCall();
    CHECK_EQ_INT(_PySlp_GetRecursionDepth(), 0);
    Py_SetRecursionLimit(limit);
}

static void fatal_child(void) {
    PyErr_SetString(PyExc_ValueError, "pending");
    Py_FatalError("it broke");
}

static void test_fatal_error(void) {
    fflush(stdout);
    fflush(stderr);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        signal(SIGABRT, SIG_DFL);
        fatal_child();
        _exit(0);
    }
    close(fds[1]);
    char buf[256] = "";
    size_t got = 0;
    ssize_t r;
    while (got < sizeof buf - 1 && (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
    buf[got] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    {   /* qemu-user (the aarch64 run) adds its own "qemu: uncaught target signal" line */
        char *q = strstr(buf, "qemu: ");
        if (q) *q = '\0';
    }
    CHECK(strcmp(buf, "Fatal Python error: it broke\nValueError: pending\n") == 0);
}

static int failing_init(PyObject *self, PyObject *args, PyObject *kwds) {
    PyErr_SetString(PyExc_RuntimeError, "init failed");
    return -1;
}
static PyTypeObject FailingExc_Type = {
    .tp_name = "test.FailingExc",
    .tp_basicsize = sizeof(PyBaseExceptionObject),
    .tp_init = failing_init,
};

static void test_normalize(void) {
    PyObject *t = Py_NewRef(PyExc_ValueError), *v = PyUnicode_FromString("msg"), *tb = NULL;
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(t == PyExc_ValueError && PyExceptionInstance_Check(v) && Py_TYPE(v) == (PyTypeObject *)t);
    CHECK(str_is(v, "msg"));
    PyObject *a = PyException_GetArgs(v);
    CHECK(repr_is(a, "('msg',)"));
    Py_XDECREF(a);
    /* normalising again changes nothing */
    PyObject *same = v;
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(v == same && t == PyExc_ValueError);
    Py_DECREF(t); Py_DECREF(v);

    /* an instance of a subclass: the type becomes the instance's class */
    t = Py_NewRef(PyExc_Exception);
    v = PyObject_CallFunction(PyExc_IndexError, "s", "idx");
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(t == PyExc_IndexError);
    CHECK(str_is(v, "idx"));
    Py_DECREF(t); Py_DECREF(v);

    /* a tuple value gives the constructor arguments */
    t = Py_NewRef(PyExc_RuntimeError);
    v = Py_BuildValue("(is)", 1, "x");
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(str_is(v, "(1, 'x')"));
    CHECK(repr_is(v, "RuntimeError(1, 'x')"));
    Py_DECREF(t); Py_DECREF(v);

    /* None / NULL values: no arguments */
    t = Py_NewRef(PyExc_StopIteration);
    v = Py_NewRef(Py_None);
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(PyExceptionInstance_Check(v) && str_is(v, "") && repr_is(v, "StopIteration()"));
    Py_DECREF(t); Py_DECREF(v);

    /* NULL type: nothing happens */
    t = v = tb = NULL;
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(t == NULL && v == NULL);

    /* creating the instance fails: that error replaces the original */
    FailingExc_Type.tp_base = (PyTypeObject *)PyExc_Exception;
    CHECK(PyType_Ready(&FailingExc_Type) == 0);
    t = Py_NewRef((PyObject *)&FailingExc_Type);
    v = PyUnicode_FromString("orig");
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(t == PyExc_RuntimeError && str_is(v, "init failed"));
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
    CHECK_NO_ERR();
}

/* ---- exception classes ------------------------------------------------------------------------ */

typedef struct {
    PyBaseExceptionObject base;
    int extra;
} MyErrorObject;

static PyTypeObject MyError_Type = {
    .tp_name = "test.MyError",
    .tp_basicsize = sizeof(MyErrorObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "a C subclass of RuntimeError",
};

static PyTypeObject MyPlainError_Type = {
    .tp_name = "test.MyPlainError",
    .tp_basicsize = sizeof(PyBaseExceptionObject),
};

static int is_sub(PyObject *a, PyObject *b) { return PyType_IsSubtype((PyTypeObject *)a, (PyTypeObject *)b); }

static void test_exception_classes(void) {
    struct { PyObject *cls, *base; const char *name; } h[] = {
        { PyExc_BaseException, (PyObject *)&PyBaseObject_Type, "BaseException" },
        { PyExc_SystemExit, PyExc_BaseException, "SystemExit" },
        { PyExc_TaskletExit, PyExc_SystemExit, "TaskletExit" },
        { PyExc_KeyboardInterrupt, PyExc_BaseException, "KeyboardInterrupt" },
        { PyExc_GeneratorExit, PyExc_BaseException, "GeneratorExit" },
        { PyExc_Exception, PyExc_BaseException, "Exception" },
        { PyExc_StopIteration, PyExc_Exception, "StopIteration" },
        { PyExc_ArithmeticError, PyExc_Exception, "ArithmeticError" },
        { PyExc_ZeroDivisionError, PyExc_ArithmeticError, "ZeroDivisionError" },
        { PyExc_OverflowError, PyExc_ArithmeticError, "OverflowError" },
        { PyExc_AttributeError, PyExc_Exception, "AttributeError" },
        { PyExc_LookupError, PyExc_Exception, "LookupError" },
        { PyExc_IndexError, PyExc_LookupError, "IndexError" },
        { PyExc_KeyError, PyExc_LookupError, "KeyError" },
        { PyExc_MemoryError, PyExc_Exception, "MemoryError" },
        { PyExc_NameError, PyExc_Exception, "NameError" },
        { PyExc_RuntimeError, PyExc_Exception, "RuntimeError" },
        { PyExc_NotImplementedError, PyExc_RuntimeError, "NotImplementedError" },
        { PyExc_RecursionError, PyExc_RuntimeError, "RecursionError" },
        { PyExc_SystemError, PyExc_Exception, "SystemError" },
        { PyExc_TypeError, PyExc_Exception, "TypeError" },
        { PyExc_ValueError, PyExc_Exception, "ValueError" },
        { PyExc_UnicodeError, PyExc_ValueError, "UnicodeError" },
        { PyExc_UnicodeDecodeError, PyExc_UnicodeError, "UnicodeDecodeError" },
        { PyExc_AssertionError, PyExc_Exception, "AssertionError" },
        { PyExc_OSError, PyExc_Exception, "OSError" },
        { PyExc_Warning, PyExc_Exception, "Warning" },
        { PyExc_UserWarning, PyExc_Warning, "UserWarning" },
        { PyExc_DeprecationWarning, PyExc_Warning, "DeprecationWarning" },
        { PyExc_RuntimeWarning, PyExc_Warning, "RuntimeWarning" },
    };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        PyTypeObject *t = (PyTypeObject *)h[i].cls;
        CHECK(strcmp(t->tp_name, h[i].name) == 0);
        CHECK((PyObject *)t->tp_base == h[i].base);
        CHECK(PyExceptionClass_Check(h[i].cls));
        CHECK(is_sub(h[i].cls, PyExc_BaseException));
        CHECK(PyCallable_Check(h[i].cls));
    }
    CHECK(!is_sub(PyExc_TaskletExit, PyExc_Exception));
    CHECK(!is_sub(PyExc_SystemExit, PyExc_Exception));
    CHECK(PyExc_EnvironmentError == PyExc_OSError && PyExc_IOError == PyExc_OSError);
    CHECK(!PyExceptionClass_Check((PyObject *)&PyLong_Type));
    PyObject *one = PyLong_FromLong(1);
    CHECK(!PyExceptionClass_Check(one));
    CHECK(!PyExceptionInstance_Check(one));

    /* instances */
    PyObject *e = PyObject_CallFunction(PyExc_ValueError, "s", "bad value");
    CHECK(e && PyExceptionInstance_Check(e) && !PyExceptionClass_Check(e));
    CHECK(PyExceptionInstance_Class(e) == PyExc_ValueError);
    CHECK(strcmp(PyExceptionClass_Name(PyExc_ValueError), "ValueError") == 0);
    CHECK(PyObject_IsInstance(e, PyExc_Exception) == 1);
    CHECK(str_is(e, "bad value"));
    CHECK(repr_is(e, "ValueError('bad value')"));
    PyObject *args = PyObject_GetAttrString(e, "args");
    CHECK(repr_is(args, "('bad value',)"));
    Py_XDECREF(args);
    PyObject *nargs = Py_BuildValue("(ii)", 1, 2);
    PyException_SetArgs(e, nargs);
    CHECK(str_is(e, "(1, 2)"));
    Py_DECREF(nargs);
    PyObject *tb = PyException_GetTraceback(e);
    CHECK(tb == Py_None);
    Py_XDECREF(tb);
    CHECK(PyException_SetTraceback(e, Py_None) == 0);
    PyObject *attr = PyObject_GetAttrString(e, "__traceback__");
    CHECK(attr == Py_None);
    Py_XDECREF(attr);
    Py_DECREF(e);

    e = PyObject_CallNoArgs(PyExc_TaskletExit);
    CHECK(e && str_is(e, "") && repr_is(e, "TaskletExit()"));
    CHECK(PyObject_IsInstance(e, PyExc_SystemExit) == 1);
    attr = PyObject_GetAttrString(e, "code");
    CHECK(attr == Py_None);
    Py_XDECREF(attr);
    Py_XDECREF(e);
    e = PyObject_CallFunction(PyExc_SystemExit, "i", 3);
    CHECK(steal_long_is(PyObject_GetAttrString(e, "code"), 3));
    Py_XDECREF(e);
    e = PyObject_CallFunction(PyExc_StopIteration, "i", 4);
    CHECK(steal_long_is(PyObject_GetAttrString(e, "value"), 4));
    CHECK(PyObject_GetAttrString(e, "code") == NULL);
    CHECK_ERR(PyExc_AttributeError, "'StopIteration' object has no attribute 'code'");
    Py_XDECREF(e);
    e = PyObject_CallFunction(PyExc_KeyError, "s", "key");
    CHECK(str_is(e, "'key'"));
    Py_XDECREF(e);
    e = PyObject_CallFunction(PyExc_OSError, "is", 13, "Permission denied");
    CHECK(str_is(e, "[Errno 13] Permission denied"));
    Py_XDECREF(e);
    PyObject *kw = Py_BuildValue("{s:i}", "x", 1), *empty = PyTuple_New(0);
    CHECK(PyObject_Call(PyExc_ValueError, empty, kw) == NULL);
    CHECK_ERR(PyExc_TypeError, "ValueError() takes no keyword arguments");
    Py_DECREF(kw);
    Py_DECREF(empty);
    CHECK(PyException_GetArgs(one) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    Py_DECREF(one);

    /* a C subclass of RuntimeError */
    MyError_Type.tp_base = (PyTypeObject *)PyExc_RuntimeError;
    CHECK(PyType_Ready(&MyError_Type) == 0);
    PyObject *my = (PyObject *)&MyError_Type;
    CHECK(PyExceptionClass_Check(my));
    CHECK(is_sub(my, PyExc_RuntimeError) && is_sub(my, PyExc_Exception));
    PyErr_SetString(my, "mine");
    CHECK(PyErr_ExceptionMatches(PyExc_RuntimeError));
    CHECK(PyErr_ExceptionMatches(my));
    PyObject *t, *v;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(t == my && Py_TYPE(v) == &MyError_Type);
    CHECK(str_is(v, "mine"));
    CHECK(repr_is(v, "MyError('mine')"));
    CHECK(((MyErrorObject *)v)->extra == 0);
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
    PyErr_SetString(my, "again");
    CHECK_ERR(my, "again");
    MyPlainError_Type.tp_base = (PyTypeObject *)PyExc_ValueError;
    CHECK(PyType_Ready(&MyPlainError_Type) == 0);
    e = PyObject_CallFunction((PyObject *)&MyPlainError_Type, "ss", "a", "b");
    CHECK(e && str_is(e, "('a', 'b')") && PyObject_IsInstance(e, PyExc_ValueError) == 1);
    Py_XDECREF(e);
}

static void test_new_exception(void) {
    PyObject *cls = PyErr_NewException("mymod.MyError", NULL, NULL);
    CHECK(cls != NULL);
    if (!cls) return;
    CHECK(PyExceptionClass_Check(cls));
    CHECK(is_sub(cls, PyExc_Exception));
    CHECK((PyObject *)((PyTypeObject *)cls)->tp_base == PyExc_Exception);
    CHECK(strcmp(((PyTypeObject *)cls)->tp_name, "mymod.MyError") == 0);
    CHECK(((PyTypeObject *)cls)->tp_flags & Py_TPFLAGS_HEAPTYPE);
    CHECK(repr_is(cls, "<class 'mymod.MyError'>"));
    CHECK_EQ_INT(Py_REFCNT(cls), 1);
    PyObject *mod = PyObject_GetAttrString(cls, "__module__");
    CHECK(mod && PyUnicode_EqualToUTF8(mod, "mymod"));
    Py_XDECREF(mod);
    PyObject *name = PyObject_GetAttrString(cls, "__name__");
    CHECK(name && PyUnicode_EqualToUTF8(name, "MyError"));
    Py_XDECREF(name);

    PyErr_SetString(cls, "custom");
    CHECK(PyErr_ExceptionMatches(PyExc_Exception));
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    CHECK(t == cls && Py_TYPE(v) == (PyTypeObject *)cls);
    CHECK_EQ_INT(Py_REFCNT(cls), 3);   /* ours, t, the instance's */
    CHECK(repr_is(v, "MyError('custom')"));
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
    CHECK_EQ_INT(Py_REFCNT(cls), 1);

    /* a subclass of a heap class, with a dict and a tuple of bases */
    PyObject *dict = Py_BuildValue("{s:i}", "answer", 42);
    PyObject *bases = PyTuple_Pack(1, cls);
    PyObject *sub = PyErr_NewExceptionWithDoc("mymod.SubError", "sub doc", bases, dict);
    CHECK(sub && is_sub(sub, cls));
    CHECK_EQ_INT(Py_REFCNT(cls), 3);   /* ours, bases, sub's tp_base */
    Py_DECREF(bases);
    Py_DECREF(dict);
    PyObject *inst = PyObject_CallNoArgs(sub);
    CHECK(steal_long_is(PyObject_GetAttrString(inst, "answer"), 42));   /* class attribute */
    CHECK(steal_long_is(PyObject_GetAttrString(sub, "answer"), 42));
    CHECK(steal_str_is(PyObject_GetAttrString(sub, "__doc__"), "sub doc"));
    /* heap classes accept new class attributes */
    PyObject *val = PyLong_FromLong(7);
    CHECK(PyObject_SetAttrString(sub, "seven", val) == 0);
    Py_DECREF(val);
    CHECK(steal_long_is(PyObject_GetAttrString(inst, "seven"), 7));
    CHECK(PyObject_SetAttrString(sub, "seven", NULL) == 0);
    CHECK(!PyObject_HasAttrString(inst, "seven"));
    Py_XDECREF(inst);
    CHECK(PyErr_GivenExceptionMatches(sub, cls));
    Py_XDECREF(sub);
    CHECK_EQ_INT(Py_REFCNT(cls), 1);
    Py_DECREF(cls);   /* freed (ASan checks) */

    CHECK(PyErr_NewException("nodot", NULL, NULL) == NULL);
    CHECK_ERR(PyExc_SystemError, "PyErr_NewException: name must be module.class");
    CHECK(PyErr_NewException("m.X", (PyObject *)&PyLong_Type, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "PyErr_NewException: base must be an exception class");
}

/* ---- printing --------------------------------------------------------------------------------- */

static void do_print(void *arg) { PyErr_Print(); }
static void do_print_ex(void *arg) { PyErr_PrintEx(0); }
static void do_unraisable(void *arg) { PyErr_WriteUnraisable((PyObject *)arg); }
static void do_warn(void *arg) { CHECK(PyErr_WarnEx(PyExc_DeprecationWarning, "old", 1) == 0); }
static void do_warnf(void *arg) { CHECK(PyErr_WarnFormat(NULL, 1, "n=%d", 3) == 0); }
static void do_display(void *arg) { PyErr_Display(PyExc_TypeError, (PyObject *)arg, NULL); }

static void test_printing(void) {
    PyErr_SetString(PyExc_ValueError, "boom");
    char *out = capture_stderr(do_print, NULL);
    CHECK(strcmp(out, "ValueError: boom\n") == 0);
    CHECK(PyErr_Occurred() == NULL);
    free(out);

    PyErr_SetNone(PyExc_TaskletExit);   /* SystemExit does not exit the process here */
    out = capture_stderr(do_print_ex, NULL);
    CHECK(strcmp(out, "TaskletExit\n") == 0);
    free(out);

    out = capture_stderr(do_print, NULL);   /* nothing pending: nothing printed */
    CHECK(strcmp(out, "") == 0);
    free(out);

    PyObject *key = PyUnicode_FromString("k");
    PyObject *d = PyDict_New();
    PyDict_DelItem(d, key);
    out = capture_stderr(do_print, NULL);
    CHECK(strcmp(out, "KeyError: 'k'\n") == 0);
    free(out);

    PyErr_SetString(PyExc_RuntimeError, "in del");
    out = capture_stderr(do_unraisable, key);
    CHECK(strcmp(out, "Exception ignored in: 'k'\nRuntimeError: in del\n") == 0);
    CHECK(PyErr_Occurred() == NULL);
    free(out);
    PyErr_SetString(PyExc_RuntimeError, "no obj");
    out = capture_stderr(do_unraisable, NULL);
    CHECK(strcmp(out, "RuntimeError: no obj\n") == 0);
    free(out);

    PyObject *heap = PyErr_NewException("pkg.Err", NULL, NULL);
    PyErr_Format(heap, "value %d", 5);
    out = capture_stderr(do_print, NULL);
    CHECK(strcmp(out, "pkg.Err: value 5\n") == 0);
    free(out);
    Py_DECREF(heap);

    out = capture_stderr(do_warn, NULL);
    CHECK(strcmp(out, "DeprecationWarning: old\n") == 0);
    free(out);
    out = capture_stderr(do_warnf, NULL);
    CHECK(strcmp(out, "RuntimeWarning: n=3\n") == 0);
    free(out);
    PyErr_SetString(PyExc_ValueError, "pending");
    out = capture_stderr(do_display, key);
    CHECK(strcmp(out, "TypeError: k\n") == 0);
    CHECK_ERR(PyExc_ValueError, "pending");   /* Display leaves the indicator alone */
    free(out);
    Py_DECREF(key);
    Py_DECREF(d);
}

/* ---- modules and attributes ------------------------------------------------------------------- */

static int module_frees;
static void mod_free(void *m) { module_frees++; }

static PyObject *mod_state_get(PyObject *module, PyObject *unused) {
    long *state = (long *)PyModule_GetState(module);
    return PyLong_FromLong(*state);
}
static PyObject *mod_state_set(PyObject *module, PyObject *arg) {
    long *state = (long *)PyModule_GetState(module);
    *state = PyLong_AsLong(arg);
    if (*state == -1 && PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}
static PyObject *mod_echo(PyObject *module, PyObject *args) {
    return Py_BuildValue("(OO)", module, args);
}

static PyMethodDef mod_methods[] = {
    { "get", mod_state_get, METH_NOARGS, NULL },
    { "set", mod_state_set, METH_O, NULL },
    { "echo", mod_echo, METH_VARARGS, NULL },
    { NULL, NULL, 0, NULL },
};

static struct PyModuleDef test_module = {
    PyModuleDef_HEAD_INIT,
    "testmod",
    "module doc",
    sizeof(long),
    mod_methods,
    NULL, NULL, NULL,
    (freefunc)mod_free,
};

static struct PyModuleDef slots_module = {
    PyModuleDef_HEAD_INIT, "slotted", NULL, 0, NULL, (PyModuleDef_Slot *)mod_methods, NULL, NULL, NULL,
};

static PyMethodDef static_meth[] = {
    { "bad", mod_echo, METH_VARARGS | METH_STATIC, NULL },
    { NULL, NULL, 0, NULL },
};

static void test_modules(void) {
    module_frees = 0;
    PyObject *m = PyModule_Create(&test_module);
    CHECK(m && PyModule_Check(m) && PyModule_CheckExact(m));
    if (!m) return;
    CHECK(PyModule_GetDef(m) == &test_module);
    CHECK(strcmp(PyModule_GetName(m), "testmod") == 0);
    CHECK(steal_str_is(PyModule_GetNameObject(m), "testmod"));
    CHECK(repr_is(m, "<module 'testmod'>"));
    PyObject *dict = PyModule_GetDict(m);
    CHECK(dict && PyDict_Check(dict));
    CHECK(PyDict_GetItemString(dict, "__name__") != NULL);
    CHECK(steal_str_is(PyObject_GetAttrString(m, "__doc__"), "module doc"));
    long *state = (long *)PyModule_GetState(m);
    CHECK(state && *state == 0);

    /* functions get the module as self */
    CHECK(steal_long_is(PyObject_CallMethod(m, "get", NULL), 0));
    PyObject *r = PyObject_CallMethod(m, "set", "i", 12);
    Py_XDECREF(r);
    CHECK(*state == 12);
    CHECK(steal_long_is(PyObject_CallMethod(m, "get", NULL), 12));
    PyObject *echo = PyObject_GetAttrString(m, "echo");
    CHECK(echo && PyCFunction_Check(echo) && PyCFunction_GET_SELF(echo) == m);
    CHECK(repr_is(echo, "<built-in function echo>"));
    CHECK(steal_str_is(PyObject_GetAttrString(echo, "__module__"), "testmod"));
    r = PyObject_CallFunction(echo, "i", 1);
    CHECK(r && PyTuple_GET_ITEM(r, 0) == m);
    Py_XDECREF(r);
    Py_XDECREF(echo);

    /* adding objects */
    PyObject *v = PyLong_FromLong(5);
    CHECK(PyModule_AddObject(m, "five", v) == 0);   /* steals on success */
    CHECK_EQ_INT(Py_REFCNT(v), 1);
    PyObject *w = PyUnicode_FromString("w");
    CHECK(PyModule_AddObjectRef(m, "w", w) == 0);   /* never steals */
    CHECK_EQ_INT(Py_REFCNT(w), 2);
    CHECK(PyModule_AddObject(Py_None, "x", w) == -1);   /* not stolen on failure */
    CHECK_ERR(PyExc_TypeError, "PyModule_AddObjectRef() first argument must be a module");
    CHECK_EQ_INT(Py_REFCNT(w), 2);
    Py_DECREF(w);
    CHECK(PyModule_AddIntConstant(m, "ANSWER", 42) == 0);
    CHECK(PyModule_AddStringConstant(m, "NAME", "n") == 0);
    CHECK(PyModule_AddIntMacro(m, INT_MAX) == 0);
    CHECK(PyModule_Add(m, "added", PyLong_FromLong(3)) == 0);
    CHECK(PyModule_Add(m, "bad", NULL) == -1);
    CHECK_ERR(PyExc_SystemError, "PyModule_AddObjectRef() must be called with an exception raised if value is NULL");
    PyErr_SetString(PyExc_ValueError, "creating the value failed");
    CHECK(PyModule_AddObject(m, "bad", NULL) == -1);
    CHECK_ERR(PyExc_ValueError, "creating the value failed");
    CHECK(PyModule_AddType(m, &Counter_Type) == 0);
    PyObject *ct = PyObject_GetAttrString(m, "Counter");
    CHECK(ct == (PyObject *)&Counter_Type);
    Py_XDECREF(ct);
    CHECK(steal_long_is(PyObject_GetAttrString(m, "five"), 5));
    CHECK(steal_long_is(PyObject_GetAttrString(m, "ANSWER"), 42));
    CHECK(steal_long_is(PyObject_GetAttrString(m, "INT_MAX"), INT_MAX));
    CHECK(steal_str_is(PyObject_GetAttrString(m, "NAME"), "n"));
    CHECK(PyObject_HasAttrString(m, "added"));
    CHECK(!PyObject_HasAttrString(m, "nope"));
    CHECK_NO_ERR();
    CHECK(PyObject_GetAttrString(m, "nope") == NULL);
    CHECK_ERR(PyExc_AttributeError, "module 'testmod' has no attribute 'nope'");

    /* setting and deleting attributes */
    CHECK(PyObject_SetAttrString(m, "later", Py_True) == 0);
    PyObject *later = PyObject_GetAttrString(m, "later");
    CHECK(later == Py_True);
    Py_XDECREF(later);
    CHECK(PyObject_SetAttrString(m, "later", NULL) == 0);
    CHECK(!PyObject_HasAttrString(m, "later"));
    CHECK(PyObject_SetAttrString(m, "later", NULL) == -1);
    CHECK_ERR(PyExc_AttributeError, "module 'testmod' has no attribute 'later'");
    PyObject *mdict = PyObject_GetAttrString(m, "__dict__");
    CHECK(mdict == dict);
    Py_XDECREF(mdict);
    CHECK(PyModule_AddFunctions(m, static_meth) == -1);
    CHECK_ERR(PyExc_ValueError, "module functions cannot set METH_CLASS or METH_STATIC");

    /* module functions reference the module: clear the dict to free it (no cycle collector) */
    PyDict_Clear(dict);
    CHECK_EQ_INT(Py_REFCNT(m), 1);
    Py_DECREF(m);
    CHECK_EQ_INT(module_frees, 1);

    m = PyModule_New("plain");
    CHECK(m && strcmp(PyModule_GetName(m), "plain") == 0 && PyModule_GetDef(m) == NULL && PyModule_GetState(m) == NULL);
    CHECK(PyModule_AddFunctions(m, mod_methods) == 0);
    CHECK(steal_repr_is(PyObject_CallMethod(m, "echo", "s", "x"), "(<module 'plain'>, ('x',))"));
    CHECK(PyModule_SetDocString(m, "d") == 0);
    CHECK(steal_str_is(PyObject_GetAttrString(m, "__doc__"), "d"));
    PyDict_Clear(PyModule_GetDict(m));
    Py_XDECREF(m);
    m = PyObject_CallFunction((PyObject *)&PyModule_Type, "s", "called");
    CHECK(m && PyModule_Check(m) && strcmp(PyModule_GetName(m), "called") == 0);
    Py_XDECREF(m);

    CHECK(PyModule_Create(&slots_module) == NULL);
    CHECK_ERR(PyExc_SystemError, "module slotted: PyModule_Create is incompatible with m_slots");
    CHECK(PyModule_GetDict(Py_None) == NULL);
    CHECK_ERR(PyExc_SystemError, "bad argument to internal function");
    CHECK(PyModule_GetName(Py_None) == NULL);
    CHECK_ERR(PyExc_TypeError, "bad argument type for built-in operation");
    CHECK(PyModule_GetState(Py_None) == NULL);
    CHECK_ERR(PyExc_TypeError, "bad argument type for built-in operation");
    m = PyModule_Create2(&test_module, PYTHON_API_VERSION);
    CHECK(m && PyModule_GetDef(m) == &test_module);
    if (m) PyDict_Clear(PyModule_GetDict(m));
    Py_XDECREF(m);
    CHECK_EQ_INT(module_frees, 2);
}

static void test_attributes(void) {
    CounterObject *c = new_counter(3);
    PyObject *co = (PyObject *)c;
    PyObject *get = PyObject_GetAttrString(co, "get");
    CHECK(get && PyCFunction_Check(get) && PyCFunction_GET_SELF(get) == co);
    CHECK(Py_REFCNT(co) == 2);   /* the bound method holds self */
    PyObject *r = get ? PyObject_CallNoArgs(get) : NULL;
    CHECK(steal_long_is(r, 3));
    if (get) {
        PyObject *rr = PyObject_Repr(get);
        CHECK(rr && strncmp(PyUnicode_AsUTF8(rr), "<built-in method get of test.Counter object at 0x", 49) == 0);
        Py_XDECREF(rr);
    }
    Py_XDECREF(get);
    CHECK(PyObject_HasAttrString(co, "add"));
    CHECK(!PyObject_HasAttrString(co, "nope"));
    CHECK(PyObject_GetAttrString(co, "nope") == NULL);
    CHECK_ERR(PyExc_AttributeError, "'test.Counter' object has no attribute 'nope'");
    PyObject *cls = PyObject_GetAttrString(co, "__class__");
    CHECK(cls == (PyObject *)&Counter_Type);
    Py_XDECREF(cls);
    /* METH_STATIC / METH_CLASS */
    CHECK(steal_long_is(PyObject_CallMethod(co, "smeth", NULL), 1));
    r = PyObject_CallMethod(co, "cmeth", NULL);
    CHECK(r == (PyObject *)&Counter_Type);
    Py_XDECREF(r);
    r = PyObject_CallMethod((PyObject *)&Counter_Type, "cmeth", NULL);
    CHECK(r == (PyObject *)&Counter_Type);
    Py_XDECREF(r);
    CHECK(PyObject_GetAttrString((PyObject *)&Counter_Type, "get") == NULL);   /* no unbound methods */
    CHECK_ERR(PyExc_AttributeError, "type object 'test.Counter' has no attribute 'get'");
    /* inherited tp_methods */
    PyObject *sc = PyObject_CallNoArgs((PyObject *)&SubCounter_Type);
    CHECK(sc && Py_TYPE(sc) == &SubCounter_Type);
    CHECK(steal_long_is(PyObject_CallMethod(sc, "get", NULL), 0));
    Py_XDECREF(sc);
    /* objects without a dict cannot get attributes */
    CHECK(PyObject_SetAttrString(co, "x", Py_None) == -1);
    CHECK_ERR(PyExc_AttributeError, "'test.Counter' object has no attribute 'x'");
    CHECK(PyObject_SetAttrString((PyObject *)&PyLong_Type, "x", Py_None) == -1);
    CHECK_ERR(PyExc_TypeError, "cannot set 'x' attribute of immutable type 'int'");
    PyObject *one = PyLong_FromLong(1);
    CHECK(PyObject_GetAttr(co, one) == NULL);
    CHECK_ERR(PyExc_TypeError, "attribute name must be string, not 'int'");
    CHECK(PyObject_SetAttr(co, one, one) == -1);
    CHECK_ERR(PyExc_TypeError, "attribute name must be string, not 'int'");
    CHECK(PyObject_HasAttr(co, one) == 0);
    CHECK_NO_ERR();
    Py_DECREF(one);
    /* type attributes */
    CHECK(steal_str_is(PyObject_GetAttrString((PyObject *)&PyLong_Type, "__name__"), "int"));
    CHECK(steal_str_is(PyObject_GetAttrString((PyObject *)&PyLong_Type, "__module__"), "builtins"));
    CHECK(steal_str_is(PyObject_GetAttrString((PyObject *)&Counter_Type, "__module__"), "test"));
    CHECK(steal_str_is(PyObject_GetAttrString((PyObject *)&Counter_Type, "__name__"), "Counter"));
    CHECK(steal_str_is(PyType_GetName(&SubCounter_Type), "SubCounter"));
    r = PyObject_GetAttrString((PyObject *)&SubCounter_Type, "__base__");
    CHECK(r == (PyObject *)&Counter_Type);
    Py_XDECREF(r);
    CHECK(PyType_GetFlags(&PyLong_Type) & Py_TPFLAGS_LONG_SUBCLASS);
    CHECK(PyObject_GenericGetDict(co, NULL) == NULL);
    CHECK_ERR(PyExc_AttributeError, "This object has no __dict__");
    Py_DECREF(c);
}

static void test_constructors(void) {
    PyObject *o = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    CHECK(o && Py_TYPE(o) == &PyBaseObject_Type);
    Py_XDECREF(o);
    PyObject *args = Py_BuildValue("(i)", 1);
    CHECK(PyObject_Call((PyObject *)&PyBaseObject_Type, args, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "object() takes no arguments");
    CHECK(PyObject_Call((PyObject *)&Plain_Type, args, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, "Plain() takes no arguments");
    PyObject *t = PyObject_Call((PyObject *)&PyType_Type, args, NULL);
    CHECK(t == (PyObject *)&PyLong_Type);
    Py_XDECREF(t);
    CHECK(PyObject_CallNoArgs((PyObject *)&PyCFunction_Type) == NULL);
    CHECK_ERR(PyExc_TypeError, "cannot create 'builtin_function_or_method' instances");
    Py_DECREF(args);
}

/* ---- threads ---------------------------------------------------------------------------------- */

static void *thread_body(void *arg) {
    int *ok = (int *)arg;
    *ok = PyErr_Occurred() == NULL;   /* the main thread's error is not visible here */
    PyErr_SetString(PyExc_TypeError, "thread");
    *ok = *ok && PyErr_ExceptionMatches(PyExc_TypeError);
    PyErr_Clear();
    return NULL;
}

static PyTypeObject Racy_Type = { .tp_name = "test.Racy", .tp_basicsize = sizeof(CounterObject) };

static void *ready_body(void *arg) {
    *(int *)arg = PyType_Ready(&Racy_Type);
    return NULL;
}

static void test_threads(void) {
    PyErr_SetString(PyExc_ValueError, "main");
    int ok = 0;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, thread_body, &ok) == 0);
    pthread_join(th, NULL);
    CHECK(ok);
    CHECK_ERR(PyExc_ValueError, "main");

    pthread_t ths[4];
    int rs[4] = { -1, -1, -1, -1 };
    for (int i = 0; i < 4; i++) pthread_create(&ths[i], NULL, ready_body, &rs[i]);
    for (int i = 0; i < 4; i++) pthread_join(ths[i], NULL);
    for (int i = 0; i < 4; i++) CHECK_EQ_INT(rs[i], 0);
    CHECK(Racy_Type.tp_flags & Py_TPFLAGS_READY);
}

int main(void) {
    TEST(test_none_and_bool);
    TEST(test_refcounts_and_dealloc);
    TEST(test_default_dealloc_uses_tp_free);
    TEST(test_type_ready);
    TEST(test_allocation);
    TEST(test_repr_and_str);
    TEST(test_truth_size_compare_hash);
    TEST(test_isinstance_issubclass_callable);
    TEST(test_long);
    TEST(test_float);
    TEST(test_unicode);
    TEST(test_unicode_fromformat);
    TEST(test_tuple);
    TEST(test_list);
    TEST(test_dict);
    TEST(test_cfunction);
    TEST(test_calls);
    TEST(test_hosted_call_hook);
    TEST(test_buildvalue);
    TEST(test_parsetuple);
    TEST(test_parse_keywords);
    TEST(test_unpacktuple);
    TEST(test_error_indicator);
    TEST(test_normalize);
    TEST(test_recursion_guard);
    TEST(test_fatal_error);
    TEST(test_exception_classes);
    TEST(test_new_exception);
    TEST(test_printing);
    TEST(test_modules);
    TEST(test_attributes);
    TEST(test_constructors);
    TEST(test_threads);
    return TEST_SUMMARY();
}
