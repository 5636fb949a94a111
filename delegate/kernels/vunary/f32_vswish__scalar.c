/* Reference swish: x * sigmoid(x) (LOGISTIC then MUL by its input, fused). */
#include "ukernels.h"
#include "vunary/vunary_scalar.h"

void f32_vswish__scalar(size_t n, const float* x, float* y, const tsp_minmax* clamp) {
  for (size_t i = 0; i < n; ++i) y[i] = tsp_clamp_scalar(x[i] * tsp_sigmoid_scalar(x[i]), clamp);
}
