/* AVX-512 int8 requantization, 16 int32 lanes at a time, bit-exact with
 * qs8_requant.h. Include only from files compiled with -mavx512f -mavx512bw
 * (and -mavx512vl for the masked 256-bit stores).
 *
 * Two parts:
 *   1. qs8z_*: tsp_qs8_requantize (the depthwise conv: gemmlowp's rounding,
 *      or ruy's when q->ties_up), the zmm port of qs8_requant_avx2.h (same
 *      steps, see there for why each is exact), with mask registers where
 *      AVX2 needed compare vectors: the one high-mul overflow (x == mult ==
 *      INT32_MIN gives 0x80000000) becomes INT32_MAX by a masked move, only
 *      when `sat` (the row's multiplier is INT32_MIN); RoundingDivideByPOT's
 *      + 1 is a masked add.
 *   2. qs8_*512: tsp_qs8_requantize_conv (the SpMM: ruy's rounding, TFLite's
 *      int8 CONV_2D), also the first conv's; the SpMM uses it only for rows
 *      part 3 cannot take. Per vector of 16 accumulators, qs8_requant_conv512:
 *      left shift by vpsllvd (wraps like the scalar); the high-mul as
 *      floor((ab + 2^30) / 2^31) by vpmuldq on even and odd lanes, bits 31..62
 *      picked by 64-bit shifts and a masked dword blend, the overflow fixed
 *      under a compare mask only in rows whose multiplier is INT32_MIN; ruy's
 *      right shift, floor(x / 2^e) + bit e - 1 of x. The clamp, zero point and
 *      narrowing to int8 are done on two vectors at once after vpackssdw
 *      (qs8_pack_clamp512): int16 saturation is monotone and the clamp bounds
 *      min - zy, max - zy lie in [-255, 255], so saturating to int16 first
 *      and clamping after gives the same value as clamping the int32; the
 *      zero-point add then stays in [min, max] (no int16 wrap).
 *   3. qs8_*fast512: the same function with one rounding (see there), 8
 *      vector ops per 16 outputs instead of 12. */
#ifndef TFLITE_SPARSE_QS8_REQUANT_AVX512_H_
#define TFLITE_SPARSE_QS8_REQUANT_AVX512_H_

#include <immintrin.h>
#include <stddef.h>
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

/* ---- 2. the SpMM (ruy rounding) ---- */


/* Broadcast constants of one output channel. */
typedef struct {
  __m512i mult, left, right, right_m1, round_bit;
  __m512i lo, hi, zp; /* int16 lanes: min - zy, max - zy, zy */
} qs8_rq512;

QS8_INLINE qs8_rq512 qs8_row_params512(int32_t mult, int32_t shift, const tsp_qs8_output* q) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  qs8_rq512 p;
  p.mult = _mm512_set1_epi32(mult);
  p.left = _mm512_set1_epi32(left);
  p.right = _mm512_set1_epi32(right);
  p.right_m1 = _mm512_set1_epi32(right > 0 ? right - 1 : 0);
  p.round_bit = _mm512_set1_epi32(right > 0 ? 1 : 0); /* callers may round with right == 0 */
  p.lo = _mm512_set1_epi16((int16_t)(q->min - q->zero_point));
  p.hi = _mm512_set1_epi16((int16_t)(q->max - q->zero_point));
  p.zp = _mm512_set1_epi16((int16_t)q->zero_point);
  return p;
}

/* acc * 2^left (wrapping), then SaturatingRoundingDoublingHighMul.
 * sat: the row's multiplier is INT32_MIN; left: the row's shift is > 0.
 * Both are per-row constants, so callers branch per row, not per vector. */
QS8_INLINE __m512i qs8_high_mul512(__m512i acc, const qs8_rq512* p, const int sat,
                                   const int left) {
  const __m512i x = left ? _mm512_sllv_epi32(acc, p->left) : acc;
  const __m512i nudge = _mm512_set1_epi64(INT64_C(1) << 30);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, p->mult), nudge);
  const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), p->mult), nudge);
  __m512i h = _mm512_mask_blend_epi32((__mmask16)0xAAAA, _mm512_srli_epi64(even, 31),
                                      _mm512_slli_epi64(odd, 1));
  if (sat) {
    h = _mm512_mask_mov_epi32(h, _mm512_cmpeq_epi32_mask(x, p->mult), _mm512_set1_epi32(INT32_MAX));
  }
  return h;
}

/* tsp_qs8_mbqm_conv of 16 lanes (no zero point, no clamp); round: the
 * row's shift is < 0. */
QS8_INLINE __m512i qs8_requant_conv512(__m512i acc, const qs8_rq512* p, const int sat,
                                       const int left, const int round) {
  __m512i h = qs8_high_mul512(acc, p, sat, left);
  if (round) { /* floor(h / 2^right) + bit right - 1 of h: ties up */
    const __m512i bit = _mm512_and_si512(_mm512_srav_epi32(h, p->right_m1), p->round_bit);
    h = _mm512_add_epi32(_mm512_srav_epi32(h, p->right), bit);
  }
  return h;
}

/* Two requantized vectors a, b to int16 (vpackssdw interleaves their
 * 128-bit lanes: a0 b0 a1 b1 ...), clamped and offset by zy. */
QS8_INLINE __m512i qs8_pack_clamp512(__m512i a, __m512i b, const qs8_rq512* p) {
  __m512i w = _mm512_packs_epi32(a, b);
  w = _mm512_min_epi16(_mm512_max_epi16(w, p->lo), p->hi);
  return _mm512_add_epi16(w, p->zp);
}


