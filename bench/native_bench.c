/* native_bench.c - costs of the native core, each beside the bare context switch measured in
 * the same run (the floor). CPU time of this thread, best of several rounds, so that other
 * tenants of a noisy machine disturb the figures less.
 *
 *   out/core/native_bench [--quick] [--json FILE]
 *
 * Reports, in ns: the bare switch (one direction), a native channel hop (one message handed
 * to a waiting native tasklet, which then runs: half a ping-pong round trip), schedule()
 * round robin among 2 and 1,000 native tasklets (per switch), spawn-run-finish of a trivial
 * native tasklet, and the resident memory per blocked native tasklet. */
#define _GNU_SOURCE
#include "stackless_api.h"
#include "slp_stack.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int quick, hop_only;

static double cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void die_on_error(const char *what)
{
    if (PyErr_Occurred()) {
        fprintf(stderr, "native_bench: %s failed\n", what);
        PyErr_Print();
        exit(1);
    }
}

/* ---- bare switch: two contexts ping-pong ------------------------------------------------ */
static void *bare_main_sp, *bare_fiber_sp;
static long bare_n;
static slp_stack *bare_stack;

static void bare_entry(void *arg)
{
    (void)arg;
    for (;;) slp_ctx_switch(&bare_fiber_sp, bare_main_sp, NULL, 0);
}

static double bench_bare_switch(long n)
{
    double t0, t1;
    long i;
    if (!bare_stack) {
        if (slp_stack_acquire(&bare_stack, 64 * 1024)) { perror("stack"); exit(1); }
        bare_fiber_sp = slp_ctx_make(bare_stack, bare_entry, NULL);
    }
    bare_n = n;
    t0 = cpu_ns();
    for (i = 0; i < n; i++) slp_ctx_switch(&bare_main_sp, bare_fiber_sp, bare_stack->lo, bare_stack->size);
    t1 = cpu_ns();
    return (t1 - t0) / (2.0 * (double)n);   /* two switches per iteration */
}

/* ---- helpers to make native tasklets from C functions ---------------------------------- */
static PyTaskletObject *spawn(PyMethodDef *def, PyObject *args)
{
    PyObject *f = PyCFunction_New(def, NULL);
    PyTaskletObject *t = PyTasklet_New(NULL, f);
    Py_DECREF(f);
    if (!t || PyTasklet_Setup(t, args, NULL)) die_on_error("spawn");
    return t;
}

/* ---- channel ping-pong ----------------------------------------------------------------- */
static PyChannelObject *pp_ch;
static long pp_n;

static PyObject *pp_echo(PyObject *self, PyObject *args)
{
    long i;
    for (i = 0; i < pp_n; i++) {
        PyObject *v = PyChannel_Receive(pp_ch);
        if (!v) return NULL;
        if (PyChannel_Send(pp_ch, v)) { Py_DECREF(v); return NULL; }
        Py_DECREF(v);
    }
    Py_RETURN_NONE;
}

static PyObject *pp_client(PyObject *self, PyObject *args)
{
    long i;
    for (i = 0; i < pp_n; i++) {
        PyObject *v;
        if (PyChannel_Send(pp_ch, Py_None)) return NULL;
        v = PyChannel_Receive(pp_ch);
        if (!v) return NULL;
        Py_DECREF(v);
    }
    Py_RETURN_NONE;
}

static PyMethodDef pp_echo_def = {"echo", pp_echo, METH_VARARGS, NULL};
static PyMethodDef pp_client_def = {"client", pp_client, METH_VARARGS, NULL};

/* Runs n round trips between two native tasklets; returns ns per hop (n round trips = 2n hops). */
static double bench_channel_hop(long n)
{
    PyObject *empty = PyTuple_New(0), *r;
    PyTaskletObject *a, *b;
    double t0, t1;
    pp_ch = PyChannel_New(NULL);
    pp_n = n;
    b = spawn(&pp_echo_def, empty);
    a = spawn(&pp_client_def, empty);
    t0 = cpu_ns();
    r = PyStackless_RunWatchdog(0);
    t1 = cpu_ns();
    if (!r) die_on_error("ping-pong");
    Py_DECREF(r);
    Py_DECREF(a); Py_DECREF(b); Py_DECREF(pp_ch); Py_DECREF(empty);
    return (t1 - t0) / (2.0 * (double)n);
}

/* ---- schedule() round robin ------------------------------------------------------------ */
static long rr_rounds;

