/* threadstate.c - per-thread scheduler state, the thread registry and the module-level
 * queries (run count, current tasklet, switch trap, native stack size). */
#define _GNU_SOURCE
#include "slp_internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

SLP_TLS slp_thread *slp_tls_thread;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static slp_thread *registry_head, *registry_tail;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

/* The OS thread ends (STATES.md 6): tasklets that own C state get TaskletExit (errors are
 * ignored; one that survives stays orphaned with its stack), then every tasklet loses its
 * thread. The state itself is kept (marked dead) because orphaned tasklets still point at
 * it; it is small. */
static void slp_thread_exit(void *arg)
{
    slp_thread *ts = (slp_thread *)arg;
    if (ts->cstate) {
        /* Snapshot first: killing one tasklet can end or start others. */
        PyTaskletObject *t, **all;
        size_t n = 0, i;
        for (t = ts->cstate; t; t = t->cs_next) n++;
        all = (PyTaskletObject **)calloc(n, sizeof *all);
        if (all) {
            SLP_ENTER(ts);
            for (i = 0, t = ts->cstate; t; t = t->cs_next) all[i++] = (PyTaskletObject *)Py_NewRef((PyObject *)t);
            for (i = 0; i < n; i++) {
                if (slp_tasklet_nesting(all[i]) && PyTasklet_Kill(all[i])) PyErr_Clear();
                Py_DECREF(all[i]);
            }
            SLP_LEAVE(ts);
            free(all);
        }
    }
    while (ts->current) {
        PyTaskletObject *t = ts->current;
        slp_runq_unlink(ts, t);
        Py_DECREF(t);
    }
    ts->dead = 1;
    if (ts->main) {
        PyTaskletObject *m = ts->main;
        ts->main = NULL;
        Py_DECREF(m);
    }
    Py_CLEAR(ts->schedule_cb);
    Py_CLEAR(ts->channel_cb);
    Py_CLEAR(ts->error_handler);
}

static void slp_make_exit_key(void) { pthread_key_create(&exit_key, slp_thread_exit); }

#define SLP_DEFAULT_STACK (128 * 1024)

static size_t slp_env_stack_size(void)
{
    const char *s = getenv("STACKLESS_STACK_SIZE");
    char *end;
    unsigned long long v;
    if (!s || !*s) return SLP_DEFAULT_STACK;
    v = strtoull(s, &end, 10);
    if (*end == 'k' || *end == 'K') v *= 1024;
    else if (*end == 'm' || *end == 'M') v *= 1024 * 1024;
    if (v < PyStackless_NATIVE_STACK_MIN) v = PyStackless_NATIVE_STACK_MIN;
    return (size_t)v;
}

unsigned long slp_os_thread_id(void)
{
    return (unsigned long)pthread_self();
}

static int slp_on_process_main_thread(void)
{
#if defined(__linux__)
    return (pid_t)syscall(SYS_gettid) == getpid();
#elif defined(__APPLE__)
    return pthread_main_np() != 0;
#else
    return 0;
#endif
}

int64_t slp_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

slp_thread *slp_thread_create(void)
{
    slp_thread *ts = (slp_thread *)calloc(1, sizeof *ts);
    if (!ts) {
        fprintf(stderr, "stackless: fatal: out of memory creating the thread's scheduler\n");
        abort();
    }
    ts->thread_id = slp_os_thread_id();
    ts->is_process_main = slp_on_process_main_thread();
    ts->stack_size = slp_env_stack_size();
    slp_overflow_install_thread();
    pthread_mutex_lock(&registry_lock);
    if (registry_tail) registry_tail->next_thread = ts;
    else registry_head = ts;
    registry_tail = ts;
    pthread_mutex_unlock(&registry_lock);
    slp_tls_thread = ts;
    pthread_once(&exit_key_once, slp_make_exit_key);
    pthread_setspecific(exit_key, ts);
    return ts;
}

slp_thread *slp_thread_find(unsigned long thread_id)
{
    slp_thread *ts;
    pthread_mutex_lock(&registry_lock);
    for (ts = registry_head; ts; ts = ts->next_thread)
        if (ts->thread_id == thread_id && !ts->dead) break;
    pthread_mutex_unlock(&registry_lock);
    return ts;
}

int PyStackless_GetRunCount(void)
{
    slp_thread *ts = slp_tls_thread;
    if (ts) slp_watchdog_poll(ts);
    return ts ? ts->runcount : 0;
}

PyObject *PyStackless_GetCurrent(void)
{
    slp_thread *ts = slp_tls_thread;
    if (!ts || !ts->main) return NULL;
    slp_watchdog_poll(ts);
    return Py_NewRef((PyObject *)ts->current);
}

unsigned long PyStackless_GetCurrentId(void)
{
    slp_thread *ts = slp_tls_thread;
    if (!ts || !ts->main || ts->current == ts->main) return slp_os_thread_id();
    return ts->current->id;
}

int PyStackless_AdjustSwitchTrap(int change)
{
    slp_thread *ts = slp_thread_get();
    int old = ts->switch_trap;
    ts->switch_trap += change;
    slp_update_fast(ts);
    return old;
}

size_t PyStackless_SetNativeStackSize(size_t bytes)
{
    slp_thread *ts = slp_thread_get();
    size_t old = ts->stack_size;
    if (bytes) {
        long page = sysconf(_SC_PAGESIZE);
        if (bytes < PyStackless_NATIVE_STACK_MIN) bytes = PyStackless_NATIVE_STACK_MIN;
        bytes = (bytes + (size_t)page - 1) & ~((size_t)page - 1);
        ts->stack_size = bytes;
    }
    return old;
}
