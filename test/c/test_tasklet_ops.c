/* test_tasklet_ops.c - exceptions into tasklets and their routing, from the spec:
 *   STATES.md 2.3 (throw, raise_exception, kill, pending variants, per state),
 *   STATES.md 4.2 / 4.3 and API.md 5.5 / 5.6 (empty run queue, uncaught exceptions, the
 *   worked examples), API.md 2.2 (throw argument checks, bind_thread), C-API.md 3 / 4 (type
 *   checks of PyTasklet_New / PyChannel_New), and robustness against NULL / wrong-type
 *   arguments (run in a forked child so that a crash is reported, not fatal to the file). */
#define _GNU_SOURCE 1
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_helpers.h"

#define RTE PyExc_RuntimeError
#define MSG_THROW_DEAD "You cannot throw to a dead tasklet"
#define MSG_DEADLOCK "Deadlock: the last runnable tasklet cannot be blocked."
#define MSG_RECV_NO_SENDER "the main tasklet is receiving without a sender available."
#define MSG_SEND_NO_RECEIVER "the main tasklet is sending without a receiver available."

static int is_dead_state(int st) { return st == ST_U || st == ST_B || st == ST_D; }
static int is_unstarted(int st) { return st == ST_P0 || st == ST_R0; }

/* After a non-pending throw/kill the target is dead, the run queue holds only main and the
 * fixture channel is empty. */
static void check_dead_after(fixture *f)
{
    CHECK_ATTRS(f->t, fx_names[f->state], 0, 0, 0, 1, 0, 0, 0, 0);
    CHECK_EQ_INT(PyChannel_GetBalance(f->ch), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK(PyTasklet_IsCurrent(th_main));
}

/* After a pending throw/kill the target is runnable (not blocked any more). */
static void check_runnable_after(fixture *f)
{
    int started = !is_unstarted(f->state);
    CHECK_ATTRS(f->t, fx_names[f->state], 1, 0, 1, !started, 0, 0, 0, started);
    CHECK_EQ_INT(PyChannel_GetBalance(f->ch), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
}

/* ============================ 2.3 throw ======================================================= */

/* throw(E) not pending, target catches (PARK_CATCH): runs now, caller stays runnable. */
MAIN_TEST(test_throw_matrix_caught)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *msg = th_str("x");
        if (fx_make_ex(&f, st, PARK_CATCH)) { Py_DECREF(msg); continue; }
        if (is_dead_state(st)) {
            EXPECT_ERR(PyTasklet_Throw(f.t, 0, PyExc_ValueError, msg, NULL), RTE, MSG_THROW_DEAD);
            CHECK_ATTRS(f.t, fx_names[st], 0, 0, 0, 1, 0, 0, 0, 0);
        } else if (is_unstarted(st)) {
            /* raised before the function starts: the tasklet dies with it, and the exception
             * goes to the wake-up target, which is the caller (main): throw() raises it */
            EXPECT_ERR(PyTasklet_Throw(f.t, 0, PyExc_ValueError, msg, NULL), PyExc_ValueError, "x");
            CHECK_LOG_SO_FAR("");
            check_dead_after(&f);
        } else {
            EXPECT_OK(PyTasklet_Throw(f.t, 0, PyExc_ValueError, msg, NULL));
            CHECK_LOG_SO_FAR("exc:ValueError[R]");
            CHECK_STR(th_last_msg, "x");
            check_dead_after(&f);
        }
        fx_cleanup(&f);
        Py_DECREF(msg);
    }
}

/* throw(E) not pending, target does not catch: it dies, main (the wake-up target and the
 * caller) gets E from its throw() call. */
MAIN_TEST(test_throw_matrix_uncaught)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *msg = th_str("y");
        if (is_dead_state(st)) { Py_DECREF(msg); continue; }
        if (fx_make(&f, st)) { Py_DECREF(msg); continue; }
        EXPECT_ERR(PyTasklet_Throw(f.t, 0, PyExc_ZeroDivisionError, msg, NULL), PyExc_ZeroDivisionError, "y");
        CHECK_LOG_SO_FAR(is_unstarted(st) ? "" : "exc:ZeroDivisionError[R]");
        check_dead_after(&f);
        fx_cleanup(&f);
        Py_DECREF(msg);
    }
}

/* throw(E, pending=True): target made runnable with E pending, caller continues. */
MAIN_TEST(test_throw_pending_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *msg = th_str("p"), *r;
        if (fx_make_ex(&f, st, PARK_CATCH)) { Py_DECREF(msg); continue; }
        if (is_dead_state(st)) {
            EXPECT_ERR(PyTasklet_Throw(f.t, 1, PyExc_ValueError, msg, NULL), RTE, MSG_THROW_DEAD);
        } else {
            EXPECT_OK(PyTasklet_Throw(f.t, 1, PyExc_ValueError, msg, NULL));
            CHECK_LOG_SO_FAR("");                /* nothing ran yet */
            check_runnable_after(&f);
            r = PyStackless_Schedule(Py_None, 0);
            if (is_unstarted(st)) {
                /* dies before its function runs; main (W) receives E at its schedule() */
                CHECK(r == NULL);
                CHECK_ERR(PyExc_ValueError, "p");
                CHECK_LOG_SO_FAR("");
            } else {
                CHECK(r == Py_None);
                CHECK_NO_ERR();
                CHECK_LOG_SO_FAR("exc:ValueError[R]");
                CHECK_STR(th_last_msg, "p");
            }
            Py_XDECREF(r);
            check_dead_after(&f);
        }
        fx_cleanup(&f);
        Py_DECREF(msg);
    }
}

