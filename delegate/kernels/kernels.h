/* Pure compute kernels of tflite-sparse: no TFLite types here.
 *
 * Activation layout inside the delegate is CHW per image: channel c of an
 * image starts at c * ld floats, where ld ("leading dimension") is the
 * spatial extent H*W rounded up to TSP_CHW_ALIGN floats, so every channel row
 * starts on a 64-byte boundary. Buffers are 64-byte aligned. Values in the
 * padding columns [H*W, ld) are finite but otherwise unspecified; kernels
 * that read a whole row (SpMM) may compute on them, kernels that read
 * spatially (dwconv, pooling) never touch them.
 *
 * Naming follows XNNPACK: <datatype>_<op>_<tile>__<isa>. One scalar reference
 * per operation; every SIMD variant computes the same function. */
#ifndef TFLITE_SPARSE_KERNELS_H_
#define TFLITE_SPARSE_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

#define TSP_CHW_ALIGN 16 /* floats */

static inline size_t tsp_chw_ld(size_t spatial) {
  return (spatial + TSP_CHW_ALIGN - 1) / TSP_CHW_ALIGN * TSP_CHW_ALIGN;
}

/* Output clamp that fuses the activation: none = [-inf, inf], RELU = [0, inf],
 * RELU6 = [0, 6]. */
typedef struct {
  float min;
  float max;
} tsp_minmax;

/* ---------------------------------------------------------------- SpMM ---
 * output[co][j] = clamp(bias[co] + sum_ci W[co][ci] * input[ci][j]) for the
 * j in [0, nc) columns. W is sparse, stored by output-channel groups:
 *   - full_groups groups of `block` (1, 2 or 4) consecutive output channels,
 *     then tail_rows groups of one channel (out_channels % block);
 *   - a group's non-zero "blocks" are the input channels where any of its
 *     rows is non-zero (block 1: plain unstructured CSR).
 * Streams, in group order:
 *   values: per group, bias[rows] then rows floats per non-zero block
 *           (row-interleaved: v[ci0][r0..rN], v[ci1][r0..rN], ...);
 *   counts: per group, its number of non-zero blocks;
 *   diffs : per non-zero block, the byte increment from its input row to the
 *           input row of the next non-zero block in stream order; the last one
 *           leads back to the first, so a full pass over all groups returns
 *           the input pointer to where it started (input + first_offset).
 * Kernels loop over column tiles (outer) and output groups (inner), so one
 * tile of the input stays in cache while every output channel reads it. */
typedef struct {
  uint32_t out_channels;
  uint32_t in_channels;
  uint32_t block;
  uint32_t full_groups;
  uint32_t tail_rows;
  int32_t first_offset; /* bytes from input to the first non-zero's row */
  const float* values;
  const int32_t* diffs;
  const uint32_t* counts;
} tsp_spmm_weights;

/* output_stride: bytes between consecutive output channel rows. */
typedef void (*tsp_spmm_fn)(size_t nc, const tsp_spmm_weights* w,
                            const float* input, float* output,
                            size_t output_stride, const tsp_minmax* clamp);

/* Owner of the packed streams of one layer. */
typedef struct {
  tsp_spmm_weights view;
  float* values;
  int32_t* diffs;
  uint32_t* counts;
  uint32_t* channels; /* input channel of each non-zero block, for restriding */
  size_t nnz_blocks;
  size_t input_stride; /* bytes between input channel rows the diffs encode */
} tsp_spmm_packed;

/* Packs a dense row-major weights[out][in] and bias[out] (bias may be NULL)
 * with the given output-channel block. A block is stored when any of its
 * values is non-zero. Returns 0, or -1 when out of memory, when block is 0,
 * or when (in_channels - 1) * input_stride does not fit the int32 diffs.
 * in_channels == 0 or all-zero weights are fine: every group has count 0
 * and the kernels write clamp(bias) without reading the input.
 * Kernels read every column in [0, nc): when rows are padded to ld floats,
 * pass nc = ld (full vectors, no masked tails; the padding columns of the
 * output then hold finite garbage). */
