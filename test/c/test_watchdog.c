/* test_watchdog.c - PyStackless_RunWatchdog / RunWatchdogEx (C-API.md 5, API.md 5.2, 5.5, 5.7,
 * STATES.md 4.4, 4.5, NODE.md 4): plain and nested run(), exception routing to the innermost
 * run() caller, hard and soft interrupts of CPU-bound native tasklets (interrupted at their
 * next call into the C API), atomic, totaltimeout, fair progress, flag validation.
 *
 * Timing: one tick is one microsecond of wall time. Budgets are small (2 ms) against busy
 * loops that would run for seconds (a safety cap ends them if the watchdog never fires), or
 * large against short slices; only ordering and identity are asserted, never durations. */
#include "test_helpers.h"

static volatile int g_stop;
static long g_progress[8];
static const int64_t g_cap_us = 3000000;   /* a busy tasklet gives up after 3 s */

static void spin(void) {
    volatile unsigned x = 0;
    for (unsigned i = 0; i < 200; i++) x += i;
}

/* ---- task functions ------------------------------------------------------------------------ */
/* CPU-bound: loops until g_stop, calling into the C API each iteration (interruption point).
 * Checks at the end that its stack state survived the interruptions. */
static PyObject *t_busy(long id) {
    char who[8];
    snprintf(who, sizeof who, "B%ld", id);
    unsigned char canary[256];
    for (int i = 0; i < 256; i++) canary[i] = (unsigned char)(i ^ (int)id);
    PyTaskletObject *self = th_self();
    CHECK(self != NULL);
    CHECK(PyTasklet_GetNestingLevel(self) >= 1);
    long local = 0;
    int64_t start = th_now_us();
    while (!g_stop) {
        spin();
        local++;
        g_progress[id] = local;
        if (id & 1) (void)PyStackless_GetRunCount();
        else (void)PyTasklet_GetAtomic(self);
        if (PyErr_Occurred()) return th_task_failed(who);
        if ((local & 255) == 0 && th_now_us() - start > g_cap_us) { th_logf("%s:cap", who); break; }
    }
    int ok = local == g_progress[id];
    for (int i = 0; i < 256; i++) if (canary[i] != (unsigned char)(i ^ (int)id)) ok = 0;
    CHECK(th_self() == self);
    th_logf("%s:%s", who, ok ? "done" : "corrupt");
    Py_RETURN_NONE;
}

/* busy for `us` microseconds of wall time, calling into the API; 0 or -1 (error set) */
static int busy_for(int64_t us) {
    int64_t start = th_now_us();
    while (th_now_us() - start < us) {
        spin();
        (void)PyStackless_GetRunCount();
        if (PyErr_Occurred()) return -1;
    }
    return 0;
}

/* soft mode: busy 100 ms (never interrupted in the middle), then a voluntary switch */
static PyObject *t_soft(long id) {
    (void)id;
    if (busy_for(100000)) return th_task_failed("H");
    th_logf("H:busy");
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    if (!r) return th_task_failed("H");
    Py_DECREF(r);
    th_logf("H:after");
    Py_RETURN_NONE;
}

/* soft mode, channel hand-over: H busy 100 ms, then sends to the waiting receiver R (preference
 * -1 switches to R at once); the soft-interrupt mark moves to R, whose next voluntary switch
 * goes to the watchdog */
static PyChannelObject *g_ch;
static PyObject *t_soft_sender(long id) {
    (void)id;
    if (busy_for(100000)) return th_task_failed("H");
    th_logf("H:busy");
    if (th_send_int(g_ch, 1)) return th_task_failed("H");
    th_logf("H:sent");
    Py_RETURN_NONE;
}
static PyObject *t_soft_receiver(long id) {
    (void)id;
    th_logf("R:recv");
    PyObject *v = PyChannel_Receive(g_ch);
    if (!v) return th_task_failed("R");
    th_logf("R:got%s", th_val(v));
    Py_DECREF(v);
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    if (!r) return th_task_failed("R");
    Py_DECREF(r);
    th_logf("R:after");
    Py_RETURN_NONE;
}

