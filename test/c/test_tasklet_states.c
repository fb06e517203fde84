/* test_tasklet_states.c - tasklet states and the state x operation matrix, from the spec:
 *   STATES.md 1.1 (attributes per state), 2.1 (bind, bind(None), bind with args, setup),
 *   2.2 (insert, remove, run, switch), the main-tasklet rules, orphaned tasklets (STATES.md 6,
 *   a thread that dies) and cross-thread calls (not supported yet: RuntimeError);
 *   API.md 2.2 / 9.3 for the exact exception classes and messages.
 * Native tasklets: C functions on their own stacks. A started native tasklet owns C state
 * (nesting_level 1, restorable 0), so STATES.md's P/soft column is not reachable from C; the
 * P column below is P/hard. */
#define _GNU_SOURCE 1
#include <pthread.h>
#include "test_helpers.h"

#define RTE PyExc_RuntimeError
#define MSG_NOT_BOUND "the tasklet was not bound to a function"
#define MSG_ALIVE "tasklet is alive"
#define MSG_SCHEDULED "tasklet is scheduled"
#define MSG_CSTATE "tasklet has C state on its stack"
#define MSG_CURRENT "can't (re)bind the current tasklet"
#define MSG_UNBIND_MAIN "can't unbind the main tasklet"
#define MSG_DEAD "You cannot run an unbound(dead) tasklet"
#define MSG_BLOCKED "You cannot run a blocked tasklet"
#define MSG_REMOVE_BLOCKED "You cannot remove a blocked tasklet."
#define MSG_REMOVE_CURRENT "The current tasklet cannot be removed."
#define MSG_NO_THREAD "tasklet has no thread"

/* Attribute rows of STATES.md 1.1 for the fixtures:
 * alive, paused, scheduled, restorable, is_current, is_main, blocked, nesting_level. */
static const int fx_attrs[ST_COUNT][8] = {
    [ST_U] = {0, 0, 0, 1, 0, 0, 0, 0},
    [ST_B] = {0, 0, 0, 1, 0, 0, 0, 0},
    [ST_D] = {0, 0, 0, 1, 0, 0, 0, 0},
    [ST_P0] = {1, 1, 0, 1, 0, 0, 0, 0},
    [ST_P] = {1, 1, 0, 0, 0, 0, 0, 1},
    [ST_R0] = {1, 0, 1, 1, 0, 0, 0, 0},
    [ST_R] = {1, 0, 1, 0, 0, 0, 0, 1},
    [ST_BLR] = {1, 0, 1, 0, 0, 0, -1, 1},
    [ST_BLS] = {1, 0, 1, 0, 0, 0, 1, 1},
};
#define CHECK_FX_ATTRS(t, st, label) do { const int *_a = fx_attrs[st]; \
    CHECK_ATTRS((t), (label), _a[0], _a[1], _a[2], _a[3], _a[4], _a[5], _a[6], _a[7]); } while (0)

/* A second function to bind: logs "F2" (w_log bound to "F2"). */
static PyObject *make_f2(void)
{
    PyObject *name = th_str("F2"), *f = PyCFunction_New(&th_log_def, name);
    Py_DECREF(name);
    return f;
}

/* After an operation failed, the fixture must be exactly as before. */
static void check_fixture_unchanged(fixture *f, const char *label)
{
    CHECK_FX_ATTRS(f->t, f->state, label);
    CHECK_EQ_INT(PyStackless_GetRunCount(), fx_runcount(f->state));
    if (f->state == ST_BLR) CHECK_EQ_INT(PyChannel_GetBalance(f->ch), -1);
    else if (f->state == ST_BLS) CHECK_EQ_INT(PyChannel_GetBalance(f->ch), 1);
    else CHECK_EQ_INT(PyChannel_GetBalance(f->ch), 0);
}

/* Set up and run a bound / paused-not-started tasklet from main and expect `log`. */
static void run_and_expect(PyTaskletObject *t, int need_setup, const char *log)
{
    th_log_reset();
    if (need_setup) {
        PyObject *e = th_tuple0();
        EXPECT_OK(PyTasklet_Setup(t, e, NULL));
        Py_DECREF(e);
    }
    EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR(log);
    CHECK(!PyTasklet_Alive(t));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

/* =========================== 1.1 attributes =================================================== */

MAIN_TEST(test_attrs_of_fixture_states)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        CHECK_FX_ATTRS(f.t, st, fx_names[st]);
        CHECK_EQ_INT(PyTasklet_GetAtomic(f.t), 0);
        CHECK_EQ_INT(PyTasklet_GetIgnoreNesting(f.t), 0);
        CHECK_EQ_INT(PyTasklet_GetBlockTrap(f.t), 0);
        CHECK_EQ_INT(PyTasklet_GetPendingIrq(f.t), 0);
        CHECK_EQ_INT(PyStackless_GetRunCount(), fx_runcount(st));
        if (st == ST_BLR) {
            PyObject *q = PyChannel_GetQueue(f.ch);
            CHECK(q == (PyObject *)f.t);
            Py_XDECREF(q);
            CHECK_EQ_INT(PyChannel_GetBalance(f.ch), -1);
        }
        if (st == ST_BLS) CHECK_EQ_INT(PyChannel_GetBalance(f.ch), 1);
        fx_cleanup(&f);
    }
}

MAIN_TEST(test_attrs_main_current)
{
    PyObject *cur = PyStackless_GetCurrent();
    CHECK(cur == (PyObject *)th_main);
    Py_XDECREF(cur);
    /* C: alive, scheduled, restorable iff nesting level 0 (main reports 0), current, main */
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
    CHECK_EQ_INT(PyTasklet_GetAtomic(th_main), 0);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(th_main), 0);
    CHECK_EQ_INT(PyTasklet_GetPendingIrq(th_main), 0);
}

/* Snapshots of the main tasklet's attributes taken by a native tasklet. */
typedef struct { int v[8]; int taken; } snap;
static snap g_snap;
static PyChannelObject *g_ch;

static void take_snap(PyTaskletObject *t, snap *s)
{
    s->v[0] = PyTasklet_Alive(t); s->v[1] = PyTasklet_Paused(t); s->v[2] = PyTasklet_Scheduled(t);
    s->v[3] = PyTasklet_Restorable(t); s->v[4] = PyTasklet_IsCurrent(t); s->v[5] = PyTasklet_IsMain(t);
    s->v[6] = PyTasklet_GetBlocked(t); s->v[7] = PyTasklet_GetNestingLevel(t);
    s->taken = 1;
}
#define CHECK_SNAP(s, label, al, pa, sc, re, cu, ma, bl, ne) do { \
    int _e[8] = {al, pa, sc, re, cu, ma, bl, ne}, _i; \
    static const char *const _n[8] = {"alive", "paused", "scheduled", "restorable", "is_current", "is_main", "blocked", "nesting_level"}; \
    CHECK((s).taken); \
    for (_i = 0; _i < 8; _i++) if ((s).v[_i] != _e[_i]) { h_failed_checks++; \
        fprintf(stderr, "  FAIL %s:%d in %s: %s: %s == %d, expected %d\n", __FILE__, __LINE__, \
                h_current, label, _n[_i], (s).v[_i], _e[_i]); } } while (0)

