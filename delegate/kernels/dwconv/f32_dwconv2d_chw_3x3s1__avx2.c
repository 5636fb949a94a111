#include "dwconv/vec_avx2.h"
#include "kernels.h"

/* The generic template (dwconv_chw_simd.h) under a file-local name serves
 * rows narrower than DWA_MIN_OUT_W and shapes with many edge blocks; the
 * rest take the row kernel of dwconv_3x3_avx2_rows.h. */
#define TSP_DW_K 3
#define TSP_DW_S 1
#define TSP_DW_FN dw_template_3x3s1
static void dw_template_3x3s1(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                               size_t out_w, size_t pad_top, size_t pad_left, const float* input,
                               size_t input_stride, const float* weights, float* output,
                               size_t output_stride, const tsp_minmax* clamp);
#include "dwconv/dwconv_chw_simd.h"
#include "dwconv/dwconv_3x3_avx2_rows.h"

/* TF SAME planes of width [DWF_MIN_W, DWF_MAX_W] take the flat-plane scheme
 * (dwf_s1). Measured on Zen 5 (benchmarks/dwconv_ab.c -DAB_AVX2): flat beats
 * the row kernel at 14 and 28 (0.154 vs 0.262 ms for the five 14x14x512
 * layers) and the template at 7 (0.020 vs 0.030 ms); at 56 the row kernel was
 * as fast or slightly faster (0.098 vs 0.103 ms). */
#ifndef DWF_MAX_W
#define DWF_MAX_W 32
#endif
#ifndef DWF_MIN_W
#define DWF_MIN_W 4
#endif
#ifndef DWA_MIN_OUT_W
#define DWA_MIN_OUT_W 8
#endif

void f32_dwconv2d_chw_3x3s1__avx2(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                   size_t out_w, size_t pad_top, size_t pad_left,
                                   const float* input, size_t input_stride, const float* weights,
                                   float* output, size_t output_stride, const tsp_minmax* clamp) {
  if (out_w == in_w && out_h == in_h && pad_left == 1 && pad_top == 1 && in_w <= DWF_MAX_W &&
      in_w >= DWF_MIN_W) {
    dwf_geom fg;
    if (dwf_init(&fg, in_h, in_w)) {
      dwf_s1(channels, &fg, input, input_stride, weights, output, output_stride, clamp);
      return;
    }
  }
  dwa_geom g;
  if (out_w >= DWA_MIN_OUT_W && dwa_geom_init(&g, in_w, out_w, pad_left)) {
    dwa_s1(channels, in_h, in_w, out_h, out_w, pad_top, &g, input, input_stride, weights, output,
           output_stride, clamp);
    return;
  }
  dw_template_3x3s1(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input, input_stride,
                     weights, output, output_stride, clamp);
}
