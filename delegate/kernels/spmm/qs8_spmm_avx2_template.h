/* AVX2 QS8 SpMM microkernel template (stream format: qs8_spmm.h).
 *
 * Include once from a qs8_spmm_*__avx2.c file after defining
 *   QS8_NAME    the function name, e.g. qs8_spmm_32x4__avx2
 *   QS8_B       output-channel block (1, 2, 4)
 *   QS8_SCHEME  QS8_MULLD or QS8_MADDWD (how non-zeros are multiplied)
 *   QS8_TILE    32 (default) or 64 columns per tile
 * A tile is 4 or 8 vectors of 8 int32 columns; remainders take 32 (from
 * 64), 16, 8, then one partial vector, so no load or store touches a column
 * at or past nc.
 *
 * Schemes:
 *   QS8_MULLD : per non-zero, 8 int8 columns -> vpmovsxbd -> vpmulld by the
 *               broadcast weight -> vpaddd.
 *   QS8_MADDWD: per pair of consecutive non-zeros of a group, the two input
 *               rows are byte-interleaved (vpunpcklbw/hbw) and widened to
 *               int16 (vpmovsxbw); one vpmaddwd with the broadcast weight
 *               pair (w_k, w_k+1) does 2 MACs per int32 lane, exactly (the
 *               int16 products of int8 values cannot overflow the pair sum).
 *               An odd last non-zero pairs with weight 0. The pairs come
 *               pre-built from the packer (w->pairs), so a pair is one
 *               vpbroadcastd from memory.
 * Both reuse one widened input vector for all rows of a block.
 *
 * Why QS8_MADDWD, and 64-column tiles (measured on the 2-vCPU AMD EPYC Zen 3
 * VM, AVX2, no VNNI; benchmarks/qs8_spmm_bench.c, MobileNet v1 1.0's 13
 * pointwise layers at 90%, network order, medians of 20 runs, two runs each,
 * ms; f32 = the f32 AVX2 kernels tsp_spmm_select picks, same pattern):
 *                                   block 1         block 4
 *   f32 AVX2                        3.71-4.52       2.88-4.07
 *   vpmulld, 32 columns             3.95-4.29       4.09-4.50
 *   vpmaddwd, 32 columns            3.47-3.68       3.19-3.75
 *   vpmaddwd, 64 columns            3.38-3.44       3.10-3.24
 * (the f32 column moved with the host's load between runs; within one run
 * the order was always the one shown). Building the weight pair at run time
 * from the int8 values cost block 4 about 20% (4.05 ms), hence w->pairs.
 * vpmaddwd, vpmulld and vfmadd231ps each sustain ~2 per cycle here (a
 * 12-chain loop: 0.17 ns each), so exact int8 without VNNI has only twice
 * f32's multiply rate (16 vs 8 MACs per instruction) minus the widening
 * shuffles and the extra vpaddd; what it gains is mostly bandwidth (a
 * 64-column int8 strip of 512 channels is 32 KB, this core's L1D, where
 * f32 fits 16 columns). vpmaddubsw
 * (u8 x s8) would double the rate again but saturates its int16 pair sum
 * (255 * 128 * 2 > 32767): not exact, not used.
 *
 * Register tile: at most 8 accumulators (16 ymm registers), so a tile of
 * nv vectors x rows walks each group's non-zeros nv * rows / 8 times (32x4:
 * twice, 64x2: twice, 64x4: four times), 8 / rows vectors at a time (as the
 * f32 AVX2 kernels do); the later walks read the group's weights from L1. int32 adds have 1-cycle latency: no split accumulators.
 *
 * Requantization: qs8_requant_avx2.h (bit-exact with tsp_qs8_requantize_conv). */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qs8_requant_avx2.h"
#include "qs8_spmm.h"
#include "ukernels.h"

#define QS8_MULLD 0
#define QS8_MADDWD 1

#ifndef QS8_TILE
#define QS8_TILE 32
#endif
#define QS8_RV(nv, rows) ((nv) * (rows) > 8 ? 8 / (rows) : (nv))

/* Up to 8 int8 columns (n in 1..7 valid) into the low 8 bytes of an xmm. */
QS8_INLINE __m128i qs8_load_partial(const int8_t* p, size_t n) {
  int64_t buf = 0;
  memcpy(&buf, p, n);
  return _mm_cvtsi64_si128(buf);
}

QS8_INLINE __m128i qs8_load8(const int8_t* p, size_t tail) {
  return tail ? qs8_load_partial(p, tail) : _mm_loadl_epi64((const __m128i*)p);
}

/* ---- QS8_MULLD: one input row, nv vectors of 8 int32 ---- */
QS8_INLINE void qs8_load_row(const int nv, size_t tail, const int8_t* p, __m256i* x) {
#pragma GCC unroll 8
  for (int i = 0; i < nv; ++i) {
    x[i] = _mm256_cvtepi8_epi32(qs8_load8(p + 8 * i, i == nv - 1 ? tail : 0));
  }
}

