// binding.cc - the N-API addon: drives the native core for JS (NODE.md 2-3), for a thread that
// has left the JS engine (lib/engine.ts; the hand-over functions below rebuild its state here).
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
//   I[WD]   1 while a timed run() owns the watchdog (set by every call that can change it): the
//           trampoline then polls at each yield of a non-token value (poll())
//
// Callbacks (schedule, channel, error handler) are JsCallable objects: a hosted-call type whose
// tp_call converts the arguments and calls the JS function. When a native tasklet triggers one
// on its own stack, the hosted-call hook moves the call to the thread's stack first.
// Tasklets that are not JS tasklets (native ones) get a slot and a JS object on demand
// (js_tasklet); the trampoline still sees them as slot -1 in I[CUR].
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>
#include <string>
#include <unordered_map>
#include <mutex>

#include "slp_internal.h"
#include "hard_iface.h"

// Recycled tasklet memory is poisoned while it waits in the spare list, so that AddressSanitizer
// still reports a use of a tasklet after its end (as it would after free).
#ifdef SLP_ASAN
#define SPARE_POISON(p, n) __asan_poison_memory_region((p), (n))
#define SPARE_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define SPARE_POISON(p, n) ((void)(p), (void)(n))
#define SPARE_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace {

enum { ST = 0, CUR = 1, PART = 2, MODE = 3, A0 = 4, A1 = 5, A2 = 6, OUT = 7, QHEAD = 8, WD = 9, NSHARED = 16 };
enum { M_NONE = 0, M_JSV = 1, M_VAL = 2, M_THROW = 3, M_HARD = 4 };

// is_gen: how the JS function runs (lib/index.ts kindOf): a generator (soft tasklet), a plain
// function on the scheduler's stack (cannot block), or a plain function as a hard tasklet.
enum { JS_PLAIN = 0, JS_GEN = 1, JS_HARD = 2 };
struct JsTasklet {
    PyTaskletObject base;
    int32_t slot;
    int32_t is_gen;
};

struct JsValueObject {
    PyObject_HEAD
    napi_ref ref;
    int boxed;   // ref is {v: value}: a value no reference can be made to (a string, a number, ...)
};

// A channel made by JS: knows its JS object (weakly), for the channel callback.
struct JsChannel {
    PyChannelObject base;
    napi_ref ref;
};

// A JS function the core calls (schedule / channel callback, error handler).
enum { CB_SCHEDULE = 0, CB_CHANNEL = 1, CB_ERROR = 2 };
struct JsCallable {
    PyObject_HEAD
    napi_ref ref;
    int kind;
    int boxed;   // ref is {v: value} (a value that is not an object: no reference to it)
};

PyTypeObject JsTasklet_Type;
PyTypeObject JsFunc_Type;
PyTypeObject JsMarker_Type;
PyTypeObject JsValue_Type;
PyTypeObject JsChannel_Type;
PyTypeObject JsCallable_Type;

struct Binding {
    napi_env env = nullptr;
    slp_thread *ts = nullptr;
    int32_t *I = nullptr;
    napi_ref shared_ref = nullptr, records_ref = nullptr, make_error_ref = nullptr;
    napi_ref helpers_ref = nullptr;        // {pyname, mkNative, mkBomb, excType} (lib/index.ts)
    std::vector<PyTaskletObject *> tab;   // slot -> tasklet (a reference); [0] main
    std::vector<int32_t> free_tab;
    std::unordered_map<PyTaskletObject *, int32_t> foreign;   // non-JS tasklets with a slot
    size_t foreign_sweep_at = 16;
    const char *host_lo = nullptr;        // the thread's own stack
    size_t host_size = 0;
    std::vector<PyChannelObject *> chans;  // id -> channel (a reference)
    std::vector<int32_t> free_chans;
    const slp_hard_ops *hard = nullptr;   // the hard module's operations, once it is loaded
    PyObject *hard_err[3] = {nullptr, nullptr, nullptr};   // hard_poll: the exception to unwind with
    std::vector<JsTasklet *> spare;        // freed tasklet memory, reused by js_tasklet_alloc
    bool hard_available = false;           // the hard module is built for this Node (init's 5th argument)
};
enum { MAX_SPARE = 1024 };

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

// Is p on the thread's own stack (where JS may run), not on a native tasklet's stack?
inline bool on_host_stack(const void *p)
{
    return B && (const char *)p >= B->host_lo && (const char *)p < B->host_lo + B->host_size;
}

// May JS run here: on the thread's own stack, or on a hard tasklet's thread (no native tasklet's
// stack is in use then)? Never on a native tasklet's mapped stack.
inline bool js_allowed_here()
{
    char probe;
    return B && B->env && (on_host_stack(&probe) || !B->ts->running_native);
}

// helpers.<name>(args...) from lib/index.ts; undefined if it threw (the exception is cleared).
napi_value call_helper(napi_env env, const char *name, size_t argc, const napi_value *argv)
{
    napi_value H, fn, r, u = undef(env);
    napi_get_reference_value(env, B->helpers_ref, &H);
    napi_get_named_property(env, H, name, &fn);
    if (napi_call_function(env, u, fn, argc, argv, &r) != napi_ok) {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
        return u;
    }
    return r;
}

// Store p in a table of numbered entries, reusing a freed number first.
template <typename T>
int32_t alloc_id(std::vector<T *> &table, std::vector<int32_t> &freed, T *p)
{
    int32_t id;
    if (!freed.empty()) {
        id = freed.back();
        freed.pop_back();
        table[id] = p;
    } else {
        id = (int32_t)table.size();
        table.push_back(p);
    }
    return id;
}

int32_t alloc_slot(PyTaskletObject *t) { return alloc_id(B->tab, B->free_tab, t); }

// Forget non-JS tasklets that only their slot keeps alive and that are not alive: their JS
// objects become "dead" handles (_slot -1).
void sweep_foreign(napi_env env)
{
    napi_value R, u = undef(env), minus1;
    napi_get_reference_value(env, B->records_ref, &R);
    napi_create_int32(env, -1, &minus1);
    for (auto it = B->foreign.begin(); it != B->foreign.end();) {
        PyTaskletObject *t = it->first;
        int32_t s = it->second;
        if (Py_REFCNT(t) == 1 && !slp_tasklet_alive(t) && !t->in_runq && !t->blocked) {
            napi_value rec;
            napi_get_element(env, R, (uint32_t)s, &rec);
            napi_valuetype vt;
            napi_typeof(env, rec, &vt);
            if (vt == napi_object) napi_set_named_property(env, rec, "_slot", minus1);
            napi_set_element(env, R, (uint32_t)s, u);
            B->tab[s] = nullptr;
            B->free_tab.push_back(s);
            it = B->foreign.erase(it);
            Py_DECREF(t);
        } else {
            ++it;
        }
    }
    B->foreign_sweep_at = B->foreign.size() * 2 + 16;
}

// The JS object of any tasklet of this thread (created on demand for native tasklets).
napi_value js_tasklet(napi_env env, PyTaskletObject *t)
{
    if (Py_IS_TYPE((PyObject *)t, &JsTasklet_Type)) {
        int32_t s = ((JsTasklet *)t)->slot;
        return s >= 0 ? record_at(env, s) : undef(env);
    }
    if (t == B->ts->main) return record_at(env, 0);
    auto it = B->foreign.find(t);
    if (it != B->foreign.end()) return record_at(env, it->second);
    if (slp_owner(t) != B->ts) return undef(env);
    if (B->foreign.size() >= B->foreign_sweep_at) sweep_foreign(env);
    int32_t s = alloc_slot((PyTaskletObject *)Py_NewRef((PyObject *)t));
    B->foreign[t] = s;
    napi_value arg;
    napi_create_int32(env, s, &arg);
    return call_helper(env, "mkNative", 1, &arg);
}

// The JS slot number of any tasklet (-1: none), creating one for a native tasklet.
int32_t js_handle(napi_env env, PyTaskletObject *t)
{
    if (!t) return -1;
    int32_t s = slot_of(t);
    if (s >= 0 || Py_IS_TYPE((PyObject *)t, &JsTasklet_Type)) return s;
    auto it = B->foreign.find(t);
    if (it != B->foreign.end()) return it->second;
    js_tasklet(env, t);
    it = B->foreign.find(t);
    return it != B->foreign.end() ? it->second : -1;
}

// ---- conversions (NODE.md 5) -----------------------------------------------------------------

