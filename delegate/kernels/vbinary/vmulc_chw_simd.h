/* SIMD template of the per-channel scale (squeeze-excitation's MUL):
 * y[c*stride + i] = clamp(x[c*stride + i] * scale[c]) for i < n. The includer
 * includes vmath/vmath_<isa>.h and defines TSP_VMULC_FN. y may alias x. */
#include <stddef.h>

#include "ukernels.h"

void TSP_VMULC_FN(size_t channels, size_t n, const float* x, size_t stride, const float* scale,
                  float* y, const tsp_minmax* clamp) {
  const tsp_vec lo = v_set1(clamp->min), hi = v_set1(clamp->max);
  for (size_t c = 0; c < channels; ++c) {
    const tsp_vec s = v_set1(scale[c]);
    const float* xc = x + c * stride;
    float* yc = y + c * stride;
    size_t i = 0;
    for (; i + TSP_V <= n; i += TSP_V) v_storeu(yc + i, vm_min(hi, vm_max(lo, v_mul(v_loadu(xc + i), s))));
    if (i < n) v_store_n(yc + i, vm_min(hi, vm_max(lo, v_mul(v_load_n(xc + i, n - i), s))), n - i);
  }
}
