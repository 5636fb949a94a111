/* SIMD template of the CHW depthwise convolution (one channel per call).
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
 * materialized and no address outside the row is ever formed. */

#include <stddef.h>

#include "kernels.h"
#include "ukernels.h"

#if !defined(TSP_DW_K) || !defined(TSP_DW_S) || !defined(TSP_DW_FN)
#error "define TSP_DW_K, TSP_DW_S and TSP_DW_FN before including dwconv_chw_simd.h"
#endif

/* Input floats that one output vector reads from one input row on the plain
 * path (stride 2 loads pairs of vectors at tap offsets 0, 2, 4). */
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
  for (int kx = 0; kx < TSP_DW_K; ++kx) {
    acc = v_fma(dw_load(row, c0 + kx, w, edge), wk[kx], acc);
  }
#else
  /* Output lane l reads column c0 + kx + 2l: the even half of the 2*TSP_V
   * floats from c0 + kx serves tap kx, the odd half tap kx + 1. */
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
                          const dw_params* p, float* out) {
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

void TSP_DW_FN(size_t in_h, size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
               size_t pad_left, const float* input, const float* weights, float* output,
               const tsp_minmax* clamp) {
  dw_params p;
  for (int i = 0; i < TSP_DW_K * TSP_DW_K; ++i) p.w[i] = v_set1(weights[1 + i]);
  p.bias = v_set1(weights[0]);
  p.vmin = v_set1(clamp->min);
  p.vmax = v_set1(clamp->max);
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(oy * TSP_DW_S) - (ptrdiff_t)pad_top;
    const float* rows[TSP_DW_K];
    for (int ky = 0; ky < TSP_DW_K; ++ky) {
      const ptrdiff_t iy = iy0 + ky;
      rows[ky] = iy >= 0 && iy < (ptrdiff_t)in_h ? input + (size_t)iy * in_w : NULL;
    }
    dw_output_row(rows, in_w, out_w, pad_left, &p, output + oy * out_w);
  }
}
