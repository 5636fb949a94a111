#include "vmath/vmath_neon.h"

#define TSP_VUNARY_FN f32_vhswish__neon
#define TSP_VUNARY_OP vu_hswish
#include "vunary/vunary_simd.h"
