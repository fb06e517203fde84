/* long.c - int (sign + 64-bit magnitude), bool (True/False) and float objects, and numeric
 * comparison / hashing used by PyObject_RichCompare, PyObject_Hash and dicts. */
#include "stackless/pycore.h"

#include <math.h>   /* isnan / isinf macros only: nothing here needs libm */
#include <ctype.h>

static double slp_fabs(double d) { return d < 0 ? -d : d; }
/* integral part (toward zero) without libm */
static double slp_trunc(double d) {
    if (!(slp_fabs(d) < 9007199254740992.0)) return d;   /* >= 2**53 (or NaN): already integral */
    return (double)(long long)d;
}

/* ---- int ------------------------------------------------------------------------------------ */

static PyObject *long_make(unsigned long long mag, int negative) {
    PyLongObject *v = (PyLongObject *)PyObject_Malloc(sizeof(PyLongObject));
    if (!v) return PyErr_NoMemory();
    PyObject_Init((PyObject *)v, &PyLong_Type);
    v->slp_magnitude = mag;
    v->slp_negative = negative && mag != 0;
    return (PyObject *)v;
}

PyObject *PyLong_FromLongLong(long long v) {
    if (v < 0) return long_make(0ULL - (unsigned long long)v, 1);
    return long_make((unsigned long long)v, 0);
}
PyObject *PyLong_FromLong(long v) { return PyLong_FromLongLong(v); }
PyObject *PyLong_FromSsize_t(Py_ssize_t v) { return PyLong_FromLongLong(v); }
PyObject *PyLong_FromUnsignedLongLong(unsigned long long v) { return long_make(v, 0); }
PyObject *PyLong_FromUnsignedLong(unsigned long v) { return long_make(v, 0); }
PyObject *PyLong_FromSize_t(size_t v) { return long_make(v, 0); }
PyObject *PyLong_FromVoidPtr(void *p) { return long_make((unsigned long long)(uintptr_t)p, 0); }

PyObject *PyLong_FromDouble(double d) {
    if (isinf(d)) {
        PyErr_SetString(PyExc_OverflowError, "cannot convert float infinity to integer");
        return NULL;
    }
    if (isnan(d)) {
        PyErr_SetString(PyExc_ValueError, "cannot convert float NaN to integer");
        return NULL;
    }
    d = slp_trunc(d);
    double a = slp_fabs(d);
    if (a >= 18446744073709551616.0) {
        PyErr_SetString(PyExc_OverflowError, "int too large (this int type holds 64-bit magnitudes)");
        return NULL;
    }
    return long_make((unsigned long long)a, d < 0);
}

PyObject *PyLong_FromString(const char *str, char **pend, int base) {
    const char *s = str;
    int base0 = base;
    while (*s && isspace((unsigned char)*s)) s++;
    int neg = 0;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    if (base == 0 || base == 16 || base == 8 || base == 2) {
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && (base == 0 || base == 16)) base = 16, s += 2;
        else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O') && (base == 0 || base == 8)) base = 8, s += 2;
        else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B') && (base == 0 || base == 2)) base = 2, s += 2;
        else if (base == 0) base = 10;
    }
    if (base < 2 || base > 36) {
        PyErr_SetString(PyExc_ValueError, "int() arg 2 must be >= 2 and <= 36");
        return NULL;
    }
    unsigned long long mag = 0;
    int ndigits = 0, overflow = 0, bad = 0;
    for (;; s++) {
        int c = (unsigned char)*s, dv;
        if (c == '_' && ndigits && s[1] && s[1] != '_') continue;
        if (c >= '0' && c <= '9') dv = c - '0';
        else if (c >= 'a' && c <= 'z') dv = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z') dv = c - 'A' + 10;
        else break;
        if (dv >= base) break;
        if (mag > (ULLONG_MAX - (unsigned)dv) / (unsigned)base) overflow = 1;
        mag = mag * (unsigned)base + (unsigned)dv;
        ndigits++;
    }
    const char *end = s;
    while (*s && isspace((unsigned char)*s)) s++;
    if (ndigits == 0 || (pend == NULL && *s)) bad = 1;
    if (pend) *pend = (char *)end;
    if (bad) {
        PyErr_Format(PyExc_ValueError, "invalid literal for int() with base %d: '%s'", base0, str);
        return NULL;
    }
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "int too large (this int type holds 64-bit magnitudes)");
        return NULL;
    }
    return long_make(mag, neg);
}

