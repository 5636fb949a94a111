#include "vmath/vmath_avx512.h"

#define TSP_VBINARY_FN f32_vmul__avx512
#define TSP_VBINARY_OP v_mul
#include "vbinary/vbinary_simd.h"
