/* Timing helpers shared by the C benchmarks. */
#ifndef TFLITE_SPARSE_BENCH_UTIL_H_
#define TFLITE_SPARSE_BENCH_UTIL_H_

#include <stdint.h>
#include <stdio.h>
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

/* xorshift64: reproducible inputs without libc's rand. */
static inline uint64_t rng_next(uint64_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Uniform in [0, 1). */
static inline double rng_unit(uint64_t* s) {
  return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

/* Floats in [-1, -0.05] U [0.05, 1]: never zero nor denormal. */
static inline float rng_value(uint64_t* s) {
  const float m = (float)(0.05 + 0.95 * rng_unit(s));
  return rng_next(s) & 1 ? m : -m;
}

/* 64-byte aligned, or exit: benchmarks have nothing to fall back to. */
static inline void* xalloc(size_t bytes) {
  void* p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  return p;
}

#endif /* TFLITE_SPARSE_BENCH_UTIL_H_ */
