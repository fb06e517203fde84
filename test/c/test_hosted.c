/* test_hosted.c - hosted tasklets (the mechanism the Node binding uses for generator
 * tasklets), driven here by C state machines through the host hooks of slp_internal.h:
 * soft switching with the _nr calls and Py_UnwindToken, rendezvous between hosted, native
 * and main tasklets on the same channels, exception routing, the "cannot block" rule, and
 * calls that native tasklets make on the host stack. */
#include "harness.h"
#include "slp_internal.h"
#include <pthread.h>

/* A hosted callable: a C step function standing in for a JS generator. step() is called
 * with the value the last operation produced (NULL + exception if it raised) and returns
 * Py_UnwindToken after a switching _nr call, or sets st->done with the final result. */
typedef struct hstate hstate;
typedef PyObject *(*hstep_fn)(hstate *st, PyObject *resume);
struct hstate {
    hstep_fn fn;
    int pc;
    long n, i;
    PyObject *arg;
    int done;
    PyObject *result;
};

typedef struct {
    PyObject_HEAD
    hstep_fn fn;
} HostedFnObject;

static PyObject *hostedfn_call(PyObject *self, PyObject *args, PyObject *kw)
{
    PyErr_SetString(PyExc_RuntimeError, "hosted functions only run as tasklets in this test");
    return NULL;
}

static PyTypeObject HostedFn_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "test.hostedfn",
    .tp_basicsize = sizeof(HostedFnObject),
    .tp_call = hostedfn_call,
    .tp_flags = Py_TPFLAGS_SLP_HOSTED_CALL,
    .tp_base = &PyBaseObject_Type,
};

static PyObject *hosted_fn(hstep_fn fn)
{
    HostedFnObject *o = (HostedFnObject *)PyType_GenericAlloc(&HostedFn_Type, 0);
    o->fn = fn;
    return (PyObject *)o;
}

static int steps_taken;

static void host_step(PyTaskletObject *t)
{
    hstate *st = (hstate *)t->host_data;
    PyObject *resume, *func, *args, *kwargs;
    steps_taken++;
    if (slp_hosted_begin(t, &func, &args, &kwargs)) {
        st = (hstate *)calloc(1, sizeof *st);
        st->fn = ((HostedFnObject *)func)->fn;
        if (PyTuple_GET_SIZE(args) > 0) st->arg = Py_NewRef(PyTuple_GET_ITEM(args, 0));
        t->host_data = st;
        Py_DECREF(func); Py_DECREF(args); Py_XDECREF(kwargs);
        resume = slp_resume_value(t);   /* a throw before the start explodes here */
        if (resume) { Py_DECREF(resume); resume = Py_NewRef(Py_None); }
    } else {
        resume = slp_resume_value(t);
    }
    for (;;) {
        PyObject *r = st->fn(st, resume);
        Py_XDECREF(resume);
        if (st->done) {
            slp_hosted_end(t, st->result);
            return;
        }
        if (STACKLESS_UNWINDING(r)) return;   /* switched away: resume later */
        resume = r;   /* completed without switching: continue at once */
    }
}

static void host_release(PyTaskletObject *t)
{
    hstate *st = (hstate *)t->host_data;
    if (!st) return;
    Py_XDECREF(st->arg);
    free(st);
    t->host_data = NULL;
}

static void install_hooks(void)
{
    slp_thread *ts = slp_thread_get();
    ts->hooks.step = host_step;
    ts->hooks.release = host_release;
}

#define DONE(st, v) do { (st)->done = 1; (st)->result = (v); return NULL; } while (0)
/* unwrap the int result of an int _nr call into the generator protocol */
static PyObject *nr_int(int r) { return r < 0 ? NULL : r == 1 ? (PyObject *)Py_UnwindToken : Py_NewRef(Py_None); }

static PyChannelObject *ch;
static char log_buf[512];
static void logf_(const char *s) { strncat(log_buf, s, sizeof log_buf - strlen(log_buf) - 1); }

