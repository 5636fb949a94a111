#include "dwconv/vec_neon.h"

static inline float v_hsum(tsp_vec v) { return vaddvq_f32(v); }

#define TSP_GAP_FN f32_gavgpool_chw__neon
#include "gavgpool/gavgpool_chw_simd.h"
