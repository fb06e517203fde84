/* test_stack_switch.c - standalone tests of the machine-stack module (native/core/stack):
 * context switching, stack allocation and the overflow report. Uses only slp_stack.h and
 * libc, so it also runs against a switch built with -DSLP_FORCE_UCONTEXT or under qemu.
 *
 * Output: "ok <name>" / "FAIL <name>: why" / "skip <name>: why" per check, "# ..." info
 * lines, and finally "<N> passed, <N> failed". Exit status 1 if anything failed. */
#define _GNU_SOURCE
#if defined(__has_include)
#if __has_include("slp_stack.h")
#include "slp_stack.h"
#else
#include "../../native/core/stack/slp_stack.h" /* CMake does not export the core's private dirs */
#endif
#else
#include "slp_stack.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int g_passed, g_failed;
static char g_why[8192];

/* A check returns 1 on success; on failure it fills g_why. */
#define REQUIRE(cond, ...)                                                    \
    do {                                                                      \
        if (!(cond)) {                                                        \
            snprintf(g_why, sizeof g_why, __VA_ARGS__);                       \
            return 0;                                                         \
        }                                                                     \
    } while (0)

static void run(const char *name, int (*fn)(void))
{
    g_why[0] = 0;
    fflush(stdout);
    if (fn()) {
        g_passed++;
        printf("ok %s\n", name);
    } else {
        g_failed++;
        printf("FAIL %s: %s\n", name, g_why);
    }
    fflush(stdout);
}

static slp_stack *get_stack(size_t size)
{
    slp_stack *s = NULL;
    if (slp_stack_acquire(&s, size) != 0) {
        fprintf(stderr, "slp_stack_acquire(%zu) failed: %s\n", size, strerror(errno));
        exit(2);
    }
    return s;
}

static volatile unsigned long g_never = (unsigned long)-1; /* defeats "infinite recursion" */

/* ---- ping-pong --------------------------------------------------------------------------- */

static void *g_main_sp; /* the thread stack's saved sp */

struct pp {
    void *sp;
    slp_stack *st;
    uint64_t id, in, out, count, sum;
};

static void pp_entry(void *arg)
{
    struct pp *c = arg;
    uint64_t sum = 0; /* lives on this context's stack / in its registers */
    for (;;) {
        sum += c->in;
        c->out = c->in * 3 + c->id;
        c->count++;
        c->sum = sum;
        slp_ctx_switch(&c->sp, g_main_sp, NULL, 0);
    }
}

static int t_pingpong(void)
{
    struct pp c[3];
    uint64_t expect_sum[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].id = (uint64_t)i + 1;
        c[i].st = get_stack(64 * 1024);
        c[i].sp = slp_ctx_make(c[i].st, pp_entry, &c[i]);
    }
    /* 100,000 round trips = 200,000 switches. */
    for (uint64_t n = 0; n < 100000; n++) {
        struct pp *x = &c[n % 3];
        x->in = n * 7 + 1;
        expect_sum[n % 3] += x->in;
        slp_ctx_switch(&g_main_sp, x->sp, x->st->lo, x->st->size);
        REQUIRE(x->out == x->in * 3 + x->id, "round %llu: out %llu", (unsigned long long)n,
                (unsigned long long)x->out);
        REQUIRE(x->sum == expect_sum[n % 3], "round %llu: context-local sum lost",
                (unsigned long long)n);
    }
    for (int i = 0; i < 3; i++) {
        REQUIRE(c[i].count == 33333 + (i == 0), "context %d ran %llu times", i,
                (unsigned long long)c[i].count);
        slp_stack_release(c[i].st); /* the suspended context is simply abandoned */
    }
    return 1;
}

/* ---- callee-saved registers and FP control state ------------------------------------------- */

