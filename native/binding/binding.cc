// binding.cc - the N-API addon: drives the native core for JS (NODE.md 2-3).
//
// Generator ("soft") tasklets are SLP_KIND_HOSTED tasklets of the core. Their callable is the
// singleton JSFUNC (a hosted-call type): the JS function, its arguments and its generator live
// in the tasklet's JS record (lib/index.ts), found by the tasklet's slot number. The JS
// trampoline, on the thread's own stack, is the host loop: it resumes the current tasklet's
// generator, or calls hostStep() when a native tasklet is current.
//
// Values between JS tasklets stay in JS: a hosted tasklet's tempval holding the marker JSVAL
// means "the value is in this tasklet's JS slot (record.tv)". The materialize hook turns it
// into a real object when it goes to a native tasklet.
//
// One native call per channel operation: arguments and results that are small integers go
// through a shared Int32Array (I below, created once by JS), not through N-API values.
//   I[ST]   result of the call: 0 completed (return value = result), 1 switched (the caller
//           must unwind; the return value is the new current tasklet's resume value), 2 error
//           (return value = the exception to throw)
//   I[CUR]  slot of the current tasklet after the call (0 main, -1 a native tasklet)
//   I[PART] send: slot of a JS partner that received the marker (JS copies the value into its
//           slot); receive: slot whose record.tv holds the received value (I[MODE] == JSV)
//   I[MODE] how the value is delivered: 0 undefined, 1 in a record's tv, 2 the return value,
//           3 throw the return value
//   I[A0..A2] arguments; I[OUT] a small integer result
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>
#include <string>

#include "slp_internal.h"