/* self: 0 = snapshot main and return; 1 = snapshot main, then send 7 on g_ch */
static PyObject *w_inspect_main_fn(PyObject *self, PyObject *unused)
{
    long code = PyLong_AsLong(self);
    (void)unused;
    take_snap(th_main, &g_snap);
    if (code == 1) {
        PyObject *v = th_int(7);
        int rc = PyChannel_Send(g_ch, v);
        Py_DECREF(v);
        if (rc) return NULL;
    }
    Py_RETURN_NONE;
}
static PyMethodDef w_inspect_main_def = {"w_inspect_main", w_inspect_main_fn, METH_NOARGS, NULL};

MAIN_TEST(test_attrs_main_runnable_paused_blocked)
{
    PyObject *zero = th_int(0), *one = th_int(1), *r;
    PyTaskletObject *t;

    /* main R: main schedules, the tasklet looks at it */
    memset(&g_snap, 0, sizeof g_snap);
    CHECK(th_spawn_free(&w_inspect_main_def, zero, NULL) == 0);
    r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_SNAP(g_snap, "main R", 1, 0, 1, 1, 0, 1, 0, 0);

    /* main P: main switches to the tasklet; when it ends main (paused W) is revived */
    memset(&g_snap, 0, sizeof g_snap);
    t = th_spawn(&w_inspect_main_def, zero, NULL);
    CHECK(t != NULL);
    EXPECT_OK(PyTasklet_Switch(t));
    CHECK_SNAP(g_snap, "main P", 1, 1, 0, 1, 0, 1, 0, 0);
    CHECK(PyTasklet_IsCurrent(th_main));
    CHECK(!PyTasklet_Alive(t));
    Py_XDECREF(t);

    /* main BL: main receives, the tasklet looks and sends */
    memset(&g_snap, 0, sizeof g_snap);
    g_ch = PyChannel_New(NULL);
    CHECK(th_spawn_free(&w_inspect_main_def, one, NULL) == 0);
    r = PyChannel_Receive(g_ch);
    CHECK(r && PyLong_Check(r) && PyLong_AsLong(r) == 7);
    Py_XDECREF(r);
    CHECK_SNAP(g_snap, "main BL", 1, 0, 1, 1, 0, 1, -1, 0);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    th_drain(5);
    Py_CLEAR(g_ch);
    Py_DECREF(zero);
    Py_DECREF(one);
}

/* A native tasklet looking at itself while current. */
static PyObject *w_self_attrs_fn(PyObject *self, PyObject *unused)
{
    PyTaskletObject *me = (PyTaskletObject *)PyStackless_GetCurrent();
    (void)self; (void)unused;
    CHECK(me != NULL);
    if (!me) return NULL;
    CHECK_ATTRS(me, "native C", 1, 0, 1, 0, 1, 0, 0, 1);
    CHECK(PyStackless_GetCurrentId() != 0);
    th_logf("self-checked");
    Py_DECREF(me);
    Py_RETURN_NONE;
}
static PyMethodDef w_self_attrs_def = {"w_self_attrs", w_self_attrs_fn, METH_NOARGS, NULL};

MAIN_TEST(test_attrs_native_current)
{
    PyTaskletObject *t = th_spawn(&w_self_attrs_def, NULL, NULL);
    CHECK(t != NULL);
    if (!t) return;
    CHECK_FX_ATTRS(t, ST_R0, "R0 before run");
    EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR("self-checked");
    CHECK_FX_ATTRS(t, ST_D, "D after run");
    Py_DECREF(t);
}

/* ============================ flags ========================================================== */

static void check_flag_setters(PyTaskletObject *t, const char *label)
{
    (void)label;
    CHECK_EQ_INT(PyTasklet_GetAtomic(t), 0);
    CHECK_EQ_INT(PyTasklet_SetAtomic(t, 1), 0);
    CHECK_EQ_INT(PyTasklet_GetAtomic(t), 1);
    CHECK_EQ_INT(PyTasklet_SetAtomic(t, 5), 1);   /* stores flag != 0 */
    CHECK_EQ_INT(PyTasklet_GetAtomic(t), 1);
    CHECK_EQ_INT(PyTasklet_SetAtomic(t, 0), 1);
    CHECK_EQ_INT(PyTasklet_GetAtomic(t), 0);

    CHECK_EQ_INT(PyTasklet_GetIgnoreNesting(t), 0);
    CHECK_EQ_INT(PyTasklet_SetIgnoreNesting(t, 1), 0);
    CHECK_EQ_INT(PyTasklet_GetIgnoreNesting(t), 1);
    CHECK_EQ_INT(PyTasklet_SetIgnoreNesting(t, -3), 1);
    CHECK_EQ_INT(PyTasklet_GetIgnoreNesting(t), 1);
    CHECK_EQ_INT(PyTasklet_SetIgnoreNesting(t, 0), 1);
    CHECK_EQ_INT(PyTasklet_GetIgnoreNesting(t), 0);

    CHECK_EQ_INT(PyTasklet_GetBlockTrap(t), 0);
    PyTasklet_SetBlockTrap(t, 7);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(t), 1);
    PyTasklet_SetBlockTrap(t, 0);
    CHECK_EQ_INT(PyTasklet_GetBlockTrap(t), 0);
    CHECK_EQ_INT(PyTasklet_GetPendingIrq(t), 0);
    CHECK_NO_ERR();
}

MAIN_TEST(test_flags_get_set_every_state)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        check_flag_setters(f.t, fx_names[st]);
        CHECK_FX_ATTRS(f.t, st, fx_names[st]);   /* flags do not change the state */
        fx_cleanup(&f);
    }
    check_flag_setters(th_main, "main");
}

/* Flags are not inherited from the creator (API.md 2.1: all flags 0). */
static PyObject *w_report_flags_fn(PyObject *self, PyObject *unused)
{
    PyTaskletObject *me = (PyTaskletObject *)PyStackless_GetCurrent();
    (void)self; (void)unused;
    th_logf("atomic=%d block_trap=%d ignore_nesting=%d", PyTasklet_GetAtomic(me),
            PyTasklet_GetBlockTrap(me), PyTasklet_GetIgnoreNesting(me));
    Py_DECREF(me);
    Py_RETURN_NONE;
}
static PyMethodDef w_report_flags_def = {"w_report_flags", w_report_flags_fn, METH_NOARGS, NULL};

