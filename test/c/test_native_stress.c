/* test_native_stress.c - native tasklets under load (NODE.md 2: each native tasklet has its own
 * machine stack and may block anywhere in C code):
 *   - blocking 50 C frames deep, values and frame-local data verified on the way back up;
 *   - 100,000 native tasklets alive at once, all blocked on one channel, then fed;
 *   - 200,000 short tasklets in batches (stacks must be recycled);
 *   - a ping-pong of 1,000,000 channel hops between two native tasklets;
 *   - the stack-size API (PyStackless_SetNativeStackSize) and the stack-overflow report: a
 *     runaway native tasklet dies by SIGABRT with "tasklet #N overflowed its N KiB stack".
 * Times are printed for information only; nothing asserts on them. */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "test_helpers.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* VmSize of the process in KiB (Linux), or -1. */
static long vm_size_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmSize:", 7) == 0) { v = strtol(line + 7, NULL, 10); break; }
    fclose(f);
    return v;
}

/* ============================ 50 C frames deep ================================================ */

#define DEEP 50
#define NDEEP 8
static PyChannelObject *g_ch;
static long deep_results[NDEEP];
static int deep_frame_errors;

static __attribute__((noinline)) PyObject *deep(int depth, long tag)
{
    volatile long pad[24];
    PyObject *r;
    long v;
    int i;
    for (i = 0; i < 24; i++) pad[i] = tag * 1000 + depth * 31 + i;
    if (depth == DEEP) {
        r = PyChannel_Receive(g_ch);           /* block at the bottom */
        if (r) {                               /* and switch once more on the way */
            PyObject *s = PyStackless_Schedule(Py_None, 0);
            if (!s) { Py_DECREF(r); return NULL; }
            Py_DECREF(s);
        }
    } else {
        r = deep(depth + 1, tag);
    }
    for (i = 0; i < 24; i++)
        if (pad[i] != tag * 1000 + depth * 31 + i) deep_frame_errors++;
    if (!r) return NULL;
    v = PyLong_AsLong(r);
    Py_DECREF(r);
    return PyLong_FromLong(v + 1);
}

static PyObject *w_deep_fn(PyObject *self, PyObject *unused)
{
    long idx = PyLong_AsLong(self);
    PyObject *r = deep(1, idx);
    (void)unused;
    if (!r) return NULL;
    deep_results[idx] = PyLong_AsLong(r);
    Py_DECREF(r);
    Py_RETURN_NONE;
}
static PyMethodDef w_deep_def = {"w_deep", w_deep_fn, METH_NOARGS, NULL};

MAIN_TEST(test_block_50_c_frames_deep)
{
    long i;
    PyObject *r;
    g_ch = PyChannel_New(NULL);
    deep_frame_errors = 0;
    for (i = 0; i < NDEEP; i++) {
        PyObject *k = th_int(i);
        deep_results[i] = -1;
        CHECK(th_spawn_free(&w_deep_def, k, NULL) == 0);
        Py_DECREF(k);
    }
    r = PyStackless_Schedule(Py_None, 0);      /* all descend and block */
    Py_XDECREF(r);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), -NDEEP);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    for (i = 0; i < NDEEP; i++) {              /* FIFO: tasklet i gets i * 1000 */
        PyObject *v = th_int(i * 1000);
        EXPECT_OK(PyChannel_Send(g_ch, v));
        Py_DECREF(v);
    }
    CHECK(th_drain(100) == 0);
    for (i = 0; i < NDEEP; i++) CHECK_EQ_INT(deep_results[i], i * 1000 + DEEP);
    CHECK_EQ_INT(deep_frame_errors, 0);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    Py_CLEAR(g_ch);
}

/* Killing tasklets that are blocked deep down unwinds their C frames (TaskletExit). */
MAIN_TEST(test_kill_blocked_deep_tasklets)
{
    PyTaskletObject *t[4];
    long i;
    PyObject *r;
    g_ch = PyChannel_New(NULL);
    deep_frame_errors = 0;
    for (i = 0; i < 4; i++) {
        PyObject *k = th_int(i);
        t[i] = th_spawn(&w_deep_def, k, NULL);
        Py_DECREF(k);
    }
    r = PyStackless_Schedule(Py_None, 0);
    Py_XDECREF(r);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), -4);
    for (i = 0; i < 4; i++) {
        deep_results[i] = -1;
        if (t[i]) {
            CHECK_EQ_INT(PyTasklet_GetNestingLevel(t[i]), 1);
            EXPECT_OK(PyTasklet_Kill(t[i]));
            CHECK(!PyTasklet_Alive(t[i]));
        }
        CHECK_EQ_INT(deep_results[i], -1);
        Py_XDECREF(t[i]);
    }
    CHECK_EQ_INT(deep_frame_errors, 0);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    Py_CLEAR(g_ch);
}

