/* stackless/unicodeobject.h - str objects.
 *
 * A str stores its text as NUL-terminated, validated UTF-8 (embedded NULs allowed); lengths
 * reported by PyUnicode_GetLength are in code points. The object layout is private. */
#ifndef STACKLESS_UNICODEOBJECT_H
#define STACKLESS_UNICODEOBJECT_H

#include <stdarg.h>
#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _slp_unicodeobject PyUnicodeObject;
typedef uint32_t Py_UCS4;

PyAPI_DATA(PyTypeObject) PyUnicode_Type;

#define PyUnicode_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_UNICODE_SUBCLASS)
#define PyUnicode_CheckExact(op) Py_IS_TYPE(op, &PyUnicode_Type)

/* Invalid UTF-8 raises UnicodeDecodeError (strict), as CPython does. */
PyAPI_FUNC(PyObject *) PyUnicode_FromString(const char *u);
PyAPI_FUNC(PyObject *) PyUnicode_FromStringAndSize(const char *u, Py_ssize_t size);
/* errors: NULL or "strict" (raise), "replace" (U+FFFD), "ignore", "surrogateescape" is not
 * supported (treated as "replace"). */
PyAPI_FUNC(PyObject *) PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors);
PyAPI_FUNC(PyObject *) PyUnicode_FromOrdinal(int ordinal);
/* printf-like: %% %c %d %i %u %ld %li %lu %lld %lli %llu %zd %zi %zu %x %lx %llx %zx %p %s
 * %S (str of object) %R (repr) %A (same as %R here) %U (str object) %V (str object or char *);
 * optional width and .precision (precision truncates %s %S %R %U %V in code points). */
PyAPI_FUNC(PyObject *) PyUnicode_FromFormat(const char *format, ...);
PyAPI_FUNC(PyObject *) PyUnicode_FromFormatV(const char *format, va_list vargs);
PyAPI_FUNC(PyObject *) PyUnicode_InternFromString(const char *u);
PyAPI_FUNC(void) PyUnicode_InternInPlace(PyObject **p);

/* Borrowed pointer to the UTF-8 bytes, valid while the object lives. Non-str: TypeError. */
PyAPI_FUNC(const char *) PyUnicode_AsUTF8(PyObject *unicode);
PyAPI_FUNC(const char *) PyUnicode_AsUTF8AndSize(PyObject *unicode, Py_ssize_t *size);
PyAPI_FUNC(Py_ssize_t) PyUnicode_GetLength(PyObject *unicode);
#define PyUnicode_GET_LENGTH(op) PyUnicode_GetLength((PyObject *)(op))
/* code point at index (O(n)); IndexError "string index out of range" */
PyAPI_FUNC(Py_UCS4) PyUnicode_ReadChar(PyObject *unicode, Py_ssize_t index);
/* -1, 0, 1 by code point order (== UTF-8 byte order); -1 with TypeError for non-str. */
PyAPI_FUNC(int) PyUnicode_Compare(PyObject *left, PyObject *right);
PyAPI_FUNC(int) PyUnicode_CompareWithASCIIString(PyObject *left, const char *right);
/* 1 if equal to the NUL-terminated UTF-8 string, else 0; never raises */
PyAPI_FUNC(int) PyUnicode_EqualToUTF8(PyObject *unicode, const char *string);
PyAPI_FUNC(PyObject *) PyUnicode_Concat(PyObject *left, PyObject *right);
/* str1 + str2 into *pleft (DECREFs the old *pleft and right); *pleft = NULL on error */
PyAPI_FUNC(void) PyUnicode_AppendAndDel(PyObject **pleft, PyObject *right);
PyAPI_FUNC(void) PyUnicode_Append(PyObject **pleft, PyObject *right);
/* substring by code point indices (clamped) */
PyAPI_FUNC(PyObject *) PyUnicode_Substring(PyObject *str, Py_ssize_t start, Py_ssize_t end);

#ifdef __cplusplus
}
#endif
#endif
