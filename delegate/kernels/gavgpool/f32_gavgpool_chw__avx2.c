#include "dwconv/vec_avx2.h"

static inline float v_hsum(tsp_vec v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

#define TSP_GAP_FN f32_gavgpool_chw__avx2
#include "gavgpool/gavgpool_chw_simd.h"
