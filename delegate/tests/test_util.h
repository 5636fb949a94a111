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
/* malloc of exactly `bytes` (no rounding, so ASan sees the true end);
 * aborts when out of memory. Free with free(). */
void* test_exact_alloc(size_t bytes);

/* Any int32, and int8 values biased to the extremes a quarter of the time. */
int32_t rng_i32(tsp_rng* rng);
int8_t rng_i8(tsp_rng* rng);

/* Compares got against want, elementwise: |got - want| <= atol + rtol*|want|;
 * a NaN in want must be NaN in got, an infinity the same infinity.
 * Prints the first mismatch with `what` and returns 0 on mismatch, 1 if equal. */
int expect_close(const char* what, const float* got, const float* want, size_t n,
                 float rtol, float atol);

/* Counts a check result; test_summary prints "N passed, N failed" and returns
 * the process exit code. */
void test_record(int ok);
int test_summary(void);

/* Which SIMD kernels this build links: the x86 ones (AVX2, AVX-512) or the
 * NEON ones (AArch64). Tables indexed by tsp_isa leave the others NULL. */
#if defined(__x86_64__) || defined(_M_X64)
#define TSP_TEST_X86 1
#endif
#if defined(__aarch64__)
#define TSP_TEST_NEON 1
#endif

/* Whether an ISA the CPU supports has a kernel in a per-ISA table entry;
 * records a failure (every supported ISA must be tested) when it does not. */
int test_isa_has_kernel(int isa, const void* fn);

#define EXPECT(cond)                                                        \
  do {                                                                      \
    int ok_ = (cond);                                                       \
    if (!ok_) fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
    test_record(ok_);                                                       \
  } while (0)

#endif /* TFLITE_SPARSE_TEST_UTIL_H_ */
