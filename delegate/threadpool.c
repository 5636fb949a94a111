/* Worker threads on pthreads: spin briefly between jobs, then park.
 *
 * A job is published by writing its fields, opening it (`open` = its
 * generation) and then bumping `generation`. A worker that sees a new
 * generation joins only while the job is open; the caller runs its own
 * range, steals what is left, waits until every item is done (`done`),
 * closes the job and waits for the workers still inside it, which by then
 * have nothing left to run. Sleepers are found through the
 * `sleeping_workers` / `caller_sleeping` counters, read and written with
 * sequentially consistent atomics against `generation` / `done`, so a
 * wake-up is never lost and no syscall is made while everybody is still
 * spinning. */
#define _POSIX_C_SOURCE 200809L
#include "threadpool.h"

#include "denormals.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* How long a thread spins before it sleeps: longer than the gap between two
 * steps of an invoke, far shorter than the time TFLite spends elsewhere. */
#define SPIN_NANOSECONDS 30000

/* Thread t's share of a job: items [start, start + length) at first. The
 * owner takes items from the front, other threads steal from the back
 * (through `end`); `length` counts what is left, so every item is claimed
 * once. One cache line each: the owner's claims do not bounce the others'. */
struct range {
  _Alignas(64) atomic_size_t start, end, length;
};

struct worker_arg {
  tsp_threadpool* pool;
  size_t self; /* 1 .. threads - 1: the caller is thread 0 */
};

struct tsp_threadpool {
  size_t threads;
  pthread_t* workers; /* threads - 1 of them */
  struct worker_arg* args;   /* threads - 1 of them */
  size_t started;
  pthread_mutex_t lock;
  pthread_cond_t wake; /* a new generation, or stop */
  pthread_cond_t done_cond; /* done reached count */
  atomic_size_t generation;
  atomic_int sleeping_workers;
  atomic_int caller_sleeping;
  atomic_bool stop;
  /* The current job; written only while no worker runs one. */
  tsp_task_fn fn;
  void* context;
  size_t count;
  uint64_t fp_mode; /* the caller's FP control word: workers compute in it */
  atomic_size_t open;    /* the generation of the job workers may join, 0 once closed */
  atomic_size_t active;  /* workers between joining and leaving */
  atomic_size_t done;    /* items finished */
  struct range* ranges; /* threads of them */
};

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Spins until done(pool, arg) holds or the spin budget is spent. */
static bool spin_until(const tsp_threadpool* pool, bool (*done)(const tsp_threadpool*, size_t),
                       size_t arg) {
  const int64_t start = now_ns();
  for (unsigned i = 1;; ++i) {
    if (done(pool, arg)) return true;
    cpu_relax();
    if (i % 64 == 0 && now_ns() - start > SPIN_NANOSECONDS) return done(pool, arg);
  }
}

static bool new_job_or_stop(const tsp_threadpool* pool, size_t seen) {
  return atomic_load(&pool->generation) != seen || atomic_load(&pool->stop);
}


/* Takes one item from `length` if any is left. */
static bool try_claim(atomic_size_t* length) {
  size_t left = atomic_load_explicit(length, memory_order_relaxed);
  while (left != 0) {
    if (atomic_compare_exchange_weak_explicit(length, &left, left - 1, memory_order_relaxed,
                                              memory_order_relaxed))
      return true;
  }
  return false;
}

/* Thread `self` runs its own range front to back, then steals from the
 * others' backs, nearest lower thread first. Returns the items it ran. */
static size_t run_items(tsp_threadpool* pool, size_t self) {
  const tsp_task_fn fn = pool->fn;
  void* const context = pool->context;
  size_t ran = 0;
  struct range* own = &pool->ranges[self];
  for (size_t i = atomic_load_explicit(&own->start, memory_order_relaxed); try_claim(&own->length);
       ++i) {
    fn(context, i);
    ++ran;
  }
  const size_t threads = pool->threads;
  for (size_t k = 1; k < threads; ++k) {
    struct range* other = &pool->ranges[(self + threads - k) % threads];
    while (try_claim(&other->length)) {
      fn(context, atomic_fetch_sub_explicit(&other->end, 1, memory_order_relaxed) - 1);
      ++ran;
    }
  }
  return ran;
}

