/* AVX-512 int8 (QS8) CHW depthwise 3x3, stride 1 or 2 (a compile-time
 * constant of the including qs8_dwconv2d_chw_3x3s{1,2}__avx512.c file);
 * semantics: qs8_dwconv2d_chw_scalar.h, bit-exact with it. Needs only
 * AVX-512 F/VL/BW (byte-masked loads and stores, vpmaddwd on zmm).
 *
 * Every output goes through vectors of 16 int32, edges included: loads are
 * byte-masked to the row's [0, in_w) and merged into a vector of zx, so
 * padded taps read as zx (and masked-off bytes are never accessed: planes
 * may end at a buffer's end). Rows of padding load with an empty mask.
 * Because every tap then holds either x or zx, the zero point folds into
 * the bias once per channel:
 *   bias + sum w (x - zx) = (bias - zx * sum w) + sum w x   (mod 2^32)
 * which is the scalar's wrapping sum, so each tap is one multiply-add on
 * raw int8 (|sum w x| <= 9 * 128 * 128, no overflow).
 *
 * Lanes: rows wider than 8 outputs take 16 columns of one output row per
 * vector (the last block masked); rows of 1..8 outputs (7x7, 14->7) take
 * two output rows per vector, lanes 0..7 and 8..15, the second row's bytes
 * merged into the upper half by a second masked load, so 7-wide planes fill
 * 14 of 16 lanes.
 *
 * Rows: output rows whose input rows all lie inside the plane take the
 * block's column masks as they are (no per-row mask arithmetic); column
 * blocks whose used bytes lie inside the row, and whose loads stay inside
 * the plane, take plain loads (byte-masked loads cost more on Zen 5; a
 * plain load into the next row would need a blend, which measured slower
 * than the masked load on 7..28-wide planes).
 *
 * Stride 1: each input row once as 32 bytes -> vpmovsxbw, then vpermw /
 * vpermt2w pair taps up as int16 (see qs8z_s1_madd): 5 vpmaddwd per 9 taps,
 * measured 1.1x (112 wide) to 1.5x (7 wide) faster than vpmulld per tap
 * (kept as QS8Z_S1_MULLD for benchmarks/qs8_dwconv_bench.c). Stride 2: taps
 * kx 0 and 1 of output i are the adjacent bytes 2i, 2i+1, so 32 bytes at the
 * block's first column,
 * vpmovsxbw, are 16 int16 pairs for one vpmaddwd with (w0, w1); 32 bytes two
 * columns on give tap 2 with (w2, 0) (the odd bytes are multiplied by 0):
 * no deinterleave. Requantization: qs8_requant_avx512.h, per channel
 * specialized on its sat / round flags as the AVX2 kernels are. */
#ifndef TFLITE_SPARSE_QS8_DWCONV2D_CHW_3X3_AVX512_H_
#define TFLITE_SPARSE_QS8_DWCONV2D_CHW_3X3_AVX512_H_

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "qs8_requant_avx512.h"

/* Addresses outside a row are formed in integers: only masked loads and
 * stores whose enabled lanes lie inside use them. */
static inline const int8_t* qs8z_addr(const int8_t* base, ptrdiff_t off) {
  return (const int8_t*)((uintptr_t)base + (uintptr_t)off);
}
static inline int8_t* qs8z_oaddr(int8_t* base, ptrdiff_t off) {
  return (int8_t*)((uintptr_t)base + (uintptr_t)off);
}

/* Lanes l < n of a load at column p with 0 <= p + l < w (n <= 32). */
static inline uint32_t qs8z_lmask(ptrdiff_t p, ptrdiff_t w, ptrdiff_t n) {
  const ptrdiff_t lo = p < 0 ? -p : 0;
  const ptrdiff_t hi = w - p < n ? w - p : n;
  if (hi <= lo) return 0;
  const uint32_t top = hi >= 32 ? 0xFFFFFFFFu : (1u << hi) - 1u;
  return top & ~((1u << lo) - 1u);
}

/* QS8Z_S1_MULLD 1: stride 1 by vpmulld per tap instead (the scheme measured
 * against in benchmarks/qs8_dwconv_bench.c). */
#ifndef QS8Z_S1_MULLD
#define QS8Z_S1_MULLD 0
#endif

typedef struct {
  /* s1 (vpmaddwd): w[0..4] = int16 pairs (w00, w01), (w02, w10), (w11, w12),
   * (w20, w21), (w22, 0); s1 (vpmulld): the 9 taps as int32;
   * s2: w[ky] = (w0, w1), w[3 + ky] = (w2, 0) of row ky. */
  __m512i w[9];
  __m512i perm[4]; /* s1 vpermw indices, see qs8z_s1_madd */
  __m512i bias; /* bias - zx * sum w */
  qs8z_rq rq;
  __m128i zx16; /* zx bytes: the merge source of the masked loads */
  __m256i zx32;
} qs8z_ch;

