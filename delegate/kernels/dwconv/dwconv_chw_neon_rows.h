/* NEON row kernels of the CHW depthwise convolution (3x3/5x5, stride 1/2):
 * inner loops of loads and FMAs only.
 *
 * The includer defines TSP_DW_K, TSP_DW_S, TSP_DW_FN (the kernel) and
 * TSP_DW_FALLBACK (a kernel of the same signature for the shapes this one
 * declines: rows narrower than 4 or wider than DWN_MAX_W, or more edge
 * vectors than DWN_MAX_EDGE), after including vec_neon.h.
 *
 * Scheme, per channel, per output row (stride 1: two output rows per pass,
 * sharing the K + 1 input rows they read): K (or K + 1) input row pointers,
 * a shared zero row standing in for rows outside the plane. Output vector k
 * (4 outputs) reads input columns from base = 4*S*k - pad_left.
 *  - interior vectors (every column they read is inside the row; one
 *    contiguous range per row, identical for all rows and channels): taps are
 *    plain loads at base + kx (stride 1) or ld2 deinterleaving loads at base,
 *    base + 2 and base + 4 (stride 2), then FMAs by weight lane;
 *  - edge vectors (the first and the last few): the 4-float chunks at base,
 *    base + 4 (and base + 8) are each one load inside the row plus one table
 *    lookup that moves the in-row floats into place and zeroes the rest; the
 *    load offsets and tables are computed once per call. Taps are then
 *    vext/uzp of the chunks. No address outside the row is ever formed. */

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "ukernels.h"

#if !defined(TSP_DW_K) || !defined(TSP_DW_S) || !defined(TSP_DW_FN) || !defined(TSP_DW_FALLBACK)
#error "define TSP_DW_K, TSP_DW_S, TSP_DW_FN and TSP_DW_FALLBACK first"
#endif

#define DWN_K TSP_DW_K
#define DWN_S TSP_DW_S
#define DWN_KK (DWN_K * DWN_K)
/* 4-float chunks an edge vector reads: stride 1, base .. base + K + 2;
 * stride 2, base .. base + K + 5. */
#define DWN_CHUNKS (DWN_S == 1 ? 2 : 3)
/* Floats an interior vector's loads cover from base. */
#define DWN_SPAN (DWN_S == 1 ? 3 + DWN_K : (DWN_K == 3 ? 10 : 12))
#define DWN_MAX_EDGE 8
#define DWN_MAX_W 1024
#define DWN_INLINE static inline __attribute__((always_inline))
#define DWN_UNROLL _Pragma("GCC unroll 32")

static const float dwn_zero_row[DWN_MAX_W];

typedef struct {
  size_t k;                       /* output vector */
  ptrdiff_t off[DWN_CHUNKS]; /* chunk j = tbl(vld1q(row + off[j]), idx[j]) */
  uint8x16_t idx[DWN_CHUNKS];
} dwn_edge;

typedef struct {
  size_t k_lo, k_hi; /* interior output vectors [k_lo, k_hi) */
  size_t n_edge;
  dwn_edge edge[DWN_MAX_EDGE];
} dwn_cols;

/* The table that turns row[off, off + 4) into row[c, c + 4) with zeros for
 * columns outside [0, w); off in [0, w - 4]. */
static void dwn_chunk(ptrdiff_t c, ptrdiff_t w, ptrdiff_t* off, uint8x16_t* idx) {
  ptrdiff_t o = c < 0 ? 0 : c;
  if (o > w - 4) o = w - 4;
  uint8_t bytes[16];
  for (ptrdiff_t l = 0; l < 4; ++l) {
    const ptrdiff_t src = c + l;
    const int inside = src >= 0 && src < w;
    for (int b = 0; b < 4; ++b) bytes[4 * l + b] = inside ? (uint8_t)((src - o) * 4 + b) : 0xFF;
  }
  *off = o;
  *idx = vld1q_u8(bytes);
}

/* Classifies the output vectors of a row; 0 if this kernel declines. */
static int dwn_plan(dwn_cols* cols, size_t in_w, size_t out_w, size_t pad_left) {
  const ptrdiff_t w = (ptrdiff_t)in_w, pl = (ptrdiff_t)pad_left;
  const size_t nv = (out_w + 3) / 4;
  cols->k_lo = cols->k_hi = 0;
  cols->n_edge = 0;
  int seen_interior = 0, after_interior = 0;
  for (size_t k = 0; k < nv; ++k) {
    const ptrdiff_t base = (ptrdiff_t)(4 * DWN_S * k) - pl;
    const int interior = base >= 0 && base + DWN_SPAN <= w && 4 * k + 4 <= out_w;
    if (interior) {
      if (after_interior) return 0; /* not one range (cannot happen; be safe) */
      if (!seen_interior) cols->k_lo = k;
      cols->k_hi = k + 1;
      seen_interior = 1;
      continue;
    }
    after_interior = seen_interior;
    if (cols->n_edge == DWN_MAX_EDGE) return 0;
    dwn_edge* e = &cols->edge[cols->n_edge++];
    e->k = k;
    for (int j = 0; j < DWN_CHUNKS; ++j) {
      dwn_chunk(base + 4 * j, w, &e->off[j], &e->idx[j]);
    }
  }
  return 1;
}

