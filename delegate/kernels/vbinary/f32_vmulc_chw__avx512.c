#include "vmath/vmath_avx512.h"

#define TSP_VMULC_FN f32_vmulc_chw__avx512
#include "vbinary/vmulc_chw_simd.h"
