/* AVX2 3x3 depthwise CHW row kernels, for rows of at least one vector (see
 * the dispatch in f32_dwconv2d_chw_3x3s{1,2}__avx2.c). Same contract as
 * tsp_dwconv2d_chw_fn. Included once per kernel file after defining TSP_DW_S
 * (1 or 2); not a standalone header.
 *
 * Output block j of a row covers outputs [8j, 8j + 8).
 *
 * Stride 1: block j reads input columns s_j + [0, 10), s_j = 8j - pad_left;
 * taps kx = 0, 1, 2 are three unaligned loads at s_j + kx (loads are cheap
 * next to the 9 FMAs; building taps with permutes was not tried). Two
 * output rows per pass share their 4 input rows; rows at the top/bottom
 * padding are skipped at compile time (pairs with the first or last row
 * missing) or, for other shapes, one output row at a time.
 *
 * Stride 2: block j reads input columns s_j + [0, 17), s_j = 16j - pad_left:
 * loads at s_j, s_j + 8 give taps 0 (even) and 1 (odd) through one
 * _mm256_shuffle_ps each, loads at s_j + 1, s_j + 9 give tap 2 (odd of
 * those). vshufps works within 128-bit halves, so every tap comes out in the
 * same lane order (0 1 4 5 2 3 6 7 of the wanted one); the sum is put in order
 * once per block by one vpermpd instead of once per tap.
 *
 * Columns: blocks [j_lo, j_hi) have every load inside the row and a whole
 * store. The others ("edge" blocks, at most DWA_MAXE at each end) AND each
 * load with a per-call lane mask (lanes outside [0, in_w) of the row); the
 * load itself is a plain one when the 8 floats lie inside the plane (they
 * spill into the neighbouring row, which the mask clears) and a vmaskmovps
 * otherwise (first/last rows of the plane), so nothing outside the plane is
 * ever accessed. Addresses that may lie outside are formed in integer
 * arithmetic (dwa_addr) and only used by masked loads. */

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "dwconv/vec_avx2.h"
#include "kernels.h"

#define DWA_INLINE static inline __attribute__((always_inline))
#define DWA_UNROLL _Pragma("GCC unroll 8")
#define DWA_MAXE 4

static inline const float* dwa_addr(const float* base, ptrdiff_t j) {
  return (const float*)((uintptr_t)base + (uintptr_t)j * sizeof(float));
}

/* Lanes l with 0 <= p + l < w. */
static inline __m256i dwa_col_mask(ptrdiff_t p, ptrdiff_t w) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  ptrdiff_t lo = p < 0 ? -p : 0;
  ptrdiff_t hi = w - p < 8 ? w - p : 8;
  if (lo > 8) lo = 8;
  if (hi < 0) hi = 0;
  return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)lo), iota),
                             _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), iota));
}

static inline __m256i dwa_first_n(ptrdiff_t n) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n < 8 ? n : 8)), iota);
}

/* Edge kinds: 0 plain load; 1 plain load of 8 floats inside the plane, ANDed
 * with the mask; 2 masked load. `kind` is constant at every call site. */
DWA_INLINE __m256 dwa_ld(const float* row, ptrdiff_t p, const __m256i* m, int t, int kind) {
  if (kind == 0) return _mm256_loadu_ps(row + p);
  if (kind == 1) {
    return _mm256_and_ps(_mm256_loadu_ps(dwa_addr(row, p)), _mm256_castsi256_ps(m[t]));
  }
  return _mm256_maskload_ps(dwa_addr(row, p), m[t]);
}

#if TSP_DW_S == 1
#define DWA_NLD 3 /* loads per row per block */
#define DWA_STEP 8
#define DWA_SPAN 10 /* columns a block reads, from s_j */
#else
#define DWA_NLD 4
#define DWA_STEP 16
#define DWA_SPAN 17
#endif

