/* AVX-512 int8 first convolution (3x3 stride 2, 3 input channels, HWC in,
 * CHW out) template; semantics: conv/qs8_conv_hwc2chw_pack.h, bit-exact
 * with the scalar reference. Include once from a *__avx512.c or
 * *__avx512vnni.c file after defining
 *   QC5_NAME  the function name
 *   QC5_VNNI  1: u8 x s8 quads with vpdpbusd (file built with -mavx512vnni;
 *             see qc5_row_quads), 0: int16 pairs with vpmaddwd + vpaddd
 *   QC5_C     channels per register tile, 4 or 8 (default 8; see below)
 *
 * Scheme: pixels in lanes, not channels (as the AVX2 kernel has them). A
 * tile is 16 consecutive output pixels of one row; accumulator l of a group
 * holds channel l's 16 pixels, which is already the CHW order: no transpose
 * before the store, and the requantization runs with broadcast per-channel
 * constants, as the SpMM's helpers (qs8_requant_avx512.h, part 2) take them.
 *
 * Plain AVX-512: per tile and kernel row ky, the 9 (kx, ci) values of
 * pixel p are the int16 pairs (dwords) 3p + m, m = 0..4, of the window row
 * widened to int16 minus zx (the 10th value meets the packed 0 weight).
 * The window row is 33
 * pixels, 99 bytes, loaded as four 32-byte pieces (offsets 0, 32, 48, 80)
 * with k-masks that stop at the image's last byte, merged into zx bytes so
 * a tap past the right edge widens to 0 (and nothing outside the input is
 * read); vpmovsxbw + vpsubw make them four zmm of 16 pairs: dwords 0-15,
 * 16-31, 24-39 and 40-55. Pixels 0-7 need dwords m + 3p <= 25 of the first
 * two, pixels 8-15 dwords 24 + m + 3(p - 8) of the last two: the same index
 * vector serves both vpermt2d's, and a masked blend joins the halves. So a
 * tile builds its 15 pair vectors (3 rows x 5) once for all channels, then
 * each channel costs 15 multiply-adds with the channel's weight pair
 * broadcast from the packed groups (the existing 8-channel layout: the
 * pair of channel l is one dword). Windows starting left of the image (pad
 * left) go through a small zx-filled copy; rows outside are 0 vectors.
 * The VNNI kernel builds 9 u8 quad vectors instead (3 vpermt2w a row) and
 * does 9 vpdpbusd per channel and tile (see qc5_row_quads): 0.059 ms vs
 * 0.082 with vpdpwssd on the pairs, which left it bound by the multiplies.
 *
 * Requantization: groups whose channels all shift right (every layer the
 * converter makes: multipliers < 1) take qc5_requant_fast, the high-mul and
 * ruy's rounding shift merged into one 64-bit rounding (8 ops a vector);
 * other groups the SpMM's qs8_requant_conv512. Without the fast path the
 * requantization took 40% of the VNNI kernel's time.
 *
 * Requantized, two channels at a time go to int16 (qs8_pack_clamp512, the
 * clamp and zero point), four to bytes (vpacksswb): 128-bit lane L then
 * holds pixels 4L..4L+3 of the four channels, and one vpermd makes lane k
 * channel k's 16 pixels, stored as 16 bytes (masked in the last tile).
 *
 * QC5_C channels share a register tile: 8 with VNNI (8 independent
 * chains: 0.059 vs 0.066 ms with 4), 4 with vpmaddwd + vpaddd (4 and 8 tie
 * at ~0.099 ms; 4 leaves registers for the 15 pair vectors). Requantization constants (and
 * VNNI's weight quads and folded biases) are kept per channel for blocks of
 * up to QC5_BLOCK channels (stack tables, filled once per call and block);
 * layers with more channels redo the tiles' activation vectors per block. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conv/qs8_conv_hwc2chw_pack.h"
#include "qs8_requant_avx512.h"
#include "ukernels.h"

#if !defined(QC5_NAME) || !defined(QC5_VNNI)
#error "define QC5_NAME and QC5_VNNI before including qs8_conv_hwc2chw_avx512_template.h"
#endif

#define QC5_V 16                 /* output pixels per tile */
#define QC5_PIX (2 * QC5_V + 1)  /* input pixels a tile row reads */
#define QC5_ROW (QC5_PIX * 3)    /* their bytes: 99 */
#define QC5_LOCAL 128            /* the pieces read up to byte 111 / 127 */
#if QC5_VNNI
#define QC5_QUADS 3              /* per kernel row: taps 4m..4m+3 (9..11 weigh 0) */
#define QC5_NV (3 * QC5_QUADS)   /* activation vectors per tile */
#else
#define QC5_NV QC5_PAIRS
#endif
#define QC5_G TSP_QS8_CONV_HWC2CHW_GROUP
#define QC5_PAIRS (3 * TSP_QS8_CONV_HWC2CHW_PAIRS)
#define QC5_BLOCK 64             /* channels per requantization table */
#ifndef QC5_C
#define QC5_C 8                  /* channels per register tile: 4 or 8 */
#endif
/* Full unrolls keep the pair vectors and accumulators in registers (GCC
 * otherwise leaves the 15-pair loop rolled, with both arrays on the stack). */