/* ---- a hosted consumer receives from a native producer ------------------------------- */
static PyObject *hosted_consumer(hstate *st, PyObject *resume)
{
    switch (st->pc) {
    case 0:
        st->pc = 1;
        return PyChannel_Receive_nr(ch);
    case 1:
        if (!resume) DONE(st, NULL);
        st->n += PyLong_AsLong(resume);
        if (++st->i < 3) return PyChannel_Receive_nr(ch);
        DONE(st, Py_NewRef(Py_None));
    }
    return NULL;
}

static long consumer_total;
static PyObject *native_producer(PyObject *self, PyObject *args)
{
    long i;
    for (i = 1; i <= 3; i++) {
        PyObject *v = PyLong_FromLong(i * 10);
        int r = PyChannel_Send(ch, v);
        Py_DECREF(v);
        if (r) return NULL;
    }
    Py_RETURN_NONE;
}
static PyMethodDef native_producer_def = {"producer", native_producer, METH_VARARGS, NULL};

static hstate *last_state(PyTaskletObject *t) { return (hstate *)t->host_data; }

static PyObject *body_hosted_native(PyObject *self, PyObject *noargs)
{
    PyObject *hf = hosted_fn(hosted_consumer), *nf = PyCFunction_New(&native_producer_def, NULL);
    PyObject *empty = PyTuple_New(0), *r;
    PyTaskletObject *h = PyTasklet_New(NULL, hf), *n = PyTasklet_New(NULL, nf);
    ch = PyChannel_New(NULL);
    CHECK_EQ_INT(PyTasklet_Setup(h, empty, NULL), 0);
    CHECK_EQ_INT(PyTasklet_Setup(n, empty, NULL), 0);
    CHECK_EQ_INT(PyTasklet_GetNestingLevel(h), 0);
    steps_taken = 0;
    r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK(!PyTasklet_Alive(h));
    CHECK(!PyTasklet_Alive(n));
    CHECK(steps_taken >= 3);   /* it was resumed once per value that made it wait */
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    consumer_total = 0;
    Py_DECREF(h); Py_DECREF(n); Py_DECREF(hf); Py_DECREF(nf); Py_DECREF(empty); Py_DECREF(ch);
    Py_RETURN_NONE;
}

/* The consumer's sum is checked through a second consumer that reports it on a channel. */
static PyChannelObject *report;
static PyObject *hosted_summer(hstate *st, PyObject *resume)
{
    switch (st->pc) {
    case 0:
        st->pc = 1;
        return PyChannel_Receive_nr(ch);
    case 1:
        if (!resume) DONE(st, NULL);
        st->n += PyLong_AsLong(resume);
        if (++st->i < 3) return PyChannel_Receive_nr(ch);
        st->pc = 2;
        {
            PyObject *v = PyLong_FromLong(st->n);
            int r = PyChannel_Send_nr(report, v);   /* main waits: hand-over switches to it */
            Py_DECREF(v);
            return nr_int(r);
        }
    case 2:
        DONE(st, resume ? Py_NewRef(Py_None) : NULL);
    }
    return NULL;
}