int tsp_spmm_pack(const float* weights, const float* bias, uint32_t out_channels,
                  uint32_t in_channels, uint32_t block, size_t input_stride,
                  tsp_spmm_packed* packed);
/* Re-encodes the diffs for a new input row stride (after a resize). Returns
 * 0, or -1 (packed unchanged) when (in_channels - 1) * input_stride does not
 * fit the int32 diffs. */
int tsp_spmm_restride(tsp_spmm_packed* packed, size_t input_stride);
void tsp_spmm_release(tsp_spmm_packed* packed);

void f32_spmm__scalar(size_t nc, const tsp_spmm_weights* w, const float* input,
                      float* output, size_t output_stride, const tsp_minmax* clamp);

/* ------------------------------------------------- depthwise conv, CHW ---
 * All channels of one image per call. Channel c's input plane (in_h x in_w,
 * contiguous) starts at input + c * input_stride floats, its output plane
 * (out_h x out_w) at output + c * output_stride. Input positions outside
 * [0,in_h) x [0,in_w) (after shifting by pad_top / pad_left) read as zero;
 * bottom/right padding is implied by the output size. weights: per channel,
 * bias then k*k taps row-major (channel c at weights + c * (k*k + 1)).
 * Kernels read no input float outside the channels' in_h*in_w planes (the
 * gap between planes may be garbage; the last plane may end the buffer) and
 * write no output float outside the out_h*out_w planes. */
typedef void (*tsp_dwconv2d_chw_fn)(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                    size_t out_w, size_t pad_top, size_t pad_left,
                                    const float* input, size_t input_stride,
                                    const float* weights, float* output,
                                    size_t output_stride, const tsp_minmax* clamp);

/* ---------------------------------------- first conv: HWC in, CHW out ---
 * 3x3 stride 2 over 3 input channels. input: in_h x in_w x 3 (one image, HWC).
 * Output channel co is written at output + co * output_stride floats, as an
 * out_h x out_w contiguous plane. Weights come from tsp_conv_hwc2chw_pack. */
typedef void (*tsp_conv_hwc2chw_fn)(size_t in_h, size_t in_w, size_t out_h,
                                    size_t out_w, size_t pad_top, size_t pad_left,
                                    size_t out_channels, const float* input,
                                    const float* packed_weights, float* output,
                                    size_t output_stride, const tsp_minmax* clamp);

/* ------------------------------------------- global average pool, CHW ---
 * output[c] = mean of the `spatial` first values of channel c (rows ld apart). */
typedef void (*tsp_gavgpool_chw_fn)(size_t spatial, size_t channels,
                                    const float* input, size_t ld, float* output);

/* ----------------------------------------------- element-wise, any layout ---
 * Flat kernels over n floats (a CHW value is n = channels * ld floats; the
 * padding columns are computed on like any other). The clamp fuses an
 * activation ([-inf, inf] for none); NaN propagates through it.
 *   unary : y = clamp(f(x)), f = identity (RELU/RELU6), sigmoid, swish
 *           (x * sigmoid(x)), hard swish (x * relu6(x + 3) / 6);
 *   binary: y = clamp(a + b) / clamp(a * b); y may alias an input;
 *   vmulc_chw: y[c*stride + i] = clamp(x[c*stride + i] * scale[c]), i < n
 *           (squeeze-excitation's per-channel MUL). */
typedef void (*tsp_vunary_fn)(size_t n, const float* x, float* y, const tsp_minmax* clamp);
typedef void (*tsp_vbinary_fn)(size_t n, const float* a, const float* b, float* y,
                               const tsp_minmax* clamp);
typedef void (*tsp_vmulc_chw_fn)(size_t channels, size_t n, const float* x, size_t stride,
                                 const float* scale, float* y, const tsp_minmax* clamp);

#endif /* TFLITE_SPARSE_KERNELS_H_ */