/* ============================ 100,000 alive at once ============================================ */

#include "slp_stack.h"
/* 100,000 stacks need guard markers (Linux >= 6.13): with mprotect guards each stack costs two
 * kernel mappings and vm.max_map_count (65530 by default) caps them near 32,000 (qemu-user
 * ignores guard markers, so the aarch64 run gets mprotect guards). */
static long nmany(void)
{
    static int said;
    if (strcmp(slp_stack_guard_impl(), "madvise-guard") == 0) return 100000;
    if (!said++)
        printf("     note: %s guards (no guard markers here): 20,000 tasklets instead of 100,000, "
               "which the default vm.max_map_count cannot hold with mprotect guards\n",
               slp_stack_guard_impl());
    return 20000;
}
#define NMANY nmany()
static long *many_recv;
static long many_done;

static PyObject *w_many_fn(PyObject *self, PyObject *unused)
{
    long idx = PyLong_AsLong(self);
    PyObject *v = PyChannel_Receive(g_ch);
    (void)unused;
    if (!v) return NULL;
    many_recv[idx] = PyLong_AsLong(v);
    Py_DECREF(v);
    many_done++;
    Py_RETURN_NONE;
}
static PyMethodDef w_many_def = {"w_many", w_many_fn, METH_NOARGS, NULL};

MAIN_TEST(test_100k_native_tasklets_alive)
{
    PyTaskletObject **ts = calloc(NMANY, sizeof *ts);
    long i, bad = 0, alive = 0, created = 0;
    double t0, t1, t2, t3;
    PyObject *r;
    many_recv = calloc(NMANY, sizeof *many_recv);
    g_ch = PyChannel_New(NULL);
    many_done = 0;
    if (!ts || !many_recv) { CHECK(!"calloc"); free(ts); free(many_recv); Py_CLEAR(g_ch); return; }
    t0 = now_s();
    for (i = 0; i < NMANY; i++) {
        PyObject *k = th_int(i);
        many_recv[i] = -1;
        ts[i] = th_spawn(&w_many_def, k, NULL);
        Py_DECREF(k);
        if (!ts[i]) { fprintf(stderr, "  spawn %ld failed: %s\n", i, th_exc_tag()); PyErr_Print(); break; }
        created++;
    }
    CHECK_EQ_INT(created, NMANY);
    CHECK_EQ_INT(PyStackless_GetRunCount(), created + 1);
    t1 = now_s();
    r = PyStackless_Schedule(Py_None, 0);      /* every tasklet runs and blocks */
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_NO_ERR();
    t2 = now_s();
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), -created);
    for (i = 0; i < created; i++) alive += PyTasklet_Alive(ts[i]) && PyTasklet_GetBlocked(ts[i]) == -1;
    CHECK_EQ_INT(alive, created);
    for (i = 0; i < created; i++) {
        PyObject *v = th_int(i);
        if (PyChannel_Send(g_ch, v) != 0) { fprintf(stderr, "  send %ld failed\n", i); PyErr_Print(); Py_DECREF(v); break; }
        Py_DECREF(v);
    }
    t3 = now_s();
    CHECK_EQ_INT(many_done, created);
    for (i = 0; i < created; i++) {
        if (many_recv[i] != i) bad++;
        if (PyTasklet_Alive(ts[i])) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    printf("     100k: create+setup %.3f s, start+block %.3f s, feed+finish %.3f s (VmSize %ld KiB)\n",
           t1 - t0, t2 - t1, t3 - t2, vm_size_kib());
    for (i = 0; i < created; i++) Py_XDECREF(ts[i]);
    free(ts);
    free(many_recv);
    many_recv = NULL;
    Py_CLEAR(g_ch);
}

/* ============================ spawn / finish cycles ============================================ */

static long cycle_count;
static PyObject *w_count_fn(PyObject *self, PyObject *unused)
{
    (void)self; (void)unused;
    cycle_count++;
    Py_RETURN_NONE;
}
static PyMethodDef w_count_def = {"w_count", w_count_fn, METH_NOARGS, NULL};

