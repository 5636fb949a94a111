/* AVX-512 SpMM microkernel template (see kernels.h for the stream format).
 *
 * Include once from a __avx512.c file after defining:
 *   SPMM_NAME  the function name, e.g. f32_spmm_64x4__avx512
 *   SPMM_V     vectors of 16 columns per tile (1, 2, 4: tiles 16, 32, 64)
 *   SPMM_B     output-channel block (1, 2, 4)
 *
 * Loop order (paper §3.2): column tiles outside, output groups inside, so the
 * tile's strip of input (in_channels x tile floats) is read from memory once
 * and from L1/L2 by every other output group.
 *
 * Latency, not bandwidth, limits a naive kernel: each non-zero adds into the
 * same accumulators, a dependent FMA chain (~4 cycles). With 2 FMA ports the
 * kernel needs >= 8 independent chains in flight, so narrow tiles and small
 * blocks split a group's non-zeros round-robin over accumulator sets
 * that are summed once at the end of the group. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dwconv/vec_avx512.h"
#include "kernels.h"
#include "ukernels.h"

#define SPMM512_INLINE static inline __attribute__((always_inline))

/* Accumulator sets for a register tile of nv vectors x rows: enough for 8
 * independent FMA chains. */
#ifndef SPMM512_CHAINS
#define SPMM512_CHAINS 8
#endif
#define SPMM512_SETS(nv, rows) \
  ((nv) * (rows) >= SPMM512_CHAINS ? 1 : SPMM512_CHAINS / ((nv) * (rows)))

SPMM512_INLINE const float* spmm512_advance(const float* p, int32_t bytes) {
  return (const float*)((const char*)p + bytes);
}

/* Accumulators are flat arrays acc[r * nv + i]: row r, vector i. */
SPMM512_INLINE void spmm512_init(const int nv, const int rows, const float* bias,
                                 __m512* acc) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const __m512 b = _mm512_set1_ps(bias[r]);
#pragma GCC unroll 4
    for (int i = 0; i < nv; ++i) acc[r * nv + i] = b;
  }
}

SPMM512_INLINE void spmm512_zero(const int n, __m512* acc) {
#pragma GCC unroll 16
  for (int i = 0; i < n; ++i) acc[i] = _mm512_setzero_ps();
}

SPMM512_INLINE void spmm512_add(const int n, __m512* acc, const __m512* other) {
#pragma GCC unroll 16
  for (int i = 0; i < n; ++i) acc[i] = _mm512_add_ps(acc[i], other[i]);
}

/* Loads the nv vectors of one input row; only the last may be masked, so a
 * tail never reads past column nc. */
SPMM512_INLINE void spmm512_load(const int nv, const int masked, __mmask16 mask,
                                 const float* p, __m512* x) {
#pragma GCC unroll 4
  for (int i = 0; i < nv; ++i) {
    x[i] = (masked && i == nv - 1) ? _mm512_maskz_loadu_ps(mask, p + 16 * i)
                                   : _mm512_loadu_ps(p + 16 * i);
  }
}

/* acc[r][i] += w[r] * x[i] for one non-zero block. */
SPMM512_INLINE void spmm512_fma(const int nv, const int rows, const float* w,
                                const __m512* x, __m512* acc) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const __m512 wr = _mm512_set1_ps(w[r]);
#pragma GCC unroll 4
    for (int i = 0; i < nv; ++i) acc[r * nv + i] = _mm512_fmadd_ps(x[i], wr, acc[r * nv + i]);
  }
}

/* Clamps and stores the rows x nv register tile (bias is already in). */
SPMM512_INLINE void spmm512_store(const int nv, const int rows, const int masked,
                                  __mmask16 mask, const __m512* acc, float* out,
                                  size_t output_stride, __m512 vmin, __m512 vmax) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    float* o = (float*)((char*)out + r * output_stride);
