/* AVX-512 3x3 depthwise CHW row kernels with register-built taps, for wide
 * rows (see the dispatch in f32_dwconv2d_chw_3x3s{1,2}__avx512.c). Same
 * contract as tsp_dwconv2d_chw_fn. Included once per kernel file after
 * defining TSP_DW_S (1 or 2); not a standalone header.
 *
 * Stride 1: output block j (outputs [16j, 16j + 16) of a row) reads input
 * columns s_j + [0, 18) with s_j = 16j - pad_left. Each input row is loaded
 * once per block as the vector at s_{j+1} (B); the vector at s_j (A) is the
 * previous block's B, and taps kx = 0, 1, 2 are A, valignd(B:A, 1) and
 * valignd(B:A, 2). Two output rows per pass share their 4 input rows. Pairs
 * whose rows are all inside the plane run branch-free; rows touching the
 * top/bottom padding run one at a time with the missing rows skipped.
 *
 * Stride 2: output block j reads input columns s_j + [0, 33) with
 * s_j = 32j - pad_left: two vectors deinterleaved into even (tap 0) and odd
 * (tap 1) columns; tap 2 is the even vector moved down one lane with column
 * s_j + 32 (a broadcast scalar) entering on top. Nothing is carried from
 * block to block.
 *
 * Columns: blocks whose loads lie inside the row and whose stores are whole
 * take plain loads and stores; the other blocks (row ends) use masked loads
 * (lanes outside [0, in_w) read as zero and are never accessed) and a masked
 * store. Addresses left of a row are formed in integer arithmetic (dw_raddr)
 * and only used by masked loads whose enabled lanes are inside. */

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "dwconv/vec_avx512.h"
#include "kernels.h"

#define DWR_INLINE static inline __attribute__((always_inline))

static inline const float* dwr_addr(const float* base, ptrdiff_t j) {
  return (const float*)((uintptr_t)base + (uintptr_t)j * sizeof(float));
}

/* Lanes l of the vector at column p with 0 <= p + l < w. */
static inline __mmask16 dwr_load_mask(ptrdiff_t p, ptrdiff_t w) {
  const ptrdiff_t lo = p < 0 ? -p : 0;
  const ptrdiff_t hi = w - p < 16 ? w - p : 16;
  if (hi <= lo) return 0;
  return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

static inline __mmask16 dwr_store_mask(ptrdiff_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
}

/* Row loads: plain when `edge` is 0 (constant at every call site). */
DWR_INLINE __m512 dwr_ld(const float* row, ptrdiff_t p, __mmask16 m, int edge) {
  return edge ? _mm512_maskz_loadu_ps(m, dwr_addr(row, p)) : _mm512_loadu_ps(row + p);
}

DWR_INLINE void dwr_st(float* out, __m512 v, __mmask16 m, int edge) {
  if (edge) {
    _mm512_mask_storeu_ps(out, m, v);
  } else {
    _mm512_storeu_ps(out, v);
  }
}

static inline __m512 dwr_alignr(__m512 lo, __m512 hi, int n) {
  /* n is constant after inlining */
  return n == 1 ? _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi),
                                                          _mm512_castps_si512(lo), 1))
                : _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi),
                                                          _mm512_castps_si512(lo), 2));
}

/* Blocks [j_lo, j_hi) of a row are "plain": every load inside the row and
 * every store whole. Returns j_hi; j_lo through *lo. `span_next` is the
 * offset (from s_j) of the last vector a block loads. */
static inline size_t dwr_plain_range(ptrdiff_t w, size_t out_w, ptrdiff_t pl, ptrdiff_t step,
                                     ptrdiff_t first_off, ptrdiff_t last_off, size_t nb,
                                     size_t* lo) {
  size_t j = 0;
  while (j < nb && (ptrdiff_t)j * step - pl + first_off < 0) ++j;
  *lo = j;
  size_t hi = j;
  while (hi < nb && (ptrdiff_t)hi * step - pl + last_off + 16 <= w && (hi + 1) * 16 <= out_w) ++hi;
  return hi;
}