static int long_get(PyObject *o, unsigned long long *mag, int *neg) {
    if (o == NULL) {
        PyErr_BadInternalCall();
        return -1;
    }
    if (!PyLong_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "an integer is required");
        return -1;
    }
    *mag = ((PyLongObject *)o)->slp_magnitude;
    *neg = ((PyLongObject *)o)->slp_negative;
    return 0;
}

long long PyLong_AsLongLongAndOverflow(PyObject *o, int *overflow) {
    unsigned long long m;
    int n;
    *overflow = 0;
    if (long_get(o, &m, &n) < 0) return -1;
    if (n) {
        if (m > (unsigned long long)LLONG_MAX + 1ULL) { *overflow = -1; return -1; }
        return (long long)(0ULL - m);
    }
    if (m > (unsigned long long)LLONG_MAX) { *overflow = 1; return -1; }
    return (long long)m;
}

long PyLong_AsLongAndOverflow(PyObject *o, int *overflow) {
    long long v = PyLong_AsLongLongAndOverflow(o, overflow);
    if (*overflow == 0 && (v < LONG_MIN || v > LONG_MAX)) {
        *overflow = v < 0 ? -1 : 1;
        return -1;
    }
    return (long)v;
}

long PyLong_AsLong(PyObject *o) {
    int of;
    long v = PyLong_AsLongAndOverflow(o, &of);
    if (of) PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
    return v;
}

long long PyLong_AsLongLong(PyObject *o) {
    int of;
    long long v = PyLong_AsLongLongAndOverflow(o, &of);
    if (of) PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long long");
    return v;
}

Py_ssize_t PyLong_AsSsize_t(PyObject *o) {
    int of;
    long long v = PyLong_AsLongLongAndOverflow(o, &of);
    if (of || v < PY_SSIZE_T_MIN || v > PY_SSIZE_T_MAX) {
        if (!of && PyErr_Occurred()) return -1;
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C ssize_t");
        return -1;
    }
    return (Py_ssize_t)v;
}

unsigned long long PyLong_AsUnsignedLongLong(PyObject *o) {
    unsigned long long m;
    int n;
    if (long_get(o, &m, &n) < 0) return (unsigned long long)-1;
    if (n) {
        PyErr_SetString(PyExc_OverflowError, "can't convert negative int to unsigned");
        return (unsigned long long)-1;
    }
    return m;
}

unsigned long PyLong_AsUnsignedLong(PyObject *o) {
    unsigned long long m;
    int n;
    if (long_get(o, &m, &n) < 0) return (unsigned long)-1;
    if (n) {
        PyErr_SetString(PyExc_OverflowError, "can't convert negative value to unsigned int");
        return (unsigned long)-1;
    }
    if (m > ULONG_MAX) {
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C unsigned long");
        return (unsigned long)-1;
    }
    return (unsigned long)m;
}

size_t PyLong_AsSize_t(PyObject *o) {
    unsigned long long m;
    int n;
    if (long_get(o, &m, &n) < 0) return (size_t)-1;
    if (n) {
        PyErr_SetString(PyExc_OverflowError, "can't convert negative value to size_t");
        return (size_t)-1;
    }
    if (m > SIZE_MAX) {
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C size_t");
        return (size_t)-1;
    }
    return (size_t)m;
}

