/* AVX2 int8 ADD: TFLite's vector form (vbinary/qs8_vadd.h), 8 elements per
 * int32 vector, the last n % 8 with the scalar code of the same form.
 * Bit-exact with qs8_vadd__scalar. */
#include <immintrin.h>
#include <string.h>

#include "ukernels.h"
#include "vbinary/qs8_vadd.h"

/* SRDHM(x, m) for m > 0 and |x| < 2^30: floor((x * m + 2^30) / 2^31). */
static inline __m256i srdhm(__m256i x, __m256i m) {
  const __m256i nudge = _mm256_set1_epi64x(INT64_C(1) << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, m), nudge);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), nudge);
  return _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
}

/* RoundingDivideByPOT, ties away from zero. */
static inline __m256i rdbpot(__m256i x, __m128i e, __m256i mask, __m256i half) {
  const __m256i rem = _mm256_and_si256(x, mask);
  const __m256i threshold = _mm256_sub_epi32(half, _mm256_srai_epi32(x, 31));
  const __m256i up = _mm256_cmpgt_epi32(rem, threshold); /* -1 where rounding up */
  return _mm256_sub_epi32(_mm256_sra_epi32(x, e), up);
}

static inline __m256i load8(const int8_t* p) {
  int64_t v;
  memcpy(&v, p, 8);
  return _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(v));
}

void qs8_vadd__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                    const struct tsp_qs8_vadd_params* p) {
  const __m256i za = _mm256_set1_epi32(p->a_zero_point), zb = _mm256_set1_epi32(p->b_zero_point);
  const __m128i la = _mm_cvtsi32_si128(20 + p->a_shift), lb = _mm_cvtsi32_si128(20 + p->b_shift);
  const __m256i ma = _mm256_set1_epi32(p->a_multiplier), mb = _mm256_set1_epi32(p->b_multiplier);
  const __m256i mo = _mm256_set1_epi32(p->out_multiplier);
  const __m128i eo = _mm_cvtsi32_si128(p->out_shift);
  const int32_t mask = (int32_t)((INT64_C(1) << p->out_shift) - 1);
  const __m256i vmask = _mm256_set1_epi32(mask), vhalf = _mm256_set1_epi32(mask >> 1);
  const __m256i zo = _mm256_set1_epi32(p->out_zero_point);
  const __m256i lo = _mm256_set1_epi32(p->min), hi = _mm256_set1_epi32(p->max);
  /* gathers byte 0 of each dword into the low 4 bytes of each 128-bit lane */
  const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i ya = srdhm(_mm256_sll_epi32(_mm256_sub_epi32(load8(a + i), za), la), ma);
    const __m256i yb = srdhm(_mm256_sll_epi32(_mm256_sub_epi32(load8(b + i), zb), lb), mb);
    __m256i out = rdbpot(srdhm(_mm256_add_epi32(ya, yb), mo), eo, vmask, vhalf);
    out = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(out, zo), lo), hi);
    out = _mm256_shuffle_epi8(out, pick);
    const int32_t lo4 = _mm256_extract_epi32(out, 0), hi4 = _mm256_extract_epi32(out, 4);
    memcpy(y + i, &lo4, 4);
    memcpy(y + i + 4, &hi4, 4);
  }
  for (; i < n; ++i) y[i] = tsp_qs8_vadd_vector_form(a[i], b[i], p);
}
