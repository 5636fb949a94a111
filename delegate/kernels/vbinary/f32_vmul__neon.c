#include "vmath/vmath_neon.h"

#define TSP_VBINARY_FN f32_vmul__neon
#define TSP_VBINARY_OP v_mul
#include "vbinary/vbinary_simd.h"