/* Rounding mode of the FP unit(s), per architecture: 0 nearest, 1 up, 2 down. */
#if defined(__x86_64__)
#define HAVE_FPMODE 1
static void fp_set_mode(int m)
{
    static const unsigned rc[3] = {0, 2, 1}; /* MXCSR/x87 RC: 00 near, 01 down, 10 up */
    unsigned mx;
    unsigned short cw;
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mx), "=m"(cw));
    mx = (mx & ~(3u << 13)) | (rc[m] << 13);
    cw = (unsigned short)((cw & ~(3u << 10)) | (rc[m] << 10));
    __asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mx), "m"(cw));
}
static unsigned fp_get_raw(void)
{
    unsigned mx;
    unsigned short cw;
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mx), "=m"(cw));
    return ((mx >> 13) & 3) | (((unsigned)(cw >> 10) & 3) << 2);
}
#elif defined(__aarch64__)
#define HAVE_FPMODE 1
static void fp_set_mode(int m)
{
    static const uint64_t rm[3] = {0, 1, 2}; /* FPCR.RMode: 00 RN, 01 RP (up), 10 RM (down) */
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    v = (v & ~(3ull << 22)) | (rm[m] << 22);
    __asm__ volatile("msr fpcr, %0" : : "r"(v));
}
static unsigned fp_get_raw(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return (unsigned)((v >> 22) & 3);
}
#else
static void fp_set_mode(int m) { (void)m; }
static unsigned fp_get_raw(void) { return 0; }
#endif

static volatile double g_one = 1.0, g_three = 3.0;

/* 1/3 is inexact, so its last bit shows the rounding mode. Out of line: the compiler does
 * not know that the asm above changes rounding and would move an inline division across. */
static __attribute__((noinline)) double third(void)
{
    return g_one / g_three;
}

struct rg {
    void *sp;
    slp_stack *st;
    struct rg *peer;
    int mode;          /* rounding mode this context runs with */
    int rounds;
    int bad;
    char why[160];
};

static __attribute__((noinline)) void rg_fail(struct rg *r, const char *what, int round)
{
    if (!r->bad)
        snprintf(r->why, sizeof r->why, "context mode %d, round %d: %s", r->mode, round, what);
    r->bad++;
}

/* Keeps 12 integers and 4 doubles live across every switch, so the compiler must hold them
 * in callee-saved registers (or spill them to this stack). The peer runs the same code with
 * other values, i.e. other contents in the same registers. Contexts switch directly to each
 * other; the last round returns to the main stack. */
static void rg_entry(void *arg)
{
    struct rg *r = arg;
    fp_set_mode(r->mode);
    unsigned my_raw = fp_get_raw();
    double my_third = third();
    uint64_t seed = 0x9E3779B97F4A7C15ull * (uint64_t)(r->mode + 1);
    uint64_t a = seed ^ 1, b = seed ^ 2, c = seed ^ 3, d = seed ^ 4, e = seed ^ 5, f = seed ^ 6;
    uint64_t g = seed ^ 7, h = seed ^ 8, i = seed ^ 9, j = seed ^ 10, k = seed ^ 11, l = seed ^ 12;
    double x = (double)r->mode + 0.5, y = x * 3.25, z = y - 1.125, w = z * z;
    volatile uint64_t mem[12];
    volatile double fmem[4];
    for (int round = 0; round < r->rounds; round++) {
        a = a * 6364136223846793005ull + 1442695040888963407ull;
        b += a >> 7; c ^= b << 3; d += c * 5; e ^= d >> 11; f += e + 1; g ^= f * 3;
        h += g >> 5; i ^= h + 7; j += i << 2; k ^= j >> 1; l += k * 9;
        x += 1.0; y *= 1.0000001; z -= 0.5; w = w * 0.999 + x;
        mem[0] = a; mem[1] = b; mem[2] = c; mem[3] = d; mem[4] = e; mem[5] = f;
        mem[6] = g; mem[7] = h; mem[8] = i; mem[9] = j; mem[10] = k; mem[11] = l;
        fmem[0] = x; fmem[1] = y; fmem[2] = z; fmem[3] = w;

        slp_ctx_switch(&r->sp, r->peer->sp, r->peer->st->lo, r->peer->st->size);

        if (mem[0] != a || mem[1] != b || mem[2] != c || mem[3] != d || mem[4] != e ||
            mem[5] != f || mem[6] != g || mem[7] != h || mem[8] != i || mem[9] != j ||
            mem[10] != k || mem[11] != l)
            rg_fail(r, "integer register clobbered", round);
        if (fmem[0] != x || fmem[1] != y || fmem[2] != z || fmem[3] != w)
            rg_fail(r, "floating-point value clobbered", round);
        if (fp_get_raw() != my_raw)
            rg_fail(r, "FP control word (rounding mode) not preserved", round);
        if (third() != my_third)
            rg_fail(r, "FP rounding changed", round);
    }
    r->rounds = -1; /* done */
    slp_ctx_switch(&r->sp, g_main_sp, NULL, 0);
}

