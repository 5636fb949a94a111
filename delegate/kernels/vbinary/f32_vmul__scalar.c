/* Reference element-wise multiply with a fused activation. */
#include "ukernels.h"
#include "vunary/vunary_scalar.h"

void f32_vmul__scalar(size_t n, const float* a, const float* b, float* y, const tsp_minmax* clamp) {
  for (size_t i = 0; i < n; ++i) y[i] = tsp_clamp_scalar(a[i] * b[i], clamp);
}
