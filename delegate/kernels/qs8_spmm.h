/* Int8 (QS8) sparse 1x1 convolution: TFLite's int8 CONV_2D semantics with
 * per-channel weights, on CHW activations (one int8 per pixel, channel rows
 * `stride` bytes apart).
 *
 * For output channel r and column (pixel) j:
 *   acc    = bias[r] + sum_k w[r][k] * (x[k][j] - zx)          (int32)
 *   out    = clamp(zy + MultiplyByQuantizedMultiplier(acc, mult[r], shift[r]),
 *                  act_min, act_max)                           (int8)
 * MultiplyByQuantizedMultiplier is TFLite's default (double-rounding) one:
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc * 2^left, mult),
 * right) with left = max(shift, 0), right = max(-shift, 0).
 *
 * The packer folds the input zero point into the bias,
 *   bias'[r] = bias[r] - zx * sum_k w[r][k],
 * so the kernels compute acc = bias' + sum_k w[r][k] * x[k][j]. Integer
 * arithmetic is two's complement modulo 2^32 (the accumulation, the fold and
 * acc * 2^left wrap, as TFLite's int32 code does in practice), which makes the
 * folded and unfolded formulas bit-identical. zy + requantized value is
 * computed exactly (no wrap) before the clamp.
 *
 * Sparse streams mirror tsp_spmm_weights (kernels.h): output-channel groups
 * of `block` rows (1, 2, 4), then tail_rows groups of 1; per group its count
 * of non-zero blocks; per non-zero block `rows` int8 weights
 * (row-interleaved) and the byte diff to the next block's input row (the last
 * wraps to the first). Unlike the f32 streams, values hold weights only:
 * bias, multiplier and shift are separate per-output-channel arrays.
 *
 * pairs: the same weights once more, for kernels that multiply two
 * non-zeros of a group at once (x86 vpmaddwd): per group, per pair of
 * consecutive non-zero blocks (2p, 2p+1), per row r, one int32 holding
 * w[2p][r] in its low and w[2p+1][r] in its high int16; an odd last block
 * pairs with 0. A group of `count` blocks has (count + 1) / 2 * rows of them,
 * so a kernel broadcasts a weight pair with one 32-bit load. */
#ifndef TFLITE_SPARSE_QS8_SPMM_H_
#define TFLITE_SPARSE_QS8_SPMM_H_

#include <stddef.h>
#include <stdint.h>

#include "qs8_requant.h" /* tsp_qs8_output, tsp_qs8_quantize_multiplier, tsp_qs8_requantize */

typedef struct {
  uint32_t out_channels;
  uint32_t in_channels;
  uint32_t block;
  uint32_t full_groups;
  uint32_t tail_rows;
  int32_t first_offset;      /* bytes from input to the first non-zero's row */
  const int8_t* values;      /* weights only, group order */
  const int32_t* pairs;      /* the same weights for vpmaddwd-style kernels, see below */
  const int32_t* diffs;      /* bytes */
  const uint32_t* counts;    /* per group */
  const int32_t* bias;       /* [out_channels], input zero point folded in */
  const int32_t* multiplier; /* [out_channels], Q31, from tsp_qs8_quantize_multiplier */
  const int32_t* shift;      /* [out_channels], in [-31, 31]; > 0 is a left shift */
} tsp_qs8_spmm_weights;

/* output_stride: bytes between output channel rows. Kernels read columns
 * [0, nc) of each input row they need and write columns [0, nc) of every
 * output row, nothing else. */
typedef void (*tsp_qs8_spmm_fn)(size_t nc, const tsp_qs8_spmm_weights* w, const int8_t* input,
                                int8_t* output, size_t output_stride, const tsp_qs8_output* q);

/* Owner of the packed streams of one layer. */
typedef struct {
  tsp_qs8_spmm_weights view;
  int8_t* values;
  int32_t* pairs;
  int32_t* diffs;
  uint32_t* counts;
  int32_t* bias;
  int32_t* multiplier;
  int32_t* shift;
  uint32_t* channels; /* input channel of each non-zero block, for restriding */
  size_t nnz_blocks;
  size_t input_stride; /* bytes between input channel rows the diffs encode */
} tsp_qs8_spmm_packed;

/* Packs dense row-major int8 weights[out][in] (zero point 0), bias[out]
 * (NULL: zeros), per-channel multiplier[out] / shift[out] and the input zero
 * point. A block is stored when any of its weights is non-zero. Returns 0,
 * or -1 when out of memory, block is 0, a shift is outside [-31, 31], or
 * (in_channels - 1) * input_stride does not fit the int32 diffs. */
int tsp_qs8_spmm_pack(const int8_t* weights, const int32_t* bias, const int32_t* multiplier,
                      const int32_t* shift, int32_t input_zero_point, uint32_t out_channels,
                      uint32_t in_channels, uint32_t block, size_t input_stride,
                      tsp_qs8_spmm_packed* packed);
/* Re-encodes the diffs for a new input row stride; -1 (unchanged) when the
 * farthest jump does not fit int32. */
int tsp_qs8_spmm_restride(tsp_qs8_spmm_packed* packed, size_t input_stride);
void tsp_qs8_spmm_release(tsp_qs8_spmm_packed* packed);

#endif /* TFLITE_SPARSE_QS8_SPMM_H_ */