/* atomic postpones a hard interrupt; clearing it re-arms the postponed one */
static PyObject *t_atomic(long id) {
    (void)id;
    PyTaskletObject *self = th_self();
    CHECK_EQ_INT(PyTasklet_SetAtomic(self, 1), 0);
    CHECK_EQ_INT(PyTasklet_GetAtomic(self), 1);
    if (busy_for(100000)) return th_task_failed("H");
    th_logf("H:atomic-done");
    int old = PyTasklet_SetAtomic(self, 0);
    for (int i = 0; i < 20; i++) (void)PyStackless_GetRunCount();
    if (PyErr_Occurred()) return th_task_failed("H");
    th_logf("H:late");
    int64_t start = th_now_us();
    while (!g_stop && th_now_us() - start < g_cap_us) {
        spin();
        (void)PyStackless_GetRunCount();
        if (PyErr_Occurred()) return th_task_failed("H");
    }
    th_logf("H:after%d", old);
    Py_RETURN_NONE;
}

/* alternates short busy slices with schedule(); runs `total_us` of its own busy time */
static int64_t g_slice_total_us;
static PyObject *t_slices(long id) {
    int64_t busy = 0;
    while (!g_stop && busy < g_slice_total_us) {
        int64_t t0 = th_now_us();
        if (busy_for(50)) return th_task_failed("Y");
        busy += th_now_us() - t0;
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (!r) return th_task_failed("Y");
        Py_DECREF(r);
    }
    th_logf("Y%ld:done", id);
    Py_RETURN_NONE;
}

static PyObject *t_plain(long id) {
    th_logf("P%ld:%d", id, PyStackless_GetRunCount());
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    if (!r) return NULL;
    Py_DECREF(r);
    th_logf("P%ld:b", id);
    Py_RETURN_NONE;
}

static PyObject *t_log(long id) {
    th_logf("X%ld:%d", id, PyStackless_GetRunCount());
    Py_RETURN_NONE;
}

/* calls run() (plain: timeout 0, or timed with soft flags when arg != 0) from a tasklet */
static PyObject *t_inner_run(long timed) {
    th_logf("A:run");
    PyObject *r = timed ? PyStackless_RunWatchdogEx(10000000, PY_WATCHDOG_SOFT)
                        : PyStackless_RunWatchdog(0);
    if (!r) { th_log_exc("A"); Py_RETURN_NONE; }
    th_logf("A:ret%s", th_val(r));
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* a timed run() in a tasklet while main sits in a plain run(): the inner call owns the
 * timeout (no outer run() does), gets the victim, re-inserts it and stops the busy loop */
static PyObject *t_inner_timed_owner(long id) {
    (void)id;
    th_logf("A:run");
    PyObject *r = PyStackless_RunWatchdog(2000);
    if (!r) { th_log_exc("A"); Py_RETURN_NONE; }
    th_logf("A:ret%s", th_val(r));
    if (PyTasklet_Check(r)) {
        CHECK(PyTasklet_Paused((PyTaskletObject *)r));
        CHECK_EQ_INT(PyTasklet_Insert((PyTaskletObject *)r), 0);
    }
    Py_DECREF(r);
    g_stop = 1;
    Py_RETURN_NONE;
}

static void log_run_result(PyObject *r) {
    if (r) { th_logf("M:ret%s", th_val(r)); Py_DECREF(r); }
    else th_log_exc("M");
}

/* ---- run() without timeout ----------------------------------------------------------------- */
MAIN_TEST(test_run_with_nothing_runnable_returns_none) {
    PyObject *r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    r = PyStackless_RunWatchdog(2000);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    r = PyStackless_RunWatchdogEx(0, 255);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    r = PyStackless_RunWatchdogEx(2000, PY_WATCHDOG_SOFT | PY_WATCHDOG_TOTALTIMEOUT);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK(PyTasklet_IsCurrent(th_main));
}

MAIN_TEST(test_run_flags_out_of_range) {
    PyObject *r = PyStackless_RunWatchdogEx(0, 256);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "flags must be in [0..255]");
    r = PyStackless_RunWatchdogEx(0, -1);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "flags must be in [0..255]");
    r = PyStackless_RunWatchdogEx(1000, 4096);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "flags must be in [0..255]");
    /* nothing ran and nothing changed */
    PyTaskletObject *x = th_spawn_fn(t_log, 1, "X1");
    r = PyStackless_RunWatchdogEx(0, 300);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "flags must be in [0..255]");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK_LOG("");
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("X1:1 M:retNone");
    th_finish(x);
}