/* Stride 1 by vpmulld (QS8Z_S1_MULLD): the 3 taps of one input row, 16
 * bytes at each tap's column (half: lanes 8..15 merged in from row pb). */
QS8_INLINE __m512i qs8z_s1_row(__m512i acc, const int8_t* pa, uint32_t ra, const int8_t* pb,
                               uint32_t rb, const uint32_t* mk, __m128i vzx, const __m512i* w,
                               const int half, const int plain) {
#pragma GCC unroll 3
  for (int kx = 0; kx < 3; ++kx) {
    __m128i b = plain ? _mm_loadu_si128((const __m128i*)(pa + kx))
                      : _mm_mask_loadu_epi8(vzx, (__mmask16)(mk[kx] & ra), qs8z_addr(pa, kx));
    if (half) b = _mm_mask_loadu_epi8(b, (__mmask16)((mk[kx] << 8) & rb), qs8z_addr(pb, kx - 8));
    acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(b), w[kx]));
  }
  return acc;
}

/* 32 bytes at column p of row pa (lanes mask m) as 32 int16; half: bytes
 * 16..31 from row pb instead; plain: all 32 readable, no mask (the lanes
 * past the row's end are never used). */
QS8_INLINE __m512i qs8z_ld32(const int8_t* pa, uint32_t ma, const int8_t* pb, uint32_t mb,
                             ptrdiff_t p, __m256i vzx, const int half, const int plain) {
  if (plain) return _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)(pa + p)));
  __m256i b = _mm256_mask_loadu_epi8(vzx, (__mmask32)ma, qs8z_addr(pa, p));
  if (half) b = _mm256_mask_loadu_epi8(b, (__mmask32)mb, qs8z_addr(pb, p - 16));
  return _mm512_cvtepi8_epi16(b);
}

/* Stride 1 by vpmaddwd: each input row is loaded once as int16 words
 * X[j] = x[s + j] (half: row A's in words 0..15, row B's in 16..31), and
 * vpermw / vpermt2w build, per output lane i with base word b_i (i, or
 * i + 8 for the upper half), the int16 pairs of two taps:
 *   (X0[b+0], X0[b+1]) (X0[b+2], X1[b+0]) (X1[b+1], X1[b+2])
 *   (X2[b+0], X2[b+1]) (X2[b+2], -)
 * 5 vpmaddwd for the 9 taps instead of 9 vpmulld. */
QS8_INLINE __m512i qs8z_s1_madd(__m512i acc, const __m512i* x, const qs8z_ch* ch) {
  __m512i a1 = _mm512_madd_epi16(_mm512_permutexvar_epi16(ch->perm[0], x[0]), ch->w[0]);
  acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_permutex2var_epi16(x[0], ch->perm[2], x[1]), ch->w[1]));
  a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_permutexvar_epi16(ch->perm[1], x[1]), ch->w[2]));
  acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_permutexvar_epi16(ch->perm[0], x[2]), ch->w[3]));
  a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_permutexvar_epi16(ch->perm[3], x[2]), ch->w[4]));
  return _mm512_add_epi32(acc, a1);
}

/* The vpermw indices of qs8z_s1_madd: word 2i, 2i+1 of each. */
static inline void qs8z_s1_perm(__m512i* perm, int half) {
  static const int16_t d[4][2] = {{0, 1}, {1, 2}, {2, 32}, {2, 2}}; /* +32: second source */
  for (int k = 0; k < 4; ++k) {
    int16_t idx[32];
    for (int i = 0; i < 16; ++i) {
      const int b = half && i >= 8 ? i + 8 : i;
      idx[2 * i] = (int16_t)(b + d[k][0]);
      idx[2 * i + 1] = (int16_t)(d[k][1] == 32 ? 32 + b : b + d[k][1]);
    }
    perm[k] = _mm512_loadu_si512(idx);
  }
}

/* Stride 2: 32 bytes at the block's column (taps 0, 1) and 2 further (tap 2);
 * half: 16 bytes per output row, row pb's in bytes 16..31. */
QS8_INLINE __m512i qs8z_s2_row(__m512i acc, const int8_t* pa, uint32_t ra, const int8_t* pb,
                               uint32_t rb, const uint32_t* mk, __m256i vzx, __m512i w01,
                               __m512i w2, const int half, const int plain) {
  __m256i b0, b2;
  if (plain) {
    b0 = _mm256_loadu_si256((const __m256i*)pa);
    b2 = _mm256_loadu_si256((const __m256i*)(pa + 2));
  } else {
    b0 = _mm256_mask_loadu_epi8(vzx, (__mmask32)(mk[0] & ra), pa);
    b2 = _mm256_mask_loadu_epi8(vzx, (__mmask32)(mk[2] & ra), qs8z_addr(pa, 2));
  }
  if (half) {
    b0 = _mm256_mask_loadu_epi8(b0, (__mmask32)((mk[0] << 16) & rb), qs8z_addr(pb, -16));
    b2 = _mm256_mask_loadu_epi8(b2, (__mmask32)((mk[2] << 16) & rb), qs8z_addr(pb, 2 - 16));
  }
  acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_cvtepi8_epi16(b0), w01));
  return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_cvtepi8_epi16(b2), w2));
}

