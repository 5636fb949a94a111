#include "vmath/vmath_avx512.h"

#define TSP_VUNARY_FN f32_vclamp__avx512
#define TSP_VUNARY_OP vu_identity
#include "vunary/vunary_simd.h"
