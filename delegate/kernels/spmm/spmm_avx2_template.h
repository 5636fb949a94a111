/* AVX2 + FMA SpMM microkernel template (see kernels.h for the stream format).
 *
 * Include once from a __avx2.c file after defining:
 *   SPMM_NAME  the function name, e.g. f32_spmm_32x4__avx2
 *   SPMM_V     vectors of 8 columns per tile (1, 2, 4: tiles 8, 16, 32)
 *   SPMM_B     output-channel block (1, 2, 4)
 *
 * Same structure as spmm_avx512_template.h: column tiles outside, output
 * groups inside (paper §3.2), and a group's non-zeros split round-robin over
 * accumulator sets so >= 8 independent FMA chains are in flight.
 *
 * AVX2 has only 16 ymm registers, so a group's register tile is at most 8
 * accumulators: a 32x4 tile (16 accumulators) walks each group's non-zeros
 * twice, 16 columns at a time. The second walk reads the group's weights and
 * input rows from L1, and the cache tile stays 32 columns wide. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dwconv/vec_avx2.h"
#include "kernels.h"
#include "ukernels.h"

#define SPMM256_INLINE static inline __attribute__((always_inline))

#ifndef SPMM256_CHAINS
#define SPMM256_CHAINS 8
#endif
/* Vectors per register tile and accumulator sets for nv x rows. */
#define SPMM256_RV(nv, rows) ((nv) * (rows) > 8 ? 8 / (rows) : (nv))
#define SPMM256_SETS(rv, rows) \
  ((rv) * (rows) >= SPMM256_CHAINS ? 1 : SPMM256_CHAINS / ((rv) * (rows)))

SPMM256_INLINE const float* spmm256_advance(const float* p, int32_t bytes) {
  return (const float*)((const char*)p + bytes);
}

/* Accumulators are flat arrays acc[r * nv + i]: row r, vector i. */
SPMM256_INLINE void spmm256_init(const int nv, const int rows, const float* bias,
                                 __m256* acc) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const __m256 b = _mm256_broadcast_ss(bias + r);
#pragma GCC unroll 4
    for (int i = 0; i < nv; ++i) acc[r * nv + i] = b;
  }
}

SPMM256_INLINE void spmm256_zero(const int n, __m256* acc) {
#pragma GCC unroll 8
  for (int i = 0; i < n; ++i) acc[i] = _mm256_setzero_ps();
}

SPMM256_INLINE void spmm256_add(const int n, __m256* acc, const __m256* other) {
#pragma GCC unroll 8
  for (int i = 0; i < n; ++i) acc[i] = _mm256_add_ps(acc[i], other[i]);
}

/* Loads the nv vectors of one input row; only the last may be masked, so a
 * tail never reads past column nc (vmaskmovps does not fault on masked-off
 * lanes). */
SPMM256_INLINE void spmm256_load(const int nv, const int masked, __m256i mask,
                                 const float* p, __m256* x) {
#pragma GCC unroll 4
  for (int i = 0; i < nv; ++i) {
    x[i] = (masked && i == nv - 1) ? _mm256_maskload_ps(p + 8 * i, mask)
                                   : _mm256_loadu_ps(p + 8 * i);
  }
}

SPMM256_INLINE void spmm256_fma(const int nv, const int rows, const float* w,
                                const __m256* x, __m256* acc) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const __m256 wr = _mm256_broadcast_ss(w + r);
#pragma GCC unroll 4
    for (int i = 0; i < nv; ++i) acc[r * nv + i] = _mm256_fmadd_ps(x[i], wr, acc[r * nv + i]);
  }
}

SPMM256_INLINE void spmm256_store(const int nv, const int rows, const int masked,
                                  __m256i mask, const __m256* acc, float* out,
                                  size_t output_stride, __m256 vmin, __m256 vmax) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    float* o = (float*)((char*)out + r * output_stride);
#pragma GCC unroll 4
    for (int i = 0; i < nv; ++i) {
      const __m256 y = v_clamp(acc[r * nv + i], vmin, vmax);
      if (masked && i == nv - 1) {
        _mm256_maskstore_ps(o + 8 * i, mask, y);
      } else {
        _mm256_storeu_ps(o + 8 * i, y);
      }
    }
  }
}