unsigned long long PyLong_AsUnsignedLongLongMask(PyObject *o) {
    unsigned long long m;
    int n;
    if (long_get(o, &m, &n) < 0) return (unsigned long long)-1;
    return n ? 0ULL - m : m;
}

unsigned long PyLong_AsUnsignedLongMask(PyObject *o) { return (unsigned long)PyLong_AsUnsignedLongLongMask(o); }

double PyLong_AsDouble(PyObject *o) {
    unsigned long long m;
    int n;
    if (long_get(o, &m, &n) < 0) return -1.0;
    double d = (double)m;
    return n ? -d : d;
}

void *PyLong_AsVoidPtr(PyObject *o) {
    unsigned long long m;
    int n;
    if (long_get(o, &m, &n) < 0) return NULL;
    if (m > UINTPTR_MAX) {
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C pointer");
        return NULL;
    }
    return (void *)(uintptr_t)(n ? 0ULL - m : m);
}

PyObject *PyNumber_Index(PyObject *o) {
    if (o == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if (PyLong_CheckExact(o)) return Py_NewRef(o);
    if (PyLong_Check(o)) {
        PyLongObject *l = (PyLongObject *)o;
        return long_make(l->slp_magnitude, l->slp_negative);
    }
    PyErr_Format(PyExc_TypeError, "'%s' object cannot be interpreted as an integer", Py_TYPE(o)->tp_name);
    return NULL;
}

Py_ssize_t PyNumber_AsSsize_t(PyObject *o, PyObject *exc) {
    PyObject *i = PyNumber_Index(o);
    if (!i) return -1;
    int of;
    long long v = PyLong_AsLongLongAndOverflow(i, &of);
    Py_DECREF(i);
    if (!of && v >= PY_SSIZE_T_MIN && v <= PY_SSIZE_T_MAX) return (Py_ssize_t)v;
    if (exc == NULL) return v < 0 || of < 0 ? PY_SSIZE_T_MIN : PY_SSIZE_T_MAX;
    PyErr_Format(exc, "cannot fit '%s' into an index-sized integer", Py_TYPE(o)->tp_name);
    return -1;
}

static PyObject *long_repr(PyObject *o) {
    PyLongObject *l = (PyLongObject *)o;
    return PyUnicode_FromFormat("%s%llu", l->slp_negative ? "-" : "", l->slp_magnitude);
}

static PyObject *long_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *x = NULL, *base = NULL;
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "int() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "int", 0, 2, &x, &base)) return NULL;
    PyObject *r;
    if (x == NULL) r = PyLong_FromLong(0);
    else if (base) {
        long b = PyLong_AsLong(base);
        if (b == -1 && PyErr_Occurred()) return NULL;
        if (!PyUnicode_Check(x)) {
            PyErr_SetString(PyExc_TypeError, "int() can't convert non-string with explicit base");
            return NULL;
        }
        r = PyLong_FromString(PyUnicode_AsUTF8(x), NULL, (int)b);
    } else if (PyLong_Check(x)) r = PyNumber_Index(x);
    else if (PyFloat_Check(x)) r = PyLong_FromDouble(PyFloat_AS_DOUBLE(x));
    else if (PyUnicode_Check(x)) r = PyLong_FromString(PyUnicode_AsUTF8(x), NULL, 10);
    else {
        PyErr_Format(PyExc_TypeError, "int() argument must be a string or a number, not '%s'", Py_TYPE(x)->tp_name);
        return NULL;
    }
    if (r && type != &PyLong_Type) {
        /* subclass: copy the value into an instance of type */
        PyLongObject *s = (PyLongObject *)PyType_GenericAlloc(type, 0);
        if (s) {
            s->slp_magnitude = ((PyLongObject *)r)->slp_magnitude;
            s->slp_negative = ((PyLongObject *)r)->slp_negative;
        }
        Py_DECREF(r);
        r = (PyObject *)s;
    }
    return r;
}

