/* stackless/abstract.h - calling objects, building and parsing argument tuples, and the small
 * object protocol (attributes, comparison, hashing, length). */
#ifndef STACKLESS_ABSTRACT_H
#define STACKLESS_ABSTRACT_H

#include <stdarg.h>
#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- calls -------------------------------------------------------------------------------- */
/* args: a tuple; kwargs: a dict or NULL. Errors: TypeError "'<type>' object is not callable";
 * a callable returning NULL without an exception: SystemError "<repr> returned NULL without
 * setting an exception"; returning a value with an exception set: SystemError "<repr> returned
 * a result with an exception set". */
PyAPI_FUNC(PyObject *) PyObject_Call(PyObject *callable, PyObject *args, PyObject *kwargs);
PyAPI_FUNC(PyObject *) PyObject_CallObject(PyObject *callable, PyObject *args);
PyAPI_FUNC(PyObject *) PyObject_CallNoArgs(PyObject *callable);
PyAPI_FUNC(PyObject *) PyObject_CallOneArg(PyObject *callable, PyObject *arg);
/* NULL-terminated argument list */
PyAPI_FUNC(PyObject *) PyObject_CallFunctionObjArgs(PyObject *callable, ...);
PyAPI_FUNC(PyObject *) PyObject_CallMethodObjArgs(PyObject *obj, PyObject *name, ...);
/* format as Py_BuildValue; a tuple result is the argument tuple, anything else the only
 * argument; NULL or "" format: no arguments */
PyAPI_FUNC(PyObject *) PyObject_CallFunction(PyObject *callable, const char *format, ...);
PyAPI_FUNC(PyObject *) PyObject_CallMethod(PyObject *obj, const char *name, const char *format, ...);
PyAPI_FUNC(PyObject *) PyObject_CallMethodNoArgs(PyObject *obj, PyObject *name);
PyAPI_FUNC(PyObject *) PyObject_CallMethodOneArg(PyObject *obj, PyObject *name, PyObject *arg);
PyAPI_FUNC(PyObject *) PyEval_CallObjectWithKeywords(PyObject *callable, PyObject *args, PyObject *kwargs);
#define PyEval_CallObject(callable, args) PyObject_CallObject(callable, args)
#define _PyObject_CallNoArg(callable) PyObject_CallNoArgs(callable)
#define _PyObject_CallOneArg(callable, arg) PyObject_CallOneArg(callable, arg)
#define _PyObject_FastCall(callable, args, nargs) PyObject_Vectorcall(callable, args, (size_t)(nargs), NULL)

/* vectorcall-shaped entry point (there is no real vectorcall protocol: builds a tuple) */
#define PY_VECTORCALL_ARGUMENTS_OFFSET ((size_t)1 << (8 * sizeof(size_t) - 1))
#define PyVectorcall_NARGS(n) ((Py_ssize_t)((n) & ~PY_VECTORCALL_ARGUMENTS_OFFSET))
PyAPI_FUNC(PyObject *) PyObject_Vectorcall(PyObject *callable, PyObject *const *args,
                                           size_t nargsf, PyObject *kwnames);

/* stackless extension: objects whose type has Py_TPFLAGS_SLP_HOSTED_CALL are called through
 * this hook (when set) so that the scheduler can run the call on the thread's host stack.
 * A single process-wide hook; default NULL = call tp_call directly. Returns the previous hook.
 * The hook receives a tuple and a dict or NULL and returns a new reference or NULL with an
 * exception set; PyObject_Call applies its result checks to what the hook returns. */
typedef PyObject *(*slp_hosted_call_hook)(PyObject *callable, PyObject *args, PyObject *kwargs);
PyAPI_FUNC(slp_hosted_call_hook) _PySlp_SetHostedCallHook(slp_hosted_call_hook h);
/* PyObject_Call without the hook (what a hook calls once it is on the right stack). */
PyAPI_FUNC(PyObject *) _PySlp_CallDirect(PyObject *callable, PyObject *args, PyObject *kwargs);

/* ---- building values ------------------------------------------------------------------------
 * Formats: "" -> None; b B h H i I l k L K n (ints), c C (int code point -> 1-char str; no bytes
 * type exists), d f (float), s z U (char * -> str, NULL -> None), s# z# U# (char *, Py_ssize_t),
 * O S (object, new reference taken), N (object, reference stolen), O& (converter, void *),
 * ( ) tuple, [ ] list, { : } dict, separators ',' ' ' '\t' ':'. One item yields that item,
 * several a tuple. */
PyAPI_FUNC(PyObject *) Py_BuildValue(const char *format, ...);
PyAPI_FUNC(PyObject *) Py_VaBuildValue(const char *format, va_list va);
#define _Py_BuildValue_SizeT Py_BuildValue
#define _Py_VaBuildValue_SizeT Py_VaBuildValue