namespace {

enum { ST = 0, CUR = 1, PART = 2, MODE = 3, A0 = 4, A1 = 5, A2 = 6, OUT = 7, NSHARED = 16 };
enum { M_NONE = 0, M_JSV = 1, M_VAL = 2, M_THROW = 3 };

struct JsTasklet {
    PyTaskletObject base;
    int32_t slot;
    int32_t is_gen;
};

struct JsValueObject {
    PyObject_HEAD
    napi_ref ref;
};

PyTypeObject JsTasklet_Type;
PyTypeObject JsFunc_Type;
PyTypeObject JsMarker_Type;
PyTypeObject JsValue_Type;

struct Binding {
    napi_env env = nullptr;
    slp_thread *ts = nullptr;
    int32_t *I = nullptr;
    napi_ref shared_ref = nullptr, records_ref = nullptr, make_error_ref = nullptr;
    std::vector<PyTaskletObject *> tab;   // slot -> tasklet (a reference); [0] main
    std::vector<int32_t> free_tab;
    std::vector<PyChannelObject *> chans;  // id -> channel (a reference)
    std::vector<int32_t> free_chans;
};

#if defined(__GNUC__) && !defined(_WIN32)
__thread __attribute__((tls_model("initial-exec"))) Binding *B = nullptr;   // as SLP_TLS: no __tls_get_addr
#else
thread_local Binding *B = nullptr;
#endif
PyObject *JSVAL = nullptr;    // marker: "the value is in the owner's JS slot"
PyObject *JSFUNC = nullptr;   // the callable of every JS tasklet
PyObject *EMPTY = nullptr;    // ()

// ---- small helpers ---------------------------------------------------------------------------

inline napi_value undef(napi_env env)
{
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
}

inline int32_t slot_of(PyTaskletObject *t)
{
    if (!t) return -1;
    if (Py_IS_TYPE((PyObject *)t, &JsTasklet_Type)) return ((JsTasklet *)t)->slot;
    if (t == B->ts->main) return 0;
    return -1;
}

inline PyTaskletObject *tasklet_at(int32_t slot)
{
    if (slot < 0 || (size_t)slot >= B->tab.size()) return nullptr;
    return B->tab[slot];
}

inline PyChannelObject *chan_at(int32_t id)
{
    if (id < 0 || (size_t)id >= B->chans.size()) return nullptr;
    return B->chans[id];
}

void fatal_napi(const char *what)
{
    fprintf(stderr, "stackless: fatal N-API failure: %s\n", what);
    abort();
}

napi_value record_at(napi_env env, int32_t slot)
{
    napi_value R, rec;
    napi_get_reference_value(env, B->records_ref, &R);
    napi_get_element(env, R, (uint32_t)slot, &rec);
    return rec;
}

// ---- conversions (NODE.md 5) -----------------------------------------------------------------

PyObject *js_wrap(napi_env env, napi_value v)
{
    JsValueObject *o = (JsValueObject *)PyType_GenericAlloc(&JsValue_Type, 0);
    if (!o) return nullptr;
    if (napi_create_reference(env, v, 1, &o->ref) != napi_ok) {
        o->ref = nullptr;
        Py_DECREF((PyObject *)o);
        PyErr_SetString(PyExc_TypeError, "this JS value cannot be passed to native code");
        return nullptr;
    }
    return (PyObject *)o;
}

PyObject *to_py(napi_env env, napi_value v)
{
    napi_valuetype t;
    napi_typeof(env, v, &t);
    switch (t) {
    case napi_undefined:
    case napi_null:
        return Py_NewRef(Py_None);
    case napi_boolean: {
        bool b;
        napi_get_value_bool(env, v, &b);
        return Py_NewRef(b ? Py_True : Py_False);
    }
    case napi_number: {
        double d;
        napi_get_value_double(env, v, &d);
        if (d == (double)(long long)d && d > -9007199254740992.0 && d < 9007199254740992.0)
            return PyLong_FromLongLong((long long)d);
        return PyFloat_FromDouble(d);
    }
    case napi_string: {
        size_t n;
        napi_get_value_string_utf8(env, v, nullptr, 0, &n);
        std::string s(n, '\0');
        napi_get_value_string_utf8(env, v, &s[0], n + 1, &n);
        return PyUnicode_FromStringAndSize(s.data(), (Py_ssize_t)n);
    }
    case napi_object: {
        bool arr = false;
        napi_is_array(env, v, &arr);
        if (arr) {
            uint32_t n;
            napi_get_array_length(env, v, &n);
            PyObject *tup = PyTuple_New(n);
            if (!tup) return nullptr;
            for (uint32_t i = 0; i < n; i++) {
                napi_value e;
                napi_get_element(env, v, i, &e);
                PyObject *pe = to_py(env, e);
                if (!pe) {
                    Py_DECREF(tup);
                    return nullptr;
                }
                PyTuple_SET_ITEM(tup, i, pe);
            }
            return tup;
        }
        return js_wrap(env, v);
    }
    default:
        return js_wrap(env, v);
    }
}

napi_value to_js(napi_env env, PyObject *o)
{
    napi_value r;
    if (o == Py_None || o == JSVAL) return undef(env);
    if (o == Py_True || o == Py_False) {
        napi_get_boolean(env, o == Py_True, &r);
        return r;
    }
    if (Py_IS_TYPE(o, &JsValue_Type)) {
        napi_get_reference_value(env, ((JsValueObject *)o)->ref, &r);
        return r;
    }
    if (PyLong_Check(o)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow) napi_create_double(env, PyLong_AsDouble(o), &r);
        else napi_create_double(env, (double)x, &r);
        PyErr_Clear();
        return r;
    }
    if (PyFloat_Check(o)) {
        napi_create_double(env, PyFloat_AsDouble(o), &r);
        return r;
    }
    if (PyUnicode_Check(o)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(o, &n);
        napi_create_string_utf8(env, s ? s : "", s ? (size_t)n : 0, &r);
        return r;
    }
    if (PyTuple_Check(o)) {
        Py_ssize_t n = PyTuple_GET_SIZE(o);
        napi_create_array_with_length(env, (size_t)n, &r);
        for (Py_ssize_t i = 0; i < n; i++)
            napi_set_element(env, r, (uint32_t)i, to_js(env, PyTuple_GET_ITEM(o, i)));
        return r;
    }
    if (PyTasklet_Check(o)) {
        int32_t s = slot_of((PyTaskletObject *)o);
        if (s >= 0) return record_at(env, s);
        return undef(env);
    }
    // anything else: its str(), for now (opaque native objects come later)
    PyObject *s = PyObject_Str(o);
    if (!s) {
        PyErr_Clear();
        return undef(env);
    }
    r = to_js(env, s);
    Py_DECREF(s);
    return r;
}

// ---- exceptions --------------------------------------------------------------------------------