/* Per-call geometry: edge-block masks for every load offset, store mask. */
typedef struct {
  ptrdiff_t w, pl;
  size_t out_w, nb, j_lo, j_hi;
  ptrdiff_t last_n;          /* outputs in the last block */
  ptrdiff_t lo_off, hi_off;  /* flat extent of edge-block loads from a row start */
  __m256i sm;                /* store mask of the last block */
  __m256i lm[DWA_MAXE][DWA_NLD], rm[DWA_MAXE][DWA_NLD];
} dwa_geom;

static inline ptrdiff_t dwa_ld_off(int t) {
#if TSP_DW_S == 1
  return t; /* kx */
#else
  return t == 0 ? 0 : t == 1 ? 8 : t == 2 ? 1 : 9;
#endif
}

/* Returns 0 when the shape does not suit (too many edge blocks). */
static int dwa_geom_init(dwa_geom* g, size_t in_w, size_t out_w, size_t pad_left) {
  const ptrdiff_t w = (ptrdiff_t)in_w, pl = (ptrdiff_t)pad_left;
  const size_t nb = (out_w + 7) / 8;
  size_t lo = 0;
  while (lo < nb && (ptrdiff_t)lo * DWA_STEP - pl < 0) ++lo;
  size_t hi = lo;
  while (hi < nb && (ptrdiff_t)hi * DWA_STEP - pl + DWA_SPAN <= w && (hi + 1) * 8 <= out_w) ++hi;
  if (lo > DWA_MAXE || nb - hi > DWA_MAXE || lo > hi) return 0;
  g->w = w;
  g->pl = pl;
  g->out_w = out_w;
  g->nb = nb;
  g->j_lo = lo;
  g->j_hi = hi;
  g->last_n = (ptrdiff_t)(out_w - (nb - 1) * 8);
  g->sm = dwa_first_n(g->last_n);
  g->lo_off = 0;
  g->hi_off = 0;
  for (size_t j = 0; j < nb; ++j) {
    if (j >= lo && j < hi) continue;
    const ptrdiff_t s = (ptrdiff_t)j * DWA_STEP - pl;
    if (s < g->lo_off) g->lo_off = s;
    if (s + DWA_SPAN > g->hi_off) g->hi_off = s + DWA_SPAN; /* the last load ends here */
  }
  for (size_t j = 0; j < lo; ++j) {
    for (int t = 0; t < DWA_NLD; ++t) {
      g->lm[j][t] = dwa_col_mask((ptrdiff_t)j * DWA_STEP - pl + dwa_ld_off(t), w);
    }
  }
  for (size_t j = hi; j < nb; ++j) {
    for (int t = 0; t < DWA_NLD; ++t) {
      g->rm[j - hi][t] = dwa_col_mask((ptrdiff_t)j * DWA_STEP - pl + dwa_ld_off(t), w);
    }
  }
  return 1;
}

DWA_INLINE void dwa_st(float* o, __m256 v, const dwa_geom* g, size_t j) {
  if (j + 1 == g->nb && g->last_n < 8) {
    _mm256_maskstore_ps(o, g->sm, v);
  } else {
    _mm256_storeu_ps(o, v);
  }
}

/* Runs of passes: each pass computes NOUT (1 or 2; stride 2 always 1)
 * output rows from the input rows iy + [0, NOUT * S + 3 - S); bit k of P says
 * row iy + k is inside the plane (constant, so missing rows cost nothing);
 * `kind` is the edge-block load kind (1 or 2) for the whole run. Weights and
 * bias are broadcast once per run. */

#if TSP_DW_S == 1