SPMM256_INLINE const float* spmm256_step(const int nv, const int rows, const int masked,
                                         __m256i mask, const float* in, int32_t diff,
                                         const float* w, __m256* acc) {
  __m256 x[4];
  spmm256_load(nv, masked, mask, in, x);
  spmm256_fma(nv, rows, w, x, acc);
  return spmm256_advance(in, diff);
}

/* Pairwise sum of the sets into acc[0], with constant bounds so it unrolls
 * fully and the accumulators stay in registers. */
SPMM256_INLINE void spmm256_reduce(const int sets, const int tile, __m256 acc[8][8]) {
  if (sets >= 8) {
#pragma GCC unroll 4
    for (int s = 0; s < 4; ++s) spmm256_add(tile, acc[s], acc[s + 4]);
  }
  if (sets >= 4) {
#pragma GCC unroll 2
    for (int s = 0; s < 2; ++s) spmm256_add(tile, acc[s], acc[s + 2]);
  }
  if (sets >= 2) spmm256_add(tile, acc[0], acc[1]);
}

/* One register tile (rv vectors x rows) of one group: walks the group's
 * `count` non-zeros from `in` and returns the input pointer after them. */
SPMM256_INLINE const float* spmm256_subgroup(const int rv, const int rows, const int masked,
                                             __m256i mask, uint32_t count, const float* v,
                                             const int32_t* d, const float* in, float* out,
                                             size_t output_stride, __m256 vmin, __m256 vmax) {
  const int sets = SPMM256_SETS(rv, rows), tile = rv * rows;
  __m256 acc[8][8];
  spmm256_init(rv, rows, v, acc[0]);
#pragma GCC unroll 8
  for (int s = 1; s < sets; ++s) spmm256_zero(tile, acc[s]);
  v += rows;
  uint32_t k = count;
  for (; k >= (uint32_t)sets; k -= sets) {
    /* Diffs two at a time: one 64-bit load instead of two 32-bit ones (the
     * kernel is load-port bound; x86 is little-endian). */
#pragma GCC unroll 4
    for (int s = 0; s + 1 < sets; s += 2) {
      uint64_t pair;
      memcpy(&pair, d + s, sizeof(pair));
      in = spmm256_step(rv, rows, masked, mask, in, (int32_t)(uint32_t)pair, v + s * rows, acc[s]);
      in = spmm256_step(rv, rows, masked, mask, in, (int32_t)(uint32_t)(pair >> 32),
                        v + (s + 1) * rows, acc[s + 1]);
    }
    if (sets == 1) in = spmm256_step(rv, rows, masked, mask, in, d[0], v, acc[0]);
    v += sets * rows;
    d += sets;
  }
  /* Leftover non-zeros still go to distinct sets: no serial chain. */
#pragma GCC unroll 8
  for (int s = 0; s + 1 < sets; ++s) {
    if ((uint32_t)s < k) {
      in = spmm256_step(rv, rows, masked, mask, in, d[s], v + s * rows, acc[s]);
    }
  }
  spmm256_reduce(sets, tile, acc);
  spmm256_store(rv, rows, masked, mask, acc[0], out, output_stride, vmin, vmax);
  return in;
}

/* One output group over nv vectors of columns, in register tiles. Consumes
 * the group's values and diffs and returns the input pointer for the next
 * group (the diffs chain across groups). */
SPMM256_INLINE const float* spmm256_group(const int nv, const int rows, const int masked,
                                          __m256i mask, uint32_t count,
                                          const float** vals_io, const int32_t** diffs_io,
                                          const float* in, float* out, size_t output_stride,
                                          __m256 vmin, __m256 vmax) {
  const int rv = SPMM256_RV(nv, rows);
  const float* next = in;
  for (int p = 0; p < nv / rv; ++p) { /* 1 or 2 passes: unrolled anyway */
    next = spmm256_subgroup(rv, rows, masked, mask, count, *vals_io, *diffs_io,
                            in + 8 * rv * p, out + 8 * rv * p, output_stride, vmin, vmax);
  }
  *vals_io += rows + (size_t)count * rows;
  *diffs_io += count;
  return next - 8 * (nv - rv); /* undo the last pass's column offset */
}