struct ExcName { const char *name; PyObject **cls; };
const ExcName exc_names[] = {
    {"BaseException", &PyExc_BaseException}, {"SystemExit", &PyExc_SystemExit},
    {"TaskletExit", &PyExc_TaskletExit}, {"Exception", &PyExc_Exception},
    {"StopIteration", &PyExc_StopIteration}, {"RuntimeError", &PyExc_RuntimeError},
    {"ValueError", &PyExc_ValueError}, {"TypeError", &PyExc_TypeError},
    {"SystemError", &PyExc_SystemError}, {"AttributeError", &PyExc_AttributeError},
    {"OverflowError", &PyExc_OverflowError}, {"MemoryError", &PyExc_MemoryError},
    {"KeyError", &PyExc_KeyError}, {"IndexError", &PyExc_IndexError},
    {"NotImplementedError", &PyExc_NotImplementedError},
    {"ZeroDivisionError", &PyExc_ZeroDivisionError}, {"RecursionError", &PyExc_RecursionError},
    {"KeyboardInterrupt", &PyExc_KeyboardInterrupt}, {"AssertionError", &PyExc_AssertionError},
};

PyObject *exc_class(napi_env env, napi_value name)
{
    char buf[64];
    size_t n = 0;
    if (napi_get_value_string_utf8(env, name, buf, sizeof buf, &n) != napi_ok) return PyExc_Exception;
    for (const ExcName &e : exc_names)
        if (strcmp(buf, e.name) == 0) return *e.cls;
    return PyExc_Exception;
}

// An exception instance of class cls carrying the JS value v (args == (wrapper,)).
PyObject *js_exception(napi_env env, napi_value name, napi_value v)
{
    PyObject *cls = exc_class(env, name);
    PyObject *w = js_wrap(env, v);
    if (!w) return nullptr;
    PyObject *inst = PyObject_CallFunctionObjArgs(cls, w, NULL);
    Py_DECREF(w);
    return inst;
}

void set_js_error(napi_env env, napi_value name, napi_value v)
{
    PyObject *inst = js_exception(env, name, v);
    if (!inst) return;
    PyErr_SetObject((PyObject *)Py_TYPE(inst), inst);
    Py_DECREF(inst);
}

napi_value make_js_error(napi_env env, const char *name, const char *msg)
{
    napi_value fn, args[2], r, global;
    napi_get_reference_value(env, B->make_error_ref, &fn);
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &args[0]);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &args[1]);
    napi_get_global(env, &global);
    if (napi_call_function(env, global, fn, 2, args, &r) != napi_ok) return undef(env);
    return r;
}

// The pending core error as a JS value (clears it).
napi_value take_error(napi_env env)
{
    PyObject *type, *value, *tb;
    napi_value r;
    PyErr_Fetch(&type, &value, &tb);
    if (!type) return make_js_error(env, "SystemError", "error return without exception set");
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && PyExceptionInstance_Check(value)) {
        PyObject *args = ((PyBaseExceptionObject *)value)->args;
        if (args && PyTuple_GET_SIZE(args) == 1 && Py_IS_TYPE(PyTuple_GET_ITEM(args, 0), &JsValue_Type)) {
            r = to_js(env, PyTuple_GET_ITEM(args, 0));
            goto done;
        }
    }
    {
        const char *name = ((PyTypeObject *)type)->tp_name;
        const char *dot = strrchr(name, '.');
        if (dot) name = dot + 1;
        PyObject *s = value ? PyObject_Str(value) : nullptr;
        const char *msg = s ? PyUnicode_AsUTF8(s) : "";
        PyErr_Clear();
        r = make_js_error(env, name, msg ? msg : "");
        Py_XDECREF(s);
    }
done:
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return r;
}

// ---- the protocol -------------------------------------------------------------------------------

// A value v (new reference, or NULL with an error) becomes the delivery of I[MODE].
napi_value deliver(napi_env env, PyObject *v)
{
    int32_t *I = B->I;
    if (!v) {
        I[MODE] = M_THROW;
        return take_error(env);
    }
    if (v == JSVAL || v == Py_None) {
        I[MODE] = v == JSVAL ? M_JSV : M_NONE;
        Py_DECREF(v);
        return nullptr;   // undefined, without an N-API call
    }
    I[MODE] = M_VAL;
    napi_value r = to_js(env, v);
    Py_DECREF(v);
    return r;
}

// The current tasklet changed: report it, and consume its resume value (JS resumes it next).
napi_value resume_next(napi_env env)
{
    slp_thread *ts = B->ts;
    PyTaskletObject *t = ts->current;
    int32_t *I = B->I;
    int32_t slot = slot_of(t);
    I[ST] = 1;
    I[CUR] = slot;
    if (slot < 0) {
        I[MODE] = M_NONE;
        return nullptr;
    }
    if (t->exec == SLP_EXEC_INIT && t->kind == SLP_KIND_HOSTED) {
        PyObject *f, *a, *k;
        if (slp_hosted_begin(t, &f, &a, &k)) {
            Py_XDECREF(f);
            Py_XDECREF(a);
            Py_XDECREF(k);
        }
    }
    PyObject *v = slp_resume_value(t);
    if (ts->wd.depth) {
        for (int i = ts->wd.depth - 1; i >= 0; i--) {
            if (ts->wd.stack[i].caller == t) {
                v = slp_watchdog_run_end(ts, t, v);
                break;
            }
        }
    }
    return deliver(env, v);
}