DWA_INLINE void dwa_block(const float* const* r, ptrdiff_t s, const __m256* wv, __m256 bias,
                          __m256 vmin, __m256 vmax, const __m256i* mk, int kind, int P,
                          int NOUT, float* o0, float* o1, const dwa_geom* g, size_t j,
                          int whole) {
  __m256 acc0 = bias, acc1 = bias;
  DWA_UNROLL
  for (int k = 0; k < NOUT + 2; ++k) {
    if (!(P >> k & 1)) continue;
    DWA_UNROLL
    for (int kx = 0; kx < 3; ++kx) {
      const __m256 x = dwa_ld(r[k], s + kx, mk, kx, kind);
      if (k < 3) acc0 = _mm256_fmadd_ps(x, wv[k * 3 + kx], acc0);
      if (NOUT == 2 && k >= 1) acc1 = _mm256_fmadd_ps(x, wv[(k - 1) * 3 + kx], acc1);
    }
  }
  acc0 = v_clamp(acc0, vmin, vmax);
  if (whole) {
    _mm256_storeu_ps(o0, acc0);
  } else {
    dwa_st(o0, acc0, g, j);
  }
  if (NOUT == 2) {
    acc1 = v_clamp(acc1, vmin, vmax);
    if (whole) {
      _mm256_storeu_ps(o1, acc1);
    } else {
      dwa_st(o1, acc1, g, j);
    }
  }
}

#else /* TSP_DW_S == 2 */

/* Adds one input row's 3 taps (in vshufps lane order) for the block at s. */
DWA_INLINE __m256 dwa_s2_row(__m256 acc, const float* row, ptrdiff_t s, const __m256* wk,
                             const __m256i* mk, int kind) {
  const __m256 a = dwa_ld(row, s, mk, 0, kind);
  const __m256 b = dwa_ld(row, s + 8, mk, 1, kind);
  const __m256 c = dwa_ld(row, s + 1, mk, 2, kind);
  const __m256 d = dwa_ld(row, s + 9, mk, 3, kind);
  acc = _mm256_fmadd_ps(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), wk[0], acc);
  acc = _mm256_fmadd_ps(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)), wk[1], acc);
  return _mm256_fmadd_ps(_mm256_shuffle_ps(c, d, _MM_SHUFFLE(3, 1, 3, 1)), wk[2], acc);
}

DWA_INLINE void dwa_block(const float* const* r, ptrdiff_t s, const __m256* wv, __m256 bias,
                          __m256 vmin, __m256 vmax, const __m256i* mk, int kind, int P,
                          int NOUT, float* o0, float* o1, const dwa_geom* g, size_t j,
                          int whole) {
  (void)NOUT;
  (void)o1;
  __m256 acc = bias;
  DWA_UNROLL
  for (int k = 0; k < 3; ++k) {
    if (P >> k & 1) acc = dwa_s2_row(acc, r[k], s, wv + 3 * k, mk, kind);
  }
  acc = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc), _MM_SHUFFLE(3, 1, 2, 0)));
  acc = v_clamp(acc, vmin, vmax);
  if (whole) {
    _mm256_storeu_ps(o0, acc);
  } else {
    dwa_st(o0, acc, g, j);
  }
}

#endif

DWA_INLINE void dwa_run_impl(const float* restrict in, ptrdiff_t iy, size_t n,
                             float* restrict out, const dwa_geom* restrict g,
                             const float* restrict wc, __m256 vmin, __m256 vmax, int P, int kind,
                             int NOUT) {
  __m256 wv[9];
  DWA_UNROLL
  for (int t = 0; t < 9; ++t) wv[t] = _mm256_broadcast_ss(wc + 1 + t);
  const __m256 bias = _mm256_broadcast_ss(wc);
  const ptrdiff_t w = g->w, pl = g->pl;
  const size_t out_w = g->out_w, j_lo = g->j_lo, j_hi = g->j_hi, nb = g->nb;
  for (size_t i = 0; i < n; ++i, iy += NOUT * TSP_DW_S, out += (size_t)NOUT * out_w) {
    const float* r[4];
    DWA_UNROLL
    for (int k = 0; k < 4; ++k) r[k] = P >> k & 1 ? in + (iy + k) * w : NULL;
    float* o1 = NOUT == 2 ? out + out_w : out;
    size_t j = 0;
    for (; j < j_lo; ++j) {
      dwa_block(r, (ptrdiff_t)(j * DWA_STEP) - pl, wv, bias, vmin, vmax, g->lm[j], kind, P, NOUT,
                out + j * 8, o1 + j * 8, g, j, 0);
    }
    for (; j < j_hi; ++j) {
      dwa_block(r, (ptrdiff_t)(j * DWA_STEP) - pl, wv, bias, vmin, vmax, g->lm[0], 0, P, NOUT,
                out + j * 8, o1 + j * 8, g, j, 1);
    }
    for (; j < nb; ++j) {
      dwa_block(r, (ptrdiff_t)(j * DWA_STEP) - pl, wv, bias, vmin, vmax, g->rm[j - j_hi], kind, P,
                NOUT, out + j * 8, o1 + j * 8, g, j, 0);
    }
  }
}

