#include <stddef.h>
#include <stdint.h>

#include "conv/qs8_conv_hwc2chw_pack.h"
#include "qs8_requant.h"
#include "ukernels.h"

/* Reference (semantics: conv/qs8_conv_hwc2chw_pack.h): direct
 * bounds-checked loops over the packed weights; skipped (outside) taps are
 * the padding, which contributes 0. */
static int32_t qs8_conv_point(size_t in_h, size_t in_w, ptrdiff_t iy0, ptrdiff_t ix0,
                              const int8_t* input, const struct tsp_qs8_conv_hwc2chw_weights* w,
                              size_t co) {
  const int32_t zx = w->input_zero_point;
  int32_t sum = 0; /* exact: |sum| <= 27 * 128 * 255 */
  for (size_t ky = 0; ky < 3; ++ky) {
    const ptrdiff_t iy = iy0 + (ptrdiff_t)ky;
    if (iy < 0 || iy >= (ptrdiff_t)in_h) continue;
    for (size_t kx = 0; kx < 3; ++kx) {
      const ptrdiff_t ix = ix0 + (ptrdiff_t)kx;
      if (ix < 0 || ix >= (ptrdiff_t)in_w) continue;
      const int8_t* pixel = input + ((size_t)iy * in_w + (size_t)ix) * 3;
      for (size_t ci = 0; ci < 3; ++ci) {
        sum += tsp_qs8_conv_hwc2chw_tap(w, co, ky, kx * 3 + ci) * ((int32_t)pixel[ci] - zx);
      }
    }
  }
  return (int32_t)((uint32_t)w->bias[co] + (uint32_t)sum); /* wraps */
}

void qs8_conv_hwc2chw_3x3s2c3__scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                      size_t pad_top, size_t pad_left, const int8_t* input,
                                      const struct tsp_qs8_conv_hwc2chw_weights* weights,
                                      int8_t* output, size_t output_stride,
                                      const tsp_qs8_output* out_params) {
  for (size_t co = 0; co < weights->out_channels; ++co) {
    const int32_t mult = weights->multiplier[co], shift = weights->shift[co];
    int8_t* plane = output + co * output_stride;
    for (size_t oy = 0; oy < out_h; ++oy) {
      const ptrdiff_t iy0 = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad_top;
      for (size_t ox = 0; ox < out_w; ++ox) {
        const ptrdiff_t ix0 = (ptrdiff_t)(2 * ox) - (ptrdiff_t)pad_left;
        const int32_t acc = qs8_conv_point(in_h, in_w, iy0, ix0, input, weights, co);
        plane[oy * out_w + ox] = tsp_qs8_requantize_conv(acc, mult, shift, out_params);
      }
    }
  }
}
