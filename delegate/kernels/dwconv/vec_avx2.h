/* AVX2+FMA vector layer for the CHW spatial kernels: 8 floats per vector.
 * Only included from __avx2.c files (compiled with -mavx2 -mfma). Same names
 * as vec_avx512.h so the templates serve both ISAs. */
#ifndef TFLITE_SPARSE_VEC_AVX2_H_
#define TFLITE_SPARSE_VEC_AVX2_H_

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define TSP_V 8

typedef __m256 tsp_vec;

static inline tsp_vec v_zero(void) { return _mm256_setzero_ps(); }
static inline tsp_vec v_set1(float x) { return _mm256_set1_ps(x); }
static inline tsp_vec v_loadu(const float* p) { return _mm256_loadu_ps(p); }
static inline void v_storeu(float* p, tsp_vec v) { _mm256_storeu_ps(p, v); }
static inline tsp_vec v_fma(tsp_vec a, tsp_vec b, tsp_vec c) { return _mm256_fmadd_ps(a, b, c); }
static inline tsp_vec v_mul(tsp_vec a, tsp_vec b) { return _mm256_mul_ps(a, b); }
static inline tsp_vec v_add(tsp_vec a, tsp_vec b) { return _mm256_add_ps(a, b); }
static inline tsp_vec v_clamp(tsp_vec v, tsp_vec lo, tsp_vec hi) {
  /* x86 max/min return their second operand when either is NaN: v goes
   * second so a NaN stays NaN, as in TFLite and the scalar kernels. */
  return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
}

static inline __m256i vi_iota(void) { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }

static inline __m256i v_mask_n(size_t n) { /* lanes [0, n) all-ones, n <= 8 */
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), vi_iota());
}

/* Loads the first n (1..8) floats of p; other lanes zero, their memory not
 * touched (vmaskmovps suppresses faults on masked lanes). */
static inline tsp_vec v_load_n(const float* p, size_t n) {
  return _mm256_maskload_ps(p, v_mask_n(n));
}
static inline void v_store_n(float* p, tsp_vec v, size_t n) {
  _mm256_maskstore_ps(p, v_mask_n(n), v);
}

/* Moves lanes up by s (1..7): lane l gets v[l - s], lanes below s get 0. */
static inline tsp_vec v_shift_up(tsp_vec v, size_t s) {
  const __m256i shift = _mm256_set1_epi32((int)s);
  const __m256i idx = _mm256_sub_epi32(vi_iota(), shift);
  const __m256i keep = _mm256_cmpgt_epi32(_mm256_add_epi32(vi_iota(), _mm256_set1_epi32(1)), shift);
  return _mm256_and_ps(_mm256_permutevar8x32_ps(v, idx), _mm256_castsi256_ps(keep));
}

/* Splits 16 consecutive floats (a then b) into even and odd positions:
 * shuffle_ps pairs within 128-bit lanes, then one 64-bit permute restores
 * the order across lanes. */
static inline void v_deinterleave(tsp_vec a, tsp_vec b, tsp_vec* even, tsp_vec* odd) {
  const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* ---- lane masks, for the flat-plane scheme ---- */
typedef __m256i tsp_mask; /* all-ones / all-zeros per lane */

static inline tsp_vec v_iota(void) { return _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7); }
static inline tsp_vec v_floor(tsp_vec v) { return _mm256_floor_ps(v); }
static inline tsp_vec v_fnma(tsp_vec a, tsp_vec b, tsp_vec c) { return _mm256_fnmadd_ps(a, b, c); }
static inline tsp_mask v_ge(tsp_vec a, tsp_vec b) {
  return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GE_OQ));
}
static inline tsp_mask v_lt(tsp_vec a, tsp_vec b) {
  return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ));
}
static inline tsp_mask m_and(tsp_mask a, tsp_mask b) { return _mm256_and_si256(a, b); }
static inline tsp_mask m_all(void) { return _mm256_set1_epi32(-1); }
static inline tsp_mask m_first_n(size_t n) { return v_mask_n(n); }
/* Masked load: lanes outside m read as zero and their memory is not accessed
 * (vmaskmovps suppresses faults on masked lanes). */
static inline tsp_vec v_load_m(const float* p, tsp_mask m) { return _mm256_maskload_ps(p, m); }
/* p[0, TSP_V) is readable; lanes outside m become zero. A plain load and an
 * AND: cheaper than vmaskmovps on AMD cores. */
static inline tsp_vec v_load_in_m(const float* p, tsp_mask m) {
  return _mm256_and_ps(_mm256_loadu_ps(p), _mm256_castsi256_ps(m));
}
static inline void v_store_m(float* p, tsp_vec v, tsp_mask m) { _mm256_maskstore_ps(p, m, v); }


/* ---- stride-2 rolling chunks and mask tables ---- */
/* Lanes [lo, hi) of a mask, 0 <= lo < hi <= TSP_V. */
static inline tsp_mask m_range(size_t lo, size_t hi) {
  const __m256i i = vi_iota();
  return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)lo), i),
                             _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), i));
}
/* Mask from a bit set (bit l = lane l). */
static inline tsp_mask m_from_bits(uint32_t bits) {
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), bit), bit);
}
/* Lanes [n, n + TSP_V) of lo followed by hi (n = 1, 2). */
static inline tsp_vec v_alignr1(tsp_vec lo, tsp_vec hi) {
  const __m256 t = _mm256_permute2f128_ps(lo, hi, 0x21);
  return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(t), _mm256_castps_si256(lo), 4));
}
static inline tsp_vec v_alignr2(tsp_vec lo, tsp_vec hi) {
  const __m256 t = _mm256_permute2f128_ps(lo, hi, 0x21);
  return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(t), _mm256_castps_si256(lo), 8));
}

#endif /* TFLITE_SPARSE_VEC_AVX2_H_ */