#pragma GCC unroll 4
    for (int i = 0; i < nv; ++i) {
      const __m512 y = v_clamp(acc[r * nv + i], vmin, vmax);
      if (masked && i == nv - 1) {
        _mm512_mask_storeu_ps(o + 16 * i, mask, y);
      } else {
        _mm512_storeu_ps(o + 16 * i, y);
      }
    }
  }
}

/* One non-zero block into accumulator set `acc`; returns the next input row. */
SPMM512_INLINE const float* spmm512_step(const int nv, const int rows, const int masked,
                                         __mmask16 mask, const float* in, int32_t diff,
                                         const float* w, __m512* acc) {
  __m512 x[4];
  spmm512_load(nv, masked, mask, in, x);
  spmm512_fma(nv, rows, w, x, acc);
  return spmm512_advance(in, diff);
}

/* Sums the accumulator sets into acc[0], pairwise. Written with constant
 * bounds (not a step *= 2 loop) so it unrolls fully and the accumulators stay
 * in registers. */
SPMM512_INLINE void spmm512_reduce(const int sets, const int tile, __m512 acc[8][16]) {
  if (sets >= 8) {
#pragma GCC unroll 4
    for (int s = 0; s < 4; ++s) spmm512_add(tile, acc[s], acc[s + 4]);
  }
  if (sets >= 4) {
#pragma GCC unroll 2
    for (int s = 0; s < 2; ++s) spmm512_add(tile, acc[s], acc[s + 2]);
  }
  if (sets >= 2) spmm512_add(tile, acc[0], acc[1]);
}

/* One output group of `rows` channels over nv vectors of columns. Consumes
 * the group's values and diffs and returns the input pointer for the next
 * group (the diffs chain across groups). All int arguments are compile-time
 * constants after inlining, so the loops unroll and acc lives in registers. */
SPMM512_INLINE const float* spmm512_group(const int nv, const int rows, const int masked,
                                          __mmask16 mask, uint32_t count,
                                          const float** vals_io, const int32_t** diffs_io,
                                          const float* in, float* out, size_t output_stride,
                                          __m512 vmin, __m512 vmax) {
  const int sets = SPMM512_SETS(nv, rows), tile = nv * rows;
  const float* v = *vals_io;
  const int32_t* d = *diffs_io;
  __m512 acc[8][16];
  spmm512_init(nv, rows, v, acc[0]);
#pragma GCC unroll 8
  for (int s = 1; s < sets; ++s) spmm512_zero(tile, acc[s]);
  v += rows;
  uint32_t k = count;
  for (; k >= (uint32_t)sets; k -= sets) {
    /* Diffs two at a time: one 64-bit load instead of two 32-bit ones (the
     * kernel is load-port bound; x86 is little-endian). */
#pragma GCC unroll 4
    for (int s = 0; s + 1 < sets; s += 2) {
      uint64_t pair;
      memcpy(&pair, d + s, sizeof(pair));
      in = spmm512_step(nv, rows, masked, mask, in, (int32_t)(uint32_t)pair, v + s * rows, acc[s]);
      in = spmm512_step(nv, rows, masked, mask, in, (int32_t)(uint32_t)(pair >> 32),
                        v + (s + 1) * rows, acc[s + 1]);
    }
    if (sets == 1) in = spmm512_step(nv, rows, masked, mask, in, d[0], v, acc[0]);
    v += sets * rows;
    d += sets;
  }
  /* Leftover non-zeros still go to distinct sets: no serial chain. */
#pragma GCC unroll 8
  for (int s = 0; s + 1 < sets; ++s) {
    if ((uint32_t)s < k) {
      in = spmm512_step(nv, rows, masked, mask, in, d[s], v + s * rows, acc[s]);
    }
  }
  v += k * rows;
  d += k;
  spmm512_reduce(sets, tile, acc);
  spmm512_store(nv, rows, masked, mask, acc[0], out, output_stride, vmin, vmax);
  *vals_io = v;
  *diffs_io = d;
  return in;
}