#define DWA_RUN_CASE(P, KIND, NOUT)                                      \
  case (P) * 100 + (KIND) * 10 + (NOUT):                                 \
    dwa_run_impl(in, iy, n, out, g, wc, vmin, vmax, (P), (KIND), (NOUT)); \
    break;

/* Hot runs: all rows present, two output rows (stride 1) or one (stride 2);
 * stride 1 also the pair with the first or last row missing. */
static __attribute__((noinline)) void dwa_run_hot(const float* in, ptrdiff_t iy, size_t n,
                                                  float* out, const dwa_geom* g, const float* wc,
                                                  __m256 vmin, __m256 vmax, int P, int kind) {
#if TSP_DW_S == 1
  switch (P * 100 + kind * 10 + 2) {
    DWA_RUN_CASE(15, 1, 2)
    DWA_RUN_CASE(15, 2, 2)
    DWA_RUN_CASE(14, 1, 2)
    DWA_RUN_CASE(14, 2, 2)
    DWA_RUN_CASE(7, 1, 2)
    default: dwa_run_impl(in, iy, n, out, g, wc, vmin, vmax, 7, 2, 2); break;
  }
#else
  if (kind == 1) {
    dwa_run_impl(in, iy, n, out, g, wc, vmin, vmax, 7, 1, 1);
  } else {
    dwa_run_impl(in, iy, n, out, g, wc, vmin, vmax, 7, 2, 1);
  }
  (void)P;
#endif
}

/* Single output rows with any window rows missing; masked edge loads. */
static __attribute__((noinline)) void dwa_run_single(const float* in, ptrdiff_t iy, float* out,
                                                     const dwa_geom* g, const float* wc,
                                                     __m256 vmin, __m256 vmax, int P) {
  const size_t n = 1;
  switch (P * 100 + 2 * 10 + 1) {
    DWA_RUN_CASE(7, 2, 1)
    DWA_RUN_CASE(6, 2, 1)
    DWA_RUN_CASE(5, 2, 1)
    DWA_RUN_CASE(4, 2, 1)
    DWA_RUN_CASE(3, 2, 1)
    DWA_RUN_CASE(2, 2, 1)
    DWA_RUN_CASE(1, 2, 1)
    default: dwa_run_impl(in, iy, n, out, g, wc, vmin, vmax, 0, 2, 1); break;
  }
}

static inline int dwa_present(ptrdiff_t iy, int rows, ptrdiff_t ih) {
  int P = 0;
  for (int k = 0; k < rows; ++k) P |= (iy + k >= 0 && iy + k < ih) << k;
  return P;
}

