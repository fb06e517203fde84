/* futex_pingpong.c - the baseline for the hard-tasklet hop (bench/hard/run.js): two OS threads
 * hand a turn back and forth through futex words, the same protocol as the hard module's
 * baton (0 wait, 1 go, 2 sleeping), with no V8 and no scheduler.
 * Usage: futex_pingpong <round trips>; prints "<ns per one-way hand-off, wall>". */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int turn_a, turn_b;
static long rounds;

static void wait_turn(atomic_int *w)
{
    for (;;) {
        int v = 1;
        if (atomic_compare_exchange_strong(w, &v, 0)) return;
        if (v == 0 && !atomic_compare_exchange_strong(w, &v, 2)) continue;
        syscall(SYS_futex, (int *)w, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
    }
}

static void give_turn(atomic_int *w)
{
    if (atomic_exchange(w, 1) == 2) syscall(SYS_futex, (int *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *partner(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        wait_turn(&turn_b);
        give_turn(&turn_a);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t th;
    struct timespec t0, t1;
    rounds = argc > 1 ? atol(argv[1]) : 20000;
    pthread_create(&th, NULL, partner, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < rounds; i++) {
        give_turn(&turn_b);
        wait_turn(&turn_a);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(th, NULL);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (2.0 * rounds));
    return 0;
}
