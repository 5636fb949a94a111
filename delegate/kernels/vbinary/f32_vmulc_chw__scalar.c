/* Reference per-channel scale of CHW rows (squeeze-excitation's MUL, or a
 * MUL by a constant). */
#include "ukernels.h"
#include "vunary/vunary_scalar.h"

void f32_vmulc_chw__scalar(size_t channels, size_t n, const float* x, size_t stride,
                           const float* scale, float* y, const tsp_minmax* clamp) {
  for (size_t c = 0; c < channels; ++c)
    for (size_t i = 0; i < n; ++i)
      y[c * stride + i] = tsp_clamp_scalar(x[c * stride + i] * scale[c], clamp);
}
