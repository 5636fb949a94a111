#include "dwconv/vec_neon.h"

#define TSP_DW_K 3
#define TSP_DW_S 1
#define TSP_DW_FN f32_dwconv2d_chw_3x3s1__neon
#include "dwconv/dwconv_chw_simd.h"