#if TSP_DW_S == 1

typedef struct {
  __m512 w[9], bias, vmin, vmax;
} dwr_p;

/* Block j of two output rows from input rows r[0..3] (all inside); a[] holds
 * each row's vector at s_j and receives the one at s_{j+1}. */
DWR_INLINE void dwr_s1_pair_block(const float* restrict r0, const float* restrict r1,
                                  const float* restrict r2, const float* restrict r3,
                                  ptrdiff_t pn, ptrdiff_t w, __m512* a, const __m512* wv,
                                  __m512 bias, __m512 vmin, __m512 vmax, float* restrict o0,
                                  float* restrict o1, ptrdiff_t n, int edge) {
  const __mmask16 lm = edge ? dwr_load_mask(pn, w) : 0xFFFF;
  const __m512 b0 = dwr_ld(r0, pn, lm, edge);
  const __m512 b1 = dwr_ld(r1, pn, lm, edge);
  const __m512 b2 = dwr_ld(r2, pn, lm, edge);
  const __m512 b3 = dwr_ld(r3, pn, lm, edge);
  /* row 0 -> out0 ky 0; row 1 -> out0 ky 1, out1 ky 0; row 2 -> out0 ky 2,
   * out1 ky 1; row 3 -> out1 ky 2 */
  __m512 x0 = a[0], x1 = dwr_alignr(a[0], b0, 1), x2 = dwr_alignr(a[0], b0, 2);
  __m512 acc0 = _mm512_fmadd_ps(x0, wv[0], bias);
  __m512 acc0b = _mm512_mul_ps(x1, wv[1]);
  acc0 = _mm512_fmadd_ps(x2, wv[2], acc0);
  x0 = a[1], x1 = dwr_alignr(a[1], b1, 1), x2 = dwr_alignr(a[1], b1, 2);
  acc0b = _mm512_fmadd_ps(x0, wv[3], acc0b);
  __m512 acc1 = _mm512_fmadd_ps(x0, wv[0], bias);
  acc0 = _mm512_fmadd_ps(x1, wv[4], acc0);
  __m512 acc1b = _mm512_mul_ps(x1, wv[1]);
  acc0b = _mm512_fmadd_ps(x2, wv[5], acc0b);
  acc1 = _mm512_fmadd_ps(x2, wv[2], acc1);
  x0 = a[2], x1 = dwr_alignr(a[2], b2, 1), x2 = dwr_alignr(a[2], b2, 2);
  acc0 = _mm512_fmadd_ps(x0, wv[6], acc0);
  acc1b = _mm512_fmadd_ps(x0, wv[3], acc1b);
  acc0b = _mm512_fmadd_ps(x1, wv[7], acc0b);
  acc1 = _mm512_fmadd_ps(x1, wv[4], acc1);
  acc0 = _mm512_fmadd_ps(x2, wv[8], acc0);
  acc1b = _mm512_fmadd_ps(x2, wv[5], acc1b);
  x0 = a[3], x1 = dwr_alignr(a[3], b3, 1), x2 = dwr_alignr(a[3], b3, 2);
  acc1 = _mm512_fmadd_ps(x0, wv[6], acc1);
  acc1b = _mm512_fmadd_ps(x1, wv[7], acc1b);
  acc1 = _mm512_fmadd_ps(x2, wv[8], acc1);
  a[0] = b0;
  a[1] = b1;
  a[2] = b2;
  a[3] = b3;
  const __m512 y0 = v_clamp(_mm512_add_ps(acc0, acc0b), vmin, vmax);
  const __m512 y1 = v_clamp(_mm512_add_ps(acc1, acc1b), vmin, vmax);
  const __mmask16 sm = edge ? dwr_store_mask(n) : 0xFFFF;
  dwr_st(o0, y0, sm, edge);
  dwr_st(o1, y1, sm, edge);
}