static void wait_for_job(tsp_threadpool* pool, size_t seen) {
  if (spin_until(pool, new_job_or_stop, seen)) return;
  pthread_mutex_lock(&pool->lock);
  atomic_fetch_add(&pool->sleeping_workers, 1);
  while (!new_job_or_stop(pool, seen)) pthread_cond_wait(&pool->wake, &pool->lock);
  atomic_fetch_sub(&pool->sleeping_workers, 1);
  pthread_mutex_unlock(&pool->lock);
}

static _Thread_local size_t g_thread_index; /* 0 on every thread but a worker */

size_t tsp_threadpool_thread_index(void) { return g_thread_index; }

/* A worker joins a job only while it is open: one that wakes late (parked,
 * or preempted by another process) finds it closed and goes back to wait.
 * `active` is raised before `open` is read and the caller closes before it
 * reads `active`, so a worker either sees the job closed or is waited for. */
static void* worker_main(void* arg_) {
  struct worker_arg* arg = arg_;
  tsp_threadpool* pool = arg->pool;
  const size_t self = arg->self;
  g_thread_index = self;
  size_t seen = 0; /* the generation at creation: no job can be missed */
  for (;;) {
    wait_for_job(pool, seen);
    if (atomic_load(&pool->stop)) return NULL;
    seen = atomic_load(&pool->generation);
    atomic_fetch_add(&pool->active, 1);
    if (atomic_load(&pool->open) == seen) {
      if (tsp_fp_mode_read() != pool->fp_mode) tsp_fp_mode_write(pool->fp_mode);
      const size_t ran = run_items(pool, self);
      if (ran && atomic_fetch_add(&pool->done, ran) + ran == pool->count &&
          atomic_load(&pool->caller_sleeping)) {
        pthread_mutex_lock(&pool->lock);
        pthread_cond_signal(&pool->done_cond);
        pthread_mutex_unlock(&pool->lock);
      }
    }
    atomic_fetch_sub(&pool->active, 1);
  }
}

static bool all_done(const tsp_threadpool* pool, size_t count) {
  return atomic_load(&pool->done) == count;
}

static bool none_active(const tsp_threadpool* pool, size_t unused) {
  (void)unused;
  return atomic_load(&pool->active) == 0;
}

/* The caller: waits for the items others claimed, then closes the job and
 * waits for the workers still inside it (they have nothing left to run). */
static void finish_job(tsp_threadpool* pool) {
  if (!spin_until(pool, all_done, pool->count)) {
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->caller_sleeping, 1);
    while (!all_done(pool, pool->count)) pthread_cond_wait(&pool->done_cond, &pool->lock);
    atomic_store(&pool->caller_sleeping, 0);
    pthread_mutex_unlock(&pool->lock);
  }
  atomic_store(&pool->open, 0);
  while (!spin_until(pool, none_active, 0)) sched_yield();
}

static void stop_workers(tsp_threadpool* pool) {
  pthread_mutex_lock(&pool->lock);
  atomic_store(&pool->stop, true);
  atomic_fetch_add(&pool->generation, 1);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->lock);
  for (size_t i = 0; i < pool->started; ++i) pthread_join(pool->workers[i], NULL);
  pool->started = 0;
}

tsp_threadpool* tsp_threadpool_create(size_t threads) {
  if (threads == 0 || threads > TSP_MAX_THREADS) return NULL;
  tsp_threadpool* pool = calloc(1, sizeof(*pool));
  if (!pool) return NULL;
  pool->threads = threads;
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done_cond, NULL);
  pool->ranges = aligned_alloc(64, threads * sizeof(*pool->ranges));
  if (!pool->ranges) {
    tsp_threadpool_destroy(pool);
    return NULL;
  }
  if (threads > 1) {
    pool->workers = calloc(threads - 1, sizeof(*pool->workers));
    pool->args = calloc(threads - 1, sizeof(*pool->args));
    if (!pool->workers || !pool->args) {
      tsp_threadpool_destroy(pool);
      return NULL;
    }
  }
  for (size_t i = 0; i + 1 < threads; ++i) {
    pool->args[i].pool = pool;
    pool->args[i].self = i + 1;
    if (pthread_create(&pool->workers[i], NULL, worker_main, &pool->args[i]) != 0) {
      tsp_threadpool_destroy(pool);
      return NULL;
    }
    pool->started++;
  }
  return pool;
}

