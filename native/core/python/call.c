/* call.c - calling objects (with the scheduler's hosted-call hook), Py_BuildValue and the
 * PyArg_* argument parsers. */
#include "stackless/pycore.h"

/* ---- calls ---------------------------------------------------------------------------------- */

static slp_hosted_call_hook hosted_hook;   /* process-wide, accessed atomically */

slp_hosted_call_hook _PySlp_SetHostedCallHook(slp_hosted_call_hook h) {
    return __atomic_exchange_n(&hosted_hook, h, __ATOMIC_ACQ_REL);
}

static PyObject *null_error(void) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "null argument to internal routine");
    return NULL;
}

static PyObject *check_result(PyObject *callable, PyObject *result) {
    if (result == NULL) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_SystemError, "%R returned NULL without setting an exception", callable);
        return NULL;
    }
    if (PyErr_Occurred()) {
        PyObject *t, *v, *tb;
        Py_DECREF(result);
        PyErr_Fetch(&t, &v, &tb);
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
        PyErr_Format(PyExc_SystemError, "%R returned a result with an exception set", callable);
        return NULL;
    }
    return result;
}

static int check_call_args(PyObject *callable, PyObject *args, PyObject *kwargs) {
    if (callable == NULL) {
        null_error();
        return -1;
    }
    if (args == NULL || !PyTuple_Check(args)) {
        PyErr_SetString(PyExc_TypeError, "argument list must be a tuple");
        return -1;
    }
    if (kwargs != NULL && !PyDict_Check(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "keyword list must be a dictionary");
        return -1;
    }
    if (Py_TYPE(callable)->tp_call == NULL) {
        PyErr_Format(PyExc_TypeError, "'%s' object is not callable", Py_TYPE(callable)->tp_name);
        return -1;
    }
    return 0;
}

PyObject *_PySlp_CallDirect(PyObject *callable, PyObject *args, PyObject *kwargs) {
    if (check_call_args(callable, args, kwargs) < 0) return NULL;
    return check_result(callable, Py_TYPE(callable)->tp_call(callable, args, kwargs));
}

PyObject *PyObject_Call(PyObject *callable, PyObject *args, PyObject *kwargs) {
    if (check_call_args(callable, args, kwargs) < 0) return NULL;
    PyObject *r;
    slp_hosted_call_hook hook;
    if ((Py_TYPE(callable)->tp_flags & Py_TPFLAGS_SLP_HOSTED_CALL) &&
        (hook = __atomic_load_n(&hosted_hook, __ATOMIC_ACQUIRE)) != NULL)
        r = hook(callable, args, kwargs);
    else
        r = Py_TYPE(callable)->tp_call(callable, args, kwargs);
    return check_result(callable, r);
}

PyObject *PyEval_CallObjectWithKeywords(PyObject *callable, PyObject *args, PyObject *kwargs) {
    if (args == NULL) {
        PyObject *empty = PyTuple_New(0);
        PyObject *r = PyObject_Call(callable, empty, kwargs);
        Py_DECREF(empty);
        return r;
    }
    return PyObject_Call(callable, args, kwargs);
}

PyObject *PyObject_CallObject(PyObject *callable, PyObject *args) {
    return PyEval_CallObjectWithKeywords(callable, args, NULL);
}

PyObject *PyObject_CallNoArgs(PyObject *callable) { return PyEval_CallObjectWithKeywords(callable, NULL, NULL); }

PyObject *PyObject_CallOneArg(PyObject *callable, PyObject *arg) {
    if (arg == NULL) return null_error();
    PyObject *args = PyTuple_Pack(1, arg);
    if (!args) return NULL;
    PyObject *r = PyObject_Call(callable, args, NULL);
    Py_DECREF(args);
    return r;
}

static PyObject *tuple_from_objargs(va_list va) {
    va_list count;
    va_copy(count, va);
    Py_ssize_t n = 0;
    while (va_arg(count, PyObject *) != NULL) n++;
    va_end(count);
    PyObject *args = PyTuple_New(n);
    if (!args) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) PyTuple_SET_ITEM(args, i, Py_NewRef(va_arg(va, PyObject *)));
    return args;
}

PyObject *PyObject_CallFunctionObjArgs(PyObject *callable, ...) {
    if (callable == NULL) return null_error();
    va_list va;
    va_start(va, callable);
    PyObject *args = tuple_from_objargs(va);
    va_end(va);
    if (!args) return NULL;
    PyObject *r = PyObject_Call(callable, args, NULL);
    Py_DECREF(args);
    return r;
}

