/* stack_alloc.c - machine stacks for native tasklets.
 *
 * Why arenas: the kernel limits a process to vm.max_map_count mappings (65530 by default).
 * A guard page made with mprotect() splits a mapping, so one mmap per stack plus a PROT_NONE
 * guard costs two mappings and caps us at ~32k stacks. We therefore map stacks in arenas
 * (up to 64 stacks and their guards in one mmap) and, where the kernel has them (Linux >=
 * 6.13), make the guards with MADV_GUARD_INSTALL "guard markers", which live in the page
 * tables and do not split the mapping: a whole arena stays one mapping. Without markers we
 * fall back to mprotect(PROT_NONE) guards (2 mappings per stack).
 *
 * Slot layout inside an arena:   [guard 0][stack 0][guard 1][stack 1] ...
 * Each stack grows down from lo + size towards its own guard at [lo - guard_size, lo).
 *
 * Recycling: each thread keeps a small free-list cache of stacks per size (acquire/release
 * without syscalls or locks). Past the cache bound a released stack's pages go back to the
 * kernel (MADV_DONTNEED; guard markers survive it) and the stack joins a global free list
 * under a mutex, so other threads can reuse it. Arenas are never unmapped. */
#define _GNU_SOURCE
#include "slp_stack.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 uapi; older headers lack it */
#endif

#define SLP_GUARD_BYTES (64 * 1024)       /* guard region per stack: address space only (guard
                                             markers or PROT_NONE), large enough that one big
                                             frame cannot jump over it into the next stack */
#define SLP_ARENA_SLOTS 64                /* max stacks per arena */
#define SLP_ARENA_MAX_BYTES (32u << 20)   /* fewer slots for big stacks: keeps commit sane */
#define SLP_CACHE_BUCKETS 4               /* distinct stack sizes cached per thread */
#define SLP_CACHE_MAX SLP_STACK_CACHE_MAX  /* stacks kept hot per thread and size (slp_stack.h) */

typedef struct slp_arena {
    struct slp_arena *next;
    char *base;
    size_t map_size;
    unsigned nslots;
    slp_stack slots[SLP_ARENA_SLOTS];
} slp_arena;

/* All stacks of one (page-rounded) size. */
typedef struct size_class {
    struct size_class *next;
    size_t size;
    slp_stack *free;        /* global free list, protected by g_lock */
    slp_arena *arenas;
} size_class;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static size_class *g_classes;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static size_t g_page;
static size_t g_guard;
static int g_use_markers;
static pthread_key_t g_cache_key;

struct cache_bucket {
    size_t size;
    slp_stack *head;
    unsigned count;
};
static __thread struct cache_bucket t_cache[SLP_CACHE_BUCKETS];
static __thread int t_cache_registered;

static void cache_flush(void *unused);

/* Do guard markers really fault? qemu-user, for one, accepts any madvise and ignores it,
 * which would leave us with no guard at all. Install one on a probe page and let the
 * kernel try to read it (write() from it into a pipe must fail with EFAULT). */