MAIN_TEST(test_flags_not_inherited_and_travel_with_tasklet)
{
    PyTaskletObject *t1, *t2;
    CHECK_EQ_INT(PyTasklet_SetAtomic(th_main, 1), 0);
    PyTasklet_SetBlockTrap(th_main, 1);
    CHECK_EQ_INT(PyTasklet_SetIgnoreNesting(th_main, 1), 0);
    t1 = th_spawn(&w_report_flags_def, NULL, NULL);
    CHECK(t1 && PyTasklet_GetAtomic(t1) == 0 && PyTasklet_GetBlockTrap(t1) == 0 &&
          PyTasklet_GetIgnoreNesting(t1) == 0);
    CHECK_EQ_INT(PyTasklet_SetAtomic(th_main, 0), 1);
    PyTasklet_SetBlockTrap(th_main, 0);
    CHECK_EQ_INT(PyTasklet_SetIgnoreNesting(th_main, 0), 1);
    if (t1) EXPECT_OK(PyTasklet_Run(t1));
    CHECK_LOG_SO_FAR("atomic=0 block_trap=0 ignore_nesting=0");

    th_log_reset();
    t2 = th_spawn(&w_report_flags_def, NULL, NULL);
    if (t2) {
        PyTasklet_SetAtomic(t2, 1);
        PyTasklet_SetBlockTrap(t2, 1);
        PyTasklet_SetIgnoreNesting(t2, 1);
        EXPECT_OK(PyTasklet_Run(t2));
    }
    CHECK_LOG_SO_FAR("atomic=1 block_trap=1 ignore_nesting=1");
    CHECK_EQ_INT(PyTasklet_GetAtomic(th_main), 0);
    Py_XDECREF(t1);
    Py_XDECREF(t2);
}

/* block_trap (API.md 5.9): blocking is refused, transfers and schedule_remove are not. */
MAIN_TEST(test_block_trap_behaviour)
{
    PyChannelObject *ch = PyChannel_New(NULL);
    PyObject *r;
    fixture f;
    PyTasklet_SetBlockTrap(th_main, 1);
    CHECK(PyChannel_Receive(ch) == NULL);
    CHECK_ERR(RTE, "this tasklet does not like to be blocked.");
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    r = PyStackless_Schedule(Py_None, 1);   /* alone: returns at once, not trapped */
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    if (fx_make(&f, ST_BLS) == 0) {           /* a sender waits: a transfer, not trapped */
        r = PyChannel_Receive(f.ch);
        CHECK(r && PyLong_AsLong(r) == 99);
        Py_XDECREF(r);
        CHECK_NO_ERR();
        CHECK(PyTasklet_Scheduled(f.t) && !PyTasklet_GetBlocked(f.t));
        fx_cleanup(&f);
    }
    PyTasklet_SetBlockTrap(th_main, 0);
    Py_DECREF(ch);
}

/* ============================ 2.1 bind / setup =============================================== */

MAIN_TEST(test_bind_func_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *f2 = make_f2();
        if (fx_make(&f, st)) { Py_DECREF(f2); continue; }
        if (st == ST_U || st == ST_B || st == ST_D || st == ST_P0) {
            EXPECT_OK(PyTasklet_BindEx(f.t, f2, NULL, NULL));
            CHECK_FX_ATTRS(f.t, ST_B, fx_names[st]);       /* -> B (init dropped for P0) */
            CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
            run_and_expect(f.t, 1, "F2");                   /* bound to F2 */
        } else {
            EXPECT_ERR(PyTasklet_BindEx(f.t, f2, NULL, NULL), RTE,
                       st == ST_P ? MSG_CSTATE : MSG_SCHEDULED);
            check_fixture_unchanged(&f, fx_names[st]);
        }
        fx_cleanup(&f);
        Py_DECREF(f2);
    }
}

MAIN_TEST(test_bind_none_matrix)
{
    int st, variant;
    for (variant = 0; variant < 2; variant++) {
        for (st = 0; st < ST_COUNT; st++) {
            fixture f;
            PyObject *fn = variant ? Py_None : NULL;
            if (fx_make(&f, st)) continue;
            if (st == ST_U || st == ST_B || st == ST_D || st == ST_P0) {
                PyObject *e = th_tuple0();
                EXPECT_OK(PyTasklet_BindEx(f.t, fn, NULL, NULL));
                CHECK_FX_ATTRS(f.t, ST_U, fx_names[st]);
                /* -> U: nothing bound any more */
                EXPECT_ERR(PyTasklet_Setup(f.t, e, NULL), RTE, MSG_NOT_BOUND);
                CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
                Py_DECREF(e);
            } else {
                EXPECT_ERR(PyTasklet_BindEx(f.t, fn, Py_None, Py_None), RTE,
                           st == ST_P ? MSG_CSTATE : MSG_SCHEDULED);
                check_fixture_unchanged(&f, fx_names[st]);
            }
            fx_cleanup(&f);
        }
    }
}

MAIN_TEST(test_bind_with_args_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *f2 = make_f2(), *e = th_tuple0();
        if (fx_make(&f, st)) { Py_DECREF(f2); Py_DECREF(e); continue; }
        if (st == ST_U || st == ST_B || st == ST_D || st == ST_P0) {
            EXPECT_OK(PyTasklet_BindEx(f.t, f2, e, NULL));
            CHECK_FX_ATTRS(f.t, ST_P0, fx_names[st]);       /* -> P0, not in the run queue */
            CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
            run_and_expect(f.t, 0, "F2");
        } else {
            EXPECT_ERR(PyTasklet_BindEx(f.t, f2, e, NULL), RTE, st == ST_P ? MSG_CSTATE : MSG_SCHEDULED);
            check_fixture_unchanged(&f, fx_names[st]);
        }
        fx_cleanup(&f);
        Py_DECREF(f2);
        Py_DECREF(e);
    }
}

/* bind(None, args): needs a bound function (STATES.md 2.1, row 3). */
MAIN_TEST(test_bind_args_without_func)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *e = th_tuple0();
        if (fx_make(&f, st)) { Py_DECREF(e); continue; }
        switch (st) {
        case ST_U: case ST_D:
            EXPECT_ERR(PyTasklet_BindEx(f.t, NULL, e, NULL), RTE, MSG_NOT_BOUND);
            CHECK_FX_ATTRS(f.t, ST_U, fx_names[st]);
            break;
        case ST_B:        /* its own function (w_park, returns at once) */
            EXPECT_OK(PyTasklet_BindEx(f.t, Py_None, e, Py_None));
            CHECK_FX_ATTRS(f.t, ST_P0, fx_names[st]);
            run_and_expect(f.t, 0, "start[R]");
            break;
        case ST_P0:
            /* API.md 2.2 bind/setup: preparing the call consumed tempval (setup sets it to
             * None), so a P0 has no bound function left; the old initial call is discarded
             * first (the error is raised by the effect phase) */
            EXPECT_ERR(PyTasklet_BindEx(f.t, NULL, e, NULL), RTE, MSG_NOT_BOUND);
            CHECK_FX_ATTRS(f.t, ST_U, fx_names[st]);
            break;
        default:
            EXPECT_ERR(PyTasklet_BindEx(f.t, NULL, e, NULL), RTE, st == ST_P ? MSG_CSTATE : MSG_SCHEDULED);
            check_fixture_unchanged(&f, fx_names[st]);
        }
        fx_cleanup(&f);
        Py_DECREF(e);
    }
}

/* Arguments really reach the function; re-binding a P0 replaces the prepared arguments;
 * kwargs alone prepare the call with args (). */
