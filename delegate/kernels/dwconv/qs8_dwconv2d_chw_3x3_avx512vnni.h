/* AVX-512 VNNI int8 (QS8) CHW depthwise 3x3, stride 1 or 2 (a compile-time
 * constant of the including qs8_dwconv2d_chw_3x3s{1,2}__avx512vnni.c file);
 * semantics: qs8_dwconv2d_chw_scalar.h, bit-exact with it. Needs AVX-512
 * F/VL/BW, VNNI (vpdpbusd) and VBMI (vpermb); dispatch.c checks the CPU for
 * both before using these kernels.
 *
 * vpdpbusd multiplies 4 unsigned bytes by 4 signed bytes per int32 lane and
 * adds the 4 products to the lane. The inputs are made unsigned by x ^ 0x80
 * (= x + 128) and the correction goes into the bias, as the zero point does:
 *   bias + sum w (x - zx) = (bias - (zx + 128) sum w) + sum w (x + 128)
 * (mod 2^32, the scalar's wrapping sum), which holds as long as every tap
 * reads x or, outside the plane, zx: loads are byte-masked and merged into
 * a vector of zx exactly as in qs8_dwconv2d_chw_3x3_avx512.h (same lane
 * layouts, same plain / masked row modes, masked-off bytes never accessed),
 * and the xor comes after the merge. Per output lane, one kernel row's 3
 * taps go into the lane's 4 bytes (the 4th has weight 0) by one vpermb from
 * the row's load: 3 vpermb + 3 vpdpbusd per 16 outputs (the AVX-512 kernel:
 * 3 vpmovsxbw, 5 vpermw and 5 vpmaddwd for stride 1). |sum w (x + 128)| <=
 * 9 * 128 * 255: no overflow before the bias.
 *
 * Three layouts:
 *   - at most 64 outputs per plane (7x7, 14->7): 16 consecutive outputs per
 *     vector from a <= 127-byte span of the plane by vpermt2b (qs8v_small);
 *   - rows wider than 8 outputs: 16-column blocks run top to bottom, each
 *     input row loaded and gathered once and kept for the next output row
 *     (qs8v_column): per output vector 1 (stride 1) or 2 (stride 2) row
 *     loads + vpermb, and 3 vpdpbusd;
 *   - other rows of 1..8 outputs: two output rows per vector as the AVX-512
 *     kernel, 32 bytes of each row in bytes 0..31 and 32..63 of one zmm
 *     (qs8v_block).
 * Row loads: 32 bytes for a 16-output stride-1 block (18 used), 64 for
 * stride 2 (33 used: lane j takes bytes 2j .. 2j + 2). */
#ifndef TFLITE_SPARSE_QS8_DWCONV2D_CHW_3X3_AVX512VNNI_H_
#define TFLITE_SPARSE_QS8_DWCONV2D_CHW_3X3_AVX512VNNI_H_

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "dwconv/qs8_dwconv2d_chw_3x3_avx512.h" /* qs8z_addr, qs8z_lmask, requant */

/* vpermb needs VBMI, which the *__avx512vnni.c rule does not enable: the
 * VNNI SpMM kernels built by that rule run on VNNI CPUs without VBMI
 * (Cascade Lake), so -mavx512vbmi must not reach them. Only the functions
 * below get it; dispatch.c requires avx512vbmi for these kernels. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512vbmi"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512vbmi")
#endif

/* QS8V_WINDOW 0: rows wider than 8 outputs by qs8v_block (3 row loads per
 * output vector) instead of qs8v_column: the first version, kept to measure
 * against (build the header with -DQS8V_WINDOW=0). */
#ifndef QS8V_WINDOW
#define QS8V_WINDOW 1
#endif
/* QS8V_S1_INLINE 0: stride 1 through the out-of-line plane functions too
 * (inline measured faster for stride 1, slower for stride 2). */
#ifndef QS8V_S1_INLINE
#define QS8V_S1_INLINE 1
#endif
/* QS8V_SMALL 0: small outputs by the general paths too (qs8v_small). */
#ifndef QS8V_SMALL
#define QS8V_SMALL 1
#endif

