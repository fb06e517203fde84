/* mixed_addon.c - a test addon whose C tasklets share channels with JS generator tasklets
 * (test/js/mixed.test.mjs). It is compiled against include/stackless_api.h in import mode: every
 * C API name below goes through the table of the loaded `stackless` module (one core, not a
 * copy of it). N-API only. */
#include <stdio.h>
#include <string.h>
#include <node_api.h>
#include "stackless_api.h"   /* with STACKLESS_API_IMPORT (binding.gyp) */

/* C tasklets running now, values the echo tasklets received, sends the producers completed, and
 * how the last "blocker" ended (stats()) */
static int live_tasklets = 0;
static long echoed = 0, produced = 0;
static const char *blocker_outcome = "not started";

/* ---- helpers ---------------------------------------------------------------------------------- */

static napi_value throw_type_error(napi_env env, const char *msg)
{
    napi_throw_type_error(env, NULL, msg);
    return NULL;
}

/* argument i converted by PyStackless_FromJS (new reference or NULL with a JS exception) */
static PyObject *arg_object(napi_env env, napi_value v)
{
    PyObject *o = PyStackless_FromJS(env, v);
    if (!o) PyStackless_ThrowJS(env);
    return o;
}

static PyObject *arg_channel(napi_env env, napi_value v, const char *msg)
{
    PyObject *o = arg_object(env, v);
    if (o && !PyChannel_Check(o)) {
        Py_DECREF(o);
        throw_type_error(env, msg);
        return NULL;
    }
    return o;
}

/* A new C tasklet running def with args (stolen), in the run queue; its JS object. */
static napi_value spawn(napi_env env, PyMethodDef *def, PyObject *args)
{
    PyObject *fn = args ? PyCFunction_New(def, NULL) : NULL;
    PyTaskletObject *t = fn ? PyTasklet_New(NULL, fn) : NULL;
    napi_value r = NULL;
    if (t && PyTasklet_Setup(t, args, NULL) == 0) r = PyStackless_ToJS(env, (PyObject *)t);
    if (!r) PyStackless_ThrowJS(env);
    Py_XDECREF(fn);
    Py_XDECREF((PyObject *)t);
    Py_XDECREF(args);
    return r;
}

#define GET_ARGS(n) \
    size_t argc = n; \
    napi_value argv[n]; \
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL)

/* ---- the C tasklets ---------------------------------------------------------------------------- */

/* numbers doubled, strings prefixed "c:", anything else as it is (new reference) */
static PyObject *transform(PyObject *v)
{
    if (PyLong_Check(v) && !PyBool_Check(v)) return PyLong_FromLongLong(PyLong_AsLongLong(v) * 2);
    if (PyFloat_Check(v)) return PyFloat_FromDouble(PyFloat_AsDouble(v) * 2);
    if (PyUnicode_Check(v)) return PyUnicode_FromFormat("c:%U", v);
    Py_INCREF(v);
    return v;
}

/* (ch_in, ch_out, n): n times receive on ch_in and send the transformed value on ch_out */
static PyObject *echo(PyObject *self, PyObject *args)
{
    PyChannelObject *in, *out;
    long n;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "O!O!l", &PyChannel_Type, &in, &PyChannel_Type, &out, &n)) return NULL;
    live_tasklets++;
    for (long i = 0; i < n; i++) {
        PyObject *v = PyChannel_Receive(in);
        if (!v) goto done;
        echoed++;
        PyObject *w = transform(v);
        Py_DECREF(v);
        if (!w) goto done;
        int rc = PyChannel_Send(out, w);
        Py_DECREF(w);
        if (rc) goto done;
    }
    result = Py_NewRef(Py_None);
done:
    live_tasklets--;
    return result;
}
static PyMethodDef echo_def = {"echo", echo, METH_VARARGS, NULL};

/* (ch, n, start): sends start, start+1, ... (n values) */
static PyObject *producer(PyObject *self, PyObject *args)
{
    PyChannelObject *ch;
    long n, start;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "O!ll", &PyChannel_Type, &ch, &n, &start)) return NULL;
    live_tasklets++;
    for (long i = 0; i < n; i++) {
        PyObject *v = PyLong_FromLong(start + i);
        int rc = v ? PyChannel_Send(ch, v) : -1;
        Py_XDECREF(v);
        if (rc) goto done;
        produced++;
    }
    result = Py_NewRef(Py_None);
done:
    live_tasklets--;
    return result;
}
static PyMethodDef producer_def = {"producer", producer, METH_VARARGS, NULL};

/* depth nested C calls, each with a frame of its own; the innermost receives on `in`; on the
 * way out each level adds 1; the total goes out as (value, depth) */
static PyObject *descend(PyChannelObject *in, long depth)
{
    volatile char frame[256];   /* a real frame on the tasklet's own stack at each level */
    frame[0] = (char)depth;
    if (depth == 0) return PyChannel_Receive(in);
    PyObject *v = descend(in, depth - 1);
    if (!v) return NULL;
    PyObject *w = PyLong_FromLongLong(PyLong_AsLongLong(v) + 1 + (frame[0] - (char)depth));
    Py_DECREF(v);
    return w;
}