static void dwr_s1_pair(const float* restrict r0, const float* restrict r1,
                        const float* restrict r2, const float* restrict r3, ptrdiff_t w,
                        size_t out_w, ptrdiff_t pl, size_t nb, size_t j_lo, size_t j_hi,
                        const dwr_p* restrict p, float* restrict o0, float* restrict o1) {
  __m512 wv[9];
  for (int t = 0; t < 9; ++t) wv[t] = p->w[t];
  const __m512 bias = p->bias, vmin = p->vmin, vmax = p->vmax;
  __m512 a[4];
  {
    const __mmask16 m = dwr_load_mask(-pl, w);
    a[0] = _mm512_maskz_loadu_ps(m, dwr_addr(r0, -pl));
    a[1] = _mm512_maskz_loadu_ps(m, dwr_addr(r1, -pl));
    a[2] = _mm512_maskz_loadu_ps(m, dwr_addr(r2, -pl));
    a[3] = _mm512_maskz_loadu_ps(m, dwr_addr(r3, -pl));
  }
  size_t j = 0;
  for (; j < j_lo; ++j) {
    dwr_s1_pair_block(r0, r1, r2, r3, (ptrdiff_t)(j * 16 + 16) - pl, w, a, wv, bias, vmin, vmax,
                      o0 + j * 16, o1 + j * 16, (ptrdiff_t)(out_w - j * 16), 1);
  }
  for (; j < j_hi; ++j) {
    dwr_s1_pair_block(r0, r1, r2, r3, (ptrdiff_t)(j * 16 + 16) - pl, w, a, wv, bias, vmin, vmax,
                      o0 + j * 16, o1 + j * 16, 16, 0);
  }
  for (; j < nb; ++j) {
    dwr_s1_pair_block(r0, r1, r2, r3, (ptrdiff_t)(j * 16 + 16) - pl, w, a, wv, bias, vmin, vmax,
                      o0 + j * 16, o1 + j * 16, (ptrdiff_t)(out_w - j * 16), 1);
  }
}

/* One output row; rows[ky] NULL when outside the plane. Masked everywhere:
 * only the few rows at the top/bottom padding come here. */
static void dwr_s1_single(const float* const* rows, ptrdiff_t w, size_t out_w, ptrdiff_t pl,
                          size_t nb, const dwr_p* restrict p, float* restrict o) {
  __m512 wv[9];
  for (int t = 0; t < 9; ++t) wv[t] = p->w[t];
  const __m512 bias = p->bias, vmin = p->vmin, vmax = p->vmax;
  __m512 a[3];
  const __mmask16 m0 = dwr_load_mask(-pl, w);
  for (int ky = 0; ky < 3; ++ky) {
    a[ky] = rows[ky] ? _mm512_maskz_loadu_ps(m0, dwr_addr(rows[ky], -pl)) : _mm512_setzero_ps();
  }
  for (size_t j = 0; j < nb; ++j) {
    const ptrdiff_t pn = (ptrdiff_t)(j * 16 + 16) - pl;
    const __mmask16 lm = dwr_load_mask(pn, w);
    __m512 acc = bias;
    for (int ky = 0; ky < 3; ++ky) {
      if (!rows[ky]) continue;
      const __m512 b = _mm512_maskz_loadu_ps(lm, dwr_addr(rows[ky], pn));
      acc = _mm512_fmadd_ps(a[ky], wv[ky * 3], acc);
      acc = _mm512_fmadd_ps(dwr_alignr(a[ky], b, 1), wv[ky * 3 + 1], acc);
      acc = _mm512_fmadd_ps(dwr_alignr(a[ky], b, 2), wv[ky * 3 + 2], acc);
      a[ky] = b;
    }
    acc = v_clamp(acc, vmin, vmax);
    _mm512_mask_storeu_ps(o + j * 16, dwr_store_mask((ptrdiff_t)(out_w - j * 16)), acc);
  }
}