#define QC5_UNROLL _Pragma("GCC unroll 16")
_Static_assert(QC5_G == 8 && (QC5_C == 4 || QC5_C == 8), "4- or 8-channel halves of the 8-channel groups");

/* Per-channel requantization constants (the qs8_rq512 fields that vary by
 * channel), broadcast from this table per tile. */
typedef struct {
  int32_t mult, left, right, right_m1, round_bit, sat;
} qc5_chan;

/* The fast path's constants (64-bit lanes, broadcast as m64 operands). */
typedef struct {
  int64_t mult, nudge, sh_even, sh_odd;
} qc5_fast;

/* tsp_qs8_mbqm_conv for a right shift e >= 1 (shift < 0: no left shift),
 * in one rounding: with h = floor((x m + 2^30) / 2^31) (the high-mul) and
 * ruy's shift floor((h + 2^(e-1)) / 2^e), nested floors of integers merge,
 * so the result is floor((x m + 2^30 + 2^(30+e)) / 2^(31+e)), exact in
 * int64 (|x m| <= 2^62, the sum < 2^63). The high-mul's one overflow
 * (x = m = INT32_MIN: INT32_MAX, not 2^31) changes nothing once e >= 1:
 * no multiple of 2^(31+e) lies between the two numerators. Even lanes: the
 * low dword of the sum >> (31+e); odd lanes (vpshufd moves them down for
 * vpmuldq): the high dword of the sum >> (e-1). 8 ops a vector against
 * 12 in the general helper, which the other groups use. */
static inline __attribute__((always_inline)) __m512i qc5_requant_fast(__m512i acc,
                                                                      const qc5_fast* f) {
  const __m512i m = _mm512_set1_epi64(f->mult), nudge = _mm512_set1_epi64(f->nudge);
  const __m512i even = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(acc, m), nudge),
                                         _mm512_set1_epi64(f->sh_even));
  const __m512i odd_x = _mm512_shuffle_epi32(acc, _MM_PERM_DDBB);
  const __m512i odd = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(odd_x, m), nudge),
                                        _mm512_set1_epi64(f->sh_odd));
  return _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, odd);
}

static inline __mmask32 qc5_mask(ptrdiff_t valid, ptrdiff_t off) {
  const ptrdiff_t k = valid - off;
  return k <= 0 ? 0 : k >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((UINT32_C(1) << k) - 1);
}

/* The 5 pair vectors of one window row: src is the window's first byte,
 * valid how many of its QC5_ROW bytes are inside the image (the rest count
 * as zx). */
