/* AVX-512 int8 requantization, 16 int32 lanes at a time, bit-exact with
 * tsp_qs8_requantize (qs8_requant.h): the zmm port of qs8_requant_avx2.h
 * (same steps, see there for why each is exact), with mask registers where
 * AVX2 needed compare vectors:
 *   - the one high-mul overflow (x == mult == INT32_MIN gives 0x80000000)
 *     becomes INT32_MAX by a masked move, only when `sat` (the row's
 *     multiplier is INT32_MIN);
 *   - RoundingDivideByPOT's + 1 is a masked add.
 * Include only from files compiled with -mavx512f/bw (F and BW suffice). */
#ifndef TFLITE_SPARSE_QS8_REQUANT_AVX512_H_
#define TFLITE_SPARSE_QS8_REQUANT_AVX512_H_

#include <immintrin.h>
#include <stdint.h>

#include "qs8_requant.h"

#ifndef QS8_INLINE
#define QS8_INLINE static inline __attribute__((always_inline))
#endif

typedef struct {
  __m512i mult, left, right, mask, half, lo, hi, zp;
  int ties_up; /* q->ties_up: ruy's rounding of the final shift (qs8_requant.h) */
} qs8z_rq;

QS8_INLINE qs8z_rq qs8z_row_params(int32_t mult, int32_t shift, const tsp_qs8_output* q) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t mask = (int32_t)((INT64_C(1) << right) - 1);
  qs8z_rq p;
  p.mult = _mm512_set1_epi32(mult);
  p.left = _mm512_set1_epi32(left);
  p.right = _mm512_set1_epi32(right);
  p.mask = _mm512_set1_epi32(mask);
  p.half = _mm512_set1_epi32(mask >> 1);
  p.lo = _mm512_set1_epi32(q->min - q->zero_point);
  p.hi = _mm512_set1_epi32(q->max - q->zero_point);
  p.zp = _mm512_set1_epi32(q->zero_point);
  p.ties_up = q->ties_up;
  return p;
}

/* sat / round are per-row constants (see qs8_requant_avx2.h): callers
 * specialize on them once per row. Returns int32 in [min, max]. */
QS8_INLINE __m512i qs8z_requant(__m512i acc, const qs8z_rq* p, const int sat, const int round) {
  /* round without sat means shift < 0: no left shift */
  const __m512i x = round && !sat ? acc : _mm512_sllv_epi32(acc, p->left);
  const __m512i nudge = _mm512_set1_epi64(INT64_C(1) << 30);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, p->mult), nudge);
  const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), p->mult), nudge);
  /* bits 31..62 of each 64-bit product: low dword of even >> 31, high
   * dword of odd << 1 */
  __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
  if (sat) h = _mm512_mask_mov_epi32(h, _mm512_cmpeq_epi32_mask(x, p->mult), _mm512_set1_epi32(INT32_MAX));
  if (round) { /* RoundingDivideByPOT: (h >> e) + (h & mask > (mask >> 1) + (h < 0));
                * ties up: the same without the (h < 0) */
    const __m512i rem = _mm512_and_si512(h, p->mask);
    const __m512i thr = p->ties_up ? p->half : _mm512_sub_epi32(p->half, _mm512_srai_epi32(h, 31));
    const __mmask16 up = _mm512_cmpgt_epi32_mask(rem, thr);
    h = _mm512_srav_epi32(h, p->right);
    h = _mm512_mask_add_epi32(h, up, h, _mm512_set1_epi32(1));
  }
  h = _mm512_min_epi32(_mm512_max_epi32(h, p->lo), p->hi);
  return _mm512_add_epi32(h, p->zp);
}

/* 16 int32 already in [-128, 127] to 16 int8 (truncating vpmovdb is exact). */
QS8_INLINE __m128i qs8z_pack(__m512i y) { return _mm512_cvtepi32_epi8(y); }

#endif /* TFLITE_SPARSE_QS8_REQUANT_AVX512_H_ */
