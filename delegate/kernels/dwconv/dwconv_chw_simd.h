/* SIMD template of the CHW depthwise convolution (all channels of an image
 * per call; see tsp_dwconv2d_chw_fn). Small planes take the schemes near the
 * end of this file (rolling stride-2 chunks for outputs at most one vector
 * wide; a per-call mask table for stride-1 planes of at most 8 vectors);
 * everything else runs the per-channel schemes described here (dw_channel).
 *
 *
 * The includer first includes one vector layer (vec_avx2.h or vec_avx512.h)
 * and defines TSP_DW_K (3 or 5), TSP_DW_S (1 or 2) and TSP_DW_FN (the kernel
 * name). Not a standalone header: it defines the kernel function.
 *
 * Scheme: one output row at a time, TSP_V output columns per vector. For each
 * valid input row of the window (rows outside the plane contribute nothing and
 * are skipped), the K taps of that row are K shifted loads along the input
 * row (stride 1) or even/odd halves of 2*TSP_V loaded floats (stride 2).
 * Output vectors whose whole input span lies inside the row take plain loads;
 * the few at the row ends ("edge" vectors) build each load from a masked load
 * of the in-range part shifted into place, so zero padding is never
 * materialized and no address outside the row is ever formed.
 *
 * Stride 1 with out_w == in_w (TF SAME) takes the flat-plane scheme instead
 * (dw_flat): the plane is one long row, so vectors span row ends and small
 * planes (14x14, 7x7) fill whole vectors; per-lane column masks zero the taps
 * that would wrap into the neighbouring row. */

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "ukernels.h"

#if !defined(TSP_DW_K) || !defined(TSP_DW_S) || !defined(TSP_DW_FN)
#error "define TSP_DW_K, TSP_DW_S and TSP_DW_FN before including dwconv_chw_simd.h"
#endif

/* Input floats that one output vector reads from one input row on the plain
 * path (stride 2 loads pairs of vectors at tap offsets 0, 2, 4). */
/* Tap loops must unroll fully (GCC -O2 keeps 3- and 5-trip loops rolled),
 * so that each tap weight lives in its own register. */
#define DW_UNROLL _Pragma("GCC unroll 8")

#if TSP_DW_S == 1
#define DW_SPAN (TSP_V + TSP_DW_K - 1)
#else
#define DW_SPAN (2 * TSP_V + TSP_DW_K - 1)
#endif

/* row[c, c + TSP_V) with zeros for positions outside [0, w); c may be
 * negative. Only the in-range part is addressed. */
static inline tsp_vec dw_load_span(const float* row, ptrdiff_t c, size_t w) {
  const ptrdiff_t lo = c < 0 ? 0 : c;
  const ptrdiff_t end = c + TSP_V;
  const ptrdiff_t hi = end < (ptrdiff_t)w ? end : (ptrdiff_t)w;
  if (lo >= hi) return v_zero();
  const tsp_vec v = v_load_n(row + lo, (size_t)(hi - lo));
  /* c < 0 and lo < hi imply 0 < -c < TSP_V. */
  return c < 0 ? v_shift_up(v, (size_t)(lo - c)) : v;
}

/* `edge` is a constant at every call site, so each path compiles branch-free. */
static inline tsp_vec dw_load(const float* row, ptrdiff_t c, size_t w, int edge) {
  return edge ? dw_load_span(row, c, w) : v_loadu(row + c);
}

/* Adds the K taps of one input row (weights wk[0..K)) for the output vector
 * whose tap 0 sits at input column c0. */