/* Lanes l < n of a load at column p with 0 <= p + l < w (n <= 64). */
static inline uint64_t qs8v_lmask(ptrdiff_t p, ptrdiff_t w, ptrdiff_t n) {
  const ptrdiff_t lo = p < 0 ? -p : 0;
  const ptrdiff_t hi = w - p < n ? w - p : n;
  if (hi <= lo) return 0;
  const uint64_t top = hi >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << hi) - 1u;
  return top & ~((UINT64_C(1) << lo) - 1u);
}

typedef struct {
  __m512i w[3];  /* row ky: bytes (w[ky][0], w[ky][1], w[ky][2], 0) in every lane */
  __m512i idx;   /* vpermb indices: lane j's 4 bytes from the row load */
  __m512i bias;  /* bias - (zx + 128) * sum w */
  __m512i zx64;  /* zx bytes: the merge source of the masked loads */
  __m512i upad;  /* a row of padding after vpermb and the flip: zx ^ 0x80 */
  qs8z_rq rq;
  const struct qs8v_small_tab_s* small; /* small outputs: qs8v_small's tables */
  size_t nv; /* small outputs: vectors per plane (0: not small) */
} qs8v_ch;

/* vpermb indices: lane j takes bytes b, b + 1, b + 2 (and b again, weight 0)
 * with b = stride * j, or for two rows per vector (half) b = stride * j for
 * j < 8 and 32 + stride * (j - 8) above. */
static inline __m512i qs8v_idx(size_t stride, int half) {
  uint8_t idx[64];
  for (int j = 0; j < 16; ++j) {
    const int b = half && j >= 8 ? 32 + (int)stride * (j - 8) : (int)stride * j;
    for (int k = 0; k < 4; ++k) idx[4 * j + k] = (uint8_t)(k < 3 ? b + k : b);
  }
  return _mm512_loadu_si512(idx);
}

/* One input row's bytes for a vector (see the header comment); plain: the
 * whole load lies inside the plane, no mask. */
QS8_INLINE __m512i qs8v_ld(const size_t stride, const int half, const int plain,
                           const int8_t* pa, uint64_t ma, const int8_t* pb, uint64_t mb,
                           __m512i vzx) {
  if (half) {
    const __m512i a = _mm512_mask_loadu_epi8(vzx, (__mmask64)ma, pa);
    return _mm512_mask_loadu_epi8(a, (__mmask64)mb, qs8z_addr(pb, -32));
  }
  if (stride == 1) {
    const __m256i b = plain ? _mm256_loadu_si256((const __m256i*)pa)
                            : _mm256_mask_loadu_epi8(_mm512_castsi512_si256(vzx),
                                                     (__mmask32)ma, pa);
    return _mm512_castsi256_si512(b); /* upper bytes never indexed */
  }
  return plain ? _mm512_loadu_si512(pa) : _mm512_mask_loadu_epi8(vzx, (__mmask64)ma, pa);
}

/* One vector of outputs, as qs8z_block (modes 0 / 1 / 2 the same). */
QS8_INLINE void qs8v_block(const size_t stride, const int sat, const int round, const int half,
                           const int mode, const int8_t* plane, ptrdiff_t in_h, ptrdiff_t in_w,
                           size_t out_h, size_t out_w, ptrdiff_t pt, size_t oy, ptrdiff_t s,
                           uint64_t mk, uint32_t sm, const qs8v_ch* ch, int8_t* out, size_t ox0) {
  __m512i acc = ch->bias;
  const int has_b = half && (mode || oy + 1 < out_h);
  const int plain = mode == 2;
  const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride) - pt;
  const __m512i flip = _mm512_set1_epi8((char)0x80);
