/* stackless/pymacro.h - small helper macros of CPython's pymacro.h / pyport.h. */
#ifndef STACKLESS_PYMACRO_H
#define STACKLESS_PYMACRO_H

#include <stdlib.h>

#if defined(__GNUC__) || defined(__clang__)
#  define Py_UNUSED(name) _unused_ ## name __attribute__((unused))
#else
#  define Py_UNUSED(name) _unused_ ## name
#endif
#define PyDoc_STR(str) str
#define PyDoc_VAR(name) static const char name[]
#define PyDoc_STRVAR(name, str) PyDoc_VAR(name) = PyDoc_STR(str)
#define Py_ARRAY_LENGTH(array) (sizeof(array) / sizeof((array)[0]))
#define Py_MIN(x, y) (((x) > (y)) ? (y) : (x))
#define Py_MAX(x, y) (((x) > (y)) ? (x) : (y))
#define Py_ABS(x) ((x) < 0 ? -(x) : (x))
#define Py_STRINGIFY(x) _Py_XSTRINGIFY(x)
#define _Py_XSTRINGIFY(x) #x
#define Py_MEMBER_SIZE(type, member) sizeof(((type *)0)->member)
#define Py_LOCAL(type) static type
#define Py_LOCAL_INLINE(type) static inline type
#define Py_UNREACHABLE() abort()
#define Py_SAFE_DOWNCAST(value, wide, narrow) ((narrow)(value))
#define Py_CHARMASK(c) ((unsigned char)((c) & 0xff))
#define PY_SSIZE_T_CLEAN 1   /* '#' formats always take Py_ssize_t here */
#define PY_LONG_LONG long long
#define PY_LLONG_MAX LLONG_MAX
#define PY_LLONG_MIN LLONG_MIN
#define PY_ULLONG_MAX ULLONG_MAX
#define SIZEOF_VOID_P ((int)sizeof(void *))
#define SIZEOF_LONG ((int)sizeof(long))

#endif