// Result of a core call returning an object (or Py_UnwindToken, or NULL).
napi_value finish_obj(napi_env env, PyObject *r, int32_t self_slot)
{
    int32_t *I = B->I;
    if (!r) {
        I[ST] = 2;
        I[CUR] = slot_of(B->ts->current);
        return take_error(env);
    }
    if (STACKLESS_UNWINDING(r)) return resume_next(env);
    I[ST] = 0;
    if (r == JSVAL) {
        PyTaskletObject *p = B->ts->last_partner;
        I[PART] = self_slot >= 0 ? self_slot : slot_of(p);
    }
    return deliver(env, r);
}

// Result of a core call returning 0 / 1 (unwound) / -1.
napi_value finish_int(napi_env env, int r)
{
    int32_t *I = B->I;
    if (r < 0) {
        I[ST] = 2;
        I[CUR] = slot_of(B->ts->current);
        return take_error(env);
    }
    if (r == 1) return resume_next(env);
    I[ST] = 0;
    I[MODE] = M_NONE;
    return nullptr;
}

// May the current tasklet unwind (switch away through its caller) in this call?
inline int may_unwind(int nr)
{
    PyTaskletObject *cur = B->ts->current;
    if (cur == B->ts->main) return 1;
    return nr && Py_IS_TYPE((PyObject *)cur, &JsTasklet_Type) && ((JsTasklet *)cur)->is_gen;
}

inline napi_value error_str(napi_env env, PyObject *cls, const char *msg)
{
    PyErr_SetString(cls, msg);
    B->I[ST] = 2;
    return take_error(env);
}

#define GET_ARGS(n) \
    size_t argc = n; napi_value argv[n > 0 ? n : 1]; \
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr)

#define TASKLET_ARG(t, slot) \
    PyTaskletObject *t = tasklet_at(slot); \
    if (!t) return error_str(env, PyExc_RuntimeError, "stackless: bad tasklet handle")

#define CHANNEL_ARG(c, id) \
    PyChannelObject *c = chan_at(id); \
    if (!c) return error_str(env, PyExc_RuntimeError, "stackless: bad channel handle")

// ---- hooks ----------------------------------------------------------------------------------------

void hook_release(PyTaskletObject *t) { (void)t; }

void hook_cannot_block(PyTaskletObject *t)
{
    if (Py_IS_TYPE((PyObject *)t, &JsTasklet_Type) && ((JsTasklet *)t)->is_gen)
        PyErr_SetString(PyExc_RuntimeError,
                        "a generator tasklet cannot block in a call that is not _nr: write "
                        "`yield ch.receive_nr()` (also send_nr, schedule_nr, ...) instead");
    else
        PyErr_SetString(PyExc_RuntimeError,
                        "this tasklet runs a plain function on the scheduler's stack and cannot "
                        "block (hard tasklets are not available): make it a generator function "
                        "(function*) and block with `yield ch.receive_nr()`");
}

PyObject *hook_materialize(PyObject *v, PyTaskletObject *owner)
{
    if (v != JSVAL) return v;
    Py_DECREF(v);
    napi_env env = B->env;
    int32_t s = slot_of(owner);
    if (s < 0) return Py_NewRef(Py_None);
    napi_value rec = record_at(env, s), tv;
    napi_get_named_property(env, rec, "tv", &tv);
    return to_py(env, tv);
}

// ---- types -----------------------------------------------------------------------------------------

PyObject *jsfunc_call(PyObject *self, PyObject *args, PyObject *kw)
{
    PyErr_SetString(PyExc_RuntimeError, "a JS tasklet function cannot be called from native code");
    return nullptr;
}

void jsvalue_dealloc(PyObject *o)
{
    JsValueObject *v = (JsValueObject *)o;
    if (v->ref && B && B->env) napi_delete_reference(B->env, v->ref);
    PyObject_Free(o);
}