#if TSP_DW_S == 1
static void dwa_s1(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                   size_t pad_top, const dwa_geom* g, const float* input, size_t input_stride,
                   const float* weights, float* output, size_t output_stride,
                   const tsp_minmax* clamp) {
  const ptrdiff_t w = (ptrdiff_t)in_w, pt = (ptrdiff_t)pad_top, ih = (ptrdiff_t)in_h;
  const ptrdiff_t n_in = ih * w, oh = (ptrdiff_t)out_h;
  const ptrdiff_t lo_off = g->lo_off, hi_off = g->hi_off;
  const __m256 vmin = _mm256_set1_ps(clamp->min), vmax = _mm256_set1_ps(clamp->max);
  for (size_t c = 0; c < channels; ++c) {
    const float* wc = weights + c * 10;
    const float* in = input + c * input_stride;
    float* out = output + c * output_stride;
    ptrdiff_t oy = 0;
    while (oy < oh) {
      const ptrdiff_t iy = oy - pt;
      const int P = dwa_present(iy, 4, ih);
      /* A pair needs rows iy + 1, iy + 2 and one of iy, iy + 3. */
      if (oy + 1 < oh && (P == 15 || P == 14 || P == 7)) {
        const ptrdiff_t first = P & 1 ? iy : iy + 1, last = P & 8 ? iy + 3 : iy + 2;
        const int inplane = first * w + lo_off >= 0 && last * w + hi_off <= n_in;
        size_t n = 1;
        if (P == 15 && inplane) { /* extend over the following in-plane full pairs */
          while (oy + 2 * (ptrdiff_t)n + 1 < oh && iy + 2 * (ptrdiff_t)n + 3 < ih &&
                 (iy + 2 * (ptrdiff_t)n + 3) * w + hi_off <= n_in) {
            ++n;
          }
        }
        dwa_run_hot(in, iy, n, out + oy * out_w, g, wc, vmin, vmax, P, inplane ? 1 : 2);
        oy += 2 * (ptrdiff_t)n;
        continue;
      }
      dwa_run_single(in, iy, out + oy * out_w, g, wc, vmin, vmax, P & 7);
      oy += 1;
    }
  }
}
#else
static void dwa_s2(size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                   size_t pad_top, const dwa_geom* g, const float* input, size_t input_stride,
                   const float* weights, float* output, size_t output_stride,
                   const tsp_minmax* clamp) {
  const ptrdiff_t w = (ptrdiff_t)in_w, pt = (ptrdiff_t)pad_top, ih = (ptrdiff_t)in_h;
  const ptrdiff_t n_in = ih * w, oh = (ptrdiff_t)out_h;
  const ptrdiff_t lo_off = g->lo_off, hi_off = g->hi_off;
  const __m256 vmin = _mm256_set1_ps(clamp->min), vmax = _mm256_set1_ps(clamp->max);
  for (size_t c = 0; c < channels; ++c) {
    const float* wc = weights + c * 10;
    const float* in = input + c * input_stride;
    float* out = output + c * output_stride;
    ptrdiff_t oy = 0;
    while (oy < oh) {
      const ptrdiff_t iy = 2 * oy - pt;
      const int P = dwa_present(iy, 3, ih);
      if (P == 7) {
        const int inplane = iy * w + lo_off >= 0 && (iy + 2) * w + hi_off <= n_in;
        size_t n = 1;
        if (inplane) {
          while (oy + (ptrdiff_t)n < oh && iy + 2 * (ptrdiff_t)n + 2 < ih &&
                 (iy + 2 * (ptrdiff_t)n + 2) * w + hi_off <= n_in) {
            ++n;
          }
        }
        dwa_run_hot(in, iy, n, out + oy * out_w, g, wc, vmin, vmax, P, inplane ? 1 : 2);
        oy += (ptrdiff_t)n;
        continue;
      }
      dwa_run_single(in, iy, out + oy * out_w, g, wc, vmin, vmax, P);
      oy += 1;
    }
  }
}
#endif

#if TSP_DW_S == 1
/* ---- Flat plane, TF SAME (in == out size, pads 1, 1) ----
 * The plane is one long row of n = h*w floats; vector v covers outputs
 * [8v, 8v + 8) and tap (ky, kx) of lane l reads flat 8v + l + (ky-1)*w + kx-1.
 * Small rows (14, 28) then fill whole vectors. Interior vectors (all taps'
 * loads inside the plane, so every window row exists) take plain loads: the
 * taps kx = 0 and kx = 2 of lanes at a row start/end read the neighbouring
 * row instead of the padding, so each column kx keeps its own accumulator
 * (summed over ky) and the two side sums are ANDed once with a column mask;
 * the masks repeat every w / gcd(w, 8) vectors (a per-call table). The few
 * vectors near the top and bottom take masked loads (per-call masks with the
 * row, column and plane tests folded in). */
