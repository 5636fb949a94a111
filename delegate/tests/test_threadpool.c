/* The thread pool: every item runs exactly once for any thread count, items
 * really run concurrently, a parked pool burns no CPU, and create/destroy
 * leaves no thread behind. Run under ThreadSanitizer by scripts/test.sh. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "denormals.h"
#include "test_util.h"
#include "threadpool.h"

typedef struct {
  atomic_int* runs; /* per item */
} count_job;

static void count_item(void* context, size_t i) {
  count_job* job = context;
  atomic_fetch_add(&job->runs[i], 1);
}

static int threads_of_process(void) {
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return -1;
  int n = 0;
  for (struct dirent* e; (e = readdir(dir));) n += e->d_name[0] != '.';
  closedir(dir);
  return n;
}

static void test_every_item_once(void) {
  static const size_t counts[] = {0, 1, 2, 3, 5, 7, 64, 1000};
  for (size_t threads = 1; threads <= 5; ++threads) {
    tsp_threadpool* pool = tsp_threadpool_create(threads);
    EXPECT(pool != NULL && tsp_threadpool_threads(pool) == threads);
    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); ++c) {
      const size_t count = counts[c];
      atomic_int* runs = calloc(count + 1, sizeof(*runs));
      count_job job = {runs};
      int ok = 1;
      for (int repeat = 0; repeat < 200; ++repeat) {
        for (size_t i = 0; i < count; ++i) atomic_store(&runs[i], 0);
        tsp_threadpool_run(pool, count_item, &job, count);
        for (size_t i = 0; i < count; ++i) ok &= atomic_load(&runs[i]) == 1;
      }
      if (!ok) fprintf(stderr, "threads %zu count %zu: an item ran other than once\n", threads, count);
      test_record(ok);
      free(runs);
    }
    tsp_threadpool_destroy(pool);
  }
}

/* Item 0 waits until item 1 has started: with two threads this only
 * finishes if a second thread runs item 1 while the caller is in item 0. */
typedef struct {
  atomic_int second_started;
  atomic_int timed_out;
} rendezvous_job;

static void rendezvous_item(void* context, size_t i) {
  rendezvous_job* job = context;
  if (i == 1) {
    atomic_store(&job->second_started, 1);
    return;
  }
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (!atomic_load(&job->second_started)) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 10) {
      atomic_store(&job->timed_out, 1);
      return;
    }
  }
}

static void test_items_run_concurrently(void) {
  tsp_threadpool* pool = tsp_threadpool_create(2);
  for (int repeat = 0; repeat < 20; ++repeat) {
    rendezvous_job job = {0, 0};
    tsp_threadpool_run(pool, rendezvous_item, &job, 2);
    EXPECT(!atomic_load(&job.timed_out) && atomic_load(&job.second_started));
  }
  tsp_threadpool_destroy(pool);
}

static double process_cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void test_parked_pool_burns_no_cpu(void) {
  tsp_threadpool* pool = tsp_threadpool_create(4);
  atomic_int runs[16] = {0};
  count_job job = {runs};
  tsp_threadpool_run(pool, count_item, &job, 16);
  struct timespec settle = {0, 50 * 1000 * 1000}, idle = {0, 300 * 1000 * 1000};
  nanosleep(&settle, NULL);
  const double before = process_cpu_seconds();
  nanosleep(&idle, NULL);
  const double burnt = process_cpu_seconds() - before;
  /* Three spinning workers would burn ~0.9 s of CPU in 0.3 s. */
  if (burnt > 0.03) fprintf(stderr, "parked pool used %.3f s of CPU in 0.3 s\n", burnt);
  EXPECT(burnt <= 0.03);
  /* And it still works after sleeping. */
  tsp_threadpool_run(pool, count_item, &job, 16);
  int ok = 1;
  for (int i = 0; i < 16; ++i) ok &= atomic_load(&runs[i]) == 2;
  EXPECT(ok);
  tsp_threadpool_destroy(pool);
}

/* The thread count once the threads of earlier tests have left /proc (a
 * joined thread can linger there for a moment, longer under qemu-user):
 * five equal readings 10 ms apart, within 2 s. */
static int settled_threads_of_process(void) {
  int count = threads_of_process(), same = 0;
  for (int i = 0; i < 200 && same < 5; ++i) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
    const int now = threads_of_process();
    same = now == count ? same + 1 : 0;
    count = now;
  }
  return count;
}

static void test_no_threads_left_behind(void) {
  const int before = settled_threads_of_process();
  for (int i = 0; i < 200; ++i) {
    tsp_threadpool* pool = tsp_threadpool_create(1 + (size_t)(i % 5));
    atomic_int runs[8] = {0};
    count_job job = {runs};
    if (i % 2) tsp_threadpool_run(pool, count_item, &job, 8);
    tsp_threadpool_destroy(pool);
  }
  /* Our own joined threads may linger too: wait up to 2 s for the count. */
  int after = threads_of_process();
  for (int i = 0; i < 200 && after != before; ++i) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
    after = threads_of_process();
  }
  if (after != before) fprintf(stderr, "threads: %d before, %d after\n", before, after);
  EXPECT(before > 0 && after == before);
}