#pragma GCC unroll 3
  for (int ky = 0; ky < 3; ++ky) {
    const ptrdiff_t ia = iy0 + ky, ib = ia + (ptrdiff_t)stride;
    /* empty masks for rows of padding (and a missing second row) */
    const uint64_t ra = mode || (ia >= 0 && ia < in_h) ? ~UINT64_C(0) : 0;
    const uint64_t rb = has_b && (mode || (ib >= 0 && ib < in_h)) ? ~UINT64_C(0) : 0;
    const int8_t* pa = qs8z_addr(plane, ia * in_w + s);
    const int8_t* pb = qs8z_addr(plane, ib * in_w + s);
    const __m512i r = qs8v_ld(stride, half, plain, pa, mk & ra, pb, (mk << 32) & rb, ch->zx64);
    const __m512i u = _mm512_xor_si512(_mm512_permutexvar_epi8(ch->idx, r), flip);
    acc = _mm512_dpbusd_epi32(acc, u, ch->w[ky]);
  }
  const __m128i y = qs8z_pack(qs8z_requant(acc, &ch->rq, sat, round));
  int8_t* oa = out + oy * out_w + ox0;
  _mm_mask_storeu_epi8(oa, (__mmask16)sm, y);
  if (has_b) _mm_mask_storeu_epi8(qs8z_oaddr(oa, (ptrdiff_t)out_w - 8), (__mmask16)(sm << 8), y);
}

/* Small outputs (at most QS8V_SMALL_NV * 16 per plane: the 7x7 layers):
 * each output vector takes 16 consecutive outputs of the plane (row-major,
 * rows wrap inside a vector), whose input rows span at most 127 bytes: two
 * zmm loaded from the span's first row (bytes past the span or the plane
 * merged as zx), and one vpermt2b per kernel row gathers the lanes' taps,
 * padded taps from byte 127 (zx). No per-row loads or masks, and 7x7 fills
 * 49 of 64 lanes like the two-rows-per-vector layout. The indices depend
 * only on the shape: built once per call. */
#define QS8V_SMALL_NV 4

typedef struct qs8v_small_tab_s {
  __m512i idx[3 * QS8V_SMALL_NV];
  ptrdiff_t base[QS8V_SMALL_NV]; /* the span's first byte in the plane */
  uint64_t mlo[QS8V_SMALL_NV], mhi[QS8V_SMALL_NV]; /* its bytes 0..63, 64..126 */
} qs8v_small_tab;

static inline size_t qs8v_small_idx(size_t stride, size_t in_h, size_t in_w, size_t out_h,
                                    size_t out_w, size_t pad_top, size_t pad_left,
                                    qs8v_small_tab* t) {
  const size_t n = out_h * out_w, nv = (n + 15) / 16;
  if (nv > QS8V_SMALL_NV) return 0;
  for (size_t v = 0; v < nv; ++v) {
    /* input rows [r0, r1] of the vector's taps, clamped to the plane */
    const size_t o_end = 16 * v + 16 < n ? 16 * v + 16 : n;
    ptrdiff_t r0 = (ptrdiff_t)((16 * v / out_w) * stride) - (ptrdiff_t)pad_top;
    ptrdiff_t r1 = (ptrdiff_t)(((o_end - 1) / out_w) * stride) - (ptrdiff_t)pad_top + 2;
    if (r0 < 0) r0 = 0;
    if (r1 > (ptrdiff_t)in_h - 1) r1 = (ptrdiff_t)in_h - 1;
    const ptrdiff_t len = r1 >= r0 ? (r1 - r0 + 1) * (ptrdiff_t)in_w : 0;
    if (len > 127) return 0;
    /* whole plane in one zmm: every vector's span starts at byte 0 (one
     * load per channel, qs8v_small's `one`) */
    t->base[v] = len && in_h * in_w > 64 ? r0 * (ptrdiff_t)in_w : 0;
    const ptrdiff_t end = in_h * in_w > 64 ? t->base[v] + len : (ptrdiff_t)(in_h * in_w);
    t->mlo[v] = qs8v_lmask(t->base[v], end, 64);
    t->mhi[v] = qs8v_lmask(t->base[v] + 64, end, 64);
    for (size_t ky = 0; ky < 3; ++ky) {
      uint8_t b[64];
      for (size_t j = 0; j < 16; ++j) {
        const size_t o = 16 * v + j;
        const ptrdiff_t oy = (ptrdiff_t)(o / out_w), ox = (ptrdiff_t)(o % out_w);
        const ptrdiff_t iy = oy * (ptrdiff_t)stride - (ptrdiff_t)pad_top + (ptrdiff_t)ky;
        for (size_t kx = 0; kx < 4; ++kx) {
          const ptrdiff_t ix = ox * (ptrdiff_t)stride - (ptrdiff_t)pad_left + (ptrdiff_t)kx;
          const int in = o < n && kx < 3 && iy >= 0 && iy < (ptrdiff_t)in_h && ix >= 0 &&
                         ix < (ptrdiff_t)in_w;
          b[4 * j + kx] = (uint8_t)(in ? iy * (ptrdiff_t)in_w + ix - t->base[v] : 127);
        }
      }
      t->idx[3 * v + ky] = _mm512_loadu_si512(b);
    }
  }
  return nv;
}