static int t_registers(void)
{
    struct rg up, down;
    memset(&up, 0, sizeof up);
    memset(&down, 0, sizeof down);
    up.mode = 1;
    down.mode = 2;
    up.rounds = down.rounds = 20000;
    up.peer = &down;
    down.peer = &up;
    up.st = get_stack(64 * 1024);
    down.st = get_stack(64 * 1024);
    up.sp = slp_ctx_make(up.st, rg_entry, &up);
    down.sp = slp_ctx_make(down.st, rg_entry, &down);
    /* Main runs in round-to-nearest throughout; up's first switch enters down fresh. */
    fp_set_mode(0);
    unsigned main_raw = fp_get_raw();
    double main_third = third();
    slp_ctx_switch(&g_main_sp, up.sp, up.st->lo, up.st->size);
    /* The first context to finish returns here while its peer is still suspended in the
     * loop; resume the peer so that it finishes too. */
    for (int guard = 0; guard < 4 && (up.rounds != -1 || down.rounds != -1); guard++) {
        struct rg *r = up.rounds != -1 ? &up : &down;
        slp_ctx_switch(&g_main_sp, r->sp, r->st->lo, r->st->size);
    }
    REQUIRE(fp_get_raw() == main_raw, "main's FP control word changed");
    REQUIRE(third() == main_third, "main's rounding changed");
    REQUIRE(up.rounds == -1 && down.rounds == -1, "contexts did not finish");
    REQUIRE(!up.bad, "%s (%d times)", up.why, up.bad);
    REQUIRE(!down.bad, "%s (%d times)", down.why, down.bad);
#ifdef HAVE_FPMODE
    fp_set_mode(1);
    double t_up = third();
    fp_set_mode(2);
    double t_down = third();
    fp_set_mode(0);
    REQUIRE(t_up != t_down, "rounding modes have no effect here (test is meaningless)");
#endif
    slp_stack_release(up.st);
    slp_stack_release(down.st);
    return 1;
}

/* ---- a context suspended 50 C frames deep ------------------------------------------------- */

struct deep {
    void *sp;
    slp_stack *st;
    int reached, done, bad;
    long result;
};

static __attribute__((noinline)) long deep_rec(int depth, struct deep *d)
{
    volatile int local[16];
    for (int i = 0; i < 16; i++)
        local[i] = depth * 100 + i;
    long r;
    if (depth == 50) {
        d->reached = 1;
        slp_ctx_switch(&d->sp, g_main_sp, NULL, 0);
        r = 0;
    } else {
        r = deep_rec(depth + 1, d);
    }
    for (int i = 0; i < 16; i++)
        if (local[i] != depth * 100 + i)
            d->bad++;
    return r + depth;
}

static void deep_entry(void *arg)
{
    struct deep *d = arg;
    d->result = deep_rec(1, d);
    d->done = 1;
    slp_ctx_switch(&d->sp, g_main_sp, NULL, 0);
}

/* Scribbles over the main stack region where a switch might have left something behind. */
static __attribute__((noinline)) int churn(int n)
{
    volatile char buf[512];
    memset((char *)buf, n & 0xff, sizeof buf);
    return n > 0 ? churn(n - 1) + buf[3] : buf[7];
}

static int t_deep(void)
{
    struct deep d;
    memset(&d, 0, sizeof d);
    d.st = get_stack(128 * 1024);
    d.sp = slp_ctx_make(d.st, deep_entry, &d);
    slp_ctx_switch(&g_main_sp, d.sp, d.st->lo, d.st->size);
    REQUIRE(d.reached && !d.done, "context did not suspend at depth 50");
    churn(40);
    slp_ctx_switch(&g_main_sp, d.sp, d.st->lo, d.st->size);
    REQUIRE(d.done, "context did not finish");
    REQUIRE(d.bad == 0, "%d frame locals corrupted", d.bad);
    REQUIRE(d.result == 50 * 51 / 2, "result %ld", d.result);
    slp_stack_release(d.st);
    return 1;
}

/* ---- many stacks at once, reuse ------------------------------------------------------------ */