static inline tsp_vec dw_row_taps(tsp_vec acc, const float* row, ptrdiff_t c0, size_t w,
                                  const tsp_vec* wk, int edge) {
#if TSP_DW_S == 1
  DW_UNROLL
  for (int kx = 0; kx < TSP_DW_K; ++kx) {
    acc = v_fma(dw_load(row, c0 + kx, w, edge), wk[kx], acc);
  }
#else
  /* Output lane l reads column c0 + kx + 2l: the even half of the 2*TSP_V
   * floats from c0 + kx serves tap kx, the odd half tap kx + 1. */
  DW_UNROLL
  for (int kx = 0; kx < TSP_DW_K; kx += 2) {
    tsp_vec even, odd;
    v_deinterleave(dw_load(row, c0 + kx, w, edge), dw_load(row, c0 + kx + TSP_V, w, edge),
                   &even, &odd);
    acc = v_fma(even, wk[kx], acc);
    if (kx + 1 < TSP_DW_K) acc = v_fma(odd, wk[kx + 1], acc);
  }
#endif
  return acc;
}

static inline tsp_vec dw_window(tsp_vec acc, const float* const* rows, ptrdiff_t c0, size_t w,
                                const tsp_vec* wv, int edge) {
  DW_UNROLL
  for (int ky = 0; ky < TSP_DW_K; ++ky) {
    if (rows[ky] != NULL) acc = dw_row_taps(acc, rows[ky], c0, w, wv + ky * TSP_DW_K, edge);
  }
  return acc;
}

typedef struct {
  tsp_vec w[TSP_DW_K * TSP_DW_K];
  tsp_vec bias, vmin, vmax;
} dw_params;

/* One output row; rows[ky] is input row ky of the window, NULL if outside. */
static void dw_output_row(const float* const* rows, size_t in_w, size_t out_w, size_t pad_left,
                          const dw_params* params, float* out) {
  const dw_params local = *params, *p = &local; /* see dw_flat */
  for (size_t ox = 0; ox < out_w; ox += TSP_V) {
    const ptrdiff_t c0 = (ptrdiff_t)(ox * TSP_DW_S) - (ptrdiff_t)pad_left;
    const int plain = c0 >= 0 && c0 + DW_SPAN <= (ptrdiff_t)in_w;
    tsp_vec acc = plain ? dw_window(p->bias, rows, c0, in_w, p->w, 0)
                        : dw_window(p->bias, rows, c0, in_w, p->w, 1);
    acc = v_clamp(acc, p->vmin, p->vmax);
    const size_t n = out_w - ox;
    if (n >= TSP_V) {
      v_storeu(out + ox, acc);
    } else {
      v_store_n(out + ox, acc, n);
    }
  }
}

#if TSP_DW_S == 1
/* Address of flat input index j, which may lie outside the plane: used only
 * by masked loads whose enabled lanes are all inside. Integer arithmetic,
 * because forming an out-of-bounds pointer is UB in C while the integer to
 * pointer conversion is implementation-defined (plain addresses on GCC and
 * Clang). */
static inline const float* dw_addr(const float* base, ptrdiff_t j) {
  return (const float*)((uintptr_t)base + (uintptr_t)j * sizeof(float));
}

/* Flat-plane scheme; requires stride 1 and out_w == in_w == w. Vector i
 * covers outputs [i, i + TSP_V) of the flattened plane, and tap (ky, kx) of
 * lane l reads flat input i + l + (ky - pad_top) * w + kx - pad_left. */