#define DWF_MAX_PERIOD 16
#define DWF_MAX_BOUND 24

typedef struct {
  ptrdiff_t w, n, nvec, v_lo, v_hi, period, pv0;
  __m256i cm[DWF_MAX_PERIOD][2];   /* kx = 0, 2 */
  __m256i bm[DWF_MAX_BOUND][9];    /* boundary vectors: [0, v_lo) then [v_hi, nvec) */
} dwf_geom;

/* Masks of the boundary vector at flat p0 (lane coordinates built without
 * division from those of p0). */
static void dwf_bound_masks(ptrdiff_t p0, ptrdiff_t w, ptrdiff_t h, __m256i* bm) {
  int32_t oy[8], ox[8], ok[8];
  ptrdiff_t y = p0 / w, x = p0 - y * w;
  for (int l = 0; l < 8; ++l) {
    oy[l] = (int32_t)y;
    ox[l] = (int32_t)x;
    ok[l] = p0 + l < h * w ? -1 : 0;
    if (++x == w) {
      x = 0;
      ++y;
    }
  }
  const __m256i vy = _mm256_loadu_si256((const __m256i*)oy);
  const __m256i vx = _mm256_loadu_si256((const __m256i*)ox);
  const __m256i vok = _mm256_loadu_si256((const __m256i*)ok);
  for (int t = 0; t < 9; ++t) {
    const int ky = t / 3, kx = t % 3;
    /* 0 <= oy + ky - 1 < h and 0 <= ox + kx - 1 < w */
    const __m256i iy = _mm256_add_epi32(vy, _mm256_set1_epi32(ky - 1));
    const __m256i ix = _mm256_add_epi32(vx, _mm256_set1_epi32(kx - 1));
    const __m256i m1 = _mm256_cmpgt_epi32(iy, _mm256_set1_epi32(-1));
    const __m256i m2 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)h), iy);
    const __m256i m3 = _mm256_cmpgt_epi32(ix, _mm256_set1_epi32(-1));
    const __m256i m4 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), ix);
    bm[t] = _mm256_and_si256(_mm256_and_si256(vok, _mm256_and_si256(m1, m2)),
                             _mm256_and_si256(m3, m4));
  }
}

static int dwf_init(dwf_geom* g, size_t h, size_t w_) {
  const ptrdiff_t w = (ptrdiff_t)w_, hh = (ptrdiff_t)h, n = hh * w;
  ptrdiff_t a = w, b = 8;
  while (b) {
    const ptrdiff_t t = a % b;
    a = b;
    b = t;
  }
  const ptrdiff_t period = w / a;
  if (period > DWF_MAX_PERIOD || n >= ((ptrdiff_t)1 << 30)) return 0;
  const ptrdiff_t nvec = (n + 7) / 8;
  ptrdiff_t v_lo = 0, v_hi;
  while (v_lo < nvec && 8 * v_lo < w + 1) ++v_lo;
  v_hi = v_lo;
  while (v_hi < nvec && 8 * v_hi + w + 9 <= n) ++v_hi;
  if (v_lo + (nvec - v_hi) > DWF_MAX_BOUND) return 0;
  g->w = w;
  g->n = n;
  g->nvec = nvec;
  g->v_lo = v_lo;
  g->v_hi = v_hi;
  g->period = period;
  g->pv0 = v_lo % period;
  ptrdiff_t x = 0;
  for (ptrdiff_t v = 0; v < period; ++v) {
    int32_t m0[8], m2[8];
    for (int l = 0; l < 8; ++l) {
      m0[l] = x >= 1 ? -1 : 0;
      m2[l] = x + 1 < w ? -1 : 0;
      if (++x == w) x = 0;
    }
    g->cm[v][0] = _mm256_loadu_si256((const __m256i*)m0);
    g->cm[v][1] = _mm256_loadu_si256((const __m256i*)m2);
  }
  ptrdiff_t bi = 0;
  for (ptrdiff_t v = 0; v < v_lo; ++v) dwf_bound_masks(8 * v, w, hh, g->bm[bi++]);
  for (ptrdiff_t v = v_hi; v < nvec; ++v) dwf_bound_masks(8 * v, w, hh, g->bm[bi++]);
  return 1;
}