#define NSTACKS 2000   /* more than the per-thread cache (SLP_STACK_CACHE_MAX) */

struct many {
    void *sp;
    slp_stack *st;
    int index;
    void *where; /* a frame address on the context's stack */
    int seen;
};

static void many_entry(void *arg)
{
    struct many *m = arg;
    volatile int local = m->index * 13;
    /* The frame address, not &local: ASan's use-after-return mode moves locals to the heap. */
    m->where = __builtin_frame_address(0);
    m->seen = local;
    slp_ctx_switch(&m->sp, g_main_sp, NULL, 0);
    for (;;) /* never resumed */
        slp_ctx_switch(&m->sp, g_main_sp, NULL, 0);
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static struct many g_many[NSTACKS];
static uintptr_t g_first_los[NSTACKS];

static int t_thousand(void)
{
    for (int i = 0; i < NSTACKS; i++) {
        struct many *m = &g_many[i];
        memset(m, 0, sizeof *m);
        m->index = i;
        REQUIRE(slp_stack_acquire(&m->st, 64 * 1024) == 0, "acquire %d: %s", i, strerror(errno));
        REQUIRE(m->st->size >= 64 * 1024, "stack %d too small", i);
        REQUIRE(m->st->guard + m->st->guard_size == m->st->lo, "guard not below the stack");
        m->sp = slp_ctx_make(m->st, many_entry, m);
        g_first_los[i] = (uintptr_t)m->st->lo;
    }
    for (int i = 0; i < NSTACKS; i++) {
        struct many *m = &g_many[i];
        slp_ctx_switch(&g_main_sp, m->sp, m->st->lo, m->st->size);
        REQUIRE(m->seen == i * 13, "stack %d: value %d", i, m->seen);
        REQUIRE((char *)m->where >= m->st->lo && (char *)m->where < m->st->lo + m->st->size,
                "stack %d: the context did not run on its stack", i);
    }
    qsort(g_first_los, NSTACKS, sizeof g_first_los[0], cmp_ptr);
    for (int i = 1; i < NSTACKS; i++)
        REQUIRE(g_first_los[i] - g_first_los[i - 1] >= 64 * 1024, "stacks overlap");
    for (int i = 0; i < NSTACKS; i++)
        slp_stack_release(g_many[i].st);
    /* Reacquire: every stack must come back from the free lists. */
    int reused = 0;
    for (int i = 0; i < NSTACKS; i++) {
        struct many *m = &g_many[i];
        REQUIRE(slp_stack_acquire(&m->st, 64 * 1024) == 0, "reacquire %d", i);
        uintptr_t lo = (uintptr_t)m->st->lo;
        if (bsearch(&lo, g_first_los, NSTACKS, sizeof lo, cmp_ptr))
            reused++;
        m->index = i + 5000;
        m->sp = slp_ctx_make(m->st, many_entry, m);
        slp_ctx_switch(&g_main_sp, m->sp, m->st->lo, m->st->size);
        REQUIRE(m->seen == (i + 5000) * 13, "reused stack %d: value %d", i, m->seen);
    }
    REQUIRE(reused == NSTACKS, "only %d of %d stacks reused", reused, NSTACKS);
    return 1; /* g_many keeps the stacks for t_release_returns_pages */
}

/* Releasing more stacks than a thread caches gives the extra pages back to the kernel. */
static int t_release_returns_pages(void)
{
    int used = 0, empty = 0;
    for (int i = 0; i < NSTACKS; i++)
        used += slp_stack_resident(g_many[i].st) > 0;
    for (int i = 0; i < NSTACKS; i++)
        slp_stack_release(g_many[i].st);
    for (int i = 0; i < NSTACKS; i++)
        empty += slp_stack_resident(g_many[i].st) == 0;
    REQUIRE(used == NSTACKS, "only %d of %d used stacks are resident", used, NSTACKS);
    /* The cache keeps SLP_STACK_CACHE_MAX; up to 63 more wait for a batched madvise(). */
    REQUIRE(empty >= NSTACKS - SLP_STACK_CACHE_MAX - 63, "only %d of %d released stacks returned their pages",
            empty, NSTACKS);
    return 1;
}

/* ---- resident memory ------------------------------------------------------------------------ */

struct res {
    void *sp;
    int big;
};

static __attribute__((noinline)) void touch_64k(void)
{
    char *p = __builtin_alloca(72 * 1024);
    memset(p, 1, 72 * 1024);
    __asm__ volatile("" : : "r"(p) : "memory");
}

static void res_entry(void *arg)
{
    struct res *r = arg;
    if (r->big)
        touch_64k();
    slp_ctx_switch(&r->sp, g_main_sp, NULL, 0);
    for (;;)
        slp_ctx_switch(&r->sp, g_main_sp, NULL, 0);
}

static int t_resident(void)
{
    /* An unusual size, so the stack is fresh from a new arena rather than a recycled one. */
    slp_stack *s = get_stack(328 * 1024);
    struct res r = {NULL, 0};
    size_t before = slp_stack_resident(s);
    r.sp = slp_ctx_make(s, res_entry, &r);
    slp_ctx_switch(&g_main_sp, r.sp, s->lo, s->size);
    size_t small = slp_stack_resident(s);
    r.big = 1;
    r.sp = slp_ctx_make(s, res_entry, &r);
    slp_ctx_switch(&g_main_sp, r.sp, s->lo, s->size);
    size_t big = slp_stack_resident(s);
    printf("# resident: unused %zu, small context %zu, after touching 64 KiB %zu bytes\n",
           before, small, big);
    REQUIRE(before == 0, "fresh stack has %zu resident bytes", before);
    REQUIRE(small > 0 && small < 16 * 1024, "small context: %zu resident bytes", small);
    REQUIRE(big >= 64 * 1024 && big <= s->size, "after 64 KiB: %zu resident bytes", big);
    slp_stack_release(s);
    return 1;
}

/* ---- overflow reports (in forked children) ----------------------------------------------- */

/* Runs fn(arg) in a child with stderr captured; returns the wait status. */
static int in_child(void (*fn)(void *), void *arg, char *out, size_t outsz)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        close(fds[1]);
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fds[0], out + len, outsz - 1 - len);
        if (r > 0)
            len += (size_t)r;
        else if (r < 0 && errno == EINTR)
            continue;
        else
            break;
        if (len == outsz - 1)
            break;
    }
    out[len] = 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