DWN_INLINE float32x4_t dwn_ext(float32x4_t a, float32x4_t b, int n) {
  switch (n) {
    case 0: return a;
    case 1: return vextq_f32(a, b, 1);
    case 2: return vextq_f32(a, b, 2);
    case 3: return vextq_f32(a, b, 3);
    default: return b;
  }
}

/* The K tap vectors of one input row for an interior output vector at p = row + base. */
DWN_INLINE void dwn_taps(const float* p, float32x4_t* x) {
#if DWN_S == 1
  DWN_UNROLL
  for (int kx = 0; kx < DWN_K; ++kx) x[kx] = vld1q_f32(p + kx);
#else
  const float32x4x2_t t0 = vld2q_f32(p), t2 = vld2q_f32(p + 2);
  x[0] = t0.val[0];
  x[1] = t0.val[1];
  x[2] = t2.val[0];
#if DWN_K == 5
  x[3] = t2.val[1];
  x[4] = vld2q_f32(p + 4).val[0];
#endif
#endif
}

DWN_INLINE float32x4_t dwn_chunk_load(const float* row, const dwn_edge* e, int j) {
  const float* p = row + e->off[j];
  return vreinterpretq_f32_u8(vqtbl1q_u8(vreinterpretq_u8_f32(vld1q_f32(p)), e->idx[j]));
}

/* The K tap vectors of one input row for an edge output vector. */
DWN_INLINE void dwn_edge_taps(const float* row, const dwn_edge* e, float32x4_t* x) {
  const float32x4_t c0 = dwn_chunk_load(row, e, 0), c1 = dwn_chunk_load(row, e, 1);
#if DWN_S == 1
  DWN_UNROLL
  for (int kx = 0; kx < DWN_K; ++kx) x[kx] = dwn_ext(c0, c1, kx);
#else
  const float32x4_t c2 = dwn_chunk_load(row, e, 2);
  const float32x4_t ev = vuzp1q_f32(c0, c1), od = vuzp2q_f32(c0, c1);
  const float32x4_t en = vuzp1q_f32(c2, c2);
  x[0] = ev;
  x[1] = od;
  x[2] = vextq_f32(ev, en, 1);
#if DWN_K == 5
  x[3] = vextq_f32(od, vuzp2q_f32(c2, c2), 1);
  x[4] = vextq_f32(ev, en, 2);
#endif
#endif
}

typedef struct {
  float32x4_t wq[(DWN_KK + 3) / 4];
  float32x4_t bias, vmin, vmax;
} dwn_weights;

/* Adds input row r's taps to the R output rows that read it. */
DWN_INLINE void dwn_accumulate(float32x4_t* acc, const float32x4_t* x, int r, int R,
                               const float32x4_t* wq) {
  DWN_UNROLL
  for (int i = 0; i < R; ++i) {
    const int ky = r - i * DWN_S;
    if (ky < 0 || ky >= DWN_K) continue;
    DWN_UNROLL
    for (int kx = 0; kx < DWN_K; ++kx) acc[i] = v_fma_tap(acc[i], x[kx], wq, ky * DWN_K + kx);
  }
}

DWN_INLINE void dwn_store(float* out, float32x4_t v, size_t n) {
  if (n >= 4) {
    vst1q_f32(out, v);
  } else {
    v_store_n(out, v, n);
  }
}

/* R output rows (R = 1, or 2 at stride 1) of one channel; rows[] are the
 * K + (R - 1) * S input rows they read. */
