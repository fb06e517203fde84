/* exceptions.c - the exception classes: static, fully initialised type objects with CPython's
 * hierarchy and names (plus TaskletExit under SystemExit). Instances are
 * PyBaseExceptionObject { PyObject_HEAD; PyObject *args; }. */
#include "stackless/pycore.h"

#define E(op) ((PyBaseExceptionObject *)(op))

static PyObject *BaseException_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    (void)kwds;
    PyObject *self = PyType_GenericAlloc(type, 0);
    if (!self) return NULL;
    E(self)->args = args && PyTuple_Check(args) ? Py_NewRef(args) : PyTuple_New(0);
    if (!E(self)->args) {
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

static int BaseException_init(PyObject *self, PyObject *args, PyObject *kwds) {
    if (!_PyArg_NoKeywords(Py_TYPE(self)->tp_name, kwds)) return -1;
    if (args && PyTuple_Check(args)) Py_XSETREF(E(self)->args, Py_NewRef(args));
    return 0;
}

static void BaseException_dealloc(PyObject *self) {
    Py_CLEAR(E(self)->args);
    freefunc f = Py_TYPE(self)->tp_free;
    (f ? f : PyObject_Free)(self);
}

static Py_ssize_t nargs(PyObject *self) { return E(self)->args ? PyTuple_GET_SIZE(E(self)->args) : 0; }

static PyObject *BaseException_str(PyObject *self) {
    switch (nargs(self)) {
    case 0: return PyUnicode_FromString("");
    case 1: return PyObject_Str(PyTuple_GET_ITEM(E(self)->args, 0));
    default: return PyObject_Str(E(self)->args);
    }
}

static PyObject *BaseException_repr(PyObject *self) {
    const char *name = _PyType_Name(Py_TYPE(self));
    if (nargs(self) == 1) return PyUnicode_FromFormat("%s(%R)", name, PyTuple_GET_ITEM(E(self)->args, 0));
    if (nargs(self) == 0) return PyUnicode_FromFormat("%s()", name);
    return PyUnicode_FromFormat("%s%R", name, E(self)->args);
}

/* KeyError(k) prints repr(k), so that str(KeyError('')) is "''" */
static PyObject *KeyError_str(PyObject *self) {
    if (nargs(self) == 1) return PyObject_Repr(PyTuple_GET_ITEM(E(self)->args, 0));
    return BaseException_str(self);
}

/* OSError(errno, strerror) prints "[Errno n] strerror" */
static PyObject *OSError_str(PyObject *self) {
    if (nargs(self) == 2 && PyLong_Check(PyTuple_GET_ITEM(E(self)->args, 0)))
        return PyUnicode_FromFormat("[Errno %S] %S", PyTuple_GET_ITEM(E(self)->args, 0), PyTuple_GET_ITEM(E(self)->args, 1));
    return BaseException_str(self);
}

static PyObject *BaseException_getattro(PyObject *self, PyObject *name);

#define EXC_TYPE(NAME, BASE, STR, DOC)                                                   \
    static PyTypeObject _PyExc_##NAME##_Type = {                                           \
        SLP_STATIC_TYPE_HEAD,                                                              \
        .tp_name = #NAME,                                                                  \
        .tp_basicsize = sizeof(PyBaseExceptionObject),                                     \
        .tp_dealloc = BaseException_dealloc,                                               \
        .tp_repr = BaseException_repr,                                                     \
        .tp_str = STR,                                                                     \
        .tp_getattro = BaseException_getattro,                                             \
        .tp_flags = Py_TPFLAGS_READY | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_BASE_EXC_SUBCLASS, \
        .tp_doc = DOC,                                                                     \
        .tp_base = BASE,                                                                   \
        .tp_init = BaseException_init,                                                     \
        .tp_new = BaseException_new,                                                       \
        .tp_free = PyObject_Free,                                                          \
    };                                                                                     \
    PyObject *PyExc_##NAME = (PyObject *)&_PyExc_##NAME##_Type;

#define EXC(NAME, BASE, DOC) EXC_TYPE(NAME, &_PyExc_##BASE##_Type, BaseException_str, DOC)

