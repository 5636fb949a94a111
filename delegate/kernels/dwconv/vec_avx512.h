/* AVX-512 vector layer for the CHW spatial kernels: 16 floats per vector.
 * Only included from __avx512.c files (compiled with -mavx512f/vl/bw/dq). The
 * templates (dwconv_chw_simd.h) are written against these names, so one
 * template serves both x86 ISAs. */
#ifndef TFLITE_SPARSE_VEC_AVX512_H_
#define TFLITE_SPARSE_VEC_AVX512_H_

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define TSP_V 16

typedef __m512 tsp_vec;

static inline tsp_vec v_zero(void) { return _mm512_setzero_ps(); }
static inline tsp_vec v_set1(float x) { return _mm512_set1_ps(x); }
static inline tsp_vec v_loadu(const float* p) { return _mm512_loadu_ps(p); }
static inline void v_storeu(float* p, tsp_vec v) { _mm512_storeu_ps(p, v); }
static inline tsp_vec v_fma(tsp_vec a, tsp_vec b, tsp_vec c) { return _mm512_fmadd_ps(a, b, c); }
static inline tsp_vec v_mul(tsp_vec a, tsp_vec b) { return _mm512_mul_ps(a, b); }
static inline tsp_vec v_add(tsp_vec a, tsp_vec b) { return _mm512_add_ps(a, b); }
static inline tsp_vec v_clamp(tsp_vec v, tsp_vec lo, tsp_vec hi) {
  /* x86 max/min return their second operand when either is NaN: v goes
   * second so a NaN stays NaN, as in TFLite and the scalar kernels. */
  return _mm512_min_ps(hi, _mm512_max_ps(lo, v));
}

static inline __mmask16 v_mask_n(size_t n) { /* lanes [0, n), n <= 16 */
  return (__mmask16)((1u << n) - 1u);
}

/* Loads the first n (1..16) floats of p; the other lanes are zero and their
 * memory is not touched (masked loads suppress faults). */
static inline tsp_vec v_load_n(const float* p, size_t n) {
  return _mm512_maskz_loadu_ps(v_mask_n(n), p);
}
static inline void v_store_n(float* p, tsp_vec v, size_t n) {
  _mm512_mask_storeu_ps(p, v_mask_n(n), v);
}

/* Moves lanes up by s (1..15): lane l gets v[l - s], lanes below s get 0. */
static inline tsp_vec v_shift_up(tsp_vec v, size_t s) {
  const __m512i idx = _mm512_sub_epi32(
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
      _mm512_set1_epi32((int)s));
  return _mm512_maskz_permutexvar_ps((__mmask16)(0xFFFFu << s), idx, v);
}

/* Splits 32 consecutive floats (a then b) into even and odd positions. */
static inline void v_deinterleave(tsp_vec a, tsp_vec b, tsp_vec* even, tsp_vec* odd) {
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  *even = _mm512_permutex2var_ps(a, ie, b);
  *odd = _mm512_permutex2var_ps(a, io, b);
}

/* ---- lane masks, for the flat-plane scheme ---- */
typedef __mmask16 tsp_mask;

static inline tsp_vec v_iota(void) {
  return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
static inline tsp_vec v_floor(tsp_vec v) {
  return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
static inline tsp_vec v_fnma(tsp_vec a, tsp_vec b, tsp_vec c) { return _mm512_fnmadd_ps(a, b, c); }
/* Lanes where a >= b / a < b. */
static inline tsp_mask v_ge(tsp_vec a, tsp_vec b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
static inline tsp_mask v_lt(tsp_vec a, tsp_vec b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline tsp_mask m_and(tsp_mask a, tsp_mask b) { return (tsp_mask)(a & b); }
static inline tsp_mask m_all(void) { return (tsp_mask)0xFFFF; }
static inline tsp_mask m_first_n(size_t n) { return v_mask_n(n); }
/* Masked load: lanes outside m read as zero and their memory is not accessed
 * (AVX-512 masked loads suppress faults on masked lanes). */
static inline tsp_vec v_load_m(const float* p, tsp_mask m) { return _mm512_maskz_loadu_ps(m, p); }
/* p[0, TSP_V) is readable; lanes outside m become zero. */
static inline tsp_vec v_load_in_m(const float* p, tsp_mask m) { return _mm512_maskz_loadu_ps(m, p); }
static inline void v_store_m(float* p, tsp_vec v, tsp_mask m) { _mm512_mask_storeu_ps(p, m, v); }


/* ---- stride-2 rolling chunks and mask tables ---- */
/* Lanes [lo, hi) of a mask, 0 <= lo < hi <= TSP_V. */
static inline tsp_mask m_range(size_t lo, size_t hi) {
  return (tsp_mask)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}
/* Mask from a bit set (bit l = lane l). */
static inline tsp_mask m_from_bits(uint32_t bits) { return (tsp_mask)bits; }
/* Lanes [n, n + TSP_V) of lo followed by hi (n = 1, 2). */
static inline tsp_vec v_alignr1(tsp_vec lo, tsp_vec hi) {
  return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), 1));
}
static inline tsp_vec v_alignr2(tsp_vec lo, tsp_vec hi) {
  return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), 2));
}

#endif /* TFLITE_SPARSE_VEC_AVX512_H_ */