/* Our report must be the first line; qemu-user adds its own "qemu: uncaught target signal"
 * line when the emulated child dies, which is not ours to judge. Cuts that off. */
static void strip_emulator_noise(char *out)
{
    char *nl = strchr(out, '\n');
    if (nl && strncmp(nl + 1, "qemu: ", 6) == 0)
        nl[1] = 0;
}

static const char *g_tail =
    "). Give native tasklets a bigger stack with PyStackless_SetNativeStackSize() or the "
    "STACKLESS_STACK_SIZE environment variable.\n";

static void guard_child(void *arg)
{
    slp_stack *s = arg;
    slp_overflow_install_thread();
    slp_overflow_set_running(s, "tasklet 0xfeed (guard-probe)");
    *(volatile char *)(s->guard + 100) = 1;
}

static int describe_status(int st, char *buf, size_t n)
{
    if (WIFSIGNALED(st))
        return snprintf(buf, n, "killed by signal %d", WTERMSIG(st));
    return snprintf(buf, n, "exit status %d", WEXITSTATUS(st));
}

static int t_guard_fault(void)
{
    slp_stack *s = get_stack(64 * 1024);
    char out[2048], expect[1024], how[64];
    int st = in_child(guard_child, s, out, sizeof out);
    strip_emulator_noise(out);
    describe_status(st, how, sizeof how);
    snprintf(expect, sizeof expect,
             "stackless: fatal: native tasklet 0xfeed (guard-probe) overflowed its %zu KiB "
             "stack (fault at 0x%lx%s",
             s->size / 1024, (unsigned long)(uintptr_t)(s->guard + 100), g_tail);
    REQUIRE(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "child %s; stderr: %s", how, out);
    REQUIRE(strcmp(out, expect) == 0, "stderr was:\n%s\nexpected:\n%s", out, expect);
    slp_stack_release(s);
    return 1;
}

struct ovf {
    void *sp;
    slp_stack *st;
};

static __attribute__((noinline)) unsigned long recurse(unsigned long n)
{
    volatile char pad[200];
    pad[0] = (char)n;
    if (n == g_never)
        return 0;
    return recurse(n + 1) + (unsigned long)pad[0]; /* not a tail call */
}

