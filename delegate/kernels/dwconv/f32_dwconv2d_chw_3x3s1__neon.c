#include "dwconv/vec_neon.h"

#define TSP_DW_K 3
#define TSP_DW_S 1
/* Any shape: the generic template, for what the row kernels decline. */
#define TSP_DW_FN f32_dwconv2d_chw_3x3s1__neon_any
#include "dwconv/dwconv_chw_simd.h"
#undef TSP_DW_FN

/* Any pad / output width: the shared NEON row kernels (edge tables). */
#define TSP_DW_FN f32_dwconv2d_chw_3x3s1__neon_rows
#define TSP_DW_FALLBACK f32_dwconv2d_chw_3x3s1__neon_any
#include "dwconv/dwconv_chw_neon_rows.h"

/* The kernel: the centred window (pad_left 1, out_w == in_w, in_w >= 5),
 * i.e. every stride-1 3x3 depthwise layer of a MobileNet; other shapes go to
 * the row kernels above.
 *
 * Two output rows per pass (R = 2, four input rows; one row at the end of an
 * odd plane); a pass whose first or last input row lies outside the plane
 * skips it at compile time (other outside rows read the shared zero row).
 * Per row of the pass, output columns come in three parts:
 *  - the left vector, columns [0, 4): taps x0 = (0, r0, r1, r2) (one vext of
 *    the load at 0 with zero), x1 = load at 0, x2 = load at 1;
 *  - interior vectors, columns [4j, 4j + 4) for j = 1 .. nv - 2 (nv = the
 *    number of 4-column vectors, rounding up): every tap is inside the row,
 *    so the three taps of G consecutive vectors (G = 4, then the 1..3 left
 *    over) are three multi-register loads ld1 {G regs} at 4j - 1, 4j, 4j + 1;
 *  - the right vector, columns [w - 4, w), overlapping the last interior (or
 *    the left) vector when w is not a multiple of 4 (its lanes there are
 *    computed the same way, so the overlapping store writes the same
 *    values): x0 = load at w - 5, x1 = load at w - 4, x2 = vext(x1, 0, 1).
 * No load leaves the row, every store is a full vector inside the row. */

#define DW1_INLINE static inline __attribute__((always_inline))
#define DW1_UNROLL _Pragma("GCC unroll 16")

/* ld1 {4 regs} for a full block, plain loads for the others (as for the
 * stores below). */
DW1_INLINE void dw1_load(const float* p, int g, float32x4_t* x) {
  if (g == 4) {
    const float32x4x4_t v = vld1q_f32_x4(p);
    x[0] = v.val[0], x[1] = v.val[1], x[2] = v.val[2], x[3] = v.val[3];
    return;
  }
  DW1_UNROLL
  for (int i = 0; i < g; ++i) x[i] = vld1q_f32(p + 4 * i);
}

/* st1 {4 regs} for a full block; plain stores (which GCC pairs into stp)
 * for the others: for st1 {2 or 3 regs} GCC 12 gets the consecutive
 * registers by a round trip through the stack. */
DW1_INLINE void dw1_store(float* p, int g, const float32x4_t* v) {
  if (g == 4) {
    vst1q_f32_x4(p, (float32x4x4_t){{v[0], v[1], v[2], v[3]}});
    return;
  }
  DW1_UNROLL
  for (int i = 0; i < g; ++i) vst1q_f32(p + 4 * i, v[i]);
}

/* Adds input row r's taps (G vectors each) to the output rows that read it. */
DW1_INLINE void dw1_accumulate(float32x4_t acc[2][4], int R, int G, int r, const float32x4_t* xm,
                               const float32x4_t* x0, const float32x4_t* xp,
                               const float32x4_t* wq) {
  DW1_UNROLL
  for (int i = 0; i < R; ++i) {
    const int ky = r - i;
    if (ky < 0 || ky > 2) continue;
    DW1_UNROLL
    for (int g = 0; g < G; ++g) {
      acc[i][g] = v_fma_tap(acc[i][g], xm[g], wq, 3 * ky);
      acc[i][g] = v_fma_tap(acc[i][g], x0[g], wq, 3 * ky + 1);
      acc[i][g] = v_fma_tap(acc[i][g], xp[g], wq, 3 * ky + 2);
    }
  }
}

/* Which vectors a block computes. */
enum { DW1_LEFT = -1, DW1_RIGHT = -2 };