PyTypeObject PyLong_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "int",
    .tp_basicsize = sizeof(PyLongObject),
    .tp_dealloc = _PySlp_ObjectDealloc,
    .tp_repr = long_repr,
    .tp_str = long_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_BASETYPE | Py_TPFLAGS_READY | Py_TPFLAGS_LONG_SUBCLASS,
    .tp_doc = "int(x=0) -> integer",
    .tp_base = &PyBaseObject_Type,
    .tp_new = long_new,
    .tp_free = PyObject_Free,
};

/* ---- bool ----------------------------------------------------------------------------------- */

static PyObject *bool_repr(PyObject *o) { return PyUnicode_FromString(o == Py_True ? "True" : "False"); }

static void bool_dealloc(PyObject *o) { Py_SET_REFCNT(o, _Py_IMMORTAL_REFCNT); }

static PyObject *bool_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *x = NULL;
    (void)type;
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "bool() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "bool", 0, 1, &x)) return NULL;
    if (!x) Py_RETURN_FALSE;
    int r = PyObject_IsTrue(x);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

PyTypeObject PyBool_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "bool",
    .tp_basicsize = sizeof(PyLongObject),
    .tp_dealloc = bool_dealloc,
    .tp_repr = bool_repr,
    .tp_str = bool_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY | Py_TPFLAGS_LONG_SUBCLASS,
    .tp_doc = "bool(x) -> bool",
    .tp_base = &PyLong_Type,
    .tp_new = bool_new,
    .tp_free = PyObject_Free,
};

PyLongObject _Py_FalseStruct = { { _Py_IMMORTAL_REFCNT, &PyBool_Type }, 0, 0 };
PyLongObject _Py_TrueStruct = { { _Py_IMMORTAL_REFCNT, &PyBool_Type }, 1, 0 };

PyObject *PyBool_FromLong(long v) { return Py_NewRef(v ? Py_True : Py_False); }

/* ---- float ---------------------------------------------------------------------------------- */

PyObject *PyFloat_FromDouble(double v) {
    PyFloatObject *f = (PyFloatObject *)PyObject_Malloc(sizeof(PyFloatObject));
    if (!f) return PyErr_NoMemory();
    PyObject_Init((PyObject *)f, &PyFloat_Type);
    f->ob_fval = v;
    return (PyObject *)f;
}

double PyFloat_AsDouble(PyObject *o) {
    if (o == NULL) {
        PyErr_BadArgument();
        return -1.0;
    }
    if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);
    if (PyLong_Check(o)) return PyLong_AsDouble(o);
    PyErr_Format(PyExc_TypeError, "must be real number, not %s", Py_TYPE(o)->tp_name);
    return -1.0;
}

static PyObject *float_repr(PyObject *o) {
    double d = PyFloat_AS_DOUBLE(o);
    char buf[64];
    if (isnan(d)) return PyUnicode_FromString("nan");
    if (isinf(d)) return PyUnicode_FromString(d < 0 ? "-inf" : "inf");
    /* shortest representation that reads back exactly */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    if (!strpbrk(buf, ".einn")) strcat(buf, ".0");
    return PyUnicode_FromString(buf);
}

static PyObject *float_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *x = NULL;
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "float() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "float", 0, 1, &x)) return NULL;
    double d = 0.0;
    if (x && PyUnicode_Check(x)) {
        const char *s = PyUnicode_AsUTF8(x);
        char *end;
        while (isspace((unsigned char)*s)) s++;
        d = strtod(s, &end);
        while (*end && isspace((unsigned char)*end)) end++;
        if (end == s || *end) {
            PyErr_Format(PyExc_ValueError, "could not convert string to float: %R", x);
            return NULL;
        }
    } else if (x) {
        d = PyFloat_AsDouble(x);
        if (d == -1.0 && PyErr_Occurred()) return NULL;
    }
    if (type == &PyFloat_Type) return PyFloat_FromDouble(d);
    PyObject *r = PyType_GenericAlloc(type, 0);
    if (r) ((PyFloatObject *)r)->ob_fval = d;
    return r;
}