/* throw(TaskletExit): no-op on dead tasklets; otherwise like E but swallowed when uncaught. */
MAIN_TEST(test_throw_taskletexit_matrix)
{
    int st, pending;
    for (pending = 0; pending < 2; pending++) {
        for (st = 0; st < ST_COUNT; st++) {
            fixture f;
            if (fx_make(&f, st)) continue;
            EXPECT_OK(PyTasklet_Throw(f.t, pending, PyExc_TaskletExit, NULL, NULL));
            if (is_dead_state(st)) {
                CHECK_ATTRS(f.t, fx_names[st], 0, 0, 0, 1, 0, 0, 0, 0);
            } else {
                if (pending) {
                    CHECK_LOG_SO_FAR("");
                    check_runnable_after(&f);
                    CHECK(th_drain(3) == 0);
                    CHECK_NO_ERR();
                }
                CHECK_LOG_SO_FAR(is_unstarted(st) ? "" : "exc:TaskletExit[R]");
                check_dead_after(&f);
            }
            fx_cleanup(&f);
        }
    }
}

/* ============================ 2.3 kill ======================================================== */

MAIN_TEST(test_kill_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        EXPECT_OK(PyTasklet_Kill(f.t));
        if (is_dead_state(st)) {
            CHECK_ATTRS(f.t, fx_names[st], 0, 0, 0, 1, 0, 0, 0, 0);   /* no-op */
            CHECK_LOG_SO_FAR("");
        } else {
            /* not started: dies silently, its function never runs; started: TaskletExit at the
             * resume point (a blocked one: from its channel call), caller runnable meanwhile */
            CHECK_LOG_SO_FAR(is_unstarted(st) ? "" : "exc:TaskletExit[R]");
            check_dead_after(&f);
        }
        fx_cleanup(&f);
    }
}

MAIN_TEST(test_kill_pending_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        EXPECT_OK(PyTasklet_KillEx(f.t, 1));
        CHECK_LOG_SO_FAR("");
        if (is_dead_state(st)) {
            CHECK_ATTRS(f.t, fx_names[st], 0, 0, 0, 1, 0, 0, 0, 0);
        } else {
            PyObject *r;
            check_runnable_after(&f);
            r = PyStackless_Schedule(Py_None, 0);
            CHECK(r == Py_None);
            Py_XDECREF(r);
            CHECK_NO_ERR();
            CHECK_LOG_SO_FAR(is_unstarted(st) ? "" : "exc:TaskletExit[R]");
            check_dead_after(&f);
        }
        fx_cleanup(&f);
    }
    /* KillEx(t, 0) is Kill */
    {
        fixture f;
        if (fx_make(&f, ST_P) == 0) {
            EXPECT_OK(PyTasklet_KillEx(f.t, 0));
            CHECK_LOG_SO_FAR("exc:TaskletExit[R]");
            check_dead_after(&f);
            fx_cleanup(&f);
        }
    }
}

/* ============================ 2.3 raise_exception ============================================= */

MAIN_TEST(test_raise_exception_matrix)
{
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        PyObject *m = th_str("m"), *targs = PyTuple_Pack(1, m), *e = th_tuple0();
        if (fx_make_ex(&f, st, PARK_CATCH)) { Py_DECREF(m); Py_DECREF(targs); Py_DECREF(e); continue; }
        if (is_dead_state(st)) {
            EXPECT_ERR(PyTasklet_RaiseException(f.t, PyExc_ValueError, m), RTE, MSG_THROW_DEAD);
            EXPECT_OK(PyTasklet_RaiseException(f.t, PyExc_TaskletExit, e));   /* exempt */
        } else if (is_unstarted(st)) {
            EXPECT_ERR(PyTasklet_RaiseException(f.t, PyExc_ValueError, m), PyExc_ValueError, "m");
            CHECK_LOG_SO_FAR("");
            check_dead_after(&f);
        } else {
            /* args: a single non-tuple object is wrapped in a 1-tuple; a tuple is used as is */
            EXPECT_OK(PyTasklet_RaiseException(f.t, PyExc_ValueError, (st & 1) ? m : targs));
            CHECK_LOG_SO_FAR("exc:ValueError[R]");
            CHECK_STR(th_last_msg, "m");
            check_dead_after(&f);
        }
        fx_cleanup(&f);
        Py_DECREF(m); Py_DECREF(targs); Py_DECREF(e);
    }
}

