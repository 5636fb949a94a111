/* A small pool of worker threads for the delegate's parallel kernels.
 *
 * One pool per delegate, created once and shared by its partitions. The
 * calling thread works too, so a pool of N threads starts N - 1 workers.
 * Between jobs a worker spins for a few tens of microseconds (consecutive
 * steps of one invoke follow each other closely), then sleeps on a condition
 * variable: a parked pool burns no CPU while TFLite runs other nodes.
 *
 * tsp_threadpool_run(pool, fn, context, count) calls fn(context, i) once for
 * every i in [0, count), spread over the threads, and returns when all calls
 * have returned. Thread t (the caller is thread 0) is given the t-th of N
 * contiguous ranges of the items and runs it front to back, so in steps cut
 * the same way the same thread gets the same part of the image and reads
 * what it wrote the step before from its own cache. A thread that runs out
 * takes items from the back of the others' ranges, and a worker that has
 * not joined by the time the items are done (parked, or preempted by
 * another process) is not waited for: which thread runs an item still
 * varies, so an item must write only its own outputs, and then results do
 * not depend on the thread count. Jobs are not reentrant: fn must not call
 * tsp_threadpool_run on the same pool, and one pool runs one job at a time
 * (TFLite invokes an interpreter from one thread). Workers run each job in
 * the caller's floating-point mode (MXCSR / FPCR): denormal flushing applies
 * to every thread. */
#ifndef TFLITE_SPARSE_THREADPOOL_H_
#define TFLITE_SPARSE_THREADPOOL_H_

#include <stddef.h>

typedef struct tsp_threadpool tsp_threadpool;
typedef void (*tsp_task_fn)(void* context, size_t index);
/* The relative cost of item `index` (any unit). */
typedef size_t (*tsp_weight_fn)(void* context, size_t index);

/* The largest pool we create: more threads than this is a configuration
 * error, not a request to honour. */
#define TSP_MAX_THREADS 64

/* Returns a pool of `threads` threads (1 starts none), or NULL when a thread
 * or memory cannot be had or threads is 0 or above TSP_MAX_THREADS. */
tsp_threadpool* tsp_threadpool_create(size_t threads);
/* Wakes and joins every worker. NULL is fine. */
void tsp_threadpool_destroy(tsp_threadpool* pool);
/* Threads of the pool, the caller included (1 for a NULL pool). */
size_t tsp_threadpool_threads(const tsp_threadpool* pool);
/* Inside fn: the index in [0, threads) of the pool thread running it (0,
 * the caller, outside a pool's workers), to pick per-thread scratch. */
size_t tsp_threadpool_thread_index(void);
/* Runs fn(context, i) for i in [0, count). A NULL pool runs them inline. */
void tsp_threadpool_run(tsp_threadpool* pool, tsp_task_fn fn, void* context, size_t count);
/* The same, with thread t's share cut by weight (NULL: equal weights). */
void tsp_threadpool_run_weighted(tsp_threadpool* pool, tsp_task_fn fn, tsp_weight_fn weight,
                                 void* context, size_t count);

#endif /* TFLITE_SPARSE_THREADPOOL_H_ */
