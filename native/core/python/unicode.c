/* unicode.c - str objects: validated, NUL-terminated UTF-8 with a cached code point count and
 * hash; PyUnicode_FromFormat. */
#include "stackless/pycore.h"

#include <stddef.h>

struct _slp_unicodeobject {
    PyObject_HEAD
    Py_ssize_t nbytes;   /* UTF-8 bytes, without the terminating NUL */
    Py_ssize_t length;   /* code points */
    Py_hash_t hash;      /* -1: not computed yet */
    char data[];
};

#define U(op) ((struct _slp_unicodeobject *)(op))

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

enum { SEQ_OK, SEQ_BAD_START, SEQ_BAD_CONT, SEQ_END };

/* One sequence at s (n > 0 bytes left). SEQ_OK: *len bytes decode to *cp. Errors: *len is the
 * length of the maximal invalid subpart (>= 1). */
static int utf8_seq(const unsigned char *s, size_t n, size_t *len, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) {
        *len = 1;
        *cp = c;
        return SEQ_OK;
    }
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;   /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        *len = 1;
        return SEQ_BAD_START;
    }
    uint32_t v = c & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < need; i++) {
        if (i >= n) {
            *len = n;
            return SEQ_END;
        }
        unsigned b = s[i];
        if (b < lo || b > hi) {
            *len = i;
            return SEQ_BAD_CONT;
        }
        lo = 0x80, hi = 0xBF;
        v = (v << 6) | (b & 0x3F);
    }
    *len = need;
    *cp = v;
    return SEQ_OK;
}

static void decode_error(const char *s, size_t pos, size_t len, int kind) {
    const char *why = kind == SEQ_BAD_START ? "invalid start byte"
                    : kind == SEQ_BAD_CONT ? "invalid continuation byte" : "unexpected end of data";
    if (kind == SEQ_END && len > 1)
        PyErr_Format(PyExc_UnicodeDecodeError, "'utf-8' codec can't decode bytes in position %zu-%zu: %s",
                     pos, pos + len - 1, why);
    else
        PyErr_Format(PyExc_UnicodeDecodeError, "'utf-8' codec can't decode byte 0x%x in position %zu: %s",
                     (unsigned)(unsigned char)s[pos], pos, why);
}

