/* AArch64 NEON SpMM microkernel template (see kernels.h for the stream
 * format).
 *
 * Include once from a __neon.c file after defining:
 *   SPMM_NAME  the function name, e.g. f32_spmm_16x4__neon
 *   SPMM_V     vectors of 4 columns per tile (1, 2, 4, 8: tiles 4, 8, 16, 32)
 *   SPMM_B     output-channel block (1, 2, 4)
 *
 * Same structure as the x86 templates: column tiles outside, output groups
 * inside (paper §3.2), and a group's non-zeros split round-robin over
 * accumulator sets so >= 8 independent FMA chains are in flight (FMA latency
 * 4 cycles, two FMA pipes on the big cores).
 *
 * NEON has 32 vector registers, so every tile fits one register pass: 16x4
 * is 16 accumulators + 4 input vectors + 1 weight vector, 32x2 is 16
 * accumulators + 8 input vectors + 1 weight half-vector. Input rows of 4 or
 * 8 vectors come in ld1 {4 regs} loads (one instruction per 16 columns). The block's weights
 * of one non-zero are one vector (block 4) or half-vector (block 2) load and
 * multiply by element (fmla v.4s, v.4s, w.s[r]), so a non-zero costs SPMM_V
 * input loads, one weight load and one diff load.
 *
 * Remainder columns: the tile halves down to 4 columns, then 1..3 columns
 * take partial (per-lane / 64-bit) loads and stores, so no load or store
 * touches a column at or past nc. */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "ukernels.h"

#define SPMMN_INLINE static inline __attribute__((always_inline))

#ifndef SPMMN_CHAINS
#define SPMMN_CHAINS 8
#endif
/* Accumulator sets for a register tile of `tile` vectors. */
#define SPMMN_SETS(tile) ((tile) >= SPMMN_CHAINS ? 1 : SPMMN_CHAINS / (tile))
#define SPMMN_MAX_ACC 16

SPMMN_INLINE const float* spmmn_advance(const float* p, int32_t bytes) {
  return (const float*)((const char*)p + bytes);
}

/* The first n (1..4, constant) floats of p; other lanes zero, not read. */
SPMMN_INLINE float32x4_t spmmn_load_part(const float* p, const int n) {
  if (n >= 4) return vld1q_f32(p);
  if (n == 3) return vcombine_f32(vld1_f32(p), vld1_lane_f32(p + 2, vdup_n_f32(0.0f), 0));
  if (n == 2) return vcombine_f32(vld1_f32(p), vdup_n_f32(0.0f));
  return vld1q_lane_f32(p, vdupq_n_f32(0.0f), 0);
}

SPMMN_INLINE void spmmn_store_part(float* p, float32x4_t v, const int n) {
  if (n >= 4) {
    vst1q_f32(p, v);
  } else if (n >= 2) {
    vst1_f32(p, vget_low_f32(v));
    if (n == 3) vst1q_lane_f32(p + 2, v, 2);
  } else {
    vst1q_lane_f32(p, v, 0);
  }
}

/* acc + x * w[lane] with a constant lane (the switch folds away). */
SPMMN_INLINE float32x4_t spmmn_fma_lane4(float32x4_t acc, float32x4_t x, float32x4_t w,
                                         const int lane) {
  switch (lane) {
    case 0: return vfmaq_laneq_f32(acc, x, w, 0);
    case 1: return vfmaq_laneq_f32(acc, x, w, 1);
    case 2: return vfmaq_laneq_f32(acc, x, w, 2);
    default: return vfmaq_laneq_f32(acc, x, w, 3);
  }
}

SPMMN_INLINE float32x4_t spmmn_fma_lane2(float32x4_t acc, float32x4_t x, float32x2_t w,
                                         const int lane) {
  return lane == 0 ? vfmaq_lane_f32(acc, x, w, 0) : vfmaq_lane_f32(acc, x, w, 1);
}

/* Loads the nv vectors of one input row at p; the last holds only `tail`
 * columns when tail != 0 (nv is 1 then). */