static PyObject *w_args_fn(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *k = kwargs ? PyDict_GetItemString(kwargs, "k") : NULL;
    Py_ssize_t i, n = PyTuple_Size(args);
    char buf[256];
    size_t len = 0;
    (void)self;
    len += (size_t)snprintf(buf + len, sizeof buf - len, "args(");
    for (i = 0; i < n && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, i ? ",%s" : "%s", th_val(PyTuple_GetItem(args, i)));
    if (len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, ") k=%s", k ? th_val(k) : "-");
    th_logf("%s", buf);
    Py_RETURN_NONE;
}
static PyMethodDef w_args_def = {"w_args", (PyCFunction)(void (*)(void))w_args_fn, METH_VARARGS | METH_KEYWORDS, NULL};

MAIN_TEST(test_bind_and_setup_pass_arguments)
{
    PyTaskletObject *t = th_new(&w_args_def, NULL);
    PyObject *a1 = th_tuple1_int(1), *a2 = PyTuple_Pack(2, Py_None, Py_None), *kw = PyDict_New();
    PyObject *v5 = th_int(5), *v6 = th_int(6), *e = th_tuple0(), *f;
    PyTuple_SetItem(a2, 0, th_int(2));   /* steals; replaces a borrowed None */
    PyTuple_SetItem(a2, 1, th_int(3));
    PyDict_SetItemString(kw, "k", v5);
    if (!t) return;

    f = PyCFunction_New(&w_args_def, NULL);
    EXPECT_OK(PyTasklet_BindEx(t, NULL, a1, NULL));          /* B -> P0 (1) */
    CHECK_FX_ATTRS(t, ST_P0, "P0");
    EXPECT_OK(PyTasklet_BindEx(t, f, a2, kw));               /* P0 re-prepared (2,3) k=5 */
    CHECK_FX_ATTRS(t, ST_P0, "P0 again");
    run_and_expect(t, 0, "args(2,3) k=5");

    /* dead tasklets keep no function: bind again with the function and kwargs only */
    EXPECT_OK(PyTasklet_BindEx(t, f, NULL, kw));
    CHECK_FX_ATTRS(t, ST_P0, "P0 kwargs only");
    run_and_expect(t, 0, "args() k=5");

    /* setup(*args, **kwargs) */
    EXPECT_OK(PyTasklet_BindEx(t, f, NULL, NULL));
    PyDict_SetItemString(kw, "k", v6);
    th_log_reset();
    EXPECT_OK(PyTasklet_Setup(t, a1, kw));
    CHECK_FX_ATTRS(t, ST_R0, "R0 after setup");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR("args(1) k=6");

    /* legacy PyTasklet_Bind: function only, returns the tasklet (new reference) */
    {
        PyTaskletObject *u = PyTasklet_New(NULL, NULL), *b;
        b = PyTasklet_Bind(u, f);
        CHECK(b == u);
        if (b) Py_DECREF(b);
        CHECK_FX_ATTRS(u, ST_B, "B via PyTasklet_Bind");
        th_log_reset();
        EXPECT_OK(PyTasklet_Setup(u, e, NULL));
        CHECK(PyTasklet_Bind(u, f) == NULL);                   /* now R0: scheduled */
        CHECK_ERR(RTE, MSG_SCHEDULED);
        EXPECT_OK(PyTasklet_Run(u));
        CHECK_LOG_SO_FAR("args() k=-");
        Py_DECREF(u);
    }
    Py_DECREF(f); Py_DECREF(t); Py_DECREF(a1); Py_DECREF(a2); Py_DECREF(kw);
    Py_DECREF(v5); Py_DECREF(v6); Py_DECREF(e);
}

/* API.md 2.2 bind checks 1-2 (TypeError) come before every state check. */
MAIN_TEST(test_bind_type_errors)
{
    PyTaskletObject *t = PyTasklet_New(NULL, NULL);
    PyObject *one = th_int(1), *f2 = make_f2(), *e = th_tuple0();
    EXPECT_ERR(PyTasklet_BindEx(t, one, NULL, NULL), PyExc_TypeError, "tasklet function must be a callable or None");
    EXPECT_ERR(PyTasklet_BindEx(t, f2, one, NULL), PyExc_TypeError, "tasklet args must be a tuple or None");
    EXPECT_ERR(PyTasklet_BindEx(t, f2, e, one), PyExc_TypeError, "tasklet kwargs must be a dictionary or None");
    CHECK_FX_ATTRS(t, ST_U, "U after failed binds");
    /* on the current main tasklet: the TypeError still wins */
    EXPECT_ERR(PyTasklet_BindEx(th_main, one, NULL, NULL), PyExc_TypeError, "tasklet function must be a callable or None");
    EXPECT_ERR(PyTasklet_BindEx(th_main, NULL, one, NULL), PyExc_TypeError, "tasklet args must be a tuple or None");
    /* bound to a non-callable through... not reachable from C: BindEx rejects it first */
    Py_DECREF(t); Py_DECREF(one); Py_DECREF(f2); Py_DECREF(e);
}

MAIN_TEST(test_setup_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *e = th_tuple0();
        if (fx_make(&f, st)) { Py_DECREF(e); continue; }
        switch (st) {
        case ST_U: case ST_D:
            EXPECT_ERR(PyTasklet_Setup(f.t, e, NULL), RTE, MSG_NOT_BOUND);
            CHECK_FX_ATTRS(f.t, ST_U, fx_names[st]);
            CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
            break;
        case ST_B:
            EXPECT_OK(PyTasklet_Setup(f.t, e, NULL));
            CHECK_FX_ATTRS(f.t, ST_R0, "B -> R0");
            CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
            break;
        default:
            EXPECT_ERR(PyTasklet_Setup(f.t, e, NULL), RTE, MSG_ALIVE);
            check_fixture_unchanged(&f, fx_names[st]);
        }
        fx_cleanup(&f);
        Py_DECREF(e);
    }
}

MAIN_TEST(test_setup_bad_arguments)
{
    PyTaskletObject *t = th_new(&w_args_def, NULL);
    PyObject *one = th_int(1), *e = th_tuple0();
    if (!t) return;
    EXPECT_ERR(PyTasklet_Setup(t, one, NULL), PyExc_TypeError, NULL);
    CHECK_FX_ATTRS(t, ST_B, "B after Setup(non-tuple)");
    EXPECT_ERR(PyTasklet_Setup(t, e, one), PyExc_TypeError, NULL);
    CHECK_FX_ATTRS(t, ST_B, "B after Setup((), non-dict)");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_FAIL_INT(PyTasklet_Setup(t, NULL, NULL));
    CHECK_FX_ATTRS(t, ST_B, "B after Setup(NULL)");
    Py_DECREF(t); Py_DECREF(one); Py_DECREF(e);
}