MAIN_TEST(test_raise_exception_and_throw_argument_errors)
{
    fixture f;
    PyObject *one = th_int(1), *i = th_str("i"), *inst, *e = th_tuple0();
    if (fx_make_ex(&f, ST_P, PARK_CATCH)) { Py_DECREF(one); Py_DECREF(i); Py_DECREF(e); return; }
    inst = PyObject_CallFunctionObjArgs(PyExc_ValueError, i, NULL);
    CHECK(inst != NULL);
    EXPECT_ERR(PyTasklet_RaiseException(f.t, one, e), PyExc_TypeError,
               "tasklet.raise_exception needs Exception or string subclass as first parameter");
    EXPECT_ERR(PyTasklet_RaiseException(f.t, (PyObject *)&PyTasklet_Type, e), PyExc_TypeError,
               "tasklet.raise_exception needs Exception or string subclass as first parameter");
    EXPECT_ERR(PyTasklet_Throw(f.t, 0, one, NULL, NULL), PyExc_TypeError,
               "exceptions must be classes, or instances, not int");
    EXPECT_ERR(PyTasklet_Throw(f.t, 0, inst, one, NULL), PyExc_TypeError,
               "instance exception may not have a separate value");
    EXPECT_ERR(PyTasklet_Throw(f.t, 0, PyExc_ValueError, NULL, one), PyExc_TypeError,
               "third argument must be a traceback object");
    CHECK_LOG_SO_FAR("");
    CHECK_ATTRS(f.t, "P unchanged", 1, 1, 0, 0, 0, 0, 0, 1);
    /* an instance is delivered as is; None for tb is accepted */
    EXPECT_OK(PyTasklet_Throw(f.t, 0, inst, Py_None, Py_None));
    CHECK_LOG_SO_FAR("exc:ValueError[R]");
    CHECK_STR(th_last_msg, "i");
    check_dead_after(&f);
    fx_cleanup(&f);
    Py_XDECREF(inst); Py_DECREF(one); Py_DECREF(i); Py_DECREF(e);
}

/* ============================ 2.3 column C (self) ============================================= */

MAIN_TEST(test_exceptions_on_current_main)
{
    PyObject *x = th_str("x"), *e = th_tuple0();
    EXPECT_ERR(PyTasklet_Throw(th_main, 0, PyExc_ValueError, x, NULL), PyExc_ValueError, "x");
    EXPECT_ERR(PyTasklet_Throw(th_main, 1, PyExc_ValueError, x, NULL), PyExc_ValueError, "x");
    EXPECT_ERR(PyTasklet_RaiseException(th_main, PyExc_ValueError, x), PyExc_ValueError, "x");
    EXPECT_ERR(PyTasklet_Throw(th_main, 0, PyExc_TaskletExit, NULL, NULL), PyExc_TaskletExit, NULL);
    EXPECT_ERR(PyTasklet_Kill(th_main), PyExc_TaskletExit, NULL);
    EXPECT_ERR(PyTasklet_KillEx(th_main, 1), PyExc_TaskletExit, NULL);
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_DECREF(x); Py_DECREF(e);
}

static PyObject *w_self_exc_fn(PyObject *self, PyObject *unused)
{
    PyTaskletObject *me = (PyTaskletObject *)PyStackless_GetCurrent();
    PyObject *x = th_str("x");
    int rc;
    (void)self; (void)unused;
    EXPECT_ERR(PyTasklet_Throw(me, 0, PyExc_ValueError, x, NULL), PyExc_ValueError, "x");
    EXPECT_ERR(PyTasklet_Throw(me, 1, PyExc_ValueError, x, NULL), PyExc_ValueError, "x");
    EXPECT_ERR(PyTasklet_RaiseException(me, PyExc_ValueError, x), PyExc_ValueError, "x");
    EXPECT_ERR(PyTasklet_KillEx(me, 1), PyExc_TaskletExit, NULL);
    CHECK_ATTRS(me, "native C", 1, 0, 1, 0, 1, 0, 0, 1);
    th_logf("before-kill[%s]", th_main_state());
    rc = PyTasklet_Kill(me);                    /* TaskletExit: let it propagate */
    CHECK_EQ_INT(rc, -1);
    CHECK(PyErr_ExceptionMatches(PyExc_TaskletExit));
    Py_DECREF(me); Py_DECREF(x);
    return NULL;
}
static PyMethodDef w_self_exc_def = {"w_self_exc", w_self_exc_fn, METH_NOARGS, NULL};

MAIN_TEST(test_exceptions_on_current_native)
{
    PyTaskletObject *t = th_spawn(&w_self_exc_def, NULL, NULL);
    if (t) EXPECT_OK(PyTasklet_Run(t));         /* TaskletExit is swallowed */
    CHECK_LOG_SO_FAR("before-kill[R]");
    if (t) CHECK_ATTRS(t, "D", 0, 0, 0, 1, 0, 0, 0, 0);
    Py_XDECREF(t);
}