static void ovf_entry(void *arg)
{
    (void)arg;
    recurse(0);
    for (;;)
        ;
}

static void ovf_child(void *arg)
{
    struct ovf *o = arg;
    slp_overflow_install_thread();
    o->sp = slp_ctx_make(o->st, ovf_entry, o);
    slp_overflow_set_running(o->st, "tasklet 0x5a5a (recursive)");
    slp_ctx_switch(&g_main_sp, o->sp, o->st->lo, o->st->size);
}

static int t_overflow_recursion(void)
{
    struct ovf o;
    o.st = get_stack(64 * 1024);
    char out[2048], prefix[256], how[64];
    int st = in_child(ovf_child, &o, out, sizeof out);
    strip_emulator_noise(out);
    describe_status(st, how, sizeof how);
    snprintf(prefix, sizeof prefix,
             "stackless: fatal: native tasklet 0x5a5a (recursive) overflowed its 64 KiB stack "
             "(fault at 0x");
    REQUIRE(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "child %s; stderr: %s", how, out);
    REQUIRE(strncmp(out, prefix, strlen(prefix)) == 0, "stderr was: %s", out);
    char *end = NULL;
    unsigned long addr = strtoul(out + strlen(prefix), &end, 16);
    REQUIRE(end && strcmp(end, g_tail) == 0, "stderr was: %s", out);
    REQUIRE(addr >= (uintptr_t)o.st->guard - 64 * 1024 && addr < (uintptr_t)o.st->lo,
            "fault address 0x%lx not at the guard", addr);
    slp_stack_release(o.st);
    return 1;
}

/* A fault that is not a stack overflow must still be an ordinary SIGSEGV. */
static void wild_child(void *arg)
{
    slp_stack *s = arg;
    slp_overflow_install_thread();
    slp_overflow_set_running(s, "tasklet");
    volatile int *volatile wild = (volatile int *)(uintptr_t)16;
    *wild = 1;
}

static int t_other_fault_chains(void)
{
    slp_stack *s = get_stack(64 * 1024);
    char out[2048], how[64];
    int st = in_child(wild_child, s, out, sizeof out);
    describe_status(st, how, sizeof how);
    REQUIRE(strstr(out, "overflowed its") == NULL, "reported as overflow: %s", out);
    /* Plain build: SIGSEGV. Under ASan its chained handler reports the SEGV and exits non-zero,
     * or aborts (ASAN_OPTIONS=abort_on_error=1). */
    REQUIRE((WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) ||
                (WIFEXITED(st) && WEXITSTATUS(st) != 0 && strstr(out, "SEGV")) ||
                (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(out, "AddressSanitizer: SEGV")),
            "child %s; stderr: %s", how, out);
    slp_stack_release(s);
    return 1;
}

/* ---- running out of memory ------------------------------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define SLP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLP_TEST_ASAN 1
#endif
#endif

#ifndef SLP_TEST_ASAN
/* With the address space capped, acquire must fail cleanly with ENOMEM, not crash. */
static void enomem_child(void *arg)
{
    (void)arg;
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%lu", &pages) != 1)
        _exit(3);
    fclose(f);
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (256u << 20);
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        _exit(3);
    int n = 0;
    slp_stack *s;
    for (; n < 100000; n++) {
        if (slp_stack_acquire(&s, 1024 * 1024) != 0)
            _exit(errno == ENOMEM && n > 0 ? 0 : 2);
        s->lo[s->size - 1] = 1;
    }
    _exit(1);
}

static int t_enomem(void)
{
    char out[2048], how[64];
    int st = in_child(enomem_child, NULL, out, sizeof out);
    describe_status(st, how, sizeof how);
    REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0,
            "child %s (1: never failed, 2: failed without ENOMEM, 3: setup); stderr: %s", how, out);
    return 1;
}
#endif

/* ---- several threads ----------------------------------------------------------------------- */

struct thr {
    void *main_sp;
    void *sp;
    slp_stack *st;
    int n;
    slp_stack *handoff[16]; /* released by the main thread later */
    int ok;
};

static void thr_entry(void *arg)
{
    struct thr *t = arg;
    for (;;) {
        t->n++;
        slp_ctx_switch(&t->sp, t->main_sp, NULL, 0);
    }
}