static void dw_flat(size_t in_h, size_t w, size_t out_h, size_t pad_top, size_t pad_left,
                    const float* input, const dw_params* params, float* output) {
  /* A local copy: output stores may alias *params for the compiler (vector
   * types are may_alias), which would force reloading every tap weight. */
  const dw_params local = *params, *p = &local;
  const ptrdiff_t n_out = (ptrdiff_t)(out_h * w), sw = (ptrdiff_t)w;
  const ptrdiff_t pt = (ptrdiff_t)pad_top, pl = (ptrdiff_t)pad_left, ih = (ptrdiff_t)in_h;
  /* Vectors i in [fast_lo, fast_hi) have every window row inside the plane
   * and all TSP_V floats of every tap load inside the plane, so they need
   * only the column masks and no address outside the plane. */
  const ptrdiff_t fast_lo = pt * sw + pl;
  ptrdiff_t fast_hi = ih * sw - (TSP_DW_K - 1 - pt) * sw - (TSP_DW_K - 1 - pl);
  fast_hi = fast_hi < n_out ? fast_hi : n_out;
  fast_hi = fast_hi < (ih + pt + 1 - TSP_DW_K) * sw ? fast_hi : (ih + pt + 1 - TSP_DW_K) * sw;
  /* Lane coordinates in float, branch-free: row = floor((i + l + 0.5) / w),
   * exact while the plane has fewer than 2^22 elements (the caller checks);
   * the 0.5 keeps exact multiples of w off the rounding boundary. */
  const tsp_vec inv_w = v_set1(1.0f / (float)w), fw = v_set1((float)w), half = v_set1(0.5f);
  tsp_vec lane_i = v_add(v_iota(), half); /* i + l + 0.5 */
  tsp_vec col_lo[TSP_DW_K], col_hi[TSP_DW_K], row_lo[TSP_DW_K], row_hi[TSP_DW_K];
  DW_UNROLL
  for (ptrdiff_t k = 0; k < TSP_DW_K; ++k) {
    /* Tap column kx is inside the row for pl - kx <= ox < w + pl - kx, tap
     * row ky for pt - ky <= oy < in_h + pt - ky. (ox is off by +0.5.) */
    col_lo[k] = v_set1((float)(pl - k));
    col_hi[k] = v_set1((float)(sw + pl - k));
    row_lo[k] = v_set1((float)(pt - k));
    row_hi[k] = v_set1((float)(ih + pt - k));
  }
  for (ptrdiff_t i = 0; i < n_out; i += TSP_V, lane_i = v_add(lane_i, v_set1((float)TSP_V))) {
    const tsp_vec oy = v_floor(v_mul(lane_i, inv_w));
    const tsp_vec ox = v_fnma(oy, fw, lane_i);
    /* ox is in [0, w), so only one side of a column test can fail. */
    tsp_mask cm[TSP_DW_K];
    DW_UNROLL
    for (ptrdiff_t kx = 0; kx < TSP_DW_K; ++kx) {
      cm[kx] = kx < pl ? v_ge(ox, col_lo[kx]) : kx > pl ? v_lt(ox, col_hi[kx]) : m_all();
    }
    tsp_vec acc = p->bias;
    if (i >= fast_lo && i + TSP_V <= fast_hi) {
      DW_UNROLL
      for (ptrdiff_t ky = 0; ky < TSP_DW_K; ++ky) {
        DW_UNROLL
        for (ptrdiff_t kx = 0; kx < TSP_DW_K; ++kx) {
          const ptrdiff_t j = i + (ky - pt) * sw + kx - pl;
          const tsp_vec x = kx == pl ? v_loadu(input + j) : v_load_in_m(input + j, cm[kx]);
          acc = v_fma(x, p->w[ky * TSP_DW_K + kx], acc);
        }
      }
    } else {
      const tsp_mask valid = n_out - i >= TSP_V ? m_all() : m_first_n((size_t)(n_out - i));
      DW_UNROLL
      for (ptrdiff_t ky = 0; ky < TSP_DW_K; ++ky) {
        const tsp_mask rm = m_and(valid, m_and(v_ge(oy, row_lo[ky]), v_lt(oy, row_hi[ky])));
        DW_UNROLL
        for (ptrdiff_t kx = 0; kx < TSP_DW_K; ++kx) {
          const ptrdiff_t j = i + (ky - pt) * sw + kx - pl;
          const tsp_vec x = v_load_m(dw_addr(input, j), m_and(rm, cm[kx]));
          acc = v_fma(x, p->w[ky * TSP_DW_K + kx], acc);
        }
      }
    }
    acc = v_clamp(acc, p->vmin, p->vmax);
    if (n_out - i >= TSP_V) {
      v_storeu(output + i, acc);
    } else {
      v_store_n(output + i, acc, (size_t)(n_out - i));
    }
  }
}
#endif