/* A tasklet throws to / kills the main tasklet while main is blocked (column BL for main). */
static PyChannelObject *g_ch;
static PyObject *w_kill_main_fn(PyObject *self, PyObject *unused)
{
    long code = PyLong_AsLong(self);
    int rc;
    (void)unused;
    th_logf("T[%s]", th_main_state());
    rc = code ? PyTasklet_Throw(th_main, 0, PyExc_ValueError, NULL, NULL) : PyTasklet_Kill(th_main);
    th_logf("T-back:%d[%s]", rc, th_main_state());
    if (rc) return NULL;
    Py_RETURN_NONE;
}
static PyMethodDef w_kill_main_def = {"w_kill_main", w_kill_main_fn, METH_NOARGS, NULL};

MAIN_TEST(test_kill_and_throw_blocked_main)
{
    PyObject *c0 = th_int(0), *c1 = th_int(1), *r;
    g_ch = PyChannel_New(NULL);
    CHECK(th_spawn_free(&w_kill_main_def, c0, NULL) == 0);
    r = PyChannel_Receive(g_ch);                 /* T kills main: TaskletExit from receive */
    CHECK(r == NULL);
    CHECK_ERR(PyExc_TaskletExit, NULL);
    CHECK_LOG_SO_FAR("T[BL]");
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2); /* T runnable (caller -> R) */
    CHECK(th_drain(3) == 0);
    CHECK_LOG_SO_FAR("T[BL] T-back:0[R]");
    th_log_reset();
    CHECK(th_spawn_free(&w_kill_main_def, c1, NULL) == 0);
    r = PyChannel_Receive(g_ch);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, NULL);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    CHECK(th_drain(3) == 0);
    CHECK_LOG_SO_FAR("T[BL] T-back:0[R]");
    Py_CLEAR(g_ch);
    Py_DECREF(c0); Py_DECREF(c1);
}

/* A tasklet catches TaskletExit (PyErr_Clear) and carries on: kill() returns, the tasklet
 * stays alive and finishes later. */
static PyObject *w_survivor_fn(PyObject *self, PyObject *unused)
{
    PyObject *r;
    (void)self; (void)unused;
    r = PyChannel_Receive(g_ch);
    if (r) { th_logf("got:%s", th_val(r)); Py_DECREF(r); Py_RETURN_NONE; }
    if (!PyErr_ExceptionMatches(PyExc_TaskletExit)) return NULL;
    PyErr_Clear();
    th_logf("caught[%s]", th_main_state());
    r = PyStackless_Schedule(Py_None, 0);
    if (!r) { th_logf("exc2:%s", th_exc_tag()); return NULL; }
    Py_DECREF(r);
    th_logf("after");
    Py_RETURN_NONE;
}
static PyMethodDef w_survivor_def = {"w_survivor", w_survivor_fn, METH_NOARGS, NULL};

MAIN_TEST(test_tasklet_survives_kill)
{
    PyTaskletObject *t;
    g_ch = PyChannel_New(NULL);
    t = th_spawn(&w_survivor_def, NULL, NULL);
    if (t) {
        EXPECT_OK(PyTasklet_Run(t));             /* blocks on g_ch */
        CHECK_EQ_INT(PyTasklet_GetBlocked(t), -1);
        EXPECT_OK(PyTasklet_Kill(t));
        CHECK_LOG_SO_FAR("caught[R]");
        CHECK(PyTasklet_Alive(t) && PyTasklet_Scheduled(t));
        CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
        CHECK(th_drain(3) == 0);
        CHECK_LOG_SO_FAR("caught[R] after");
        CHECK(!PyTasklet_Alive(t));
    }
    Py_XDECREF(t);
    Py_CLEAR(g_ch);
}

/* ============================ 4.2 / 4.3: empty run queue, routing ============================= */

MAIN_TEST(test_main_deadlock_alone)
{
    PyChannelObject *ch = PyChannel_New(NULL);
    PyObject *v = th_int(1);
    CHECK(PyChannel_Receive(ch) == NULL);
    CHECK_ERR(RTE, MSG_DEADLOCK);
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    EXPECT_ERR(PyChannel_Send(ch, v), RTE, MSG_DEADLOCK);
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_DECREF(ch); Py_DECREF(v);
}

MAIN_TEST(test_main_schedule_remove_alone)
{
    PyObject *v = th_str("retval"), *r;
    r = PyStackless_Schedule(v, 1);
    CHECK(r == v);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    r = PyStackless_Schedule_nr(v, 1);
    CHECK(r == v);
    Py_XDECREF(r);
    r = PyStackless_Schedule(v, 0);
    CHECK(r == v);
    Py_XDECREF(r);
    Py_DECREF(v);
}

MAIN_TEST(test_tasklet_ends_while_main_blocked)
{
    PyChannelObject *ch = PyChannel_New(NULL);
    PyObject *n = th_str("T"), *v = th_int(5);
    CHECK(th_spawn_free(&th_log_def, n, NULL) == 0);
    CHECK(PyChannel_Receive(ch) == NULL);
    CHECK_ERR(RTE, MSG_RECV_NO_SENDER);
    CHECK_LOG_SO_FAR("T");
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    CHECK_EQ_INT(PyTasklet_GetBlocked(th_main), 0);
    CHECK(th_spawn_free(&th_log_def, n, NULL) == 0);
    EXPECT_ERR(PyChannel_Send(ch, v), RTE, MSG_SEND_NO_RECEIVER);
    CHECK_LOG_SO_FAR("T T");
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_DECREF(ch); Py_DECREF(n); Py_DECREF(v);
}

