/* stackless/capi.h - the C API as a table of pointers, for addons that use the core living in
 * the loaded `stackless` Node module (NODE.md section 5), the way capsules work in CPython and
 * import_array() in numpy. Included by stackless_api.h.
 *
 * The `stackless` addon exports one PyStackless_CAPI (a header, then one pointer per entry of
 * stackless/capi_list.h). Another addon compiled with STACKLESS_API_IMPORT defined before it
 * includes stackless_api.h calls PyStackless_ImportAPI(env) once in its module init; from then
 * on every name of the C API (functions, Py_None, PyExc_*, PyTasklet_Type, Py_INCREF/Py_DECREF,
 * ...) reaches that core through the table. Without STACKLESS_API_IMPORT nothing changes: the
 * names are the linked functions.
 *
 * Import mode, in detail:
 *   - the table pointer is a static variable of each translation unit: an addon of several C
 *     files calls PyStackless_ImportAPI in each file's code path before using the API there
 *     (a property lookup), or keeps the API calls in one file;
 *   - static initialisers cannot take the address of an imported data object (&PyType_Type,
 *     Py_None...): set such fields at run time, after the import;
 *   - FromJS / ToJS and the import itself run on the JS thread's stack (in a function JS
 *     called), never inside a C tasklet. */
#ifndef STACKLESS_CAPI_H
#define STACKLESS_CAPI_H

#include <stdint.h>
#include "capi_list.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PyStackless_CAPI_MAGIC 0x43504c53u   /* "SLPC" in memory on little-endian machines */
/* Incompatible layout changes bump the version; appending entries does not (the size grows). */
#define PyStackless_CAPI_VERSION 1u

typedef struct PyStackless_CAPI {
    uint32_t magic;     /* PyStackless_CAPI_MAGIC */
    uint32_t version;   /* PyStackless_CAPI_VERSION */
    uint32_t size;      /* sizeof the table as the provider knows it */
    uint32_t count;     /* number of entries after this header */
#define SLP_CAPI_FIELD_F(ret, name, params) ret (*name) params;
#define SLP_CAPI_FIELD_D(type, name) type *name;
    SLP_CAPI_LIST(SLP_CAPI_FIELD_F, SLP_CAPI_FIELD_D, SLP_CAPI_FIELD_F)
#undef SLP_CAPI_FIELD_F
#undef SLP_CAPI_FIELD_D
} PyStackless_CAPI;

#define SLP_CAPI_ONE_F(ret, name, params) +1
#define SLP_CAPI_ONE_D(type, name) +1
enum { PyStackless_CAPI_COUNT = 0 SLP_CAPI_LIST(SLP_CAPI_ONE_F, SLP_CAPI_ONE_D, SLP_CAPI_ONE_F) };
#undef SLP_CAPI_ONE_F
#undef SLP_CAPI_ONE_D

/* The name under which the `stackless` module registers its table for PyStackless_ImportAPI:
 * globalThis[Symbol.for(PyStackless_CAPI_KEY)] (also require('stackless/...binding')._capi). */
#define PyStackless_CAPI_KEY "stackless.capi"

#ifdef __cplusplus
}
#endif

#ifdef STACKLESS_API_IMPORT
#include <stdio.h>
#include <node_api.h>

static const PyStackless_CAPI *PyStackless_CAPI_ptr = NULL;

/* Checks the table held by the JS external `table` and makes it this file's API. 0 on
 * success; -1 with a pending JS exception (Error) when it is not a compatible table. */
static inline int PyStackless_ImportAPIFrom(napi_env env, napi_value table)
{
    napi_valuetype vt;
    void *p = NULL;
    char msg[320];
    const PyStackless_CAPI *t;
    if (napi_typeof(env, table, &vt) != napi_ok || vt != napi_external ||
        napi_get_value_external(env, table, &p) != napi_ok || !p) {
        napi_throw_error(env, NULL, "stackless C API not found: require('stackless') before loading "
                                    "this addon (no table under Symbol.for('" PyStackless_CAPI_KEY "'))");
        return -1;
    }
    t = (const PyStackless_CAPI *)p;
    if (t->magic != PyStackless_CAPI_MAGIC) {
        napi_throw_error(env, NULL, "stackless C API: the registered object is not a stackless API table "
                                    "(wrong magic number)");
        return -1;
    }
    if (t->version != PyStackless_CAPI_VERSION) {
        snprintf(msg, sizeof msg, "stackless C API version mismatch: this addon was built for version %u, "
                 "the loaded stackless provides version %u; rebuild the addon against the headers of the "
                 "installed stackless", (unsigned)PyStackless_CAPI_VERSION, (unsigned)t->version);
        napi_throw_error(env, NULL, msg);
        return -1;
    }
    if (t->size < sizeof(PyStackless_CAPI) || t->count < (uint32_t)PyStackless_CAPI_COUNT) {
        snprintf(msg, sizeof msg, "stackless C API too old: this addon needs %u entries (%u bytes), the "
                 "loaded stackless provides %u (%u bytes); update stackless",
                 (unsigned)PyStackless_CAPI_COUNT, (unsigned)sizeof(PyStackless_CAPI), (unsigned)t->count,
                 (unsigned)t->size);
        napi_throw_error(env, NULL, msg);
        return -1;
    }
    PyStackless_CAPI_ptr = t;
    return 0;
}

/* The one call an importing addon makes (in its module init, which runs once per thread that
 * loads it): finds the table registered by the loaded `stackless` module and checks its magic,
 * version and size. The lookup is what tells stackless that this thread will use the C API (its
 * tasklets then move from the JS engine into the core), so it is made every time. 0 on success;
 * -1 with a pending JS exception. */
static inline int PyStackless_ImportAPI(napi_env env)
{
    napi_value global, symbol, symbol_for, name, key, table;
    if (napi_get_global(env, &global) != napi_ok ||
        napi_get_named_property(env, global, "Symbol", &symbol) != napi_ok ||
        napi_get_named_property(env, symbol, "for", &symbol_for) != napi_ok ||
        napi_create_string_utf8(env, PyStackless_CAPI_KEY, NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_call_function(env, symbol, symbol_for, 1, &name, &key) != napi_ok ||
        napi_get_property(env, global, key, &table) != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (!pending) napi_throw_error(env, NULL, "stackless C API: cannot look up the table");
        return -1;
    }
    return PyStackless_ImportAPIFrom(env, table);
}

/* every name of the API now goes through the table */
#include "capi_import.h"

/* Py_DECREF was compiled (an inline function in object.h) before the names above were macros:
 * in import mode it is a macro that expands where it is used, so _Py_Dealloc is the table's. */
static inline void _PySlp_ImportedDecref(PyObject *op)
{
    if (--op->ob_refcnt == 0) _Py_Dealloc(op);
}
#undef Py_DECREF
#define Py_DECREF(op) _PySlp_ImportedDecref(_PyObject_CAST(op))

/* Raises the pending core error in JS, as the JS error it stands for (the class of the same name
 * in the stackless module, or the JS value a JS tasklet threw), and clears it. Returns NULL, so
 * that a napi callback can end with `return PyStackless_ThrowJS(env);`. */
static inline napi_value PyStackless_ThrowJS(napi_env env)
{
    PyObject *exc = PyErr_GetRaisedException();
    napi_value js = exc ? PyStackless_ToJS(env, exc) : NULL;
    Py_XDECREF(exc);
    if (js) napi_throw(env, js);
    else napi_throw_error(env, NULL, "stackless: a C API call failed without setting an exception");
    return NULL;
}
#endif /* STACKLESS_API_IMPORT */

#endif /* STACKLESS_CAPI_H */