PyObject *PyObject_CallMethodObjArgs(PyObject *obj, PyObject *name, ...) {
    if (obj == NULL || name == NULL) return null_error();
    PyObject *meth = PyObject_GetAttr(obj, name);
    if (!meth) return NULL;
    va_list va;
    va_start(va, name);
    PyObject *args = tuple_from_objargs(va);
    va_end(va);
    PyObject *r = NULL;
    if (args) {
        r = PyObject_Call(meth, args, NULL);
        Py_DECREF(args);
    }
    Py_DECREF(meth);
    return r;
}

PyObject *PyObject_CallMethodNoArgs(PyObject *obj, PyObject *name) {
    return PyObject_CallMethodObjArgs(obj, name, NULL);
}

PyObject *PyObject_CallMethodOneArg(PyObject *obj, PyObject *name, PyObject *arg) {
    if (arg == NULL) return null_error();
    return PyObject_CallMethodObjArgs(obj, name, arg, NULL);
}

/* call with the arguments described by a Py_BuildValue format */
static PyObject *call_format_va(PyObject *callable, const char *format, va_list va) {
    PyObject *args;
    if (format == NULL || *format == '\0') args = PyTuple_New(0);
    else {
        PyObject *v = Py_VaBuildValue(format, va);
        if (!v) return NULL;
        if (PyTuple_Check(v)) args = v;
        else {
            args = PyTuple_Pack(1, v);
            Py_DECREF(v);
        }
    }
    if (!args) return NULL;
    PyObject *r = PyObject_Call(callable, args, NULL);
    Py_DECREF(args);
    return r;
}

PyObject *PyObject_CallFunction(PyObject *callable, const char *format, ...) {
    if (callable == NULL) return null_error();
    va_list va;
    va_start(va, format);
    PyObject *r = call_format_va(callable, format, va);
    va_end(va);
    return r;
}

PyObject *PyObject_CallMethod(PyObject *obj, const char *name, const char *format, ...) {
    if (obj == NULL || name == NULL) return null_error();
    PyObject *meth = PyObject_GetAttrString(obj, name);
    if (!meth) return NULL;
    va_list va;
    va_start(va, format);
    PyObject *r = call_format_va(meth, format, va);
    va_end(va);
    Py_DECREF(meth);
    return r;
}

PyObject *PyObject_Vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    if (callable == NULL) return null_error();
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *t = PyTuple_New(n), *kw = NULL;
    if (!t) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) PyTuple_SET_ITEM(t, i, Py_NewRef(args[i]));
    if (nk) {
        kw = PyDict_New();
        for (Py_ssize_t i = 0; kw && i < nk; i++)
            if (PyDict_SetItem(kw, PyTuple_GET_ITEM(kwnames, i), args[n + i]) < 0) Py_CLEAR(kw);
        if (!kw) {
            Py_DECREF(t);
            return NULL;
        }
    }
    PyObject *r = PyObject_Call(callable, t, kw);
    Py_DECREF(t);
    Py_XDECREF(kw);
    return r;
}

/* ---- Py_BuildValue -------------------------------------------------------------------------- */

static int countformat(const char *format, char endchar) {
    int count = 0, level = 0;
    while (level > 0 || *format != endchar) {
        switch (*format) {
        case '\0':
            PyErr_SetString(PyExc_SystemError, "unmatched paren in format");
            return -1;
        case '(': case '[': case '{':
            if (level == 0) count++;
            level++;
            break;
        case ')': case ']': case '}':
            level--;
            break;
        case '#': case '&': case ',': case ':': case ' ': case '\t':
            break;
        default:
            if (level == 0) count++;
        }
        format++;
    }
    return count;
}

static PyObject *do_mkvalue(const char **p_format, va_list *p_va);

/* consume n items (stealing 'N' references) after an error, keeping the error */
static void do_ignore(const char **p_format, va_list *p_va, char endchar, int n) {
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    for (int i = 0; i < n; i++) {
        PyObject *w = do_mkvalue(p_format, p_va);
        PyErr_Clear();
        Py_XDECREF(w);
    }
    if (**p_format == endchar) {
        if (endchar) ++*p_format;
    }
    PyErr_Restore(t, v, tb);
}