/* ---- QS8_MADDWD: two input rows interleaved, nv vectors of 8 int16 pairs ---- */
QS8_INLINE void qs8_load_pair(const int nv, size_t tail, const int8_t* p0, const int8_t* p1,
                              __m256i* x) {
#pragma GCC unroll 8
  for (int i = 0; i < nv; i += 2) {
    if (i + 1 < nv) {
      const __m128i a = _mm_loadu_si128((const __m128i*)(p0 + 8 * i));
      const __m128i b = _mm_loadu_si128((const __m128i*)(p1 + 8 * i));
      x[i] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, b));
      x[i + 1] = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(a, b));
    } else {
      const __m128i a = qs8_load8(p0 + 8 * i, tail), b = qs8_load8(p1 + 8 * i, tail);
      x[i] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, b));
    }
  }
}

#if QS8_SCHEME == QS8_MULLD
typedef int8_t qs8_wt; /* w->values */
#define QS8_WEIGHTS(w) ((w)->values)
#define QS8_WEIGHTS_OF_GROUP(count, rows) ((size_t)(count) * (rows))
#else
typedef int32_t qs8_wt; /* w->pairs */
#define QS8_WEIGHTS(w) ((w)->pairs)
#define QS8_WEIGHTS_OF_GROUP(count, rows) ((size_t)((count) + 1) / 2 * (rows))
#endif

QS8_INLINE void qs8_store_row(const int rv, size_t tail, const __m256i* acc, const qs8_rq* p,
                              const int sat, const int round, int8_t* o) {
#pragma GCC unroll 8
  for (int i = 0; i < rv; ++i) {
    qs8_store8(o + 8 * i, qs8_requant_conv(acc[i], p, sat, round), i == rv - 1 ? tail : 0);
  }
}

QS8_INLINE void qs8_store(const int rv, const int rows, size_t tail, const __m256i* acc,
                          const tsp_qs8_spmm_weights* w, uint32_t row0, int8_t* out,
                          size_t output_stride, const tsp_qs8_output* q) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const int32_t mult = w->multiplier[row0 + r], shift = w->shift[row0 + r];
    const qs8_rq p = qs8_row_params(mult, shift, q);
    int8_t* o = out + r * output_stride;
    if (mult == INT32_MIN) {
      qs8_store_row(rv, tail, acc + r * rv, &p, 1, 1, o); /* rare: generic */
    } else if (shift < 0) {
      qs8_store_row(rv, tail, acc + r * rv, &p, 0, 1, o);
    } else {
      qs8_store_row(rv, tail, acc + r * rv, &p, 0, 0, o);
    }
  }
}

/* One register tile (rv vectors x rows) of one group: walks the group's
 * `count` non-zeros from `in`, stores, and returns the input pointer after
 * them. */
QS8_INLINE const int8_t* qs8_subgroup(const int rv, const int rows, size_t tail, uint32_t count,
                                      const qs8_wt* v, const int32_t* d, const int8_t* in,
                                      const tsp_qs8_spmm_weights* w, uint32_t row0, int8_t* out,
                                      size_t output_stride, const tsp_qs8_output* q) {
  __m256i acc[8];
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const __m256i b = _mm256_set1_epi32(w->bias[row0 + r]);
#pragma GCC unroll 8
    for (int i = 0; i < rv; ++i) acc[r * rv + i] = b;
  }
  __m256i x[8];
#if QS8_SCHEME == QS8_MULLD
  for (uint32_t k = 0; k < count; ++k) {
    qs8_load_row(rv, tail, in, x);
#pragma GCC unroll 4
    for (int r = 0; r < rows; ++r) {
      const __m256i wr = _mm256_set1_epi32(v[r]);
#pragma GCC unroll 8
      for (int i = 0; i < rv; ++i) {
        acc[r * rv + i] = _mm256_add_epi32(acc[r * rv + i], _mm256_mullo_epi32(x[i], wr));
      }
    }
    v += rows;
    in += *d++;
  }
#else
  uint32_t k = count;
  for (; k >= 2; k -= 2) {
    const int8_t* in1 = in + d[0];
    qs8_load_pair(rv, tail, in, in1, x);
#pragma GCC unroll 4
    for (int r = 0; r < rows; ++r) {
      const __m256i wr = _mm256_set1_epi32(v[r]); /* one vpbroadcastd m32 */
#pragma GCC unroll 8
      for (int i = 0; i < rv; ++i) {
        acc[r * rv + i] = _mm256_add_epi32(acc[r * rv + i], _mm256_madd_epi16(x[i], wr));
      }
    }
    v += rows;
    in = in1 + d[1];
    d += 2;
  }
  if (k) {
    qs8_load_pair(rv, tail, in, in, x);
#pragma GCC unroll 4
    for (int r = 0; r < rows; ++r) {
      const __m256i wr = _mm256_set1_epi32(v[r]); /* high half 0 */
#pragma GCC unroll 8
      for (int i = 0; i < rv; ++i) {
        acc[r * rv + i] = _mm256_add_epi32(acc[r * rv + i], _mm256_madd_epi16(x[i], wr));
      }
    }
    in += d[0];
  }
