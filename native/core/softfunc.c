/* softfunc.c - soft-switchable extension functions (C-API.md 8, provisional). Without the
 * soft-switch protocol (STACKLESS is not defined) every call runs in "direct mode": the
 * function is called once and its promoted calls complete by hard switching. */
#include "slp_internal.h"
#include <string.h>

static PyObject *sfd_getattro(PyObject *o, PyObject *name)
{
    PyStacklessFunctionDeclarationObject *sfd = (PyStacklessFunctionDeclarationObject *)o;
    const char *n = PyUnicode_AsUTF8(name);
    if (n && strcmp(n, "name") == 0) return PyUnicode_FromString(sfd->name ? sfd->name : "");
    if (n && strcmp(n, "__module__") == 0) {
        if (sfd->module_name) return PyUnicode_FromString(sfd->module_name);
        Py_RETURN_NONE;
    }
    PyErr_Format(PyExc_AttributeError, "'%s' object has no attribute '%s'", Py_TYPE(o)->tp_name,
                 n ? n : "?");
    return NULL;
}

PyTypeObject PyStacklessFunctionDeclaration_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "_stackless.FunctionDeclaration",
    .tp_basicsize = sizeof(PyStacklessFunctionDeclarationObject),
    .tp_getattro = sfd_getattro,
    .tp_base = &PyBaseObject_Type,
};

int PyStackless_InitFunctionDeclaration(PyStacklessFunctionDeclarationObject *sfd,
                                        PyObject *module, PyModuleDef *module_def)
{
    if (!sfd) SLP_RETURN_ERR(PyExc_SystemError, "bad argument to internal function", -1);
    Py_SET_TYPE(sfd, &PyStacklessFunctionDeclaration_Type);
    if (Py_REFCNT(sfd) <= 0) Py_SET_REFCNT(sfd, _Py_IMMORTAL_REFCNT);   /* a static object */
    if (module_def) sfd->module_name = module_def->m_name;
    if (module) {
        if (!sfd->name || !*sfd->name)
            SLP_RETURN_ERR(PyExc_SystemError, "no function name", -1);
        Py_INCREF((PyObject *)sfd);
        if (PyModule_AddObject(module, sfd->name, (PyObject *)sfd) < 0) {
            Py_DECREF((PyObject *)sfd);
            return -1;
        }
    }
    return 0;
}

PyObject *PyStackless_CallFunction(PyStacklessFunctionDeclarationObject *sfd, PyObject *arg,
                                   PyObject *ob1, PyObject *ob2, PyObject *ob3, long n, void *any)
{
    slp_thread *ts = slp_thread_get();
    long step = 0;
    PyObject *r;
    if (!sfd || !sfd->sfunc) SLP_RETURN_ERR(PyExc_SystemError, "bad argument to internal function", NULL);
    if (!ts->main)
        SLP_RETURN_ERR(PyExc_RuntimeError,
                       "PyStackless_CallFunction needs a main tasklet: call it from inside", NULL);
    if (!arg && !PyErr_Occurred())
        SLP_RETURN_ERR(PyExc_SystemError, "No error occurred, but arg is NULL", NULL);
    /* The slots own their references while the function runs. */
    Py_XINCREF(ob1);
    Py_XINCREF(ob2);
    Py_XINCREF(ob3);
    r = sfd->sfunc(arg, &step, &ob1, &ob2, &ob3, &n, &any);
    Py_XDECREF(ob1);
    Py_XDECREF(ob2);
    Py_XDECREF(ob3);
    return r;
}
