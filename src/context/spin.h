/*
 * spin.h - the runtime's one spin-then-park policy, shared by the context
 * worker (worker.c) and the event thread (src/events/thread.c): spin only
 * when spinning can pay, and never in a way that turns into a scheduler
 * tick stall when runnable threads outnumber cores.
 *
 * Design notes:
 *  - A spin is a wait for work that some other thread will publish. It pays
 *    only when that thread is running on another core and publishes soon;
 *    otherwise the spinner takes the core the publisher (or a thread the
 *    spinner itself woke) needs, and a CPU-bound thread beside it turns a
 *    few microseconds into a 4 ms time slice. Parked threads, in contrast,
 *    get the scheduler's wake-up preemption, so under load parking is the
 *    low-latency choice.
 *  - So each spinner (one per worker, one per event thread) keeps:
 *      * an adaptive budget: the moving average of how long its recent waits
 *        for work really were (spun or parked); the budget is twice that,
 *        bounded by the configured maximum, and zero when the average is
 *        above the maximum (spinning would not have caught the work);
 *      * a back-off: when a spin sees the clock jump (the thread was
 *        descheduled: someone else wanted the core), it stops at once and
 *        does not spin for 10 ms, doubling up to 1 s while it keeps
 *        happening; a spin that ran undisturbed resets it to 10 ms. A
 *        spin costs a busy machine at most one time slice per back-off.
 *  - Process-wide, at most ffirt__spin_slots() threads spin at once (CPUs
 *    in the affinity mask minus one, so a core stays free for the threads
 *    that publish; zero on a single CPU); the others park at once.
 *  - The spin itself pauses (cpu_relax) only for its first PAUSE_NS, then
 *    polls with sched_yield() between checks, so a thread that becomes
 *    runnable on the spinner's core (the event thread the worker just woke,
 *    a caller whose reply was just delivered) runs at once.
 *  - All fields of ffirt__spinner belong to the thread that spins; the slot
 *    counter is a relaxed atomic (a count, no data published through it).
 */
#ifndef FFIRT_CONTEXT_SPIN_H
#define FFIRT_CONTEXT_SPIN_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct ffirt__spinner {
  uint64_t avg_ns;        /* moving average of recent waits for work */
  uint64_t max_ns;        /* the last maximum budget asked for */
  uint64_t backoff_until; /* no spinning before this time (after a preemption) */
  uint64_t backoff_ns;    /* the next back-off: doubles while preemptions repeat */
} ffirt__spinner;

/* Returns 1 when there is work (the caller's check). */
typedef int (*ffirt__spin_ready_fn)(void *arg);
/* Called about every 200 us of spinning (e.g. to poll a libuv loop). */
typedef void (*ffirt__spin_poll_fn)(void *arg);

void ffirt__spinner_init(ffirt__spinner *s);

/*
 * Spins for at most the adaptive budget (<= max_ns) while ready(arg) is 0.
 * Returns 1 when ready became 1, 0 when the caller should park. *t0 gets
 * the time the wait began (pass it to ffirt__spin_done after the park).
 */
int ffirt__spin(ffirt__spinner *s, uint64_t max_ns, ffirt__spin_ready_fn ready,
                ffirt__spin_poll_fn poll, void *arg, uint64_t *t0);

/* After a park: the wait that began at t0 ended now (teaches the budget). */
void ffirt__spin_done(ffirt__spinner *s, uint64_t t0);

/* Threads that may spin at once in this process (CPUs - 1). */
int ffirt__spin_slots(void);

uint64_t ffirt__spin_now_ns(void);

/* Futex park/wake on a 32-bit atomic word (Linux). wait blocks while *addr
 * == val, for at most timeout_ns (0 = no limit); it may return early
 * (signal, spurious), so callers re-check their condition. wake wakes up to
 * n waiters. */
void ffirt__futex_wait(_Atomic int *addr, int val, uint64_t timeout_ns);
void ffirt__futex_wake(_Atomic int *addr, int n);

#endif /* FFIRT_CONTEXT_SPIN_H */