MAIN_TEST(test_tasklet_raises_while_main_blocked)
{
    PyChannelObject *ch = PyChannel_New(NULL);
    CHECK(th_release(th_spawn_raiser(PyExc_ZeroDivisionError, NULL)) == 0);
    CHECK(PyChannel_Receive(ch) == NULL);
    CHECK_ERR(PyExc_ZeroDivisionError, "boom");
    CHECK_LOG_SO_FAR("raise");
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    Py_DECREF(ch);
}

/* main blocked on mc; T blocks on another channel: T gets Deadlock; uncaught, main gets it. */
MAIN_TEST(test_tasklet_deadlock_routed_to_blocked_main)
{
    PyChannelObject *mc = PyChannel_New(NULL);
    PyObject *e = th_tuple0();
    PyChannelObject *tc = PyChannel_New(NULL);
    PyTaskletObject *t = th_new_park(PARK_RECV, tc);
    if (t) EXPECT_OK(PyTasklet_Setup(t, e, NULL));
    CHECK(PyChannel_Receive(mc) == NULL);
    CHECK_ERR(RTE, MSG_DEADLOCK);
    CHECK_LOG_SO_FAR("start[BL] exc:RuntimeError[BL]");
    CHECK_STR(th_last_msg, MSG_DEADLOCK);
    CHECK_EQ_INT(PyChannel_GetBalance(mc), 0);
    CHECK_EQ_INT(PyChannel_GetBalance(tc), 0);   /* the blocker was restored, channel unchanged */
    if (t) CHECK(!PyTasklet_Alive(t));
    Py_XDECREF(t);

    /* the same, T catches the deadlock and ends: main gets "receiving without a sender" */
    th_log_reset();
    t = th_new_park(PARK_RECV | PARK_CATCH, tc);
    if (t) EXPECT_OK(PyTasklet_Setup(t, e, NULL));
    CHECK(PyChannel_Receive(mc) == NULL);
    CHECK_ERR(RTE, MSG_RECV_NO_SENDER);
    CHECK_LOG_SO_FAR("start[BL] exc:RuntimeError[BL]");
    CHECK_EQ_INT(PyChannel_GetBalance(mc), 0);
    CHECK_EQ_INT(PyChannel_GetBalance(tc), 0);
    Py_XDECREF(t);
    Py_DECREF(mc); Py_DECREF(tc); Py_DECREF(e);
}

/* An uncaught exception goes to main at once, regardless of other runnable tasklets. */
MAIN_TEST(test_exception_routed_to_main_before_others)
{
    PyObject *n = th_str("B"), *r;
    CHECK(th_release(th_spawn_raiser(PyExc_ValueError, NULL)) == 0);
    CHECK(th_spawn_free(&th_log_def, n, NULL) == 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "boom");
    CHECK_LOG_SO_FAR("raise");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);    /* B still queued */
    CHECK(th_drain(3) == 0);
    CHECK_LOG_SO_FAR("raise B");
    Py_DECREF(n);
}

/* The exception goes to the wake-up target (main), not to the tasklet that threw it. */
static PyTaskletObject *g_victim;
static PyObject *w_thrower_fn(PyObject *self, PyObject *unused)
{
    PyObject *t = th_str("t");
    int rc;
    (void)self; (void)unused;
    rc = PyTasklet_Throw(g_victim, 0, PyExc_ValueError, t, NULL);
    th_logf("A:rc=%d", rc);
    Py_DECREF(t);
    if (rc) return NULL;
    Py_RETURN_NONE;
}
static PyMethodDef w_thrower_def = {"w_thrower", w_thrower_fn, METH_NOARGS, NULL};

MAIN_TEST(test_exception_routed_to_main_not_thrower)
{
    fixture f;
    PyObject *r;
    if (fx_make(&f, ST_P)) return;
    g_victim = f.t;
    CHECK(th_spawn_free(&w_thrower_def, NULL, NULL) == 0);
    r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "t");
    CHECK_LOG_SO_FAR("exc:ValueError[R]");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);   /* the thrower is still runnable */
    CHECK(th_drain(3) == 0);
    CHECK_LOG_SO_FAR("exc:ValueError[R] A:rc=0");
    g_victim = NULL;
    fx_cleanup(&f);
}

