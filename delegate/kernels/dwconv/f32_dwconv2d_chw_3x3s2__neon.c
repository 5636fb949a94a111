#include "dwconv/vec_neon.h"

#define TSP_DW_K 3
#define TSP_DW_S 2
/* Any shape: the generic template, for what the row kernels decline. */
#define TSP_DW_FN f32_dwconv2d_chw_3x3s2__neon_any
#include "dwconv/dwconv_chw_simd.h"
#undef TSP_DW_FN

/* Any pad / output width: the shared NEON row kernels (edge tables). */
#define TSP_DW_FN f32_dwconv2d_chw_3x3s2__neon_rows
#define TSP_DW_FALLBACK f32_dwconv2d_chw_3x3s2__neon_any
#include "dwconv/dwconv_chw_neon_rows.h"

/* The kernel: pad_left 0 or 1, out_w >= 5 and the last window ending at
 * most one column past the row (M = 2 * out_w - pad_left <= in_w; M is one
 * past the last window's last column), i.e. every stride-2 3x3 depthwise
 * layer of a MobileNet, explicit PAD (pad 1, 1) or TF SAME (pad 0, 0 with
 * one column of padding after); other shapes go to the row kernels above.
 *
 * Output column x reads input columns 2x - pl + (0, 1, 2). For the vector
 * of columns [4j, 4j + 4) one ld2 at 8j + 1 - pl de-interleaves taps 1
 * (even lanes) and 2 (odd lanes); tap 0 is the previous vector's tap 2
 * shifted in by one vext (the carry, one per input row). Two output rows
 * per pass (R = 2, five input rows, the middle one shared; one row at the
 * end of an odd plane); the first or last input row of a pass, when it lies
 * outside the plane, is skipped at compile time (other outside rows read
 * the shared zero row). Per row of the pass, output columns come in three
 * parts:
 *  - the left vector, columns [0, 4): the carry starts as zero (pl = 1:
 *    column -1) or as column 0 broadcast (pl = 0);
 *  - interior vectors j = 1 .. nv - 2 (nv = the number of 4-column vectors,
 *    rounding up): every tap is inside the row. Two-row passes run them in
 *    one asm loop (dw2_interior2: GCC 12 kept two pointers per row for the
 *    ld2 pairs, spilled them and moved every ld2 result and carry between
 *    registers); the loop is unrolled by two with the load registers of
 *    even and odd vectors alternating, so the carry is never moved;
 *  - the right vector, columns [out_w - 4, out_w), overlapping the last
 *    interior (or the left) vector when out_w is not a multiple of 4 (its
 *    lanes there are computed the same way, so the overlapping store writes
 *    the same values): one ld2 at M - 8 gives taps 0 and 1, tap 2 is tap 0
 *    moved down a lane with column M (broadcast, or zero when M = in_w)
 *    shifted in.
 * No load leaves the row, every store is a full vector inside the row. */

#define DW2_INLINE static inline __attribute__((always_inline))
#define DW2_UNROLL _Pragma("GCC unroll 16")

typedef struct {
  float32x4_t wq[3];
  float32x4_t bias, vmin, vmax;
} dw2_weights;

/* Adds input row r's taps (G vectors each) to the output rows that read it. */
DW2_INLINE void dw2_accumulate(float32x4_t acc[2][2], int R, int G, int r, const float32x4_t* x0,
                               const float32x4_t* x1, const float32x4_t* x2,
                               const float32x4_t* wq) {
  DW2_UNROLL
  for (int i = 0; i < R; ++i) {
    const int ky = r - 2 * i;
    if (ky < 0 || ky > 2) continue;
    DW2_UNROLL
    for (int g = 0; g < G; ++g) {
      acc[i][g] = v_fma_tap(acc[i][g], x0[g], wq, 3 * ky);
      acc[i][g] = v_fma_tap(acc[i][g], x1[g], wq, 3 * ky + 1);
      acc[i][g] = v_fma_tap(acc[i][g], x2[g], wq, 3 * ky + 2);
    }
  }
}