/* run() runs everything until the queue is empty; main is not counted while inside run() */
MAIN_TEST(test_run_plain) {
    PyTaskletObject *a = th_spawn_fn(t_plain, 1, "P1");
    PyTaskletObject *b = th_spawn_fn(t_plain, 2, "P2");
    PyObject *r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("P1:2 P2:2 P1:b P2:b M:retNone");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK(PyTasklet_IsCurrent(th_main));
    th_finish(a); th_finish(b);
}

/* an uncaught exception ends run() with that exception; the other tasklets stay queued */
MAIN_TEST(test_run_exception_from_tasklet) {
    PyTaskletObject *e = th_spawn_raiser(PyExc_ValueError, "E1");
    PyTaskletObject *x = th_spawn_fn(t_log, 2, "X2");
    PyObject *r = PyStackless_RunWatchdog(0);
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "boom");
    CHECK_LOG("E1:raise");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    CHECK(PyTasklet_Scheduled(x));
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("X2:1 M:retNone");
    th_finish(e); th_finish(x);
}

/* nested plain run(): the inner one returns when the queue empties */
MAIN_TEST(test_run_nested) {
    PyTaskletObject *a = th_spawn_fn(t_inner_run, 0, "A");
    PyTaskletObject *x = th_spawn_fn(t_log, 1, "X1");
    PyObject *r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("A:run X1:1 A:retNone M:retNone");
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    th_finish(a); th_finish(x);
}

/* an uncaught exception goes to the innermost run() caller */
MAIN_TEST(test_run_nested_exception_to_innermost) {
    PyTaskletObject *a = th_spawn_fn(t_inner_run, 0, "A");
    PyTaskletObject *e = th_spawn_raiser(PyExc_ValueError, "E1");
    PyObject *r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("A:run E1:raise A:ValueError(boom) M:retNone");
    th_finish(a); th_finish(e);
}

