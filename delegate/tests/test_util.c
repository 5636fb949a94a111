#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_passed, g_failed; /* test-binary bookkeeping only */

void rng_seed(tsp_rng* rng, uint64_t seed) { rng->state = seed * 2654435761u + 1; }

static uint64_t rng_next(tsp_rng* rng) {
  uint64_t x = rng->state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  rng->state = x;
  return x;
}

float rng_uniform(tsp_rng* rng, float lo, float hi) {
  return lo + (hi - lo) * (float)((rng_next(rng) >> 40) / (double)(1u << 24));
}

uint32_t rng_below(tsp_rng* rng, uint32_t n) { return (uint32_t)(rng_next(rng) % n); }

void* test_alloc(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  void* p = aligned_alloc(64, rounded ? rounded : 64);
  if (!p) {
    fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
    abort();
  }
  memset(p, 0, rounded ? rounded : 64);
  return p;
}

void test_free(void* p) { free(p); }

void* test_exact_alloc(size_t bytes) {
  void* p = malloc(bytes ? bytes : 1);
  if (!p) {
    fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
    abort();
  }
  return p;
}

int32_t rng_i32(tsp_rng* rng) {
  return (int32_t)((rng_below(rng, 65536) << 16) | rng_below(rng, 65536));
}

int8_t rng_i8(tsp_rng* rng) {
  switch (rng_below(rng, 8)) {
    case 0: return -128;
    case 1: return 127;
    default: return (int8_t)((int)rng_below(rng, 256) - 128);
  }
}

int expect_close(const char* what, const float* got, const float* want, size_t n,
                 float rtol, float atol) {
  for (size_t i = 0; i < n; ++i) {
    const float tol = atol + rtol * fabsf(want[i]);
    /* NaN matches only NaN and an infinity only itself; the difference
     * would be NaN for both and fail every finite comparison. */
    const int same = isnan(want[i]) ? isnan(got[i]) != 0
                     : isinf(want[i]) ? got[i] == want[i]
                                      : fabsf(got[i] - want[i]) <= tol;
    if (!same) {
      fprintf(stderr, "%s: element %zu: got %.9g, want %.9g\n", what, i, got[i], want[i]);
      test_record(0);
      return 0;
    }
  }
  test_record(1);
  return 1;
}

int test_isa_has_kernel(int isa, const void* fn) {
  if (fn != NULL) return 1;
  fprintf(stderr, "ISA %d is supported but the test has no kernel for it\n", isa);
  test_record(0);
  return 0;
}

void test_record(int ok) {
  if (ok)
    ++g_passed;
  else
    ++g_failed;
}

int test_summary(void) {
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 && g_passed > 0 ? 0 : 1;
}