MAIN_TEST(test_exception_to_paused_or_running_main)
{
    PyTaskletObject *t = th_spawn_raiser(PyExc_ValueError, NULL);
    if (t) EXPECT_ERR(PyTasklet_Switch(t), PyExc_ValueError, "boom");   /* main paused */
    CHECK_ATTRS(th_main, "main C", 1, 0, 1, 1, 1, 1, 0, 0);
    Py_XDECREF(t);
    t = th_spawn_raiser(PyExc_ValueError, NULL);
    if (t) EXPECT_ERR(PyTasklet_Run(t), PyExc_ValueError, "boom");      /* main runnable */
    Py_XDECREF(t);
    CHECK_LOG_SO_FAR("raise raise");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

MAIN_TEST(test_taskletexit_in_tasklet_is_swallowed)
{
    PyObject *r;
    CHECK(th_release(th_spawn_raiser(PyExc_TaskletExit, NULL)) == 0);
    r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_LOG_SO_FAR("raise");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
}

/* W is the innermost run() caller (API.md 5.2): a tasklet's exception makes run() raise;
 * blocked tasklets make it return None and stay blocked. */
MAIN_TEST(test_run_watchdog_is_wakeup_target)
{
    fixture f;
    PyObject *r;
    CHECK(th_release(th_spawn_raiser(PyExc_ValueError, NULL)) == 0);
    r = PyStackless_RunWatchdog(0);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "boom");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    if (fx_make(&f, ST_R0) == 0) {             /* runs, then blocks: run() returns None */
        PyChannelObject *ch = PyChannel_New(NULL);
        PyTaskletObject *b = th_new_park(PARK_RECV, ch);
        PyObject *e = th_tuple0();
        if (b) EXPECT_OK(PyTasklet_Setup(b, e, NULL));
        r = PyStackless_RunWatchdog(0);
        CHECK(r == Py_None);
        Py_XDECREF(r);
        CHECK_NO_ERR();
        CHECK_LOG_SO_FAR("start[P] start[P]");
        if (b) CHECK_EQ_INT(PyTasklet_GetBlocked(b), -1);
        CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
        if (b) EXPECT_OK(PyTasklet_Kill(b));
        Py_XDECREF(b);
        Py_DECREF(ch); Py_DECREF(e);
        fx_cleanup(&f);
    }
}

/* ============================ bind_thread (API.md 2.2) ======================================== */

MAIN_TEST(test_bind_thread_rules)
{
    const unsigned long bogus = 0x7ffffff3UL, me = (unsigned long)-1;
    int st;
    for (st = 0; st < ST_COUNT; st++) {
        fixture f;
        if (fx_make(&f, st)) continue;
        EXPECT_OK(PyTasklet_BindThread(f.t, me));         /* own thread: always a no-op */
        CHECK_EQ_INT(PyStackless_GetRunCount(), fx_runcount(st));
        switch (st) {
        case ST_R0: case ST_R:
            EXPECT_ERR(PyTasklet_BindThread(f.t, bogus), RTE, "can't (re)bind a runnable tasklet");
            break;
        case ST_P: case ST_BLR: case ST_BLS:
            EXPECT_ERR(PyTasklet_BindThread(f.t, bogus), RTE, "tasklet has C state on its stack");
            break;
        default:
            EXPECT_ERR(PyTasklet_BindThread(f.t, bogus), PyExc_ValueError, "bad thread");
        }
        fx_cleanup(&f);
    }
    EXPECT_OK(PyTasklet_BindThread(th_main, me));
    EXPECT_ERR(PyTasklet_BindThread(th_main, bogus), RTE, "can't (re)bind a runnable tasklet");
    {
        /* the main tasklet's id is the thread id bind_thread understands */
        PyTaskletObject *u = PyTasklet_New(NULL, NULL);
        EXPECT_OK(PyTasklet_BindThread(u, PyStackless_GetCurrentId()));
        CHECK_ATTRS(u, "U", 0, 0, 0, 1, 0, 0, 0, 0);
        Py_DECREF(u);
    }
}

/* ============================ types (C-API.md 3, 4) =========================================== */

static PyTypeObject MyTasklet_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "test.MyTasklet",
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
};
/* a subtype with its own __init__ that chains to tasklet.__init__ (= bind, API.md 2.1) */
static PyTypeObject MyInitTasklet_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "test.MyInitTasklet",
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
};
static int my_init_calls;
static int my_tasklet_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    my_init_calls++;
    th_logf("init(%d)", (int)PyTuple_Size(args));
    if (PyTasklet_Type.tp_init) return PyTasklet_Type.tp_init(self, args, kwds);
    return 0;
}