void init_type(PyTypeObject *t, const char *name, size_t size, PyTypeObject *base, unsigned long flags)
{
    memset(t, 0, sizeof *t);
    Py_SET_TYPE(t, &PyType_Type);
    Py_SET_REFCNT(t, _Py_IMMORTAL_REFCNT);
    t->tp_name = name;
    t->tp_basicsize = (Py_ssize_t)size;
    t->tp_base = base;
    t->tp_flags = flags;
}

bool types_ready = false;

int init_types()
{
    if (types_ready) return 0;
    init_type(&JsTasklet_Type, "stackless.tasklet", sizeof(JsTasklet), &PyTasklet_Type, Py_TPFLAGS_BASETYPE);
    init_type(&JsFunc_Type, "stackless.jsfunction", sizeof(PyObject), &PyBaseObject_Type,
              Py_TPFLAGS_SLP_HOSTED_CALL);
    JsFunc_Type.tp_call = jsfunc_call;
    init_type(&JsMarker_Type, "stackless.jsvalue_marker", sizeof(PyObject), &PyBaseObject_Type, 0);
    init_type(&JsValue_Type, "stackless.jsvalue", sizeof(JsValueObject), &PyBaseObject_Type, 0);
    JsValue_Type.tp_dealloc = jsvalue_dealloc;
    if (PyType_Ready(&JsTasklet_Type) || PyType_Ready(&JsFunc_Type) || PyType_Ready(&JsMarker_Type) ||
        PyType_Ready(&JsValue_Type))
        return -1;
    JSVAL = PyType_GenericAlloc(&JsMarker_Type, 0);
    JSFUNC = PyType_GenericAlloc(&JsFunc_Type, 0);
    EMPTY = PyTuple_New(0);
    if (!JSVAL || !JSFUNC || !EMPTY) return -1;
    types_ready = true;
    return 0;
}

// ---- module functions ------------------------------------------------------------------------------

// init(sharedInt32Array, records, makeError)
napi_value Init_(napi_env env, napi_callback_info info)
{
    GET_ARGS(3);
    if (B) return undef(env);
    if (init_types()) fatal_napi("type initialisation");
    B = new Binding();
    B->env = env;
    napi_typedarray_type tt;
    size_t len;
    void *data;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, argv[0], &tt, &len, &data, &ab, &off) != napi_ok ||
        tt != napi_int32_array || len < NSHARED)
        fatal_napi("init: shared array");
    B->I = (int32_t *)data;
    napi_create_reference(env, argv[0], 1, &B->shared_ref);
    napi_create_reference(env, argv[1], 1, &B->records_ref);
    napi_create_reference(env, argv[2], 1, &B->make_error_ref);
    slp_thread *ts = slp_thread_get();
    B->ts = ts;
    if (!ts->main && !slp_create_main(ts)) fatal_napi("init: main tasklet");
    ts->main_hosted = 1;
    ts->hooks.step = nullptr;
    ts->hooks.release = hook_release;
    ts->hooks.cannot_block = hook_cannot_block;
    ts->hooks.materialize = hook_materialize;
    ts->hooks.system_exit = nullptr;
    B->tab.push_back(ts->main);
    Py_INCREF(ts->main);
    B->I[CUR] = 0;
    return undef(env);
}

int32_t new_slot(PyTaskletObject *t)
{
    int32_t s;
    if (!B->free_tab.empty()) {
        s = B->free_tab.back();
        B->free_tab.pop_back();
        B->tab[s] = t;
    } else {
        s = (int32_t)B->tab.size();
        B->tab.push_back(t);
    }
    ((JsTasklet *)t)->slot = s;
    return s;
}

void drop_slot(int32_t s)
{
    PyTaskletObject *t = B->tab[s];
    B->tab[s] = nullptr;
    B->free_tab.push_back(s);
    ((JsTasklet *)t)->slot = -1;
    Py_DECREF(t);
}

// tNew(): A0 = is_gen, A1 = setup now (1) or only bound (0). I[OUT] = slot. I[ST] as usual.
napi_value TNew(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyTaskletObject *t = PyTasklet_New(&JsTasklet_Type, JSFUNC);
    if (!t) {
        I[ST] = 2;
        return take_error(env);
    }
    ((JsTasklet *)t)->is_gen = I[A0];
    int32_t s = new_slot(t);
    I[OUT] = s;
    if (I[A1] && PyTasklet_Setup(t, EMPTY, nullptr)) {
        drop_slot(s);
        I[ST] = 2;
        return take_error(env);
    }
    I[ST] = 0;
    return nullptr;
}