/* one: the plane is at most 64 bytes, loaded once. */
QS8_INLINE void qs8v_small(const int sat, const int round, const int one, size_t n,
                           const int8_t* plane, const qs8v_ch* ch, int8_t* out) {
  const qs8v_small_tab* t = ch->small;
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  __m512i lo = _mm512_setzero_si512(), hi = ch->upad;
  if (one) lo = _mm512_xor_si512(_mm512_mask_loadu_epi8(ch->zx64, t->mlo[0], plane), flip);
  for (size_t v = 0; v < ch->nv; ++v) {
    if (!one) {
      const int8_t* p = qs8z_addr(plane, t->base[v]);
      lo = _mm512_xor_si512(_mm512_mask_loadu_epi8(ch->zx64, t->mlo[v], p), flip);
      hi = _mm512_xor_si512(_mm512_mask_loadu_epi8(ch->zx64, t->mhi[v], qs8z_addr(p, 64)), flip);
    }
    __m512i acc = ch->bias;
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ++ky) {
      acc = _mm512_dpbusd_epi32(acc, _mm512_permutex2var_epi8(lo, t->idx[3 * v + ky], hi),
                                ch->w[ky]);
    }
    const size_t left = n - 16 * v;
    const __mmask16 sm = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
    _mm_mask_storeu_epi8(out + 16 * v, sm, qs8z_pack(qs8z_requant(acc, &ch->rq, sat, round)));
  }
}

/* One input row of a 16-output column block, gathered and flipped to u8:
 * rows outside the plane are upad; rows iy <= last take a plain load. */
QS8_INLINE __m512i qs8v_urow(const size_t stride, const int8_t* plane, ptrdiff_t iy,
                             ptrdiff_t in_h, ptrdiff_t in_w, ptrdiff_t s, ptrdiff_t last,
                             uint64_t mk, const qs8v_ch* ch) {
  if (iy < 0 || iy >= in_h) return ch->upad;
  const int8_t* p = qs8z_addr(plane, iy * in_w + s);
  const __m512i r = iy <= last ? qs8v_ld(stride, 0, 1, p, 0, p, 0, ch->zx64)
                               : qs8v_ld(stride, 0, 0, p, mk, p, 0, ch->zx64);
  return _mm512_xor_si512(_mm512_permutexvar_epi8(ch->idx, r), _mm512_set1_epi8((char)0x80));
}

/* A column block of rows wider than 8 outputs, top to bottom: each input
 * row is loaded and gathered once and kept for the next output row (stride
 * 1: rows 1, 2 of the window become 0, 1; stride 2: row 2 becomes 0), so an
 * output vector costs 1 (stride 1) or 2 (stride 2) loads + vpermb instead
 * of 3. */
QS8_INLINE void qs8v_column(const size_t stride, const int sat, const int round,
                            const int8_t* plane, ptrdiff_t in_h, ptrdiff_t in_w, size_t out_h,
                            size_t out_w, ptrdiff_t pt, ptrdiff_t s, ptrdiff_t last, uint64_t mk,
                            uint32_t sm, const qs8v_ch* ch, int8_t* out, size_t ox0) {
  __m512i u0 = qs8v_urow(stride, plane, -pt, in_h, in_w, s, last, mk, ch);
  __m512i u1 = qs8v_urow(stride, plane, 1 - pt, in_h, in_w, s, last, mk, ch);
  int8_t* o = out + ox0;
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride) - pt;
    const __m512i u2 = qs8v_urow(stride, plane, iy0 + 2, in_h, in_w, s, last, mk, ch);
    __m512i acc = _mm512_dpbusd_epi32(ch->bias, u0, ch->w[0]);
    acc = _mm512_dpbusd_epi32(acc, u1, ch->w[1]);
    acc = _mm512_dpbusd_epi32(acc, u2, ch->w[2]);
    _mm_mask_storeu_epi8(o, (__mmask16)sm, qs8z_pack(qs8z_requant(acc, &ch->rq, sat, round)));
    o += out_w;
    if (stride == 1) {
      u0 = u1;
      u1 = u2;
    } else {
      u0 = u2;
      if (oy + 1 < out_h) u1 = qs8v_urow(stride, plane, iy0 + 3, in_h, in_w, s, last, mk, ch);
    }
  }
}

