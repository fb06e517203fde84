/* harness.h - a tiny assertion harness for the C tests. Each test program defines test
 * functions, registers them with TEST(...) in main, and exits non-zero on any failure.
 * Output ends with a plain "N passed, N failed" line. */
#ifndef SLP_TEST_HARNESS_H
#define SLP_TEST_HARNESS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stackless_api.h"

static int h_failed_checks = 0;
static int h_tests_passed = 0, h_tests_failed = 0;
static const char *h_current = "";

#define CHECK(cond) do { if (!(cond)) { h_failed_checks++; \
    fprintf(stderr, "  FAIL %s:%d in %s: %s\n", __FILE__, __LINE__, h_current, #cond); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { \
    h_failed_checks++; fprintf(stderr, "  FAIL %s:%d in %s: %s == %lld, expected %s == %lld\n", \
    __FILE__, __LINE__, h_current, #a, _a, #b, _b); } } while (0)

/* The error indicator holds exactly exception class `cls` with message `msg` (NULL: any
 * message); clears it. */
#define CHECK_ERR(cls, msg) h_check_err((PyObject *)(cls), (msg), __FILE__, __LINE__)
/* No exception is set. */
#define CHECK_NO_ERR() do { if (PyErr_Occurred()) { h_failed_checks++; \
    fprintf(stderr, "  FAIL %s:%d in %s: unexpected exception set\n", __FILE__, __LINE__, h_current); \
    PyErr_Print(); } } while (0)

static inline void h_check_err(PyObject *cls, const char *msg, const char *file, int line) {
    PyObject *t, *v, *tb;
    if (!PyErr_Occurred()) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: expected an exception, none set\n", file, line, h_current);
        return;
    }
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (t != cls) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s:%d in %s: exception class %s, expected %s\n", file, line, h_current,
                ((PyTypeObject *)t)->tp_name, ((PyTypeObject *)cls)->tp_name);
    } else if (msg) {
        PyObject *s = v ? PyObject_Str(v) : NULL;
        const char *got = s ? PyUnicode_AsUTF8(s) : "";
        if (!got || strcmp(got, msg) != 0) {
            h_failed_checks++;
            fprintf(stderr, "  FAIL %s:%d in %s: message '%s', expected '%s'\n", file, line, h_current,
                    got ? got : "(null)", msg);
        }
        Py_XDECREF(s);
        PyErr_Clear();
    }
    Py_XDECREF(t); Py_XDECREF(v); Py_XDECREF(tb);
}

#define TEST(fn) do { int _before = h_failed_checks; h_current = #fn; fn(); \
    if (PyErr_Occurred()) { h_failed_checks++; fprintf(stderr, "  FAIL %s: exception left set\n", #fn); PyErr_Print(); } \
    if (h_failed_checks == _before) { h_tests_passed++; printf("ok   %s\n", #fn); } \
    else { h_tests_failed++; printf("FAIL %s\n", #fn); } fflush(stdout); } while (0)

/* Run a receiver tasklet (callable rf) and a sender tasklet (sf) on channel ch, set to the
 * given preference, set up in that order or the sender first: until both have ended (checked,
 * with the channel's balance back to 0). The callables find ch on their own. */
static inline void h_run_channel_pair(PyObject *rf, PyObject *sf, PyChannelObject *ch, int receiver_first,
                                      int preference)
{
    PyObject *empty = PyTuple_New(0), *r;
    PyTaskletObject *rt = PyTasklet_New(NULL, rf), *st = PyTasklet_New(NULL, sf);
    PyChannel_SetPreference(ch, preference);
    PyTasklet_Setup(receiver_first ? rt : st, empty, NULL);
    PyTasklet_Setup(receiver_first ? st : rt, empty, NULL);
    r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK(!PyTasklet_Alive(rt) && !PyTasklet_Alive(st));
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    Py_DECREF(rt); Py_DECREF(st); Py_DECREF(empty);
}

#define TEST_SUMMARY() (printf("%d passed, %d failed\n", h_tests_passed, h_tests_failed), \
    h_tests_failed ? 1 : 0)

#endif