PyTypeObject PyFloat_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "float",
    .tp_basicsize = sizeof(PyFloatObject),
    .tp_dealloc = _PySlp_ObjectDealloc,
    .tp_repr = float_repr,
    .tp_str = float_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_BASETYPE | Py_TPFLAGS_READY,
    .tp_doc = "float(x=0) -> floating point number",
    .tp_base = &PyBaseObject_Type,
    .tp_new = float_new,
    .tp_free = PyObject_Free,
};

/* ---- numeric comparison / hashing ----------------------------------------------------------- */

static int cmp_ints(unsigned long long ma, int na, unsigned long long mb, int nb) {
    if (na != nb) return na ? -1 : 1;
    int c = ma < mb ? -1 : ma > mb;
    return na ? -c : c;
}

/* compare int (ma, na) with double d: -1/0/1, or 2 if d is NaN */
static int cmp_int_double(unsigned long long ma, int na, double d) {
    if (isnan(d)) return 2;
    if (d >= 18446744073709551616.0) return -1;
    if (d <= -18446744073709551616.0) return 1;
    double t = slp_trunc(d);
    int c = cmp_ints(ma, na, (unsigned long long)slp_fabs(t), t < 0);
    if (c) return c;
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

int _PySlp_NumCompare(PyObject *a, PyObject *b, int *res) {
    int ia = PyLong_Check(a), ib = PyLong_Check(b);
    int fa = !ia && PyFloat_Check(a), fb = !ib && PyFloat_Check(b);
    if (!(ia || fa) || !(ib || fb)) return 0;
    if (ia && ib) {
        PyLongObject *x = (PyLongObject *)a, *y = (PyLongObject *)b;
        *res = cmp_ints(x->slp_magnitude, x->slp_negative, y->slp_magnitude, y->slp_negative);
    } else if (fa && fb) {
        double x = PyFloat_AS_DOUBLE(a), y = PyFloat_AS_DOUBLE(b);
        *res = (isnan(x) || isnan(y)) ? 2 : x < y ? -1 : x > y;
    } else if (ia) {
        PyLongObject *x = (PyLongObject *)a;
        *res = cmp_int_double(x->slp_magnitude, x->slp_negative, PyFloat_AS_DOUBLE(b));
    } else {
        PyLongObject *y = (PyLongObject *)b;
        int c = cmp_int_double(y->slp_magnitude, y->slp_negative, PyFloat_AS_DOUBLE(a));
        *res = c == 2 ? 2 : -c;
    }
    return 1;
}

#define HASH_MODULUS ((1ULL << 61) - 1)

static Py_hash_t hash_int(unsigned long long mag, int neg) {
    Py_hash_t h = (Py_hash_t)(mag % HASH_MODULUS);
    if (neg) h = -h;
    return h == -1 ? -2 : h;
}

Py_hash_t _PySlp_NumHash(PyObject *o) {
    if (PyLong_Check(o)) {
        PyLongObject *l = (PyLongObject *)o;
        return hash_int(l->slp_magnitude, l->slp_negative);
    }
    double d = PyFloat_AS_DOUBLE(o);
    if (isnan(d)) {
        Py_hash_t h = (Py_hash_t)((uintptr_t)o >> 4);
        return h == -1 ? -2 : h;
    }
    if (isinf(d)) return d > 0 ? 314159 : -314159;
    if (d == slp_trunc(d) && slp_fabs(d) < 18446744073709551616.0)
        return hash_int((unsigned long long)slp_fabs(d), d < 0);
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    bits ^= bits >> 29;
    Py_hash_t h = (Py_hash_t)(bits % HASH_MODULUS);
    return h == -1 ? -2 : h;
}