/* (in, out, depth) */
static PyObject *deep(PyObject *self, PyObject *args)
{
    PyChannelObject *in, *out;
    long depth;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "O!O!l", &PyChannel_Type, &in, &PyChannel_Type, &out, &depth)) return NULL;
    live_tasklets++;
    PyObject *v = descend(in, depth);
    if (v) {
        PyObject *pair = Py_BuildValue("(Nl)", v, depth);
        if (pair && PyChannel_Send(out, pair) == 0) result = Py_NewRef(Py_None);
        Py_XDECREF(pair);
    }
    live_tasklets--;
    return result;
}
static PyMethodDef deep_def = {"deep", deep, METH_VARARGS, NULL};

/* (ch, class name, message): PyChannel_SendException of that class with (message,) */
static PyObject *raiser(PyObject *self, PyObject *args)
{
    PyChannelObject *ch;
    const char *name, *message;
    if (!PyArg_ParseTuple(args, "O!ss", &PyChannel_Type, &ch, &name, &message)) return NULL;
    PyObject *cls = strcmp(name, "ValueError") == 0 ? PyExc_ValueError
                  : strcmp(name, "KeyError") == 0 ? PyExc_KeyError
                  : strcmp(name, "TypeError") == 0 ? PyExc_TypeError
                  : strcmp(name, "RuntimeError") == 0 ? PyExc_RuntimeError
                  : PyExc_Exception;
    live_tasklets++;
    PyObject *exc_args = Py_BuildValue("(s)", message);
    int rc = exc_args ? PyChannel_SendException(ch, cls, exc_args) : -1;
    Py_XDECREF(exc_args);
    live_tasklets--;
    if (rc) return NULL;
    Py_RETURN_NONE;
}
static PyMethodDef raiser_def = {"raiser", raiser, METH_VARARGS, NULL};

/* (ch,): waits on ch forever; records how the wait ended */
static PyObject *blocker(PyObject *self, PyObject *args)
{
    PyChannelObject *ch;
    if (!PyArg_ParseTuple(args, "O!", &PyChannel_Type, &ch)) return NULL;
    live_tasklets++;
    blocker_outcome = "blocked";
    PyObject *v = PyChannel_Receive(ch);
    if (v) blocker_outcome = "received";
    else if (PyErr_ExceptionMatches(PyExc_TaskletExit)) blocker_outcome = "TaskletExit";
    else blocker_outcome = "other error";
    live_tasklets--;
    return v;   /* NULL: the TaskletExit ends the tasklet (and is swallowed) */
}
static PyMethodDef blocker_def = {"blocker", blocker, METH_VARARGS, NULL};

/* ---- the JS functions -------------------------------------------------------------------------- */

static int get_long(napi_env env, napi_value v, long *out, const char *msg)
{
    int64_t x;
    if (napi_get_value_int64(env, v, &x) != napi_ok) {
        throw_type_error(env, msg);
        return -1;
    }
    *out = (long)x;
    return 0;
}

/* A C tasklet of def with arguments (chIn, chOut, n) from JS; usage is "name(chIn, chOut, n)". */
static napi_value spawn_in_out(napi_env env, napi_callback_info info, PyMethodDef *def, const char *usage)
{
    GET_ARGS(3);
    char msg[128];
    long n;
    snprintf(msg, sizeof msg, "%s: chIn and chOut must be stackless.channel objects, n a number", usage);
    if (get_long(env, argv[2], &n, msg)) return NULL;
    PyObject *in = arg_channel(env, argv[0], msg);
    if (!in) return NULL;
    PyObject *out = arg_channel(env, argv[1], msg);
    if (!out) {
        Py_DECREF(in);
        return NULL;
    }
    return spawn(env, def, Py_BuildValue("(NNl)", in, out, n));
}

/* spawnEcho(chIn, chOut, n) -> tasklet */
static napi_value SpawnEcho(napi_env env, napi_callback_info info)
{
    return spawn_in_out(env, info, &echo_def, "spawnEcho(chIn, chOut, n)");
}

/* spawnDeep(chIn, chOut, depth) -> tasklet */
static napi_value SpawnDeep(napi_env env, napi_callback_info info)
{
    return spawn_in_out(env, info, &deep_def, "spawnDeep(chIn, chOut, depth)");
}

/* spawnProducer(ch, n, start) -> tasklet */
static napi_value SpawnProducer(napi_env env, napi_callback_info info)
{
    GET_ARGS(3);
    long n, start;
    if (get_long(env, argv[1], &n, "spawnProducer(ch, n, start): n must be a number") ||
        get_long(env, argv[2], &start, "spawnProducer(ch, n, start): start must be a number"))
        return NULL;
    PyObject *ch = arg_channel(env, argv[0], "spawnProducer(ch, n, start): ch must be a stackless.channel");
    if (!ch) return NULL;
    return spawn(env, &producer_def, Py_BuildValue("(Nll)", ch, n, start));
}