/* ---- hard interrupts ------------------------------------------------------------------------ */
MAIN_TEST(test_hard_interrupt_returns_victim_and_resume) {
    g_stop = 0;
    g_progress[0] = 0;
    PyTaskletObject *h = th_spawn_fn(t_busy, 0, "B0");
    PyObject *r = PyStackless_RunWatchdog(2000);
    CHECK(r == (PyObject *)h);
    CHECK_LOG("");
    if (r != (PyObject *)h) { th_log_reset(); Py_XDECREF(r); PyErr_Clear(); th_finish(h); return; }
    Py_DECREF(r);
    CHECK(PyTasklet_Alive(h));
    CHECK(PyTasklet_Paused(h));
    CHECK(!PyTasklet_Scheduled(h));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    long p1 = g_progress[0];
    CHECK(p1 > 0);
    CHECK_EQ_INT(PyTasklet_Insert(h), 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
    r = PyStackless_RunWatchdog(2000);           /* continues where it was, interrupted again */
    CHECK(r == (PyObject *)h);
    Py_XDECREF(r);
    long p2 = g_progress[0];
    CHECK(p2 > p1);
    CHECK_EQ_INT(PyTasklet_Insert(h), 0);
    g_stop = 1;
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("B0:done M:retNone");
    CHECK(g_progress[0] >= p2);
    CHECK(!PyTasklet_Alive(h));
    th_finish(h);
}

MAIN_TEST(test_hard_interrupt_victim_killed) {
    g_stop = 0;
    PyTaskletObject *h = th_spawn_fn(t_busy, 2, "B2");
    PyObject *r = PyStackless_RunWatchdogEx(2000, 0);
    CHECK(r == (PyObject *)h);
    Py_XDECREF(r);
    CHECK_EQ_INT(PyTasklet_Kill(h), 0);           /* TaskletExit at its interruption point */
    CHECK(!PyTasklet_Alive(h));
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    g_stop = 1;
    CHECK_LOG("B2:TaskletExit()");
    th_finish(h);
}

/* the interrupted tasklet is removed; the others stay queued and run first afterwards */
MAIN_TEST(test_hard_interrupt_others_stay_queued) {
    g_stop = 0;
    PyTaskletObject *h = th_spawn_fn(t_busy, 0, "B0");
    PyTaskletObject *x = th_spawn_fn(t_log, 1, "X1");
    PyObject *r = PyStackless_RunWatchdog(2000);
    CHECK(r == (PyObject *)h);
    Py_XDECREF(r);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);  /* main + X1 */
    CHECK(PyTasklet_Scheduled(x));
    CHECK_LOG("");
    CHECK_EQ_INT(PyTasklet_Insert(h), 0);
    g_stop = 1;
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("X1:2 B0:done M:retNone");
    th_finish(h); th_finish(x);
}

/* three CPU-bound tasklets, interrupted repeatedly: round robin, each makes progress */
MAIN_TEST(test_fair_progress_of_three_busy_tasklets) {
    enum { ROUNDS = 15 };
    PyTaskletObject *t[3];
    PyObject *victims[ROUNDS];
    long prog[ROUNDS];
    int count[3] = {0, 0, 0};
    g_stop = 0;
    for (int i = 0; i < 3; i++) g_progress[1 + i] = 0;
    t[0] = th_spawn_fn(t_busy, 1, "B1");
    t[1] = th_spawn_fn(t_busy, 2, "B2");
    t[2] = th_spawn_fn(t_busy, 3, "B3");
    int rounds = 0;
    for (; rounds < ROUNDS; rounds++) {
        PyObject *r = PyStackless_RunWatchdog(2000);
        if (!r || r == Py_None) { CHECK(!"run() did not return an interrupted tasklet"); log_run_result(r); break; }
        victims[rounds] = r;
        int k = r == (PyObject *)t[0] ? 0 : r == (PyObject *)t[1] ? 1 : r == (PyObject *)t[2] ? 2 : -1;
        CHECK(k >= 0);
        prog[rounds] = k >= 0 ? g_progress[1 + k] : 0;
        if (k >= 0) count[k]++;
        CHECK_EQ_INT(PyStackless_GetRunCount(), 3);   /* main + the two others */
        CHECK_EQ_INT(PyTasklet_Insert((PyTaskletObject *)r), 0);
        Py_DECREF(r);
    }
    CHECK_EQ_INT(rounds, ROUNDS);
    for (int k = 0; k < 3; k++) CHECK(count[k] >= 4);
    /* round robin: the victim order repeats with period 3, progress grows each turn */
    if (rounds >= 3) {
        CHECK(victims[0] != victims[1] && victims[1] != victims[2] && victims[0] != victims[2]);
    }
    for (int i = 3; i < rounds; i++) {
        CHECK(victims[i] == victims[i - 3]);
        if (victims[i] == victims[i - 3]) CHECK(prog[i] > prog[i - 3]);
    }
    g_stop = 1;
    PyObject *r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    th_log_reset();
    for (int k = 0; k < 3; k++) { CHECK(!PyTasklet_Alive(t[k])); th_finish(t[k]); }
}

/* a nested timed run() does not take over: the outer one owns timeout and flags; when the
 * outer watchdog is resumed it pops the inner one, which is put back into the run queue */