// tFree(): A0 = slot (an unused, unscheduled tasklet the JS side drops)
napi_value TFree(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = tasklet_at(B->I[A0]);
    if (t && t != B->ts->main) drop_slot(B->I[A0]);
    return nullptr;
}

// tSetGen(): A0 slot, A1 is_gen
napi_value TSetGen(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = tasklet_at(B->I[A0]);
    if (t && t != B->ts->main) ((JsTasklet *)t)->is_gen = B->I[A1];
    return nullptr;
}

// tBind(): A0 slot, A1 func given (0/1; JSFUNC stands for it), A2 args given (0/1)
napi_value TBind(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    TASKLET_ARG(t, I[A0]);
    PyObject *func = I[A1] ? JSFUNC : nullptr;
    if (!I[A1] && t == B->ts->main) func = nullptr;
    int r = PyTasklet_BindEx(t, func, I[A2] ? EMPTY : nullptr, nullptr);
    return finish_int(env, r);
}

napi_value TSetup(napi_env env, napi_callback_info info)
{
    TASKLET_ARG(t, B->I[A0]);
    return finish_int(env, PyTasklet_Setup(t, EMPTY, nullptr));
}

napi_value TInsert(napi_env env, napi_callback_info info)
{
    TASKLET_ARG(t, B->I[A0]);
    return finish_int(env, PyTasklet_Insert(t));
}

napi_value TRemove(napi_env env, napi_callback_info info)
{
    TASKLET_ARG(t, B->I[A0]);
    return finish_int(env, PyTasklet_Remove(t));
}

// tRun(): A0 slot, A1 nr, A2 switch (remove the caller)
napi_value TRun(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    TASKLET_ARG(t, I[A0]);
    int mu = may_unwind(I[A1]);
    int r = I[A2] ? (mu ? PyTasklet_Switch_nr(t) : PyTasklet_Switch(t))
                  : (mu ? PyTasklet_Run_nr(t) : PyTasklet_Run(t));
    return finish_int(env, r);
}

// tThrow(name, exc): A0 slot, A1 nr, A2 pending. exc is the JS exception value (kill: name
// "TaskletExit"). A throw that must switch = pending throw + run (so that it can unwind).
napi_value TThrow(napi_env env, napi_callback_info info)
{
    GET_ARGS(3);
    int32_t *I = B->I;
    int32_t slot = I[A0], nr = I[A1], pending = I[A2];
    TASKLET_ARG(t, slot);
    bool is_kill = false;
    napi_get_value_bool(env, argv[2], &is_kill);
    int r;
    if (is_kill) {
        if (!slp_tasklet_alive(t) && slp_owner(t)) return finish_int(env, 0);
        r = PyTasklet_KillEx(t, 1);
    } else {
        PyObject *inst = js_exception(env, argv[0], argv[1]);
        if (!inst) return finish_int(env, -1);
        r = PyTasklet_Throw(t, 1, inst, nullptr, nullptr);
        Py_DECREF(inst);
    }
    if (r < 0 || pending || t == B->ts->current || !slp_tasklet_alive(t)) return finish_int(env, r);
    int mu = may_unwind(nr);
    return finish_int(env, mu ? PyTasklet_Run_nr(t) : PyTasklet_Run(t));
}

// tInfo(): A0 slot -> I[OUT] bits; I[A1] = id
napi_value TInfo(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyTaskletObject *t = tasklet_at(I[A0]);
    if (!t) {
        I[OUT] = 0;
        return nullptr;
    }
    slp_thread *o = slp_owner(t);
    int alive = slp_tasklet_alive(t);
    int bits = 0;
    bits |= alive ? 1 : 0;
    bits |= (alive && !t->in_runq && !t->blocked) ? 2 : 0;   // paused
    bits |= t->blocked ? 4 : 0;
    bits |= (t->in_runq || t->blocked) ? 8 : 0;               // scheduled
    bits |= (o && o->main == t) ? 16 : 0;
    bits |= (o && o->main && o->current == t) ? 32 : 0;
    bits |= t->atomic ? 64 : 0;
    bits |= t->block_trap ? 128 : 0;
    bits |= t->ignore_nesting ? 256 : 0;
    bits |= slp_tasklet_nesting(t) ? 512 : 0;
    bits |= t->exec == SLP_EXEC_STARTED ? 1024 : 0;
    bits |= t->blocked < 0 ? 2048 : 0;
    bits |= t->tempval == JSVAL ? 4096 : 0;
    bits |= t->tempval == JSFUNC ? 8192 : 0;
    bits |= t->tempval == Py_None ? 16384 : 0;
    I[OUT] = bits;
    I[A1] = (int32_t)t->id;
    return nullptr;
}

