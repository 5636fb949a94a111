/* AVX2 int8 first convolution (3x3 stride 2, 3 input channels, HWC in, CHW
 * out); semantics: conv/qs8_conv_hwc2chw_pack.h, bit-exact with the
 * scalar reference.
 *
 * Scheme: as the f32 kernel (conv_hwc2chw_simd.h), a tile is 8 consecutive
 * output pixels of one row times 8 output channels, accumulator p holding
 * the 8 channels of pixel p. The tile's input window (3 rows of 17 pixels)
 * is first widened to int16 minus zx in a small buffer, with 0 where the
 * window leaves the image: padding then contributes 0 without checks, and
 * the conversion is shared by all channel groups. Per kernel row, the 9
 * (kx, ci) values of pixel p are 5 int16 pairs at 6p + 2m (the 10th value
 * meets a 0 weight); each pair is broadcast as one dword and vpmaddwd'd
 * with the packed weights of the 8 channels: 15 vpmaddwd per pixel, each
 * exact (|w * (x - zx)| <= 128 * 255, a pair < 2^16), vpaddd after a bias
 * start wraps as the scalar's bias add. Then requantization with per-lane
 * (per-channel) multiplier and shift, a saturating pack of the 8 pixels to
 * 64 bytes with the zero point and clamp on the packed values, a byte
 * transpose to channel rows (qc_store), stored into the CHW planes (only
 * the n pixels and the channels that exist). Packing before transposing
 * saved ~10% over an int32 8x8 transpose with per-vector clamps. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conv/qs8_conv_hwc2chw_pack.h"
#include "ukernels.h"

#define QC_V 8                  /* pixels and channels per tile */
#define QC_PIX (2 * QC_V + 1)   /* input pixels one tile row reads */
#define QC_ROW (QC_PIX * 3)     /* their int8 values: 51 */
#define QC_BUF 56               /* >= QC_ROW + 1: the last pair reads index 51 */
_Static_assert(QC_V == TSP_QS8_CONV_HWC2CHW_GROUP, "one packed group per tile");

/* Window row values as int16 minus zx into buf[ky] (0 outside the image);
 * rows[ky] = NULL when the whole row is outside. */
static void qc_tile_rows(const int8_t* input, size_t in_h, size_t in_w, ptrdiff_t iy0,
                         ptrdiff_t c0, int32_t zx, int16_t buf[3][QC_BUF],
                         const int16_t* rows[3]) {
  const int plain = c0 >= 0 && c0 + QC_PIX <= (ptrdiff_t)in_w;
  const __m256i vzx = _mm256_set1_epi16((int16_t)zx);
  for (int ky = 0; ky < 3; ++ky) {
    const ptrdiff_t iy = iy0 + ky;
    if (iy < 0 || iy >= (ptrdiff_t)in_h) {
      rows[ky] = NULL;
      continue;
    }
    const int8_t* row = input + (size_t)iy * in_w * 3;
    int16_t* b = buf[ky];
    rows[ky] = b;
    if (plain) {
      /* 51 bytes as 16-byte loads at 0, 16, 32 and 35 (overlapping, so no
       * byte past the window is read). */
      const int8_t* p = row + (size_t)c0 * 3;
      static const int offs[4] = {0, 16, 32, QC_ROW - 16};
      for (int k = 0; k < 4; ++k) {
        const __m128i x = _mm_loadu_si128((const __m128i*)(p + offs[k]));
        _mm256_storeu_si256((__m256i*)(b + offs[k]), _mm256_sub_epi16(_mm256_cvtepi8_epi16(x), vzx));
      }
      continue;
    }
    for (ptrdiff_t c = 0; c < QC_PIX; ++c) {
      const ptrdiff_t ix = c0 + c;
      const int inside = ix >= 0 && ix < (ptrdiff_t)in_w;
      for (int ci = 0; ci < 3; ++ci) {
        b[c * 3 + ci] = inside ? (int16_t)(row[(size_t)ix * 3 + ci] - zx) : 0;
      }
    }
  }
}

/* Per-lane (per-channel) version of qs8_requant_conv (qs8_requant_avx2.h):
 * the same steps up to the clamp (which qc_store does on the packed bytes),
 * with vector multiplier and shifts; the high-mul overflow fix is masked
 * to the lanes whose multiplier is INT32_MIN, and the rounding shift is
 * always applied (a 0 shift adds round_bit 0: a no-op). */