static inline __attribute__((always_inline)) void qc5_row_pairs(const int8_t* src,
                                                                ptrdiff_t valid, __m256i zx8,
                                                                __m512i zx16, __m512i* pr) {
  if (valid > QC5_ROW) valid = QC5_ROW;
  __m512i t[4];
  static const int offs[4] = {0, 32, 48, 80};
  QC5_UNROLL
  for (int k = 0; k < 4; ++k) {
    const __m256i b = _mm256_mask_loadu_epi8(zx8, qc5_mask(valid, offs[k]), src + offs[k]);
    t[k] = _mm512_sub_epi16(_mm512_cvtepi8_epi16(b), zx16);
  }
  const __m512i base = _mm512_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21, 0, 3, 6, 9, 12, 15, 18, 21);
  QC5_UNROLL
  for (int m = 0; m < TSP_QS8_CONV_HWC2CHW_PAIRS; ++m) {
    const __m512i idx = _mm512_add_epi32(base, _mm512_set1_epi32(m));
    const __m512i lo = _mm512_permutex2var_epi32(t[0], idx, t[1]);
    const __m512i hi = _mm512_permutex2var_epi32(t[2], idx, t[3]);
    pr[m] = _mm512_mask_blend_epi32((__mmask16)0xFF00, lo, hi);
  }
}

static inline __attribute__((always_inline)) __m512i qc5_mac(__m512i acc, __m512i x,
                                                             const int16_t* w) {
  int32_t pair;
  memcpy(&pair, w, sizeof(pair));
#if QC5_VNNI
  /* wraps like vpaddd (vpdpwssds would saturate, unlike the scalar) */
  return _mm512_dpwssd_epi32(acc, x, _mm512_set1_epi32(pair));
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(x, _mm512_set1_epi32(pair)));
#endif
}

/* acc[l] = bias + tap sums of channel l (of QC5_C) of the group, 16
 * pixels; wg points at the group's taps plus the first channel's lane. */
static inline __attribute__((always_inline)) void qc5_group(const __m512i pr[QC5_PAIRS],
                                                            const int16_t* wg,
                                                            const int32_t* bias,
                                                            __m512i acc[QC5_C]) {
  QC5_UNROLL
  for (int l = 0; l < QC5_C; ++l) acc[l] = _mm512_set1_epi32(bias[l]);
  QC5_UNROLL
  for (int i = 0; i < QC5_PAIRS; ++i) {
    QC5_UNROLL
    for (int l = 0; l < QC5_C; ++l) acc[l] = qc5_mac(acc[l], pr[i], wg + (i * QC5_G + l) * 2);
  }
}

#if QC5_VNNI
/* The VNNI form: vpdpbusd, u8 x s8 in quads. With u = x + 128 (x ^ 0x80,
 * in [0, 255]) and padded taps read as x = zx (u = zx + 128, as the masked
 * loads merge them), every tap, inside the image or not, satisfies
 * w (x - zx) = w u - w (zx + 128): so acc = bias - (zx + 128) sum(w)
 * + sum w u exactly (mod 2^32, as the scalar's wrapping bias add), the
 * first two folded per channel into the table bias. A quad's 4 products
 * (each within int16) are summed exactly in int32; vpdpbusd wraps the add
 * (vpdpbusds would saturate). Per row 9 taps take 3 quads, not 5 pairs:
 * 9 multiply-adds per channel and tile instead of 15. The activation quad
 * of pixel p is bytes 6p + 4m .. +3 of the window row, i.e. int16 words
 * 3p + 2m and 3p + 2m + 1: one vpermt2w over the row's first 128 bytes
 * (two zmm; the 99 used and the rest zx) builds each of the 3. */
static inline __attribute__((always_inline)) void qc5_row_quads(const int8_t* src,
                                                                ptrdiff_t valid, __m512i zxb,
                                                                __m512i* pq) {
  if (valid > QC5_ROW) valid = QC5_ROW;
  const __mmask64 k0 = valid >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << valid) - 1;
  const __mmask64 k1 = valid <= 64 ? 0 : (UINT64_C(1) << (valid - 64)) - 1;
  const __m512i sign = _mm512_set1_epi8((char)0x80);
  const __m512i a = _mm512_xor_si512(_mm512_mask_loadu_epi8(zxb, k0, src), sign);
  const __m512i b = _mm512_xor_si512(_mm512_mask_loadu_epi8(zxb, k1, src + 64), sign);
  /* dword p: words 3p (low) and 3p + 1 (high), plus 2m each */
  const __m512i base = _mm512_setr_epi32(
      0x10000, 0x10000 + 3 * 0x10001, 0x10000 + 6 * 0x10001, 0x10000 + 9 * 0x10001,
      0x10000 + 12 * 0x10001, 0x10000 + 15 * 0x10001, 0x10000 + 18 * 0x10001,
      0x10000 + 21 * 0x10001, 0x10000 + 24 * 0x10001, 0x10000 + 27 * 0x10001,
      0x10000 + 30 * 0x10001, 0x10000 + 33 * 0x10001, 0x10000 + 36 * 0x10001,
      0x10000 + 39 * 0x10001, 0x10000 + 42 * 0x10001, 0x10000 + 45 * 0x10001);
  QC5_UNROLL
  for (int m = 0; m < QC5_QUADS; ++m) {
    const __m512i idx = _mm512_add_epi32(base, _mm512_set1_epi32(2 * m * 0x10001));
    pq[m] = _mm512_permutex2var_epi16(a, idx, b);
  }
}

