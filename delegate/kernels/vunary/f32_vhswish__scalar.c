/* Reference hard swish: x * relu6(x + 3) / 6. */
#include "ukernels.h"
#include "vunary/vunary_scalar.h"

/* fminf/fmaxf would drop a NaN: the comparisons of tsp_clamp_scalar keep it. */
static inline float hswish(float x) {
  const tsp_minmax relu6 = {0.0f, 6.0f};
  return x * tsp_clamp_scalar(x + 3.0f, &relu6) * (1.0f / 6.0f);
}

void f32_vhswish__scalar(size_t n, const float* x, float* y, const tsp_minmax* clamp) {
  for (size_t i = 0; i < n; ++i) y[i] = tsp_clamp_scalar(hswish(x[i]), clamp);
}
