/* Timing helpers shared by the C benchmarks. */
#ifndef TFLITE_SPARSE_BENCH_UTIL_H_
#define TFLITE_SPARSE_BENCH_UTIL_H_

#include <stdlib.h>
#include <time.h>

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Median of v[0..n), sorting v in place. */
static inline double median(double* v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#endif /* TFLITE_SPARSE_BENCH_UTIL_H_ */