/* Widest row that takes the flat scheme (stride 1). Measured on Zen 5 with
 * benchmarks/dwconv_bench.c: with 16 lanes it wins at every MobileNet size
 * (and is even with the row scheme at 112); with 8 lanes the per-vector mask
 * work outweighs the lane savings from 56-wide rows on. */
#if TSP_V >= 16
#define DW_FLAT_MAX_W ((size_t)-1)
#else
#define DW_FLAT_MAX_W 32
#endif

static void dw_channel(size_t in_h, size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                       size_t pad_left, const float* input, const float* weights, float* output,
                       const tsp_minmax* clamp) {
  dw_params p;
  for (int i = 0; i < TSP_DW_K * TSP_DW_K; ++i) p.w[i] = v_set1(weights[1 + i]);
  p.bias = v_set1(weights[0]);
  p.vmin = v_set1(clamp->min);
  p.vmax = v_set1(clamp->max);
#if TSP_DW_S == 1
  if (out_w == in_w && in_w <= DW_FLAT_MAX_W && out_h * out_w < ((size_t)1 << 22)) {
    dw_flat(in_h, in_w, out_h, pad_top, pad_left, input, &p, output);
    return;
  }
#endif
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(oy * TSP_DW_S) - (ptrdiff_t)pad_top;
    const float* rows[TSP_DW_K];
    DW_UNROLL
    for (int ky = 0; ky < TSP_DW_K; ++ky) {
      const ptrdiff_t iy = iy0 + ky;
      rows[ky] = iy >= 0 && iy < (ptrdiff_t)in_h ? input + (size_t)iy * in_w : NULL;
    }
    dw_output_row(rows, in_w, out_w, pad_left, &p, output + oy * out_w);
  }
}

#define DW_KK (TSP_DW_K * TSP_DW_K)
/* Helpers taking constant flags must inline so that each flag value compiles
 * to its own branch-free code. */
#define DW_INLINE static inline __attribute__((always_inline))

/* Per-channel registers: taps and bias; clamp bounds shared. */
static inline void dw_weights(const float* weights, tsp_vec* wv, tsp_vec* bias) {
  *bias = v_set1(weights[0]);
  DW_UNROLL
  for (int t = 0; t < DW_KK; ++t) wv[t] = v_set1(weights[1 + t]);
}

/* Sum of the per-row partial accumulators (short FMA chains hide latency). */
static inline tsp_vec dw_sum(const tsp_vec* acc) {
#if TSP_DW_K == 3
  return v_add(v_add(acc[0], acc[1]), acc[2]);
#else
  return v_add(v_add(v_add(acc[0], acc[1]), v_add(acc[2], acc[3])), acc[4]);
#endif
}


#if TSP_DW_S == 2
/* Address of index j of base, which may lie outside the plane: used only by
 * masked loads whose enabled lanes are all inside. Integer arithmetic,
 * because forming an out-of-bounds pointer is UB in C while the integer to
 * pointer conversion is implementation-defined (plain addresses on GCC and
 * Clang). */
static inline const float* dw_addr(const float* base, ptrdiff_t j) {
  return (const float*)((uintptr_t)base + (uintptr_t)j * sizeof(float));
}
#endif

/* row[s, s + TSP_V) with zeros outside [0, w); s may be negative. `edge` is
 * constant at each call site: 0 promises the whole span is inside. */
DW_INLINE tsp_vec dw_cols(const float* row, ptrdiff_t s, ptrdiff_t w, int edge) {
  if (!edge) return v_loadu(row + s);
  const ptrdiff_t lo = s < 0 ? -s : 0;
  const ptrdiff_t hi = w - s < TSP_V ? w - s : TSP_V;
  if (hi <= lo) return v_zero();
  return v_load_m(dw_addr(row, s), m_range((size_t)lo, (size_t)hi));
}