static void test_hosted_consumer_native_producer(void)
{
    static PyMethodDef def = {"body", body_hosted_native, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

static PyObject *body_sum(PyObject *self, PyObject *noargs)
{
    PyObject *hf = hosted_fn(hosted_summer), *nf = PyCFunction_New(&native_producer_def, NULL);
    PyObject *empty = PyTuple_New(0), *v;
    PyTaskletObject *h = PyTasklet_New(NULL, hf), *n = PyTasklet_New(NULL, nf);
    ch = PyChannel_New(NULL);
    report = PyChannel_New(NULL);
    PyTasklet_Setup(h, empty, NULL);
    PyTasklet_Setup(n, empty, NULL);
    v = PyChannel_Receive(report);   /* main blocks; hosted and native run nested */
    CHECK(v && PyLong_AsLong(v) == 60);
    Py_XDECREF(v);
    v = PyStackless_RunWatchdog(0);
    Py_XDECREF(v);
    CHECK(!PyTasklet_Alive(h));
    Py_DECREF(h); Py_DECREF(n); Py_DECREF(hf); Py_DECREF(nf); Py_DECREF(empty);
    Py_DECREF(ch); Py_DECREF(report);
    Py_RETURN_NONE;
}

static void test_main_receives_from_hosted(void)
{
    static PyMethodDef def = {"body", body_sum, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

/* ---- hosted round robin with schedule_nr, interleaved with a native tasklet ----------- */
static PyObject *hosted_rr(hstate *st, PyObject *resume)
{
    char buf[8];
    if (!resume) DONE(st, NULL);
    if (st->i == 3) DONE(st, Py_NewRef(Py_None));
    snprintf(buf, sizeof buf, "%c%ld", (char)PyLong_AsLong(st->arg), st->i++);
    logf_(buf);
    return PyStackless_Schedule_nr(Py_None, 0);
}

static PyObject *native_rr(PyObject *self, PyObject *args)
{
    int i;
    char buf[8];
    for (i = 0; i < 3; i++) {
        PyObject *r;
        snprintf(buf, sizeof buf, "n%d", i);
        logf_(buf);
        r = PyStackless_Schedule(Py_None, 0);
        if (!r) return NULL;
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}
static PyMethodDef native_rr_def = {"nrr", native_rr, METH_VARARGS, NULL};

static PyObject *body_rr(PyObject *self, PyObject *noargs)
{
    PyObject *hf = hosted_fn(hosted_rr), *nf = PyCFunction_New(&native_rr_def, NULL), *r;
    PyObject *aa = Py_BuildValue("(i)", 'a'), *bb = Py_BuildValue("(i)", 'b'), *empty = PyTuple_New(0);
    PyTaskletObject *a = PyTasklet_New(NULL, hf), *b = PyTasklet_New(NULL, hf), *n = PyTasklet_New(NULL, nf);
    log_buf[0] = 0;
    PyTasklet_Setup(a, aa, NULL);
    PyTasklet_Setup(n, empty, NULL);
    PyTasklet_Setup(b, bb, NULL);
    r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK(strcmp(log_buf, "a0n0b0a1n1b1a2n2b2") == 0);
    if (strcmp(log_buf, "a0n0b0a1n1b1a2n2b2") != 0) fprintf(stderr, "  log: %s\n", log_buf);
    Py_DECREF(a); Py_DECREF(b); Py_DECREF(n); Py_DECREF(hf); Py_DECREF(nf);
    Py_DECREF(aa); Py_DECREF(bb); Py_DECREF(empty);
    Py_RETURN_NONE;
}

static void test_round_robin_mixed_kinds(void)
{
    static PyMethodDef def = {"body", body_rr, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

/* ---- channel operations between two hosted tasklets -------------------------------- */
/* The same rendezvous as test_fast_paths.c, between hosted tasklets (the core's hosted fast
 * path when fast paths are on, the general path in a SLP_NO_FAST_PATHS build): a receiver
 * taking three values, a sender sending 1, a ValueError bomb, 3. */
static PyObject *hosted_receiver3(hstate *st, PyObject *resume)
{
    char buf[16];
    if (st->pc > 0) {   /* resume: the result of the previous receive */
        if (!resume) {
            logf_(PyErr_ExceptionMatches(PyExc_ValueError) ? "R:ValueError " : "R:error ");
            PyErr_Clear();
        } else {
            snprintf(buf, sizeof buf, "R%ld ", PyLong_AsLong(resume));
            logf_(buf);
        }
    }
    if (st->pc++ == 3) DONE(st, Py_NewRef(Py_None));
    return PyChannel_Receive_nr(ch);
}

static PyObject *hosted_sender3(hstate *st, PyObject *resume)
{
    char buf[16];
    PyObject *v;
    int r;
    if (!resume) DONE(st, NULL);
    if (st->pc == 3) {
        logf_("S:done ");
        DONE(st, Py_NewRef(Py_None));
    }
    st->pc++;
    snprintf(buf, sizeof buf, "S%d ", st->pc);
    logf_(buf);
    v = PyLong_FromLong(st->pc);
    if (st->pc == 2) {
        PyObject *b = slp_make_bomb(PyExc_ValueError, v, NULL);
        r = PyChannel_Send_nr(ch, b);
        Py_DECREF(b);
    } else {
        r = PyChannel_Send_nr(ch, v);
    }
    Py_DECREF(v);
    return nr_int(r);
}

static void run_hosted_pair(int receiver_first, int preference)
{
    PyObject *rf = hosted_fn(hosted_receiver3), *sf = hosted_fn(hosted_sender3);
    ch = PyChannel_New(NULL);
    log_buf[0] = 0;
    h_run_channel_pair(rf, sf, ch, receiver_first, preference);
    Py_DECREF(rf); Py_DECREF(sf); Py_DECREF(ch);
}

static PyObject *body_hosted_pairs(PyObject *self, PyObject *noargs)
{
    /* receiver first: sends go to a waiting receiver; sender first: receives take from a
     * waiting sender. Preference 1 (the sender continues) always takes the general path. */
    static const struct { int receiver_first, preference; const char *log; } cases[] = {
        {1, -1, "S1 R1 S2 R:ValueError S3 R3 S:done "},
        {0, -1, "S1 R1 S2 R:ValueError S3 R3 S:done "},
        {0, 0, "S1 R1 S2 S3 R:ValueError R3 S:done "},
        {1, 1, "S1 S2 R1 S3 R:ValueError S:done R3 "},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_hosted_pair(cases[i].receiver_first, cases[i].preference);
        CHECK(strcmp(log_buf, cases[i].log) == 0);
        if (strcmp(log_buf, cases[i].log) != 0)
            fprintf(stderr, "  case %zu log: %s\n", i, log_buf);
    }
    Py_RETURN_NONE;
}

static void test_hosted_pairs(void)
{
    static PyMethodDef def = {"body", body_hosted_pairs, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

/* ---- errors ------------------------------------------------------------------------- */
static PyObject *hosted_raiser(hstate *st, PyObject *resume)
{
    PyErr_SetString(PyExc_ValueError, "from a hosted tasklet");
    DONE(st, NULL);
}

static PyObject *hosted_plain_block(hstate *st, PyObject *resume)
{
    PyObject *r;
    if (st->pc == 0) {
        st->pc = 1;
        r = PyChannel_Receive(ch);   /* not _nr: a hosted tasklet cannot block here */
        if (r) DONE(st, r);
        CHECK(PyErr_ExceptionMatches(PyExc_RuntimeError));
        PyErr_Clear();
        DONE(st, Py_NewRef(Py_None));
    }
    DONE(st, Py_NewRef(Py_None));
}

static PyObject *body_errors(PyObject *self, PyObject *noargs)
{
    PyObject *f1 = hosted_fn(hosted_raiser), *f2 = hosted_fn(hosted_plain_block), *empty = PyTuple_New(0), *r;
    PyTaskletObject *a = PyTasklet_New(NULL, f1), *b = PyTasklet_New(NULL, f2);
    ch = PyChannel_New(NULL);
    PyTasklet_Setup(a, empty, NULL);
    r = PyStackless_Schedule(Py_None, 0);   /* a raises; the exception comes to main here */
    CHECK(r == NULL);
    CHECK_ERR(PyExc_ValueError, "from a hosted tasklet");
    PyTasklet_Setup(b, empty, NULL);
    r = PyStackless_Schedule(Py_None, 0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK(!PyTasklet_Alive(b));
    CHECK_EQ_INT(PyChannel_GetBalance(ch), 0);
    Py_DECREF(a); Py_DECREF(b); Py_DECREF(f1); Py_DECREF(f2); Py_DECREF(empty); Py_DECREF(ch);
    Py_RETURN_NONE;
}

static void test_hosted_errors(void)
{
    static PyMethodDef def = {"body", body_errors, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

/* ---- calls made on the host stack for a native tasklet ------------------------------- */
static const void *host_lo;
static size_t host_size;
static int host_call_on_host_stack, host_call_ran;

static void on_host(void *arg)
{
    char probe;
    host_call_ran++;
    host_call_on_host_stack = (const char *)&probe >= (const char *)host_lo &&
                              (const char *)&probe < (const char *)host_lo + host_size;
    *(long *)arg += 1;
}

static PyObject *native_calls_host(PyObject *self, PyObject *args)
{
    long counter = 41;
    char probe;
    CHECK(!((const char *)&probe >= (const char *)host_lo &&
            (const char *)&probe < (const char *)host_lo + host_size));   /* we are on our own stack */
    slp_run_on_host(slp_thread_get(), on_host, &counter);
    CHECK_EQ_INT(counter, 42);
    Py_RETURN_NONE;
}
static PyMethodDef native_calls_host_def = {"nch", native_calls_host, METH_VARARGS, NULL};

static PyObject *body_host_call(PyObject *self, PyObject *noargs)
{
    PyObject *nf = PyCFunction_New(&native_calls_host_def, NULL), *empty = PyTuple_New(0), *r;
    PyTaskletObject *n = PyTasklet_New(NULL, nf);
    slp_stack_thread_bounds(&host_lo, &host_size);
    PyTasklet_Setup(n, empty, NULL);
    r = PyStackless_RunWatchdog(0);
    CHECK(r == Py_None);
    Py_XDECREF(r);
    CHECK_EQ_INT(host_call_ran, 1);
    CHECK(host_call_on_host_stack);
    Py_DECREF(n); Py_DECREF(nf); Py_DECREF(empty);
    Py_RETURN_NONE;
}

static void test_native_call_runs_on_host_stack(void)
{
    static PyMethodDef def = {"body", body_host_call, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

/* ---- the main tasklet under a host trampoline (how Node drives it) --------------------- */
/* A marker stands for a value the host keeps on its side (a JS value in a slot); the core
 * hands markers between hosted tasklets untouched and asks the host to materialize one that
 * reaches a native tasklet. */
typedef struct { PyObject_HEAD long slot; } MarkerObject;
static PyTypeObject Marker_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "test.marker",
    .tp_basicsize = sizeof(MarkerObject),
    .tp_base = &PyBaseObject_Type,
};
static long host_slots[8];
static int materialized;

static PyObject *marker(long slot, long value)
{
    MarkerObject *m = (MarkerObject *)PyType_GenericAlloc(&Marker_Type, 0);
    host_slots[slot] = value;
    m->slot = slot;
    return (PyObject *)m;
}

static PyObject *host_materialize(PyObject *v, PyTaskletObject *owner)
{
    CHECK(owner && owner->kind == SLP_KIND_HOSTED);
    PyObject *r;
    if (!Py_IS_TYPE(v, &Marker_Type)) return v;
    materialized++;
    r = PyLong_FromLong(host_slots[((MarkerObject *)v)->slot]);
    Py_DECREF(v);
    return r;
}

/* What the JS trampoline does after a switching call of main returned Py_UnwindToken. */
static PyObject *host_trampoline(slp_thread *ts)
{
    while (ts->current != ts->main) {
        if (ts->current->kind == SLP_KIND_NATIVE) slp_host_step(ts);
        else host_step(ts->current);
    }
    return slp_resume_value(ts->main);
}

static PyObject *hosted_marker_sender(hstate *st, PyObject *resume)
{
    if (!resume) DONE(st, NULL);
    if (st->i == 2) DONE(st, Py_NewRef(Py_None));
    {
        PyObject *m = marker(st->i, 100 + st->i);
        int r;
        st->i++;
        r = PyChannel_Send_nr(ch, m);
        Py_DECREF(m);
        return nr_int(r);
    }
}

static long native_sum;
static PyObject *native_summer(PyObject *self, PyObject *args)
{
    int i;
    for (i = 0; i < 2; i++) {
        PyObject *v = PyChannel_Receive(ch);
        if (!v) return NULL;
        CHECK(PyLong_Check(v));   /* materialized, never a marker */
        native_sum += PyLong_Check(v) ? PyLong_AsLong(v) : 0;
        Py_DECREF(v);
    }
    {
        PyObject *total = PyLong_FromLong(native_sum);
        int r = PyChannel_Send(report, total);
        Py_DECREF(total);
        if (r) return NULL;
    }
    Py_RETURN_NONE;
}
static PyMethodDef native_summer_def = {"summer", native_summer, METH_VARARGS, NULL};

static PyObject *body_main_hosted(PyObject *self, PyObject *noargs)
{
    slp_thread *ts = slp_thread_get();
    PyObject *hf = hosted_fn(hosted_marker_sender), *nf = PyCFunction_New(&native_summer_def, NULL);
    PyObject *empty = PyTuple_New(0), *v;
    PyTaskletObject *h = PyTasklet_New(NULL, hf), *n = PyTasklet_New(NULL, nf);
    ch = PyChannel_New(NULL);
    report = PyChannel_New(NULL);
    ts->main_hosted = 1;
    ts->hooks.materialize = host_materialize;
    materialized = 0;
    native_sum = 0;
    PyTasklet_Setup(n, empty, NULL);
    PyTasklet_Setup(h, empty, NULL);
    v = PyChannel_Receive_nr(report);   /* main blocks: the call unwinds to the host */
    CHECK(STACKLESS_UNWINDING(v));
    if (STACKLESS_UNWINDING(v)) v = host_trampoline(ts);
    CHECK(v && PyLong_AsLong(v) == 201);
    CHECK_EQ_INT(materialized, 2);
    CHECK(ts->last_partner == ts->main || ts->last_partner == n);
    Py_XDECREF(v);
    /* run() in its unwinding form lets both finish */
    v = slp_watchdog_run_nr(ts, 0, 0);
    CHECK(STACKLESS_UNWINDING(v));
    if (STACKLESS_UNWINDING(v)) v = slp_watchdog_run_end(ts, ts->main, host_trampoline(ts));
    CHECK(v == Py_None);
    CHECK_EQ_INT(ts->wd.depth, 0);
    Py_XDECREF(v);
    CHECK(!PyTasklet_Alive(h) && !PyTasklet_Alive(n));
    ts->main_hosted = 0;
    ts->hooks.materialize = NULL;
    Py_DECREF(h); Py_DECREF(n); Py_DECREF(hf); Py_DECREF(nf); Py_DECREF(empty);
    Py_DECREF(ch); Py_DECREF(report);
    Py_RETURN_NONE;
}

static void test_main_under_host_trampoline(void)
{
    static PyMethodDef def = {"body", body_main_hosted, METH_NOARGS, NULL};
    PyObject *r = PyStackless_CallCMethod_Main(&def, NULL, NULL);
    CHECK(r == Py_None);
    Py_XDECREF(r);
}

int main(void)
{
    install_hooks();
    TEST(test_main_under_host_trampoline);
    TEST(test_hosted_consumer_native_producer);
    TEST(test_main_receives_from_hosted);
    TEST(test_round_robin_mixed_kinds);
    TEST(test_hosted_pairs);
    TEST(test_hosted_errors);
    TEST(test_native_call_runs_on_host_stack);
    (void)last_state;
    return TEST_SUMMARY();
}
