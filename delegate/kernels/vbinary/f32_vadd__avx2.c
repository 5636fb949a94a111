#include "vmath/vmath_avx2.h"

#define TSP_VBINARY_FN f32_vadd__avx2
#define TSP_VBINARY_OP v_add
#include "vbinary/vbinary_simd.h"