static void dwr_s1(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                   size_t pad_top, size_t pad_left, const float* input, size_t input_stride,
                   const float* weights, float* output, size_t output_stride,
                   const tsp_minmax* clamp) {
  const ptrdiff_t w = (ptrdiff_t)in_w, pl = (ptrdiff_t)pad_left, pt = (ptrdiff_t)pad_top;
  const ptrdiff_t ih = (ptrdiff_t)in_h;
  const size_t nb = (out_w + 15) / 16;
  size_t j_lo;
  /* Block j loads the vector at s_{j+1} = s_j + 16. */
  const size_t j_hi = dwr_plain_range(w, out_w, pl, 16, 16, 16, nb, &j_lo);
  dwr_p p;
  p.vmin = _mm512_set1_ps(clamp->min);
  p.vmax = _mm512_set1_ps(clamp->max);
  for (size_t c = 0; c < channels; ++c) {
    const float* wc = weights + c * 10;
    p.bias = _mm512_set1_ps(wc[0]);
    for (int t = 0; t < 9; ++t) p.w[t] = _mm512_set1_ps(wc[1 + t]);
    const float* in = input + c * input_stride;
    float* out = output + c * output_stride;
    size_t oy = 0;
    while (oy < out_h) {
      const ptrdiff_t iy = (ptrdiff_t)oy - pt;
      if (oy + 1 < out_h && iy >= 0 && iy + 3 < ih) {
        const float* r0 = in + (size_t)iy * in_w;
        dwr_s1_pair(r0, r0 + in_w, r0 + 2 * in_w, r0 + 3 * in_w, w, out_w, pl, nb, j_lo, j_hi,
                    &p, out + oy * out_w, out + (oy + 1) * out_w);
        oy += 2;
      } else {
        const float* rows[3];
        for (int ky = 0; ky < 3; ++ky) {
          rows[ky] = iy + ky >= 0 && iy + ky < ih ? in + (size_t)(iy + ky) * in_w : NULL;
        }
        dwr_s1_single(rows, w, out_w, pl, nb, &p, out + oy * out_w);
        oy += 1;
      }
    }
  }
}

#else /* TSP_DW_S == 2 */

static inline __m512 dwr_s2_tap2(__m512 e, __m512 next) {
  return _mm512_castsi512_ps(
      _mm512_alignr_epi32(_mm512_castps_si512(next), _mm512_castps_si512(e), 1));
}

/* Adds the 3 taps of one input row for the block at column s. */
DWR_INLINE __m512 dwr_s2_row(__m512 acc, const float* restrict row, ptrdiff_t s, ptrdiff_t w,
                             __m512 w0, __m512 w1, __m512 w2, __m512i ie, __m512i io, int edge) {
  __m512 x0, x1, xn;
  if (edge) {
    x0 = _mm512_maskz_loadu_ps(dwr_load_mask(s, w), dwr_addr(row, s));
    x1 = _mm512_maskz_loadu_ps(dwr_load_mask(s + 16, w), dwr_addr(row, s + 16));
    xn = s + 32 >= 0 && s + 32 < w ? _mm512_set1_ps(row[s + 32]) : _mm512_setzero_ps();
  } else {
    x0 = _mm512_loadu_ps(row + s);
    x1 = _mm512_loadu_ps(row + s + 16);
    xn = _mm512_set1_ps(row[s + 32]);
  }
  const __m512 e = _mm512_permutex2var_ps(x0, ie, x1);
  const __m512 o = _mm512_permutex2var_ps(x0, io, x1);
  acc = _mm512_fmadd_ps(e, w0, acc);
  acc = _mm512_fmadd_ps(o, w1, acc);
  return _mm512_fmadd_ps(dwr_s2_tap2(e, xn), w2, acc);
}