#endif
  qs8_store(rv, rows, tail, acc, w, row0, out, output_stride, q);
  return in;
}

/* One output group over nv vectors of columns, in 1 or 2 register passes. */
QS8_INLINE const int8_t* qs8_group(const int nv, const int rows, size_t tail, uint32_t count,
                                   const qs8_wt** vals_io, const int32_t** diffs_io,
                                   const int8_t* in, const tsp_qs8_spmm_weights* w,
                                   uint32_t row0, int8_t* out, size_t output_stride,
                                   const tsp_qs8_output* q) {
  const int rv = QS8_RV(nv, rows);
  const int8_t* next = in;
  for (int p = 0; p < nv / rv; ++p) {
    next = qs8_subgroup(rv, rows, tail, count, *vals_io, *diffs_io, in + 8 * rv * p, w, row0,
                        out + 8 * rv * p, output_stride, q);
  }
  *vals_io += QS8_WEIGHTS_OF_GROUP(count, rows);
  *diffs_io += count;
  return next - 8 * (nv - rv);
}

QS8_INLINE void qs8_columns(const int nv, const int block, size_t tail, size_t col,
                            const tsp_qs8_spmm_weights* w, const int8_t* input, int8_t* output,
                            size_t output_stride, const tsp_qs8_output* q) {
  const qs8_wt* vals = QS8_WEIGHTS(w);
  const int32_t* diffs = w->diffs;
  const uint32_t* counts = w->counts;
  const int8_t* in = input + col + w->first_offset;
  int8_t* out = output + col;
  uint32_t row = 0;
  for (uint32_t g = w->full_groups; g != 0; --g) {
    in = qs8_group(nv, block, tail, *counts++, &vals, &diffs, in, w, row, out, output_stride, q);
    out += block * output_stride;
    row += block;
  }
  for (uint32_t g = w->tail_rows; g != 0; --g) {
    in = qs8_group(nv, 1, tail, *counts++, &vals, &diffs, in, w, row, out, output_stride, q);
    out += output_stride;
    row += 1;
  }
}

#if QS8_TILE == 64
static void qs8_columns_8(size_t col, const tsp_qs8_spmm_weights* w, const int8_t* input,
                          int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  qs8_columns(8, QS8_B, 0, col, w, input, output, output_stride, q);
}
#endif
static void qs8_columns_4(size_t col, const tsp_qs8_spmm_weights* w, const int8_t* input,
                          int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  qs8_columns(4, QS8_B, 0, col, w, input, output, output_stride, q);
}
static void qs8_columns_2(size_t col, const tsp_qs8_spmm_weights* w, const int8_t* input,
                          int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  qs8_columns(2, QS8_B, 0, col, w, input, output, output_stride, q);
}
static void qs8_columns_1(size_t col, const tsp_qs8_spmm_weights* w, const int8_t* input,
                          int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  qs8_columns(1, QS8_B, 0, col, w, input, output, output_stride, q);
}
static void qs8_columns_tail(size_t tail, size_t col, const tsp_qs8_spmm_weights* w,
                             const int8_t* input, int8_t* output, size_t output_stride,
                             const tsp_qs8_output* q) {
  qs8_columns(1, QS8_B, tail, col, w, input, output, output_stride, q);
}

void QS8_NAME(size_t nc, const tsp_qs8_spmm_weights* w, const int8_t* input, int8_t* output,
              size_t output_stride, const tsp_qs8_output* q) {
  size_t col = 0;
#if QS8_TILE == 64
  for (; col + 64 <= nc; col += 64) qs8_columns_8(col, w, input, output, output_stride, q);
  if (nc - col >= 32) {
    qs8_columns_4(col, w, input, output, output_stride, q);
    col += 32;
  }
#else
  for (; col + 32 <= nc; col += 32) qs8_columns_4(col, w, input, output, output_stride, q);
#endif
  if (nc - col >= 16) {
    qs8_columns_2(col, w, input, output, output_stride, q);
    col += 16;
  }
  if (nc - col >= 8) {
    qs8_columns_1(col, w, input, output, output_stride, q);
    col += 8;
  }
  if (nc != col) qs8_columns_tail(nc - col, col, w, input, output, output_stride, q);
}
