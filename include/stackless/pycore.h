/* stackless/pycore.h - PRIVATE helpers shared by the files in native/core/python. Not part of the API:
 * not included by Python.h, symbols hidden, may change at any time. */
#ifndef STACKLESS_PYCORE_H
#define STACKLESS_PYCORE_H

#include "../Python.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define SLP_HIDDEN __attribute__((visibility("hidden")))
#else
#  define SLP_HIDDEN
#endif

/* head of a static type object (object.h now lays PyTypeObject out as CPython: PyVarObject ob_base) */
#define SLP_STATIC_TYPE_HEAD .ob_base = { { _Py_IMMORTAL_REFCNT, &PyType_Type }, 0 }

/* growable UTF-8 byte buffer; `failed` is set (and MemoryError raised) on allocation failure */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} _PySlp_Buf;

SLP_HIDDEN int _PySlp_BufReserve(_PySlp_Buf *b, size_t extra);
SLP_HIDDEN int _PySlp_BufAppend(_PySlp_Buf *b, const char *s, size_t n);
SLP_HIDDEN int _PySlp_BufAppendStr(_PySlp_Buf *b, const char *s);
SLP_HIDDEN int _PySlp_BufPrintf(_PySlp_Buf *b, const char *fmt, ...);
/* appends str(o) / repr(o); -1 with an exception on failure */
SLP_HIDDEN int _PySlp_BufAppendObj(_PySlp_Buf *b, PyObject *o, int use_repr);
SLP_HIDDEN void _PySlp_BufFree(_PySlp_Buf *b);
/* the buffer (valid UTF-8) as a str; always frees the buffer */
SLP_HIDDEN PyObject *_PySlp_BufToUnicode(_PySlp_Buf *b);

/* str internals */
SLP_HIDDEN PyObject *_PySlp_UnicodeFromTrusted(const char *s, Py_ssize_t n);  /* valid UTF-8 */
SLP_HIDDEN const char *_PySlp_UnicodeData(PyObject *s, Py_ssize_t *nbytes);   /* no checks */
SLP_HIDDEN Py_hash_t _PySlp_UnicodeHash(PyObject *s);
SLP_HIDDEN Py_hash_t _PySlp_HashBytes(const char *s, size_t n);
SLP_HIDDEN int _PySlp_UnicodeEqual(PyObject *a, PyObject *b);
/* appends bytes decoded with errors="replace" */
SLP_HIDDEN int _PySlp_BufAppendUTF8Replace(_PySlp_Buf *b, const char *s, size_t n);
SLP_HIDDEN int _PySlp_BufAppendCodePoint(_PySlp_Buf *b, uint32_t cp);
/* byte offset of code point index i in s (n bytes) */
SLP_HIDDEN size_t _PySlp_UTF8Offset(const char *s, size_t n, Py_ssize_t i);

/* numbers: 1 if a and b are both int/bool/float and *res receives -1/0/1 (2: unordered) */
SLP_HIDDEN int _PySlp_NumCompare(PyObject *a, PyObject *b, int *res);
SLP_HIDDEN Py_hash_t _PySlp_NumHash(PyObject *o);

/* modules: the address of the instance dict pointer, or NULL for objects without one */
SLP_HIDDEN PyObject **_PySlp_InstanceDictPtr(PyObject *o);
/* C string key lookup without allocating (borrowed or NULL) */
SLP_HIDDEN PyObject *_PySlp_DictGetCStr(PyObject *d, const char *key, size_t n);

/* the default tp_dealloc: tp_free (or PyObject_Free) of the memory */
SLP_HIDDEN void _PySlp_ObjectDealloc(PyObject *op);

#ifdef __cplusplus
}
#endif
#endif
