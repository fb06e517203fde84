// test_api_cxx.cc - the public headers compile as C++17 and the C API is callable from C++
// (NODE.md 5): a native tasklet written in C++ exchanges values with main over a channel.
#include "api_signatures.h"
#include <cstdio>
#include <cstring>

static PyChannelObject *ch;
static int failures = 0;
#define EXPECT(c) do { if (!(c)) { std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static PyObject *doubler(PyObject *, PyObject *)
{
    PyObject *v = PyChannel_Receive(ch);
    if (!v) return nullptr;
    PyObject *r = PyLong_FromLong(PyLong_AsLong(v) * 2);
    Py_DECREF(v);
    int rc = PyChannel_Send(ch, r);
    Py_DECREF(r);
    if (rc) return nullptr;
    Py_RETURN_NONE;
}

static PyObject *body(PyObject *, PyObject *)
{
    static PyMethodDef def = {"doubler", doubler, METH_VARARGS, nullptr};
    PyObject *f = PyCFunction_New(&def, nullptr), *empty = PyTuple_New(0), *v = PyLong_FromLong(21);
    PyTaskletObject *t = PyTasklet_New(nullptr, f);
    ch = PyChannel_New(nullptr);
    EXPECT(PyTasklet_Setup(t, empty, nullptr) == 0);
    EXPECT(PyChannel_Send(ch, v) == 0);
    PyObject *r = PyChannel_Receive(ch);
    EXPECT(r && PyLong_AsLong(r) == 42);
    Py_XDECREF(r);
    r = PyStackless_RunWatchdog(0);   // let the doubler return from its send and finish
    EXPECT(r == Py_None && !PyTasklet_Alive(t));
    Py_XDECREF(r);
    Py_DECREF(v); Py_DECREF(empty); Py_DECREF(f); Py_DECREF(t); Py_DECREF(ch);
    Py_RETURN_NONE;
}

int main()
{
    static PyMethodDef def = {"body", body, METH_NOARGS, nullptr};
    EXPECT(slp_api_signature_count() == 72);
    PyObject *r = PyStackless_CallCMethod_Main(&def, nullptr, nullptr);
    EXPECT(r == Py_None);
    Py_XDECREF(r);
    std::printf("%d passed, %d failed\n", failures ? 0 : 2, failures);
    return failures ? 1 : 0;
}