#if TSP_DW_S == 2
/* Stride 2, row scheme with rolling chunks. Output chunk k (lanes = outputs
 * ox in [k*V, k*V + V)) reads input columns from s_k = 2*V*k - pad_left. The
 * 2*V floats at s_k split into E (even positions) and O (odd): tap 0 is E,
 * tap 1 is O, tap 2 is E shifted by one lane with the next chunk's E[0]
 * entering on top (taps 3, 4: O by one, E by two). Each input row is loaded
 * and deinterleaved once per chunk and reused for the next chunk's taps, and
 * a chunk's loads are plain or masked as a whole: no per-tap edge path. */
DW_INLINE void dw_s2_eo(const float* row, ptrdiff_t s, ptrdiff_t w, int edge, tsp_vec* e,
                            tsp_vec* o) {
  v_deinterleave(dw_cols(row, s, w, edge), dw_cols(row, s + TSP_V, w, edge), e, o);
}

static inline int dw_s2_edge(ptrdiff_t s, ptrdiff_t w) { return s < 0 || s + 2 * TSP_V > w; }

/* One output chunk: e/o hold this chunk's halves per row and receive the
 * next chunk's (input columns from sn). */
DW_INLINE tsp_vec dw_s2_chunk(const float* const* rows, ptrdiff_t w, ptrdiff_t sn,
                              const tsp_vec* wv, tsp_vec bias, tsp_vec* e, tsp_vec* o,
                              int checked, int edge) {
  tsp_vec acc[TSP_DW_K];
  DW_UNROLL
  for (int ky = 0; ky < TSP_DW_K; ++ky) {
    acc[ky] = ky == 0 ? bias : v_zero();
    if (checked && rows[ky] == NULL) continue;
    tsp_vec en, on;
    dw_s2_eo(rows[ky], sn, w, edge, &en, &on);
    const tsp_vec* wk = wv + ky * TSP_DW_K;
    acc[ky] = v_fma(e[ky], wk[0], acc[ky]);
    acc[ky] = v_fma(o[ky], wk[1], acc[ky]);
    acc[ky] = v_fma(v_alignr1(e[ky], en), wk[2], acc[ky]);
#if TSP_DW_K == 5
    acc[ky] = v_fma(v_alignr1(o[ky], on), wk[3], acc[ky]);
    acc[ky] = v_fma(v_alignr2(e[ky], en), wk[4], acc[ky]);
#endif
    e[ky] = en;
    o[ky] = on;
  }
  return dw_sum(acc);
}

/* `checked`: some window rows are outside the plane (rows[ky] == NULL). */
DW_INLINE void dw_s2_row(const float* const* rows, ptrdiff_t w, size_t out_w, ptrdiff_t pl,
                             const tsp_vec* wv, tsp_vec bias, tsp_vec vmin, tsp_vec vmax,
                             float* out, int checked) {
  tsp_vec e[TSP_DW_K], o[TSP_DW_K];
  ptrdiff_t s = -pl;
  const int edge0 = dw_s2_edge(s, w);
  DW_UNROLL
  for (int ky = 0; ky < TSP_DW_K; ++ky) {
    e[ky] = o[ky] = v_zero();
    if (checked && rows[ky] == NULL) continue;
    if (edge0) {
      dw_s2_eo(rows[ky], s, w, 1, &e[ky], &o[ky]);
    } else {
      dw_s2_eo(rows[ky], s, w, 0, &e[ky], &o[ky]);
    }
  }
  for (size_t ox = 0; ox < out_w; ox += TSP_V, s += 2 * TSP_V) {
    const tsp_vec r = dw_s2_edge(s + 2 * TSP_V, w)
                          ? dw_s2_chunk(rows, w, s + 2 * TSP_V, wv, bias, e, o, checked, 1)
                          : dw_s2_chunk(rows, w, s + 2 * TSP_V, wv, bias, e, o, checked, 0);
    const tsp_vec rc = v_clamp(r, vmin, vmax);
    const size_t n = out_w - ox;
    if (n >= TSP_V) {
      v_storeu(out + ox, rc);
    } else {
      v_store_n(out + ox, rc, n);
    }
  }
}

