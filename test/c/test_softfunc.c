/* test_softfunc.c - soft-switchable extension functions (C-API.md 8):
 * PyStackless_InitFunctionDeclaration and PyStackless_CallFunction in direct mode (no
 * soft-switch permission from C: every promoted call completes by hard switching, so the
 * function runs through all its steps in one invocation). */
#include "test_helpers.h"

static PyObject *g_expect_ob1;
static int g_cookie;
static int g_sf_calls;
static int g_fail_step = -1;      /* step at which the function raises, -1: never */
static int g_recover;             /* retval == NULL: 1 recover, 0 propagate */

/* A 3-step function: step 0 and step 1 end with schedule(), step 2 returns n*10 + 3. */
static PyObject *sf_three_steps(PyObject *retval, long *step, PyObject **ob1, PyObject **ob2,
                                PyObject **ob3, long *n, void **any) {
    STACKLESS_GETARG();
    PyObject *r;
    (void)stackless;
    g_sf_calls++;
    th_logf("f:enter%ld", *step);
    if (retval == NULL) {
        CHECK(PyErr_Occurred() != NULL);
        if (!g_recover) { th_logf("f:propagate"); return NULL; }
        CHECK(PyErr_ExceptionMatches(PyExc_ValueError));
        PyErr_Clear();
        th_logf("f:recovered");
        *any = NULL;
        return PyLong_FromLong(99);
    }
    switch (*step) {
    case 0: goto step0;
    case 1: goto step1;
    case 2: goto step2;
    default:
        PyErr_SetString(PyExc_SystemError, "bad step");
        return NULL;
    }
step0:
    th_logf("f0:%s:n%ld", th_val(retval), *n);
    CHECK(*ob1 == g_expect_ob1);
    CHECK(*ob2 == NULL);
    CHECK(*ob3 == NULL);
    CHECK(*any == (void *)&g_cookie);
    if (g_fail_step == 0) { PyErr_SetString(PyExc_ValueError, "step0"); return NULL; }
    *step = 1;
    STACKLESS_PROMOTE_ALL();
    r = PyStackless_Schedule(Py_None, 0);
    STACKLESS_ASSERT();
    if (STACKLESS_UNWINDING(r)) return r;
    if (!r) return NULL;
    Py_DECREF(r);
step1:
    th_logf("f1");
    if (g_fail_step == 1) { PyErr_SetString(PyExc_ValueError, "step1"); return NULL; }
    *step = 2;
    STACKLESS_PROMOTE_ALL();
    r = PyStackless_Schedule(Py_None, 0);
    STACKLESS_ASSERT();
    if (STACKLESS_UNWINDING(r)) return r;
    if (!r) return NULL;
    Py_DECREF(r);
step2:
    th_logf("f2");
    *any = NULL;
    return PyLong_FromLong(*n * 10 + 3);
}

static PyModuleDef g_moddef = {
    PyModuleDef_HEAD_INIT,
    "softmod",
    NULL,
    -1,
    NULL, NULL, NULL, NULL, NULL,
};

static PyStacklessFunctionDeclarationObject g_decl = {
    PyObject_HEAD_INIT(NULL)
    sf_three_steps,
    "three_steps",
    NULL,
};
static PyStacklessFunctionDeclarationObject g_decl_nomod = {
    PyObject_HEAD_INIT(NULL)
    sf_three_steps,
    "three_steps_nomod",
    "preset",
};
static PyStacklessFunctionDeclarationObject g_decl_inmod = {
    PyObject_HEAD_INIT(NULL)
    sf_three_steps,
    "three_steps_inmod",
    NULL,
};

static void init_decl(void) {
    if (!Py_IS_TYPE((PyObject *)&g_decl, &PyStacklessFunctionDeclaration_Type))
        CHECK_EQ_INT(PyStackless_InitFunctionDeclaration(&g_decl, NULL, &g_moddef), 0);
}

static PyObject *t_log2(long id) {
    (void)id;
    th_logf("T1");
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    if (!r) return NULL;
    Py_DECREF(r);
    th_logf("T2");
    Py_RETURN_NONE;
}