typedef struct {
  __m256i mult, mult_odd, left, right, right_m1, round_bit, sat;
} qc_rq;

static inline qc_rq qc_group_params(const int32_t* mult, const int32_t* shift) {
  qc_rq p;
  const __m256i sh = _mm256_loadu_si256((const __m256i*)shift);
  p.mult = _mm256_loadu_si256((const __m256i*)mult);
  p.mult_odd = _mm256_srli_epi64(p.mult, 32);
  p.left = _mm256_max_epi32(sh, _mm256_setzero_si256());
  p.right = _mm256_max_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), sh), _mm256_setzero_si256());
  const __m256i has_right = _mm256_cmpgt_epi32(p.right, _mm256_setzero_si256());
  p.right_m1 = _mm256_add_epi32(p.right, has_right); /* right - 1 where right > 0, else 0 */
  p.round_bit = _mm256_and_si256(has_right, _mm256_set1_epi32(1));
  p.sat = _mm256_cmpeq_epi32(p.mult, _mm256_set1_epi32(INT32_MIN));
  return p;
}

/* left / sat: whether any lane of the group shifts left / has the
 * INT32_MIN multiplier; when none does, those steps are no-ops and skipped
 * (branched once per group and tile, not per vector). */
static inline __attribute__((always_inline)) __m256i qc_requant(__m256i acc, const qc_rq* p,
                                                                const int left, const int sat) {
  const __m256i x = left ? _mm256_sllv_epi32(acc, p->left) : acc; /* wraps like the scalar */
  const __m256i nudge = _mm256_set1_epi64x(INT64_C(1) << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, p->mult), nudge);
  const __m256i odd =
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), p->mult_odd), nudge);
  __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
  if (sat) h = _mm256_xor_si256(h, _mm256_and_si256(_mm256_cmpeq_epi32(x, p->mult), p->sat));
  /* ruy's rounding shift: floor(h / 2^right) + bit right - 1 of h (ties up) */
  const __m256i bit = _mm256_and_si256(_mm256_srav_epi32(h, p->right_m1), p->round_bit);
  return _mm256_add_epi32(_mm256_srav_epi32(h, p->right), bit);
}

static inline __attribute__((always_inline)) void qc_requant8(__m256i acc[8], const qc_rq* p,
                                                              const int left, const int sat) {
  for (int i = 0; i < 8; ++i) acc[i] = qc_requant(acc[i], p, left, sat);
}

/* Stores the tile: h[p] = pixel p's 8 requantized channels (before the
 * zero point and the clamp). Packing first (saturating to int16, + zy
 * saturating, saturating to int8, then the clamp on bytes) equals the
 * scalar's exact clamp(zy + h, min, max): whenever a saturation kicks in,
 * the exact value is outside [-128, 127] on the same side. The 64 bytes are
 * then pixel-major in 4x4 blocks per 128-bit lane; one pshufb per vector
 * makes each lane channel-major and a dword unpack joins the two halves of
 * each channel row: 8 bytes per channel, stored for the channels and the n
 * pixels that exist. */
static inline void qc_store(const __m256i h[QC_V], __m256i zp16, __m256i lo8, __m256i hi8,
                            size_t channels, size_t n, int8_t* out, size_t output_stride) {
  const __m256i a = _mm256_adds_epi16(_mm256_packs_epi32(h[0], h[1]), zp16);
  const __m256i b = _mm256_adds_epi16(_mm256_packs_epi32(h[2], h[3]), zp16);
  const __m256i c = _mm256_adds_epi16(_mm256_packs_epi32(h[4], h[5]), zp16);
  const __m256i d = _mm256_adds_epi16(_mm256_packs_epi32(h[6], h[7]), zp16);
  /* lane 0: [p0 c0..3, p1 c0..3, p2 c0..3, p3 c0..3], lane 1 the same for c4..7 */
  __m256i v0 = _mm256_min_epi8(_mm256_max_epi8(_mm256_packs_epi16(a, b), lo8), hi8);
  __m256i v1 = _mm256_min_epi8(_mm256_max_epi8(_mm256_packs_epi16(c, d), lo8), hi8);
  const __m256i cm = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4,
                                      8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  v0 = _mm256_shuffle_epi8(v0, cm); /* lane 0: [c0 p0..3, c1 p0..3, c2 .., c3 ..] */
  v1 = _mm256_shuffle_epi8(v1, cm); /* the same for p4..7 */
  int8_t rows[64];
  _mm256_storeu_si256((__m256i*)rows, _mm256_unpacklo_epi32(v0, v1));        /* c0 c1 | c4 c5 */
  _mm256_storeu_si256((__m256i*)(rows + 32), _mm256_unpackhi_epi32(v0, v1)); /* c2 c3 | c6 c7 */
  static const uint8_t at[QC_V] = {0, 8, 32, 40, 16, 24, 48, 56};
  if (n == QC_V) { /* constant-size copies: plain 8-byte moves */
    for (size_t ch = 0; ch < channels; ++ch) memcpy(out + ch * output_stride, rows + at[ch], QC_V);
  } else {
    for (size_t ch = 0; ch < channels; ++ch) memcpy(out + ch * output_stride, rows + at[ch], n);
  }
}