static PyObject *do_mkseq(const char **p_format, va_list *p_va, char endchar, int n, int list) {
    if (n < 0) return NULL;
    PyObject *v = list ? PyList_New(n) : PyTuple_New(n);
    if (!v) {
        do_ignore(p_format, p_va, endchar, n);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        PyObject *w = do_mkvalue(p_format, p_va);
        if (!w) {
            do_ignore(p_format, p_va, endchar, n - i - 1);
            Py_DECREF(v);
            return NULL;
        }
        if (list) PyList_SET_ITEM(v, i, w);
        else PyTuple_SET_ITEM(v, i, w);
    }
    if (**p_format != endchar) {
        Py_DECREF(v);
        PyErr_SetString(PyExc_SystemError, "Unmatched paren in format");
        return NULL;
    }
    if (endchar) ++*p_format;
    return v;
}

static PyObject *do_mkdict(const char **p_format, va_list *p_va, char endchar, int n) {
    if (n < 0) return NULL;
    if (n % 2) {
        PyErr_SetString(PyExc_SystemError, "Bad dict format");
        do_ignore(p_format, p_va, endchar, n);
        return NULL;
    }
    PyObject *d = PyDict_New();
    if (!d) {
        do_ignore(p_format, p_va, endchar, n);
        return NULL;
    }
    for (int i = 0; i < n; i += 2) {
        PyObject *k = do_mkvalue(p_format, p_va);
        PyObject *v = k ? do_mkvalue(p_format, p_va) : NULL;
        if (!k || !v) {
            int rest = n - i - (k ? 2 : 1);
            Py_XDECREF(k);
            do_ignore(p_format, p_va, endchar, rest);
            Py_DECREF(d);
            return NULL;
        }
        int r = PyDict_SetItem(d, k, v);
        Py_DECREF(k);
        Py_DECREF(v);
        if (r < 0) {
            do_ignore(p_format, p_va, endchar, n - i - 2);
            Py_DECREF(d);
            return NULL;
        }
    }
    if (**p_format != endchar) {
        Py_DECREF(d);
        PyErr_SetString(PyExc_SystemError, "Unmatched paren in format");
        return NULL;
    }
    if (endchar) ++*p_format;
    return d;
}

static PyObject *make_string(const char *s, Py_ssize_t n) {
    if (s == NULL) Py_RETURN_NONE;
    if (n < 0) n = (Py_ssize_t)strlen(s);
    return PyUnicode_FromStringAndSize(s, n);
}

static PyObject *do_mkvalue(const char **p_format, va_list *p_va) {
    for (;;) {
        char c = *(*p_format)++;
        switch (c) {
        case '(':
            return do_mkseq(p_format, p_va, ')', countformat(*p_format, ')'), 0);
        case '[':
            return do_mkseq(p_format, p_va, ']', countformat(*p_format, ']'), 1);
        case '{':
            return do_mkdict(p_format, p_va, '}', countformat(*p_format, '}'));
        case 'b': case 'B': case 'h': case 'i':
            return PyLong_FromLong((long)va_arg(*p_va, int));
        case 'H':
            return PyLong_FromLong((long)(unsigned short)va_arg(*p_va, int));
        case 'I':
            return PyLong_FromUnsignedLong((unsigned long)va_arg(*p_va, unsigned int));
        case 'n':
            return PyLong_FromSsize_t(va_arg(*p_va, Py_ssize_t));
        case 'l':
            return PyLong_FromLong(va_arg(*p_va, long));
        case 'k':
            return PyLong_FromUnsignedLong(va_arg(*p_va, unsigned long));
        case 'L':
            return PyLong_FromLongLong(va_arg(*p_va, long long));
        case 'K':
            return PyLong_FromUnsignedLongLong(va_arg(*p_va, unsigned long long));
        case 'd': case 'f':
            return PyFloat_FromDouble(va_arg(*p_va, double));
        case 'c':
            return PyUnicode_FromOrdinal(va_arg(*p_va, int) & 0xFF);
        case 'C':
            return PyUnicode_FromOrdinal(va_arg(*p_va, int));
        case 's': case 'z': case 'U': {
            const char *s = va_arg(*p_va, const char *);
            Py_ssize_t n = -1;
            if (**p_format == '#') {
                ++*p_format;
                n = va_arg(*p_va, Py_ssize_t);
            }
            return make_string(s, n);
        }
        case 'N': case 'S': case 'O': {
            if (**p_format == '&') {
                typedef PyObject *(*converter)(void *);
                converter func = va_arg(*p_va, converter);
                void *arg = va_arg(*p_va, void *);
                ++*p_format;
                return func(arg);
            }
            PyObject *v = va_arg(*p_va, PyObject *);
            if (v != NULL) {
                if (c != 'N') Py_INCREF(v);
            } else if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_SystemError, "NULL object passed to Py_BuildValue");
            }
            return v;
        }
        case ':': case ',': case ' ': case '\t':
            break;
        default:
            PyErr_SetString(PyExc_SystemError, "bad format char passed to Py_BuildValue");
            return NULL;
        }
    }
}