EXC_TYPE(BaseException, &PyBaseObject_Type, BaseException_str, "Common base class for all exceptions")
EXC(SystemExit, BaseException, "Request to exit from the interpreter.")
EXC(TaskletExit, SystemExit, "Request to exit from a tasklet.")
EXC(KeyboardInterrupt, BaseException, "Program interrupted by user.")
EXC(GeneratorExit, BaseException, "Request that a generator exit.")
EXC(Exception, BaseException, "Common base class for all non-exit exceptions.")
EXC(StopIteration, Exception, "Signal the end from iterator.__next__().")
EXC(ArithmeticError, Exception, "Base class for arithmetic errors.")
EXC(ZeroDivisionError, ArithmeticError, "Second argument to a division or modulo operation was zero.")
EXC(OverflowError, ArithmeticError, "Result too large to be represented.")
EXC(AttributeError, Exception, "Attribute not found.")
EXC(LookupError, Exception, "Base class for lookup errors.")
EXC(IndexError, LookupError, "Sequence index out of range.")
EXC_TYPE(KeyError, &_PyExc_LookupError_Type, KeyError_str, "Mapping key not found.")
EXC(MemoryError, Exception, "Out of memory.")
EXC(NameError, Exception, "Name not found globally.")
EXC(RuntimeError, Exception, "Unspecified run-time error.")
EXC(NotImplementedError, RuntimeError, "Method or function hasn't been implemented yet.")
EXC(RecursionError, RuntimeError, "Recursion limit exceeded.")
EXC(SystemError, Exception, "Internal error in the Python interpreter.")
EXC(TypeError, Exception, "Inappropriate argument type.")
EXC(ValueError, Exception, "Inappropriate argument value (of correct type).")
EXC(UnicodeError, ValueError, "Unicode related error.")
EXC(UnicodeDecodeError, UnicodeError, "Unicode decoding error.")
EXC(AssertionError, Exception, "Assertion failed.")
EXC_TYPE(OSError, &_PyExc_Exception_Type, OSError_str, "Base class for I/O related errors.")
EXC(Warning, Exception, "Base class for warning categories.")
EXC(UserWarning, Warning, "Base class for warnings generated by user code.")
EXC(DeprecationWarning, Warning, "Base class for warnings about deprecated features.")
EXC(RuntimeWarning, Warning, "Base class for warnings about dubious runtime behavior.")

static PyObject *BaseException_getattro(PyObject *self, PyObject *name) {
    if (PyUnicode_Check(name)) {
        if (PyUnicode_EqualToUTF8(name, "args")) return Py_NewRef(E(self)->args);
        if (PyUnicode_EqualToUTF8(name, "__traceback__") || PyUnicode_EqualToUTF8(name, "__cause__") ||
            PyUnicode_EqualToUTF8(name, "__context__"))
            Py_RETURN_NONE;
        if (PyUnicode_EqualToUTF8(name, "code") && PyObject_TypeCheck(self, &_PyExc_SystemExit_Type)) {
            Py_ssize_t n = nargs(self);
            return Py_NewRef(n == 0 ? Py_None : n == 1 ? PyTuple_GET_ITEM(E(self)->args, 0) : E(self)->args);
        }
        if (PyUnicode_EqualToUTF8(name, "value") && PyObject_TypeCheck(self, &_PyExc_StopIteration_Type))
            return Py_NewRef(nargs(self) ? PyTuple_GET_ITEM(E(self)->args, 0) : Py_None);
    }
    return PyObject_GenericGetAttr(self, name);
}

/* ---- exception object API ------------------------------------------------------------------- */

PyObject *PyException_GetArgs(PyObject *exc) {
    if (exc == NULL || !PyExceptionInstance_Check(exc)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return Py_NewRef(E(exc)->args);
}

void PyException_SetArgs(PyObject *exc, PyObject *args) {
    if (exc == NULL || !PyExceptionInstance_Check(exc) || args == NULL || !PyTuple_Check(args)) {
        PyErr_BadInternalCall();
        return;
    }
    Py_XSETREF(E(exc)->args, Py_NewRef(args));
}

PyObject *PyException_GetTraceback(PyObject *exc) {
    (void)exc;
    Py_RETURN_NONE;
}

int PyException_SetTraceback(PyObject *exc, PyObject *tb) {
    (void)exc;
    (void)tb;
    return 0;
}
