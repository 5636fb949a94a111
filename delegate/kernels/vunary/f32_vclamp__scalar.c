/* Reference clamp (standalone RELU, RELU6, RELU_N1_TO_1). */
#include "ukernels.h"
#include "vunary/vunary_scalar.h"

void f32_vclamp__scalar(size_t n, const float* x, float* y, const tsp_minmax* clamp) {
  for (size_t i = 0; i < n; ++i) y[i] = tsp_clamp_scalar(x[i], clamp);
}