static inline __m256i qc_pair(const int16_t* r) {
  int32_t v;
  memcpy(&v, r, sizeof(v));
  return _mm256_set1_epi32(v);
}

/* acc[p] = bias + tap sum of pixel p for the group's 8 channels. */
static inline void qc_group(const int16_t* const rows[3], const int16_t* wg, const int32_t* bias,
                            __m256i acc[QC_V]) {
  const __m256i b = _mm256_loadu_si256((const __m256i*)bias);
  for (int p = 0; p < QC_V; ++p) acc[p] = b;
  for (int ky = 0; ky < 3; ++ky) {
    const int16_t* r = rows[ky];
    if (r == NULL) continue;
    for (int m = 0; m < TSP_QS8_CONV_HWC2CHW_PAIRS; ++m) {
      const __m256i w = _mm256_loadu_si256(
          (const __m256i*)(wg + (ky * TSP_QS8_CONV_HWC2CHW_PAIRS + m) * 2 * QC_V));
      for (int p = 0; p < QC_V; ++p) {
        acc[p] = _mm256_add_epi32(acc[p], _mm256_madd_epi16(w, qc_pair(r + 6 * p + 2 * m)));
      }
    }
  }
}

void qs8_conv_hwc2chw_3x3s2c3__avx2(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                    size_t pad_top, size_t pad_left, const int8_t* input,
                                    const struct tsp_qs8_conv_hwc2chw_weights* weights,
                                    int8_t* output, size_t output_stride,
                                    const tsp_qs8_output* out_params) {
  const size_t out_channels = weights->out_channels;
  const int32_t zx = weights->input_zero_point;
  const __m256i zp16 = _mm256_set1_epi16((int16_t)out_params->zero_point);
  const __m256i lo8 = _mm256_set1_epi8((int8_t)out_params->min);
  const __m256i hi8 = _mm256_set1_epi8((int8_t)out_params->max);
  int16_t buf[3][QC_BUF];
  memset(buf, 0, sizeof(buf)); /* the tail past QC_ROW stays 0 */
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad_top;
    for (size_t ox = 0; ox < out_w; ox += QC_V) {
      const int16_t* rows[3];
      qc_tile_rows(input, in_h, in_w, iy0, (ptrdiff_t)(2 * ox) - (ptrdiff_t)pad_left, zx, buf,
                   rows);
      const size_t n = out_w - ox < QC_V ? out_w - ox : QC_V;
      int8_t* out = output + oy * out_w + ox;
      for (size_t co = 0; co < out_channels; co += QC_V) {
        const size_t g = co / QC_V;
        __m256i acc[QC_V];
        qc_group(rows, weights->taps + g * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS, weights->bias + co,
                 acc);
        const qc_rq p = qc_group_params(weights->multiplier + co, weights->shift + co);
        const int left = !_mm256_testz_si256(p.left, p.left);
        const int sat = !_mm256_testz_si256(p.sat, p.sat);
        if (sat) {
          qc_requant8(acc, &p, 1, 1);
        } else if (left) {
          qc_requant8(acc, &p, 1, 0);
        } else {
          qc_requant8(acc, &p, 0, 0);
        }
        const size_t channels = out_channels - co < QC_V ? out_channels - co : QC_V;
        qc_store(acc, zp16, lo8, hi8, channels, n, out + co * output_stride, output_stride);
      }
    }
  }
}