PyObject *Py_VaBuildValue(const char *format, va_list va) {
    const char *f = format;
    va_list lva;
    if (format == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    int n = countformat(f, '\0');
    if (n < 0) return NULL;
    if (n == 0) Py_RETURN_NONE;
    va_copy(lva, va);
    PyObject *r = n == 1 ? do_mkvalue(&f, &lva) : do_mkseq(&f, &lva, '\0', n, 0);
    va_end(lva);
    return r;
}

PyObject *Py_BuildValue(const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = Py_VaBuildValue(format, va);
    va_end(va);
    return r;
}

/* ---- PyArg_* -------------------------------------------------------------------------------- */

typedef struct {
    const char *fname;     /* after ':' (NUL or ';' terminated), or NULL */
    size_t fname_len;
    const char *message;   /* after ';', or NULL */
    int min, max, kwonly;  /* required count, total count, index of the first keyword-only */
} fmtinfo;

static int fmt_bad(const char *why, const char *format) {
    PyErr_Format(PyExc_SystemError, "%s in format '%s'", why, format);
    return -1;
}

static int scan_format(const char *format, fmtinfo *fi) {
    int count = 0, min = -1, kwonly = -1;
    const char *f = format;
    fi->fname = fi->message = NULL;
    fi->fname_len = 0;
    for (; *f; f++) {
        char c = *f;
        if (c == ':') {
            fi->fname = f + 1;
            const char *e = strchr(f + 1, ';');
            fi->fname_len = e ? (size_t)(e - f - 1) : strlen(f + 1);
            if (e) fi->message = e + 1;
            break;
        }
        if (c == ';') {
            fi->message = f + 1;
            break;
        }
        if (c == '|') {
            if (min >= 0) return fmt_bad("'|' twice", format);
            min = count;
            continue;
        }
        if (c == '$') {
            if (min < 0) return fmt_bad("'$' before '|'", format);
            kwonly = count;
            continue;
        }
        if (c == '(' || c == ')') return fmt_bad("nested tuples are not supported", format);
        if (!strchr("bBhHiIlkLKnCcpfdszUO", c)) {
            PyErr_Format(PyExc_SystemError, "bad format char '%c' in format '%s'", c, format);
            return -1;
        }
        count++;
        if ((c == 's' || c == 'z') && f[1] == '#') f++;
        else if (c == 'O' && (f[1] == '!' || f[1] == '&')) f++;
    }
    fi->max = count;
    fi->min = min < 0 ? count : min;
    fi->kwonly = kwonly < 0 ? count : kwonly;
    return 0;
}

/* the next item at or after *f (skipping '|' and '$'); advances past it */
static const char *next_item(const char **f) {
    while (**f == '|' || **f == '$') ++*f;
    const char *item = *f;
    ++*f;
    if (**f == '#' || **f == '!' || **f == '&') ++*f;
    return item;
}

/* the function name for messages: "name()" or "function" */
static void fname_str(const fmtinfo *fi, char *buf, size_t n) {
    if (fi->fname) snprintf(buf, n, "%.*s()", (int)(fi->fname_len > 200 ? 200 : fi->fname_len), fi->fname);
    else snprintf(buf, n, "function");
}

static int converterr(const fmtinfo *fi, int pos, const char *kwname, const char *expected, PyObject *arg) {
    if (fi->message) {
        PyErr_SetString(PyExc_TypeError, fi->message);
        return -1;
    }
    char fn[220] = "";
    if (fi->fname) snprintf(fn, sizeof fn, "%.*s() ", (int)(fi->fname_len > 200 ? 200 : fi->fname_len), fi->fname);
    const char *got = arg == Py_None ? "None" : Py_TYPE(arg)->tp_name;
    if (kwname) PyErr_Format(PyExc_TypeError, "%sargument '%s' must be %s, not %s", fn, kwname, expected, got);
    else PyErr_Format(PyExc_TypeError, "%sargument %d must be %s, not %s", fn, pos, expected, got);
    return -1;
}

static int get_long(PyObject *arg, long *out) {
    *out = PyLong_AsLong(arg);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

static int range_err(const char *what, int too_big) {
    PyErr_Format(PyExc_OverflowError, "%s is %s", what, too_big ? "greater than maximum" : "less than minimum");
    return -1;
}

/* convert arg by the item at `item`, storing through the next va pointers */
static int convert_item(const fmtinfo *fi, int pos, const char *kwname, const char *item, PyObject *arg, va_list *va) {
    char c = item[0], mod = item[1];
    long lv;
    switch (c) {
    case 'b':
        if (get_long(arg, &lv) < 0) return -1;
        if (lv < 0 || lv > UCHAR_MAX) return range_err("unsigned byte integer", lv > 0);
        *va_arg(*va, unsigned char *) = (unsigned char)lv;
        return 0;
    case 'h':
        if (get_long(arg, &lv) < 0) return -1;
        if (lv < SHRT_MIN || lv > SHRT_MAX) return range_err("signed short integer", lv > 0);
        *va_arg(*va, short *) = (short)lv;
        return 0;
    case 'i':
        if (get_long(arg, &lv) < 0) return -1;
        if (lv < INT_MIN || lv > INT_MAX) return range_err("signed integer", lv > 0);
        *va_arg(*va, int *) = (int)lv;
        return 0;
    case 'l':
        if (get_long(arg, &lv) < 0) return -1;
        *va_arg(*va, long *) = lv;
        return 0;
    case 'L': {
        long long v = PyLong_AsLongLong(arg);
        if (v == -1 && PyErr_Occurred()) return -1;
        *va_arg(*va, long long *) = v;
        return 0;
    }
    case 'n': {
        Py_ssize_t v = PyLong_AsSsize_t(arg);
        if (v == -1 && PyErr_Occurred()) return -1;
        *va_arg(*va, Py_ssize_t *) = v;
        return 0;
    }
    case 'B': case 'H': case 'I': case 'k': case 'K': {
        if (!PyLong_Check(arg)) return converterr(fi, pos, kwname, "int", arg);
        unsigned long long v = PyLong_AsUnsignedLongLongMask(arg);
        if (c == 'B') *va_arg(*va, unsigned char *) = (unsigned char)v;
        else if (c == 'H') *va_arg(*va, unsigned short *) = (unsigned short)v;
        else if (c == 'I') *va_arg(*va, unsigned int *) = (unsigned int)v;
        else if (c == 'k') *va_arg(*va, unsigned long *) = (unsigned long)v;
        else *va_arg(*va, unsigned long long *) = v;
        return 0;
    }
    case 'C': case 'c': {
        if (!PyUnicode_Check(arg) || PyUnicode_GetLength(arg) != 1)
            return converterr(fi, pos, kwname, c == 'C' ? "a unicode character" : "a str of length 1", arg);
        Py_UCS4 ch = PyUnicode_ReadChar(arg, 0);
        if (c == 'C') *va_arg(*va, int *) = (int)ch;
        else {
            if (ch > 0xFF) return converterr(fi, pos, kwname, "a str of length 1 (code point < 256)", arg);
            *va_arg(*va, char *) = (char)ch;
        }
        return 0;
    }
    case 'p': {
        int v = PyObject_IsTrue(arg);
        if (v < 0) return -1;
        *va_arg(*va, int *) = v;
        return 0;
    }
    case 'f': case 'd': {
        double v = PyFloat_AsDouble(arg);
        if (v == -1.0 && PyErr_Occurred()) return -1;
        if (c == 'f') *va_arg(*va, float *) = (float)v;
        else *va_arg(*va, double *) = v;
        return 0;
    }
    case 's': case 'z': {
        const char **ps = va_arg(*va, const char **);
        Py_ssize_t *pn = mod == '#' ? va_arg(*va, Py_ssize_t *) : NULL;
        if (c == 'z' && arg == Py_None) {
            *ps = NULL;
            if (pn) *pn = 0;
            return 0;
        }
        if (!PyUnicode_Check(arg)) return converterr(fi, pos, kwname, c == 'z' ? "str or None" : "str", arg);
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(arg, &n);
        if (!pn && strlen(s) != (size_t)n) {
            PyErr_SetString(PyExc_ValueError, "embedded null character");
            return -1;
        }
        *ps = s;
        if (pn) *pn = n;
        return 0;
    }
    case 'U':
        if (!PyUnicode_Check(arg)) return converterr(fi, pos, kwname, "str", arg);
        *va_arg(*va, PyObject **) = arg;
        return 0;
    case 'O':
        if (mod == '!') {
            PyTypeObject *type = va_arg(*va, PyTypeObject *);
            PyObject **p = va_arg(*va, PyObject **);
            if (!PyObject_TypeCheck(arg, type)) return converterr(fi, pos, kwname, type->tp_name, arg);
            *p = arg;
            return 0;
        }
        if (mod == '&') {
            typedef int (*converter)(PyObject *, void *);
            converter conv = va_arg(*va, converter);
            void *addr = va_arg(*va, void *);
            if (!conv(arg, addr)) {
                if (!PyErr_Occurred()) converterr(fi, pos, kwname, "(unspecified)", arg);
                return -1;
            }
            return 0;
        }
        *va_arg(*va, PyObject **) = arg;
        return 0;
    default:
        PyErr_Format(PyExc_SystemError, "bad format char '%c'", c);
        return -1;
    }
}

static void skip_item(const char *item, va_list *va) {
    (void)va_arg(*va, void *);
    if (item[1] == '#' || item[1] == '!' || item[1] == '&') (void)va_arg(*va, void *);
}

static int count_error(const fmtinfo *fi, Py_ssize_t n, int positional) {
    if (fi->message) {
        PyErr_SetString(PyExc_TypeError, fi->message);
        return 0;
    }
    char fn[220];
    fname_str(fi, fn, sizeof fn);
    int max = positional ? fi->kwonly : fi->max;
    int lim = n < fi->min ? fi->min : max;
    if (!positional && max == 0) {   /* CPython's special cases */
        PyErr_Format(PyExc_TypeError, "%s takes no arguments", fn);
        return 0;
    }
    if (!positional && fi->min == 1 && max == 1) {
        PyErr_Format(PyExc_TypeError, "%s takes exactly one argument (%zd given)", fn, n);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s takes %s %d %sargument%s (%zd given)", fn,
                 fi->min == max ? "exactly" : n < fi->min ? "at least" : "at most", lim,
                 positional && fi->kwonly < fi->max ? "positional " : "", lim == 1 ? "" : "s", n);
    return 0;
}

static int vgetargs(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, va_list va0) {
    fmtinfo fi;
    va_list va;
    if (format == NULL || args == NULL) {
        PyErr_BadInternalCall();
        return 0;
    }
    if (!PyTuple_Check(args)) {
        PyErr_SetString(PyExc_SystemError, "new style getargs format but argument is not a tuple");
        return 0;
    }
    if (kwargs && !PyDict_Check(kwargs)) {
        PyErr_BadInternalCall();
        return 0;
    }
    if (scan_format(format, &fi) < 0) return 0;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    const char *f = format;
    int ok = 0;
    va_copy(va, va0);

    if (kwlist == NULL) {
        if (nargs < fi.min || nargs > fi.max) {
            count_error(&fi, nargs, 0);
            goto done;
        }
        for (Py_ssize_t i = 0; i < nargs; i++) {
            const char *item = next_item(&f);
            if (convert_item(&fi, (int)i + 1, NULL, item, PyTuple_GET_ITEM(args, i), &va) < 0) goto done;
        }
        ok = 1;
        goto done;
    }

    int nkwlist = 0, posonly = 0;
    while (kwlist[nkwlist]) nkwlist++;
    if (nkwlist != fi.max) {
        PyErr_Format(PyExc_SystemError, "format '%s' has %d items but the keyword list %d entries", format, fi.max, nkwlist);
        goto done;
    }
    while (posonly < nkwlist && kwlist[posonly][0] == '\0') posonly++;
    Py_ssize_t nkw = kwargs ? PyDict_Size(kwargs) : 0, found = 0;
    if (nargs > fi.kwonly) {
        count_error(&fi, nargs, 1);
        goto done;
    }
    if (nargs + nkw > fi.max) {
        char fn[220];
        fname_str(&fi, fn, sizeof fn);
        PyErr_Format(PyExc_TypeError, "%s takes at most %d argument%s (%zd given)", fn, fi.max,
                     fi.max == 1 ? "" : "s", nargs + nkw);
        goto done;
    }
    for (int i = 0; i < fi.max; i++) {
        const char *item = next_item(&f);
        PyObject *obj = NULL;
        if (i < nargs) {
            obj = PyTuple_GET_ITEM(args, i);
            if (nkw && i >= posonly && PyDict_GetItemString(kwargs, kwlist[i])) {
                char fn[220];
                fname_str(&fi, fn, sizeof fn);
                PyErr_Format(PyExc_TypeError, "argument for %s given by name ('%s') and position (%d)", fn, kwlist[i], i + 1);
                goto done;
            }
        } else if (nkw && i >= posonly) {
            obj = PyDict_GetItemString(kwargs, kwlist[i]);
            if (obj) found++;
        }
        if (obj) {
            if (convert_item(&fi, i + 1, i < nargs ? NULL : kwlist[i], item, obj, &va) < 0) goto done;
            continue;
        }
        if (i < fi.min) {
            if (fi.message) PyErr_SetString(PyExc_TypeError, fi.message);
            else if (i < posonly) count_error(&fi, nargs, 1);
            else {
                char fn[220];
                fname_str(&fi, fn, sizeof fn);
                PyErr_Format(PyExc_TypeError, "%s missing required argument '%s' (pos %d)", fn, kwlist[i], i + 1);
            }
            goto done;
        }
        skip_item(item, &va);
    }
    if (found < nkw) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(kwargs, &pos, &key, &value)) {
            if (!PyUnicode_Check(key)) {
                PyErr_SetString(PyExc_TypeError, "keywords must be strings");
                goto done;
            }
            int known = 0;
            for (int i = posonly; i < nkwlist && !known; i++) known = PyUnicode_EqualToUTF8(key, kwlist[i]);
            if (!known) {
                char fn[220];
                if (fi.fname) fname_str(&fi, fn, sizeof fn);
                else snprintf(fn, sizeof fn, "this function");
                PyErr_Format(PyExc_TypeError, "'%U' is an invalid keyword argument for %s", key, fn);
                goto done;
            }
        }
    }
    ok = 1;
done:
    va_end(va);
    return ok;
}

