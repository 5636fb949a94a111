#include "vmath/vmath_avx512.h"

#define TSP_VUNARY_FN f32_vhswish__avx512
#define TSP_VUNARY_OP vu_hswish
#include "vunary/vunary_simd.h"