/* Every item sees the caller's floating-point mode (denormal flushing). */
typedef struct {
  uint64_t want;
  atomic_int wrong;
} mode_job;

static void mode_item(void* context, size_t i) {
  mode_job* job = context;
  if (tsp_fp_mode_read() != job->want) atomic_fetch_add(&job->wrong, 1);
}

static void test_workers_use_the_callers_fp_mode(void) {
  tsp_threadpool* pool = tsp_threadpool_create(3);
  for (int flush = 1; flush >= 0; --flush) {
    tsp_fp_state saved;
    if (flush) tsp_denormals_flush_begin(&saved);
    mode_job job = {tsp_fp_mode_read(), 0};
    for (int repeat = 0; repeat < 50; ++repeat) tsp_threadpool_run(pool, mode_item, &job, 64);
    if (flush) tsp_denormals_flush_end(&saved);
    EXPECT(atomic_load(&job.wrong) == 0);
  }
  tsp_threadpool_destroy(pool);
}

static void test_bad_sizes(void) {
  EXPECT(tsp_threadpool_create(0) == NULL);
  EXPECT(tsp_threadpool_create(TSP_MAX_THREADS + 1) == NULL);
  EXPECT(tsp_threadpool_threads(NULL) == 1);
  atomic_int runs[3] = {0};
  count_job job = {runs};
  tsp_threadpool_run(NULL, count_item, &job, 3); /* inline */
  EXPECT(runs[0] == 1 && runs[1] == 1 && runs[2] == 1);
  tsp_threadpool_destroy(NULL);
}

/* Weighted splits: every item still runs exactly once, whatever the
 * weights (equal, zero, all on one item, growing), and each item sees a
 * thread index below the pool's thread count. */
typedef struct {
  atomic_int* runs;
  size_t threads, mode;
  atomic_int bad_index;
} weighted_job;

static void weighted_item(void* context, size_t i) {
  weighted_job* job = context;
  atomic_fetch_add(&job->runs[i], 1);
  if (tsp_threadpool_thread_index() >= job->threads) atomic_store(&job->bad_index, 1);
}

static size_t item_weight(void* context, size_t i) {
  const weighted_job* job = context;
  switch (job->mode) {
    case 0: return 1;
    case 1: return 0;
    case 2: return i == 3 ? 1000 : 1;
    default: return i * i;
  }
}

static void test_weighted_every_item_once(void) {
  static const size_t counts[] = {0, 1, 2, 3, 5, 17, 64};
  for (size_t threads = 1; threads <= 5; ++threads) {
    tsp_threadpool* pool = tsp_threadpool_create(threads);
    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); ++c)
      for (size_t mode = 0; mode < 4; ++mode) {
        const size_t count = counts[c];
        atomic_int* runs = calloc(count + 1, sizeof(*runs));
        weighted_job job = {runs, threads, mode, 0};
        int ok = 1;
        for (int repeat = 0; repeat < 50; ++repeat) {
          for (size_t i = 0; i < count; ++i) atomic_store(&runs[i], 0);
          tsp_threadpool_run_weighted(pool, weighted_item, item_weight, &job, count);
          for (size_t i = 0; i < count; ++i) ok &= atomic_load(&runs[i]) == 1;
        }
        if (!ok || atomic_load(&job.bad_index))
          fprintf(stderr, "weighted: threads %zu count %zu weights %zu: ran other than once / bad index\n",
                  threads, count, mode);
        test_record(ok && !atomic_load(&job.bad_index));
        free(runs);
      }
    tsp_threadpool_destroy(pool);
  }
  EXPECT(tsp_threadpool_thread_index() == 0); /* the caller */
}

/* Per-thread scratch picked by tsp_threadpool_thread_index is never shared
 * by two items at once (each slot counts its users; ThreadSanitizer checks
 * the plain writes too). */
typedef struct {
  atomic_int users[8];
  long scratch[8];
  atomic_int clash;
} scratch_job;

static void scratch_item(void* context, size_t i) {
  scratch_job* job = context;
  const size_t t = tsp_threadpool_thread_index();
  if (atomic_fetch_add(&job->users[t], 1) != 0) atomic_store(&job->clash, 1);
  for (int k = 0; k < 100; ++k) job->scratch[t] += (long)(i + (size_t)k);
  atomic_fetch_sub(&job->users[t], 1);
}

static void test_thread_index_scratch(void) {
  tsp_threadpool* pool = tsp_threadpool_create(4);
  scratch_job job;
  memset(&job, 0, sizeof(job));
  for (int repeat = 0; repeat < 200; ++repeat) tsp_threadpool_run(pool, scratch_item, &job, 37);
  long sum = 0;
  for (int t = 0; t < 8; ++t) sum += job.scratch[t];
  EXPECT(!atomic_load(&job.clash));
  EXPECT(sum == 200L * (100L * (36 * 37 / 2) + 37L * (99 * 100 / 2)));
  tsp_threadpool_destroy(pool);
}

int main(void) {
  test_every_item_once();
  test_weighted_every_item_once();
  test_thread_index_scratch();
  test_items_run_concurrently();
  test_parked_pool_burns_no_cpu();
  test_no_threads_left_behind();
  test_workers_use_the_callers_fp_mode();
  test_bad_sizes();
  return test_summary();
}
