#include "vmath/vmath_avx2.h"

#define TSP_VUNARY_FN f32_vhswish__avx2
#define TSP_VUNARY_OP vu_hswish
#include "vunary/vunary_simd.h"