/* ---- parsing arguments ----------------------------------------------------------------------
 * Formats: b B h H i I l k L K n (ints; overflow checked like CPython for b h i), C (1-char
 * str -> int), c (1-char str with code point < 256 -> char), p (truth -> int), f d (floats),
 * s z (const char *, no embedded NUL), s# z# (const char *, Py_ssize_t), U (str object),
 * O (object), O! (type, object), O& (converter, address), | optional, $ keyword-only,
 * :name and ;message at the end. Borrowed references; no '(...)' nesting, no buffers/bytes. */
PyAPI_FUNC(int) PyArg_ParseTuple(PyObject *args, const char *format, ...);
PyAPI_FUNC(int) PyArg_VaParse(PyObject *args, const char *format, va_list va);
PyAPI_FUNC(int) PyArg_ParseTupleAndKeywords(PyObject *args, PyObject *kwargs, const char *format,
                                            char **kwlist, ...);
PyAPI_FUNC(int) PyArg_VaParseTupleAndKeywords(PyObject *args, PyObject *kwargs, const char *format,
                                              char **kwlist, va_list va);
PyAPI_FUNC(int) PyArg_UnpackTuple(PyObject *args, const char *name, Py_ssize_t min, Py_ssize_t max, ...);
/* 1 if kwargs is NULL or empty, else TypeError "<name>() takes no keyword arguments", 0 */
PyAPI_FUNC(int) _PyArg_NoKeywords(const char *funcname, PyObject *kwargs);
#define _PyArg_ParseTuple_SizeT PyArg_ParseTuple
#define _PyArg_ParseTupleAndKeywords_SizeT PyArg_ParseTupleAndKeywords
#define Py_CLEANUP_SUPPORTED 0x20000

/* ---- object protocol ----------------------------------------------------------------------- */
/* Attribute lookup (PyObject_GenericGetAttr, the default): the instance dict (modules), then the
 * tp_methods of the type and its bases (bound built-in methods), then the tp_dict of the type
 * and its bases. On a type object: its own tp_dict chain, tp_methods (unbound, self = NULL),
 * and __name__ / __module__ / __doc__. Types with tp_getattro use that instead. Missing:
 * AttributeError "'<type>' object has no attribute '<name>'". */
PyAPI_FUNC(PyObject *) PyObject_GetAttr(PyObject *o, PyObject *name);
PyAPI_FUNC(int) PyObject_HasAttr(PyObject *o, PyObject *name);
/* Stores into the instance dict (modules) or the tp_dict of a heap type; v == NULL deletes. */
PyAPI_FUNC(int) PyObject_SetAttr(PyObject *o, PyObject *name, PyObject *v);
PyAPI_FUNC(int) PyObject_GenericSetAttr(PyObject *o, PyObject *name, PyObject *v);
#define PyObject_DelAttr(o, name) PyObject_SetAttr((o), (name), NULL)
#define PyObject_DelAttrString(o, name) PyObject_SetAttrString((o), (name), NULL)
/* new reference to the instance dict (modules) or NULL without exception */
PyAPI_FUNC(PyObject *) PyObject_GenericGetDict(PyObject *o, void *context);

#define Py_LT 0
#define Py_LE 1
#define Py_EQ 2
#define Py_NE 3
#define Py_GT 4
#define Py_GE 5
/* By value for numbers (int, bool, float), str and tuples/lists of those; == and != by
 * identity for everything else; ordering other types: TypeError
 * "'<' not supported between instances of 'A' and 'B'". */
PyAPI_FUNC(PyObject *) PyObject_RichCompare(PyObject *a, PyObject *b, int op);
PyAPI_FUNC(int) PyObject_RichCompareBool(PyObject *a, PyObject *b, int op);
/* by value for str, int, bool, float, tuple; identity for others; list, dict: TypeError
 * "unhashable type: 'list'" */
PyAPI_FUNC(Py_hash_t) PyObject_Hash(PyObject *o);
PyAPI_FUNC(Py_hash_t) PyObject_HashNotImplemented(PyObject *o);
PyAPI_FUNC(int) PyObject_Not(PyObject *o);
/* str (code points), tuple, list, dict; else TypeError "object of type 'X' has no len()" */
PyAPI_FUNC(Py_ssize_t) PyObject_Size(PyObject *o);
PyAPI_FUNC(Py_ssize_t) PyObject_Length(PyObject *o);
PyAPI_FUNC(PyObject *) PyObject_Type(PyObject *o);
PyAPI_FUNC(PyObject *) PyObject_ASCII(PyObject *o);
/* recursion guard for container reprs: 0 the first time, 1 if o is already being printed */
PyAPI_FUNC(int) Py_ReprEnter(PyObject *o);
PyAPI_FUNC(void) Py_ReprLeave(PyObject *o);
/* short name: tp_name after its last '.' */
PyAPI_FUNC(const char *) _PyType_Name(PyTypeObject *type);
PyAPI_FUNC(PyObject *) PyType_GetName(PyTypeObject *type);
PyAPI_FUNC(unsigned long) PyType_GetFlags(PyTypeObject *type);

#ifdef __cplusplus
}
#endif
#endif
