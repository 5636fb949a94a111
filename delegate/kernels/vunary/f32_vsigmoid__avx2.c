#include "vmath/vmath_avx2.h"

#define TSP_VUNARY_FN f32_vsigmoid__avx2
#define TSP_VUNARY_OP vu_sigmoid
#include "vunary/vunary_simd.h"