enum { DW2_LEFT = -1, DW2_RIGHT = -2 };

/* Running state of a pass: the interior load pointers (one per input row),
 * the output pointers and the carries (tap 2 of the last vector done, per
 * input row). One struct, as in the stride-1 kernel (GCC 12 and arrays of
 * pointers). */
typedef struct {
  const float* p[5];
  float* o[2];
  float32x4_t carry[5];
} dw2_state;

/* One block of the pass: the left or right vector, or G interior vectors
 * (kind = G > 0). rows[r] points at input row r, out[i] at output row i.
 * TOP / BOT: input row 0 / 2R is outside the plane (not read). pl: pad_left;
 * m: M above; m_in: M < in_w (column M is read by the right vector). */
DW2_INLINE void dw2_block(const float* const* rows, float* const* out, dw2_state* s, size_t ow,
                          size_t m, int m_in, int pl, int R, int kind, int top, int bot,
                          float32x4_t* wq_in, float32x4_t bias, float32x4_t vmin,
                          float32x4_t vmax) {
  const int G = kind > 0 ? kind : 1;
  /* Weights are block-invariant; without this GCC may hoist one broadcast
   * per tap instead of FMAing by lane. */
  __asm__("" : "+w"(wq_in[0]), "+w"(wq_in[1]), "+w"(wq_in[2]));
  const float32x4_t* wq = wq_in;
  const float32x4_t zero = vdupq_n_f32(0.0f);
  float32x4_t acc[2][2];
  DW2_UNROLL
  for (int i = 0; i < R; ++i) {
    DW2_UNROLL
    for (int g = 0; g < G; ++g) acc[i][g] = bias;
  }
  DW2_UNROLL
  for (int r = 0; r < 2 * R + 1; ++r) {
    if ((top && r == 0) || (bot && r == 2 * R)) {
      if (kind == DW2_LEFT) s->carry[r] = zero; /* the zero row, for dw2_interior2 */
      continue;
    }
    float32x4_t x0[2], x1[2], x2[2];
    if (kind == DW2_LEFT) {
      const float* p = rows[r];
      const float32x4x2_t t = vld2q_f32(p + 1 - pl);
      const float32x4_t c = pl ? zero : vld1q_dup_f32(p);
      x1[0] = t.val[0];
      x2[0] = t.val[1];
      x0[0] = vextq_f32(c, x2[0], 3);
      s->carry[r] = x2[0];
    } else if (kind == DW2_RIGHT) {
      const float* p = rows[r];
      const float32x4x2_t t = vld2q_f32(p + m - 8);
      const float32x4_t c = m_in ? vld1q_dup_f32(p + m) : zero;
      x0[0] = t.val[0];
      x1[0] = t.val[1];
      x2[0] = vextq_f32(x0[0], c, 1);
    } else {
      DW2_UNROLL
      for (int g = 0; g < G; ++g) {
        const float32x4x2_t t = vld2q_f32(s->p[r] + 8 * g);
        x1[g] = t.val[0];
        x2[g] = t.val[1];
      }
      x0[0] = vextq_f32(s->carry[r], x2[0], 3);
      DW2_UNROLL
      for (int g = 1; g < G; ++g) x0[g] = vextq_f32(x2[g - 1], x2[g], 3);
      s->carry[r] = x2[G - 1];
      s->p[r] += 8 * G;
    }
    dw2_accumulate(acc, R, G, r, x0, x1, x2, wq);
  }
  DW2_UNROLL
  for (int i = 0; i < R; ++i) {
    DW2_UNROLL
    for (int g = 0; g < G; ++g) acc[i][g] = vminq_f32(vmaxq_f32(acc[i][g], vmin), vmax);
    if (kind == DW2_LEFT) {
      vst1q_f32(out[i], acc[i][0]);
    } else if (kind == DW2_RIGHT) {
      vst1q_f32(out[i] + ow - 4, acc[i][0]);
    } else {
      DW2_UNROLL
      for (int g = 0; g < G; ++g) vst1q_f32(s->o[i] + 4 * g, acc[i][g]);
      s->o[i] += 4 * G;
    }
  }
}

