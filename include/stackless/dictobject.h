/* stackless/dictobject.h - dict objects (insertion ordered).
 *
 * Keys are compared by value for str, int/bool, float and tuples of those (hash(1) ==
 * hash(1.0) == hash(True) as in Python), by identity for every other hashable object; list and
 * dict keys raise TypeError "unhashable type: 'list'". */
#ifndef STACKLESS_DICTOBJECT_H
#define STACKLESS_DICTOBJECT_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _slp_dictobject PyDictObject;

PyAPI_DATA(PyTypeObject) PyDict_Type;

#define PyDict_Check(op) PyType_FastSubclass(Py_TYPE(op), Py_TPFLAGS_DICT_SUBCLASS)
#define PyDict_CheckExact(op) Py_IS_TYPE(op, &PyDict_Type)

PyAPI_FUNC(PyObject *) PyDict_New(void);
/* borrowed reference or NULL; never leaves an exception set */
PyAPI_FUNC(PyObject *) PyDict_GetItem(PyObject *d, PyObject *key);
PyAPI_FUNC(PyObject *) PyDict_GetItemString(PyObject *d, const char *key);
/* borrowed reference, or NULL with an exception set only on error (not for a missing key) */
PyAPI_FUNC(PyObject *) PyDict_GetItemWithError(PyObject *d, PyObject *key);
/* neither steals */
PyAPI_FUNC(int) PyDict_SetItem(PyObject *d, PyObject *key, PyObject *value);
PyAPI_FUNC(int) PyDict_SetItemString(PyObject *d, const char *key, PyObject *value);
/* missing key: KeyError(key) */
PyAPI_FUNC(int) PyDict_DelItem(PyObject *d, PyObject *key);
PyAPI_FUNC(int) PyDict_DelItemString(PyObject *d, const char *key);
PyAPI_FUNC(int) PyDict_Contains(PyObject *d, PyObject *key);
PyAPI_FUNC(void) PyDict_Clear(PyObject *d);
PyAPI_FUNC(Py_ssize_t) PyDict_Size(PyObject *d);
/* iteration: Py_ssize_t pos = 0; while (PyDict_Next(d, &pos, &k, &v)) ...; borrowed k, v */
PyAPI_FUNC(int) PyDict_Next(PyObject *d, Py_ssize_t *ppos, PyObject **pkey, PyObject **pvalue);
PyAPI_FUNC(PyObject *) PyDict_Copy(PyObject *d);
/* copies all items of dict b into a (overwriting) */
PyAPI_FUNC(int) PyDict_Update(PyObject *a, PyObject *b);
PyAPI_FUNC(int) PyDict_Merge(PyObject *a, PyObject *b, int override);
/* new lists */
PyAPI_FUNC(PyObject *) PyDict_Keys(PyObject *d);
PyAPI_FUNC(PyObject *) PyDict_Values(PyObject *d);
PyAPI_FUNC(PyObject *) PyDict_Items(PyObject *d);

#ifdef __cplusplus
}
#endif
#endif