/* Widest output row that takes the rolling scheme. Measured on Zen 5 with
 * dwconv_bench: it wins at one chunk per row (14 and 7 wide outputs); on
 * wider rows GCC spills its carried halves and the per-vector scheme wins. */
#ifndef DW_S2_ROLL_MAX_W
#define DW_S2_ROLL_MAX_W TSP_V
#endif

static void dw_s2(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                  size_t pad_top, size_t pad_left, const float* input, size_t input_stride,
                  const float* weights, float* output, size_t output_stride, tsp_vec vmin,
                  tsp_vec vmax) {
  for (size_t c = 0; c < channels; ++c) {
    tsp_vec wv[DW_KK], bias;
    dw_weights(weights + c * (DW_KK + 1), wv, &bias);
    const float* in = input + c * input_stride;
    float* out = output + c * output_stride;
    for (size_t oy = 0; oy < out_h; ++oy) {
      const ptrdiff_t iy0 = (ptrdiff_t)(oy * 2) - (ptrdiff_t)pad_top;
      const float* rows[TSP_DW_K];
      int checked = 0;
      DW_UNROLL
      for (int ky = 0; ky < TSP_DW_K; ++ky) {
        const ptrdiff_t iy = iy0 + ky;
        const int inside = iy >= 0 && iy < (ptrdiff_t)in_h;
        rows[ky] = inside ? in + (size_t)iy * in_w : NULL;
        checked |= !inside;
      }
      if (checked) {
        dw_s2_row(rows, (ptrdiff_t)in_w, out_w, (ptrdiff_t)pad_left, wv, bias, vmin, vmax,
                  out + oy * out_w, 1);
      } else {
        dw_s2_row(rows, (ptrdiff_t)in_w, out_w, (ptrdiff_t)pad_left, wv, bias, vmin, vmax,
                  out + oy * out_w, 0);
      }
    }
  }
}
#endif

#if TSP_DW_S == 1
/* ---- stride 1, out_w == in_w == w: the flat-plane scheme ----
 * The plane is one long row: vector i covers outputs [i, i + TSP_V) of the
 * flattened plane and tap (ky, kx) of lane l reads flat input
 * i + l + (ky - pad_top) * w + kx - pad_left, masked to zero where the tap's
 * row or column falls outside the plane (or would wrap into the next row).
 * The masks depend only on the geometry, so they are computed once per call
 * for all channels. */
typedef struct {
  ptrdiff_t w, n_out, n_in, pt, pl;
  tsp_vec inv_w, fw;
  tsp_vec col_lo[TSP_DW_K], col_hi[TSP_DW_K], row_lo[TSP_DW_K], row_hi[TSP_DW_K];
} dw_geom;

static void dw_geom_init(dw_geom* g, size_t in_h, size_t w, size_t out_h, size_t pad_top,
                         size_t pad_left) {
  g->w = (ptrdiff_t)w;
  g->n_out = (ptrdiff_t)(out_h * w);
  g->n_in = (ptrdiff_t)(in_h * w);
  g->pt = (ptrdiff_t)pad_top;
  g->pl = (ptrdiff_t)pad_left;
  g->inv_w = v_set1(1.0f / (float)w);
  g->fw = v_set1((float)w);
  for (ptrdiff_t k = 0; k < TSP_DW_K; ++k) {
    /* Tap column kx is inside the row for pl - kx <= ox < w + pl - kx, tap
     * row ky for pt - ky <= oy < in_h + pt - ky. (ox is off by +0.5.) */
    g->col_lo[k] = v_set1((float)(g->pl - k));
    g->col_hi[k] = v_set1((float)(g->w + g->pl - k));
    g->row_lo[k] = v_set1((float)(g->pt - k));
    g->row_hi[k] = v_set1((float)((ptrdiff_t)in_h + g->pt - k));
  }
}