MAIN_TEST(test_200k_spawn_finish_cycles)
{
    const int batches = 200, per = 1000;
    int b, j;
    long vm_early = -1, vm_late;
    double t0 = now_s();
    cycle_count = 0;
    for (b = 0; b < batches; b++) {
        PyObject *r;
        for (j = 0; j < per; j++)
            if (th_spawn_free(&w_count_def, NULL, NULL) != 0) { PyErr_Print(); CHECK(!"spawn"); return; }
        CHECK_EQ_INT(PyStackless_GetRunCount(), per + 1);
        r = PyStackless_Schedule(Py_None, 0);  /* all of them run to completion */
        Py_XDECREF(r);
        CHECK_EQ_INT(PyStackless_GetRunCount(), 1);
        if (b == 9) vm_early = vm_size_kib();
    }
    vm_late = vm_size_kib();
    CHECK_EQ_INT(cycle_count, (long)batches * per);
    printf("     200k short tasklets: %.3f s; VmSize after 10 batches %ld KiB, after %d %ld KiB\n",
           now_s() - t0, vm_early, batches, vm_late);
    /* without stack reuse 190,000 more stacks (~24 GiB of address space) would be mapped */
    if (vm_early > 0 && vm_late > 0) CHECK(vm_late - vm_early < 512 * 1024);
}

/* ============================ ping-pong ======================================================== */

#define HOPS 1000000L
static long pp_hops, pp_errors;

