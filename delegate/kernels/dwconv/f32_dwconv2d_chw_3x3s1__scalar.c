#include "dwconv/dwconv_chw_scalar.h"
#include "ukernels.h"

void f32_dwconv2d_chw_3x3s1__scalar(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                    size_t out_w, size_t pad_top, size_t pad_left,
                                    const float* input, size_t input_stride,
                                    const float* weights, float* output, size_t output_stride,
                                    const tsp_minmax* clamp) {
  for (size_t c = 0; c < channels; ++c) {
    tsp_dwconv2d_chw_scalar(3, 1, in_h, in_w, out_h, out_w, pad_top, pad_left,
                            input + c * input_stride, weights + c * 10,
                            output + c * output_stride, clamp);
  }
}
