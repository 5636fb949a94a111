#include "dwconv/vec_avx512.h"

static inline float v_hsum(tsp_vec v) { return _mm512_reduce_add_ps(v); }

#define TSP_GAP_FN f32_gavgpool_chw__avx512
#include "gavgpool/gavgpool_chw_simd.h"