static Py_ssize_t count_code_points(const char *s, Py_ssize_t n) {
    Py_ssize_t c = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

size_t _PySlp_UTF8Offset(const char *s, size_t n, Py_ssize_t index) {
    size_t i = 0;
    for (Py_ssize_t k = 0; k < index && i < n; k++) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

int _PySlp_BufAppendCodePoint(_PySlp_Buf *b, uint32_t cp) {
    char t[4];
    size_t n;
    if (cp < 0x80) t[0] = (char)cp, n = 1;
    else if (cp < 0x800) t[0] = (char)(0xC0 | (cp >> 6)), t[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return _PySlp_BufAppend(b, t, n);
}

static int append_decoded(_PySlp_Buf *b, const char *s, size_t n, int ignore) {
    size_t i = 0, run = 0;
    while (i < n) {
        size_t len;
        uint32_t cp;
        if (utf8_seq((const unsigned char *)s + i, n - i, &len, &cp) == SEQ_OK) {
            i += len;
            continue;
        }
        if (_PySlp_BufAppend(b, s + run, i - run) < 0) return -1;
        if (!ignore && _PySlp_BufAppend(b, "\xEF\xBF\xBD", 3) < 0) return -1;
        i += len;
        run = i;
    }
    return _PySlp_BufAppend(b, s + run, n - run);
}

int _PySlp_BufAppendUTF8Replace(_PySlp_Buf *b, const char *s, size_t n) { return append_decoded(b, s, n, 0); }

/* ---- construction --------------------------------------------------------------------------- */

static PyObject *unicode_alloc(Py_ssize_t nbytes) {
    if (nbytes < 0 || (size_t)nbytes > (size_t)PY_SSIZE_T_MAX - sizeof(struct _slp_unicodeobject) - 1)
        return PyErr_NoMemory();
    PyObject *o = (PyObject *)PyObject_Malloc(offsetof(struct _slp_unicodeobject, data) + (size_t)nbytes + 1);
    if (!o) return PyErr_NoMemory();
    PyObject_Init(o, &PyUnicode_Type);
    U(o)->nbytes = nbytes;
    U(o)->length = 0;
    U(o)->hash = -1;
    U(o)->data[nbytes] = '\0';
    return o;
}

PyObject *_PySlp_UnicodeFromTrusted(const char *s, Py_ssize_t n) {
    PyObject *o;
    if (n < 0 || n > PY_SSIZE_T_MAX / 2) return PyErr_NoMemory();   /* also bounds memcpy for -Wrestrict */
    o = unicode_alloc(n);
    if (!o) return NULL;
    if (n) memcpy(U(o)->data, s, (size_t)n);
    U(o)->length = count_code_points(s, n);
    return o;
}

PyObject *PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors) {
    if (size < 0) {
        PyErr_SetString(PyExc_SystemError, "Negative size passed to PyUnicode_DecodeUTF8");
        return NULL;
    }
    if (s == NULL && size) {
        PyErr_BadInternalCall();
        return NULL;
    }
    size_t i = 0, n = (size_t)size;
    while (i < n) {
        size_t len;
        uint32_t cp;
        int k = utf8_seq((const unsigned char *)s + i, n - i, &len, &cp);
        if (k == SEQ_OK) {
            i += len;
            continue;
        }
        if (errors == NULL || strcmp(errors, "strict") == 0) {
            decode_error(s, i, len, k);
            return NULL;
        }
        _PySlp_Buf b = { 0 };
        if (append_decoded(&b, s, n, strcmp(errors, "ignore") == 0) < 0) {
            _PySlp_BufFree(&b);
            return NULL;
        }
        return _PySlp_BufToUnicode(&b);
    }
    return _PySlp_UnicodeFromTrusted(s ? s : "", size);
}

PyObject *PyUnicode_FromStringAndSize(const char *u, Py_ssize_t size) {
    if (size < 0) {
        PyErr_SetString(PyExc_SystemError, "Negative size passed to PyUnicode_FromStringAndSize");
        return NULL;
    }
    return PyUnicode_DecodeUTF8(u, size, NULL);
}

PyObject *PyUnicode_FromString(const char *u) {
    if (u == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return PyUnicode_DecodeUTF8(u, (Py_ssize_t)strlen(u), NULL);
}

PyObject *PyUnicode_InternFromString(const char *u) { return PyUnicode_FromString(u); }
void PyUnicode_InternInPlace(PyObject **p) { (void)p; }

PyObject *PyUnicode_FromOrdinal(int ordinal) {
    if (ordinal < 0 || ordinal > 0x10FFFF) {
        PyErr_SetString(PyExc_ValueError, "chr() arg not in range(0x110000)");
        return NULL;
    }
    if (ordinal >= 0xD800 && ordinal <= 0xDFFF) {
        PyErr_SetString(PyExc_ValueError, "surrogate code points cannot be stored in a str here");
        return NULL;
    }
    _PySlp_Buf b = { 0 };
    _PySlp_BufAppendCodePoint(&b, (uint32_t)ordinal);
    return _PySlp_BufToUnicode(&b);
}

/* ---- access --------------------------------------------------------------------------------- */

const char *_PySlp_UnicodeData(PyObject *s, Py_ssize_t *nbytes) {
    if (nbytes) *nbytes = U(s)->nbytes;
    return U(s)->data;
}

Py_hash_t _PySlp_HashBytes(const char *s, size_t n) {
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    Py_hash_t r = (Py_hash_t)h;
    return r == -1 ? -2 : r;
}

Py_hash_t _PySlp_UnicodeHash(PyObject *s) {
    if (U(s)->hash == -1) U(s)->hash = _PySlp_HashBytes(U(s)->data, (size_t)U(s)->nbytes);
    return U(s)->hash;
}

int _PySlp_UnicodeEqual(PyObject *a, PyObject *b) {
    return a == b || (U(a)->nbytes == U(b)->nbytes && memcmp(U(a)->data, U(b)->data, (size_t)U(a)->nbytes) == 0);
}

const char *PyUnicode_AsUTF8AndSize(PyObject *unicode, Py_ssize_t *size) {
    if (unicode == NULL || !PyUnicode_Check(unicode)) {
        PyErr_BadArgument();
        if (size) *size = -1;
        return NULL;
    }
    if (size) *size = U(unicode)->nbytes;
    return U(unicode)->data;
}

const char *PyUnicode_AsUTF8(PyObject *unicode) { return PyUnicode_AsUTF8AndSize(unicode, NULL); }

Py_ssize_t PyUnicode_GetLength(PyObject *unicode) {
    if (unicode == NULL || !PyUnicode_Check(unicode)) {
        PyErr_BadArgument();
        return -1;
    }
    return U(unicode)->length;
}

Py_UCS4 PyUnicode_ReadChar(PyObject *unicode, Py_ssize_t index) {
    if (unicode == NULL || !PyUnicode_Check(unicode)) {
        PyErr_BadArgument();
        return (Py_UCS4)-1;
    }
    if (index < 0 || index >= U(unicode)->length) {
        PyErr_SetString(PyExc_IndexError, "string index out of range");
        return (Py_UCS4)-1;
    }
    size_t off = _PySlp_UTF8Offset(U(unicode)->data, (size_t)U(unicode)->nbytes, index), len;
    uint32_t cp = 0;
    utf8_seq((const unsigned char *)U(unicode)->data + off, (size_t)U(unicode)->nbytes - off, &len, &cp);
    return cp;
}

int PyUnicode_Compare(PyObject *left, PyObject *right) {
    if (!left || !right || !PyUnicode_Check(left) || !PyUnicode_Check(right)) {
        PyErr_Format(PyExc_TypeError, "Can't compare %.100s and %.100s",
                     left ? Py_TYPE(left)->tp_name : "NULL", right ? Py_TYPE(right)->tp_name : "NULL");
        return -1;
    }
    Py_ssize_t na = U(left)->nbytes, nb = U(right)->nbytes;
    int c = memcmp(U(left)->data, U(right)->data, (size_t)(na < nb ? na : nb));
    if (c) return c < 0 ? -1 : 1;
    return na < nb ? -1 : na > nb;
}

int PyUnicode_CompareWithASCIIString(PyObject *left, const char *right) {
    const unsigned char *a = (const unsigned char *)U(left)->data, *b = (const unsigned char *)right;
    Py_ssize_t n = U(left)->nbytes, i;
    for (i = 0; i < n && b[i]; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    if (i < n) return 1;      /* left is longer (possibly with embedded NULs) */
    return b[i] ? -1 : 0;
}

int PyUnicode_EqualToUTF8(PyObject *unicode, const char *string) {
    if (!unicode || !string || !PyUnicode_Check(unicode)) return 0;
    size_t n = strlen(string);
    return (size_t)U(unicode)->nbytes == n && memcmp(U(unicode)->data, string, n) == 0;
}

PyObject *PyUnicode_Concat(PyObject *left, PyObject *right) {
    if (left == NULL || right == NULL) {
        PyErr_BadInternalCall();
        return NULL;
    }
    if (!PyUnicode_Check(left)) {
        PyErr_Format(PyExc_TypeError, "must be str, not %.100s", Py_TYPE(left)->tp_name);
        return NULL;
    }
    if (!PyUnicode_Check(right)) {
        PyErr_Format(PyExc_TypeError, "can only concatenate str (not \"%.200s\") to str", Py_TYPE(right)->tp_name);
        return NULL;
    }
    if (U(right)->nbytes == 0 && PyUnicode_CheckExact(left)) return Py_NewRef(left);
    if (U(left)->nbytes == 0 && PyUnicode_CheckExact(right)) return Py_NewRef(right);
    if (U(left)->nbytes > PY_SSIZE_T_MAX / 2 || U(right)->nbytes > PY_SSIZE_T_MAX / 2) return PyErr_NoMemory();
    PyObject *r = unicode_alloc(U(left)->nbytes + U(right)->nbytes);
    if (!r) return NULL;
    memcpy(U(r)->data, U(left)->data, (size_t)U(left)->nbytes);
    memcpy(U(r)->data + U(left)->nbytes, U(right)->data, (size_t)U(right)->nbytes);
    U(r)->length = U(left)->length + U(right)->length;
    return r;
}

void PyUnicode_Append(PyObject **pleft, PyObject *right) {
    if (*pleft == NULL) return;
    if (right == NULL) {
        Py_CLEAR(*pleft);
        return;
    }
    PyObject *r = PyUnicode_Concat(*pleft, right);
    Py_DECREF(*pleft);
    *pleft = r;
}

void PyUnicode_AppendAndDel(PyObject **pleft, PyObject *right) {
    PyUnicode_Append(pleft, right);
    Py_XDECREF(right);
}

PyObject *PyUnicode_Substring(PyObject *str, Py_ssize_t start, Py_ssize_t end) {
    if (str == NULL || !PyUnicode_Check(str)) {
        PyErr_BadArgument();
        return NULL;
    }
    if (start < 0 || end < 0) {
        PyErr_SetString(PyExc_IndexError, "string index out of range");
        return NULL;
    }
    if (end > U(str)->length) end = U(str)->length;
    if (start >= end) return _PySlp_UnicodeFromTrusted("", 0);
    if (start == 0 && end == U(str)->length && PyUnicode_CheckExact(str)) return Py_NewRef(str);
    size_t a = _PySlp_UTF8Offset(U(str)->data, (size_t)U(str)->nbytes, start);
    size_t b = a + _PySlp_UTF8Offset(U(str)->data + a, (size_t)U(str)->nbytes - a, end - start);
    return _PySlp_UnicodeFromTrusted(U(str)->data + a, (Py_ssize_t)(b - a));
}

/* ---- PyUnicode_FromFormat ------------------------------------------------------------------- */

/* append UTF-8 text s (n bytes, valid) with precision (code points) and width */
static int append_padded(_PySlp_Buf *b, const char *s, size_t n, long width, long prec, int left) {
    size_t cps = (size_t)count_code_points(s, (Py_ssize_t)n);
    if (prec >= 0 && (size_t)prec < cps) {
        n = _PySlp_UTF8Offset(s, n, prec);
        cps = (size_t)prec;
    }
    size_t pad = width > 0 && (size_t)width > cps ? (size_t)width - cps : 0;
    if (!left)
        for (size_t i = 0; i < pad; i++)
            if (_PySlp_BufAppend(b, " ", 1) < 0) return -1;
    if (_PySlp_BufAppend(b, s, n) < 0) return -1;
    if (left)
        for (size_t i = 0; i < pad; i++)
            if (_PySlp_BufAppend(b, " ", 1) < 0) return -1;
    return 0;
}

static int append_object(_PySlp_Buf *b, PyObject *o, int conv, long width, long prec, int left) {
    PyObject *s;
    if (o == NULL) return append_padded(b, "<NULL>", 6, width, prec, left);
    if (conv == 'U') {
        if (!PyUnicode_Check(o)) {
            PyErr_Format(PyExc_SystemError, "PyUnicode_FromFormat: %%U argument is a %s, not a str", Py_TYPE(o)->tp_name);
            return -1;
        }
        s = Py_NewRef(o);
    } else {
        s = conv == 'S' ? PyObject_Str(o) : PyObject_Repr(o);
        if (!s) return -1;
    }
    int r = append_padded(b, U(s)->data, (size_t)U(s)->nbytes, width, prec, left);
    Py_DECREF(s);
    return r;
}

PyObject *PyUnicode_FromFormatV(const char *format, va_list vargs) {
    _PySlp_Buf b = { 0 };
    va_list va;
    va_copy(va, vargs);
    const char *f = format;
    while (*f) {
        if (*f != '%') {
            const char *start = f;
            while (*f && *f != '%') f++;
            if (_PySlp_BufAppendUTF8Replace(&b, start, (size_t)(f - start)) < 0) goto fail;
            continue;
        }
        const char *spec = f++;
        if (*f == '%') {
            if (_PySlp_BufAppend(&b, "%", 1) < 0) goto fail;
            f++;
            continue;
        }
        int left = 0, zero = 0;
        while (*f == '-' || *f == '0') {
            if (*f == '-') left = 1;
            else zero = 1;
            f++;
        }
        long width = -1, prec = -1;
        if (*f >= '0' && *f <= '9') {
            width = 0;
            while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            f++;
            prec = 0;
            while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
        }
        int lng = 0;   /* 1 l, 2 ll, 3 z, 4 t, 5 j */
        if (f[0] == 'l' && f[1] == 'l') lng = 2, f += 2;
        else if (*f == 'l') lng = 1, f++;
        else if (*f == 'z') lng = 3, f++;
        else if (*f == 't') lng = 4, f++;
        else if (*f == 'j') lng = 5, f++;
        int conv = *f;
        if (conv) f++;
        char num[128], cfmt[32];
        switch (conv) {
        case 'd': case 'i': case 'u': case 'x': case 'X': {
            int is_signed = conv == 'd' || conv == 'i';
            long long sv = 0;
            unsigned long long uv = 0;
            switch (lng) {
            case 0: if (is_signed) sv = va_arg(va, int); else uv = va_arg(va, unsigned int); break;
            case 1: if (is_signed) sv = va_arg(va, long); else uv = va_arg(va, unsigned long); break;
            case 2: if (is_signed) sv = va_arg(va, long long); else uv = va_arg(va, unsigned long long); break;
            case 3: if (is_signed) sv = va_arg(va, Py_ssize_t); else uv = va_arg(va, size_t); break;
            case 4: if (is_signed) sv = va_arg(va, ptrdiff_t); else uv = (unsigned long long)va_arg(va, ptrdiff_t); break;
            default: if (is_signed) sv = va_arg(va, intmax_t); else uv = va_arg(va, uintmax_t); break;
            }
            char *cp = cfmt;
            *cp++ = '%';
            if (left) *cp++ = '-';
            else if (zero) *cp++ = '0';
            if (width > 0) cp += snprintf(cp, 12, "%ld", width > 60 ? 60L : width);
            if (prec >= 0) cp += snprintf(cp, 12, ".%ld", prec > 60 ? 60L : prec);
            *cp++ = 'l';
            *cp++ = 'l';
            *cp++ = (char)(conv == 'i' ? 'd' : conv);
            *cp = '\0';
            if (is_signed) snprintf(num, sizeof num, cfmt, sv);
            else snprintf(num, sizeof num, cfmt, uv);
            if (_PySlp_BufAppendStr(&b, num) < 0) goto fail;
            break;
        }
        case 'c': {
            int ch = va_arg(va, int);
            if (ch < 0 || ch > 0x10FFFF || (ch >= 0xD800 && ch <= 0xDFFF)) {
                PyErr_SetString(PyExc_OverflowError, "character argument not in range(0x110000)");
                goto fail;
            }
            _PySlp_Buf t = { 0 };
            if (_PySlp_BufAppendCodePoint(&t, (uint32_t)ch) < 0 ||
                append_padded(&b, t.data, t.len, width, -1, left) < 0) {
                _PySlp_BufFree(&t);
                goto fail;
            }
            _PySlp_BufFree(&t);
            break;
        }
        case 'p': {
            void *p = va_arg(va, void *);
            snprintf(num, sizeof num, "%p", p);
            const char *s = num;
            if (num[0] != '0' || (num[1] != 'x' && num[1] != 'X')) {
                if (_PySlp_BufAppend(&b, "0x", 2) < 0) goto fail;
                if (strcmp(num, "(nil)") == 0) s = "0";
            } else if (num[1] == 'X') {
                num[1] = 'x';
            }
            if (_PySlp_BufAppendStr(&b, s) < 0) goto fail;
            break;
        }
        case 's': {
            const char *s = va_arg(va, const char *);
            if (!s) s = "(null)";
            _PySlp_Buf t = { 0 };
            if (_PySlp_BufAppendUTF8Replace(&t, s, strlen(s)) < 0 ||
                append_padded(&b, t.data ? t.data : "", t.len, width, prec, left) < 0) {
                _PySlp_BufFree(&t);
                goto fail;
            }
            _PySlp_BufFree(&t);
            break;
        }
        case 'S': case 'R': case 'A': case 'U':
            if (append_object(&b, va_arg(va, PyObject *), conv == 'A' ? 'R' : conv, width, prec, left) < 0) goto fail;
            break;
        case 'V': {
            PyObject *o = va_arg(va, PyObject *);
            const char *s = va_arg(va, const char *);
            if (o) {
                if (append_object(&b, o, 'U', width, prec, left) < 0) goto fail;
            } else {
                _PySlp_Buf t = { 0 };
                if (!s) s = "(null)";
                if (_PySlp_BufAppendUTF8Replace(&t, s, strlen(s)) < 0 ||
                    append_padded(&b, t.data ? t.data : "", t.len, width, prec, left) < 0) {
                    _PySlp_BufFree(&t);
                    goto fail;
                }
                _PySlp_BufFree(&t);
            }
            break;
        }
        default:
            PyErr_Format(PyExc_SystemError, "invalid format string: %s", spec);
            goto fail;
        }
    }
    va_end(va);
    return _PySlp_BufToUnicode(&b);
fail:
    va_end(va);
    _PySlp_BufFree(&b);
    return NULL;
}

PyObject *PyUnicode_FromFormat(const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = PyUnicode_FromFormatV(format, va);
    va_end(va);
    return r;
}

/* ---- the type ------------------------------------------------------------------------------- */

static PyObject *unicode_repr(PyObject *o) {
    const char *s = U(o)->data;
    Py_ssize_t n = U(o)->nbytes;
    int has_sq = memchr(s, '\'', (size_t)n) != NULL, has_dq = memchr(s, '"', (size_t)n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    _PySlp_Buf b = { 0 };
    _PySlp_BufAppend(&b, &q, 1);
    for (Py_ssize_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)q || c == '\\') {
            char t[2] = { '\\', (char)c };
            _PySlp_BufAppend(&b, t, 2);
            i++;
        } else if (c == '\n') _PySlp_BufAppend(&b, "\\n", 2), i++;
        else if (c == '\r') _PySlp_BufAppend(&b, "\\r", 2), i++;
        else if (c == '\t') _PySlp_BufAppend(&b, "\\t", 2), i++;
        else if (c < 0x20 || c == 0x7F) _PySlp_BufPrintf(&b, "\\x%02x", c), i++;
        else if (c < 0x80) _PySlp_BufAppend(&b, (const char *)&s[i], 1), i++;
        else {
            size_t len;
            uint32_t cp = 0;
            utf8_seq((const unsigned char *)s + i, (size_t)(n - i), &len, &cp);
            if (cp < 0xA0) _PySlp_BufPrintf(&b, "\\x%02x", (unsigned)cp);          /* C1 controls */
            else if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) _PySlp_BufPrintf(&b, "\\u%04x", (unsigned)cp);
            else _PySlp_BufAppend(&b, s + i, len);
            i += (Py_ssize_t)len;
        }
    }
    _PySlp_BufAppend(&b, &q, 1);
    return _PySlp_BufToUnicode(&b);
}

static PyObject *unicode_str(PyObject *o) {
    if (PyUnicode_CheckExact(o)) return Py_NewRef(o);
    return _PySlp_UnicodeFromTrusted(U(o)->data, U(o)->nbytes);
}

static PyObject *unicode_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *x = NULL;
    if (type != &PyUnicode_Type) {
        PyErr_Format(PyExc_TypeError, "cannot create '%s' instances (str subclasses are not supported)", type->tp_name);
        return NULL;
    }
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "str() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "str", 0, 1, &x)) return NULL;
    if (!x) return _PySlp_UnicodeFromTrusted("", 0);
    return PyObject_Str(x);
}

PyTypeObject PyUnicode_Type = {
    SLP_STATIC_TYPE_HEAD,
    .tp_name = "str",
    .tp_basicsize = offsetof(struct _slp_unicodeobject, data),
    .tp_dealloc = _PySlp_ObjectDealloc,
    .tp_repr = unicode_repr,
    .tp_str = unicode_str,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_READY | Py_TPFLAGS_UNICODE_SUBCLASS,
    .tp_doc = "str(object='') -> str",
    .tp_base = &PyBaseObject_Type,
    .tp_new = unicode_new,
    .tp_free = PyObject_Free,
};
