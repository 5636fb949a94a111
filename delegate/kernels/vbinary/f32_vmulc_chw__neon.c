#include "vmath/vmath_neon.h"

#define TSP_VMULC_FN f32_vmulc_chw__neon
#include "vbinary/vmulc_chw_simd.h"
