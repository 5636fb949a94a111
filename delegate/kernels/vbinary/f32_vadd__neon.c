#include "vmath/vmath_neon.h"

#define TSP_VBINARY_FN f32_vadd__neon
#define TSP_VBINARY_OP v_add
#include "vbinary/vbinary_simd.h"
