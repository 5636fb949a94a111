#include "dwconv/vec_avx512.h"

#define TSP_DW_K 3
#define TSP_DW_S 1
#define TSP_DW_FN f32_dwconv2d_chw_3x3s1__avx512
#include "dwconv/dwconv_chw_simd.h"