SPMMN_INLINE void spmmn_load(const int nv, const int tail, const float* p, float32x4_t* x) {
  if (nv % 4 == 0 && !tail) {
    /* One ld1 {4 regs} for the first 16 columns; the rest plain (paired
     * into ldp): with two ld1 {4 regs}, GCC 12 puts both in the same four
     * registers and moves the first four vectors out. */
    const float32x4x4_t v = vld1q_f32_x4(p);
    x[0] = v.val[0], x[1] = v.val[1], x[2] = v.val[2], x[3] = v.val[3];
#pragma GCC unroll 4
    for (int i = 4; i < nv; ++i) x[i] = vld1q_f32(p + 4 * i);
    return;
  }
#pragma GCC unroll 8
  for (int i = 0; i < nv; ++i) {
    x[i] = (tail && i == nv - 1) ? spmmn_load_part(p + 4 * i, tail) : vld1q_f32(p + 4 * i);
  }
}

/* acc[r * nv + i] += x[i] * w[r] for the rows of one non-zero block. */
SPMMN_INLINE void spmmn_fma(const int nv, const int rows, const float* w, const float32x4_t* x,
                            float32x4_t* acc) {
  if (rows == 4) {
    const float32x4_t wv = vld1q_f32(w);
#pragma GCC unroll 8
    for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 8
      for (int i = 0; i < nv; ++i) acc[r * nv + i] = spmmn_fma_lane4(acc[r * nv + i], x[i], wv, r);
    }
  } else if (rows == 2) {
    const float32x2_t wv = vld1_f32(w);
#pragma GCC unroll 2
    for (int r = 0; r < 2; ++r) {
#pragma GCC unroll 8
      for (int i = 0; i < nv; ++i) acc[r * nv + i] = spmmn_fma_lane2(acc[r * nv + i], x[i], wv, r);
    }
  } else {
    const float w0 = *w;
#pragma GCC unroll 8
    for (int i = 0; i < nv; ++i) acc[i] = vfmaq_n_f32(acc[i], x[i], w0);
  }
}

SPMMN_INLINE const float* spmmn_step(const int nv, const int rows, const int tail, const float* in,
                                     int32_t diff, const float* w, float32x4_t* acc) {
  float32x4_t x[8];
  spmmn_load(nv, tail, in, x);
  spmmn_fma(nv, rows, w, x, acc);
  return spmmn_advance(in, diff);
}

/* One output group over nv vectors of columns: walks its `count` non-zeros,
 * stores the clamped rows, consumes the group's values and diffs and returns
 * the input pointer for the next group (the diffs chain across groups). */
