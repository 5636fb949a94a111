#include <stddef.h>

#include "conv/conv_hwc2chw_pack.h"
#include "ukernels.h"

/* Reference: direct bounds-checked loops over the packed weights. */
static float conv_point(size_t in_h, size_t in_w, ptrdiff_t iy0, ptrdiff_t ix0,
                        const float* input, const float* group, size_t lane) {
  float acc = group[lane];
  for (size_t ky = 0; ky < 3; ++ky) {
    const ptrdiff_t iy = iy0 + (ptrdiff_t)ky;
    if (iy < 0 || iy >= (ptrdiff_t)in_h) continue;
    for (size_t kx = 0; kx < 3; ++kx) {
      const ptrdiff_t ix = ix0 + (ptrdiff_t)kx;
      if (ix < 0 || ix >= (ptrdiff_t)in_w) continue;
      const float* pixel = input + ((size_t)iy * in_w + (size_t)ix) * 3;
      for (size_t ci = 0; ci < 3; ++ci) {
        const size_t t = (ky * 3 + kx) * 3 + ci;
        acc += pixel[ci] * group[(1 + t) * TSP_CONV_HWC2CHW_GROUP + lane];
      }
    }
  }
  return acc;
}

void f32_conv_hwc2chw_3x3s2c3__scalar(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                      size_t pad_top, size_t pad_left, size_t out_channels,
                                      const float* input, const float* packed_weights,
                                      float* output, size_t output_stride,
                                      const tsp_minmax* clamp) {
  for (size_t co = 0; co < out_channels; ++co) {
    const float* group =
        packed_weights + co / TSP_CONV_HWC2CHW_GROUP * TSP_CONV_HWC2CHW_GROUP_FLOATS;
    const size_t lane = co % TSP_CONV_HWC2CHW_GROUP;
    float* plane = output + co * output_stride;
    for (size_t oy = 0; oy < out_h; ++oy) {
      const ptrdiff_t iy0 = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad_top;
      for (size_t ox = 0; ox < out_w; ++ox) {
        const ptrdiff_t ix0 = (ptrdiff_t)(2 * ox) - (ptrdiff_t)pad_left;
        float v = conv_point(in_h, in_w, iy0, ix0, input, group, lane);
        v = v < clamp->min ? clamp->min : v;
        plane[oy * out_w + ox] = v > clamp->max ? clamp->max : v;
      }
    }
  }
}
