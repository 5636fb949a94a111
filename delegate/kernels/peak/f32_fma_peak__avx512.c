/* AVX-512 FMA peak probe; see peak.h. */
#include <immintrin.h>

#include "peak.h"

float f32_fma_peak__avx512(size_t iterations) {
  const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.001f);
  __m512 a[TSP_FMA_PEAK_CHAINS];
  for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = _mm512_set1_ps((float)k);
  for (size_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = _mm512_fmadd_ps(a[k], m, c);
  }
  __m512 s = a[0];
  for (int k = 1; k < TSP_FMA_PEAK_CHAINS; ++k) s = _mm512_add_ps(s, a[k]);
  return _mm512_reduce_add_ps(s);
}
