/* Worker threads on pthreads: spin briefly between jobs, then park.
 *
 * A job is published by writing its fields and then bumping `generation`;
 * every worker takes part in every job (it may find no item left) and
 * counts itself out through `pending`. Sleepers are found through the
 * `sleeping_workers` / `caller_sleeping` counters, which are read and
 * written with sequentially consistent atomics against `generation` /
 * `pending`, so a wake-up is never lost and no syscall is made while
 * everybody is still spinning. */
#define _POSIX_C_SOURCE 200809L
#include "threadpool.h"

#include "denormals.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* How long a thread spins before it sleeps: longer than the gap between two
 * steps of an invoke, far shorter than the time TFLite spends elsewhere. */
#define SPIN_NANOSECONDS 30000

struct tsp_threadpool {
  size_t threads;
  pthread_t* workers; /* threads - 1 of them */
  size_t started;
  pthread_mutex_t lock;
  pthread_cond_t wake; /* a new generation, or stop */
  pthread_cond_t done; /* pending reached 0 */
  atomic_size_t generation;
  atomic_int sleeping_workers;
  atomic_int caller_sleeping;
  atomic_bool stop;
  /* The current job; written only while no worker runs one. */
  tsp_task_fn fn;
  void* context;
  size_t count;
  uint64_t fp_mode; /* the caller's FP control word: workers compute in it */
  atomic_size_t next;
  atomic_size_t pending;
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

static bool no_pending(const tsp_threadpool* pool, size_t unused) {
  (void)unused;
  return atomic_load(&pool->pending) == 0;
}

static void run_items(tsp_threadpool* pool) {
  const tsp_task_fn fn = pool->fn;
  void* const context = pool->context;
  const size_t count = pool->count;
  for (size_t i = atomic_fetch_add_explicit(&pool->next, 1, memory_order_relaxed); i < count;
       i = atomic_fetch_add_explicit(&pool->next, 1, memory_order_relaxed)) {
    fn(context, i);
  }
}

static void wait_for_job(tsp_threadpool* pool, size_t seen) {
  if (spin_until(pool, new_job_or_stop, seen)) return;
  pthread_mutex_lock(&pool->lock);
  atomic_fetch_add(&pool->sleeping_workers, 1);
  while (!new_job_or_stop(pool, seen)) pthread_cond_wait(&pool->wake, &pool->lock);
  atomic_fetch_sub(&pool->sleeping_workers, 1);
  pthread_mutex_unlock(&pool->lock);
}

static void* worker_main(void* arg) {
  tsp_threadpool* pool = arg;
  size_t seen = 0; /* the generation at creation: no job can be missed */
  for (;;) {
    wait_for_job(pool, seen);
    if (atomic_load(&pool->stop)) return NULL;
    seen = atomic_load(&pool->generation);
    if (tsp_fp_mode_read() != pool->fp_mode) tsp_fp_mode_write(pool->fp_mode);
    run_items(pool);
    if (atomic_fetch_sub(&pool->pending, 1) == 1 && atomic_load(&pool->caller_sleeping)) {
      pthread_mutex_lock(&pool->lock);
      pthread_cond_signal(&pool->done);
      pthread_mutex_unlock(&pool->lock);
    }
  }
}

static void wait_for_workers(tsp_threadpool* pool) {
  if (spin_until(pool, no_pending, 0)) return;
  pthread_mutex_lock(&pool->lock);
  atomic_store(&pool->caller_sleeping, 1);
  while (!no_pending(pool, 0)) pthread_cond_wait(&pool->done, &pool->lock);
  atomic_store(&pool->caller_sleeping, 0);
  pthread_mutex_unlock(&pool->lock);
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
  pthread_cond_init(&pool->done, NULL);
  if (threads > 1) {
    pool->workers = calloc(threads - 1, sizeof(*pool->workers));
    if (!pool->workers) {
      tsp_threadpool_destroy(pool);
      return NULL;
    }
  }
  for (size_t i = 0; i + 1 < threads; ++i) {
    if (pthread_create(&pool->workers[i], NULL, worker_main, pool) != 0) {
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
  pthread_cond_destroy(&pool->done);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->lock);
  free(pool->workers);
  free(pool);
}

size_t tsp_threadpool_threads(const tsp_threadpool* pool) { return pool ? pool->threads : 1; }

void tsp_threadpool_run(tsp_threadpool* pool, tsp_task_fn fn, void* context, size_t count) {
  if (!pool || pool->threads == 1 || count <= 1) {
    for (size_t i = 0; i < count; ++i) fn(context, i);
    return;
  }
  pool->fn = fn;
  pool->context = context;
  pool->count = count;
  pool->fp_mode = tsp_fp_mode_read();
  atomic_store(&pool->next, 0);
  atomic_store(&pool->pending, pool->threads - 1);
  atomic_fetch_add(&pool->generation, 1); /* publishes the job */
  if (atomic_load(&pool->sleeping_workers) > 0) {
    pthread_mutex_lock(&pool->lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
  }
  run_items(pool);
  wait_for_workers(pool);
}