/* The asm text of one interior vector of a two-row pass. Row r (pointer
 * p<r>) loads taps 1 and 2 into v<x>, v<y>, tap 0 is its carry v<c> shifted
 * by one with v<y> (into v28); rows 0-2 feed output row 0 (v26), rows 2-4
 * output row 1 (v27). Even and odd vectors differ only in the registers. */
#define DW2_W(q, l) "%[w" #q "].s[" #l "]"
#define DW2_LOAD(p, x, y, c)                      \
  "ld2 {v" #x ".4s, v" #y ".4s}, [%[" #p "]], #32\n\t" \
  "ext v28.16b, v" #c ".16b, v" #y ".16b, #12\n\t"
#define DW2_FMA3(acc, x, y, t0, t1, t2)          \
  "fmla v" #acc ".4s, v28.4s, " t0 "\n\t"         \
  "fmla v" #acc ".4s, v" #x ".4s, " t1 "\n\t"     \
  "fmla v" #acc ".4s, v" #y ".4s, " t2 "\n\t"
#define DW2_KY0 DW2_W(0, 0), DW2_W(0, 1), DW2_W(0, 2)
#define DW2_KY1 DW2_W(0, 3), DW2_W(1, 0), DW2_W(1, 1)
#define DW2_KY2 DW2_W(1, 2), DW2_W(1, 3), DW2_W(2, 0)
#define DW2_FMA3_(args) DW2_FMA3 args
#define DW2_VECTOR(x0, y0, c0, x1, y1, c1, x2, y2, c2, x3, y3, c3, x4, y4, c4) \
  "mov v26.16b, %[bias].16b\n\t"                                              \
  "mov v27.16b, %[bias].16b\n\t"                                              \
  DW2_LOAD(p0, x0, y0, c0) DW2_FMA3_((26, x0, y0, DW2_KY0))                    \
  DW2_LOAD(p1, x1, y1, c1) DW2_FMA3_((26, x1, y1, DW2_KY1))                    \
  DW2_LOAD(p2, x2, y2, c2) DW2_FMA3_((26, x2, y2, DW2_KY2))                    \
  DW2_FMA3_((27, x2, y2, DW2_KY0))                                             \
  DW2_LOAD(p3, x3, y3, c3) DW2_FMA3_((27, x3, y3, DW2_KY1))                    \
  DW2_LOAD(p4, x4, y4, c4) DW2_FMA3_((27, x4, y4, DW2_KY2))                    \
  "fmax v26.4s, v26.4s, %[vmin].4s\n\t"                                       \
  "fmax v27.4s, v27.4s, %[vmin].4s\n\t"                                       \
  "fmin v26.4s, v26.4s, %[vmax].4s\n\t"                                       \
  "fmin v27.4s, v27.4s, %[vmax].4s\n\t"                                       \
  "str q27, [%[o0], %[ob]]\n\t"                                               \
  "str q26, [%[o0]], #16\n\t"
#define DW2_EVEN_VECTOR DW2_VECTOR(6, 7, 9, 10, 11, 13, 14, 15, 17, 18, 19, 21, 22, 23, 25)
#define DW2_ODD_VECTOR DW2_VECTOR(8, 9, 7, 12, 13, 11, 16, 17, 15, 20, 21, 19, 24, 25, 23)