typedef struct {
  float32x4_t wq[3];
  float32x4_t bias, vmin, vmax;
} dw1_weights;

/* One block of the pass: the left or right vector (rows[r] point at input
 * row r, out[i] at output row i), or G interior vectors (kind = G > 0) whose
 * taps start at q->m[r], q->z[r], q->p[r] (columns c - 1, c, c + 1) and
 * whose outputs start at q->o[i]; those pointers advance past the block. TOP / BOT:
 * input row 0 / R + 1 is outside the plane (not read). */
/* The running pointers of the interior blocks, one struct: GCC 12 gives a
 * lone array of 4 pointers a vector-pair mode and then fails to compile the
 * loads through it (internal compiler error). */
typedef struct {
  const float *m[4], *z[4], *p[4];
  float* o[2];
} dw1_ptrs;

DW1_INLINE void dw1_block(const float* const* rows, float* const* out, dw1_ptrs* q, size_t w, int R,
                          int kind, int top, int bot, float32x4_t* wq_in, float32x4_t bias,
                          float32x4_t vmin, float32x4_t vmax) {
  const int G = kind > 0 ? kind : 1;
  /* Weights are block-invariant; without this, GCC hoists one broadcast per
   * tap out of the loops (and recomputes them per iteration) instead of
   * FMAing by lane. */
  __asm__("" : "+w"(wq_in[0]), "+w"(wq_in[1]), "+w"(wq_in[2]));
  const float32x4_t* wq = wq_in;
  const float32x4_t zero = vdupq_n_f32(0.0f);
  float32x4_t acc[2][4];
  DW1_UNROLL
  for (int i = 0; i < R; ++i) {
    DW1_UNROLL
    for (int g = 0; g < G; ++g) acc[i][g] = bias;
  }
  DW1_UNROLL
  for (int r = 0; r < R + 2; ++r) {
    if ((top && r == 0) || (bot && r == R + 1)) continue;
    float32x4_t xm[4], x0[4], xp[4];
    if (kind == DW1_LEFT) {
      const float* p = rows[r];
      x0[0] = vld1q_f32(p);
      xp[0] = vld1q_f32(p + 1);
      xm[0] = vextq_f32(zero, x0[0], 3);
    } else if (kind == DW1_RIGHT) {
      const float* p = rows[r];
      xm[0] = vld1q_f32(p + w - 5);
      x0[0] = vld1q_f32(p + w - 4);
      xp[0] = vextq_f32(x0[0], zero, 1);
    } else {
      dw1_load(q->m[r], G, xm);
      dw1_load(q->z[r], G, x0);
      dw1_load(q->p[r], G, xp);
      q->m[r] += 4 * G;
      q->z[r] += 4 * G;
      q->p[r] += 4 * G;
    }
    dw1_accumulate(acc, R, G, r, xm, x0, xp, wq);
  }
  DW1_UNROLL
  for (int i = 0; i < R; ++i) {
    DW1_UNROLL
    for (int g = 0; g < G; ++g) acc[i][g] = vminq_f32(vmaxq_f32(acc[i][g], vmin), vmax);
    if (kind == DW1_LEFT) {
      vst1q_f32(out[i], acc[i][0]);
    } else if (kind == DW1_RIGHT) {
      vst1q_f32(out[i] + w - 4, acc[i][0]);
    } else {
      dw1_store(q->o[i], G, acc[i]);
      q->o[i] += 4 * G;
    }
  }
}

/* R output rows of one channel, w >= 5 columns. */
DW1_INLINE void dw1_pass(const float* const* rows_in, float* const* out_in, size_t w, int R,
                         int top, int bot, const dw1_weights* wt) {
  float32x4_t wq[3] = {wt->wq[0], wt->wq[1], wt->wq[2]};
  const float32x4_t bias = wt->bias, vmin = wt->vmin, vmax = wt->vmax;
  const float* rows[4];
  float* out[2];
  dw1_ptrs q;
  for (int r = 0; r < R + 2; ++r) {
    rows[r] = rows_in[r];
    q.m[r] = rows[r] + 3;
    q.z[r] = rows[r] + 4;
    q.p[r] = rows[r] + 5;
  }
  for (int i = 0; i < R; ++i) {
    out[i] = out_in[i];
    q.o[i] = out[i] + 4;
  }
  dw1_block(rows, out, &q, w, R, DW1_LEFT, top, bot, wq, bias, vmin, vmax);
  const size_t nv = (w + 3) / 4;
  const size_t m = nv - 2; /* interior vectors: columns [4, 4 * nv - 4) */
  for (size_t j = m / 4; j != 0; --j) {
    dw1_block(rows, out, &q, w, R, 4, top, bot, wq, bias, vmin, vmax);
  }
  switch (m % 4) {
    case 3: dw1_block(rows, out, &q, w, R, 3, top, bot, wq, bias, vmin, vmax); break;
    case 2: dw1_block(rows, out, &q, w, R, 2, top, bot, wq, bias, vmin, vmax); break;
    case 1: dw1_block(rows, out, &q, w, R, 1, top, bot, wq, bias, vmin, vmax); break;
    default: break;
  }
  dw1_block(rows, out, &q, w, R, DW1_RIGHT, top, bot, wq, bias, vmin, vmax);
}