static PyObject *w_ping_fn(PyObject *self, PyObject *unused)
{
    long i;
    (void)self; (void)unused;
    for (i = 0; i < HOPS / 2; i++) {
        PyObject *v = PyLong_FromLong(2 * i), *r;
        int rc = PyChannel_Send(g_ch, v);
        Py_DECREF(v);
        if (rc) return NULL;
        r = PyChannel_Receive(g_ch);
        if (!r) return NULL;
        pp_hops++;
        if (PyLong_AsLong(r) != 2 * i + 1) pp_errors++;
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}
static PyObject *w_pong_fn(PyObject *self, PyObject *unused)
{
    long i;
    (void)self; (void)unused;
    for (i = 0; i < HOPS / 2; i++) {
        PyObject *r = PyChannel_Receive(g_ch), *v;
        int rc;
        if (!r) return NULL;
        pp_hops++;
        if (PyLong_AsLong(r) != 2 * i) pp_errors++;
        v = PyLong_FromLong(PyLong_AsLong(r) + 1);
        Py_DECREF(r);
        rc = PyChannel_Send(g_ch, v);
        Py_DECREF(v);
        if (rc) return NULL;
    }
    Py_RETURN_NONE;
}
static PyMethodDef w_ping_def = {"w_ping", w_ping_fn, METH_NOARGS, NULL};
static PyMethodDef w_pong_def = {"w_pong", w_pong_fn, METH_NOARGS, NULL};

MAIN_TEST(test_pingpong_1m_hops)
{
    PyTaskletObject *a, *b;
    double t0;
    g_ch = PyChannel_New(NULL);
    pp_hops = pp_errors = 0;
    a = th_spawn(&w_ping_def, NULL, NULL);
    b = th_spawn(&w_pong_def, NULL, NULL);
    t0 = now_s();
    CHECK(th_drain(HOPS * 4) == 0);
    CHECK_NO_ERR();
    printf("     1M hops: %.3f s (%.0f ns/hop)\n", now_s() - t0, (now_s() - t0) * 1e9 / HOPS);
    CHECK_EQ_INT(pp_hops, HOPS);
    CHECK_EQ_INT(pp_errors, 0);
    CHECK(a && !PyTasklet_Alive(a));
    CHECK(b && !PyTasklet_Alive(b));
    CHECK_EQ_INT(PyChannel_GetBalance(g_ch), 0);
    Py_XDECREF(a);
    Py_XDECREF(b);
    Py_CLEAR(g_ch);
}

/* ============================ stack size =================================================== */

static size_t g_thread_stack_size;
static void *query_stack_size_thread(void *arg)
{
    (void)arg;
    g_thread_stack_size = PyStackless_SetNativeStackSize(0);
    return NULL;
}

static long g_small_depth;
static __attribute__((noinline)) long use_stack(long n)
{
    volatile char buf[256];
    buf[0] = (char)n;
    if (n == 0) return buf[0];
    return use_stack(n - 1) + buf[0];
}
static PyObject *w_small_stack_fn(PyObject *self, PyObject *unused)
{
    (void)self; (void)unused;
    g_small_depth = use_stack(60);   /* ~20 KiB of a 64 KiB stack */
    th_logf("small-ok");
    Py_RETURN_NONE;
}
static PyMethodDef w_small_stack_def = {"w_small_stack", w_small_stack_fn, METH_NOARGS, NULL};

MAIN_TEST(test_native_stack_size_api)
{
    const char *env = getenv("STACKLESS_STACK_SIZE");
    long page = sysconf(_SC_PAGESIZE);
    size_t def = PyStackless_SetNativeStackSize(0), q;
    pthread_t th;
    PyTaskletObject *t;
    if (!env) CHECK_EQ_INT(def, 131072);
    CHECK_EQ_INT(PyStackless_SetNativeStackSize(0), def);          /* 0 only queries */
    CHECK_EQ_INT(PyStackless_SetNativeStackSize(64 * 1024), def);  /* returns the old value */
    CHECK_EQ_INT(PyStackless_SetNativeStackSize(0), 64 * 1024);
    /* per thread: another thread still has the default */
    if (pthread_create(&th, NULL, query_stack_size_thread, NULL) == 0) {
        pthread_join(th, NULL);
        CHECK_EQ_INT(g_thread_stack_size, def);
    }
    /* a tasklet created now runs on a 64 KiB stack */
    t = th_spawn(&w_small_stack_def, NULL, NULL);
    if (t) EXPECT_OK(PyTasklet_Run(t));
    CHECK_LOG_SO_FAR("small-ok");
    Py_XDECREF(t);
    /* rounding: at least the minimum, whole pages */
    CHECK_EQ_INT(PyStackless_SetNativeStackSize(1000), 64 * 1024);
    q = PyStackless_SetNativeStackSize(0);
    CHECK(q >= PyStackless_NATIVE_STACK_MIN);
    CHECK(page > 0 && q % (size_t)page == 0);
    PyStackless_SetNativeStackSize(70000);
    q = PyStackless_SetNativeStackSize(0);
    CHECK(q >= 70000 && q % (size_t)page == 0 && q < 70000 + (size_t)page);
    PyStackless_SetNativeStackSize(def);
    CHECK_EQ_INT(PyStackless_SetNativeStackSize(0), def);
}

/* ============================ stack overflow =============================================== */

static volatile long g_never = 0x7fffffffL;
static __attribute__((noinline)) long runaway(long n)
{
    volatile char buf[512];
    buf[0] = (char)n;
    if (n > g_never) return 0;
    return runaway(n + 1) + buf[0];
}
static PyObject *w_runaway_fn(PyObject *self, PyObject *unused)
{
    long r;
    (void)self; (void)unused;
    r = runaway(0);
    return PyLong_FromLong(r);
}
static PyMethodDef w_runaway_def = {"w_runaway", w_runaway_fn, METH_NOARGS, NULL};

static void overflow_child_body(void)
{
    PyTaskletObject *t = th_spawn(&w_runaway_def, NULL, NULL);
    if (t) PyTasklet_Run(t);
    fprintf(stderr, "child: the runaway tasklet returned\n");
}

static void test_stack_overflow_aborts_with_report(void)
{
    int fds[2], status = 0, before = h_failed_checks;
    pid_t pid;
    char out[8192];
    size_t len = 0;
    ssize_t n;
    if (pipe(fds) != 0) { CHECK(!"pipe"); return; }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) { CHECK(!"fork"); return; }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        PyStackless_SetNativeStackSize(64 * 1024);
        th_run_main(overflow_child_body);
        _exit(3);
    }
    close(fds[1]);
    while (len < sizeof out - 1 && (n = read(fds[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)n;
    out[len] = 0;
    close(fds[0]);
    waitpid(pid, &status, 0);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)) {
        h_failed_checks++;
        if (WIFSIGNALED(status))
            fprintf(stderr, "  FAIL %s: child died by signal %d, expected SIGABRT (%d)\n", h_current,
                    WTERMSIG(status), SIGABRT);
        else
            fprintf(stderr, "  FAIL %s: child exited with %d, expected SIGABRT\n", h_current, WEXITSTATUS(status));
    }
    CHECK(strstr(out, "overflowed its") != NULL);
    CHECK(strstr(out, "KiB stack") != NULL);
    CHECK(strstr(out, "tasklet #") != NULL);
    CHECK(strstr(out, "64 KiB") != NULL);
    if (h_failed_checks != before) fprintf(stderr, "  child stderr was:\n%s\n", out);
    else printf("     report: %.*s\n", (int)strcspn(out, "\n"), out);
}

int main(void)
{
    TEST(test_native_stack_size_api);
    TEST(test_stack_overflow_aborts_with_report);
    TEST(test_block_50_c_frames_deep);
    TEST(test_kill_blocked_deep_tasklets);
    TEST(test_pingpong_1m_hops);
    TEST(test_200k_spawn_finish_cycles);
    TEST(test_100k_native_tasklets_alive);
    return TEST_SUMMARY();
}