QS8_INLINE void qs8v_plane(const size_t stride, const int sat, const int round, size_t in_h,
                           size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                           size_t pad_left, const int8_t* plane, const qs8v_ch* chp,
                           int8_t* out) {
  /* a local copy: the int8 stores could alias *chp, forcing reloads */
  const qs8v_ch lc = *chp, *ch = &lc;
  const ptrdiff_t w = (ptrdiff_t)in_w, h = (ptrdiff_t)in_h, pt = (ptrdiff_t)pad_top;
  /* Output rows [lo, hi) read only rows inside the plane. */
  size_t lo = (pad_top + stride - 1) / stride;
  size_t hi = in_h + pad_top >= 3 ? (in_h + pad_top - 3) / stride + 1 : 0;
  if (hi > out_h) hi = out_h;
  if (lo > hi) lo = hi;
  if (out_w <= 8) { /* two output rows per vector */
    const ptrdiff_t s = -(ptrdiff_t)pad_left;
    const uint64_t mk = qs8v_lmask(s, w, 32);
    const uint32_t sm = (1u << out_w) - 1u;
    size_t oy = 0;
    for (; oy < lo; oy += 2) {
      qs8v_block(stride, sat, round, 1, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, 0);
    }
    for (; oy + 1 < hi; oy += 2) {
      qs8v_block(stride, sat, round, 1, 1, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, 0);
    }
    for (; oy < out_h; oy += 2) {
      qs8v_block(stride, sat, round, 1, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, 0);
    }
    return;
  }
  /* Bytes per row load (ext) and the first `used` of them, which the
   * block's outputs read with nonzero weight. */
  const ptrdiff_t ext = stride == 2 ? 64 : 32;
  const ptrdiff_t used = stride == 2 ? 33 : 18;
  for (size_t ox0 = 0; ox0 < out_w; ox0 += 16) {
    const ptrdiff_t s = (ptrdiff_t)(ox0 * stride) - (ptrdiff_t)pad_left;
    const uint64_t mk = qs8v_lmask(s, w, ext);
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
    if (QS8V_WINDOW) {
      ptrdiff_t last = -1; /* last input row with a plain load */
      if (s >= 0 && s + used <= w && h * w - s - ext >= 0) last = (h * w - s - ext) / w;
      qs8v_column(stride, sat, round, plane, h, w, out_h, out_w, pt, s, last, mk, sm, ch, out, ox0);
      continue;
    }
    size_t oy = 0;
    for (; oy < lo; ++oy) {
      qs8v_block(stride, sat, round, 0, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
    for (; oy < phi; ++oy) {
      qs8v_block(stride, sat, round, 0, 2, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
    for (; oy < hi; ++oy) {
      qs8v_block(stride, sat, round, 0, 1, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
    for (; oy < out_h; ++oy) {
      qs8v_block(stride, sat, round, 0, 0, plane, h, w, out_h, out_w, pt, oy, s, mk, sm, ch, out, ox0);
    }
  }
}

/* Out of line for stride 2: inlined into qs8v_dwconv2d_chw_3x3 beside the
 * row paths, they measured ~20% slower on the stride-2 rows (not
 * investigated further; register allocation / code placement). */
__attribute__((noinline)) static void qs8v_small_any(int sat, int round, int one, size_t n,
                                                     const int8_t* plane, const qs8v_ch* ch,
                                                     int8_t* out) {
  if (sat) {
    if (one) qs8v_small(1, 1, 1, n, plane, ch, out);
    else qs8v_small(1, 1, 0, n, plane, ch, out);
  } else if (round) {
    if (one) qs8v_small(0, 1, 1, n, plane, ch, out);
    else qs8v_small(0, 1, 0, n, plane, ch, out);
  } else {
    if (one) qs8v_small(0, 0, 1, n, plane, ch, out);
    else qs8v_small(0, 0, 0, n, plane, ch, out);
  }
}

/* Out of line too (stride is a constant per including file: every call
 * passes the same one, which GCC propagates: constprop clone). */
__attribute__((noinline)) static void qs8v_plane_any(size_t stride, int sat, int round,
                                                     size_t in_h, size_t in_w, size_t out_h,
                                                     size_t out_w, size_t pad_top, size_t pad_left,
                                                     const int8_t* plane, const qs8v_ch* ch,
                                                     int8_t* out) {
  if (sat) {
    qs8v_plane(stride, 1, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, ch, out);
  } else if (round) {
    qs8v_plane(stride, 0, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, ch, out);
  } else {
    qs8v_plane(stride, 0, 0, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, ch, out);
  }
}

QS8_INLINE void qs8v_dwconv2d_chw_3x3(
    const size_t stride, size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
    size_t pad_top, size_t pad_left, const int8_t* input, size_t input_stride,
    const int8_t* weights, const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
    int32_t zx, const tsp_qs8_output* q, int8_t* output, size_t output_stride) {
  if (out_h == 0 || out_w == 0) return;
  qs8v_ch ch;
  ch.zx64 = _mm512_set1_epi8((char)zx);
  ch.idx = qs8v_idx(stride, out_w <= 8);
  ch.upad = _mm512_xor_si512(ch.zx64, _mm512_set1_epi8((char)0x80));
  qs8v_small_tab small;
  ch.nv = QS8V_SMALL ? qs8v_small_idx(stride, in_h, in_w, out_h, out_w, pad_top, pad_left, &small)
                     : 0;
  ch.small = &small;
  for (size_t c = 0; c < channels; ++c) {
    const int8_t* wc = weights + 9 * c;
    int32_t wsum = 0;
    for (int i = 0; i < 9; ++i) wsum += wc[i];
    ch.bias = _mm512_set1_epi32(
        (int32_t)((uint32_t)bias[c] - (uint32_t)(zx + 128) * (uint32_t)wsum));
    for (int ky = 0; ky < 3; ++ky) {
      ch.w[ky] = _mm512_set1_epi32((int32_t)((uint32_t)(uint8_t)wc[3 * ky] |
                                             (uint32_t)(uint8_t)wc[3 * ky + 1] << 8 |
                                             (uint32_t)(uint8_t)wc[3 * ky + 2] << 16));
    }
    const int32_t mult = multiplier[c], sh = shift[c];
    ch.rq = qs8z_row_params(mult, sh, q);
    const int8_t* plane = input + c * input_stride;
    int8_t* out = output + c * output_stride;
    /* sat / round are per-channel constants: one specialized loop each. */
    const int sat = mult == INT32_MIN, round = sh < 0, one = in_h * in_w <= 64;
    if (stride == 2 || !QS8V_S1_INLINE) {
      if (ch.nv) qs8v_small_any(sat, round, one, out_h * out_w, plane, &ch, out);
      else qs8v_plane_any(stride, sat, round, in_h, in_w, out_h, out_w, pad_top, pad_left, plane,
                          &ch, out);
    } else if (ch.nv) {
      if (sat) qs8v_small(1, 1, one, out_h * out_w, plane, &ch, out);
      else if (round) qs8v_small(0, 1, one, out_h * out_w, plane, &ch, out);
      else qs8v_small(0, 0, one, out_h * out_w, plane, &ch, out);
    } else if (sat) {
      qs8v_plane(stride, 1, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, &ch, out);
    } else if (round) {
      qs8v_plane(stride, 0, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, &ch, out);
    } else {
      qs8v_plane(stride, 0, 0, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, &ch, out);
    }
  }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif /* TFLITE_SPARSE_QS8_DWCONV2D_CHW_3X3_AVX512VNNI_H_ */