static void *thr_main(void *arg)
{
    struct thr *t = arg;
    slp_overflow_install_thread();
    t->ok = 1;
    for (int i = 0; i < 2000; i++) {
        slp_stack *s;
        if (slp_stack_acquire(&s, 96 * 1024) != 0) {
            t->ok = 0;
            break;
        }
        t->st = s;
        t->n = 0;
        t->sp = slp_ctx_make(s, thr_entry, t);
        for (int k = 0; k < 3; k++)
            slp_ctx_switch(&t->main_sp, t->sp, s->lo, s->size);
        if (t->n != 3)
            t->ok = 0;
        if (i < 16)
            t->handoff[i] = s;
        else
            slp_stack_release(s);
    }
    return NULL;
}

static int t_threads(void)
{
    enum { NT = 4 };
    pthread_t th[NT];
    static struct thr t[NT];
    for (int i = 0; i < NT; i++) {
        memset(&t[i], 0, sizeof t[i]);
        REQUIRE(pthread_create(&th[i], NULL, thr_main, &t[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NT; i++) {
        REQUIRE(t[i].ok, "thread %d failed", i);
        for (int k = 0; k < 16; k++)
            slp_stack_release(t[i].handoff[k]); /* released by another thread than acquired */
    }
    return 1;
}

/* ---- switch cost ---------------------------------------------------------------------------- */

static void *g_bench_sp;

static void bench_entry(void *arg)
{
    (void)arg;
    for (;;)
        slp_ctx_switch(&g_bench_sp, g_main_sp, NULL, 0);
}

static double cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int t_bench(void)
{
    slp_stack *s = get_stack(64 * 1024);
    g_bench_sp = slp_ctx_make(s, bench_entry, NULL);
    int slow = strcmp(slp_ctx_impl(), "ucontext") == 0;
    long rounds = slow ? 20000 : 500000;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = cpu_ns();
        for (long i = 0; i < rounds; i++)
            slp_ctx_switch(&g_main_sp, g_bench_sp, s->lo, s->size);
        double per = (cpu_ns() - t0) / (2.0 * rounds);
        if (per < best)
            best = per;
    }
    printf("# switch cost (%s): %.1f ns per switch (CPU time, best of 5)\n", slp_ctx_impl(), best);
    slp_stack_release(s);
    return 1;
}

/* ---- 100,000 stacks at once ------------------------------------------------------------------ */

#define HUNDRED_K 100000

static int t_hundred_thousand(void)
{
    static slp_stack *st[HUNDRED_K];
    int n = 0;
    for (; n < HUNDRED_K; n++) {
        if (slp_stack_acquire(&st[n], 128 * 1024) != 0)
            break;
        st[n]->lo[st[n]->size - 1] = (char)n; /* touch the top page */
    }
    int got = n;
    int err = errno;
    int bad = 0;
    for (int i = 0; i < got; i++)
        bad += st[i]->lo[st[i]->size - 1] != (char)i;
    for (int i = 0; i < got; i++)
        slp_stack_release(st[i]);
    REQUIRE(got == HUNDRED_K, "only %d stacks: %s", got, strerror(err));
    REQUIRE(bad == 0, "%d stacks lost their byte", bad);
    return 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("# switch: %s, guards: %s\n", slp_ctx_impl(), slp_stack_guard_impl());
    slp_overflow_install_thread();

    run("pingpong", t_pingpong);
    run("callee_saved_registers", t_registers);
    run("deep_suspend", t_deep);
    run("thousand_stacks", t_thousand);
    run("release_returns_pages", t_release_returns_pages);
    run("resident", t_resident);
    run("guard_fault", t_guard_fault);
    run("overflow_recursion", t_overflow_recursion);
    run("other_fault_chains", t_other_fault_chains);
#ifdef SLP_TEST_ASAN
    printf("skip enomem: RLIMIT_AS cannot be used under AddressSanitizer\n");
#else
    run("enomem", t_enomem);
#endif
    run("threads", t_threads);
    run("switch_cost", t_bench);
    if (strcmp(slp_stack_guard_impl(), "madvise-guard") == 0)
        run("hundred_thousand_stacks", t_hundred_thousand);
    else
        printf("skip hundred_thousand_stacks: guard markers unavailable (%s), mprotect guards "
               "are limited by vm.max_map_count\n",
               slp_stack_guard_impl());

    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
