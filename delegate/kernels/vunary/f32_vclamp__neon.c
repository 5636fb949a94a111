#include "vmath/vmath_neon.h"

#define TSP_VUNARY_FN f32_vclamp__neon
#define TSP_VUNARY_OP vu_identity
#include "vunary/vunary_simd.h"
