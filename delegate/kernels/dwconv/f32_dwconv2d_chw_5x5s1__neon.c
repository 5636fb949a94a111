#include "dwconv/vec_neon.h"

#define TSP_DW_K 5
#define TSP_DW_S 1
#define TSP_DW_FN f32_dwconv2d_chw_5x5s1__neon
#include "dwconv/dwconv_chw_simd.h"
