#include "dwconv/qs8_dwconv2d_chw_3x3_avx512vnni.h"
#include "ukernels.h"

/* target: the header's inline functions use vpermb (see its VBMI note). */
__attribute__((target("avx512vbmi"))) void qs8_dwconv2d_chw_3x3s2__avx512vnni(
    size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
    size_t pad_left, const int8_t* input, size_t input_stride, const int8_t* weights,
    const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
    int32_t input_zero_point, const tsp_qs8_output* out_params, int8_t* output,
    size_t output_stride) {
  qs8v_dwconv2d_chw_3x3(2, channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input,
                        input_stride, weights, bias, multiplier, shift, input_zero_point,
                        out_params, output, output_stride);
}
