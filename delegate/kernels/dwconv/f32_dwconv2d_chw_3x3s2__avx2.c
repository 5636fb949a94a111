#include "dwconv/vec_avx2.h"

#define TSP_DW_K 3
#define TSP_DW_S 2
#define TSP_DW_FN f32_dwconv2d_chw_3x3s2__avx2
#include "dwconv/dwconv_chw_simd.h"