// tFlag(): A0 slot, A1 which (0 atomic, 1 block_trap, 2 ignore_nesting), A2 value -> old in I[OUT]
napi_value TFlag(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    TASKLET_ARG(t, I[A0]);
    int v = I[A2];
    switch (I[A1]) {
    case 0: I[OUT] = PyTasklet_SetAtomic(t, v); break;
    case 1: I[OUT] = t->block_trap; PyTasklet_SetBlockTrap(t, v); break;
    default: I[OUT] = PyTasklet_SetIgnoreNesting(t, v); break;
    }
    I[ST] = 0;
    return nullptr;
}

// tTempval(): A0 slot -> the tempval as JS (only meaningful for real objects)
napi_value TTempval(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = tasklet_at(B->I[A0]);
    if (!t) return undef(env);
    return to_js(env, t->tempval);
}

// tSetTempval(v?): A0 slot, A1 = 1: the marker (value in JS), 0: None, 2: v converted
napi_value TSetTempval(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    int32_t *I = B->I;
    TASKLET_ARG(t, I[A0]);
    PyObject *v = I[A1] == 1 ? Py_NewRef(JSVAL) : I[A1] == 0 ? Py_NewRef(Py_None) : to_py(env, argv[0]);
    if (!v) return finish_int(env, -1);
    Py_SETREF(t->tempval, v);
    return finish_int(env, 0);
}

// tLinks(): A0 slot -> I[OUT] next slot, I[A1] prev slot (-1: none or not a JS tasklet)
napi_value TLinks(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyTaskletObject *t = tasklet_at(I[A0]);
    I[OUT] = t && t->next ? slot_of(t->next) : -1;
    I[A1] = t && t->prev ? slot_of(t->prev) : -1;
    return nullptr;
}

// ---- channels ----

napi_value ChNew(napi_env env, napi_callback_info info)
{
    PyChannelObject *ch = PyChannel_New(nullptr);
    int32_t id;
    if (!ch) fatal_napi("channel allocation");
    if (!B->free_chans.empty()) {
        id = B->free_chans.back();
        B->free_chans.pop_back();
        B->chans[id] = ch;
    } else {
        id = (int32_t)B->chans.size();
        B->chans.push_back(ch);
    }
    B->I[OUT] = id;
    return nullptr;
}

// chFree(id): the JS channel object was collected
napi_value ChFree(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    int32_t id;
    napi_get_value_int32(env, argv[0], &id);
    PyChannelObject *ch = chan_at(id);
    if (!ch) return nullptr;
    B->chans[id] = nullptr;
    B->free_chans.push_back(id);
    Py_DECREF((PyObject *)ch);
    return nullptr;
}

// send(): A0 channel, A1 nr. The value is in the current tasklet's JS slot.
napi_value Send(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    CHANNEL_ARG(ch, I[A0]);
    slp_thread *ts = B->ts;
    ts->last_partner = nullptr;
    int r = may_unwind(I[A1]) ? PyChannel_Send_nr(ch, JSVAL) : PyChannel_Send(ch, JSVAL);
    PyTaskletObject *p = ts->last_partner;
    I[PART] = p && slp_on_host(ts, p) ? slot_of(p) : -1;
    return finish_int(env, r);
}

// recv(): A0 channel, A1 nr
napi_value Recv(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    CHANNEL_ARG(ch, I[A0]);
    B->ts->last_partner = nullptr;
    PyObject *r = may_unwind(I[A1]) ? PyChannel_Receive_nr(ch) : PyChannel_Receive(ch);
    return finish_obj(env, r, -1);
}

// sendExc(name, exc): A0 channel, A1 nr. Sends a bomb: the receiver throws exc.
napi_value SendExc(napi_env env, napi_callback_info info)
{
    GET_ARGS(2);
    int32_t *I = B->I;
    CHANNEL_ARG(ch, I[A0]);
    int nr = I[A1];
    PyObject *inst = js_exception(env, argv[0], argv[1]);
    if (!inst) return finish_int(env, -1);
    PyObject *bomb = slp_make_bomb((PyObject *)Py_TYPE(inst), inst, nullptr);
    Py_DECREF(inst);
    if (!bomb) return finish_int(env, -1);
    B->ts->last_partner = nullptr;
    int r = may_unwind(nr) ? PyChannel_Send_nr(ch, bomb) : PyChannel_Send(ch, bomb);
    Py_DECREF(bomb);
    I[PART] = -1;
    return finish_int(env, r);
}