/* Lane coordinates of vector i in float, branch-free: row = floor((i + l +
 * 0.5) / w), exact while the plane has fewer than 2^22 elements (the caller
 * checks); the 0.5 keeps exact multiples of w off the rounding boundary. */
static inline void dw_lanes(const dw_geom* g, ptrdiff_t i, tsp_vec* oy, tsp_vec* ox) {
  const tsp_vec lane = v_add(v_iota(), v_set1((float)i + 0.5f));
  *oy = v_floor(v_mul(lane, g->inv_w));
  *ox = v_fnma(*oy, g->fw, lane);
}

/* Column masks of the taps; ox is in [0, w), so only one side can fail. */
static inline void dw_col_masks(const dw_geom* g, tsp_vec ox, tsp_mask* cm) {
  DW_UNROLL
  for (ptrdiff_t kx = 0; kx < TSP_DW_K; ++kx) {
    cm[kx] = kx < g->pl ? v_ge(ox, g->col_lo[kx]) : kx > g->pl ? v_lt(ox, g->col_hi[kx]) : m_all();
  }
}

/* Every tap load of vector i is a whole TSP_V floats inside the plane. */
static inline int dw_inside(const dw_geom* g, ptrdiff_t i) {
  const ptrdiff_t lo = i - g->pt * g->w - g->pl;
  const ptrdiff_t hi = i + (TSP_DW_K - 1 - g->pt) * g->w + (TSP_DW_K - 1 - g->pl) + TSP_V;
  return lo >= 0 && hi <= g->n_in;
}

/* Table scheme (planes up to DW_TABLE_BYTES of masks): masks[v][tap] for
 * every vector, built once per call; per channel, every tap is one masked
 * load. `inside` vectors (all loads in the plane) use v_load_in_m, which is
 * a plain load and an AND on AVX2. */
#define DW_TABLE_BYTES 16384
#define DW_TABLE_VECS (DW_TABLE_BYTES / (DW_KK * sizeof(tsp_mask)))
/* Measured on Zen 5 (dwconv_bench): the table wins on tiny planes (7x7),
 * per-vector masks win from 14x14 on (fewer mask loads). */
#ifndef DW_TABLE_MAX_VECS
#define DW_TABLE_MAX_VECS 8
#endif

DW_INLINE tsp_vec dw_flat_taps_table(ptrdiff_t w, ptrdiff_t pt, ptrdiff_t pl, const float* in,
                                     ptrdiff_t i, const tsp_mask* m, const tsp_vec* wv,
                                     tsp_vec bias, int inside) {
  tsp_vec acc[TSP_DW_K];
  DW_UNROLL
  for (ptrdiff_t ky = 0; ky < TSP_DW_K; ++ky) {
    acc[ky] = ky == 0 ? bias : v_zero();
    DW_UNROLL
    for (ptrdiff_t kx = 0; kx < TSP_DW_K; ++kx) {
      const ptrdiff_t j = i + (ky - pt) * w + kx - pl;
      const tsp_mask mk = m[ky * TSP_DW_K + kx];
      const tsp_vec x = inside ? v_load_in_m(in + j, mk) : v_load_m(dw_addr(in, j), mk);
      acc[ky] = v_fma(x, wv[ky * TSP_DW_K + kx], acc[ky]);
    }
  }
  return dw_sum(acc);
}