/* spawnRaiser(ch, className, message) -> tasklet */
static napi_value SpawnRaiser(napi_env env, napi_callback_info info)
{
    GET_ARGS(3);
    PyObject *ch = arg_channel(env, argv[0], "spawnRaiser(ch, className, message): ch must be a stackless.channel");
    if (!ch) return NULL;
    PyObject *name = arg_object(env, argv[1]), *msg = name ? arg_object(env, argv[2]) : NULL;
    if (!name || !msg || !PyUnicode_Check(name) || !PyUnicode_Check(msg)) {
        Py_DECREF(ch);
        Py_XDECREF(name);
        Py_XDECREF(msg);
        return name && msg ? throw_type_error(env, "spawnRaiser(ch, className, message): strings expected") : NULL;
    }
    return spawn(env, &raiser_def, Py_BuildValue("(NNN)", ch, name, msg));
}

/* spawnBlocker(ch) -> tasklet */
static napi_value SpawnBlocker(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    PyObject *ch = arg_channel(env, argv[0], "spawnBlocker(ch): ch must be a stackless.channel");
    if (!ch) return NULL;
    blocker_outcome = "not started";
    return spawn(env, &blocker_def, Py_BuildValue("(N)", ch));
}

/* roundtrip(v) -> PyStackless_ToJS(PyStackless_FromJS(v)) */
static napi_value Roundtrip(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    PyObject *o = arg_object(env, argv[0]);
    if (!o) return NULL;
    napi_value r = PyStackless_ToJS(env, o);
    Py_DECREF(o);
    return r ? r : PyStackless_ThrowJS(env);
}

/* kind(v) -> the core type PyStackless_FromJS made of v */
static napi_value Kind(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    PyObject *o = arg_object(env, argv[0]);
    if (!o) return NULL;
    const char *k = PyChannel_Check(o) ? "channel" : PyTasklet_Check(o) ? "tasklet"
                  : o == Py_None ? "None" : PyBool_Check(o) ? "bool" : PyLong_Check(o) ? "int"
                  : PyFloat_Check(o) ? "float" : PyUnicode_Check(o) ? "str" : PyTuple_Check(o) ? "tuple"
                  : "opaque";
    Py_DECREF(o);
    napi_value r;
    napi_create_string_utf8(env, k, NAPI_AUTO_LENGTH, &r);
    return r;
}

/* stats() -> { live, echoed, produced, blocker } */
static napi_value Stats(napi_env env, napi_callback_info info)
{
    napi_value r, v;
    napi_create_object(env, &r);
    napi_create_int32(env, live_tasklets, &v);
    napi_set_named_property(env, r, "live", v);
    napi_create_int64(env, echoed, &v);
    napi_set_named_property(env, r, "echoed", v);
    napi_create_int64(env, produced, &v);
    napi_set_named_property(env, r, "produced", v);
    napi_create_string_utf8(env, blocker_outcome, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, r, "blocker", v);
    return r;
}

/* tryImport(kind): imports a doctored copy of the real table (0 real, 1 wrong magic, 2 other
 * version, 3 too small) or, for 4, a value that is not a table; returns true or throws */
static PyStackless_CAPI doctored;
static napi_value TryImport(napi_env env, napi_callback_info info)
{
    GET_ARGS(1);
    int32_t kind = 0;
    napi_get_value_int32(env, argv[0], &kind);
    const PyStackless_CAPI *real = PyStackless_CAPI_ptr;
    doctored = *real;
    if (kind == 1) doctored.magic ^= 0xff;
    if (kind == 2) doctored.version += 1;
    if (kind == 3) doctored.size -= sizeof(void *), doctored.count -= 1;
    napi_value table;
    if (kind == 4) napi_create_int32(env, 7, &table);
    else napi_create_external(env, kind ? &doctored : (void *)real, NULL, NULL, &table);
    PyStackless_CAPI_ptr = NULL;
    int rc = PyStackless_ImportAPIFrom(env, table);
    if (rc) PyStackless_CAPI_ptr = real;   /* a failed import leaves no table: restore ours */
    napi_value r;
    napi_get_boolean(env, rc == 0, &r);
    return rc ? NULL : r;
}

static napi_value Init(napi_env env, napi_value exports)
{
    if (PyStackless_ImportAPI(env) < 0) return NULL;   /* the JS exception is pending */
    static const struct { const char *name; napi_callback cb; } fns[] = {
        {"spawnEcho", SpawnEcho}, {"spawnProducer", SpawnProducer}, {"spawnDeep", SpawnDeep},
        {"spawnRaiser", SpawnRaiser}, {"spawnBlocker", SpawnBlocker}, {"roundtrip", Roundtrip},
        {"kind", Kind}, {"stats", Stats}, {"tryImport", TryImport},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        napi_value fn;
        napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
        napi_set_named_property(env, exports, fns[i].name, fn);
    }
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