/* One output row; rows[ky] NULL when outside the plane (`checked`). */
DWR_INLINE void dwr_s2_out_row(const float* const* rows, ptrdiff_t w, size_t out_w, ptrdiff_t pl,
                               size_t nb, size_t j_lo, size_t j_hi, const __m512* wv,
                               __m512 bias, __m512 vmin, __m512 vmax, float* restrict o,
                               int checked) {
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const float* restrict r0 = rows[0];
  const float* restrict r1 = rows[1];
  const float* restrict r2 = rows[2];
#define DWR_S2_BLOCK(EDGE)                                                                    \
  do {                                                                                        \
    const ptrdiff_t s = (ptrdiff_t)(j * 32) - pl;                                             \
    __m512 acc0 = bias, acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps();              \
    if (!checked || r0) acc0 = dwr_s2_row(acc0, r0, s, w, wv[0], wv[1], wv[2], ie, io, EDGE); \
    if (!checked || r1) acc1 = dwr_s2_row(acc1, r1, s, w, wv[3], wv[4], wv[5], ie, io, EDGE); \
    if (!checked || r2) acc2 = dwr_s2_row(acc2, r2, s, w, wv[6], wv[7], wv[8], ie, io, EDGE); \
    __m512 y = _mm512_add_ps(_mm512_add_ps(acc0, acc1), acc2);                                \
    y = v_clamp(y, vmin, vmax);                                          \
    dwr_st(o + j * 16, y, dwr_store_mask((ptrdiff_t)(out_w - j * 16)), EDGE);                \
  } while (0)
  size_t j = 0;
  for (; j < j_lo; ++j) DWR_S2_BLOCK(1);
  for (; j < j_hi; ++j) DWR_S2_BLOCK(0);
  for (; j < nb; ++j) DWR_S2_BLOCK(1);
#undef DWR_S2_BLOCK
}

static void dwr_s2(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                   size_t pad_top, size_t pad_left, const float* input, size_t input_stride,
                   const float* weights, float* output, size_t output_stride,
                   const tsp_minmax* clamp) {
  const ptrdiff_t w = (ptrdiff_t)in_w, pl = (ptrdiff_t)pad_left, pt = (ptrdiff_t)pad_top;
  const ptrdiff_t ih = (ptrdiff_t)in_h;
  const size_t nb = (out_w + 15) / 16;
  size_t j_lo;
  /* Block j reads s_j + [0, 33): vectors at s_j, s_j + 16 and the scalar at
   * s_j + 32, i.e. a 16-float span ending at s_j + 33 (last_off 17). */
  const size_t j_hi = dwr_plain_range(w, out_w, pl, 32, 0, 17, nb, &j_lo);
  const __m512 vmin = _mm512_set1_ps(clamp->min), vmax = _mm512_set1_ps(clamp->max);
  for (size_t c = 0; c < channels; ++c) {
    const float* wc = weights + c * 10;
    __m512 wv[9];
    const __m512 bias = _mm512_set1_ps(wc[0]);
    for (int t = 0; t < 9; ++t) wv[t] = _mm512_set1_ps(wc[1 + t]);
    const float* in = input + c * input_stride;
    float* out = output + c * output_stride;
    for (size_t oy = 0; oy < out_h; ++oy) {
      const ptrdiff_t iy = (ptrdiff_t)(oy * 2) - pt;
      const float* rows[3];
      int checked = 0;
      for (int ky = 0; ky < 3; ++ky) {
        const int inside = iy + ky >= 0 && iy + ky < ih;
        rows[ky] = inside ? in + (size_t)(iy + ky) * in_w : NULL;
        checked |= !inside;
      }
      if (checked) {
        dwr_s2_out_row(rows, w, out_w, pl, nb, j_lo, j_hi, wv, bias, vmin, vmax,
                       out + oy * out_w, 1);
      } else {
        dwr_s2_out_row(rows, w, out_w, pl, nb, j_lo, j_hi, wv, bias, vmin, vmax,
                       out + oy * out_w, 0);
      }
    }
  }
}

#endif
