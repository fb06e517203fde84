/* squares.c - a Node addon whose C tasklet squares the numbers it receives on one stackless
 * channel and sends the results on another. It uses the core inside the loaded `stackless`
 * module through its function table: STACKLESS_API_IMPORT before the header, and one
 * PyStackless_ImportAPI(env) in the module init. Run by index.js beside it. */
#define STACKLESS_API_IMPORT
#include <node_api.h>
#include "stackless_api.h"

/* The C tasklet (in, out): squares numbers until it receives None. */
static PyObject *squarer(PyObject *self, PyObject *args)
{
    PyChannelObject *in, *out;
    if (!PyArg_ParseTuple(args, "O!O!", &PyChannel_Type, &in, &PyChannel_Type, &out)) return NULL;
    for (;;) {
        PyObject *v = PyChannel_Receive(in);   /* blocks this tasklet only */
        if (!v) return NULL;                    /* killed, or an exception was sent */
        if (v == Py_None) {
            Py_DECREF(v);
            Py_RETURN_NONE;
        }
        long x = PyLong_AsLong(v);
        Py_DECREF(v);
        PyObject *square = PyLong_FromLong(x * x);
        int rc = square ? PyChannel_Send(out, square) : -1;
        Py_XDECREF(square);
        if (rc) return NULL;
    }
}
static PyMethodDef squarer_def = {"squarer", squarer, METH_VARARGS, NULL};

/* squarer(inChannel, outChannel) -> a new C tasklet, scheduled */
static napi_value Squarer(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2], result = NULL;
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    PyObject *in = PyStackless_FromJS(env, argv[0]), *out = in ? PyStackless_FromJS(env, argv[1]) : NULL;
    if (!in || !out) {
        Py_XDECREF(in);
        return PyStackless_ThrowJS(env);   /* the pending core error, as a JS exception */
    }
    if (!PyChannel_Check(in) || !PyChannel_Check(out)) {
        Py_DECREF(in);
        Py_DECREF(out);
        napi_throw_type_error(env, NULL, "squarer(inChannel, outChannel): two stackless.channel objects expected");
        return NULL;
    }
    PyObject *fn = PyCFunction_New(&squarer_def, NULL);
    PyObject *args = Py_BuildValue("(NN)", in, out);
    PyTaskletObject *t = fn ? PyTasklet_New(NULL, fn) : NULL;
    if (t && args && PyTasklet_Setup(t, args, NULL) == 0) result = PyStackless_ToJS(env, (PyObject *)t);
    if (!result) PyStackless_ThrowJS(env);
    Py_XDECREF((PyObject *)t);
    Py_XDECREF(args);
    Py_XDECREF(fn);
    return result;
}

static napi_value Init(napi_env env, napi_value exports)
{
    if (PyStackless_ImportAPI(env) < 0) return NULL;   /* require('stackless') first */
    napi_value fn;
    napi_create_function(env, "squarer", NAPI_AUTO_LENGTH, Squarer, NULL, &fn);
    napi_set_named_property(env, exports, "squarer", fn);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
