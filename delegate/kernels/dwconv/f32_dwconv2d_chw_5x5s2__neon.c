#include "dwconv/vec_neon.h"

#define TSP_DW_K 5
#define TSP_DW_S 2
/* Any shape: the generic template, for what the row kernels decline. */
#define TSP_DW_FN f32_dwconv2d_chw_5x5s2__neon_any
#include "dwconv/dwconv_chw_simd.h"
#undef TSP_DW_FN

#define TSP_DW_FN f32_dwconv2d_chw_5x5s2__neon
#define TSP_DW_FALLBACK f32_dwconv2d_chw_5x5s2__neon_any
#include "dwconv/dwconv_chw_neon_rows.h"
