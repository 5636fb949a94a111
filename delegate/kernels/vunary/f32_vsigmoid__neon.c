#include "vmath/vmath_neon.h"

#define TSP_VUNARY_FN f32_vsigmoid__neon
#define TSP_VUNARY_OP vu_sigmoid
#include "vunary/vunary_simd.h"