SPMMN_INLINE const float* spmmn_group_sets(const int nv, const int rows, const int tail,
                                           const int sets, uint32_t count,
                                           const float** vals_io, const int32_t** diffs_io,
                                           const float* in, float* out, size_t output_stride,
                                           float32x4_t vmin, float32x4_t vmax) {
  const int tile = nv * rows;
  const float* v = *vals_io;
  const int32_t* d = *diffs_io;
  float32x4_t acc[SPMMN_MAX_ACC];
#pragma GCC unroll 8
  for (int r = 0; r < rows; ++r) {
    const float32x4_t b = vld1q_dup_f32(v + r);
#pragma GCC unroll 8
    for (int i = 0; i < nv; ++i) acc[r * nv + i] = b;
  }
#pragma GCC unroll 16
  for (int j = tile; j < sets * tile; ++j) acc[j] = vdupq_n_f32(0.0f);
  v += rows;
  uint32_t k = count;
  if (rows == 1 && sets % 4 == 0) {
    for (; k >= (uint32_t)sets; k -= (uint32_t)sets) {
#pragma GCC unroll 2
      for (int q = 0; q < sets; q += 4) {
        const float32x4_t wq = vld1q_f32(v + q);
#pragma GCC unroll 8
        for (int s = q; s < q + 4; ++s) {
          float32x4_t x[8];
          spmmn_load(nv, tail, in, x);
#pragma GCC unroll 8
          for (int i = 0; i < nv; ++i) {
            acc[s * tile + i] = spmmn_fma_lane4(acc[s * tile + i], x[i], wq, s - q);
          }
          in = spmmn_advance(in, d[s]);
        }
      }
      v += sets;
      d += sets;
    }
  } else {
    if (rows == 1 && sets == 1 && nv >= 8) {
      /* One set already runs nv >= 8 chains: 4 non-zeros per step, their
       * weights in one vector load, each multiplied by its lane. */
      for (; k >= 4; k -= 4) {
        const float32x4_t wq = vld1q_f32(v);
#pragma GCC unroll 4
        for (int s = 0; s < 4; ++s) {
          float32x4_t x[8];
          spmmn_load(nv, tail, in, x);
#pragma GCC unroll 8
          for (int i = 0; i < nv; ++i) acc[i] = spmmn_fma_lane4(acc[i], x[i], wq, s);
          in = spmmn_advance(in, d[s]);
        }
        v += 4;
        d += 4;
      }
    }
    for (; k >= (uint32_t)sets; k -= (uint32_t)sets) {
#pragma GCC unroll 8
      for (int s = 0; s < sets; ++s) {
        in = spmmn_step(nv, rows, tail, in, d[s], v + s * rows, acc + s * tile);
      }
      v += sets * rows;
      d += sets;
    }
  }
  /* Leftover non-zeros still go to distinct sets: no serial chain. */
#pragma GCC unroll 8
  for (int s = 0; s + 1 < sets; ++s) {
    if ((uint32_t)s < k) in = spmmn_step(nv, rows, tail, in, d[s], v + s * rows, acc + s * tile);
  }
  /* Pairwise sum of the sets into set 0 (constant bounds: fully unrolled). */
  if (sets >= 8) {
#pragma GCC unroll 16
    for (int j = 0; j < 4 * tile; ++j) acc[j] = vaddq_f32(acc[j], acc[j + 4 * tile]);
  }
  if (sets >= 4) {
#pragma GCC unroll 16
    for (int j = 0; j < 2 * tile; ++j) acc[j] = vaddq_f32(acc[j], acc[j + 2 * tile]);
  }
  if (sets >= 2) {
#pragma GCC unroll 16
    for (int j = 0; j < tile; ++j) acc[j] = vaddq_f32(acc[j], acc[j + tile]);
  }
#pragma GCC unroll 8
  for (int r = 0; r < rows; ++r) {
    float* o = (float*)((char*)out + r * output_stride);
#pragma GCC unroll 8
    for (int i = 0; i < nv; ++i) {
      const float32x4_t y = vminq_f32(vmaxq_f32(acc[r * nv + i], vmin), vmax);
      if (tail && i == nv - 1) {
        spmmn_store_part(o + 4 * i, y, tail);
      } else {
        vst1q_f32(o + 4 * i, y);
      }
    }
  }
  *vals_io += rows + (size_t)count * rows;
  *diffs_io += count;
  return in;
}

/* One-row groups with enough non-zeros take 4 sets (at least), so the weights
 * of 4 consecutive non-zeros (consecutive floats in a 1-row stream) come in
 * one vector load and multiply by lane: a load saved per non-zero and the
 * loop amortized over 4. Short groups (the 32- and 64-channel layers hold 3-6
 * non-zeros a row at 90%) keep fewer sets: their cost is the per-group
 * set-up and reduction, which more sets would grow. A tile of 8 vectors
 * (32x1) already has 8 chains in its one set (4 sets would need 32
 * accumulators): it keeps one set and takes the weights 4 at a time there
 * (spmmn_group_sets). */
SPMMN_INLINE const float* spmmn_group(const int nv, const int rows, const int tail, uint32_t count,
                                      const float** vals_io, const int32_t** diffs_io,
                                      const float* in, float* out, size_t output_stride,
                                      float32x4_t vmin, float32x4_t vmax) {
  const int sets = SPMMN_SETS(nv * rows);
  if (rows == 1 && sets < 4 && 4 * nv <= SPMMN_MAX_ACC && count >= 8) {
    return spmmn_group_sets(nv, rows, tail, 4, count, vals_io, diffs_io, in, out, output_stride,
                            vmin, vmax);
  }
  return spmmn_group_sets(nv, rows, tail, sets, count, vals_io, diffs_io, in, out, output_stride,
                          vmin, vmax);
}

