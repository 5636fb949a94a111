#include "dwconv/vec_avx512.h"
#include "kernels.h"

/* The generic template (dwconv_chw_simd.h) under a file-local name serves the
 * narrow planes; wide rows take the register-tap row kernel. */
#define TSP_DW_K 3
#define TSP_DW_S 2
#define TSP_DW_FN dw_template_3x3s2
static void dw_template_3x3s2(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                               size_t out_w, size_t pad_top, size_t pad_left, const float* input,
                               size_t input_stride, const float* weights, float* output,
                               size_t output_stride, const tsp_minmax* clamp);
#include "dwconv/dwconv_chw_simd.h"
#include "dwconv/dwconv_3x3_avx512_rows.h"

#ifndef DWR_MIN_OUT_W
#define DWR_MIN_OUT_W 14
#endif

void f32_dwconv2d_chw_3x3s2__avx512(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                     size_t out_w, size_t pad_top, size_t pad_left,
                                     const float* input, size_t input_stride,
                                     const float* weights, float* output, size_t output_stride,
                                     const tsp_minmax* clamp) {
  if (out_w >= DWR_MIN_OUT_W) {
    dwr_s2(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input, input_stride, weights,
           output, output_stride, clamp);
    return;
  }
  dw_template_3x3s2(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input, input_stride,
                     weights, output, output_stride, clamp);
}
