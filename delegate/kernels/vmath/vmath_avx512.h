/* AVX-512 math layer for the element-wise kernels (vunary/, vbinary/): the
 * vector layer of dwconv/vec_avx512.h plus NaN-propagating max/min,
 * division, sign select and the exp core. Only included from __avx512.c. */
#ifndef TFLITE_SPARSE_VMATH_AVX512_H_
#define TFLITE_SPARSE_VMATH_AVX512_H_

#include "dwconv/vec_avx512.h"

/* max/min return their SECOND operand when either is NaN: pass the data
 * last so NaN propagates, as in stock TFLite. */
static inline tsp_vec vm_max(tsp_vec bound, tsp_vec x) { return _mm512_max_ps(bound, x); }
static inline tsp_vec vm_min(tsp_vec bound, tsp_vec x) { return _mm512_min_ps(bound, x); }
static inline tsp_vec vm_sub(tsp_vec a, tsp_vec b) { return _mm512_sub_ps(a, b); }
static inline tsp_vec vm_div(tsp_vec a, tsp_vec b) { return _mm512_div_ps(a, b); }
static inline tsp_vec vm_neg_abs(tsp_vec x) {
  return _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
}
/* Lanes where x has its sign bit set take neg, the others pos. */
static inline tsp_vec vm_select_sign(tsp_vec x, tsp_vec neg, tsp_vec pos) {
  return _mm512_mask_blend_ps(_mm512_movepi32_mask(_mm512_castps_si512(x)), pos, neg);
}
static inline tsp_vec vm_round(tsp_vec x) {
  return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* 2^n for integral n in [-126, 127], built in the exponent bits. */
static inline tsp_vec vm_exp2i(tsp_vec n) {
  const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_castsi512_ps(bits);
}

/* Lanes where z < cutoff become 0 (NaN lanes are kept). */
static inline tsp_vec vm_zero_below(tsp_vec z, float cutoff, tsp_vec v) {
  return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, _mm512_set1_ps(cutoff), _CMP_NLT_UQ), v);
}

#endif /* TFLITE_SPARSE_VMATH_AVX512_H_ */