DWA_INLINE void dwf_boundary(const float* in, ptrdiff_t v, ptrdiff_t w, ptrdiff_t n,
                             const __m256i* bm, const __m256* wv, __m256 bias, __m256 vmin,
                             __m256 vmax, float* out) {
  const ptrdiff_t i = 8 * v;
  __m256 acc = bias;
  DWA_UNROLL
  for (int t = 0; t < 9; ++t) {
    const ptrdiff_t j = i + (t / 3 - 1) * w + t % 3 - 1;
    acc = _mm256_fmadd_ps(_mm256_maskload_ps(dwa_addr(in, j), bm[t]), wv[t], acc);
  }
  acc = v_clamp(acc, vmin, vmax);
  if (n - i >= 8) {
    _mm256_storeu_ps(out + i, acc);
  } else {
    _mm256_maskstore_ps(out + i, dwa_first_n(n - i), acc);
  }
}

static __attribute__((noinline)) void dwf_channel(const float* restrict in, float* restrict out,
                                                  const dwf_geom* restrict g,
                                                  const float* restrict wc, __m256 vmin,
                                                  __m256 vmax) {
  __m256 wv[9];
  DWA_UNROLL
  for (int t = 0; t < 9; ++t) wv[t] = _mm256_broadcast_ss(wc + 1 + t);
  const __m256 bias = _mm256_broadcast_ss(wc);
  const ptrdiff_t w = g->w, n = g->n, v_lo = g->v_lo, v_hi = g->v_hi, nvec = g->nvec;
  const ptrdiff_t period = g->period;
  ptrdiff_t bi = 0;
  for (ptrdiff_t v = 0; v < v_lo; ++v, ++bi) {
    dwf_boundary(in, v, w, n, g->bm[bi], wv, bias, vmin, vmax, out);
  }
  ptrdiff_t pv = g->pv0;
  for (ptrdiff_t v = v_lo; v < v_hi; ++v) {
    const float* p = in + 8 * v - w - 1;
    __m256 a0 = _mm256_mul_ps(_mm256_loadu_ps(p), wv[0]);
    __m256 a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 1), wv[1], bias);
    __m256 a2 = _mm256_mul_ps(_mm256_loadu_ps(p + 2), wv[2]);
    p += w;
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p), wv[3], a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 1), wv[4], a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 2), wv[5], a2);
    p += w;
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(p), wv[6], a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 1), wv[7], a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 2), wv[8], a2);
    a0 = _mm256_and_ps(a0, _mm256_castsi256_ps(g->cm[pv][0]));
    a2 = _mm256_and_ps(a2, _mm256_castsi256_ps(g->cm[pv][1]));
    __m256 y = _mm256_add_ps(_mm256_add_ps(a0, a2), a1);
    y = v_clamp(y, vmin, vmax);
    _mm256_storeu_ps(out + 8 * v, y);
    pv = pv + 1 == period ? 0 : pv + 1;
  }
  for (ptrdiff_t v = v_hi; v < nvec; ++v, ++bi) {
    dwf_boundary(in, v, w, n, g->bm[bi], wv, bias, vmin, vmax, out);
  }
}

static void dwf_s1(size_t channels, const dwf_geom* g, const float* input, size_t input_stride,
                   const float* weights, float* output, size_t output_stride,
                   const tsp_minmax* clamp) {
  const __m256 vmin = _mm256_set1_ps(clamp->min), vmax = _mm256_set1_ps(clamp->max);
  for (size_t c = 0; c < channels; ++c) {
    dwf_channel(input + c * input_stride, output + c * output_stride, g, weights + c * 10, vmin,
                vmax);
  }
}
#endif