/* ---- 3. the SpMM, one rounding (ruy rounding, zero point folded in) ----
 * With ruy's ties-up final shift, the two roundings of
 * tsp_qs8_mbqm_conv collapse into one: for R = right > 0,
 *   floor((floor((a M + 2^30) / 2^31) + 2^(R-1)) / 2^R)
 *     = floor((a M + 2^30 + 2^(30+R)) / 2^(31+R))
 * (floor(floor(y) + k) = floor(y + k) for integer k, and
 * floor(floor(z) / c) = floor(z / c) for integer c > 0), and for R = 0 it is
 * the high-mul alone; adding zy * 2^(31+R) to the same nudge adds the zero
 * point exactly. So each 64-bit product needs one add and one arithmetic
 * shift (vpsraq), no 32-bit rounding steps: 8 vector ops per 16 outputs
 * instead of 12, plus the zero-point add saved after packing. Valid when
 * M != INT32_MIN (SRDHM's one overflow, a == M == INT32_MIN, cannot happen)
 * and R <= 23: |a M| <= 2^62 and (|zy| + 1) * 2^(31+R) <= 129 * 2^54 < 2^62,
 * so the 64-bit sum never wraps (the exact limit is R = 24; from R = 25 on
 * it can, which test_qs8_spmm's one-rounding test catches); other rows
 * (multipliers below 2^-24 in practice) take part 2. With R > 0 the
 * result is below 2^30 in magnitude, so zy fits in too; with R = 0 (shift
 * >= 0) the high-mul alone may reach +-2^31, so zy is left out of the nudge
 * and added after vpackssdw with int16 saturation (vpaddsw: a saturated
 * value plus zy stays outside [min, max], so the clamp still sees the
 * right side). */
typedef struct {
  __m512i mult;  /* int32 M in every dword (vpmuldq reads the even ones) */
  __m512i left;  /* shift > 0: the left shift, else 0 */
  __m512i nudge; /* int64: 2^30, or 2^30 + 2^(30+R) + zy * 2^(31+R) when R > 0 */
  __m128i sh_even, sh_odd; /* 31 + R, and R - 1 (R > 0 only) */
} qs8_rqf512;

/* Whether a row can take qs8_requant_fast512. */
QS8_INLINE int qs8_fast_row512(int32_t mult, int32_t shift) {
  return mult != INT32_MIN && shift >= -23;
}

QS8_INLINE qs8_rqf512 qs8_fast_params512(int32_t mult, int32_t shift, int32_t zero_point) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t s = 31 + right;
  const int64_t nudge =
      (INT64_C(1) << 30) +
      (right > 0 ? (INT64_C(1) << (30 + right)) + (int64_t)((uint64_t)(int64_t)zero_point << s)
                 : 0);
  qs8_rqf512 p;
  p.mult = _mm512_set1_epi32(mult);
  p.left = _mm512_set1_epi32(left);
  p.nudge = _mm512_set1_epi64(nudge);
  p.sh_even = _mm_cvtsi32_si128((int)s);
  p.sh_odd = _mm_cvtsi32_si128(right > 0 ? right - 1 : 0);
  return p;
}

/* (zy if right) + tsp_qs8_mbqm_conv of 16 lanes, not clamped. right: the row's shift
 * is < 0 (else it is >= 0: left shift by vpsllvd, R = 0). The odd lanes'
 * results go straight to the high dwords: bits 31+R .. 62+R of the sum are
 * the sum >> (R - 1)'s high dword (R > 0) or << 1's (R = 0). */
QS8_INLINE __m512i qs8_requant_fast512(__m512i acc, const qs8_rqf512* p, const int right) {
  const __m512i x = right ? acc : _mm512_sllv_epi32(acc, p->left);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, p->mult), p->nudge);
  const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), p->mult), p->nudge);
  const __m512i e = _mm512_sra_epi64(even, p->sh_even);
  const __m512i o = right ? _mm512_sra_epi64(odd, p->sh_odd) : _mm512_slli_epi64(odd, 1);
  return _mm512_mask_blend_epi32((__mmask16)0xAAAA, e, o);
}

/* Clamp bounds as int8 lanes, for the results of qs8_requant_fast512. */
typedef struct {
  __m512i lo, hi; /* act_min, act_max in every byte */
  __m512i zp;     /* zy in every int16, for rows with shift >= 0 */
} qs8_clamp512;

QS8_INLINE qs8_clamp512 qs8_clamp_params512(const tsp_qs8_output* q) {
  qs8_clamp512 c;
  c.lo = _mm512_set1_epi8((char)q->min);
  c.hi = _mm512_set1_epi8((char)q->max);
  c.zp = _mm512_set1_epi16((int16_t)q->zero_point);
  return c;
}

/* 32 results of qs8_requant_fast512 (a, b: the lo / hi halves of 32
 * columns in vpunpck*wd order, see qs8_spmm_avx512_template.h) to int8 in
 * column order. vpackssdw then vpmovswb saturate (monotone, and [min, max]
 * lies inside int8, so clamping after equals clamping the int32); the
 * zero point is already in, so one op fewer than qs8_pack_clamp512. */
QS8_INLINE __m256i qs8_pack32_fast512(__m512i a, __m512i b, const qs8_clamp512* k,
                                      const int right) {
  __m512i ab = _mm512_packs_epi32(a, b);
  if (!right) ab = _mm512_adds_epi16(ab, k->zp);
  const __m256i y = _mm512_cvtsepi16_epi8(ab);
  return _mm256_min_epi8(_mm256_max_epi8(y, _mm512_castsi512_si256(k->lo)),
                         _mm512_castsi512_si256(k->hi));
}

#endif /* TFLITE_SPARSE_QS8_REQUANT_AVX512_H_ */
