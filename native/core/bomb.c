/* bomb.c - the bomb type (an exception carried as a transfer value, API.md 9.2) and the
 * argument rules for throw()/send_throw()/raise_exception()/send_exception(). */
#include "slp_internal.h"

static void bomb_dealloc(PyObject *o)
{
    PyBombObject *b = (PyBombObject *)o;
    Py_XDECREF(b->curexc_type);
    Py_XDECREF(b->curexc_value);
    Py_XDECREF(b->curexc_traceback);
    PyObject_Free(o);
}

PyTypeObject PyBomb_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "_stackless.bomb",
    .tp_basicsize = sizeof(PyBombObject),
    .tp_dealloc = bomb_dealloc,
    .tp_base = &PyBaseObject_Type,
};

PyObject *slp_make_bomb(PyObject *type, PyObject *value, PyObject *tb)
{
    PyBombObject *b = (PyBombObject *)PyType_GenericAlloc(&PyBomb_Type, 0);
    if (!b) return NULL;
    b->curexc_type = Py_XNewRef(type);
    b->curexc_value = Py_XNewRef(value);
    b->curexc_traceback = Py_XNewRef(tb);
    return (PyObject *)b;
}

PyObject *slp_bomb_from_error(void)
{
    PyObject *type, *value, *tb, *b;
    PyErr_Fetch(&type, &value, &tb);
    b = slp_make_bomb(type, value, tb);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return b;
}

PyObject *slp_bomb_explode(PyObject *bomb)
{
    PyBombObject *b = (PyBombObject *)bomb;
    PyErr_Restore(Py_XNewRef(b->curexc_type), Py_XNewRef(b->curexc_value),
                  Py_XNewRef(b->curexc_traceback));
    Py_DECREF(bomb);
    return NULL;
}

PyObject *slp_bomb_from_throw_args(PyObject *exc, PyObject *val, PyObject *tb)
{
    if (val == Py_None) val = NULL;
    if (tb == Py_None) tb = NULL;
    if (!exc) {
        PyErr_SetString(PyExc_TypeError, "exceptions must be classes, or instances, not NoneType");
        return NULL;
    }
    if (tb) {
        PyErr_SetString(PyExc_TypeError, "third argument must be a traceback object");
        return NULL;
    }
    if (PyExceptionClass_Check(exc))
        return slp_make_bomb(exc, val, NULL);
    if (PyExceptionInstance_Check(exc)) {
        if (val) {
            PyErr_SetString(PyExc_TypeError, "instance exception may not have a separate value");
            return NULL;
        }
        return slp_make_bomb((PyObject *)Py_TYPE(exc), exc, NULL);
    }
    PyErr_Format(PyExc_TypeError, "exceptions must be classes, or instances, not %s",
                 Py_TYPE(exc)->tp_name);
    return NULL;
}

PyObject *slp_bomb_from_class_args(PyObject *klass, PyObject *args, const char *who)
{
    PyObject *tuple, *inst, *b;
    if (!klass || !PyExceptionClass_Check(klass)) {
        PyErr_Format(PyExc_TypeError, "%s needs Exception or string subclass as first parameter", who);
        return NULL;
    }
    if (!args) {
        PyErr_SetString(PyExc_SystemError, "bad argument to internal function");
        return NULL;
    }
    tuple = PyTuple_Check(args) ? Py_NewRef(args) : PyTuple_Pack(1, args);
    if (!tuple) return NULL;
    inst = PyObject_Call(klass, tuple, NULL);   /* exc_class(*args) */
    Py_DECREF(tuple);
    if (!inst) return NULL;
    b = slp_make_bomb((PyObject *)Py_TYPE(inst), inst, NULL);
    Py_DECREF(inst);
    return b;
}