static PyObject *rr_body(PyObject *self, PyObject *args)
{
    long i;
    for (i = 0; i < rr_rounds; i++) {
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (!r) return NULL;
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}
static PyMethodDef rr_def = {"rr", rr_body, METH_VARARGS, NULL};

static double bench_round_robin(int tasklets, long switches)
{
    PyObject *empty = PyTuple_New(0), *r;
    PyTaskletObject **ts = malloc(sizeof *ts * (size_t)tasklets);
    double t0, t1;
    int i;
    rr_rounds = switches / tasklets;
    for (i = 0; i < tasklets; i++) ts[i] = spawn(&rr_def, empty);
    t0 = cpu_ns();
    r = PyStackless_RunWatchdog(0);
    t1 = cpu_ns();
    if (!r) die_on_error("round robin");
    Py_DECREF(r);
    for (i = 0; i < tasklets; i++) Py_DECREF(ts[i]);
    free(ts);
    Py_DECREF(empty);
    return (t1 - t0) / (double)(rr_rounds * tasklets);
}

/* ---- spawn, run, finish ---------------------------------------------------------------- */
static PyObject *trivial(PyObject *self, PyObject *args) { Py_RETURN_NONE; }
static PyMethodDef trivial_def = {"trivial", trivial, METH_VARARGS, NULL};

static double bench_spawn(long n)
{
    PyObject *empty = PyTuple_New(0), *f = PyCFunction_New(&trivial_def, NULL), *r;
    double t0, t1;
    long i, batch = 1000, done = 0;
    t0 = cpu_ns();
    while (done < n) {
        for (i = 0; i < batch; i++) {
            PyTaskletObject *t = PyTasklet_New(NULL, f);
            if (!t || PyTasklet_Setup(t, empty, NULL)) die_on_error("spawn");
            Py_DECREF(t);   /* the run queue keeps it */
        }
        r = PyStackless_RunWatchdog(0);
        if (!r) die_on_error("spawn run");
        Py_DECREF(r);
        done += batch;
    }
    t1 = cpu_ns();
    Py_DECREF(f);
    Py_DECREF(empty);
    return (t1 - t0) / (double)done;
}

/* ---- memory per blocked tasklet -------------------------------------------------------- */
static PyChannelObject *mem_ch;
static PyObject *blocker(PyObject *self, PyObject *args)
{
    PyObject *v = PyChannel_Receive(mem_ch);
    if (!v) return NULL;
    Py_DECREF(v);
    Py_RETURN_NONE;
}
static PyMethodDef blocker_def = {"blocker", blocker, METH_VARARGS, NULL};

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

/* RSS growth while n native tasklets are blocked on a channel, per tasklet: their touched
 * stack pages, tasklet objects and allocator overhead together. */
static double bench_memory(long n)
{
    PyObject *empty = PyTuple_New(0), *f = PyCFunction_New(&blocker_def, NULL), *r;
    PyTaskletObject **ts = malloc(sizeof *ts * (size_t)n);
    long before, after, i;
    mem_ch = PyChannel_New(NULL);
    before = rss_bytes();
    for (i = 0; i < n; i++) {
        ts[i] = PyTasklet_New(NULL, f);
        if (!ts[i] || PyTasklet_Setup(ts[i], empty, NULL)) die_on_error("memory spawn");
    }
    r = PyStackless_RunWatchdog(0);   /* all block on receive */
    if (!r) die_on_error("memory run");
    Py_DECREF(r);
    after = rss_bytes();
    for (i = 0; i < n; i++) {
        if (PyChannel_Send(mem_ch, Py_None)) die_on_error("memory release");
    }
    for (i = 0; i < n; i++) Py_DECREF(ts[i]);
    free(ts);
    Py_DECREF(mem_ch);
    Py_DECREF(f);
    Py_DECREF(empty);
    return (double)(after - before) / (double)n;
}

/* ---- driver ---------------------------------------------------------------------------- */
#define ROUNDS 5

typedef double (*bench_fn)(long);

static double best_of(bench_fn fn, long n)
{
    double best = 1e30;
    int i;
    for (i = 0; i < ROUNDS; i++) {
        double v = fn(n);
        if (v < best) best = v;
    }
    return best;
}

static double rr2(long n) { return bench_round_robin(2, n); }
static double rr1000(long n) { return bench_round_robin(1000, n); }

static PyObject *run_all(PyObject *self, PyObject *args)
{
    long scale = quick ? 10 : 1;
    double bare, hop, s2, s1000, spawn_ns;
    if (hop_only) {   /* for instruction-count profiling: valgrind --tool=callgrind */
        printf("channel hop: %.1f ns\n", bench_channel_hop(100000));
        Py_RETURN_NONE;
    }
    bare = best_of(bench_bare_switch, 2000000 / scale);
    hop = best_of(bench_channel_hop, 1000000 / scale);
    s2 = best_of(rr2, 2000000 / scale);
    s1000 = best_of(rr1000, 2000000 / scale);
    spawn_ns = best_of(bench_spawn, 200000 / scale);
    double mem_per = bench_memory(quick ? 2000 : 20000);

    printf("stackless native core benchmark (switch: %s, guard: %s; CPU time, best of %d)\n\n",
           slp_ctx_impl(), slp_stack_guard_impl(), ROUNDS);
    printf("%-44s %10s %12s\n", "operation", "ns", "x bare switch");
    printf("%-44s %10.1f %12.2f\n", "bare context switch (floor, one way)", bare, 1.0);
    printf("%-44s %10.1f %12.2f\n", "native channel hop (send -> waiting receiver)", hop, hop / bare);
    printf("%-44s %10.1f %12.2f\n", "schedule() round robin, 2 tasklets", s2, s2 / bare);
    printf("%-44s %10.1f %12.2f\n", "schedule() round robin, 1,000 tasklets", s1000, s1000 / bare);
    printf("%-44s %10.1f %12.2f\n", "spawn + run + finish a trivial tasklet", spawn_ns, spawn_ns / bare);
    printf("%-44s %10.0f bytes (%.1f KiB)\n", "resident memory per blocked native tasklet",
           mem_per, mem_per / 1024.0);
    printf("\ntargets: channel hop <= 2x bare switch: %s (%.2fx); memory per blocked tasklet <= 16 KiB: %s\n",
           hop <= 2.0 * bare ? "met" : "NOT met", hop / bare, mem_per <= 16384 ? "met" : "NOT met");
    Py_RETURN_NONE;
}

static PyMethodDef run_all_def = {"run_all", run_all, METH_NOARGS, NULL};

int main(int argc, char **argv)
{
    PyObject *r;
    int i;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) quick = 1;
        else if (strcmp(argv[i], "--hop-only") == 0) hop_only = 1;
    r = PyStackless_CallCMethod_Main(&run_all_def, NULL, NULL);
    if (!r) {
        PyErr_Print();
        return 1;
    }
    Py_DECREF(r);
    return 0;
}