/* One vector of outputs: lanes from output row oy (and oy + 1 when half) at
 * columns ox0..; mk: the block's column masks; sm: its store mask.
 * mode 0: rows checked against the plane (padding rows, a missing second
 * row); 1: every input row inside (masks constant per block, no per-row
 * mask arithmetic); 2: also every load inside the plane and its used bytes
 * inside the row: plain loads. */
QS8_INLINE void qs8z_block(const size_t stride, const int sat, const int round, const int half,
                           const int mode,
                           const int8_t* plane, ptrdiff_t in_h, ptrdiff_t in_w, size_t out_h,
                           size_t out_w, ptrdiff_t pt, size_t oy, ptrdiff_t s, const uint32_t* mk,
                           uint32_t sm, const qs8z_ch* ch, int8_t* out, size_t ox0) {
  __m512i acc = ch->bias;
  const int has_b = half && (mode || oy + 1 < out_h);
  const int plain = mode == 2;
  const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride) - pt;
  __m512i x[3];
#pragma GCC unroll 3
  for (int ky = 0; ky < 3; ++ky) {
    const ptrdiff_t ia = iy0 + ky, ib = ia + (ptrdiff_t)stride;
    /* empty masks for rows of padding (and a missing second row) */
    const uint32_t ra = mode || (ia >= 0 && ia < in_h) ? 0xFFFFFFFFu : 0;
    const uint32_t rb = has_b && (mode || (ib >= 0 && ib < in_h)) ? 0xFFFFFFFFu : 0;
    const int8_t* pa = qs8z_addr(plane, ia * in_w + s);
    const int8_t* pb = qs8z_addr(plane, ib * in_w + s);
    if (stride == 1 && !QS8Z_S1_MULLD) {
      x[ky] = qs8z_ld32(pa, mk[0] & ra, pb, (mk[0] << 16) & rb, 0, ch->zx32, half, plain);
    } else if (stride == 1) {
      acc = qs8z_s1_row(acc, pa, ra, pb, rb, mk, ch->zx16, ch->w + 3 * ky, half, plain);
    } else {
      acc = qs8z_s2_row(acc, pa, ra, pb, rb, mk, ch->zx32, ch->w[ky], ch->w[3 + ky], half, plain);
    }
  }
  if (stride == 1 && !QS8Z_S1_MULLD) acc = qs8z_s1_madd(acc, x, ch);
  const __m128i y = qs8z_pack(qs8z_requant(acc, &ch->rq, sat, round));
  int8_t* oa = out + oy * out_w + ox0;
  _mm_mask_storeu_epi8(oa, (__mmask16)sm, y);
  if (has_b) _mm_mask_storeu_epi8(qs8z_oaddr(oa, (ptrdiff_t)out_w - 8), (__mmask16)(sm << 8), y);
}

