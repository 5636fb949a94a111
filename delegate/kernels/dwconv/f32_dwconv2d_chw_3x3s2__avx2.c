#include "dwconv/vec_avx2.h"
#include "kernels.h"

/* The generic template (dwconv_chw_simd.h) under a file-local name serves
 * rows narrower than DWA_MIN_OUT_W and shapes with many edge blocks; the
 * rest take the row kernel of dwconv_3x3_avx2_rows.h. */
#define TSP_DW_K 3
#define TSP_DW_S 2
#define TSP_DW_FN dw_template_3x3s2
static void dw_template_3x3s2(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                               size_t out_w, size_t pad_top, size_t pad_left, const float* input,
                               size_t input_stride, const float* weights, float* output,
                               size_t output_stride, const tsp_minmax* clamp);
#include "dwconv/dwconv_chw_simd.h"
#include "dwconv/dwconv_3x3_avx2_rows.h"

#ifndef DWA_MIN_OUT_W
#define DWA_MIN_OUT_W 8
#endif

void f32_dwconv2d_chw_3x3s2__avx2(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                   size_t out_w, size_t pad_top, size_t pad_left,
                                   const float* input, size_t input_stride, const float* weights,
                                   float* output, size_t output_stride, const tsp_minmax* clamp) {
  dwa_geom g;
  if (out_w >= DWA_MIN_OUT_W && dwa_geom_init(&g, in_w, out_w, pad_left)) {
    dwa_s2(channels, in_h, in_w, out_h, out_w, pad_top, &g, input, input_stride, weights, output,
           output_stride, clamp);
    return;
  }
  dw_template_3x3s2(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input, input_stride,
                     weights, output, output_stride, clamp);
}