// chInfo(): A0 id -> I[OUT] balance, I[A1] bits (1 closing, 2 closed, 4 schedule_all),
// I[A2] preference, I[CUR+...] untouched; queue head slot in I[MODE]? no: in I[8]
napi_value ChInfo(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyChannelObject *ch = chan_at(I[A0]);
    if (!ch) return nullptr;
    I[OUT] = ch->balance;
    I[A1] = (ch->closing ? 1 : 0) | (ch->closing && ch->balance == 0 ? 2 : 0) | (ch->schedule_all ? 4 : 0);
    I[A2] = ch->preference;
    I[8] = ch->head ? slot_of(ch->head) : -1;
    return nullptr;
}

// chSet(): A0 id, A1 what (0 close, 1 open, 2 preference, 3 schedule_all), A2 value
napi_value ChSet(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyChannelObject *ch = chan_at(I[A0]);
    if (!ch) return nullptr;
    switch (I[A1]) {
    case 0: PyChannel_Close(ch); break;
    case 1: PyChannel_Open(ch); break;
    case 2: PyChannel_SetPreference(ch, I[A2]); break;
    default: PyChannel_SetScheduleAll(ch, I[A2]); break;
    }
    return nullptr;
}

// ---- scheduler ----

// schedule(): A0 remove, A1 nr. The retval is in the current tasklet's JS slot.
napi_value Schedule(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    int32_t self = slot_of(B->ts->current);
    PyObject *r = may_unwind(I[A1]) ? PyStackless_Schedule_nr(JSVAL, I[A0])
                                    : PyStackless_Schedule(JSVAL, I[A0]);
    return finish_obj(env, r, self);
}

// run(): A0 timeout, A1 flags, A2 nr
napi_value Run(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyObject *r;
    if (may_unwind(I[A2])) r = slp_watchdog_run_nr(B->ts, I[A0], I[A1]);
    else r = PyStackless_RunWatchdogEx(I[A0], I[A1]);
    return finish_obj(env, r, -1);
}

// hostStep(): a native tasklet is current: run it until control is back on the host stack.
napi_value HostStep(napi_env env, napi_callback_info info)
{
    slp_host_step(B->ts);
    B->I[PART] = -1;
    return resume_next(env);
}

// end(name?, exc?): A0 slot, A1 0 returned / 1 threw. The tasklet is dead and detached.
napi_value End(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    int32_t slot = I[A0];
    PyTaskletObject *t = tasklet_at(slot);
    if (!t || t != B->ts->current || t == B->ts->main) {
        fprintf(stderr, "stackless: fatal: end() of a tasklet that is not the current JS tasklet\n");
        abort();
    }
    if (I[A1]) {
        GET_ARGS(2);
        set_js_error(env, argv[0], argv[1]);
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "tasklet ended with an error");
        slp_hosted_end(t, nullptr);
    } else {
        slp_hosted_end(t, Py_NewRef(Py_None));
    }
    drop_slot(slot);
    I[PART] = -1;
    return resume_next(env);
}

napi_value Runcount(napi_env env, napi_callback_info info)
{
    B->I[OUT] = B->ts->runcount;
    return nullptr;
}

napi_value ModuleInit(napi_env env, napi_value exports)
{
    struct { const char *name; napi_callback cb; } fns[] = {
        {"init", Init_}, {"tNew", TNew}, {"tFree", TFree}, {"tSetGen", TSetGen}, {"tBind", TBind},
        {"tSetup", TSetup}, {"tInsert", TInsert}, {"tRemove", TRemove}, {"tRun", TRun},
        {"tThrow", TThrow}, {"tInfo", TInfo}, {"tFlag", TFlag}, {"tTempval", TTempval},
        {"tSetTempval", TSetTempval}, {"tLinks", TLinks}, {"chNew", ChNew}, {"chFree", ChFree},
        {"send", Send}, {"recv", Recv}, {"sendExc", SendExc}, {"chInfo", ChInfo},
        {"chSet", ChSet}, {"schedule", Schedule}, {"run", Run}, {"hostStep", HostStep},
        {"end", End}, {"runcount", Runcount},
    };
    for (auto &f : fns) {
        napi_value fn;
        napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
        napi_set_named_property(env, exports, f.name, fn);
    }
    return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, ModuleInit)