PyObject *js_wrap(napi_env env, napi_value v)
{
    JsValueObject *o = (JsValueObject *)PyType_GenericAlloc(&JsValue_Type, 0);
    if (!o) return nullptr;
    napi_value target = v;
    napi_valuetype vt;
    napi_typeof(env, v, &vt);
    if (vt != napi_object && vt != napi_function) {
        // (references to primitives need Node 22's napi_create_reference): a box keeps them
        napi_create_object(env, &target);
        napi_set_named_property(env, target, "v", v);
        o->boxed = 1;
    }
    if (napi_create_reference(env, target, 1, &o->ref) != napi_ok) {
        o->ref = nullptr;
        Py_DECREF((PyObject *)o);
        PyErr_SetString(PyExc_TypeError, "this JS value cannot be passed to native code");
        return nullptr;
    }
    return (PyObject *)o;
}

// The JS value a js_wrap() object holds.
napi_value jsvalue_get(napi_env env, PyObject *o)
{
    napi_value r = nullptr;
    napi_get_reference_value(env, ((JsValueObject *)o)->ref, &r);
    if (r && ((JsValueObject *)o)->boxed) napi_get_named_property(env, r, "v", &r);
    return r;
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

napi_value exc_value_to_js(napi_env env, PyObject *type, PyObject *value);
napi_value exc_type_to_js(napi_env env, PyObject *type, napi_value value);

napi_value to_js(napi_env env, PyObject *o)
{
    napi_value r;
    if (o == Py_None || o == JSVAL) return undef(env);
    if (o == Py_True || o == Py_False) {
        napi_get_boolean(env, o == Py_True, &r);
        return r;
    }
    if (Py_IS_TYPE(o, &JsValue_Type)) return jsvalue_get(env, o);
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
    if (PyTasklet_Check(o)) return js_tasklet(env, (PyTaskletObject *)o);
    if (Py_IS_TYPE(o, &JsChannel_Type)) {
        JsChannel *c = (JsChannel *)o;
        if (c->ref && napi_get_reference_value(env, c->ref, &r) == napi_ok && r) return r;
        return undef(env);
    }
    if (PyBomb_Check(o)) {
        PyBombObject *b = (PyBombObject *)o;
        napi_value args[3];
        args[1] = b->curexc_value ? exc_value_to_js(env, b->curexc_type, b->curexc_value) : undef(env);
        args[0] = exc_type_to_js(env, b->curexc_type, args[1]);
        args[2] = undef(env);
        return call_helper(env, "mkBomb", 3, args);
    }
    if (PyExceptionClass_Check(o)) return exc_type_to_js(env, o, undef(env));
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

const char *short_name(PyObject *type)
{
    const char *name = type && PyType_Check(type) ? ((PyTypeObject *)type)->tp_name : "Exception";
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

// A (normalized) core exception as the JS value it stands for: the JS value it carries, or a
// new JS error of the same class name and message.
napi_value exc_value_to_js(napi_env env, PyObject *type, PyObject *value)
{
    if (value && PyExceptionInstance_Check(value)) {
        PyObject *args = ((PyBaseExceptionObject *)value)->args;
        if (args && PyTuple_GET_SIZE(args) == 1 && Py_IS_TYPE(PyTuple_GET_ITEM(args, 0), &JsValue_Type))
            return to_js(env, PyTuple_GET_ITEM(args, 0));
    }
    if (!type && value) type = (PyObject *)Py_TYPE(value);
    PyObject *s = value ? PyObject_Str(value) : nullptr;
    const char *msg = s ? PyUnicode_AsUTF8(s) : "";
    PyErr_Clear();
    napi_value r = make_js_error(env, short_name(type), msg ? msg : "");
    Py_XDECREF(s);
    return r;
}

// The JS class for a core exception class (the JS value's own class when it has one).
napi_value exc_type_to_js(napi_env env, PyObject *type, napi_value value)
{
    napi_value args[2];
    args[0] = value;
    napi_create_string_utf8(env, short_name(type), NAPI_AUTO_LENGTH, &args[1]);
    return call_helper(env, "excType", 2, args);
}

// The pending core error as a JS value (clears it).
napi_value take_error(napi_env env)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (!type) return make_js_error(env, "SystemError", "error return without exception set");
    PyErr_NormalizeException(&type, &value, &tb);
    napi_value r = exc_value_to_js(env, type, value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return r;
}

// Set the core error from a thrown JS value (its Python class name from helpers.pyname).
void set_js_exception(napi_env env, napi_value e)
{
    napi_value name = call_helper(env, "pyname", 1, &e);
    set_js_error(env, name, e);
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "a JS exception could not be converted");
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
    I[WD] = ts->wd.owner != nullptr;
    if (slot < 0) {
        I[MODE] = M_NONE;
        return nullptr;
    }
    if (t->kind == SLP_KIND_HARD) {   // the trampoline calls hostStep(); its thread takes the value
        I[MODE] = M_HARD;
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
    return nr && Py_IS_TYPE((PyObject *)cur, &JsTasklet_Type) && ((JsTasklet *)cur)->is_gen == JS_GEN;
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

void hook_release(PyTaskletObject *t)
{
    if (t->kind == SLP_KIND_HARD && B && B->hard) B->hard->release(t);
}

int hook_kind_of(PyTaskletObject *t)
{
    return Py_IS_TYPE((PyObject *)t, &JsTasklet_Type) && ((JsTasklet *)t)->is_gen == JS_HARD
        ? SLP_KIND_HARD : SLP_KIND_HOSTED;
}

// A JS value handed over in the core (JSVAL) moves from one record to the other now, before
// either tasklet runs on (the core's pass_value hook says when that is needed).
void hook_pass_value(PyObject *v, PyTaskletObject *from, PyTaskletObject *to)
{
    if (v != JSVAL) return;
    napi_env env = B->env;
    napi_value src = record_at(env, slot_of(from)), dst = record_at(env, slot_of(to)), tv;
    napi_get_named_property(env, src, "tv", &tv);
    napi_set_named_property(env, dst, "tv", tv);
}

// A hard tasklet switches away, on its own thread. When it comes back, the value of its own
// blocking call (if any) is in its own record (pass_value, or the sender copied it there):
// last_partner says so to finish_obj().
void hook_park(PyTaskletObject *t)
{
    B->hard->park(t);
    B->ts->last_partner = t;
}

void hook_cannot_block(PyTaskletObject *t)
{
    if (Py_IS_TYPE((PyObject *)t, &JsTasklet_Type) && ((JsTasklet *)t)->is_gen == JS_GEN)
        PyErr_SetString(PyExc_RuntimeError,
                        "a generator tasklet cannot block in a call that is not _nr: write "
                        "`yield ch.receive_nr()` (also send_nr, schedule_nr, ...) instead");
    else if (B->hard || B->hard_available)
        PyErr_SetString(PyExc_RuntimeError,
                        "this tasklet runs a plain function on the scheduler's stack and cannot "
                        "block (it was created with { hard: false }): drop that option to make "
                        "it a hard tasklet, or make it a generator function (function*) and "
                        "block with `yield ch.receive_nr()`");
    else
        PyErr_SetString(PyExc_RuntimeError,
                        "this tasklet runs a plain function on the scheduler's stack and cannot "
                        "block (hard tasklets are not available: stackless.hard_available is "
                        "false, see `npm run build:hard`): make it a generator function "
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

// The core's host loop found a JS tasklet current: the main tasklet is inside a core call that
// cannot unwind to the JS trampoline. That happens when the watchdog hard-interrupts main in the
// middle of a C-API call (a generator tasklet's run_nr() owns the timeout and main was runnable).
// Run the trampoline here, nested, until main is current again, then give main's resume value
// back to the core (the trampoline already took it), which returns it from the interrupted call.
void hook_step(PyTaskletObject *t)
{
    napi_env env = B->env;
    slp_thread *ts = B->ts;
    if (!env) {
        fprintf(stderr, "stackless: fatal: a JS tasklet must run after the environment ended\n");
        abort();
    }
    // (no napi_open_handle_scope here: a hard tasklet may park inside an N-API call while this
    // runs, and N-API checks that the scope count is unchanged when that call returns)
    napi_value v = resume_next(env);
    if (!v) v = undef(env);
    napi_value r = call_helper(env, "nested", 1, &v);
    if (ts->current != ts->main) {
        fprintf(stderr, "stackless: fatal: the nested trampoline returned before main was current\n");
        abort();
    }
    PyObject *back;
    switch (B->I[MODE]) {
    case M_JSV: back = Py_NewRef(JSVAL); break;
    case M_VAL: back = to_py(env, r); break;
    case M_THROW: set_js_exception(env, r); back = slp_bomb_from_error(); break;
    default: back = Py_NewRef(Py_None); break;
    }
    if (!back) back = slp_bomb_from_error();
    Py_SETREF(ts->main->tempval, back);
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

// str() of a JS value: String(v) (only on the thread's stack; a placeholder elsewhere).
PyObject *jsvalue_str(PyObject *o)
{
    napi_env env = B ? B->env : nullptr;
    if (!js_allowed_here()) return PyUnicode_FromString("<JS value>");
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value v, str;
    PyObject *r = nullptr;
    v = jsvalue_get(env, o);
    if (v && napi_coerce_to_string(env, v, &str) == napi_ok) {
        r = to_py(env, str);
    } else {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
    }
    napi_close_handle_scope(env, scope);
    return r ? r : PyUnicode_FromString("<JS value>");
}

void jscallable_dealloc(PyObject *o)
{
    JsCallable *c = (JsCallable *)o;
    if (c->ref && B && B->env) napi_delete_reference(B->env, c->ref);
    PyObject_Free(o);
}

// A schedule callback (prev, next), channel callback (channel, tasklet, sending, willblock) or
// error handler (type, value, traceback) called by the core. Runs on the thread's stack (the
// hosted-call hook brings calls from native tasklets there). The JS result is ignored.
PyObject *jscallable_call(PyObject *self, PyObject *args, PyObject *kw)
{
    JsCallable *c = (JsCallable *)self;
    napi_env env = B ? B->env : nullptr;
    if (!js_allowed_here()) {
        PyErr_SetString(PyExc_RuntimeError, "a JS function cannot be called from here");
        return nullptr;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (n > 8) n = 8;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value fn, argv[8], r, u = undef(env);
    napi_get_reference_value(env, c->ref, &fn);
    if (c->boxed) napi_get_named_property(env, fn, "v", &fn);
    if (c->kind == CB_ERROR && n == 3) {
        PyObject *type = PyTuple_GET_ITEM(args, 0), *value = PyTuple_GET_ITEM(args, 1);
        argv[1] = value == Py_None ? u : exc_value_to_js(env, type == Py_None ? nullptr : type, value);
        argv[0] = type == Py_None ? u : exc_type_to_js(env, type, argv[1]);
        argv[2] = u;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) argv[i] = to_js(env, PyTuple_GET_ITEM(args, i));
    }
    PyObject *res = nullptr;
    napi_valuetype vt;
    napi_typeof(env, fn, &vt);
    if (vt != napi_function) {
        napi_value t = call_helper(env, "typeName", 1, &fn);
        std::string msg = "'";
        size_t len = 0;
        char buf[128];
        if (napi_get_value_string_utf8(env, t, buf, sizeof buf, &len) == napi_ok) msg += buf;
        msg += "' object is not callable";
        PyErr_SetString(PyExc_TypeError, msg.c_str());
    } else {
        napi_status st = napi_call_function(env, u, fn, (size_t)n, argv, &r);
        if (st == napi_ok) {
            res = Py_NewRef(Py_None);
        } else {
            napi_value e;
            if (napi_get_and_clear_last_exception(env, &e) == napi_ok) set_js_exception(env, e);
            else PyErr_SetString(PyExc_RuntimeError, "the JS call failed");
        }
    }
    napi_close_handle_scope(env, scope);
    return res;
}

// ---- the hosted-call hook: a JS call requested on a native tasklet's stack ---------------------

inline bool stack_has(PyTaskletObject *t, const void *p)
{
    return t && t->kind == SLP_KIND_NATIVE && t->stack && (const char *)p >= t->stack->lo &&
           (const char *)p < t->stack->lo + t->stack->size;
}

// The native tasklet whose stack p is on. ts->current is not always it: the core calls the
// schedule callback after unlinking a tasklet that blocks or ends.
PyTaskletObject *native_self(slp_thread *ts, const void *p, PyObject *args)
{
    if (stack_has(ts->current, p)) return ts->current;
    for (PyTaskletObject *t = ts->cstate; t; t = t->cs_next)
        if (stack_has(t, p)) return t;
    if (args && PyTuple_Check(args))
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); i++) {
            PyObject *a = PyTuple_GET_ITEM(args, i);
            if (PyTasklet_Check(a) && stack_has((PyTaskletObject *)a, p)) return (PyTaskletObject *)a;
        }
    return nullptr;
}

struct HostedCall {
    PyObject *callable, *args, *kwargs, *result;
    PyTaskletObject *real_current, *self;
};

void hosted_call_on_host(void *p)
{
    HostedCall *hc = (HostedCall *)p;
    slp_thread *ts = B->ts;
    ts->current = hc->real_current;   // the scheduler as it really is, while JS runs
    hc->result = _PySlp_CallDirect(hc->callable, hc->args, hc->kwargs);
    hc->real_current = ts->current;
    ts->current = hc->self;
}

PyObject *hosted_call_hook(PyObject *callable, PyObject *args, PyObject *kwargs)
{
    char probe;
    slp_thread *ts = slp_thread_peek();
    if (!ts || !B || B->ts != ts || !ts->running_native || on_host_stack(&probe))
        return _PySlp_CallDirect(callable, args, kwargs);   // (hard threads run no native stack)
    PyTaskletObject *self = native_self(ts, &probe, args);
    if (!self) {
        PyErr_SetString(PyExc_RuntimeError, "stackless: a JS function was called on a stack the scheduler does not know");
        return nullptr;
    }
    HostedCall hc = {callable, args, kwargs, nullptr, ts->current, self};
    // slp_run_on_host switches from the current tasklet's stack to the host and back
    ts->current = self;
    slp_run_on_host(ts, hosted_call_on_host, &hc);
    ts->current = hc.real_current;
    return hc.result;
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
void js_tasklet_free(void *p);
std::mutex types_mutex;   // worker threads may load the addon at the same time

// The types and marker objects are shared by every thread's scheduler (NODE.md 6).
int init_types()
{
    std::lock_guard<std::mutex> lock(types_mutex);
    if (types_ready) return 0;
    init_type(&JsTasklet_Type, "stackless.tasklet", sizeof(JsTasklet), &PyTasklet_Type, Py_TPFLAGS_BASETYPE);
    JsTasklet_Type.tp_free = js_tasklet_free;
    init_type(&JsFunc_Type, "stackless.jsfunction", sizeof(PyObject), &PyBaseObject_Type,
              Py_TPFLAGS_SLP_HOSTED_CALL);
    JsFunc_Type.tp_call = jsfunc_call;
    init_type(&JsMarker_Type, "stackless.jsvalue_marker", sizeof(PyObject), &PyBaseObject_Type, 0);
    init_type(&JsValue_Type, "stackless.jsvalue", sizeof(JsValueObject), &PyBaseObject_Type, 0);
    JsValue_Type.tp_dealloc = jsvalue_dealloc;
    JsValue_Type.tp_str = jsvalue_str;
    init_type(&JsChannel_Type, "stackless.channel", sizeof(JsChannel), &PyChannel_Type, Py_TPFLAGS_BASETYPE);
    init_type(&JsCallable_Type, "stackless.jscallback", sizeof(JsCallable), &PyBaseObject_Type,
              Py_TPFLAGS_SLP_HOSTED_CALL);
    JsCallable_Type.tp_call = jscallable_call;
    JsCallable_Type.tp_dealloc = jscallable_dealloc;
    if (PyType_Ready(&JsTasklet_Type) || PyType_Ready(&JsFunc_Type) || PyType_Ready(&JsMarker_Type) ||
        PyType_Ready(&JsValue_Type) || PyType_Ready(&JsChannel_Type) || PyType_Ready(&JsCallable_Type))
        return -1;
    _PySlp_SetHostedCallHook(hosted_call_hook);
    JSVAL = PyType_GenericAlloc(&JsMarker_Type, 0);
    JSFUNC = PyType_GenericAlloc(&JsFunc_Type, 0);
    EMPTY = PyTuple_New(0);
    if (!JSVAL || !JSFUNC || !EMPTY) return -1;
    // reference counts are not atomic: threads may count the shared markers wrong, never to 0
    Py_SET_REFCNT(JSVAL, _Py_IMMORTAL_REFCNT);
    Py_SET_REFCNT(JSFUNC, _Py_IMMORTAL_REFCNT);
    types_ready = true;
    return 0;
}

// ---- module functions ------------------------------------------------------------------------------

void clear_js_callbacks()
{
    slp_thread *ts = slp_thread_peek();
    if (!ts || ts != B->ts) return;
    PyStackless_SetScheduleCallback(nullptr);
    PyStackless_SetChannelCallback(nullptr);
    Py_CLEAR(ts->error_handler);
    PyErr_Clear();
}

// The environment goes away (thread or process end): drop the JS functions the core holds,
// and make later releases of JS references no-ops.
void env_cleanup(void *arg)
{
    if (!B) return;
    clear_js_callbacks();
    B->env = nullptr;
}

// init(sharedInt32Array, records, makeError, helpers)
napi_value Init_(napi_env env, napi_callback_info info)
{
    GET_ARGS(5);
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
    napi_create_reference(env, argv[3], 1, &B->helpers_ref);
    napi_get_value_bool(env, argv[4], &B->hard_available);
    {
        const void *lo;
        size_t size;
        slp_stack_thread_bounds(&lo, &size);
        B->host_lo = (const char *)lo;
        B->host_size = size;
    }
    napi_add_env_cleanup_hook(env, env_cleanup, nullptr);
    slp_thread *ts = slp_thread_get();
    B->ts = ts;
    if (!ts->main && !slp_create_main(ts)) fatal_napi("init: main tasklet");
    ts->main_hosted = 1;
    ts->hooks.step = hook_step;
    ts->hooks.release = hook_release;
    ts->hooks.cannot_block = hook_cannot_block;
    ts->hooks.materialize = hook_materialize;
    ts->hooks.kind_of = hook_kind_of;
    ts->hooks.pass_value = hook_pass_value;
    ts->hooks.system_exit = nullptr;
    B->tab.push_back(ts->main);
    Py_INCREF(ts->main);
    B->I[CUR] = 0;
    return undef(env);
}

int32_t new_slot(PyTaskletObject *t)
{
    int32_t s = alloc_slot(t);
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

// Tasklet memory is recycled: spawning and ending many short tasklets is common, and malloc
// plus free cost more than the rest of a spawn in the core.
void js_tasklet_free(void *p)
{
    if (B && B->spare.size() < MAX_SPARE) {
        SPARE_POISON(p, sizeof(JsTasklet));
        B->spare.push_back((JsTasklet *)p);
    } else {
        PyObject_Free(p);
    }
}

PyTaskletObject *js_tasklet_alloc()
{
    if (B->spare.empty()) return slp_tasklet_alloc(&JsTasklet_Type, B->ts);
    JsTasklet *j = B->spare.back();
    B->spare.pop_back();
    SPARE_UNPOISON(j, sizeof *j);
    memset((void *)j, 0, sizeof *j);
    PyObject_Init((PyObject *)j, &JsTasklet_Type);
    return slp_tasklet_init(&j->base, B->ts);
}

// tNew(): A0 = is_gen, A1 = setup now (1) or only bound (0). I[OUT] = slot. I[ST] as usual.
// What PyTasklet_New(JsTasklet_Type, JSFUNC) and PyTasklet_Setup(t, ()) do, without the
// checks that cannot fail for a new tasklet of this thread.
napi_value TNew(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyTaskletObject *t = js_tasklet_alloc();
    if (!t) {
        I[ST] = 2;
        return take_error(env);
    }
    ((JsTasklet *)t)->is_gen = I[A0];
    I[OUT] = new_slot(t);
    if (I[A1]) {
        slp_tasklet_prepare(t, JSFUNC, EMPTY, nullptr);   // hosted: cannot fail
        slp_runq_append(B->ts, t);
    } else {
        Py_SETREF(t->tempval, Py_NewRef(JSFUNC));   // bound, as by PyTasklet_BindEx
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
    if (t && Py_IS_TYPE((PyObject *)t, &JsTasklet_Type)) {
        ((JsTasklet *)t)->is_gen = B->I[A1];
        if (t->exec == SLP_EXEC_INIT && (t->kind == SLP_KIND_HOSTED || t->kind == SLP_KIND_HARD))
            t->kind = (unsigned char)hook_kind_of(t);
    }
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
    // the throw is made pending, then the target run: check the switch first, so that a
    // trapped one changes nothing (STATES.md 2.2)
    if (!pending && t != B->ts->current && slp_tasklet_alive(t) &&
        (slp_check_can_switch(B->ts, may_unwind(nr)) ||
         (B->ts->switch_trap && (PyErr_SetString(PyExc_RuntimeError, "switch_trap"), 1))))
        return finish_int(env, -1);
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
    bits |= o && slp_irq_pending(o, t) ? 32768 : 0;   // pending_irq
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

// tBindThread(threadId): A0 slot; threadId a number, -1 for the calling thread. I[ST] as usual.
napi_value TBindThread(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    int32_t *I = B->I;
    TASKLET_ARG(t, I[A0]);
    double id = -1;
    napi_get_value_double(env, argv[0], &id);
    unsigned long tid = id < 0 ? (unsigned long)-1 : (unsigned long)id;
    if (PyTasklet_BindThread(t, tid) < 0) {
        I[ST] = 2;
        return take_error(env);
    }
    I[ST] = 0;
    return nullptr;
}

// tChannel(): A0 slot -> the channel the tasklet is blocked on, or undefined
napi_value TChannel(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = tasklet_at(B->I[A0]);
    if (!t || !t->blocked || !t->chan) return undef(env);
    return to_js(env, (PyObject *)t->chan);
}

// tTempval(): A0 slot -> the tempval as JS (only meaningful for real objects)
napi_value TTempval(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = tasklet_at(B->I[A0]);
    if (!t) return undef(env);
    return to_js(env, t->tempval);
}

// A bomb (API.md 9.2) for the JS exception value exc of Python class name `name`.
PyObject *js_bomb(napi_env env, napi_value name, napi_value exc)
{
    PyObject *inst = js_exception(env, name, exc);
    if (!inst) return nullptr;
    PyObject *bomb = slp_make_bomb((PyObject *)Py_TYPE(inst), inst, nullptr);
    Py_DECREF(inst);
    return bomb;
}

// tSetTempval(v?, exc?): A0 slot, A1 = 1: the marker (value in JS), 0: None, 2: v converted,
// 3: a bomb that explodes into exc (v is its Python class name)
napi_value TSetTempval(napi_env env, napi_callback_info info)
{
    GET_ARGS(2);
    int32_t *I = B->I;
    TASKLET_ARG(t, I[A0]);
    PyObject *v = I[A1] == 1 ? Py_NewRef(JSVAL) : I[A1] == 0 ? Py_NewRef(Py_None)
                : I[A1] == 3 ? js_bomb(env, argv[0], argv[1]) : to_py(env, argv[0]);
    if (!v) return finish_int(env, -1);
    Py_SETREF(t->tempval, v);
    return finish_int(env, 0);
}

// tLinks(): A0 slot -> I[OUT] next slot, I[A1] prev slot (-1: none or not a JS tasklet)
napi_value TLinks(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyTaskletObject *t = tasklet_at(I[A0]);
    int32_t n = t && t->next ? js_handle(env, t->next) : -1;
    int32_t p = t && t->prev ? js_handle(env, t->prev) : -1;
    I[OUT] = n;
    I[A1] = p;
    return nullptr;
}

// ---- channels ----

// chNew(jsChannel) -> I[OUT] = id
napi_value ChNew(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    PyChannelObject *ch = PyChannel_New(&JsChannel_Type);
    int32_t id;
    if (!ch) fatal_napi("channel allocation");
    if (napi_create_reference(env, argv[0], 0, &((JsChannel *)ch)->ref) != napi_ok)
        ((JsChannel *)ch)->ref = nullptr;
    id = alloc_id(B->chans, B->free_chans, ch);
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
    JsChannel *jc = (JsChannel *)ch;
    if (jc->ref) {
        napi_delete_reference(env, jc->ref);
        jc->ref = nullptr;
    }
    Py_DECREF((PyObject *)ch);
    return nullptr;
}

// send(): A0 channel, A1 nr. The value is in the current tasklet's JS slot.
napi_value Send(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    CHANNEL_ARG(ch, I[A0]);
    slp_thread *ts = B->ts;
    PyTaskletObject *me = ts->current;
    ts->last_partner = nullptr;
    PyObject *r = slp_channel_op(ts, ch, 1, JSVAL, may_unwind(I[A1]));   // PyChannel_Send(_nr)
    PyTaskletObject *p = ts->last_partner;
    I[PART] = p && p != me && slp_on_host(ts, p) ? slot_of(p) : -1;
    if (!r || STACKLESS_UNWINDING(r)) return finish_int(env, r ? 1 : -1);
    Py_DECREF(r);
    return finish_int(env, 0);
}

// recv(): A0 channel, A1 nr
napi_value Recv(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    CHANNEL_ARG(ch, I[A0]);
    B->ts->last_partner = nullptr;
    PyObject *r = slp_channel_op(B->ts, ch, -1, nullptr, may_unwind(I[A1]));   // PyChannel_Receive(_nr)
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
// I[A2] preference, I[QHEAD] slot of the first waiting tasklet (-1: none)
napi_value ChInfo(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    PyChannelObject *ch = chan_at(I[A0]);
    if (!ch) return nullptr;
    I[OUT] = ch->balance;
    I[A1] = (ch->closing ? 1 : 0) | (ch->closing && ch->balance == 0 ? 2 : 0) | (ch->schedule_all ? 4 : 0);
    I[A2] = ch->preference;
    I[QHEAD] = ch->head ? js_handle(env, ch->head) : -1;
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
    napi_value v = finish_obj(env, r, -1);
    I[WD] = B->ts->wd.owner != nullptr;
    return v;
}

// poll(): the current generator tasklet yielded a value that is not the token while a timed
// run() owns the watchdog (NODE.md 4). The core marks a due interrupt as pending; in hard mode
// the binding then does for this tasklet what the core does for a native one at a C-API call
// (slp_watchdog_poll_slow): the victim is paused and the watchdog resumes with it as run()'s
// result. The victim's resume value is the value it yielded (kept by JS in its record's tv):
// resumed by insert()/run(), the generator continues as if nothing happened.
// I[ST] 0: go on; 1: switched (return value and I[] as for any switch).
napi_value Poll(napi_env env, napi_callback_info info)
{
    int32_t *I = B->I;
    slp_thread *ts = B->ts;
    PyTaskletObject *cur = ts->current, *w = ts->wd.owner;
    I[ST] = 0;
    I[WD] = w != nullptr;
    if (!w || !cur || cur == w || cur->kind != SLP_KIND_HOSTED) return nullptr;
    slp_watchdog_poll(ts);   // hosted: never switches, marks pending_irq when due
    if (!slp_irq_pending(ts, cur) || (ts->wd.flags & PY_WATCHDOG_SOFT) || cur->atomic || ts->switch_trap ||
        ts->in_callback || ts->host_nested || w->blocked)
        return nullptr;
    cur->pending_irq = 0;
    Py_SETREF(cur->tempval, Py_NewRef(JSVAL));
    Py_SETREF(w->tempval, Py_NewRef((PyObject *)cur));
    slp_runq_unlink(ts, cur);
    if (!w->in_runq) slp_runq_append(ts, w);
    ts->may_unwind = 1;
    PyObject *r = slp_transfer(ts, cur, w);   // Py_UnwindToken: cur is hosted
    Py_DECREF(cur);   // the run queue's reference (the slot holds the tasklet)
    if (r && !STACKLESS_UNWINDING(r)) Py_DECREF(r);
    return resume_next(env);
}

// hostStep(): a native or hard tasklet is current: run it until control is back on the host
// stack (for a hard tasklet: until its thread hands control back).
napi_value HostStep(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = B->ts->current;
    if (t->kind == SLP_KIND_HARD) {
        if (!B->hard) fatal_napi("a hard tasklet is current but the hard module is not loaded");
        B->hard->step(t);
    } else {
        slp_host_step(B->ts);
    }
    B->I[PART] = -1;
    return resume_next(env);
}

// ---- the hard module's link (hard_iface.h) --------------------------------------------------------

void *hard_context() { return B; }

void hard_enter(void *ctx)
{
    B = (Binding *)ctx;
    slp_tls_thread = B ? B->ts : nullptr;
}

int hard_install(void *ctx, const slp_hard_ops *ops)
{
    Binding *b = (Binding *)ctx;
    if (b->hard && b->hard != ops) return -1;
    b->hard = ops;
    b->ts->hooks.park = hook_park;
    return 0;
}

void **hard_host_data(void *t) { return &((PyTaskletObject *)t)->host_data; }

int64_t hard_deadline(void *ctx) { return slp_watchdog_deadline(((Binding *)ctx)->ts); }

// An interrupt pauses a hard tasklet between any two JS function entries, which can fall between
// a call of this binding and lib's reading of its results in I (fin, check): others use I while
// it is paused, so it gets back the I it had. I[WD] stays: it says who owns the watchdog now.
int hard_poll(void *ctx)
{
    Binding *b = (Binding *)ctx;
    int32_t saved[NSHARED];
    memcpy(saved, b->I, sizeof saved);
    int r = slp_watchdog_poll(b->ts);
    int32_t wd = b->I[WD];
    memcpy(b->I, saved, sizeof saved);
    b->I[WD] = wd;
    if (r == 0) return 0;
    for (PyObject *&o : b->hard_err) Py_CLEAR(o);
    PyErr_Fetch(&b->hard_err[0], &b->hard_err[1], &b->hard_err[2]);
    return -1;
}

const slp_hard_iface hard_iface = {
    SLP_HARD_IFACE_MAGIC, SLP_HARD_IFACE_VERSION, (uint32_t)sizeof(slp_hard_iface),
    hard_context, hard_enter, hard_install, hard_host_data, hard_deadline, hard_poll,
};

// hardIface() -> the address of hard_iface, as a BigInt, for the hard module's init().
napi_value HardIface(napi_env env, napi_callback_info info)
{
    napi_value r;
    napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)&hard_iface, &r);
    return r;
}

// hardBegin(): first call of a hard tasklet, on its own thread: marks it started and takes its
// resume value (a kill or throw before the start raises here). I[ST] 0 or 2.
napi_value HardBegin(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = B->ts->current;
    PyObject *f, *a, *k;
    if (t->kind != SLP_KIND_HARD) return error_str(env, PyExc_SystemError, "hardBegin() outside a hard tasklet");
    if (slp_hosted_begin(t, &f, &a, &k)) {
        Py_XDECREF(f);
        Py_XDECREF(a);
        Py_XDECREF(k);
    }
    PyObject *v = slp_resume_value(t);
    if (!v) {
        B->I[ST] = 2;
        return take_error(env);
    }
    Py_DECREF(v);
    B->I[ST] = 0;
    return nullptr;
}

// hardError(): the exception a preempted hard tasklet was resumed with (hard_poll), as JS.
napi_value HardError(napi_env env, napi_callback_info info)
{
    PyErr_Restore(B->hard_err[0], B->hard_err[1], B->hard_err[2]);
    B->hard_err[0] = B->hard_err[1] = B->hard_err[2] = nullptr;
    return take_error(env);
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
    int hard = t->kind == SLP_KIND_HARD;
    if (hard) t->host_data = nullptr;   // the hard module's word: its thread is done with t
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
    return hard ? nullptr : resume_next(env);   // hard: the host thread does it after step()
}

napi_value Runcount(napi_env env, napi_callback_info info)
{
    B->I[OUT] = B->ts->runcount;
    return nullptr;
}

// ---- callbacks, switching controls, introspection (API.md 1.3) ---------------------------------

PyObject **callback_slot(slp_thread *ts, int kind)
{
    return kind == CB_SCHEDULE ? &ts->schedule_cb : kind == CB_CHANNEL ? &ts->channel_cb : &ts->error_handler;
}

napi_value callback_value(napi_env env, PyObject *cb)
{
    napi_value r;
    if (!cb) return undef(env);
    if (Py_IS_TYPE(cb, &JsCallable_Type)) {
        if (napi_get_reference_value(env, ((JsCallable *)cb)->ref, &r) != napi_ok || !r) return undef(env);
        if (((JsCallable *)cb)->boxed) napi_get_named_property(env, r, "v", &r);
        return r;
    }
    return to_js(env, cb);
}

// getCallback(kind) -> the JS function or undefined
napi_value GetCallback(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    int32_t kind = 0;
    napi_get_value_int32(env, argv[0], &kind);
    return callback_value(env, *callback_slot(B->ts, kind));
}

// setCallback(kind, fn?) -> the previous one (JS checked fn: a function, or undefined to remove)
napi_value SetCallback(napi_env env, napi_callback_info info)
{
    GET_ARGS(2);
    slp_thread *ts = B->ts;
    int32_t kind = 0;
    napi_get_value_int32(env, argv[0], &kind);
    napi_value prev = callback_value(env, *callback_slot(ts, kind));
    napi_valuetype vt;
    napi_typeof(env, argv[1], &vt);
    PyObject *cb = nullptr;
    if (vt != napi_undefined && vt != napi_null) {
        JsCallable *c = (JsCallable *)PyType_GenericAlloc(&JsCallable_Type, 0);
        if (!c) fatal_napi("callback allocation");
        c->kind = kind;
        napi_value target = argv[1];
        if (vt != napi_object && vt != napi_function) {
            napi_create_object(env, &target);
            napi_set_named_property(env, target, "v", argv[1]);
            c->boxed = 1;
        }
        if (napi_create_reference(env, target, 1, &c->ref) != napi_ok) fatal_napi("callback reference");
        cb = (PyObject *)c;
    }
    int r = 0;
    if (kind == CB_SCHEDULE) r = PyStackless_SetScheduleCallback(cb);
    else if (kind == CB_CHANNEL) r = PyStackless_SetChannelCallback(cb);
    else Py_XSETREF(ts->error_handler, Py_XNewRef(cb));
    Py_XDECREF(cb);
    if (r < 0) {
        B->I[ST] = 2;
        return take_error(env);
    }
    B->I[ST] = 0;
    return prev;
}

// switchTrap(): A0 change -> I[OUT] previous level
napi_value SwitchTrap(napi_env env, napi_callback_info info)
{
    B->I[OUT] = PyStackless_AdjustSwitchTrap(B->I[A0]);
    return nullptr;
}

// current() -> the JS object of the current tasklet (any kind)
napi_value Current(napi_env env, napi_callback_info info)
{
    PyTaskletObject *t = B->ts->current;
    return t ? js_tasklet(env, t) : undef(env);
}

napi_value CurrentId(napi_env env, napi_callback_info info)
{
    napi_value r;
    napi_create_double(env, (double)PyStackless_GetCurrentId(), &r);
    return r;
}

napi_value ThreadId(napi_env env, napi_callback_info info)
{
    napi_value r;
    napi_create_double(env, (double)B->ts->thread_id, &r);
    return r;
}

// threadInfo() -> [main, current, runcount] of this thread
napi_value ThreadInfo(napi_env env, napi_callback_info info)
{
    slp_thread *ts = B->ts;
    napi_value r, n;
    napi_create_array_with_length(env, 3, &r);
    napi_set_element(env, r, 0, ts->main ? js_tasklet(env, ts->main) : undef(env));
    napi_set_element(env, r, 1, ts->current && ts->runcount ? js_tasklet(env, ts->current) : undef(env));
    napi_create_int32(env, ts->runcount, &n);
    napi_set_element(env, r, 2, n);
    return r;
}

// uncollectables() -> the tasklets of this thread that own a C stack (API.md 1.3.2)
napi_value Uncollectables(napi_env env, napi_callback_info info)
{
    slp_thread *ts = B->ts;
    std::vector<PyTaskletObject *> all;
    for (PyTaskletObject *t = ts->cstate; t; t = t->cs_next)
        if (slp_tasklet_nesting(t)) all.push_back((PyTaskletObject *)Py_NewRef((PyObject *)t));
    for (PyTaskletObject *t : B->tab)   // started hard tasklets own an OS thread
        if (t && t->kind == SLP_KIND_HARD && slp_tasklet_nesting(t))
            all.push_back((PyTaskletObject *)Py_NewRef((PyObject *)t));
    napi_value r;
    napi_create_array_with_length(env, all.size(), &r);
    for (size_t i = 0; i < all.size(); i++) {
        napi_set_element(env, r, (uint32_t)i, js_tasklet(env, all[i]));
        Py_DECREF(all[i]);
    }
    return r;
}

// scheduleBomb(name, exc): A0 remove, A1 nr. schedule(bomb): the caller resumes with exc thrown.
napi_value ScheduleBomb(napi_env env, napi_callback_info info)
{
    GET_ARGS(2);
    int32_t *I = B->I;
    int remove = I[A0], nr = I[A1];
    PyObject *bomb = js_bomb(env, argv[0], argv[1]);
    if (!bomb) return finish_obj(env, nullptr, -1);
    PyObject *r = may_unwind(nr) ? PyStackless_Schedule_nr(bomb, remove) : PyStackless_Schedule(bomb, remove);
    Py_DECREF(bomb);
    return finish_obj(env, r, -1);
}

// ---- the JS engine's hand-over (lib/index.ts toCore) -----------------------------------------------
// A thread's tasklets run on the JS engine (lib/engine.ts) until the thread needs the core; then
// the engine's state moves in, once: adoptBegin(), tAdopt() for the tasklets of the run queue in
// the engine's order (the others as JS reaches them), adoptEnd().

// adoptBegin(): take main out of the run queue (tAdopt puts it back where the engine had it)
napi_value AdoptBegin(napi_env env, napi_callback_info info)
{
    slp_thread *ts = B->ts;
    PyTaskletObject *m = ts->main;
    if (m->in_runq) {
        slp_runq_unlink(ts, m);
        Py_DECREF(m);   // the run queue's reference (ts->main keeps its own)
    }
    return nullptr;
}

// tAdopt(slot, bits, place, chId, dir, tvMode, id, irq, name?, exc?): the JS tasklet in slot (new
// from tNew(kind, 0), or main) takes the engine's state. bits: 1 started, 2 atomic,
// 4 ignore_nesting, 8 block_trap, 16 alive. place: 0 none (paused, or not alive), 1 the run
// queue's tail, 2 channel chId's queue in direction dir. tvMode: -1 keep, 0 None, 1 the value in
// the record's tv, 3 a bomb that explodes into exc (name: its Python class name). id: the
// engine's id (0: keep the core's). irq: a deferred interrupt's epoch.
napi_value TAdopt(napi_env env, napi_callback_info info)
{
    GET_ARGS(10);
    double a[8] = {0};
    for (int i = 0; i < 8; i++) napi_get_value_double(env, argv[i], &a[i]);
    int bits = (int)a[1], place = (int)a[2], dir = (int)a[4], mode = (int)a[5];
    TASKLET_ARG(t, (int32_t)a[0]);
    slp_thread *ts = B->ts;
    if (t != ts->main && (bits & 16)) {
        slp_tasklet_prepare(t, JSFUNC, EMPTY, nullptr);   // hosted: cannot fail; exec INIT
        if (bits & 1) {
            Py_CLEAR(t->func);
            Py_CLEAR(t->args);
            Py_CLEAR(t->kwargs);
            t->exec = SLP_EXEC_STARTED;
        }
    }
    t->atomic = (bits & 2) != 0;
    t->ignore_nesting = (bits & 4) != 0;
    t->block_trap = (bits & 8) != 0;
    if (a[6] > 0) t->id = (unsigned long)a[6];
    t->pending_irq = (unsigned)a[7];
    PyObject *v = mode == 0 ? Py_NewRef(Py_None) : mode == 1 ? Py_NewRef(JSVAL)
                : mode == 3 ? js_bomb(env, argv[8], argv[9]) : nullptr;
    if (mode == 3 && !v) return finish_int(env, -1);
    if (v) Py_SETREF(t->tempval, v);
    if (place == 1) {
        slp_runq_append(ts, t);
    } else if (place == 2) {
        CHANNEL_ARG(ch, (int32_t)a[3]);
        slp_channel_adopt(ch, t, dir);
    }
    return finish_int(env, 0);
}

// threadKnown(id) -> whether a thread of that id uses stackless (for bind_thread's errors on the
// JS engine, which knows only its own thread)
napi_value ThreadKnown(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    double id = -1;
    napi_get_value_double(env, argv[0], &id);
    napi_value r;
    napi_get_boolean(env, id >= 0 && slp_thread_find((unsigned long)id) != nullptr, &r);
    return r;
}

// idBlock(n) -> the first of n tasklet ids reserved for the JS engine (unique in the process, as
// the core's own)
napi_value IdBlock(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    int32_t n = 0;
    napi_get_value_int32(env, argv[0], &n);
    napi_value r;
    napi_create_double(env, (double)slp_reserve_ids(n > 0 ? (unsigned long)n : 1), &r);
    return r;
}

// adoptEnd(cur, frames, wd): cur the slot of the current tasklet (it is in the run queue); frames
// the active run() calls, outermost first, each [callerSlot, owns, savedOwnerSlot, savedTimeout,
// savedElapsed, savedFlags]; wd [ownerSlot, timeout, flags, elapsed, epoch]. Slots -1: none;
// elapsed: microseconds since that slice started.
napi_value AdoptEnd(napi_env env, napi_callback_info info)
{
    GET_ARGS(3);
    slp_thread *ts = B->ts;
    int32_t cur = 0;
    napi_get_value_int32(env, argv[0], &cur);
    TASKLET_ARG(c, cur);
    ts->current = c;
    int64_t now = slp_now_us();
    auto nums = [env](napi_value arr, double *out, uint32_t n) {
        for (uint32_t i = 0; i < n; i++) {
            napi_value e;
            out[i] = 0;
            if (napi_get_element(env, arr, i, &e) == napi_ok) napi_get_value_double(env, e, &out[i]);
        }
    };
    uint32_t n = 0;
    napi_get_array_length(env, argv[1], &n);
    for (uint32_t i = 0; i < n; i++) {
        napi_value fa;
        double f[6];
        napi_get_element(env, argv[1], i, &fa);
        nums(fa, f, 6);
        if (ts->wd.depth == ts->wd.cap) {
            int cap = ts->wd.cap ? ts->wd.cap * 2 : 8;
            auto *st = (slp_watchdog_frame *)realloc(ts->wd.stack, (size_t)cap * sizeof(slp_watchdog_frame));
            if (!st) fatal_napi("watchdog frames");
            ts->wd.stack = st;
            ts->wd.cap = cap;
        }
        slp_watchdog_frame *fr = &ts->wd.stack[ts->wd.depth++];
        fr->caller = (PyTaskletObject *)Py_NewRef((PyObject *)tasklet_at((int32_t)f[0]));
        fr->owns = f[1] != 0;
        fr->saved_owner = f[2] >= 0 ? tasklet_at((int32_t)f[2]) : nullptr;
        fr->saved_timeout_us = (int64_t)f[3];
        fr->saved_slice_start = now - (int64_t)f[4];
        fr->saved_flags = (int)f[5];
    }
    double w[5];
    nums(argv[2], w, 5);
    ts->wd.owner = w[0] >= 0 ? tasklet_at((int32_t)w[0]) : nullptr;
    ts->wd.timeout_us = (int64_t)w[1];
    ts->wd.flags = (int)w[2];
    ts->wd.slice_start = now - (int64_t)w[3];
    ts->wd.epoch = (unsigned)w[4];
    slp_update_fast(ts);
    B->I[CUR] = slot_of(c);
    B->I[WD] = ts->wd.owner != nullptr;
    return nullptr;
}

// ---- native tasklets for the tests (the C API for other addons comes later) -------------------

// args (op, channel or None, n): op 0: schedule() n times; 1: n times receive a value and send it
// back on the channel; 2: n rounds of 100 us busy work, each followed by a C-API call (the
// watchdog's interruption point). Returns None.
PyObject *native_test_fn(PyObject *self, PyObject *args)
{
    long op = PyLong_AsLong(PyTuple_GET_ITEM(args, 0)), n = PyLong_AsLong(PyTuple_GET_ITEM(args, 2));
    PyObject *cho = PyTuple_GET_ITEM(args, 1);
    PyChannelObject *ch = PyChannel_Check(cho) ? (PyChannelObject *)cho : nullptr;
    for (long i = 0; i < n; i++) {
        if (op == 0) {
            PyObject *r = PyStackless_Schedule(Py_None, 0);
            if (!r) return nullptr;
            Py_DECREF(r);
        } else if (op == 1 && ch) {
            PyObject *v = PyChannel_Receive(ch);
            if (!v) return nullptr;
            int r = PyChannel_Send(ch, v);
            Py_DECREF(v);
            if (r) return nullptr;
        } else if (op == 2) {
            int64_t t0 = slp_now_us();
            while (slp_now_us() - t0 < 100) {
            }
            if (PyStackless_GetRunCount() < 0) return nullptr;
        }
    }
    Py_RETURN_NONE;
}
PyMethodDef native_test_def = {"native_test", native_test_fn, METH_VARARGS, nullptr};

// nativeTest(op, channelId, n) -> a new native tasklet, set up (in the run queue)
napi_value NativeTest(napi_env env, napi_callback_info info)
{
    GET_ARGS(3);
    int32_t op = 0, chid = -1, n = 0;
    napi_get_value_int32(env, argv[0], &op);
    napi_get_value_int32(env, argv[1], &chid);
    napi_get_value_int32(env, argv[2], &n);
    PyChannelObject *ch = chan_at(chid);
    PyObject *fn = PyCFunction_New(&native_test_def, nullptr);
    PyTaskletObject *t = fn ? PyTasklet_New(nullptr, fn) : nullptr;
    PyObject *a = Py_BuildValue("(lOl)", (long)op, ch ? (PyObject *)ch : Py_None, (long)n);
    napi_value r = undef(env);
    if (!t || !a || PyTasklet_Setup(t, a, nullptr)) {
        B->I[ST] = 2;
        r = take_error(env);
    } else {
        B->I[ST] = 0;
        r = js_tasklet(env, t);
    }
    Py_XDECREF(fn);
    Py_XDECREF((PyObject *)t);
    Py_XDECREF(a);
    return r;
}

// ---- stackless/bench: native_pingpong --------------------------------------------------------

// args (channel, done channel, n): n times receive a value and send it back; then the count of
// values received goes to `done`.
PyObject *pingpong_pong(PyObject *self, PyObject *args)
{
    PyChannelObject *ch = (PyChannelObject *)PyTuple_GET_ITEM(args, 0);
    PyChannelObject *done = (PyChannelObject *)PyTuple_GET_ITEM(args, 1);
    long n = PyLong_AsLong(PyTuple_GET_ITEM(args, 2)), seen = 0;
    for (long i = 0; i < n; i++) {
        PyObject *v = PyChannel_Receive(ch);
        if (!v) return nullptr;
        seen++;
        int r = PyChannel_Send(ch, v);
        Py_DECREF(v);
        if (r) return nullptr;
    }
    PyObject *count = PyLong_FromLong(seen);
    int r = count ? PyChannel_Send(done, count) : -1;
    Py_XDECREF(count);
    if (r) return nullptr;
    Py_RETURN_NONE;
}

// args (channel, done channel, n): n times send i and receive it back.
PyObject *pingpong_ping(PyObject *self, PyObject *args)
{
    PyChannelObject *ch = (PyChannelObject *)PyTuple_GET_ITEM(args, 0);
    long n = PyLong_AsLong(PyTuple_GET_ITEM(args, 2));
    for (long i = 0; i < n; i++) {
        PyObject *v = PyLong_FromLong(i);
        int r = v ? PyChannel_Send(ch, v) : -1;
        Py_XDECREF(v);
        if (r) return nullptr;
        v = PyChannel_Receive(ch);
        if (!v) return nullptr;
        Py_DECREF(v);
    }
    Py_RETURN_NONE;
}
PyMethodDef pingpong_defs[2] = {
    {"pingpong_ping", pingpong_ping, METH_VARARGS, nullptr},
    {"pingpong_pong", pingpong_pong, METH_VARARGS, nullptr},
};

// nativePingpong(n): n round trips between two native tasklets over one channel, driven from
// main (which waits on a second channel for the receiver's count, then lets both finish).
// Returns the count; I[ST] 2 and the error on failure.
napi_value NativePingpong(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    double dn = 0;
    napi_get_value_double(env, argv[0], &dn);
    PyChannelObject *ch = PyChannel_New(nullptr), *done = PyChannel_New(nullptr);
    PyObject *args = ch && done ? Py_BuildValue("(OOl)", (PyObject *)ch, (PyObject *)done, (long)dn) : nullptr;
    PyTaskletObject *t[2] = {nullptr, nullptr};
    PyObject *count = nullptr;
    bool ok = args != nullptr;
    for (int i = 0; ok && i < 2; i++) {
        PyObject *fn = PyCFunction_New(&pingpong_defs[i], nullptr);
        t[i] = fn ? PyTasklet_New(nullptr, fn) : nullptr;
        Py_XDECREF(fn);
        ok = t[i] && PyTasklet_Setup(t[i], args, nullptr) == 0;
    }
    if (ok) count = PyChannel_Receive(done);
    while (count && ((t[0] && PyTasklet_Alive(t[0])) || (t[1] && PyTasklet_Alive(t[1])))) {
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (!r) Py_CLEAR(count);
        Py_XDECREF(r);
    }
    napi_value result;
    if (count) {
        B->I[ST] = 0;
        napi_create_double(env, (double)PyLong_AsLong(count), &result);
    } else {
        B->I[ST] = 2;
        result = take_error(env);
    }
    for (PyTaskletObject *x : t)
        if (x) {
            if (PyTasklet_Alive(x)) PyTasklet_Kill(x);
            Py_DECREF((PyObject *)x);
        }
    PyErr_Clear();
    Py_XDECREF(count);
    Py_XDECREF(args);
    Py_XDECREF((PyObject *)ch);
    Py_XDECREF((PyObject *)done);
    return result;
}

// ---- the C API table for other addons (stackless/capi.h; NODE.md 5) ----------------------------

// The core's table plus the Node-only entries (one per process: the functions find their
// thread's state themselves).
const PyStackless_CAPI *node_capi()
{
    static const PyStackless_CAPI table = [] {
        PyStackless_CAPI t = *slp_capi_table();
        t.PyStackless_FromJS = PyStackless_FromJS;
        t.PyStackless_ToJS = PyStackless_ToJS;
        return t;
    }();
    return &table;
}

// exports._capi: the table as an external (read-only, not enumerable). lib/index.ts serves it as
// globalThis[Symbol.for(PyStackless_CAPI_KEY)], where PyStackless_ImportAPI finds it.
void export_capi(napi_env env, napi_value exports)
{
    napi_value ext;
    if (napi_create_external(env, (void *)node_capi(), nullptr, nullptr, &ext) != napi_ok) fatal_napi("C API table");
    napi_property_descriptor d = {"_capi", nullptr, nullptr, nullptr, nullptr, ext, napi_default, nullptr};
    napi_define_properties(env, exports, 1, &d);
}

napi_value ModuleInit(napi_env env, napi_value exports)
{
    struct { const char *name; napi_callback cb; } fns[] = {
        {"init", Init_}, {"tNew", TNew}, {"tFree", TFree}, {"tSetGen", TSetGen}, {"tBind", TBind},
        {"tSetup", TSetup}, {"tInsert", TInsert}, {"tRemove", TRemove}, {"tRun", TRun},
        {"tThrow", TThrow}, {"tInfo", TInfo}, {"tFlag", TFlag}, {"tTempval", TTempval},
        {"tBindThread", TBindThread}, {"tChannel", TChannel},
        {"tSetTempval", TSetTempval}, {"tLinks", TLinks}, {"chNew", ChNew}, {"chFree", ChFree},
        {"send", Send}, {"recv", Recv}, {"sendExc", SendExc}, {"chInfo", ChInfo},
        {"chSet", ChSet}, {"schedule", Schedule}, {"run", Run}, {"hostStep", HostStep},
        {"hardIface", HardIface}, {"hardBegin", HardBegin}, {"hardError", HardError},
        {"end", End}, {"runcount", Runcount}, {"poll", Poll}, {"getCallback", GetCallback},
        {"setCallback", SetCallback}, {"switchTrap", SwitchTrap}, {"currentId", CurrentId}, {"current", Current},
        {"threadId", ThreadId}, {"threadInfo", ThreadInfo}, {"uncollectables", Uncollectables},
        {"scheduleBomb", ScheduleBomb}, {"nativeTest", NativeTest}, {"nativePingpong", NativePingpong},
        {"adoptBegin", AdoptBegin}, {"tAdopt", TAdopt}, {"adoptEnd", AdoptEnd}, {"idBlock", IdBlock},
        {"threadKnown", ThreadKnown},
    };
    for (auto &f : fns) {
        napi_value fn;
        napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
        napi_set_named_property(env, exports, f.name, fn);
    }
    napi_value dbg;
#if defined(DEBUG) || defined(_DEBUG)
    napi_get_boolean(env, true, &dbg);
#else
    napi_get_boolean(env, false, &dbg);
#endif
    napi_set_named_property(env, exports, "debug", dbg);
    export_capi(env, exports);
    return exports;
}

}  // namespace

// ---- Node-specific C API (stackless_api.h): conversions for other addons -----------------------

// Has this thread loaded stackless, and is this its own stack? (else an error). Every addon has
// an napi_env of its own; the conversions use the binding's (same isolate, same thread: the
// values are valid in both), so that the references they create belong to the binding.
static bool capi_usable(napi_env env)
{
    char probe;
    if (!env || !B || !B->env) {
        PyErr_SetString(PyExc_RuntimeError, "stackless: this thread has not loaded the stackless module");
        return false;
    }
    if (!on_host_stack(&probe)) {
        PyErr_SetString(PyExc_RuntimeError, "stackless: JS values cannot be converted inside a native tasklet; "
                                            "convert them in the function JS called");
        return false;
    }
    return true;
}

// A number property of a JS object (false if absent or not a number).
static bool int_property(napi_env env, napi_value o, const char *name, int32_t *out)
{
    napi_value v;
    napi_valuetype vt;
    return napi_get_named_property(env, o, name, &v) == napi_ok && napi_typeof(env, v, &vt) == napi_ok &&
           vt == napi_number && napi_get_value_int32(env, v, out) == napi_ok;
}

PyObject *PyStackless_FromJS(napi_env caller_env, napi_value value)
{
    if (!capi_usable(caller_env)) return nullptr;
    napi_env env = B->env;
    napi_valuetype vt;
    napi_typeof(env, value, &vt);
    if (vt == napi_object) {
        // a stackless channel (its _id names a core channel whose JS object is this one) or a
        // tasklet (its _slot names a core tasklet whose JS record is this one). A C caller works
        // on the core: the thread's JS engine hands over first (lib/index.ts toCore).
        int32_t n;
        bool same = false;
        call_helper(env, "toCore", 0, nullptr);
        napi_value cid, idv;
        napi_valuetype ct;
        if (napi_get_named_property(env, value, "_cid", &cid) == napi_ok && napi_typeof(env, cid, &ct) == napi_ok &&
            ct == napi_function && napi_call_function(env, value, cid, 0, nullptr, &idv) != napi_ok) {
            napi_value e;
            napi_get_and_clear_last_exception(env, &e);
        }
        if (int_property(env, value, "_id", &n)) {
            PyChannelObject *c = chan_at(n);
            napi_value js;
            if (c && ((JsChannel *)c)->ref && napi_get_reference_value(env, ((JsChannel *)c)->ref, &js) == napi_ok &&
                js && napi_strict_equals(env, js, value, &same) == napi_ok && same)
                return Py_NewRef((PyObject *)c);
        }
        if (int_property(env, value, "_slot", &n)) {
            napi_value fn, r;
            napi_valuetype ft;
            if (n < 0 && napi_get_named_property(env, value, "_native", &fn) == napi_ok &&
                napi_typeof(env, fn, &ft) == napi_ok && ft == napi_function) {
                // a tasklet without a core tasklet yet: tasklet._native() makes it
                if (napi_call_function(env, value, fn, 0, nullptr, &r) != napi_ok || napi_get_value_int32(env, r, &n) != napi_ok) {
                    napi_value e;
                    napi_get_and_clear_last_exception(env, &e);
                    n = -1;
                }
            }
            PyTaskletObject *t = tasklet_at(n);
            if (t && napi_strict_equals(env, record_at(env, n), value, &same) == napi_ok && same)
                return Py_NewRef((PyObject *)t);
        }
    }
    return to_py(env, value);
}

napi_value PyStackless_ToJS(napi_env caller_env, PyObject *o)
{
    if (!capi_usable(caller_env)) return nullptr;
    napi_env env = B->env;
    if (!o) {
        PyErr_SetString(PyExc_SystemError, "PyStackless_ToJS: NULL object");
        return nullptr;
    }
    // an exception instance: the JS error it stands for (what a JS tasklet would catch)
    if (PyExceptionInstance_Check(o)) return exc_value_to_js(env, nullptr, o);
    return to_js(env, o);
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, ModuleInit)
