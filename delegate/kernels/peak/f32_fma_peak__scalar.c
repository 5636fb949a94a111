/* Scalar FMA peak probe; see peak.h. Plain multiply-adds: the compiler may
 * or may not fuse them, which is what the scalar kernels get too. */
#include "peak.h"

float f32_fma_peak__scalar(size_t iterations) {
  float a[TSP_FMA_PEAK_CHAINS];
  for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = (float)k;
  for (size_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) a[k] = a[k] * 0.999f + 0.001f;
  }
  float s = 0.0f;
  for (int k = 0; k < TSP_FMA_PEAK_CHAINS; ++k) s += a[k];
  return s;
}
