/* AVX2 math layer for the element-wise kernels (vunary/, vbinary/): the
 * vector layer of dwconv/vec_avx2.h plus NaN-propagating max/min, division,
 * sign select and the exp core. Only included from __avx2.c files. */
#ifndef TFLITE_SPARSE_VMATH_AVX2_H_
#define TFLITE_SPARSE_VMATH_AVX2_H_

#include "dwconv/vec_avx2.h"

/* max/min return their SECOND operand when either is NaN: pass the data
 * last so NaN propagates, as in stock TFLite. */
static inline tsp_vec vm_max(tsp_vec bound, tsp_vec x) { return _mm256_max_ps(bound, x); }
static inline tsp_vec vm_min(tsp_vec bound, tsp_vec x) { return _mm256_min_ps(bound, x); }
static inline tsp_vec vm_sub(tsp_vec a, tsp_vec b) { return _mm256_sub_ps(a, b); }
static inline tsp_vec vm_div(tsp_vec a, tsp_vec b) { return _mm256_div_ps(a, b); }
static inline tsp_vec vm_neg_abs(tsp_vec x) { return _mm256_or_ps(x, _mm256_set1_ps(-0.0f)); }
/* Lanes where x has its sign bit set take neg, the others pos. */
static inline tsp_vec vm_select_sign(tsp_vec x, tsp_vec neg, tsp_vec pos) {
  return _mm256_blendv_ps(pos, neg, x);
}
static inline tsp_vec vm_round(tsp_vec x) {
  return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* 2^n for integral n in [-126, 127], built in the exponent bits. */
static inline tsp_vec vm_exp2i(tsp_vec n) {
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_castsi256_ps(bits);
}

/* Lanes where z < cutoff become 0 (NaN lanes are kept). */
static inline tsp_vec vm_zero_below(tsp_vec z, float cutoff, tsp_vec v) {
  return _mm256_andnot_ps(_mm256_cmp_ps(z, _mm256_set1_ps(cutoff), _CMP_LT_OQ), v);
}

#endif /* TFLITE_SPARSE_VMATH_AVX2_H_ */