/* acc[l] = the folded bias + sum w u of channel l (of QC5_C); wq: the
 * channels' 9 weight quads each, bq their folded biases. */
static inline __attribute__((always_inline)) void qc5_group_u8(const __m512i pq[QC5_NV],
                                                               const int32_t* wq,
                                                               const int32_t* bq,
                                                               __m512i acc[QC5_C]) {
  QC5_UNROLL
  for (int l = 0; l < QC5_C; ++l) acc[l] = _mm512_set1_epi32(bq[l]);
  QC5_UNROLL
  for (int i = 0; i < QC5_NV; ++i) {
    QC5_UNROLL
    for (int l = 0; l < QC5_C; ++l) {
      acc[l] = _mm512_dpbusd_epi32(acc[l], pq[i], _mm512_set1_epi32(wq[l * QC5_NV + i]));
    }
  }
}
#endif

/* sat / left: some channel of the group has the INT32_MIN multiplier /
 * a positive shift (else those steps are skipped); the rounding shift is
 * always applied (a 0 right shift rounds by a 0 bit: a no-op). The
 * overflow fix is per channel, only where the multiplier is INT32_MIN. */
static inline __attribute__((always_inline)) void qc5_requant_group(__m512i acc[QC5_C],
                                                                    const qc5_chan* ch,
                                                                    const qs8_rq512* common,
                                                                    const int sat,
                                                                    const int left) {
  QC5_UNROLL
  for (int l = 0; l < QC5_C; ++l) {
    qs8_rq512 p = *common;
    p.mult = _mm512_set1_epi32(ch[l].mult);
    p.right = _mm512_set1_epi32(ch[l].right);
    p.right_m1 = _mm512_set1_epi32(ch[l].right_m1);
    p.round_bit = _mm512_set1_epi32(ch[l].round_bit);
    if (left) p.left = _mm512_set1_epi32(ch[l].left);
    if (sat && ch[l].sat) {
      acc[l] = qs8_requant_conv512(acc[l], &p, 1, 1, 1);
    } else {
      acc[l] = qs8_requant_conv512(acc[l], &p, 0, left, 1);
    }
  }
}

/* Four requantized channels a..d of 16 pixels to bytes, lane k = channel k,
 * stored for the `channels` (<= 4) that exist, n pixels each. */
static inline __attribute__((always_inline)) void qc5_store4(const __m512i* r,
                                                             const qs8_rq512* common,
                                                             size_t channels, size_t n,
                                                             int8_t* out, size_t stride) {
  const __m512i ab = qs8_pack_clamp512(r[0], r[1], common);
  const __m512i cd = qs8_pack_clamp512(r[2], r[3], common);
  /* lane L: pixels 4L..4L+3 of a, b, c, d (values already in [min, max]) */
  const __m512i bytes = _mm512_packs_epi16(ab, cd);
  const __m512i rows = _mm512_permutexvar_epi32(
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), bytes);
  __m128i v[4];
  v[0] = _mm512_castsi512_si128(rows);
  v[1] = _mm512_extracti32x4_epi32(rows, 1);
  v[2] = _mm512_extracti32x4_epi32(rows, 2);
  v[3] = _mm512_extracti32x4_epi32(rows, 3);
  if (n == QC5_V) {
    QC5_UNROLL
    for (size_t k = 0; k < channels; ++k) _mm_storeu_si128((__m128i*)(out + k * stride), v[k]);
  } else {
    const __mmask16 m = (__mmask16)((1u << n) - 1);
    QC5_UNROLL
    for (size_t k = 0; k < channels; ++k) _mm_mask_storeu_epi8(out + k * stride, m, v[k]);
  }
}