/* All output groups (full groups of `block` rows, then the 1-row tail
 * groups) over the nv*16 columns starting at `col`. */
SPMM512_INLINE void spmm512_columns(const int nv, const int block, const int masked,
                                    __mmask16 mask, size_t col, const tsp_spmm_weights* w,
                                    const float* input, float* output, size_t output_stride,
                                    __m512 vmin, __m512 vmax) {
  const float* vals = w->values;
  const int32_t* diffs = w->diffs;
  const uint32_t* counts = w->counts;
  const float* in = spmm512_advance(input + col, w->first_offset);
  float* out = output + col;
  for (uint32_t g = w->full_groups; g != 0; --g) {
    in = spmm512_group(nv, block, masked, mask, *counts++, &vals, &diffs, in, out,
                       output_stride, vmin, vmax);
    out = (float*)((char*)out + block * output_stride);
  }
  for (uint32_t g = w->tail_rows; g != 0; --g) {
    in = spmm512_group(nv, 1, masked, mask, *counts++, &vals, &diffs, in, out,
                       output_stride, vmin, vmax);
    out = (float*)((char*)out + output_stride);
  }
}

/* Out-of-line instances, one per column width the entry point needs, so it
 * stays small and each instance is compiled with constant nv/masked. */
#if SPMM_V == 4
static void spmm512_columns_4(size_t col, const tsp_spmm_weights* w, const float* input,
                              float* output, size_t output_stride, __m512 vmin, __m512 vmax) {
  spmm512_columns(4, SPMM_B, 0, 0xFFFF, col, w, input, output, output_stride, vmin, vmax);
}
#endif
#if SPMM_V >= 2
static void spmm512_columns_2(size_t col, const tsp_spmm_weights* w, const float* input,
                              float* output, size_t output_stride, __m512 vmin, __m512 vmax) {
  spmm512_columns(2, SPMM_B, 0, 0xFFFF, col, w, input, output, output_stride, vmin, vmax);
}
#endif
static void spmm512_columns_1(size_t col, const tsp_spmm_weights* w, const float* input,
                              float* output, size_t output_stride, __m512 vmin, __m512 vmax) {
  spmm512_columns(1, SPMM_B, 0, 0xFFFF, col, w, input, output, output_stride, vmin, vmax);
}
static void spmm512_columns_masked(__mmask16 mask, size_t col, const tsp_spmm_weights* w,
                                   const float* input, float* output, size_t output_stride,
                                   __m512 vmin, __m512 vmax) {
  spmm512_columns(1, SPMM_B, 1, mask, col, w, input, output, output_stride, vmin, vmax);
}

#define SPMM512_CAT_(a, b) a##b
#define SPMM512_CAT(a, b) SPMM512_CAT_(a, b)

void SPMM_NAME(size_t nc, const tsp_spmm_weights* w, const float* input, float* output,
               size_t output_stride, const tsp_minmax* clamp) {
  const __m512 vmin = _mm512_set1_ps(clamp->min);
  const __m512 vmax = _mm512_set1_ps(clamp->max);
  size_t col = 0;
  for (; col + 16 * SPMM_V <= nc; col += 16 * SPMM_V) {
    SPMM512_CAT(spmm512_columns_, SPMM_V)(col, w, input, output, output_stride, vmin, vmax);
  }
  /* Remainder: halve the tile down to 16 columns, then one masked vector, so
   * no load touches a column at or past nc. */
#if SPMM_V == 4
  if (nc - col >= 32) {
    spmm512_columns_2(col, w, input, output, output_stride, vmin, vmax);
    col += 32;
  }
#endif
#if SPMM_V >= 2
  if (nc - col >= 16) {
    spmm512_columns_1(col, w, input, output, output_stride, vmin, vmax);
    col += 16;
  }
#endif
  if (nc != col) {
    const __mmask16 mask = (__mmask16)((1u << (nc - col)) - 1);
    spmm512_columns_masked(mask, col, w, input, output, output_stride, vmin, vmax);
  }
}