MAIN_TEST(test_nested_timed_run_outer_owns_timeout) {
    g_stop = 0;
    PyTaskletObject *a = th_spawn_fn(t_inner_run, 1, "A");
    PyTaskletObject *b = th_spawn_fn(t_busy, 0, "B0");
    PyObject *r = PyStackless_RunWatchdog(2000);
    CHECK(r == (PyObject *)b);
    if (r) th_logf("M:got%s", th_name(r));
    Py_XDECREF(r);
    PyErr_Clear();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 2);    /* main + A (popped, runnable again) */
    CHECK(PyTasklet_Scheduled(a));
    if (PyTasklet_Paused(b)) CHECK_EQ_INT(PyTasklet_Insert(b), 0);
    g_stop = 1;
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("A:run M:gotB0 A:retNone B0:done M:retNone");
    th_finish(a); th_finish(b);
}

MAIN_TEST(test_timed_run_inside_plain_run_owns_timeout) {
    g_stop = 0;
    PyTaskletObject *a = th_spawn_fn(t_inner_timed_owner, 0, "A");
    PyTaskletObject *b = th_spawn_fn(t_busy, 0, "B0");
    PyObject *r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("A:run A:retB0 B0:done M:retNone");
    CHECK(!PyTasklet_Alive(a) && !PyTasklet_Alive(b));
    th_finish(a); th_finish(b);
}

/* ---- soft interrupts ------------------------------------------------------------------------ */
MAIN_TEST(test_soft_interrupt_at_next_switch) {
    PyTaskletObject *h = th_spawn_fn(t_soft, 0, "H");
    PyTaskletObject *x = th_spawn_fn(t_log, 1, "X1");
    PyObject *r = PyStackless_RunWatchdogEx(2000, PY_WATCHDOG_SOFT);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    PyErr_Clear();
    CHECK_LOG("H:busy");                   /* not interrupted in the middle; X1 did not run */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    CHECK(PyTasklet_Scheduled(h));
    CHECK(PyTasklet_Scheduled(x));
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    if (strcmp(th_log, "X1:2 H:after M:retNone") == 0) th_log_reset();
    else CHECK_LOG("H:after X1:1 M:retNone");
    th_finish(h); th_finish(x);
}

MAIN_TEST(test_soft_interrupt_mark_moves_to_channel_partner) {
    g_ch = PyChannel_New(NULL);
    CHECK(g_ch != NULL);
    if (!g_ch) return;
    PyTaskletObject *r = th_spawn_fn(t_soft_receiver, 0, "R");
    PyTaskletObject *h = th_spawn_fn(t_soft_sender, 0, "H");
    PyObject *res = PyStackless_RunWatchdogEx(2000, PY_WATCHDOG_SOFT);
    CHECK(res == Py_None);
    Py_XDECREF(res);
    PyErr_Clear();
    CHECK_LOG("R:recv H:busy R:got1");     /* the hand-over happened; R's schedule() stopped */
    CHECK_EQ_INT(PyStackless_GetRunCount(), 3);
    res = PyStackless_RunWatchdog(0);
    log_run_result(res);
    if (strcmp(th_log, "R:after H:sent M:retNone") == 0) th_log_reset();
    else CHECK_LOG("H:sent R:after M:retNone");
    th_finish(r); th_finish(h);
    Py_DECREF(g_ch);
    g_ch = NULL;
}

/* flags are ignored without a timeout: nothing is interrupted */
MAIN_TEST(test_flags_ignored_without_timeout) {
    PyTaskletObject *h = th_spawn_fn(t_soft, 0, "H");
    PyTaskletObject *x = th_spawn_fn(t_log, 1, "X1");
    PyObject *r = PyStackless_RunWatchdogEx(0, PY_WATCHDOG_SOFT | PY_WATCHDOG_TOTALTIMEOUT);
    log_run_result(r);
    CHECK_LOG("H:busy X1:2 H:after M:retNone");
    th_finish(h); th_finish(x);
}