/* All output groups (full groups of `block` rows, then the 1-row tail
 * groups) over the nv*8 columns starting at `col`. */
SPMM256_INLINE void spmm256_columns(const int nv, const int block, const int masked,
                                    __m256i mask, size_t col, const tsp_spmm_weights* w,
                                    const float* input, float* output, size_t output_stride,
                                    __m256 vmin, __m256 vmax) {
  const float* vals = w->values;
  const int32_t* diffs = w->diffs;
  const uint32_t* counts = w->counts;
  const float* in = spmm256_advance(input + col, w->first_offset);
  float* out = output + col;
  for (uint32_t g = w->full_groups; g != 0; --g) {
    in = spmm256_group(nv, block, masked, mask, *counts++, &vals, &diffs, in, out,
                       output_stride, vmin, vmax);
    out = (float*)((char*)out + block * output_stride);
  }
  for (uint32_t g = w->tail_rows; g != 0; --g) {
    in = spmm256_group(nv, 1, masked, mask, *counts++, &vals, &diffs, in, out,
                       output_stride, vmin, vmax);
    out = (float*)((char*)out + output_stride);
  }
}

/* Out-of-line instances, one per column width the entry point needs. */
#if SPMM_V == 4
static void spmm256_columns_4(size_t col, const tsp_spmm_weights* w, const float* input,
                              float* output, size_t output_stride, __m256 vmin, __m256 vmax) {
  spmm256_columns(4, SPMM_B, 0, _mm256_setzero_si256(), col, w, input, output,
                  output_stride, vmin, vmax);
}
#endif
#if SPMM_V >= 2
static void spmm256_columns_2(size_t col, const tsp_spmm_weights* w, const float* input,
                              float* output, size_t output_stride, __m256 vmin, __m256 vmax) {
  spmm256_columns(2, SPMM_B, 0, _mm256_setzero_si256(), col, w, input, output,
                  output_stride, vmin, vmax);
}
#endif
static void spmm256_columns_1(size_t col, const tsp_spmm_weights* w, const float* input,
                              float* output, size_t output_stride, __m256 vmin, __m256 vmax) {
  spmm256_columns(1, SPMM_B, 0, _mm256_setzero_si256(), col, w, input, output,
                  output_stride, vmin, vmax);
}
static void spmm256_columns_masked(__m256i mask, size_t col, const tsp_spmm_weights* w,
                                   const float* input, float* output, size_t output_stride,
                                   __m256 vmin, __m256 vmax) {
  spmm256_columns(1, SPMM_B, 1, mask, col, w, input, output, output_stride, vmin, vmax);
}

#define SPMM256_CAT_(a, b) a##b
#define SPMM256_CAT(a, b) SPMM256_CAT_(a, b)

void SPMM_NAME(size_t nc, const tsp_spmm_weights* w, const float* input, float* output,
               size_t output_stride, const tsp_minmax* clamp) {
  const __m256 vmin = _mm256_set1_ps(clamp->min);
  const __m256 vmax = _mm256_set1_ps(clamp->max);
  size_t col = 0;
  for (; col + 8 * SPMM_V <= nc; col += 8 * SPMM_V) {
    SPMM256_CAT(spmm256_columns_, SPMM_V)(col, w, input, output, output_stride, vmin, vmax);
  }
  /* Remainder: halve the tile down to 8 columns, then one masked vector, so
   * no load touches a column at or past nc. */
#if SPMM_V == 4
  if (nc - col >= 16) {
    spmm256_columns_2(col, w, input, output, output_stride, vmin, vmax);
    col += 16;
  }
#endif
#if SPMM_V >= 2
  if (nc - col >= 8) {
    spmm256_columns_1(col, w, input, output, output_stride, vmin, vmax);
    col += 8;
  }
#endif
  if (nc != col) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(nc - col)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    spmm256_columns_masked(mask, col, w, input, output, output_stride, vmin, vmax);
  }
}
