/* stackless/pyerrors.h - the error indicator and the exception classes.
 *
 * The indicator is per OS thread: a (type, value, traceback) triple that is not normalised
 * (PyErr_SetString stores the class and a str; PyErr_NormalizeException makes the instance).
 * The traceback is always NULL: there are no Python tracebacks. */
#ifndef STACKLESS_PYERRORS_H
#define STACKLESS_PYERRORS_H

#include <stdarg.h>
#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Layout of every exception instance. A C subclass uses tp_basicsize =
 * sizeof(PyBaseExceptionObject) (or a struct starting with it) and tp_base = the base class,
 * set before PyType_Ready (PyExc_* are variables, not constant expressions). */
typedef struct {
    PyObject_HEAD
    PyObject *args;      /* always a tuple */
} PyBaseExceptionObject;

#define PyExceptionClass_Check(x) \
    (PyType_Check((x)) && PyType_FastSubclass((PyTypeObject *)(x), Py_TPFLAGS_BASE_EXC_SUBCLASS))
#define PyExceptionInstance_Check(x) PyType_FastSubclass(Py_TYPE(x), Py_TPFLAGS_BASE_EXC_SUBCLASS)
#define PyExceptionInstance_Class(x) ((PyObject *)Py_TYPE(x))
#define PyExceptionClass_Name(x) (((PyTypeObject *)(x))->tp_name)

/* the classes (pointers to static type objects, CPython's hierarchy and names) */
PyAPI_DATA(PyObject *) PyExc_BaseException;
PyAPI_DATA(PyObject *) PyExc_SystemExit;
PyAPI_DATA(PyObject *) PyExc_TaskletExit;          /* subclass of SystemExit */
PyAPI_DATA(PyObject *) PyExc_KeyboardInterrupt;
PyAPI_DATA(PyObject *) PyExc_GeneratorExit;
PyAPI_DATA(PyObject *) PyExc_Exception;
PyAPI_DATA(PyObject *) PyExc_StopIteration;
PyAPI_DATA(PyObject *) PyExc_ArithmeticError;
PyAPI_DATA(PyObject *) PyExc_ZeroDivisionError;
PyAPI_DATA(PyObject *) PyExc_OverflowError;
PyAPI_DATA(PyObject *) PyExc_AttributeError;
PyAPI_DATA(PyObject *) PyExc_LookupError;
PyAPI_DATA(PyObject *) PyExc_IndexError;
PyAPI_DATA(PyObject *) PyExc_KeyError;
PyAPI_DATA(PyObject *) PyExc_MemoryError;
PyAPI_DATA(PyObject *) PyExc_NameError;
PyAPI_DATA(PyObject *) PyExc_RuntimeError;
PyAPI_DATA(PyObject *) PyExc_NotImplementedError;
PyAPI_DATA(PyObject *) PyExc_RecursionError;
PyAPI_DATA(PyObject *) PyExc_SystemError;
PyAPI_DATA(PyObject *) PyExc_TypeError;
PyAPI_DATA(PyObject *) PyExc_ValueError;
PyAPI_DATA(PyObject *) PyExc_UnicodeError;         /* subclass of ValueError */
PyAPI_DATA(PyObject *) PyExc_UnicodeDecodeError;   /* subclass of UnicodeError */
PyAPI_DATA(PyObject *) PyExc_AssertionError;
PyAPI_DATA(PyObject *) PyExc_OSError;
PyAPI_DATA(PyObject *) PyExc_Warning;
PyAPI_DATA(PyObject *) PyExc_UserWarning;
PyAPI_DATA(PyObject *) PyExc_DeprecationWarning;
PyAPI_DATA(PyObject *) PyExc_RuntimeWarning;
#define PyExc_EnvironmentError PyExc_OSError
#define PyExc_IOError PyExc_OSError

/* ---- the indicator ------------------------------------------------------------------------- */
PyAPI_FUNC(void) PyErr_SetString(PyObject *type, const char *message);
/* type must be an exception class (else SystemError); value: NULL, None, a tuple of
 * constructor arguments, an instance, or any single argument */
