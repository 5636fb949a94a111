/* Global average pool over CHW rows: scalar against a double-precision mean,
 * SIMD against scalar, for spatial sizes around the vector widths and row
 * strides (ld) with and without padding. Exact-size input: the last row ends
 * the buffer, so reading its padding would trip ASan. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dispatch.h"
#include "test_util.h"
#include "ukernels.h"

static const tsp_gavgpool_chw_fn kFns[TSP_ISA_COUNT] = {
    [TSP_ISA_SCALAR] = f32_gavgpool_chw__scalar,
#ifdef TSP_TEST_X86
    [TSP_ISA_AVX2] = f32_gavgpool_chw__avx2,
    [TSP_ISA_AVX512] = f32_gavgpool_chw__avx512,
#endif
#ifdef TSP_TEST_NEON
    [TSP_ISA_NEON] = f32_gavgpool_chw__neon,
#endif
};

static void check(size_t spatial, size_t channels, size_t ld, tsp_rng* rng) {
  const size_t n = (channels - 1) * ld + spatial;
  float* in = malloc(n * sizeof(float));
  float* want = malloc(channels * sizeof(float));
  float* ref = malloc(channels * sizeof(float));
  float* got = malloc(channels * sizeof(float));
  if (!in || !want || !ref || !got) abort();
  for (size_t i = 0; i < n; ++i) in[i] = NAN; /* padding columns must not be read */
  for (size_t c = 0; c < channels; ++c) {
    double sum = 0.0;
    for (size_t i = 0; i < spatial; ++i) {
      in[c * ld + i] = rng_uniform(rng, -2.0f, 6.0f);
      sum += in[c * ld + i];
    }
    want[c] = (float)(sum / (double)spatial);
  }
  char what[96];
  kFns[0](spatial, channels, in, ld, ref);
  snprintf(what, sizeof what, "scalar spatial %zu channels %zu ld %zu", spatial, channels, ld);
  expect_close(what, ref, want, channels, 1e-5f, 1e-5f);
  for (int isa = TSP_ISA_SCALAR + 1; isa < TSP_ISA_COUNT; ++isa) {
    if (!tsp_isa_supported((tsp_isa)isa) || !test_isa_has_kernel(isa, (const void*)kFns[isa])) continue;
    for (size_t c = 0; c < channels; ++c) got[c] = NAN;
    kFns[isa](spatial, channels, in, ld, got);
    snprintf(what, sizeof what, "%s spatial %zu channels %zu ld %zu", tsp_isa_name((tsp_isa)isa),
             spatial, channels, ld);
    expect_close(what, got, ref, channels, 1e-5f, 1e-5f);
  }
  free(in);
  free(want);
  free(ref);
  free(got);
}

int main(void) {
  tsp_rng rng;
  rng_seed(&rng, 3);
  for (size_t spatial = 1; spatial <= 140; ++spatial) {
    check(spatial, 1 + spatial % 5, spatial, &rng);
    check(spatial, 3, tsp_chw_ld(spatial), &rng);
  }
  static const size_t planes[] = {49, 196, 784, 3136, 12544};
  for (size_t i = 0; i < 5; ++i) check(planes[i], 64, tsp_chw_ld(planes[i]), &rng);
  check(49, 1280, tsp_chw_ld(49), &rng);
  for (int isa = 0; isa < TSP_ISA_COUNT; ++isa) {
    printf("%s: %s\n", tsp_isa_name((tsp_isa)isa),
           tsp_isa_supported((tsp_isa)isa) ? "tested" : "skipped (not supported)");
  }
  return test_summary();
}