static void dw_flat_table(const dw_geom* g, size_t channels, const float* input,
                          size_t input_stride, const float* weights, float* output,
                          size_t output_stride, tsp_vec vmin, tsp_vec vmax) {
  const ptrdiff_t n_out = g->n_out;
  const ptrdiff_t nvec = (n_out + TSP_V - 1) / TSP_V;
  tsp_mask masks[DW_TABLE_VECS][DW_KK];
  unsigned char inside[DW_TABLE_VECS];
  for (ptrdiff_t v = 0; v < nvec; ++v) {
    const ptrdiff_t i = v * TSP_V;
    tsp_vec oy, ox;
    dw_lanes(g, i, &oy, &ox);
    tsp_mask cm[TSP_DW_K];
    dw_col_masks(g, ox, cm);
    const tsp_mask valid = n_out - i >= TSP_V ? m_all() : m_first_n((size_t)(n_out - i));
    for (ptrdiff_t ky = 0; ky < TSP_DW_K; ++ky) {
      const tsp_mask rm = m_and(valid, m_and(v_ge(oy, g->row_lo[ky]), v_lt(oy, g->row_hi[ky])));
      for (ptrdiff_t kx = 0; kx < TSP_DW_K; ++kx) masks[v][ky * TSP_DW_K + kx] = m_and(rm, cm[kx]);
    }
    inside[v] = (unsigned char)dw_inside(g, i);
  }
  /* Locals from here on: vector stores may alias *g for the compiler. */
  const ptrdiff_t w = g->w, pt = g->pt, pl = g->pl;
  for (size_t c = 0; c < channels; ++c) {
    tsp_vec wv[DW_KK], bias;
    dw_weights(weights + c * (DW_KK + 1), wv, &bias);
    const float* in = input + c * input_stride;
    float* out = output + c * output_stride;
    for (ptrdiff_t v = 0; v < nvec; ++v) {
      const ptrdiff_t i = v * TSP_V;
      const tsp_vec acc = inside[v] ? dw_flat_taps_table(w, pt, pl, in, i, masks[v], wv, bias, 1)
                                    : dw_flat_taps_table(w, pt, pl, in, i, masks[v], wv, bias, 0);
      const tsp_vec r = v_clamp(acc, vmin, vmax);
      if (n_out - i >= TSP_V) {
        v_storeu(out + i, r);
      } else {
        v_store_n(out + i, r, (size_t)(n_out - i));
      }
    }
  }
}

#endif /* TSP_DW_S == 1 */

/* Dispatch. The rolling stride-2 scheme and the mask table serve the small
 * planes; wider rows and larger planes keep the per-channel schemes above
 * (dw_channel), which measured faster there (dwconv_bench and an interleaved
 * old/new comparison on Zen 5). */
void TSP_DW_FN(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
               size_t pad_top, size_t pad_left, const float* input, size_t input_stride,
               const float* weights, float* output, size_t output_stride,
               const tsp_minmax* clamp) {
  const tsp_vec vmin = v_set1(clamp->min), vmax = v_set1(clamp->max);
#if TSP_DW_S == 2
  if (out_w <= DW_S2_ROLL_MAX_W) {
    dw_s2(channels, in_h, in_w, out_h, out_w, pad_top, pad_left, input, input_stride, weights,
          output, output_stride, vmin, vmax);
    return;
  }
#else
  const size_t nvec = (out_h * out_w + TSP_V - 1) / TSP_V;
  if (out_w == in_w && in_w <= DW_FLAT_MAX_W && nvec <= DW_TABLE_VECS &&
      nvec <= DW_TABLE_MAX_VECS) {
    dw_geom g;
    dw_geom_init(&g, in_h, in_w, out_h, pad_top, pad_left);
    dw_flat_table(&g, channels, input, input_stride, weights, output, output_stride, vmin, vmax);
    return;
  }
#endif
  for (size_t c = 0; c < channels; ++c) {
    dw_channel(in_h, in_w, out_h, out_w, pad_top, pad_left, input + c * input_stride,
               weights + c * (DW_KK + 1), output + c * output_stride, clamp);
  }
}