/* Operations of 2.1 on the current native tasklet (column C). */
static PyObject *w_bind_self_fn(PyObject *self, PyObject *unused)
{
    PyTaskletObject *me = (PyTaskletObject *)PyStackless_GetCurrent();
    PyObject *f2 = make_f2(), *e = th_tuple0();
    (void)self; (void)unused;
    EXPECT_ERR(PyTasklet_BindEx(me, f2, NULL, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_BindEx(me, NULL, NULL, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_BindEx(me, Py_None, NULL, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_BindEx(me, f2, e, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_BindEx(me, NULL, e, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_Setup(me, e, NULL), RTE, MSG_ALIVE);
    CHECK_ATTRS(me, "native C", 1, 0, 1, 0, 1, 0, 0, 1);
    th_logf("self-done");
    Py_DECREF(me); Py_DECREF(f2); Py_DECREF(e);
    Py_RETURN_NONE;
}
static PyMethodDef w_bind_self_def = {"w_bind_self", w_bind_self_fn, METH_NOARGS, NULL};

MAIN_TEST(test_bind_setup_current_tasklet)
{
    PyTaskletObject *t = th_spawn(&w_bind_self_def, NULL, NULL);
    if (t) EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR("self-done");
    Py_XDECREF(t);
}

/* Main-tasklet rules: current main -> "current"; paused main -> "can't unbind the main
 * tasklet" for every bind without args; runnable / blocked main -> "tasklet is scheduled". */
MAIN_TEST(test_bind_main_current)
{
    PyObject *f2 = make_f2(), *e = th_tuple0();
    EXPECT_ERR(PyTasklet_BindEx(th_main, f2, NULL, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_BindEx(th_main, NULL, NULL, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_BindEx(th_main, Py_None, Py_None, Py_None), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_BindEx(th_main, f2, e, NULL), RTE, MSG_CURRENT);
    EXPECT_ERR(PyTasklet_Setup(th_main, e, NULL), RTE, MSG_ALIVE);
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
    Py_DECREF(f2); Py_DECREF(e);
}

/* self: 0 = main is paused; 1 = main is runnable; 2 = main is blocked receiving on g_ch */
static PyObject *w_bind_main_fn(PyObject *self, PyObject *unused)
{
    long code = PyLong_AsLong(self);
    PyObject *f2 = make_f2(), *e = th_tuple0();
    (void)unused;
    if (code == 0) {
        EXPECT_ERR(PyTasklet_BindEx(th_main, NULL, NULL, NULL), RTE, MSG_UNBIND_MAIN);
        EXPECT_ERR(PyTasklet_BindEx(th_main, Py_None, Py_None, Py_None), RTE, MSG_UNBIND_MAIN);
        EXPECT_ERR(PyTasklet_BindEx(th_main, f2, NULL, NULL), RTE, MSG_UNBIND_MAIN);
        EXPECT_ERR(PyTasklet_Setup(th_main, e, NULL), RTE, MSG_ALIVE);
        EXPECT_OK(PyTasklet_Remove(th_main));            /* paused: no-op */
        CHECK(PyTasklet_Paused(th_main));
        th_logf("checked-P");
    } else {
        EXPECT_ERR(PyTasklet_BindEx(th_main, NULL, NULL, NULL), RTE, MSG_SCHEDULED);
        EXPECT_ERR(PyTasklet_BindEx(th_main, f2, NULL, NULL), RTE, MSG_SCHEDULED);
        EXPECT_ERR(PyTasklet_BindEx(th_main, f2, e, NULL), RTE, MSG_SCHEDULED);
        EXPECT_ERR(PyTasklet_Setup(th_main, e, NULL), RTE, MSG_ALIVE);
        if (code == 2) {
            PyObject *v = th_int(1);
            EXPECT_ERR(PyTasklet_Insert(th_main), RTE, MSG_BLOCKED);
            EXPECT_ERR(PyTasklet_Remove(th_main), RTE, MSG_REMOVE_BLOCKED);
            EXPECT_ERR(PyTasklet_Run(th_main), RTE, MSG_BLOCKED);
            EXPECT_ERR(PyTasklet_Switch(th_main), RTE, MSG_BLOCKED);
            CHECK_EQ_INT(PyTasklet_GetBlocked(th_main), -1);
            th_logf("checked-BL");
            if (PyChannel_Send(g_ch, v)) { Py_DECREF(v); Py_DECREF(f2); Py_DECREF(e); return NULL; }
            Py_DECREF(v);
        } else {
            EXPECT_OK(PyTasklet_Insert(th_main));        /* runnable: no-op */
            CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
            th_logf("checked-R");
        }
    }
    Py_DECREF(f2); Py_DECREF(e);
    Py_RETURN_NONE;
}
static PyMethodDef w_bind_main_def = {"w_bind_main", w_bind_main_fn, METH_NOARGS, NULL};

MAIN_TEST(test_bind_main_not_current)
{
    PyObject *c0 = th_int(0), *c1 = th_int(1), *c2 = th_int(2), *r;
    PyTaskletObject *t = th_spawn(&w_bind_main_def, c0, NULL);
    if (t) EXPECT_OK(PyTasklet_Switch(t));   /* main paused; revived when t ends */
    Py_XDECREF(t);
    CHECK(th_spawn_free(&w_bind_main_def, c1, NULL) == 0);
    r = PyStackless_Schedule(Py_None, 0);    /* main runnable */
    Py_XDECREF(r);
    CHECK_NO_ERR();
    g_ch = PyChannel_New(NULL);
    CHECK(th_spawn_free(&w_bind_main_def, c2, NULL) == 0);
    r = PyChannel_Receive(g_ch);             /* main blocked */
    CHECK(r && PyLong_AsLong(r) == 1);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    th_drain(5);
    CHECK_LOG_SO_FAR("checked-P checked-R checked-BL");
    CHECK_ATTRS(th_main, "main C after", 1, 0, 1, 1, 1, 1, 0, 0);
    Py_CLEAR(g_ch);
    Py_DECREF(c0); Py_DECREF(c1); Py_DECREF(c2);
}

/* ============================ 2.2 insert / remove / run / switch ============================== */

MAIN_TEST(test_insert_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        switch (st) {
        case ST_U: case ST_B: case ST_D:
            EXPECT_ERR(PyTasklet_Insert(f.t), RTE, MSG_DEAD);
            check_fixture_unchanged(&f, fx_names[st]);
            break;
        case ST_P0: case ST_P:
            EXPECT_OK(PyTasklet_Insert(f.t));
            CHECK_FX_ATTRS(f.t, st == ST_P0 ? ST_R0 : ST_R, fx_names[st]);
            CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
            CHECK_LOG_SO_FAR(""); /* insert never switches */
            break;
        case ST_R0: case ST_R:
            EXPECT_OK(PyTasklet_Insert(f.t));        /* no-op */
            check_fixture_unchanged(&f, fx_names[st]);
            break;
        default:
            EXPECT_ERR(PyTasklet_Insert(f.t), RTE, MSG_BLOCKED);
            check_fixture_unchanged(&f, fx_names[st]);
        }
        fx_cleanup(&f);
    }
    EXPECT_OK(PyTasklet_Insert(th_main));              /* current: no-op */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

MAIN_TEST(test_remove_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        switch (st) {
        case ST_R0: case ST_R:
            EXPECT_OK(PyTasklet_Remove(f.t));
            CHECK_FX_ATTRS(f.t, st == ST_R0 ? ST_P0 : ST_P, fx_names[st]);
            CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
            break;
        case ST_BLR: case ST_BLS:
            EXPECT_ERR(PyTasklet_Remove(f.t), RTE, MSG_REMOVE_BLOCKED);
            check_fixture_unchanged(&f, fx_names[st]);
            break;
        default:
            EXPECT_OK(PyTasklet_Remove(f.t));        /* no-op */
            check_fixture_unchanged(&f, fx_names[st]);
        }
        CHECK_LOG_SO_FAR("");
        fx_cleanup(&f);
    }
    EXPECT_ERR(PyTasklet_Remove(th_main), RTE, MSG_REMOVE_CURRENT);
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
}

/* run(): the target runs now, the caller stays runnable ([R] in the log). */
MAIN_TEST(test_run_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        switch (st) {
        case ST_U: case ST_B: case ST_D:
            EXPECT_ERR(PyTasklet_Run(f.t), RTE, MSG_DEAD);
            check_fixture_unchanged(&f, fx_names[st]);
            break;
        case ST_BLR: case ST_BLS:
            EXPECT_ERR(PyTasklet_Run(f.t), RTE, MSG_BLOCKED);
            check_fixture_unchanged(&f, fx_names[st]);
            break;
        case ST_P0: case ST_R0:       /* starts, then schedule_remove()s -> P */
            EXPECT_OK(PyTasklet_Run(f.t));
            CHECK_LOG_SO_FAR("start[R]");
            CHECK_FX_ATTRS(f.t, ST_P, fx_names[st]);
            CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
            break;
        case ST_P: case ST_R:         /* resumes with its own transfer value and ends */
            EXPECT_OK(PyTasklet_Run(f.t));
            CHECK_LOG_SO_FAR("resumed:None[R]");
            CHECK_FX_ATTRS(f.t, ST_D, fx_names[st]);
            CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
            break;
        }
        fx_cleanup(&f);
    }
    th_log_reset();
    EXPECT_OK(PyTasklet_Run(th_main));                 /* current: no-op */
    EXPECT_OK(PyTasklet_Run_nr(th_main));
    CHECK_LOG_SO_FAR("");
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
}

/* switch(): like run but the caller is paused ([P] in the log); the paused main is revived
 * when the run queue empties (STATES.md 4.2). */
MAIN_TEST(test_switch_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        switch (st) {
        case ST_U: case ST_B: case ST_D:
            EXPECT_ERR(PyTasklet_Switch(f.t), RTE, MSG_DEAD);
            check_fixture_unchanged(&f, fx_names[st]);
            break;
        case ST_BLR: case ST_BLS:
            EXPECT_ERR(PyTasklet_Switch(f.t), RTE, MSG_BLOCKED);
            check_fixture_unchanged(&f, fx_names[st]);
            break;
        case ST_P0: case ST_R0:
            EXPECT_OK(PyTasklet_Switch(f.t));
            CHECK_LOG_SO_FAR("start[P]");
            CHECK_FX_ATTRS(f.t, ST_P, fx_names[st]);
            break;
        case ST_P: case ST_R:
            EXPECT_OK(PyTasklet_Switch(f.t));
            CHECK_LOG_SO_FAR("resumed:None[P]");
            CHECK_FX_ATTRS(f.t, ST_D, fx_names[st]);
            break;
        }
        CHECK_ATTRS(th_main, "main after switch", 1, 0, 1, 1, 1, 1, 0, 0);
        CHECK_EQ_INT(PyStackless_GetRunCount(), fx_runcount(st) - ((st == ST_R0 || st == ST_R) ? 1 : 0));
        fx_cleanup(&f);
    }
    th_log_reset();
    EXPECT_OK(PyTasklet_Switch(th_main));              /* current: no-op */
    EXPECT_OK(PyTasklet_Switch_nr(th_main));
    CHECK_LOG_SO_FAR("");
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
}

/* The _nr variants called from C behave like the plain ones (return 0, never 1). */
MAIN_TEST(test_nr_variants_behave_like_plain)
{
    fixture f;
    if (fx_make(&f, ST_R0) == 0) {
        CHECK_EQ_INT(PyTasklet_Run_nr(f.t), 0);
        CHECK_NO_ERR();
        CHECK_LOG_SO_FAR("start[R]");
        CHECK_FX_ATTRS(f.t, ST_P, "P after Run_nr");
        th_log_reset();
        CHECK_EQ_INT(PyTasklet_Switch_nr(f.t), 0);
        CHECK_NO_ERR();
        CHECK_LOG_SO_FAR("resumed:None[P]");
        fx_cleanup(&f);
    }
    if (fx_make(&f, ST_U) == 0) {
        EXPECT_ERR(PyTasklet_Run_nr(f.t), RTE, MSG_DEAD);
        EXPECT_ERR(PyTasklet_Switch_nr(f.t), RTE, MSG_DEAD);
        fx_cleanup(&f);
    }
}

/* Operations of 2.2 on the current native tasklet (column C). */
static PyObject *w_queue_self_fn(PyObject *self, PyObject *unused)
{
    PyTaskletObject *me = (PyTaskletObject *)PyStackless_GetCurrent();
    (void)self; (void)unused;
    EXPECT_OK(PyTasklet_Insert(me));
    EXPECT_ERR(PyTasklet_Remove(me), RTE, MSG_REMOVE_CURRENT);
    EXPECT_OK(PyTasklet_Run(me));
    EXPECT_OK(PyTasklet_Switch(me));
    EXPECT_OK(PyTasklet_Run_nr(me));
    EXPECT_OK(PyTasklet_Switch_nr(me));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_ATTRS(me, "native C", 1, 0, 1, 0, 1, 0, 0, 1);
    th_logf("self-done[%s]", th_main_state());
    Py_DECREF(me);
    Py_RETURN_NONE;
}
static PyMethodDef w_queue_self_def = {"w_queue_self", w_queue_self_fn, METH_NOARGS, NULL};

MAIN_TEST(test_queue_ops_on_current_native)
{
    PyTaskletObject *t = th_spawn(&w_queue_self_def, NULL, NULL);
    if (t) EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR("self-done[R]");
    Py_XDECREF(t);
}

/* ============================ orphaned tasklets (STATES.md 6, 2.x column O) ================== */

enum { O_U, O_B, O_P0A, O_P0B, O_P0C, O_P0D, O_R0, O_PH, O_BL, O_MAIN, O_COUNT };
static PyTaskletObject *o_t[O_COUNT];
static PyChannelObject *o_ch;
static unsigned long o_thread_id;
static int o_body_ran;

static PyTaskletObject *o_bound(const char *name)
{
    PyObject *n = th_str(name);
    PyTaskletObject *t = th_new(&th_log_def, n);
    Py_DECREF(n);
    return t;
}

static PyObject *orphan_body(PyObject *self, PyObject *unused)
{
    PyObject *e = th_tuple0();
    int i;
    (void)self; (void)unused;
    o_t[O_MAIN] = (PyTaskletObject *)PyStackless_GetCurrent();
    o_thread_id = PyStackless_GetCurrentId();
    o_t[O_U] = PyTasklet_New(NULL, NULL);
    o_t[O_B] = o_bound("OB");
    o_t[O_P0A] = o_bound("OP0A");
    o_t[O_P0B] = o_bound("OP0B");
    o_t[O_P0C] = o_bound("OP0C");
    o_t[O_P0D] = o_bound("OP0D");
    for (i = O_P0A; i <= O_P0D; i++)
        if (o_t[i]) PyTasklet_BindEx(o_t[i], NULL, e, NULL);
    o_t[O_R0] = o_bound("OR0");
    if (o_t[O_R0]) PyTasklet_Setup(o_t[O_R0], e, NULL);
    o_t[O_PH] = th_new_park(PARK_SREMOVE, NULL);
    if (o_t[O_PH] && PyTasklet_Setup(o_t[O_PH], e, NULL) == 0) PyTasklet_Run(o_t[O_PH]);
    o_t[O_BL] = th_new_park(PARK_RECV, o_ch);
    if (o_t[O_BL] && PyTasklet_Setup(o_t[O_BL], e, NULL) == 0) PyTasklet_Run(o_t[O_BL]);
    Py_DECREF(e);
    o_body_ran = 1;
    if (PyErr_Occurred()) { PyErr_Print(); PyErr_Clear(); }
    /* R0 stays in the (then main-less) run queue; PH is paused, BL blocked: all with the thread */
    Py_RETURN_NONE;
}
static PyMethodDef orphan_body_def = {"orphan_body", orphan_body, METH_NOARGS, NULL};

static void *orphan_thread(void *arg)
{
    PyObject *r = PyStackless_CallCMethod_Main(&orphan_body_def, NULL, NULL);
    (void)arg;
    if (!r) { PyErr_Print(); PyErr_Clear(); }
    Py_XDECREF(r);
    return NULL;
}

/* API.md 7.6 / STATES.md 6 / NODE.md 6: when the thread ends, its tasklets with C state are
 * killed (TaskletExit raised in them): the paused one (PH) and the blocked one (BL, which then
 * leaves its channel); the never-started R0 runs no code. */
static void orphan_cstate_body(void)
{
    static const char *const names[O_COUNT] = {"U", "B", "P0A", "P0B", "P0C", "P0D", "R0", "PH(C state)", "BL(C state)", "thread main"};
    int i;
    if (!o_body_ran) { CHECK(o_body_ran); return; }
    CHECK_LOG_SO_FAR("start[-] start[-] exc:TaskletExit[-] exc:TaskletExit[-]");
    CHECK_EQ_INT(PyChannel_GetBalance(o_ch), 0);
    for (i = 0; i < O_COUNT; i++) {
        /* O/none, O/soft: nothing alive, nothing scheduled, no C state, not main */
        if (o_t[i]) CHECK_ATTRS(o_t[i], names[i], 0, 0, 0, 1, 0, 0, 0, 0);
    }
}

/* Operations on orphans without C state (STATES.md 2.x column O, API.md 7.6). */
static void orphan_checks_body(void)
{
    PyObject *e = th_tuple0(), *f2 = make_f2(), *exit_cls = PyExc_TaskletExit;
    int i;
    if (!o_body_ran) { CHECK(o_body_ran); Py_DECREF(e); Py_DECREF(f2); return; }
    for (i = 0; i < O_PH; i++)
        if (o_t[i]) CHECK_ATTRS(o_t[i], "orphan", 0, 0, 0, 1, 0, 0, 0, 0);
    CHECK(o_t[O_MAIN] && !PyTasklet_IsMain(o_t[O_MAIN]) && !PyTasklet_Alive(o_t[O_MAIN]));

    /* 2.1: setup / bind on orphans */
    EXPECT_ERR(PyTasklet_Setup(o_t[O_B], e, NULL), RTE, MSG_NO_THREAD);
    EXPECT_ERR(PyTasklet_Setup(o_t[O_U], e, NULL), RTE, MSG_NOT_BOUND);
    EXPECT_OK(PyTasklet_BindEx(o_t[O_U], f2, NULL, NULL));               /* O/none -> B, orphaned */
    EXPECT_ERR(PyTasklet_Setup(o_t[O_U], e, NULL), RTE, MSG_NO_THREAD);
    EXPECT_ERR(PyTasklet_BindEx(o_t[O_P0B], f2, e, NULL), RTE, MSG_NO_THREAD);
    EXPECT_OK(PyTasklet_BindEx(o_t[O_P0D], NULL, NULL, NULL));           /* O/soft -> U */
    EXPECT_ERR(PyTasklet_Setup(o_t[O_P0D], e, NULL), RTE, MSG_NOT_BOUND);

    /* 2.2 on O/soft */
    EXPECT_ERR(PyTasklet_Insert(o_t[O_P0A]), RTE, "Target thread isn't initialized");
    EXPECT_OK(PyTasklet_Remove(o_t[O_P0A]));
    EXPECT_ERR(PyTasklet_Run(o_t[O_P0A]), RTE, MSG_NO_THREAD);
    EXPECT_ERR(PyTasklet_Switch(o_t[O_P0A]), RTE, MSG_NO_THREAD);
    /* 2.3 */
    EXPECT_ERR(PyTasklet_Throw(o_t[O_P0A], 0, PyExc_ValueError, NULL, NULL), RTE, MSG_NO_THREAD);
    EXPECT_ERR(PyTasklet_Throw(o_t[O_P0A], 1, PyExc_ValueError, NULL, NULL), RTE, MSG_NO_THREAD);
    EXPECT_ERR(PyTasklet_Throw(o_t[O_P0A], 0, exit_cls, NULL, NULL), RTE, MSG_NO_THREAD);
    EXPECT_ERR(PyTasklet_Throw(o_t[O_B], 0, PyExc_ValueError, NULL, NULL), RTE, MSG_NO_THREAD);
    EXPECT_OK(PyTasklet_Throw(o_t[O_B], 0, exit_cls, NULL, NULL));       /* O/none: no-op */
    EXPECT_OK(PyTasklet_Kill(o_t[O_B]));                                  /* O/none: no-op */
    EXPECT_OK(PyTasklet_Kill(o_t[O_P0C]));                                /* frames dropped */
    CHECK_LOG_SO_FAR("");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);

    /* bind_thread revives O/soft (exec) tasklets in the calling thread */
    EXPECT_OK(PyTasklet_BindThread(o_t[O_P0A], (unsigned long)-1));
    CHECK_ATTRS(o_t[O_P0A], "P0A rebound", 1, 1, 0, 1, 0, 0, 0, 0);
    th_log_reset();
    EXPECT_OK(PyTasklet_Run(o_t[O_P0A]));
    CHECK_LOG_SO_FAR("OP0A");
    th_log_reset();
    EXPECT_OK(PyTasklet_BindThread(o_t[O_R0], (unsigned long)-1));
    CHECK_ATTRS(o_t[O_R0], "R0 rebound", 1, 1, 0, 1, 0, 0, 0, 0);
    EXPECT_OK(PyTasklet_Insert(o_t[O_R0]));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    th_drain(5);
    CHECK_LOG_SO_FAR("OR0");
    EXPECT_OK(PyTasklet_BindThread(o_t[O_P0C], (unsigned long)-1));      /* killed: no exec left */
    CHECK_ATTRS(o_t[O_P0C], "P0C rebound", 0, 0, 0, 1, 0, 0, 0, 0);
    EXPECT_OK(PyTasklet_BindThread(o_t[O_U], (unsigned long)-1));        /* bound to F2 */
    run_and_expect(o_t[O_U], 1, "F2");
    th_log_reset();
    EXPECT_OK(PyTasklet_BindThread(o_t[O_B], (unsigned long)-1));
    run_and_expect(o_t[O_B], 1, "OB");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_DECREF(e); Py_DECREF(f2);
}

/* th_run_main resets the log: keep the events the thread logged. */
static char o_saved_log[sizeof th_log];
static void orphan_cstate_restore(void)
{
    memcpy(th_log, o_saved_log, sizeof th_log);
    th_loglen = strlen(th_log);
    orphan_cstate_body();
}

/* A thread creates tasklets in every state and exits; this test checks the thread-end kill of
 * the tasklets with C state, the next one the other orphans. */
static void test_orphans_cstate_killed_at_thread_end(void)
{
    pthread_t th;
    o_body_ran = 0;
    o_ch = PyChannel_New(NULL);
    th_log_reset();
    if (pthread_create(&th, NULL, orphan_thread, NULL) != 0) { CHECK(!"pthread_create"); return; }
    pthread_join(th, NULL);
    memcpy(o_saved_log, th_log, sizeof th_log);
    th_run_main(orphan_cstate_restore);
}

static void test_orphans_operations(void)
{
    int i;
    th_run_main(orphan_checks_body);
    for (i = 0; i < O_COUNT; i++) Py_CLEAR(o_t[i]);
    Py_CLEAR(o_ch);
}

/* ============================ other live threads (NODE.md 6) ================================ */

static pthread_mutex_t x_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t x_cv = PTHREAD_COND_INITIALIZER;
static int x_stage;
static PyTaskletObject *x_p0, *x_main;
static unsigned long x_thread_id;

static void x_wait_stage(int s)
{
    pthread_mutex_lock(&x_mu);
    while (x_stage < s) pthread_cond_wait(&x_cv, &x_mu);
    pthread_mutex_unlock(&x_mu);
}
static void x_set_stage(int s)
{
    pthread_mutex_lock(&x_mu);
    x_stage = s;
    pthread_cond_broadcast(&x_cv);
    pthread_mutex_unlock(&x_mu);
}

static PyObject *x_body(PyObject *self, PyObject *unused)
{
    PyObject *e = th_tuple0(), *n = th_str("X");
    (void)self; (void)unused;
    x_main = (PyTaskletObject *)PyStackless_GetCurrent();
    x_thread_id = PyStackless_GetCurrentId();
    x_p0 = th_new(&th_log_def, n);
    if (x_p0) PyTasklet_BindEx(x_p0, NULL, e, NULL);
    x_set_stage(1);
    x_wait_stage(2);                 /* the other thread inspects us meanwhile */
    if (x_p0) { PyTasklet_Kill(x_p0); PyErr_Clear(); }
    Py_DECREF(e); Py_DECREF(n);
    Py_RETURN_NONE;
}
static PyMethodDef x_body_def = {"x_body", x_body, METH_NOARGS, NULL};

static void *x_thread(void *arg)
{
    PyObject *r = PyStackless_CallCMethod_Main(&x_body_def, NULL, NULL);
    (void)arg;
    if (!r) { PyErr_Print(); PyErr_Clear(); }
    Py_XDECREF(r);
    return NULL;
}

MAIN_TEST(test_other_thread_tasklets)
{
    pthread_t th;
    PyTaskletObject *u = PyTasklet_New(NULL, NULL);
    x_stage = 0;
    if (pthread_create(&th, NULL, x_thread, NULL) != 0) { CHECK(!"pthread_create"); Py_XDECREF(u); return; }
    x_wait_stage(1);
    CHECK(x_main && x_p0);
    if (x_main && x_p0) {
        /* predicates are relative to the tasklet's own thread */
        CHECK(PyTasklet_IsMain(x_main));
        CHECK(PyTasklet_IsCurrent(x_main));
        CHECK(x_main != th_main && PyTasklet_IsMain(th_main));
        CHECK(x_thread_id != PyStackless_GetCurrentId());
        CHECK_ATTRS(x_p0, "other thread P0", 1, 1, 0, 1, 0, 0, 0, 0);
        /* cross-thread operations are not supported yet: RuntimeError, nothing changes */
        EXPECT_ERR(PyTasklet_Switch(x_p0), RTE, "can't switch to a different thread.");
        EXPECT_ERR(PyTasklet_Run(x_p0), RTE, NULL);
        EXPECT_ERR(PyTasklet_Insert(x_p0), RTE, NULL);
        EXPECT_ERR(PyTasklet_Kill(x_p0), RTE, NULL);
        EXPECT_ERR(PyTasklet_Throw(x_p0, 0, PyExc_ValueError, NULL, NULL), RTE, NULL);
        CHECK_ATTRS(x_p0, "other thread P0 after", 1, 1, 0, 1, 0, 0, 0, 0);
        CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
        /* bind_thread of a local tasklet: own thread no-op, unknown thread ValueError */
        EXPECT_OK(PyTasklet_BindThread(u, (unsigned long)-1));
        EXPECT_ERR(PyTasklet_BindThread(u, 0x7ffffff1UL), PyExc_ValueError, "bad thread");
    }
    x_set_stage(2);
    pthread_join(th, NULL);
    Py_CLEAR(x_p0);
    Py_CLEAR(x_main);
    Py_XDECREF(u);
    CHECK_LOG_SO_FAR("");
}

int main(void)
{
    TEST(test_attrs_of_fixture_states);
    TEST(test_attrs_main_current);
    TEST(test_attrs_main_runnable_paused_blocked);
    TEST(test_attrs_native_current);
    TEST(test_flags_get_set_every_state);
    TEST(test_flags_not_inherited_and_travel_with_tasklet);
    TEST(test_block_trap_behaviour);
    TEST(test_bind_func_matrix);
    TEST(test_bind_none_matrix);
    TEST(test_bind_with_args_matrix);
    TEST(test_bind_args_without_func);
    TEST(test_bind_and_setup_pass_arguments);
    TEST(test_bind_type_errors);
    TEST(test_setup_matrix);
    TEST(test_setup_bad_arguments);
    TEST(test_bind_setup_current_tasklet);
    TEST(test_bind_main_current);
    TEST(test_bind_main_not_current);
    TEST(test_insert_matrix);
    TEST(test_remove_matrix);
    TEST(test_run_matrix);
    TEST(test_switch_matrix);
    TEST(test_nr_variants_behave_like_plain);
    TEST(test_queue_ops_on_current_native);
    TEST(test_orphans_cstate_killed_at_thread_end);
    TEST(test_orphans_operations);
    TEST(test_other_thread_tasklets);
    return TEST_SUMMARY();
}