void tsp_threadpool_destroy(tsp_threadpool* pool) {
  if (!pool) return;
  stop_workers(pool);
  pthread_cond_destroy(&pool->done_cond);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->lock);
  free(pool->workers);
  free(pool->args);
  free(pool->ranges);
  free(pool);
}

size_t tsp_threadpool_threads(const tsp_threadpool* pool) { return pool ? pool->threads : 1; }

/* Cuts [0, count) into one contiguous range per thread, of near-equal
 * total weight: thread t gets the items whose weight midpoint lies in
 * [t/T, (t+1)/T) of the total. */
static void split_ranges(tsp_threadpool* pool, tsp_weight_fn weight, void* context, size_t count) {
  const size_t threads = pool->threads;
  size_t total = 0;
  for (size_t i = 0; weight && i < count; ++i) total += weight(context, i);
  size_t t = 0, begin = 0, prefix = 0;
  if (weight && total) {
    for (size_t i = 0; i < count; ++i) {
      const size_t w = weight(context, i);
      /* item i belongs to the first thread t with midpoint < (t+1)/T */
      while (t + 1 < threads && threads * (2 * prefix + w) >= 2 * (t + 1) * total) {
        atomic_store_explicit(&pool->ranges[t].start, begin, memory_order_relaxed);
        atomic_store_explicit(&pool->ranges[t].end, i, memory_order_relaxed);
        atomic_store_explicit(&pool->ranges[t].length, i - begin, memory_order_relaxed);
        begin = i;
        ++t;
      }
      prefix += w;
    }
  } else {
    for (; t + 1 < threads; ++t) {
      const size_t end = (t + 1) * count / threads;
      atomic_store_explicit(&pool->ranges[t].start, begin, memory_order_relaxed);
      atomic_store_explicit(&pool->ranges[t].end, end, memory_order_relaxed);
      atomic_store_explicit(&pool->ranges[t].length, end - begin, memory_order_relaxed);
      begin = end;
    }
  }
  for (; t < threads; ++t) { /* the last thread takes the rest; any after it none */
    atomic_store_explicit(&pool->ranges[t].start, begin, memory_order_relaxed);
    atomic_store_explicit(&pool->ranges[t].end, count, memory_order_relaxed);
    atomic_store_explicit(&pool->ranges[t].length, count - begin, memory_order_relaxed);
    begin = count;
  }
}

void tsp_threadpool_run_weighted(tsp_threadpool* pool, tsp_task_fn fn, tsp_weight_fn weight,
                                 void* context, size_t count) {
  if (!pool || pool->threads == 1 || count <= 1) {
    for (size_t i = 0; i < count; ++i) fn(context, i);
    return;
  }
  pool->fn = fn;
  pool->context = context;
  pool->count = count;
  pool->fp_mode = tsp_fp_mode_read();
  split_ranges(pool, weight, context, count);
  atomic_store(&pool->done, 0);
  const size_t generation = atomic_load(&pool->generation) + 1;
  atomic_store(&pool->open, generation);
  atomic_store(&pool->generation, generation); /* publishes the job */
  if (atomic_load(&pool->sleeping_workers) > 0) {
    pthread_mutex_lock(&pool->lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
  }
  const size_t ran = run_items(pool, 0);
  atomic_fetch_add(&pool->done, ran);
  finish_job(pool);
}

void tsp_threadpool_run(tsp_threadpool* pool, tsp_task_fn fn, void* context, size_t count) {
  tsp_threadpool_run_weighted(pool, fn, NULL, context, count);
}
