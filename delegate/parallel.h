/* The kernels over the delegate's thread pool.
 *
 * Work is cut into pieces chosen from the shape alone, never from the
 * thread count, and every piece writes only its own outputs: results are
 * bit-identical for any number of threads (the tests check it). A piece is
 * whole column tiles of an SpMM (and, when a layer has too few columns,
 * ranges of its output-channel groups), a range of channels of a depthwise
 * conv, pooling or element-wise op, or a band of output rows of the first
 * conv. Small problems run as one piece: waking threads costs more. The
 * pool hands thread t the t-th contiguous range of the pieces (the SpMM's
 * cut by their columns), so a thread tends to get the same part of the
 * image in consecutive steps. */
#ifndef TFLITE_SPARSE_PARALLEL_H_
#define TFLITE_SPARSE_PARALLEL_H_

#include <stddef.h>

#include "kernels/kernels.h"
#include "kernels/spmm/qs8_spmm_parts.h"
#include "kernels/spmm/spmm_parts.h"
#include "threadpool.h"

/* fn(context, begin, end) over [0, total) in pieces of `piece` items. */
typedef void (*tsp_range_fn)(void* context, size_t begin, size_t end);
void tsp_parallel_ranges(tsp_threadpool* pool, size_t total, size_t piece, tsp_range_fn fn,
                         void* context);

/* How many pieces of `total` items: enough to balance up to 8 threads, none
 * smaller than `min_piece` items. */
size_t tsp_parallel_piece(size_t total, size_t min_piece);
/* Items a piece needs to be worth a thread when one item costs `work`
 * multiply-adds. */
size_t tsp_parallel_min_items(size_t work);
/* A band of output rows from `begin` of a stride-2 conv with pad_top rows of
 * top padding: the input row it starts reading at (at most in_h) and, in
 * *band_pad_top, the padding left above it (none once inside the image). */
static inline size_t tsp_conv_band_input(size_t begin, size_t pad_top, size_t in_h,
                                         size_t* band_pad_top) {
  size_t first_in = 0;
  *band_pad_top = pad_top;
  if (2 * begin >= pad_top) {
    first_in = 2 * begin - pad_top;
    *band_pad_top = 0;
  } else {
    *band_pad_top = pad_top - 2 * begin;
  }
  return first_in < in_h ? first_in : in_h; /* rows below the image: all padding */
}

/* Output-group parts an SpMM over nc columns with tiles of `tile` columns
 * should be split into (1 when the columns alone give enough pieces). */
size_t tsp_spmm_parts_for(size_t nc, size_t tile, uint32_t groups);

/* SpMM over nc columns: pieces are (column tile, group part) pairs. A
 * non-NULL `post` (a fused swish, say) runs on each piece's output right
 * after it is computed, while it is in L1. */
void tsp_parallel_spmm(tsp_threadpool* pool, tsp_spmm_fn kernel, size_t tile,
                       const tsp_spmm_parts* parts, size_t nc, const float* input,
                       float* output, size_t output_stride, const tsp_minmax* clamp,
                       tsp_vunary_fn post);

/* Int8 SpMM over nc columns, pieces as for the float one: (column tile,
 * group part) pairs, column-major, weighted by their size. */
void tsp_parallel_qs8_spmm(tsp_threadpool* pool, tsp_qs8_spmm_fn kernel, size_t tile,
                           const tsp_qs8_spmm_parts* parts, size_t nc, const int8_t* input,
                           int8_t* output, size_t output_stride, const tsp_qs8_output* q);
/* At most how many group parts an SpMM of `macs` multiply-adds per image
 * should have, so that no piece is below what is worth a thread. */
size_t tsp_spmm_parts_cap(size_t parts, double macs);

/* Depthwise conv, all channels of one image, split over channels; `post`
 * (or NULL) runs on each piece's output planes after the piece. */
void tsp_parallel_dwconv(tsp_threadpool* pool, tsp_dwconv2d_chw_fn kernel, size_t kernel_size,
                         size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                         size_t pad_top, size_t pad_left, const float* input, size_t input_stride,
                         const float* weights, float* output, size_t output_stride,
                         const tsp_minmax* clamp, tsp_vunary_fn post);

/* First conv (3x3 stride 2, HWC in, CHW out), split over bands of output rows. */
void tsp_parallel_conv_hwc2chw(tsp_threadpool* pool, tsp_conv_hwc2chw_fn kernel, size_t in_h,
                               size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                               size_t pad_left, size_t out_channels, const float* input,
                               const float* packed_weights, float* output, size_t output_stride,
                               const tsp_minmax* clamp);

/* Global average pooling, split over channels. */
void tsp_parallel_gavgpool(tsp_threadpool* pool, tsp_gavgpool_chw_fn kernel, size_t spatial,
                           size_t channels, const float* input, size_t ld, float* output);

/* Flat element-wise kernels over n floats, split in pieces of whole
 * 64-float blocks. */
void tsp_parallel_vunary(tsp_threadpool* pool, tsp_vunary_fn kernel, size_t n, const float* x,
                         float* y, const tsp_minmax* clamp);
void tsp_parallel_vbinary(tsp_threadpool* pool, tsp_vbinary_fn kernel, size_t n, const float* a,
                          const float* b, float* y, const tsp_minmax* clamp);
/* Per-channel scale (squeeze-excitation), split over channels. */
void tsp_parallel_vmulc_chw(tsp_threadpool* pool, tsp_vmulc_chw_fn kernel, size_t channels,
                            size_t n, const float* x, size_t stride, const float* scale, float* y,
                            const tsp_minmax* clamp);

#endif /* TFLITE_SPARSE_PARALLEL_H_ */
