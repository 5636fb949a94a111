/* AVX2 int8 requantization, 8 int32 lanes at a time, bit-exact with
 * tsp_qs8_requantize (qs8_requant.h); shared by the AVX2 QS8 kernels
 * (SpMM template, depthwise). Include only from files compiled with -mavx2.
 *
 * Per output channel, qs8_row_params builds the broadcast constants once;
 * qs8_requant then does, per vector of 8 accumulators:
 *   - left shift: vpsllvd (wraps like the scalar);
 *   - SaturatingRoundingDoublingHighMul: gemmlowp's (ab + nudge) / 2^31 with
 *     truncating division equals floor((ab + 2^30) / 2^31) for every ab (for
 *     ab < 0 the nudge 1 - 2^30 and the truncation toward zero add up to
 *     +2^30 then floor). vpmuldq on even and odd lanes, + 2^30 as 64-bit,
 *     bits 31..62 picked by a 64-bit shift and a dword blend; the one
 *     overflow (a == b == INT32_MIN, giving 0x80000000) is flipped to
 *     INT32_MAX by an xor with its mask, only in rows whose multiplier is
 *     INT32_MIN (never produced by QuantizeMultiplier);
 *   - RoundingDivideByPOT: (x >> e) + (x & mask > (mask >> 1) + (x < 0));
 *   - clamp to [min - zy, max - zy], then + zy, then pack to int8: exact,
 *     with no int32 overflow in the zero-point add. */
#ifndef TFLITE_SPARSE_QS8_REQUANT_AVX2_H_
#define TFLITE_SPARSE_QS8_REQUANT_AVX2_H_

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qs8_requant.h"

#ifndef QS8_INLINE
#define QS8_INLINE static inline __attribute__((always_inline))
#endif

/* ---- requantization of one vector for one row ---- */
typedef struct {
  __m256i mult, left, right, right_m1, round_bit, mask, half, lo, hi, zp;
} qs8_rq;

QS8_INLINE qs8_rq qs8_row_params(int32_t mult, int32_t shift, const tsp_qs8_output* q) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t mask = (int32_t)((INT64_C(1) << right) - 1);
  qs8_rq p;
  p.mult = _mm256_set1_epi32(mult);
  p.left = _mm256_set1_epi32(left);
  p.right = _mm256_set1_epi32(right);
  p.right_m1 = _mm256_set1_epi32(right > 0 ? right - 1 : 0);
  p.round_bit = _mm256_set1_epi32(right > 0 ? 1 : 0); /* callers may round with right == 0 */
  p.mask = _mm256_set1_epi32(mask);
  p.half = _mm256_set1_epi32(mask >> 1);
  p.lo = _mm256_set1_epi32(q->min - q->zero_point);
  p.hi = _mm256_set1_epi32(q->max - q->zero_point);
  p.zp = _mm256_set1_epi32(q->zero_point);
  return p;
}

/* sat: the row's multiplier is INT32_MIN (the only one with which the
 * high-mul can overflow); round: its right shift is non-zero. Both are
 * per-row constants, so the callers branch once per row, not per vector. */
/* acc * 2^left (wrapping), then SaturatingRoundingDoublingHighMul. */
QS8_INLINE __m256i qs8_high_mul(__m256i acc, const qs8_rq* p, const int sat) {
  const __m256i x = _mm256_sllv_epi32(acc, p->left);
  const __m256i nudge = _mm256_set1_epi64x(INT64_C(1) << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, p->mult), nudge);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), p->mult), nudge);
  __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
  if (sat) h = _mm256_xor_si256(h, _mm256_cmpeq_epi32(x, p->mult));
  return h;
}

QS8_INLINE __m256i qs8_clamp_zp(__m256i h, const qs8_rq* p) {
  h = _mm256_min_epi32(_mm256_max_epi32(h, p->lo), p->hi);
  return _mm256_add_epi32(h, p->zp);
}

/* tsp_qs8_requantize (gemmlowp's rounding: the depthwise conv). */
QS8_INLINE __m256i qs8_requant(__m256i acc, const qs8_rq* p, const int sat, const int round) {
  __m256i h = qs8_high_mul(acc, p, sat);
  if (round) { /* RoundingDivideByPOT */
    const __m256i rem = _mm256_and_si256(h, p->mask);
    const __m256i thr = _mm256_sub_epi32(p->half, _mm256_cmpgt_epi32(_mm256_setzero_si256(), h));
    h = _mm256_sub_epi32(_mm256_srav_epi32(h, p->right), _mm256_cmpgt_epi32(rem, thr));
  }
  return qs8_clamp_zp(h, p);
}

/* tsp_qs8_requantize_conv (ruy's rounding: CONV_2D). */
QS8_INLINE __m256i qs8_requant_conv(__m256i acc, const qs8_rq* p, const int sat, const int round) {
  __m256i h = qs8_high_mul(acc, p, sat);
  if (round) { /* floor(h / 2^right) + bit right - 1 of h: ties up */
    const __m256i bit = _mm256_and_si256(_mm256_srav_epi32(h, p->right_m1), p->round_bit);
    h = _mm256_add_epi32(_mm256_srav_epi32(h, p->right), bit);
  }
  return qs8_clamp_zp(h, p);
}

/* 8 int32 in [-128, 127] to 8 int8; tail (1..7) stores only that many. */
QS8_INLINE void qs8_store8(int8_t* o, __m256i y, size_t tail) {
  const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
  const __m128i b8 = _mm_packs_epi16(w16, w16);
  if (tail) {
    const int64_t bytes = _mm_cvtsi128_si64(b8);
    memcpy(o, &bytes, tail);
  } else {
    _mm_storel_epi64((__m128i*)o, b8);
  }
}

#endif /* TFLITE_SPARSE_QS8_REQUANT_AVX2_H_ */
