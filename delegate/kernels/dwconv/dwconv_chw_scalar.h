/* Scalar reference of the CHW depthwise convolution, shared by the four
 * f32_dwconv2d_chw_<k>x<k>s<s>__scalar wrappers. Kernel size and stride are
 * parameters here; the wrappers pass constants, so the compiler specializes.
 * Straight bounds-checked loops: this is the definition the SIMD kernels are
 * tested against, so clarity wins over speed. */
#ifndef TFLITE_SPARSE_DWCONV_CHW_SCALAR_H_
#define TFLITE_SPARSE_DWCONV_CHW_SCALAR_H_

#include <stddef.h>

#include "kernels.h"

static inline float tsp_dw_clamp(float v, const tsp_minmax* clamp) {
  v = v < clamp->min ? clamp->min : v;
  return v > clamp->max ? clamp->max : v;
}

/* One output value: bias plus the taps whose input position is inside the
 * plane. iy0/ix0 are the (possibly negative) input coordinates of tap (0,0). */
static inline float tsp_dw_point(size_t k, size_t in_h, size_t in_w, ptrdiff_t iy0,
                                 ptrdiff_t ix0, const float* input, const float* weights) {
  float acc = weights[0];
  for (size_t ky = 0; ky < k; ++ky) {
    const ptrdiff_t iy = iy0 + (ptrdiff_t)ky;
    if (iy < 0 || iy >= (ptrdiff_t)in_h) continue;
    for (size_t kx = 0; kx < k; ++kx) {
      const ptrdiff_t ix = ix0 + (ptrdiff_t)kx;
      if (ix < 0 || ix >= (ptrdiff_t)in_w) continue;
      acc += input[(size_t)iy * in_w + (size_t)ix] * weights[1 + ky * k + kx];
    }
  }
  return acc;
}

static inline void tsp_dwconv2d_chw_scalar(size_t k, size_t stride, size_t in_h, size_t in_w,
                                           size_t out_h, size_t out_w, size_t pad_top,
                                           size_t pad_left, const float* input,
                                           const float* weights, float* output,
                                           const tsp_minmax* clamp) {
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride) - (ptrdiff_t)pad_top;
    for (size_t ox = 0; ox < out_w; ++ox) {
      const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
      const float acc = tsp_dw_point(k, in_h, in_w, iy0, ix0, input, weights);
      output[oy * out_w + ox] = tsp_dw_clamp(acc, clamp);
    }
  }
}

#endif /* TFLITE_SPARSE_DWCONV_CHW_SCALAR_H_ */
