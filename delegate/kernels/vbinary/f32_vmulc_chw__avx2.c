#include "vmath/vmath_avx2.h"

#define TSP_VMULC_FN f32_vmulc_chw__avx2
#include "vbinary/vmulc_chw_simd.h"