int PyArg_VaParse(PyObject *args, const char *format, va_list va) { return vgetargs(args, NULL, format, NULL, va); }

int PyArg_ParseTuple(PyObject *args, const char *format, ...) {
    va_list va;
    va_start(va, format);
    int r = vgetargs(args, NULL, format, NULL, va);
    va_end(va);
    return r;
}

int PyArg_VaParseTupleAndKeywords(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, va_list va) {
    if (kwlist == NULL) {
        PyErr_BadInternalCall();
        return 0;
    }
    return vgetargs(args, kwargs, format, kwlist, va);
}

int PyArg_ParseTupleAndKeywords(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, ...) {
    va_list va;
    va_start(va, kwlist);
    int r = PyArg_VaParseTupleAndKeywords(args, kwargs, format, kwlist, va);
    va_end(va);
    return r;
}

int PyArg_UnpackTuple(PyObject *args, const char *name, Py_ssize_t min, Py_ssize_t max, ...) {
    if (args == NULL || !PyTuple_Check(args)) {
        PyErr_SetString(PyExc_SystemError, "PyArg_UnpackTuple() argument list is not a tuple");
        return 0;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (n < min || n > max) {
        Py_ssize_t lim = n < min ? min : max;
        const char *which = min == max ? "" : n < min ? "at least " : "at most ";
        if (name)
            PyErr_Format(PyExc_TypeError, "%s expected %s%zd argument%s, got %zd", name, which, lim, lim == 1 ? "" : "s", n);
        else
            PyErr_Format(PyExc_TypeError, "unpacked tuple should have %s%zd element%s, but has %zd", which, lim,
                         lim == 1 ? "" : "s", n);
        return 0;
    }
    va_list va;
    va_start(va, max);
    for (Py_ssize_t i = 0; i < n; i++) *va_arg(va, PyObject **) = PyTuple_GET_ITEM(args, i);
    va_end(va);
    return 1;
}

int _PyArg_NoKeywords(const char *funcname, PyObject *kwargs) {
    if (kwargs == NULL) return 1;
    if (!PyDict_Check(kwargs)) {
        PyErr_BadInternalCall();
        return 0;
    }
    if (PyDict_Size(kwargs) == 0) return 1;
    PyErr_Format(PyExc_TypeError, "%s() takes no keyword arguments", funcname);
    return 0;
}