/* One channel with the centred window (pad_top 1, out_h == in_h = h >= 3):
 * the first pass has no row above, the last no row below, the others read
 * four rows of the plane. */
static void dw1_channel_same(const float* in, float* out, size_t h, size_t w,
                             const dw1_weights* wt) {
  const float* rows[4] = {dwn_zero_row, in, in + w, in + 2 * w};
  float* o[2] = {out, out + w};
  dw1_pass(rows, o, w, 2, 1, 0, wt);
  size_t oy = 2;
  rows[0] = in + w; /* input row oy - 1 */
  o[0] = out + 2 * w;
  for (; oy + 2 < h; oy += 2) {
    rows[1] = rows[0] + w;
    rows[2] = rows[1] + w;
    rows[3] = rows[2] + w;
    o[1] = o[0] + w;
    dw1_pass(rows, o, w, 2, 0, 0, wt);
    rows[0] += 2 * w;
    o[0] += 2 * w;
  }
  rows[1] = rows[0] + w;
  if (h - oy == 2) {
    rows[2] = rows[1] + w;
    o[1] = o[0] + w;
    dw1_pass(rows, o, w, 2, 0, 1, wt);
  } else {
    dw1_pass(rows, o, w, 1, 0, 1, wt);
  }
}

/* One channel, any pad_top and out_h: rows outside the plane read the zero row. */
static void dw1_channel_any(const float* in, float* out, size_t in_h, size_t out_h,
                            ptrdiff_t pad_top, size_t w, const dw1_weights* wt) {
  for (size_t oy = 0; oy < out_h; oy += 2) {
    const ptrdiff_t iy0 = (ptrdiff_t)oy - pad_top;
    const float* rows[4];
    for (int r = 0; r < 4; ++r) rows[r] = dwn_row(in, iy0 + r, in_h, w);
    float* const o[2] = {out + oy * w, out + (oy + 1) * w};
    if (out_h - oy >= 2) {
      dw1_pass(rows, o, w, 2, 0, 0, wt);
    } else {
      dw1_pass(rows, o, w, 1, 0, 0, wt);
    }
  }
}

void f32_dwconv2d_chw_3x3s1__neon(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                  size_t out_w, size_t pad_top, size_t pad_left,
                                  const float* input, size_t input_stride, const float* weights,
                                  float* output, size_t output_stride, const tsp_minmax* clamp) {
  if (pad_left != 1 || out_w != in_w || in_w < 5 || in_w > DWN_MAX_W) {
    f32_dwconv2d_chw_3x3s1__neon_rows(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input,
                                      input_stride, weights, output, output_stride, clamp);
    return;
  }
  const size_t w = in_w;
  const int same = pad_top == 1 && out_h == in_h && in_h >= 3;
  for (size_t ch = 0; ch < channels; ++ch) {
    const float* wc = weights + ch * 10;
    dw1_weights wt;
    wt.wq[0] = vld1q_f32(wc + 1);
    wt.wq[1] = vld1q_f32(wc + 5);
    wt.wq[2] = vld1q_dup_f32(wc + 9);
    wt.bias = vdupq_n_f32(wc[0]);
    wt.vmin = vdupq_n_f32(clamp->min);
    wt.vmax = vdupq_n_f32(clamp->max);
    const float* in = input + ch * input_stride;
    float* out = output + ch * output_stride;
    if (same) {
      dw1_channel_same(in, out, in_h, w, &wt);
    } else {
      dw1_channel_any(in, out, in_h, out_h, (ptrdiff_t)pad_top, w, &wt);
    }
  }
}