/* The interior vectors of a two-row pass (all five input rows read; an
 * outside row is the zero row here). Registers: input row r's vectors go to
 * v(6 + 4r), v(7 + 4r) (taps 1, 2) for even vectors and to v(8 + 4r),
 * v(9 + 4r) for odd ones, so the carry of row r (tap 2 of the previous
 * vector) is v(9 + 4r) before an even vector and v(7 + 4r) before an odd
 * one; v26, v27: the two output rows; v28: tap 0. */
DW2_INLINE void dw2_interior2(dw2_state* s, size_t n, const float32x4_t* wq, float32x4_t bias,
                              float32x4_t vmin, float32x4_t vmax) {
  register float32x4_t c0 __asm__("v9") = s->carry[0];
  register float32x4_t c1 __asm__("v13") = s->carry[1];
  register float32x4_t c2 __asm__("v17") = s->carry[2];
  register float32x4_t c3 __asm__("v21") = s->carry[3];
  register float32x4_t c4 __asm__("v25") = s->carry[4];
  const float *p0 = s->p[0], *p1 = s->p[1], *p2 = s->p[2], *p3 = s->p[3], *p4 = s->p[4];
  float* o0 = s->o[0];
  const size_t ob = (size_t)((char*)s->o[1] - (char*)s->o[0]); /* output row 1 - row 0 */
  __asm__ volatile(
      "lsr x9, %[n], #1\n\t"
      "cbz x9, 2f\n\t"
      "1:\n\t"
      DW2_EVEN_VECTOR
      DW2_ODD_VECTOR
      "subs x9, x9, #1\n\t"
      "b.ne 1b\n\t"
      "2:\n\t"
      "tbz %[n], #0, 3f\n\t"
      DW2_EVEN_VECTOR
      "3:\n\t"
      : [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2), [p3] "+r"(p3), [p4] "+r"(p4),
        [o0] "+r"(o0), "+w"(c0), "+w"(c1), "+w"(c2), "+w"(c3), "+w"(c4)
      : [n] "r"(n), [ob] "r"(ob), [w0] "w"(wq[0]), [w1] "w"(wq[1]), [w2] "w"(wq[2]), [bias] "w"(bias),
        [vmin] "w"(vmin), [vmax] "w"(vmax)
      : "v6", "v7", "v8", "v10", "v11", "v12", "v14", "v15", "v16", "v18", "v19", "v20", "v22",
        "v23", "v24", "v26", "v27", "v28", "x9", "memory", "cc");
}

/* R output rows of one channel; rows[r] (r < 2R + 1) are the input rows. */
DW2_INLINE void dw2_pass(const float* const* rows_in, float* const* out_in, size_t ow, size_t m,
                         int m_in, int pl, int R, int top, int bot, const dw2_weights* wt) {
  float32x4_t wq[3] = {wt->wq[0], wt->wq[1], wt->wq[2]};
  const float32x4_t bias = wt->bias, vmin = wt->vmin, vmax = wt->vmax;
  const float* rows[5];
  float* out[2];
  dw2_state s;
  for (int r = 0; r < 2 * R + 1; ++r) {
    rows[r] = rows_in[r];
    s.p[r] = rows[r] + 9 - pl;
  }
  for (int i = 0; i < R; ++i) {
    out[i] = out_in[i];
    s.o[i] = out[i] + 4;
  }
  dw2_block(rows, out, &s, ow, m, m_in, pl, R, DW2_LEFT, top, bot, wq, bias, vmin, vmax);
  const size_t interior = (ow + 3) / 4 - 2;
  if (R == 2) {
    if (interior != 0) dw2_interior2(&s, interior, wq, bias, vmin, vmax);
  } else {
    for (size_t j = interior; j != 0; --j) {
      dw2_block(rows, out, &s, ow, m, m_in, pl, R, 1, top, bot, wq, bias, vmin, vmax);
    }
  }
  if (m_in) {
    dw2_block(rows, out, &s, ow, m, 1, pl, R, DW2_RIGHT, top, bot, wq, bias, vmin, vmax);
  } else {
    dw2_block(rows, out, &s, ow, m, 0, pl, R, DW2_RIGHT, top, bot, wq, bias, vmin, vmax);
  }
}