/* ---- atomic ---------------------------------------------------------------------------------- */
MAIN_TEST(test_atomic_postpones_interrupt) {
    g_stop = 0;
    PyTaskletObject *h = th_spawn_fn(t_atomic, 0, "H");
    PyObject *r = PyStackless_RunWatchdog(2000);
    CHECK(r == (PyObject *)h);
    Py_XDECREF(r);
    PyErr_Clear();
    CHECK_LOG("H:atomic-done");            /* postponed while atomic, fired right after clearing */
    if (PyTasklet_Paused(h)) CHECK_EQ_INT(PyTasklet_Insert(h), 0);
    g_stop = 1;
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    CHECK_LOG("H:late H:after1 M:retNone");
    th_finish(h);
}

/* ---- totaltimeout ---------------------------------------------------------------------------- */
/* per time slice (default): tasklets that switch often are never interrupted */
MAIN_TEST(test_per_slice_budget_restarts_at_switches) {
    g_stop = 0;
    g_slice_total_us = 60000;
    PyTaskletObject *y1 = th_spawn_fn(t_slices, 1, "Y1");
    PyTaskletObject *y2 = th_spawn_fn(t_slices, 2, "Y2");
    PyObject *r = PyStackless_RunWatchdog(200000);
    log_run_result(r);
    /* which one reaches its budget first depends on timing */
    if (strcmp(th_log, "Y2:done Y1:done M:retNone") == 0) th_log_reset();
    else CHECK_LOG("Y1:done Y2:done M:retNone");
    th_finish(y1); th_finish(y2);
}

/* totaltimeout: the budget covers the whole run() */
MAIN_TEST(test_totaltimeout_interrupts_switching_tasklets) {
    g_stop = 0;
    g_slice_total_us = 2000000;
    PyTaskletObject *y1 = th_spawn_fn(t_slices, 1, "Y1");
    PyTaskletObject *y2 = th_spawn_fn(t_slices, 2, "Y2");
    PyObject *r = PyStackless_RunWatchdogEx(20000, PY_WATCHDOG_TOTALTIMEOUT);
    CHECK(r == (PyObject *)y1 || r == (PyObject *)y2);
    CHECK_LOG("");
    if (r && PyTasklet_Check(r)) {
        CHECK(PyTasklet_Paused((PyTaskletObject *)r));
        CHECK_EQ_INT(PyStackless_GetRunCount(), 2);
        CHECK_EQ_INT(PyTasklet_Insert((PyTaskletObject *)r), 0);
    }
    Py_XDECREF(r);
    PyErr_Clear();
    g_stop = 1;
    r = PyStackless_RunWatchdog(0);
    log_run_result(r);
    th_log_reset();
    CHECK(!PyTasklet_Alive(y1) && !PyTasklet_Alive(y2));
    th_finish(y1); th_finish(y2);
}

int main(void) {
    TEST(test_run_with_nothing_runnable_returns_none);
    TEST(test_run_flags_out_of_range);
    TEST(test_run_plain);
    TEST(test_run_exception_from_tasklet);
    TEST(test_run_nested);
    TEST(test_run_nested_exception_to_innermost);
    TEST(test_hard_interrupt_returns_victim_and_resume);
    TEST(test_hard_interrupt_victim_killed);
    TEST(test_hard_interrupt_others_stay_queued);
    TEST(test_fair_progress_of_three_busy_tasklets);
    TEST(test_nested_timed_run_outer_owns_timeout);
    TEST(test_timed_run_inside_plain_run_owns_timeout);
    TEST(test_soft_interrupt_at_next_switch);
    TEST(test_soft_interrupt_mark_moves_to_channel_partner);
    TEST(test_flags_ignored_without_timeout);
    TEST(test_atomic_postpones_interrupt);
    TEST(test_per_slice_budget_restarts_at_switches);
    TEST(test_totaltimeout_interrupts_switching_tasklets);
    return TEST_SUMMARY();
}