static PyObject *t_call_function(long arg) {
    PyObject *a = PyLong_FromLong(arg);
    PyObject *r = PyStackless_CallFunction(&g_decl, a, g_expect_ob1, NULL, NULL, 1, &g_cookie);
    Py_DECREF(a);
    if (!r) return NULL;
    th_logf("U:ret%s", th_val(r));
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* ---- declarations ------------------------------------------------------------------------- */
static void test_init_function_declaration(void) {
    CHECK_EQ_INT(PyStackless_InitFunctionDeclaration(&g_decl, NULL, &g_moddef), 0);
    CHECK(Py_TYPE((PyObject *)&g_decl) == &PyStacklessFunctionDeclaration_Type);
    CHECK(PyStacklessFunctionDeclarationType_CheckExact((PyObject *)&g_decl));
    CHECK(g_decl.module_name != NULL && strcmp(g_decl.module_name, "softmod") == 0);
    CHECK(g_decl.sfunc == sf_three_steps);
    CHECK(strcmp(g_decl.name, "three_steps") == 0);
    CHECK_NO_ERR();
    /* no module, no module_def: only the type is set */
    CHECK_EQ_INT(PyStackless_InitFunctionDeclaration(&g_decl_nomod, NULL, NULL), 0);
    CHECK(Py_TYPE((PyObject *)&g_decl_nomod) == &PyStacklessFunctionDeclaration_Type);
    CHECK(g_decl_nomod.module_name != NULL && strcmp(g_decl_nomod.module_name, "preset") == 0);
    CHECK_NO_ERR();
}

static void test_init_function_declaration_adds_to_module(void) {
    PyObject *m = PyModule_Create(&g_moddef);
    CHECK(m != NULL);
    if (!m) { PyErr_Print(); return; }
    CHECK_EQ_INT(PyStackless_InitFunctionDeclaration(&g_decl_inmod, m, &g_moddef), 0);
    CHECK(Py_TYPE((PyObject *)&g_decl_inmod) == &PyStacklessFunctionDeclaration_Type);
    CHECK(g_decl_inmod.module_name != NULL && strcmp(g_decl_inmod.module_name, "softmod") == 0);
    PyObject *a = PyObject_GetAttrString(m, "three_steps_inmod");
    CHECK(a == (PyObject *)&g_decl_inmod);
    if (!a) PyErr_Clear();
    Py_XDECREF(a);
    Py_DECREF(m);
    CHECK_NO_ERR();
}

static void test_declaration_attributes(void) {
    init_decl();
    PyObject *name = PyObject_GetAttrString((PyObject *)&g_decl, "name");
    CHECK(name != NULL && PyUnicode_Check(name) && strcmp(PyUnicode_AsUTF8(name), "three_steps") == 0);
    if (!name) PyErr_Clear();
    Py_XDECREF(name);
    PyObject *mod = PyObject_GetAttrString((PyObject *)&g_decl, "__module__");
    CHECK(mod != NULL && PyUnicode_Check(mod) && strcmp(PyUnicode_AsUTF8(mod), "softmod") == 0);
    if (!mod) PyErr_Clear();
    Py_XDECREF(mod);
}

/* ---- CallFunction in direct mode ------------------------------------------------------------ */
MAIN_TEST(test_call_function_runs_all_steps) {
    init_decl();
    g_sf_calls = 0; g_fail_step = -1;
    PyObject *ob1 = PyUnicode_FromString("state");
    Py_ssize_t rc_before = Py_REFCNT(ob1);
    g_expect_ob1 = ob1;
    PyTaskletObject *t = th_spawn_fn(t_log2, 0, "T");
    PyObject *arg = PyLong_FromLong(7);
    PyObject *r = PyStackless_CallFunction(&g_decl, arg, ob1, NULL, NULL, 5, &g_cookie);
    CHECK(r != NULL && !STACKLESS_UNWINDING(r));
    if (r && !STACKLESS_UNWINDING(r)) {
        CHECK(PyLong_Check(r) && PyLong_AsLong(r) == 53);
        Py_DECREF(r);
    }
    CHECK_NO_ERR();
    CHECK_LOG("f:enter0 f0:7:n5 T1 f1 T2 f2");
    CHECK_EQ_INT(g_sf_calls, 1);                     /* one invocation for all steps */
    CHECK_EQ_INT(Py_REFCNT(ob1), rc_before);         /* state slots released */
    Py_DECREF(arg);
    Py_DECREF(ob1);
    g_expect_ob1 = NULL;
    th_drain_all();
    th_finish(t);
}

MAIN_TEST(test_call_function_from_tasklet) {
    init_decl();
    g_sf_calls = 0; g_fail_step = -1;
    g_expect_ob1 = NULL;
    PyTaskletObject *u = th_spawn_fn(t_call_function, 3, "U");
    th_drain_all();
    CHECK_LOG("f:enter0 f0:3:n1 f1 f2 U:ret13");
    CHECK_EQ_INT(g_sf_calls, 1);
    th_finish(u);
}

MAIN_TEST(test_call_function_error_in_step) {
    init_decl();
    g_sf_calls = 0; g_fail_step = 1;
    g_expect_ob1 = NULL;
    PyObject *arg = PyLong_FromLong(1);
    PyObject *r = PyStackless_CallFunction(&g_decl, arg, NULL, NULL, NULL, 0, &g_cookie);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "step1");
    CHECK_LOG("f:enter0 f0:1:n0 f1");
    g_fail_step = -1;
    Py_DECREF(arg);
}

MAIN_TEST(test_call_function_arg_null_without_error) {
    init_decl();
    g_sf_calls = 0;
    PyObject *r = PyStackless_CallFunction(&g_decl, NULL, NULL, NULL, NULL, 0, NULL);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_SystemError, "No error occurred, but arg is NULL");
    CHECK_EQ_INT(g_sf_calls, 0);
    CHECK_LOG("");
}

MAIN_TEST(test_call_function_arg_null_with_error) {
    init_decl();
    g_sf_calls = 0;
    g_recover = 1;
    PyErr_SetString(PyExc_ValueError, "pending");
    PyObject *r = PyStackless_CallFunction(&g_decl, NULL, NULL, NULL, NULL, 0, &g_cookie);
    CHECK(r != NULL && PyLong_Check(r) && PyLong_AsLong(r) == 99);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_LOG("f:enter0 f:recovered");
    CHECK_EQ_INT(g_sf_calls, 1);
    g_recover = 0;
    PyErr_SetString(PyExc_ValueError, "pending2");
    r = PyStackless_CallFunction(&g_decl, NULL, NULL, NULL, NULL, 0, &g_cookie);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "pending2");
    CHECK_LOG("f:enter0 f:propagate");
}

int main(void) {
    TEST(test_init_function_declaration);
    TEST(test_init_function_declaration_adds_to_module);
    TEST(test_declaration_attributes);
    TEST(test_call_function_runs_all_steps);
    TEST(test_call_function_from_tasklet);
    TEST(test_call_function_error_in_step);
    TEST(test_call_function_arg_null_without_error);
    TEST(test_call_function_arg_null_with_error);
    return TEST_SUMMARY();
}
