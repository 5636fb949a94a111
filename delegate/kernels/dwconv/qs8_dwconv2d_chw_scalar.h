/* Scalar reference of the int8 (QS8) CHW depthwise k x k convolution
 * (k = 3, 5), shared by qs8_dwconv2d_chw_{3x3,5x5}s{1,2}__scalar and used
 * by the AVX2 kernels for their edge columns. TFLite's int8
 * DEPTHWISE_CONV_2D, depth_multiplier 1, per-channel weights (zero point 0):
 *   acc = bias[c] + sum_taps w[c][ky*k+kx] * (x[iy][ix] - zx)
 * where a tap outside the plane counts as x = zx (contributes 0), then
 *   out = clamp(zy + MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]),
 *               act_min, act_max)   (qs8_requant.h).
 * The tap sum cannot overflow int32 (25 * 128 * 255); the bias add wraps
 * modulo 2^32 like the SpMM kernels' (qs8_spmm.h), so the SIMD kernels'
 * vpaddd agree bit for bit.
 *
 * Layout as the f32 kernels: a channel's input plane is in_h rows of in_w
 * int8, contiguous; planes input_stride bytes apart; output planes out_h x
 * out_w contiguous, output_stride bytes apart. Reads only inside each
 * plane, writes exactly out_h * out_w bytes per channel. */
#ifndef TFLITE_SPARSE_QS8_DWCONV2D_CHW_SCALAR_H_
#define TFLITE_SPARSE_QS8_DWCONV2D_CHW_SCALAR_H_

#include <stddef.h>
#include <stdint.h>

#include "qs8_requant.h"

/* The accumulator of one output of a k x k window: iy0/ix0 are the
 * (possibly negative) input coordinates of tap (0, 0). */
static inline int32_t tsp_qs8_dwkxk_point(const ptrdiff_t k, size_t in_h, size_t in_w,
                                          ptrdiff_t iy0, ptrdiff_t ix0, const int8_t* plane,
                                          const int8_t* w, int32_t bias, int32_t zx) {
  int32_t sum = 0;
  for (ptrdiff_t ky = 0; ky < k; ++ky) {
    const ptrdiff_t iy = iy0 + ky;
    if (iy < 0 || iy >= (ptrdiff_t)in_h) continue;
    for (ptrdiff_t kx = 0; kx < k; ++kx) {
      const ptrdiff_t ix = ix0 + kx;
      if (ix < 0 || ix >= (ptrdiff_t)in_w) continue;
      sum += (int32_t)w[ky * k + kx] * ((int32_t)plane[(size_t)iy * in_w + (size_t)ix] - zx);
    }
  }
  return (int32_t)((uint32_t)bias + (uint32_t)sum); /* wraps */
}

static inline int32_t tsp_qs8_dw3x3_point(size_t in_h, size_t in_w, ptrdiff_t iy0, ptrdiff_t ix0,
                                          const int8_t* plane, const int8_t* w, int32_t bias,
                                          int32_t zx) {
  return tsp_qs8_dwkxk_point(3, in_h, in_w, iy0, ix0, plane, w, bias, zx);
}

static inline int32_t tsp_qs8_dw5x5_point(size_t in_h, size_t in_w, ptrdiff_t iy0, ptrdiff_t ix0,
                                          const int8_t* plane, const int8_t* w, int32_t bias,
                                          int32_t zx) {
  return tsp_qs8_dwkxk_point(5, in_h, in_w, iy0, ix0, plane, w, bias, zx);
}

/* k x k window (k = 3 or 5, a constant at every call), k * k taps per
 * channel at weights + c * k * k. */
static inline void tsp_qs8_dwconv2d_chw_kxk_scalar(
    const size_t k, size_t stride, size_t channels, size_t in_h, size_t in_w, size_t out_h,
    size_t out_w, size_t pad_top, size_t pad_left, const int8_t* input, size_t input_stride,
    const int8_t* weights, const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
    int32_t input_zero_point, const tsp_qs8_output* q, int8_t* output, size_t output_stride) {
  for (size_t c = 0; c < channels; ++c) {
    const int8_t* plane = input + c * input_stride;
    const int8_t* w = weights + c * k * k;
    int8_t* out = output + c * output_stride;
    for (size_t oy = 0; oy < out_h; ++oy) {
      const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride) - (ptrdiff_t)pad_top;
      for (size_t ox = 0; ox < out_w; ++ox) {
        const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
        const int32_t acc = tsp_qs8_dwkxk_point((ptrdiff_t)k, in_h, in_w, iy0, ix0, plane, w,
                                                bias[c], input_zero_point);
        out[oy * out_w + ox] = tsp_qs8_requantize(acc, multiplier[c], shift[c], q);
      }
    }
  }
}

static inline void tsp_qs8_dwconv2d_chw_3x3_scalar(
    size_t stride, size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
    size_t pad_top, size_t pad_left, const int8_t* input, size_t input_stride,
    const int8_t* weights, const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
    int32_t input_zero_point, const tsp_qs8_output* q, int8_t* output, size_t output_stride) {
  tsp_qs8_dwconv2d_chw_kxk_scalar(3, stride, channels, in_h, in_w, out_h, out_w, pad_top,
                                  pad_left, input, input_stride, weights, bias, multiplier, shift,
                                  input_zero_point, q, output, output_stride);
}

#endif /* TFLITE_SPARSE_QS8_DWCONV2D_CHW_SCALAR_H_ */
