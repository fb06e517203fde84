/* stackless/moduleobject.h - module objects and PyModuleDef (single-phase init only). */
#ifndef STACKLESS_MODULEOBJECT_H
#define STACKLESS_MODULEOBJECT_H

#include "object.h"
#include "objimpl.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PYTHON_API_VERSION 1013
#define PYTHON_ABI_VERSION 3

typedef struct PyModuleDef_Base {
    PyObject ob_base;
    PyObject *(*m_init)(void);
    Py_ssize_t m_index;
    PyObject *m_copy;
} PyModuleDef_Base;

#define PyModuleDef_HEAD_INIT { PyObject_HEAD_INIT(NULL) NULL, 0, NULL }

typedef struct PyModuleDef_Slot {
    int slot;
    void *value;
} PyModuleDef_Slot;

typedef struct PyModuleDef {
    PyModuleDef_Base m_base;
    const char *m_name;
    const char *m_doc;
    Py_ssize_t m_size;          /* > 0: bytes of zeroed per-module state (PyModule_GetState) */
    PyMethodDef *m_methods;     /* module functions; NULL-name terminated */
    PyModuleDef_Slot *m_slots;  /* multi-phase init is not supported: must be NULL */
    traverseproc m_traverse;    /* never called (no cycle collector) */
    inquiry m_clear;            /* never called */
    freefunc m_free;            /* called with the module when it is deallocated */
} PyModuleDef;

PyAPI_DATA(PyTypeObject) PyModule_Type;

#define PyModule_Check(op) PyObject_TypeCheck(op, &PyModule_Type)
#define PyModule_CheckExact(op) Py_IS_TYPE(op, &PyModule_Type)

/* A module's attributes live in its dict (__name__ and __doc__ are set at creation). Module
 * functions hold a strong reference to their module, so a module that has functions is
 * never freed unless its dict is cleared (there is no cycle collector). */
PyAPI_FUNC(PyObject *) PyModule_New(const char *name);
PyAPI_FUNC(PyObject *) PyModule_NewObject(PyObject *name);
PyAPI_FUNC(PyObject *) PyModule_Create(PyModuleDef *def);
PyAPI_FUNC(PyObject *) PyModule_Create2(PyModuleDef *def, int apiver);
PyAPI_FUNC(PyObject *) PyModule_GetDict(PyObject *module);          /* borrowed */
PyAPI_FUNC(PyObject *) PyModule_GetNameObject(PyObject *module);    /* new reference */
PyAPI_FUNC(const char *) PyModule_GetName(PyObject *module);
PyAPI_FUNC(PyModuleDef *) PyModule_GetDef(PyObject *module);
PyAPI_FUNC(void *) PyModule_GetState(PyObject *module);
/* steals value on success only */
PyAPI_FUNC(int) PyModule_AddObject(PyObject *module, const char *name, PyObject *value);
/* never steals */
PyAPI_FUNC(int) PyModule_AddObjectRef(PyObject *module, const char *name, PyObject *value);
/* always steals (value may be NULL with an exception set: returns -1) */
PyAPI_FUNC(int) PyModule_Add(PyObject *module, const char *name, PyObject *value);
PyAPI_FUNC(int) PyModule_AddIntConstant(PyObject *module, const char *name, long value);
PyAPI_FUNC(int) PyModule_AddStringConstant(PyObject *module, const char *name, const char *value);
PyAPI_FUNC(int) PyModule_AddFunctions(PyObject *module, PyMethodDef *functions);
PyAPI_FUNC(int) PyModule_SetDocString(PyObject *module, const char *doc);
/* adds the type under its short name (tp_name after the last dot); readies it first */
PyAPI_FUNC(int) PyModule_AddType(PyObject *module, PyTypeObject *type);
#define PyModule_AddIntMacro(m, c) PyModule_AddIntConstant(m, #c, c)
#define PyModule_AddStringMacro(m, c) PyModule_AddStringConstant(m, #c, c)

#ifdef __cplusplus
}
#endif
#endif