static int probe_guard_markers(void)
{
    const char *force = getenv("STACKLESS_STACK_GUARD");
    if (force && strcmp(force, "mprotect") == 0)
        return 0;
    char *p = mmap(NULL, g_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    int ok = 0;
    if (madvise(p, g_page, MADV_GUARD_INSTALL) == 0) {
        int fds[2];
        if (pipe(fds) == 0) {
            ssize_t r = write(fds[1], p, 1);
            ok = (r < 0 && errno == EFAULT);
            close(fds[0]);
            close(fds[1]);
        }
    }
    munmap(p, g_page);
    return ok;
}

static void init_once(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    g_page = pg > 0 ? (size_t)pg : 4096;
    g_guard = (SLP_GUARD_BYTES + g_page - 1) & ~(g_page - 1);
    int saved = errno;
    g_use_markers = probe_guard_markers();
    errno = saved;
    pthread_key_create(&g_cache_key, cache_flush);
}

const char *slp_stack_guard_impl(void)
{
    pthread_once(&g_once, init_once);
    return g_use_markers ? "madvise-guard" : "mprotect";
}

/* ---- global part (g_lock held) ------------------------------------------------------------ */

static size_class *class_for(size_t size)
{
    size_class *c;
    for (c = g_classes; c; c = c->next)
        if (c->size == size)
            return c;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->size = size;
    c->next = g_classes;
    g_classes = c;
    return c;
}

/* Map a new arena for c and put its stacks on c's free list. Returns 0 or -1 (ENOMEM). */
static int arena_new(size_class *c)
{
    size_t slot = g_guard + c->size;
    unsigned n = (unsigned)(SLP_ARENA_MAX_BYTES / slot);
    if (n < 1)
        n = 1;
    if (n > SLP_ARENA_SLOTS)
        n = SLP_ARENA_SLOTS;

    slp_arena *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    a->map_size = slot * n;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
#ifdef MAP_STACK
    flags |= MAP_STACK;
#endif
    a->base = mmap(NULL, a->map_size, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (a->base == MAP_FAILED) {
        free(a);
        return -1;
    }
#ifdef MADV_NOHUGEPAGE
    /* A transparent huge page would make one stack's first touch cost 2 MiB of RAM. Done on
     * the whole arena before any mprotect, so it adds no mapping. Only a hint. */
    madvise(a->base, a->map_size, MADV_NOHUGEPAGE);
#endif

    unsigned made = 0;
    for (unsigned i = 0; i < n; i++) {
        char *g = a->base + (size_t)i * slot;
        int r = g_use_markers ? madvise(g, g_guard, MADV_GUARD_INSTALL)
                              : mprotect(g, g_guard, PROT_NONE);
        if (r != 0)
            break; /* typically ENOMEM: out of mappings. Keep the slots we could guard. */
        slp_stack *s = &a->slots[i];
        s->guard = g;
        s->guard_size = g_guard;
        s->lo = g + g_guard;
        s->size = c->size;
        s->arena = a;
        made++;
    }
    if (made == 0) {
        munmap(a->base, a->map_size);
        free(a);
        return -1;
    }
    a->nslots = made;
    /* Push in reverse so that slots are handed out in address order. */
    for (unsigned i = made; i-- > 0;) {
        a->slots[i].next_free = c->free;
        c->free = &a->slots[i];
    }
    a->next = c->arenas;
    c->arenas = a;
    return 0;
}

/* ---- per-thread cache ----------------------------------------------------------------------- */

static struct cache_bucket *bucket_for(size_t size, int create)
{
    struct cache_bucket *empty = NULL;
    for (int i = 0; i < SLP_CACHE_BUCKETS; i++) {
        if (t_cache[i].size == size)
            return &t_cache[i];
        if (!empty && t_cache[i].count == 0)
            empty = &t_cache[i];
    }
    if (!create || !empty)
        return NULL;
    if (!t_cache_registered) {
        /* Make thread exit hand the cached stacks back (cache_flush). */
        t_cache_registered = 1;
        pthread_setspecific(g_cache_key, (void *)1);
    }
    empty->size = size;
    return empty;
}

/* Put stacks whose pages were given back on their class's global free list. */
static void global_push(slp_stack **v, int n)
{
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < n; i++) {
        size_class *c;
        for (c = g_classes; c && c->size != v[i]->size; c = c->next) {
        }
        /* The class exists: the stack was made for it. */
        v[i]->next_free = c->free;
        c->free = v[i];
    }
    pthread_mutex_unlock(&g_lock);
}

static int by_address(const void *a, const void *b)
{
    const char *x = (*(slp_stack *const *)a)->lo, *y = (*(slp_stack *const *)b)->lo;
    return x < y ? -1 : x > y;
}

/* Stacks released past the cache wait here so that their pages go back to the kernel in a
 * few large madvise() calls: each call costs a TLB shoot-down (tens of microseconds in a
 * VM), and neighbours in an arena merge into one range (guards survive MADV_DONTNEED). */
#define SLP_TRIM_BATCH 64
static __thread slp_stack *t_trim[SLP_TRIM_BATCH];
static __thread int t_ntrim;

static void trim_flush(void)
{
    int n = t_ntrim, i = 0;
    if (!n)
        return;
    qsort(t_trim, (size_t)n, sizeof t_trim[0], by_address);
    while (i < n) {
        char *lo = t_trim[i]->lo, *hi = lo + t_trim[i]->size;
        int j = i + 1;
        while (j < n && t_trim[j]->size == t_trim[i]->size &&
               t_trim[j]->lo == hi + t_trim[j]->guard_size) {
            hi = t_trim[j]->lo + t_trim[j]->size;
            j++;
        }
        madvise(lo, (size_t)(hi - lo), MADV_DONTNEED);
        i = j;
    }
    global_push(t_trim, n);
    t_ntrim = 0;
}

static void global_release(slp_stack *s)
{
    t_trim[t_ntrim++] = s;
    if (t_ntrim == SLP_TRIM_BATCH)
        trim_flush();
}

/* pthread key destructor: the thread exits, its cache must not leak. */
static void cache_flush(void *unused)
{
    (void)unused;
    int saved = errno;
    for (int i = 0; i < SLP_CACHE_BUCKETS; i++) {
        slp_stack *s = t_cache[i].head;
        while (s) {
            slp_stack *next = s->next_free;
            global_release(s);
            s = next;
        }
        t_cache[i].head = NULL;
        t_cache[i].count = 0;
    }
    trim_flush();
    errno = saved;
}

/* ---- public API ------------------------------------------------------------------------------- */

int slp_stack_acquire(slp_stack **out, size_t size)
{
    pthread_once(&g_once, init_once);
    if (size == 0)
        size = g_page;
    if (size > SIZE_MAX / 2) {
        errno = ENOMEM;
        return -1;
    }
    size = (size + g_page - 1) & ~(g_page - 1);

    struct cache_bucket *b = bucket_for(size, 0);
    if (b && b->head) {
        slp_stack *s = b->head;
        b->head = s->next_free;
        b->count--;
        s->next_free = NULL;
        *out = s;
        return 0;
    }

    int saved = errno;
    trim_flush();   /* stacks waiting for their pages to go back become available again */
    pthread_mutex_lock(&g_lock);
    size_class *c = class_for(size);
    if (c && !c->free)
        arena_new(c);
    slp_stack *s = c ? c->free : NULL;
    if (s)
        c->free = s->next_free;
    pthread_mutex_unlock(&g_lock);
    if (!s) {
        errno = ENOMEM; /* mmap, mprotect and madvise all fail with ENOMEM here */
        return -1;
    }
    errno = saved;
    s->next_free = NULL;
    *out = s;
    return 0;
}

void slp_stack_release(slp_stack *s)
{
    if (!s)
        return;
    struct cache_bucket *b = bucket_for(s->size, 1);
    if (b && b->count < SLP_CACHE_MAX) {
        s->next_free = b->head;
        b->head = s;
        b->count++;
        return;
    }
    int saved = errno;
    global_release(s);
    errno = saved;
}

size_t slp_stack_resident(const slp_stack *s)
{
    pthread_once(&g_once, init_once);
    unsigned char vec[256];
    size_t total = 0;
    for (size_t off = 0; off < s->size; off += sizeof vec * g_page) {
        size_t len = s->size - off;
        if (len > sizeof vec * g_page)
            len = sizeof vec * g_page;
        if (mincore(s->lo + off, len, vec) != 0)
            break;
        for (size_t i = 0; i < len / g_page; i++)
            if (vec[i] & 1)
                total += g_page;
    }
    return total;
}