/* All output groups (full groups of `block` rows, then the 1-row tail
 * groups) over the columns of one tile starting at `col`. */
SPMMN_INLINE void spmmn_columns(const int nv, const int block, const int tail, size_t col,
                                const tsp_spmm_weights* w, const float* input, float* output,
                                size_t output_stride, float32x4_t vmin, float32x4_t vmax) {
  const float* vals = w->values;
  const int32_t* diffs = w->diffs;
  const uint32_t* counts = w->counts;
  const float* in = spmmn_advance(input + col, w->first_offset);
  float* out = output + col;
  for (uint32_t g = w->full_groups; g != 0; --g) {
    in = spmmn_group(nv, block, tail, *counts++, &vals, &diffs, in, out, output_stride, vmin,
                     vmax);
    out = (float*)((char*)out + block * output_stride);
  }
  for (uint32_t g = w->tail_rows; g != 0; --g) {
    in = spmmn_group(nv, 1, tail, *counts++, &vals, &diffs, in, out, output_stride, vmin, vmax);
    out = (float*)((char*)out + output_stride);
  }
}

/* Out-of-line instances, one per column width the entry point needs. */
#define SPMMN_INSTANCE(suffix, nv, tail)                                                     \
  static void spmmn_columns_##suffix(size_t col, const tsp_spmm_weights* w,                 \
                                     const float* input, float* output, size_t output_stride, \
                                     float32x4_t vmin, float32x4_t vmax) {                    \
    spmmn_columns(nv, SPMM_B, tail, col, w, input, output, output_stride, vmin, vmax);        \
  }
#if SPMM_V == 8
SPMMN_INSTANCE(8, 8, 0)
#endif
#if SPMM_V >= 4
SPMMN_INSTANCE(4, 4, 0)
#endif
#if SPMM_V >= 2
SPMMN_INSTANCE(2, 2, 0)
#endif
SPMMN_INSTANCE(1, 1, 0)
SPMMN_INSTANCE(t3, 1, 3)
SPMMN_INSTANCE(t2, 1, 2)
SPMMN_INSTANCE(t1, 1, 1)

#define SPMMN_CAT_(a, b) a##b
#define SPMMN_CAT(a, b) SPMMN_CAT_(a, b)

void SPMM_NAME(size_t nc, const tsp_spmm_weights* w, const float* input, float* output,
               size_t output_stride, const tsp_minmax* clamp) {
  const float32x4_t vmin = vdupq_n_f32(clamp->min);
  const float32x4_t vmax = vdupq_n_f32(clamp->max);
  size_t col = 0;
  for (; col + 4 * SPMM_V <= nc; col += 4 * SPMM_V) {
    SPMMN_CAT(spmmn_columns_, SPMM_V)(col, w, input, output, output_stride, vmin, vmax);
  }
#if SPMM_V == 8
  if (nc - col >= 16) {
    spmmn_columns_4(col, w, input, output, output_stride, vmin, vmax);
    col += 16;
  }
#endif
#if SPMM_V >= 4
  if (nc - col >= 8) {
    spmmn_columns_2(col, w, input, output, output_stride, vmin, vmax);
    col += 8;
  }
#endif
#if SPMM_V >= 2
  if (nc - col >= 4) {
    spmmn_columns_1(col, w, input, output, output_stride, vmin, vmax);
    col += 4;
  }
#endif
  switch (nc - col) {
    case 3: spmmn_columns_t3(col, w, input, output, output_stride, vmin, vmax); break;
    case 2: spmmn_columns_t2(col, w, input, output, output_stride, vmin, vmax); break;
    case 1: spmmn_columns_t1(col, w, input, output, output_stride, vmin, vmax); break;
    default: break;
  }
}
