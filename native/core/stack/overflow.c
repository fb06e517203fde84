/* overflow.c - turn a native tasklet's stack overflow into a clear fatal message.
 *
 * An overflow runs into the guard region below the stack and raises SIGSEGV (or SIGBUS).
 * The handler runs on an alternate signal stack (the faulting stack is exhausted), decides
 * whether the fault is an overflow of the native stack this thread is running, and if so
 * prints one line and aborts: the process dies by SIGABRT, not by a bare SIGSEGV. Every other
 * fault is passed on to whatever handler was installed before us (V8, ASan, a crash
 * reporter) or to the default action.
 *
 * Only async-signal-safe calls are made in the handler: write(2), sigaction, sigprocmask,
 * raise, _exit. Numbers are formatted by hand. */
#define _GNU_SOURCE
#include "slp_stack.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLP_ALTSTACK_BYTES (64 * 1024)      /* our alternate signal stack */
#define SLP_ALTSTACK_ADEQUATE (16 * 1024)   /* keep an existing one (ASan's) at least this big */
#define SLP_OVERFLOW_SLACK (64 * 1024)      /* large frames may jump over the guard */

SLP_TLS slp_running_info slp_running;
static __thread int t_installed;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static struct sigaction g_old_segv, g_old_bus;
static pthread_key_t g_alt_key;
static size_t g_alt_size;

/* ---- message ------------------------------------------------------------------------------ */

struct msgbuf {
    char buf[1024];
    size_t len;
};

static void put_str(struct msgbuf *m, const char *s)
{
    while (*s && m->len < sizeof m->buf)
        m->buf[m->len++] = *s++;
}

static void put_dec(struct msgbuf *m, size_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && m->len < sizeof m->buf)
        m->buf[m->len++] = tmp[--n];
}

static void put_hex(struct msgbuf *m, uintptr_t v)
{
    char tmp[2 * sizeof v];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n > 0 && m->len < sizeof m->buf)
        m->buf[m->len++] = tmp[--n];
}

static __attribute__((noreturn)) void report_overflow(const slp_stack *s, const char *name,
                                                      void *addr)
{
    static const char tail[] =
        "). Give native tasklets a bigger stack with PyStackless_SetNativeStackSize() or the "
        "STACKLESS_STACK_SIZE environment variable.\n";
    struct msgbuf m;
    m.len = 0;
    put_str(&m, "stackless: fatal: native ");
    /* Leave room for the rest of the line however long the name is. */
    size_t room = sizeof m.buf - sizeof tail - 128;
    const char *n = name ? name : "tasklet";
    while (*n && m.len < room)
        m.buf[m.len++] = *n++;
    put_str(&m, " overflowed its ");
    put_dec(&m, s->size / 1024);
    put_str(&m, " KiB stack (fault at 0x");
    put_hex(&m, (uintptr_t)addr);
    put_str(&m, tail);
    for (size_t off = 0; off < m.len;) {
        ssize_t w = write(2, m.buf + off, m.len - off);
        if (w > 0)
            off += (size_t)w;
        else if (w < 0 && errno == EINTR)
            continue;
        else
            break;
    }

    /* abort() semantics, but without abort()'s flushing of stdio (not async-signal-safe):
     * default SIGABRT disposition, unblocked, raised. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGABRT, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGABRT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(SIGABRT);
    _exit(128 + SIGABRT);
}

/* ---- handler -------------------------------------------------------------------------------- */

static void chain(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *old = sig == SIGBUS ? &g_old_bus : &g_old_segv;
    int is_fault = si != NULL && si->si_code > 0; /* raised by the kernel for this access */

    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction) {
            old->sa_sigaction(sig, si, uc);
            return;
        }
    } else if (old->sa_handler == SIG_IGN) {
        if (!is_fault)
            return; /* a sent signal that was meant to be ignored */
    } else if (old->sa_handler != SIG_DFL) {
        old->sa_handler(sig);
        return;
    }
    /* Default action: reinstate it. A real fault re-executes the faulting instruction on
     * return and kills the process with the original signal; a sent one must be re-raised
     * (it stays pending until this handler returns). */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (!is_fault)
        raise(sig);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    const slp_stack *s = slp_running.stack;
    if (s && si && si->si_code > 0) {
        uintptr_t a = (uintptr_t)si->si_addr;
        uintptr_t guard = (uintptr_t)s->guard;
        uintptr_t low = guard > SLP_OVERFLOW_SLACK ? guard - SLP_OVERFLOW_SLACK : 0;
        if (a >= low && a < (uintptr_t)s->lo)
            report_overflow(s, slp_running.name, si->si_addr);
    }
    chain(sig, si, uc);
    errno = saved;
}

/* ---- installation --------------------------------------------------------------------------- */

static void alt_free(void *p)
{
    /* Thread exit: stop using our alternate stack before unmapping it. */
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == p && !(cur.ss_flags & SS_ONSTACK)) {
        stack_t off;
        memset(&off, 0, sizeof off);
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, NULL);
        munmap(p, g_alt_size);
    }
}

static void install_process(void)
{
    size_t sz = SLP_ALTSTACK_BYTES;
#ifdef _SC_SIGSTKSZ
    /* Kernels with large vector state (AVX-512, SVE/SME) need bigger signal frames. */
    long need = sysconf(_SC_SIGSTKSZ);
    if (need > 0 && (size_t)need * 4 > sz)
        sz = ((size_t)need * 4 + 4095) & ~(size_t)4095;
#endif
    g_alt_size = sz;
    pthread_key_create(&g_alt_key, alt_free);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_old_segv);
    sigaction(SIGBUS, &sa, &g_old_bus);
}

void slp_overflow_install_thread(void)
{
    if (t_installed)
        return;
    t_installed = 1;
    /* Touch the thread-locals the handler reads, so that (in a dlopen()ed module) their TLS
     * block is allocated now and not lazily inside the signal handler. */
    slp_running.stack = NULL;
    slp_running.name = NULL;
    int saved = errno;
    pthread_once(&g_once, install_process);

    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0) {
        if (cur.ss_flags & SS_ONSTACK)
            goto out; /* called from a handler running on it: leave it alone */
        if (!(cur.ss_flags & SS_DISABLE) && cur.ss_size >= SLP_ALTSTACK_ADEQUATE)
            goto out; /* someone (e.g. ASan) already gave this thread one: keep it */
    }
    void *p = mmap(NULL, g_alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        goto out; /* no report for overflows on this thread, but everything else works */
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = p;
    ss.ss_size = g_alt_size;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, g_alt_size);
        goto out;
    }
    pthread_setspecific(g_alt_key, p);
out:
    errno = saved;
}