/* The pass with its top / bottom skips as constants. */
DW2_INLINE void dw2_pass_tb(const float* const* rows, float* const* out, size_t ow, size_t m,
                            int m_in, int pl, int R, const dw2_weights* wt) {
  const int top = rows[0] == dwn_zero_row, bot = rows[2 * R] == dwn_zero_row;
  if (top && bot) {
    dw2_pass(rows, out, ow, m, m_in, pl, R, 1, 1, wt);
  } else if (top) {
    dw2_pass(rows, out, ow, m, m_in, pl, R, 1, 0, wt);
  } else if (bot) {
    dw2_pass(rows, out, ow, m, m_in, pl, R, 0, 1, wt);
  } else {
    dw2_pass(rows, out, ow, m, m_in, pl, R, 0, 0, wt);
  }
}

/* One channel; rows outside the plane read (or skip) the zero row. */
DW2_INLINE void dw2_channel(const float* in, float* out, size_t in_h, size_t w, size_t out_h,
                            size_t ow, ptrdiff_t pad_top, int pl, const dw2_weights* wt) {
  const size_t m = 2 * ow - (size_t)pl;
  const int m_in = m < w;
  size_t oy = 0;
  for (; oy + 2 <= out_h; oy += 2) {
    const float* rows[5];
    const ptrdiff_t iy = (ptrdiff_t)(2 * oy) - pad_top;
    if (iy >= 0 && iy + 5 <= (ptrdiff_t)in_h) {
      rows[0] = in + (size_t)iy * w;
      for (int r = 1; r < 5; ++r) rows[r] = rows[r - 1] + w;
    } else {
      for (int r = 0; r < 5; ++r) rows[r] = dwn_row(in, iy + r, in_h, w);
    }
    float* const o[2] = {out + oy * ow, out + (oy + 1) * ow};
    dw2_pass_tb(rows, o, ow, m, m_in, pl, 2, wt);
  }
  if (oy < out_h) {
    const float* rows[5];
    for (int r = 0; r < 3; ++r) rows[r] = dwn_row(in, (ptrdiff_t)(2 * oy) - pad_top + r, in_h, w);
    float* const o[2] = {out + oy * ow, out + oy * ow};
    dw2_pass_tb(rows, o, ow, m, m_in, pl, 1, wt);
  }
}

void f32_dwconv2d_chw_3x3s2__neon(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                  size_t out_w, size_t pad_top, size_t pad_left,
                                  const float* input, size_t input_stride, const float* weights,
                                  float* output, size_t output_stride, const tsp_minmax* clamp) {
  if (pad_left > 1 || out_w < 5 || 2 * out_w - pad_left > in_w || in_w > DWN_MAX_W) {
    f32_dwconv2d_chw_3x3s2__neon_rows(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input,
                                      input_stride, weights, output, output_stride, clamp);
    return;
  }
  for (size_t ch = 0; ch < channels; ++ch) {
    const float* wc = weights + ch * 10;
    dw2_weights wt;
    wt.wq[0] = vld1q_f32(wc + 1);
    wt.wq[1] = vld1q_f32(wc + 5);
    wt.wq[2] = vld1q_dup_f32(wc + 9);
    wt.bias = vdupq_n_f32(wc[0]);
    wt.vmin = vdupq_n_f32(clamp->min);
    wt.vmax = vdupq_n_f32(clamp->max);
    const float* in = input + ch * input_stride;
    float* out = output + ch * output_stride;
    if (pad_left) {
      dw2_channel(in, out, in_h, in_w, out_h, out_w, (ptrdiff_t)pad_top, 1, &wt);
    } else {
      dw2_channel(in, out, in_h, in_w, out_h, out_w, (ptrdiff_t)pad_top, 0, &wt);
    }
  }
}