MAIN_TEST(test_tasklet_new_types)
{
    PyObject *n = th_str("SUB"), *f = PyCFunction_New(&th_log_def, n), *one = th_int(1), *e = th_tuple0();
    PyTaskletObject *t;

    CHECK(PyTasklet_New(&PyChannel_Type, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, NULL);
    CHECK(PyTasklet_New(&PyChannel_Type, f) == NULL);
    CHECK_ERR(PyExc_TypeError, NULL);
    CHECK(PyTasklet_New(&PyCFunction_Type, NULL) == NULL);
    CHECK_ERR(PyExc_TypeError, NULL);
    CHECK(PyTasklet_New(NULL, one) == NULL);
    CHECK_ERR(PyExc_TypeError, "tasklet function must be a callable or None");
    CHECK((PyObject *)PyChannel_New(&PyTasklet_Type) == NULL);
    CHECK_ERR(PyExc_TypeError, "channel_new: type must be subtype of channel");

    /* None = no function: unbound */
    t = PyTasklet_New(NULL, Py_None);
    CHECK(t != NULL);
    if (t) {
        CHECK(PyTasklet_CheckExact(t) && PyTasklet_Check(t));
        CHECK_ATTRS(t, "U", 0, 0, 0, 1, 0, 0, 0, 0);
        EXPECT_ERR(PyTasklet_Setup(t, e, NULL), RTE, "the tasklet was not bound to a function");
        Py_DECREF(t);
    }
    t = PyTasklet_New(&PyTasklet_Type, f);
    CHECK(t && PyTasklet_CheckExact(t));
    Py_XDECREF(t);

    /* a C subtype: the result is a working tasklet of that type */
    MyTasklet_Type.tp_base = &PyTasklet_Type;
    MyTasklet_Type.tp_basicsize = PyTasklet_Type.tp_basicsize;
    CHECK_EQ_INT(PyType_Ready(&MyTasklet_Type), 0);
    CHECK_NO_ERR();
    t = PyTasklet_New(&MyTasklet_Type, f);
    CHECK(t != NULL);
    if (t) {
        CHECK(Py_TYPE(t) == &MyTasklet_Type);
        CHECK(PyTasklet_Check(t));
        CHECK(!PyTasklet_CheckExact(t));
        CHECK_ATTRS(t, "B subtype", 0, 0, 0, 1, 0, 0, 0, 0);
        EXPECT_OK(PyTasklet_Setup(t, e, NULL));
        CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
        EXPECT_OK(PyTasklet_Run(t));
        CHECK_LOG_SO_FAR("SUB");
        CHECK(!PyTasklet_Alive(t));
        Py_DECREF(t);
    }
    t = PyTasklet_New(&MyTasklet_Type, NULL);
    CHECK(t && Py_TYPE(t) == &MyTasklet_Type);
    if (t) CHECK_ATTRS(t, "U subtype", 0, 0, 0, 1, 0, 0, 0, 0);
    Py_XDECREF(t);
    /* a channel is not a tasklet, and vice versa */
    {
        PyChannelObject *ch = PyChannel_New(NULL);
        CHECK(ch && PyChannel_Check(ch) && !PyTasklet_Check(ch));
        Py_XDECREF(ch);
    }
    Py_DECREF(n); Py_DECREF(f); Py_DECREF(one); Py_DECREF(e);
}

/* C-API.md 3: "Subclass __init__ is run"; API.md 2.1: tasklet.__init__(func, args, kwargs) is
 * exactly bind(), so a subclass __init__ may chain to it with the constructor arguments. */
MAIN_TEST(test_tasklet_subtype_init_chains_to_bind)
{
    PyObject *n = th_str("SUBINIT"), *f = PyCFunction_New(&th_log_def, n), *e = th_tuple0();
    PyTaskletObject *t;
    MyInitTasklet_Type.tp_base = &PyTasklet_Type;
    MyInitTasklet_Type.tp_basicsize = PyTasklet_Type.tp_basicsize;
    MyInitTasklet_Type.tp_init = my_tasklet_init;
    CHECK_EQ_INT(PyType_Ready(&MyInitTasklet_Type), 0);
    my_init_calls = 0;
    t = PyTasklet_New(&MyInitTasklet_Type, f);
    CHECK(t != NULL);
    if (!t) fprintf(stderr, "  (PyTasklet_New with a subtype whose __init__ calls tasklet.__init__(f): %s: %s)\n",
                    th_exc_tag(), th_exc_msg());
    PyErr_Clear();
    CHECK_EQ_INT(my_init_calls, 1);
    if (t) {
        CHECK(Py_TYPE(t) == &MyInitTasklet_Type);
        CHECK_ATTRS(t, "B subtype", 0, 0, 0, 1, 0, 0, 0, 0);
        EXPECT_OK(PyTasklet_Setup(t, e, NULL));
        EXPECT_OK(PyTasklet_Run(t));
        Py_DECREF(t);
    }
    CHECK_LOG_SO_FAR("init(1) SUBINIT");
    Py_DECREF(n); Py_DECREF(f); Py_DECREF(e);
}

/* ============================ NULL and wrong-type arguments ================================== */

static void bad_args_body(void)
{
    PyObject *e = th_tuple0(), *n = th_str("N"), *f = PyCFunction_New(&th_log_def, n);
    PyChannelObject *ch = PyChannel_New(NULL);
    PyTaskletObject *t = PyTasklet_New(NULL, f);
    PyTaskletObject *notask = (PyTaskletObject *)ch;    /* wrong type */
    PyTaskletObject *nul = NULL;
    PyTaskletObject *b;
    int i;

    for (i = 0; i < 2; i++) {
        PyTaskletObject *x = i ? notask : nul;
        fprintf(stderr, "  (bad-args pass: %s)\n", i ? "channel as tasklet" : "NULL tasklet");
        CHECK_FAIL_INT(PyTasklet_Insert(x));
        CHECK_FAIL_INT(PyTasklet_Remove(x));
        CHECK_FAIL_INT(PyTasklet_Run(x));
        CHECK_FAIL_INT(PyTasklet_Run_nr(x));
        CHECK_FAIL_INT(PyTasklet_Switch(x));
        CHECK_FAIL_INT(PyTasklet_Switch_nr(x));
        CHECK_FAIL_INT(PyTasklet_Setup(x, e, NULL));
        CHECK_FAIL_INT(PyTasklet_BindEx(x, f, NULL, NULL));
        CHECK_FAIL_INT(PyTasklet_BindThread(x, (unsigned long)-1));
        CHECK_FAIL_INT(PyTasklet_Kill(x));
        CHECK_FAIL_INT(PyTasklet_KillEx(x, 1));
        CHECK_FAIL_INT(PyTasklet_Throw(x, 0, PyExc_ValueError, NULL, NULL));
        CHECK_FAIL_INT(PyTasklet_RaiseException(x, PyExc_ValueError, e));
        CHECK_FAIL_PTR(PyTasklet_Bind(x, f));
        /* predicates and setters "cannot fail": they must not crash (any value is accepted) */
        (void)PyTasklet_Alive(x); (void)PyTasklet_Paused(x); (void)PyTasklet_Scheduled(x);
        (void)PyTasklet_Restorable(x); (void)PyTasklet_IsMain(x); (void)PyTasklet_IsCurrent(x);
        (void)PyTasklet_GetBlocked(x); (void)PyTasklet_GetNestingLevel(x);
        (void)PyTasklet_GetRecursionDepth(x); (void)PyTasklet_GetAtomic(x);
        (void)PyTasklet_SetAtomic(x, 1); (void)PyTasklet_GetIgnoreNesting(x);
        (void)PyTasklet_SetIgnoreNesting(x, 1); (void)PyTasklet_GetBlockTrap(x);
        PyTasklet_SetBlockTrap(x, 1); (void)PyTasklet_GetPendingIrq(x);
        {
            PyObject *fr = PyTasklet_GetFrame(x);
            Py_XDECREF(fr);
        }
        PyErr_Clear();
    }
    /* bad arguments next to a valid tasklet: fail cleanly, tasklet unchanged */
    CHECK_FAIL_INT(PyTasklet_Setup(t, NULL, NULL));
    CHECK_FAIL_INT(PyTasklet_Throw(t, 0, NULL, NULL, NULL));
    CHECK_FAIL_INT(PyTasklet_RaiseException(t, NULL, e));
    CHECK_FAIL_INT(PyTasklet_RaiseException(t, PyExc_ValueError, NULL));
    CHECK_FAIL_PTR(PyTasklet_New(&PyChannel_Type, NULL));
    b = PyTasklet_Bind(t, NULL);                                     /* bind(None): -> U */
    if (b) Py_DECREF(b); else PyErr_Clear();
    CHECK_ATTRS(t, "t after bad calls", 0, 0, 0, 1, 0, 0, 0, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    /* last (a crash here is reported, but ends the child): objects that are not types */
    fprintf(stderr, "  (bad-args pass: non-type objects as type arguments)\n");
    CHECK_FAIL_PTR(PyTasklet_New((PyTypeObject *)n, NULL));
    CHECK_FAIL_PTR(PyChannel_New((PyTypeObject *)n));
    Py_DECREF(t); Py_DECREF(ch); Py_DECREF(f); Py_DECREF(n); Py_DECREF(e);
}

static void test_null_and_wrong_type_arguments(void)
{
    pid_t pid;
    int status = 0;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) { CHECK(!"fork failed"); return; }
    if (pid == 0) {
        h_failed_checks = 0;
        th_run_main(bad_args_body);
        fflush(stderr);
        _exit(h_failed_checks ? 1 : 0);
    }
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        h_failed_checks++;
        fprintf(stderr, "  FAIL %s: the child crashed with signal %d (a bad argument crashed)\n",
                h_current, WTERMSIG(status));
    } else {
        CHECK_EQ_INT(WEXITSTATUS(status), 0);
    }
}

