/* Small helpers shared by the C kernel tests. */
#ifndef TFLITE_SPARSE_TEST_UTIL_H_
#define TFLITE_SPARSE_TEST_UTIL_H_

#include <stddef.h>
#include <stdint.h>

/* Deterministic xorshift generator so failures reproduce. */
typedef struct {
  uint64_t state;
} tsp_rng;

void rng_seed(tsp_rng* rng, uint64_t seed);
float rng_uniform(tsp_rng* rng, float lo, float hi);
uint32_t rng_below(tsp_rng* rng, uint32_t n);

/* 64-byte aligned, zeroed; aborts when out of memory. */
void* test_alloc(size_t bytes);
void test_free(void* p);

/* Compares got against want, elementwise: |got - want| <= atol + rtol*|want|.
 * Prints the first mismatch with `what` and returns 0 on mismatch, 1 if equal. */
int expect_close(const char* what, const float* got, const float* want, size_t n,
                 float rtol, float atol);

/* Counts a check result; test_summary prints "N passed, N failed" and returns
 * the process exit code. */
void test_record(int ok);
int test_summary(void);

#define EXPECT(cond)                                                        \
  do {                                                                      \
    int ok_ = (cond);                                                       \
    if (!ok_) fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
    test_record(ok_);                                                       \
  } while (0)

#endif /* TFLITE_SPARSE_TEST_UTIL_H_ */
