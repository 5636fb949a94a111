#include "vmath/vmath_avx512.h"

#define TSP_VUNARY_FN f32_vswish__avx512
#define TSP_VUNARY_OP vu_swish
#include "vunary/vunary_simd.h"