/* GCC 12 without register-pressure-aware scheduling hoists all of a
 * group's vpmaddwd above the adds and spills the products (0.15 vs
 * 0.10 ms); clang needs nothing, nor does the VNNI form. */
#if defined(__GNUC__) && !defined(__clang__) && !QC5_VNNI
__attribute__((optimize("schedule-insns", "sched-pressure")))
#endif
void QC5_NAME(size_t in_h, size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
              size_t pad_left, const int8_t* input,
              const struct tsp_qs8_conv_hwc2chw_weights* weights, int8_t* output,
              size_t output_stride, const tsp_qs8_output* out_params) {
  const size_t out_channels = weights->out_channels;
  const int32_t zx = weights->input_zero_point;
#if QC5_VNNI
  const __m512i zxb = _mm512_set1_epi8((char)zx);
  const __m512i zxu = _mm512_set1_epi8((char)(zx ^ 0x80)); /* a row outside: u = zx + 128 */
#else
  const __m256i zx8 = _mm256_set1_epi8((int8_t)zx);
  const __m512i zx16 = _mm512_set1_epi16((int16_t)zx);
#endif
  /* lo / hi / zp are per layer; the rest is filled per channel */
  const qs8_rq512 common = qs8_row_params512(0, 0, out_params);
  int8_t local[QC5_LOCAL];
  for (size_t cb = 0; cb < out_channels; cb += QC5_BLOCK) {
    const size_t nch = out_channels - cb < QC5_BLOCK ? out_channels - cb : QC5_BLOCK;
    const size_t ngroups = (nch + QC5_G - 1) / QC5_G;
    qc5_chan ch[QC5_BLOCK];
    qc5_fast fast[QC5_BLOCK];
    int gsat[QC5_BLOCK / QC5_G], gleft[QC5_BLOCK / QC5_G], gfast[QC5_BLOCK / QC5_G];
    for (size_t g = 0; g < ngroups; ++g) {
      gsat[g] = gleft[g] = 0;
      gfast[g] = 1;
      QC5_UNROLL
      for (size_t l = 0; l < QC5_G; ++l) { /* padded lanes: multiplier and shift 0 */
        const size_t c = g * QC5_G + l;
        const int32_t mult = weights->multiplier[cb + c], shift = weights->shift[cb + c];
        const int32_t right = shift > 0 ? 0 : -shift;
        ch[c].mult = mult;
        ch[c].left = shift > 0 ? shift : 0;
        ch[c].right = right;
        ch[c].right_m1 = right > 0 ? right - 1 : 0;
        ch[c].round_bit = right > 0;
        ch[c].sat = mult == INT32_MIN;
        gsat[g] |= ch[c].sat;
        gleft[g] |= shift > 0;
        /* lanes past the layer's channels are dropped: any e >= 1 will do */
        const int32_t e = c >= nch ? 1 : right;
        gfast[g] &= e >= 1;
        fast[c].mult = mult;
        fast[c].nudge = (INT64_C(1) << 30) + (e >= 1 ? INT64_C(1) << (30 + e) : 0);
        fast[c].sh_even = 31 + e;
        fast[c].sh_odd = e >= 1 ? e - 1 : 0;
      }
    }
#if QC5_VNNI
    int32_t wq[QC5_BLOCK * QC5_NV], bq[QC5_BLOCK];
    for (size_t c = 0; c < ngroups * QC5_G; ++c) { /* padded lanes: all 0 */
      int32_t sum = 0;
      for (size_t ky = 0; ky < 3; ++ky) {
        for (size_t m = 0; m < QC5_QUADS; ++m) {
          uint32_t quad = 0;
          for (size_t k = 0; k < 4; ++k) {
            const size_t j = 4 * m + k;
            const int32_t w = j < 9 ? tsp_qs8_conv_hwc2chw_tap(weights, cb + c, ky, j) : 0;
            sum += w;
            quad |= (uint32_t)(uint8_t)(int8_t)w << (8 * k);
          }
          wq[c * QC5_NV + ky * QC5_QUADS + m] = (int32_t)quad;
        }
      }
      bq[c] = (int32_t)((uint32_t)weights->bias[cb + c] - (uint32_t)((zx + 128) * sum));
    }
#endif
    for (size_t oy = 0; oy < out_h; ++oy) {
      const ptrdiff_t iy0 = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad_top;
      for (size_t ox = 0; ox < out_w; ox += QC5_V) {
        const ptrdiff_t c0 = (ptrdiff_t)(2 * ox) - (ptrdiff_t)pad_left;
        const ptrdiff_t c1 = c0 + QC5_PIX < (ptrdiff_t)in_w ? c0 + QC5_PIX : (ptrdiff_t)in_w;
        __m512i pr[QC5_NV];
        QC5_UNROLL
        for (int ky = 0; ky < 3; ++ky) {
          const ptrdiff_t iy = iy0 + ky;
          __m512i* p = pr + ky * (QC5_NV / 3);
          if (iy < 0 || iy >= (ptrdiff_t)in_h) {
            QC5_UNROLL
#if QC5_VNNI
            for (int m = 0; m < QC5_NV / 3; ++m) p[m] = zxu;
#else
            for (int m = 0; m < QC5_NV / 3; ++m) p[m] = _mm512_setzero_si512();
#endif
            continue;
          }
          const int8_t* row = input + (size_t)iy * in_w * 3;
          if (c0 >= 0 && c0 < (ptrdiff_t)in_w) {
#if QC5_VNNI
            qc5_row_quads(row + c0 * 3, (c1 - c0) * 3, zxb, p);
#else
            qc5_row_pairs(row + c0 * 3, (c1 - c0) * 3, zx8, zx16, p);
#endif
          } else { /* starts left of the image (or wholly right of it) */
            memset(local, (int8_t)zx, sizeof(local));
            const ptrdiff_t a = c0 < 0 ? 0 : c0;
            if (a < c1) memcpy(local + (a - c0) * 3, row + a * 3, (size_t)(c1 - a) * 3);
#if QC5_VNNI
            qc5_row_quads(local, QC5_ROW, zxb, p);
#else
            qc5_row_pairs(local, QC5_ROW, zx8, zx16, p);
#endif
          }
        }
        const size_t n = out_w - ox < QC5_V ? out_w - ox : QC5_V;
        int8_t* out = output + oy * out_w + ox;
        for (size_t g = 0; g < ngroups; ++g) {
          for (size_t h = 0; h < QC5_G; h += QC5_C) {
            const size_t c = g * QC5_G + h; /* within the block */
            if (c >= nch) break;
            __m512i acc[QC5_C];
#if QC5_VNNI
            qc5_group_u8(pr, wq + c * QC5_NV, bq + c, acc);
#else
            qc5_group(pr, weights->taps + ((cb + c) / QC5_G) * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS + h * 2,
                      weights->bias + cb + c, acc);
#endif
            if (gfast[g]) {
              QC5_UNROLL
              for (int l = 0; l < QC5_C; ++l) acc[l] = qc5_requant_fast(acc[l], fast + c + l);
            } else if (gsat[g]) {
              qc5_requant_group(acc, ch + c, &common, 1, 1);
            } else if (gleft[g]) {
              qc5_requant_group(acc, ch + c, &common, 0, 1);
            } else {
              qc5_requant_group(acc, ch + c, &common, 0, 0);
            }
            const size_t channels = nch - c < QC5_C ? nch - c : QC5_C;
            int8_t* o = out + (cb + c) * output_stride;
            QC5_UNROLL
            for (int k = 0; k < QC5_C; k += 4) {
              if ((size_t)k >= channels) break;
              qc5_store4(acc + k, &common, channels - k < 4 ? channels - k : 4, n,
                         o + k * output_stride, output_stride);
            }
          }
        }
      }
    }
  }
}
