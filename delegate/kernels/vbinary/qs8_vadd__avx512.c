/* AVX-512 (F/BW/VL) int8 ADD: TFLite's vector form (vbinary/qs8_vadd.h),
 * 16 elements per int32 vector, the remainder under a byte mask (no read or
 * write past n). Bit-exact with qs8_vadd__scalar. */
#include <immintrin.h>

#include "ukernels.h"
#include "vbinary/qs8_vadd.h"

/* SRDHM(x, m) for m > 0 and |x| < 2^30: floor((x * m + 2^30) / 2^31) (ties
 * up, as vqrdmulh; no saturation case). Even lanes from one 64-bit
 * product, odd lanes from another, joined with a blend. */
static inline __m512i srdhm(__m512i x, __m512i m) {
  const __m512i nudge = _mm512_set1_epi64(INT64_C(1) << 30);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, m), nudge);
  const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), m), nudge);
  /* bits 31..62 of each sum: low dword of even >> 31, high dword of odd << 1 */
  return _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
}

/* RoundingDivideByPOT, ties away from zero: (x >> e) + (x & mask > mask / 2
 * + (x < 0)). */
static inline __m512i rdbpot(__m512i x, __m128i e, __m512i mask, __m512i half) {
  const __m512i rem = _mm512_and_si512(x, mask);
  const __m512i threshold = _mm512_sub_epi32(half, _mm512_srai_epi32(x, 31));
  const __mmask16 up = _mm512_cmpgt_epi32_mask(rem, threshold);
  const __m512i q = _mm512_sra_epi32(x, e);
  return _mm512_mask_add_epi32(q, up, q, _mm512_set1_epi32(1));
}

void qs8_vadd__avx512(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                      const struct tsp_qs8_vadd_params* p) {
  const __m512i za = _mm512_set1_epi32(p->a_zero_point), zb = _mm512_set1_epi32(p->b_zero_point);
  const __m128i la = _mm_cvtsi32_si128(20 + p->a_shift), lb = _mm_cvtsi32_si128(20 + p->b_shift);
  const __m512i ma = _mm512_set1_epi32(p->a_multiplier), mb = _mm512_set1_epi32(p->b_multiplier);
  const __m512i mo = _mm512_set1_epi32(p->out_multiplier);
  const __m128i eo = _mm_cvtsi32_si128(p->out_shift);
  const int32_t mask = (int32_t)((INT64_C(1) << p->out_shift) - 1);
  const __m512i vmask = _mm512_set1_epi32(mask), vhalf = _mm512_set1_epi32(mask >> 1);
  const __m512i zo = _mm512_set1_epi32(p->out_zero_point);
  const __m512i lo = _mm512_set1_epi32(p->min), hi = _mm512_set1_epi32(p->max);
  for (size_t i = 0; i < n; i += 16) {
    const size_t left = n - i;
    const __mmask16 k = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
    const __m512i va = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, a + i));
    const __m512i vb = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, b + i));
    const __m512i ya = srdhm(_mm512_sll_epi32(_mm512_sub_epi32(va, za), la), ma);
    const __m512i yb = srdhm(_mm512_sll_epi32(_mm512_sub_epi32(vb, zb), lb), mb);
    __m512i out = rdbpot(srdhm(_mm512_add_epi32(ya, yb), mo), eo, vmask, vhalf);
    out = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(out, zo), lo), hi);
    _mm_mask_storeu_epi8(y + i, k, _mm512_cvtepi32_epi8(out));
  }
}