PyAPI_FUNC(void) PyErr_SetObject(PyObject *type, PyObject *value);
PyAPI_FUNC(void) PyErr_SetNone(PyObject *type);
PyAPI_FUNC(PyObject *) PyErr_Format(PyObject *type, const char *format, ...);
PyAPI_FUNC(PyObject *) PyErr_FormatV(PyObject *type, const char *format, va_list vargs);
PyAPI_FUNC(PyObject *) PyErr_Occurred(void);                      /* borrowed class or NULL */
PyAPI_FUNC(int) PyErr_ExceptionMatches(PyObject *exc);
PyAPI_FUNC(int) PyErr_GivenExceptionMatches(PyObject *given, PyObject *exc);
PyAPI_FUNC(void) PyErr_Fetch(PyObject **ptype, PyObject **pvalue, PyObject **ptraceback);
PyAPI_FUNC(void) PyErr_Restore(PyObject *type, PyObject *value, PyObject *traceback);
PyAPI_FUNC(void) PyErr_Clear(void);
PyAPI_FUNC(void) PyErr_NormalizeException(PyObject **ptype, PyObject **pvalue, PyObject **ptraceback);
/* the pending exception as a normalised instance (new reference) or NULL; clears it */
PyAPI_FUNC(PyObject *) PyErr_GetRaisedException(void);
/* steals; NULL clears */
PyAPI_FUNC(void) PyErr_SetRaisedException(PyObject *exc);
PyAPI_FUNC(PyObject *) PyErr_NoMemory(void);
PyAPI_FUNC(int) PyErr_BadArgument(void);
PyAPI_FUNC(void) PyErr_BadInternalCall(void);
#define _PyErr_BadInternalCall(filename, lineno) PyErr_BadInternalCall()
/* prints "Exception ignored in: <repr obj>" (if obj) and "<Type>: <message>" to stderr, clears */
PyAPI_FUNC(void) PyErr_WriteUnraisable(PyObject *obj);
/* prints "<Type>: <message>" (or just "<Type>" for an empty message) to stderr and clears;
 * unlike CPython, SystemExit does not exit the process */
PyAPI_FUNC(void) PyErr_Print(void);
PyAPI_FUNC(void) PyErr_PrintEx(int set_sys_last_vars);
PyAPI_FUNC(void) PyErr_Display(PyObject *type, PyObject *value, PyObject *traceback);
/* prints "<Category>: message" to stderr; returns 0 (warnings are never errors here) */
PyAPI_FUNC(int) PyErr_WarnEx(PyObject *category, const char *message, Py_ssize_t stack_level);
PyAPI_FUNC(int) PyErr_WarnFormat(PyObject *category, Py_ssize_t stack_level, const char *format, ...);
PyAPI_FUNC(int) PyErr_CheckSignals(void);
/* OSError(errno, strerror(errno)) */
PyAPI_FUNC(PyObject *) PyErr_SetFromErrno(PyObject *type);

/* A new heap class "module.Name" deriving from base (default Exception; a tuple: its first
 * item); dict items are copied into the class's tp_dict together with __module__. */
PyAPI_FUNC(PyObject *) PyErr_NewException(const char *name, PyObject *base, PyObject *dict);
PyAPI_FUNC(PyObject *) PyErr_NewExceptionWithDoc(const char *name, const char *doc, PyObject *base, PyObject *dict);

/* prints "Fatal Python error: <message>" (and the pending exception, if any) and aborts */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn))
#endif
PyAPI_FUNC(void) Py_FatalError(const char *message);

/* Recursion guard: a per-thread depth counter checked against a process-wide limit (default
 * 1000). Nothing in the emulation calls it by itself; the scheduler may save and restore the
 * depth per tasklet with _PySlp_Get/SetRecursionDepth, as Stackless does. Exceeding the limit:
 * RecursionError "maximum recursion depth exceeded<where>", returns -1. */
PyAPI_FUNC(int) Py_EnterRecursiveCall(const char *where);
PyAPI_FUNC(void) Py_LeaveRecursiveCall(void);
PyAPI_FUNC(int) Py_GetRecursionLimit(void);
PyAPI_FUNC(void) Py_SetRecursionLimit(int limit);
PyAPI_FUNC(int) _PySlp_GetRecursionDepth(void);
PyAPI_FUNC(void) _PySlp_SetRecursionDepth(int depth);

/* ---- exception objects --------------------------------------------------------------------- */
PyAPI_FUNC(PyObject *) PyException_GetArgs(PyObject *exc);            /* new reference */
PyAPI_FUNC(void) PyException_SetArgs(PyObject *exc, PyObject *args);  /* does not steal */
/* there are no tracebacks: Get returns a new reference to None, Set accepts anything */
PyAPI_FUNC(PyObject *) PyException_GetTraceback(PyObject *exc);
PyAPI_FUNC(int) PyException_SetTraceback(PyObject *exc, PyObject *tb);

#ifdef __cplusplus
}
#endif
#endif