int main(void)
{
    TEST(test_throw_matrix_caught);
    TEST(test_throw_matrix_uncaught);
    TEST(test_throw_pending_matrix);
    TEST(test_throw_taskletexit_matrix);
    TEST(test_kill_matrix);
    TEST(test_kill_pending_matrix);
    TEST(test_raise_exception_matrix);
    TEST(test_raise_exception_and_throw_argument_errors);
    TEST(test_exceptions_on_current_main);
    TEST(test_exceptions_on_current_native);
    TEST(test_kill_and_throw_blocked_main);
    TEST(test_tasklet_survives_kill);
    TEST(test_main_deadlock_alone);
    TEST(test_main_schedule_remove_alone);
    TEST(test_tasklet_ends_while_main_blocked);
    TEST(test_tasklet_raises_while_main_blocked);
    TEST(test_tasklet_deadlock_routed_to_blocked_main);
    TEST(test_exception_routed_to_main_before_others);
    TEST(test_exception_routed_to_main_not_thrower);
    TEST(test_exception_to_paused_or_running_main);
    TEST(test_taskletexit_in_tasklet_is_swallowed);
    TEST(test_run_watchdog_is_wakeup_target);
    TEST(test_bind_thread_rules);
    TEST(test_tasklet_new_types);
    TEST(test_tasklet_subtype_init_chains_to_bind);
    TEST(test_null_and_wrong_type_arguments);
    return TEST_SUMMARY();
}
