#include "vmath/vmath_avx2.h"

#define TSP_VBINARY_FN f32_vmul__avx2
#define TSP_VBINARY_OP v_mul
#include "vbinary/vbinary_simd.h"
