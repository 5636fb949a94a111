/* AVX2 FMA peak probe; see peak.h. */
#include <immintrin.h>

#include "peak.h"

float f32_fma_peak__avx2(size_t iterations) {
  /* a = a * m + c stays bounded (|m| < 1) and never denormal. */
  const __m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.001f);
  __m256 a[TSP_FMA_PEAK_CHAINS];
  for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = _mm256_set1_ps((float)k);
  for (size_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = _mm256_fmadd_ps(a[k], m, c);
  }
  __m256 s = a[0];
  for (int k = 1; k < TSP_FMA_PEAK_CHAINS; ++k) s = _mm256_add_ps(s, a[k]);
  return _mm256_cvtss_f32(s);
}
