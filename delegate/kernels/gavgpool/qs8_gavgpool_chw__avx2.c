/* AVX2 int8 global average pool, CHW, bit-exact with
 * qs8_gavgpool_chw__scalar (TFLite's int8 MEAN, see qs8_gavgpool.h).
 *
 * Row sums with vpsadbw: the bytes xor 0x80 are the int8 values + 128 as
 * uint8, so the sum of absolute differences against 0 is sum + 128 * n,
 * exact in 64-bit lanes. The 32/16/8-byte loads never pass the row's
 * `spatial` bytes (the last bytes go through scalar code), so the padding
 * up to ld is never read. Requantization takes 8 channels per vector, with
 * the block/tail rounding chosen per group of 8 (the blocks of 16 start at
 * channel 0, so no group straddles). keep_dims = false is plain TFLite
 * requantization of sum - in_zp * n: qs8_requant_avx2.h's. */
#include <immintrin.h>

#include "gavgpool/qs8_gavgpool.h"
#include "qs8_requant_avx2.h"
#include "ukernels.h"

static inline int32_t row_sum(const int8_t* row, size_t n) {
  const __m256i flip = _mm256_set1_epi8((char)0x80), zero = _mm256_setzero_si256();
  __m256i a0 = zero, a1 = zero;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) { /* two chains: vpsadbw + vpaddq latency */
    const __m256i x0 = _mm256_loadu_si256((const __m256i*)(row + i));
    const __m256i x1 = _mm256_loadu_si256((const __m256i*)(row + i + 32));
    a0 = _mm256_add_epi64(a0, _mm256_sad_epu8(_mm256_xor_si256(x0, flip), zero));
    a1 = _mm256_add_epi64(a1, _mm256_sad_epu8(_mm256_xor_si256(x1, flip), zero));
  }
  if (i + 32 <= n) {
    const __m256i x = _mm256_loadu_si256((const __m256i*)(row + i));
    a0 = _mm256_add_epi64(a0, _mm256_sad_epu8(_mm256_xor_si256(x, flip), zero));
    i += 32;
  }
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(_mm256_add_epi64(a0, a1)),
                            _mm256_extracti128_si256(_mm256_add_epi64(a0, a1), 1));
  const __m128i flip16 = _mm_set1_epi8((char)0x80), zero16 = _mm_setzero_si128();
  if (i + 16 <= n) {
    const __m128i x = _mm_loadu_si128((const __m128i*)(row + i));
    s = _mm_add_epi64(s, _mm_sad_epu8(_mm_xor_si128(x, flip16), zero16));
    i += 16;
  }
  if (i + 8 <= n) { /* the upper 8 bytes are 0 after the load, 0x80 after xor */
    const __m128i x = _mm_xor_si128(_mm_loadl_epi64((const __m128i*)(row + i)), flip16);
    s = _mm_add_epi64(s, _mm_sad_epu8(_mm_unpacklo_epi64(x, zero16), zero16));
    i += 8;
  }
  s = _mm_add_epi64(s, _mm_unpackhi_epi64(s, s));
  int64_t sum = _mm_cvtsi128_si64(s) - 128 * (int64_t)(i);
  for (; i < n; ++i) sum += row[i];
  return (int32_t)sum;
}

/* 8 channels' outputs from their sums; block: round ties up (vrshl). */
static inline void requant8(__m256i sum, const struct tsp_qs8_gavgpool_params* p, int block,
                            int8_t* out) {
  const int32_t left = p->shift > 0 ? p->shift : 0, right = p->shift > 0 ? 0 : -p->shift;
  const __m256i mult = _mm256_set1_epi32(p->multiplier);
  const __m256i nudge = _mm256_set1_epi64x(INT64_C(1) << 30);
  const __m256i x = _mm256_sll_epi32(sum, _mm_cvtsi32_si128(left));
  /* SRDHM = floor((x * mult + 2^30) / 2^31); the multiplier is never
   * INT32_MIN, so it cannot saturate. */
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), mult), nudge);
  __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
  if (right > 0) {
    const __m128i e = _mm_cvtsi32_si128(right);
    if (block) { /* (h >> e) + bit e-1 of h: (h + 2^(e-1)) >> e, no overflow */
      const __m256i bit = _mm256_and_si256(_mm256_sra_epi32(h, _mm_cvtsi32_si128(right - 1)),
                                           _mm256_set1_epi32(1));
      h = _mm256_add_epi32(_mm256_sra_epi32(h, e), bit);
    } else { /* RoundingDivideByPOT */
      const int32_t mask = (int32_t)((INT64_C(1) << right) - 1);
      const __m256i rem = _mm256_and_si256(h, _mm256_set1_epi32(mask));
      const __m256i thr = _mm256_sub_epi32(_mm256_set1_epi32(mask >> 1),
                                           _mm256_cmpgt_epi32(_mm256_setzero_si256(), h));
      h = _mm256_sub_epi32(_mm256_sra_epi32(h, e), _mm256_cmpgt_epi32(rem, thr));
    }
  }
  __m256i y = _mm256_add_epi32(h, _mm256_set1_epi32(p->bias)); /* wraps, as TFLite */
  y = _mm256_min_epi32(_mm256_max_epi32(y, _mm256_set1_epi32(-128)), _mm256_set1_epi32(127));
  const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
  _mm_storel_epi64((__m128i*)out, _mm_packs_epi16(w16, w16));
}

void qs8_gavgpool_chw__avx2(size_t spatial, size_t channels, const int8_t* input, size_t ld,
                            const struct tsp_qs8_gavgpool_params* params, int8_t* output) {
  const size_t blocked = channels / TSP_QS8_GAVGPOOL_BLOCK * TSP_QS8_GAVGPOOL_BLOCK;
  const tsp_qs8_output q = {params->bias, -128, 127};
  /* M is never INT32_MIN: no saturation case. */
  const qs8_rq rq = qs8_row_params(params->multiplier, params->shift, &q);
  const __m256i sum_zero = _mm256_set1_epi32(params->sum_zero);
  size_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    int32_t s[8];
    for (size_t j = 0; j < 8; ++j) s[j] = row_sum(input + (c + j) * ld, spatial);
    const __m256i sums = _mm256_loadu_si256((const __m256i*)s);
    if (params->keep_dims) {
      requant8(sums, params, c < blocked, output + c);
    } else {
      const __m256i shifted = _mm256_sub_epi32(sums, sum_zero); /* wraps */
      qs8_store8(output + c, qs8_requant(shifted, &rq, 0, params->shift < 0), 0);
    }
  }
  for (; c < channels; ++c) {
    output[c] = tsp_qs8_gavgpool_output(row_sum(input + c * ld, spatial), params, c < blocked);
  }
}