QS8_INLINE void qs8z_plane(const size_t stride, const int sat, const int round, size_t in_h,
                           size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                           size_t pad_left, const int8_t* plane, const qs8z_ch* ch, int8_t* out) {
  const ptrdiff_t w = (ptrdiff_t)in_w, h = (ptrdiff_t)in_h, pt = (ptrdiff_t)pad_top;
  uint32_t mk[3];
  /* bytes per row load: 16 (s1 vpmulld) or 32 per vector, half of it per
   * row when two rows share a vector */
  const ptrdiff_t nb = stride == 1 && QS8Z_S1_MULLD ? 16 : 32;
  /* Output rows [lo, hi) read only rows inside the plane. */
  size_t lo = (pad_top + stride - 1) / stride;
  size_t hi = in_h + pad_top >= 3 ? (in_h + pad_top - 3) / stride + 1 : 0;
  if (hi > out_h) hi = out_h;
  if (lo > hi) lo = hi;
  if (out_w <= 8) { /* two output rows per vector */
    const ptrdiff_t s = -(ptrdiff_t)pad_left;
    for (int kx = 0; kx < 3; ++kx) mk[kx] = qs8z_lmask(s + kx, w, nb / 2);
    const uint32_t sm = (1u << out_w) - 1u;
    size_t oy = 0;
    for (; oy < lo; oy += 2) {
      qs8z_block(stride, sat, round, 1, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, 0);
    }
    for (; oy + 1 < hi; oy += 2) {
      qs8z_block(stride, sat, round, 1, 1, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, 0);
    }
    for (; oy < out_h; oy += 2) {
      qs8z_block(stride, sat, round, 1, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, 0);
    }
    return;
  }
  /* Plain loads: bytes a block reads from column s of each input row (ext),
   * and the first `used` of them, which its outputs use. */
  const ptrdiff_t ext = stride == 2 ? 34 : QS8Z_S1_MULLD ? 18 : 32;
  const ptrdiff_t used = stride == 2 ? 33 : 18;
  /* Column blocks outermost: their masks are computed once per plane. */
  for (size_t ox0 = 0; ox0 < out_w; ox0 += 16) {
    const ptrdiff_t s = (ptrdiff_t)(ox0 * stride) - (ptrdiff_t)pad_left;
    for (int kx = 0; kx < 3; ++kx) mk[kx] = qs8z_lmask(s + kx, w, nb);
    const size_t n = out_w - ox0 < 16 ? out_w - ox0 : 16;
    const uint32_t sm = (uint32_t)((1u << n) - 1u);
    /* Rows [lo, phi) of a block whose used bytes lie inside the row also
     * have all ext bytes of their last input row inside the plane. */
    size_t phi = lo;
    if (s >= 0 && s + used <= w && h * w - s - ext >= 0) {
      const ptrdiff_t last = (h * w - s - ext) / w; /* last input row with a plain load */
      phi = last + pt >= 2 ? (size_t)(last + pt - 2) / stride + 1 : 0;
      if (phi > hi) phi = hi;
      if (phi < lo) phi = lo;
    }
    size_t oy = 0;
    for (; oy < lo; ++oy) {
      qs8z_block(stride, sat, round, 0, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
    for (; oy < phi; ++oy) {
      qs8z_block(stride, sat, round, 0, 2, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
    for (; oy < hi; ++oy) {
      qs8z_block(stride, sat, round, 0, 1, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
    for (; oy < out_h; ++oy) {
      qs8z_block(stride, sat, round, 0, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
  }
}

QS8_INLINE void qs8z_dwconv2d_chw_3x3(
    const size_t stride, size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
    size_t pad_top, size_t pad_left, const int8_t* input, size_t input_stride,
    const int8_t* weights, const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
    int32_t zx, const tsp_qs8_output* q, int8_t* output, size_t output_stride) {
  if (out_h == 0 || out_w == 0) return;
  qs8z_ch ch;
  ch.zx16 = _mm_set1_epi8((char)zx);
  ch.zx32 = _mm256_set1_epi8((char)zx);
  if (stride == 1) qs8z_s1_perm(ch.perm, out_w <= 8);
  for (size_t c = 0; c < channels; ++c) {
    const int8_t* wc = weights + 9 * c;
    int32_t wsum = 0;
    for (int i = 0; i < 9; ++i) wsum += wc[i];
    ch.bias = _mm512_set1_epi32((int32_t)((uint32_t)bias[c] - (uint32_t)zx * (uint32_t)wsum));
    if (stride == 1 && !QS8Z_S1_MULLD) {
      static const int pairs[5][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, -1}};
      for (int k = 0; k < 5; ++k) {
        const uint16_t lo = (uint16_t)wc[pairs[k][0]];
        const uint16_t hi = pairs[k][1] < 0 ? 0 : (uint16_t)wc[pairs[k][1]];
        ch.w[k] = _mm512_set1_epi32((int32_t)((uint32_t)lo | (uint32_t)hi << 16));
      }
    } else if (stride == 1) {
      for (int i = 0; i < 9; ++i) ch.w[i] = _mm512_set1_epi32(wc[i]);
    } else {
      for (int ky = 0; ky < 3; ++ky) {
        ch.w[ky] = _mm512_set1_epi32((int32_t)((uint32_t)(uint16_t)wc[3 * ky] |
                                               (uint32_t)(uint16_t)wc[3 * ky + 1] << 16));
        ch.w[3 + ky] = _mm512_set1_epi32((int32_t)(uint16_t)wc[3 * ky + 2]);
      }
    }
    const int32_t mult = multiplier[c], sh = shift[c];
    ch.rq = qs8z_row_params(mult, sh, q);
    const int8_t* plane = input + c * input_stride;
    int8_t* out = output + c * output_stride;
    /* sat / round are per-channel constants: one specialized loop each. */
    if (mult == INT32_MIN) {
      qs8z_plane(stride, 1, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, &ch, out);
    } else if (sh < 0) {
      qs8z_plane(stride, 0, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, &ch, out);
    } else {
      qs8z_plane(stride, 0, 0, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, &ch, out);
    }
  }
}

#endif /* TFLITE_SPARSE_QS8_DWCONV2D_CHW_3X3_AVX512_H_ */