DWN_INLINE void dwn_pass(const float* const* rows, int R, float* const* out, size_t out_w,
                         ptrdiff_t pad_left, const dwn_cols* cols, const dwn_weights* wt) {
  const int n_rows = DWN_K + (R - 1) * DWN_S;
  float32x4_t wq[(DWN_KK + 3) / 4];
  DWN_UNROLL
  for (int j = 0; j < (DWN_KK + 3) / 4; ++j) wq[j] = wt->wq[j];
  const float32x4_t bias = wt->bias, vmin = wt->vmin, vmax = wt->vmax;
  for (size_t k = cols->k_lo; k < cols->k_hi; ++k) {
    const ptrdiff_t base = (ptrdiff_t)(4 * DWN_S * k) - pad_left; /* >= 0 here */
    /* Weights are loop-invariant; without this, GCC hoists one broadcast per
     * tap out of the loop and spills them instead of FMAing by lane. */
    DWN_UNROLL
    for (int j = 0; j < (DWN_KK + 3) / 4; ++j) __asm__("" : "+w"(wq[j]));
    float32x4_t acc[2] = {bias, bias};
    DWN_UNROLL
    for (int r = 0; r < n_rows; ++r) {
      float32x4_t x[DWN_K];
      dwn_taps(rows[r] + base, x);
      dwn_accumulate(acc, x, r, R, wq);
    }
    vst1q_f32(out[0] + 4 * k, vminq_f32(vmaxq_f32(acc[0], vmin), vmax));
    if (R > 1) vst1q_f32(out[1] + 4 * k, vminq_f32(vmaxq_f32(acc[1], vmin), vmax));
  }
  for (size_t ei = 0; ei < cols->n_edge; ++ei) {
    const dwn_edge* e = &cols->edge[ei];
    float32x4_t acc[2] = {bias, bias};
    DWN_UNROLL
    for (int r = 0; r < n_rows; ++r) {
      float32x4_t x[DWN_K];
      dwn_edge_taps(rows[r], e, x);
      dwn_accumulate(acc, x, r, R, wq);
    }
    const size_t n = out_w - 4 * e->k;
    dwn_store(out[0] + 4 * e->k, vminq_f32(vmaxq_f32(acc[0], vmin), vmax), n);
    if (R > 1) dwn_store(out[1] + 4 * e->k, vminq_f32(vmaxq_f32(acc[1], vmin), vmax), n);
  }
}

static void dwn_load_weights(const float* w, const tsp_minmax* clamp, dwn_weights* wt) {
  /* Taps w[1 .. KK] into lanes; the last vector is read lane by lane so no
   * float past this channel's weights is read. */
  float last[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  const int full = DWN_KK / 4;
  for (int j = 0; j < full; ++j) wt->wq[j] = vld1q_f32(w + 1 + 4 * j);
  for (int t = 4 * full; t < DWN_KK; ++t) last[t - 4 * full] = w[1 + t];
  if (DWN_KK % 4) wt->wq[full] = vld1q_f32(last);
  wt->bias = vdupq_n_f32(w[0]);
  wt->vmin = vdupq_n_f32(clamp->min);
  wt->vmax = vdupq_n_f32(clamp->max);
}

static const float* dwn_row(const float* in, ptrdiff_t iy, size_t in_h, size_t in_w) {
  return iy >= 0 && iy < (ptrdiff_t)in_h ? in + (size_t)iy * in_w : dwn_zero_row;
}

void TSP_DW_FN(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
               size_t pad_top, size_t pad_left, const float* input, size_t input_stride,
               const float* weights, float* output, size_t output_stride,
               const tsp_minmax* clamp) {
  dwn_cols cols;
  if (in_w < 4 || in_w > DWN_MAX_W || !dwn_plan(&cols, in_w, out_w, pad_left)) {
    TSP_DW_FALLBACK(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input, input_stride,
                    weights, output, output_stride, clamp);
    return;
  }
  const ptrdiff_t pt = (ptrdiff_t)pad_top, pl = (ptrdiff_t)pad_left;
  for (size_t c = 0; c < channels; ++c) {
    dwn_weights wt;
    dwn_load_weights(weights + c * (DWN_KK + 1), clamp, &wt);
    const float* in = input + c * input_stride;
    float* out = output + c * output_stride;
    size_t oy = 0;
#if DWN_S == 1
    for (; oy + 2 <= out_h; oy += 2) {
      const float* rows[DWN_K + 1];
      DWN_UNROLL
      for (int r = 0; r < DWN_K + 1; ++r) rows[r] = dwn_row(in, (ptrdiff_t)oy - pt + r, in_h, in_w);
      float* const o[2] = {out + oy * out_w, out + (oy + 1) * out_w};
      dwn_pass(rows, 2, o, out_w, pl, &cols, &wt);
    }
#endif
    for (; oy < out_h; ++oy) {
      const float* rows[DWN_K];
      DWN_UNROLL
      for (int r = 0; r < DWN_K; ++r)
        rows[r] = dwn_row(in, (ptrdiff_t)(oy * DWN_S) - pt + r, in_h, in_w);
      float* const o[2] = {out + oy * out_w, out + oy * out_w};
      dwn_pass(rows, 1, o, out_w, pl, &cols, &wt);
    }
  }
}
