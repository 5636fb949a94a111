/* NEON FMA peak probe; see peak.h. */
#include <arm_neon.h>

#include "peak.h"

float f32_fma_peak__neon(size_t iterations) {
  const float32x4_t m = vdupq_n_f32(0.999f), c = vdupq_n_f32(0.001f);
  float32x4_t a[TSP_FMA_PEAK_CHAINS];
  for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = vdupq_n_f32((float)k);
  for (size_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = vfmaq_f32(c, a[k], m);
  }
  float32x4_t s = a[0];
  for (int k = 1; k < TSP_FMA_PEAK_CHAINS; ++k) s = vaddq_f32(s, a[k]);
  return vaddvq_f32(s);
}
