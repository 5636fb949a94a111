#include "vmath/vmath_neon.h"

#define TSP_VUNARY_FN f32_vswish__neon
#define TSP_VUNARY_OP vu_swish
#include "vunary/vunary_simd.h"
