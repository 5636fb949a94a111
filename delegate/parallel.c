/* Parallel drivers of the kernels (see parallel.h). */
#include "parallel.h"

/* Pieces to aim for: a few per thread for up to 8 threads, so a thread that
 * the OS delays does not hold the others up. */
#define TARGET_PIECES 16
/* Below this many multiply-adds a piece is not worth a thread. */
#define MIN_PIECE_WORK 16384

size_t tsp_parallel_piece(size_t total, size_t min_piece) {
  if (min_piece == 0) min_piece = 1;
  size_t pieces = total / min_piece;
  if (pieces > TARGET_PIECES) pieces = TARGET_PIECES;
  if (pieces < 1) pieces = 1;
  return (total + pieces - 1) / pieces;
}

size_t tsp_parallel_min_items(size_t work) {
  return work >= MIN_PIECE_WORK ? 1 : (MIN_PIECE_WORK + work - 1) / (work ? work : 1);
}

typedef struct {
  tsp_range_fn fn;
  void* context;
  size_t total, piece;
} ranges_job;

static void run_range(void* context, size_t i) {
  const ranges_job* job = context;
  const size_t begin = i * job->piece;
  const size_t end = begin + job->piece < job->total ? begin + job->piece : job->total;
  job->fn(job->context, begin, end);
}

void tsp_parallel_ranges(tsp_threadpool* pool, size_t total, size_t piece, tsp_range_fn fn,
                         void* context) {
  if (total == 0) return;
  if (piece == 0 || piece > total) piece = total;
  ranges_job job = {fn, context, total, piece};
  tsp_threadpool_run(pool, run_range, &job, (total + piece - 1) / piece);
}

/* ---------------------------------------------------------------- SpMM */

size_t tsp_spmm_parts_for(size_t nc, size_t tile, uint32_t groups) {
  const size_t tiles = tile ? (nc + tile - 1) / tile : 1;
  if (tiles >= TARGET_PIECES / 2 || groups <= 1) return 1;
  size_t parts = (TARGET_PIECES + tiles - 1) / tiles;
  return parts < groups ? parts : groups;
}

static const tsp_minmax kNoClamp = {-__builtin_inff(), __builtin_inff()};

typedef struct {
  tsp_spmm_fn kernel;
  size_t tile, nc;
  const tsp_spmm_parts* parts;
  const float* input;
  float* output;
  size_t output_stride;
  const tsp_minmax* clamp;
  tsp_vunary_fn post;
} spmm_job;

static void run_spmm_piece(void* context, size_t i) {
  const spmm_job* job = context;
  const size_t part = i % job->parts->count, col = i / job->parts->count * job->tile;
  const size_t cols = col + job->tile <= job->nc ? job->tile : job->nc - col;
  float* out = (float*)((char*)(job->output + col) +
                        (size_t)job->parts->first_row[part] * job->output_stride);
  const tsp_spmm_weights* view = &job->parts->views[part];
  job->kernel(cols, view, job->input + col, out, job->output_stride, job->clamp);
  if (!job->post) return;
  for (uint32_t r = 0; r < view->out_channels; ++r) {
    float* row = (float*)((char*)out + r * job->output_stride);
    job->post(cols, row, row, &kNoClamp);
  }
}

/* A piece's cost: its columns times its rows. */
static size_t spmm_piece_weight(void* context, size_t i) {
  const spmm_job* job = context;
  const size_t part = i % job->parts->count, col = i / job->parts->count * job->tile;
  const size_t cols = col + job->tile <= job->nc ? job->tile : job->nc - col;
  return cols * (job->parts->views[part].out_channels + 1);
}

void tsp_parallel_spmm(tsp_threadpool* pool, tsp_spmm_fn kernel, size_t tile,
                       const tsp_spmm_parts* parts, size_t nc, const float* input,
                       float* output, size_t output_stride, const tsp_minmax* clamp,
                       tsp_vunary_fn post) {
  if (nc == 0) return;
  if (tile == 0 || tile > nc) tile = nc;
  spmm_job job = {kernel, tile, nc, parts, input, output, output_stride, clamp, post};
  const size_t tiles = (nc + tile - 1) / tile;
  /* Pieces are column-major: thread t's contiguous share is a range of
   * columns, the same part of the image the steps around it give it. */
  tsp_threadpool_run_weighted(pool, run_spmm_piece, spmm_piece_weight, &job, tiles * parts->count);
}

size_t tsp_spmm_parts_cap(size_t parts, double macs) {
  const double most = macs / MIN_PIECE_WORK;
  if (most < 1.0) return 1;
  return (double)parts > most ? (size_t)most : parts;
}

typedef struct {
  tsp_qs8_spmm_fn kernel;
  size_t tile, nc;
  const tsp_qs8_spmm_parts* parts;
  const int8_t* input;
  int8_t* output;
  size_t output_stride;
  const tsp_qs8_output* q;
} qs8_spmm_job;

static void run_qs8_spmm_piece(void* context, size_t i) {
  const qs8_spmm_job* job = context;
  const size_t part = i % job->parts->count, col = i / job->parts->count * job->tile;
  const size_t cols = col + job->tile <= job->nc ? job->tile : job->nc - col;
  int8_t* out = job->output + col + (size_t)job->parts->first_row[part] * job->output_stride;
  job->kernel(cols, &job->parts->views[part], job->input + col, out, job->output_stride, job->q);
}

static size_t qs8_spmm_piece_weight(void* context, size_t i) {
  const qs8_spmm_job* job = context;
  const size_t part = i % job->parts->count, col = i / job->parts->count * job->tile;
  const size_t cols = col + job->tile <= job->nc ? job->tile : job->nc - col;
  return cols * (job->parts->views[part].out_channels + 1);
}

void tsp_parallel_qs8_spmm(tsp_threadpool* pool, tsp_qs8_spmm_fn kernel, size_t tile,
                           const tsp_qs8_spmm_parts* parts, size_t nc, const int8_t* input,
                           int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  if (nc == 0) return;
  if (tile == 0 || tile > nc) tile = nc;
  qs8_spmm_job job = {kernel, tile, nc, parts, input, output, output_stride, q};
  const size_t tiles = (nc + tile - 1) / tile;
  tsp_threadpool_run_weighted(pool, run_qs8_spmm_piece, qs8_spmm_piece_weight, &job,
                              tiles * parts->count);
}

/* ------------------------------------------------------------ depthwise */

typedef struct {
  tsp_dwconv2d_chw_fn kernel;
  size_t weights_per_channel;
  size_t in_h, in_w, out_h, out_w, pad_top, pad_left;
  const float* input;
  size_t input_stride;
  const float* weights;
  float* output;
  size_t output_stride;
  const tsp_minmax* clamp;
  tsp_vunary_fn post;
} dwconv_job;

static void run_dwconv_channels(void* context, size_t begin, size_t end) {
  const dwconv_job* j = context;
  j->kernel(end - begin, j->in_h, j->in_w, j->out_h, j->out_w, j->pad_top, j->pad_left,
            j->input + begin * j->input_stride, j->input_stride,
            j->weights + begin * j->weights_per_channel, j->output + begin * j->output_stride,
            j->output_stride, j->clamp);
  for (size_t c = begin; j->post && c < end; ++c) {
    float* plane = j->output + c * j->output_stride;
    j->post(j->out_h * j->out_w, plane, plane, &kNoClamp);
  }
}

void tsp_parallel_dwconv(tsp_threadpool* pool, tsp_dwconv2d_chw_fn kernel, size_t kernel_size,
                         size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                         size_t pad_top, size_t pad_left, const float* input, size_t input_stride,
                         const float* weights, float* output, size_t output_stride,
                         const tsp_minmax* clamp, tsp_vunary_fn post) {
  dwconv_job job = {kernel, kernel_size * kernel_size + 1, in_h, in_w, out_h, out_w, pad_top,
                    pad_left, input, input_stride, weights, output, output_stride, clamp, post};
  const size_t piece = tsp_parallel_piece(channels, tsp_parallel_min_items(out_h * out_w * kernel_size * kernel_size));
  tsp_parallel_ranges(pool, channels, piece, run_dwconv_channels, &job);
}

/* ------------------------------------------------------------ first conv */

typedef struct {
  tsp_conv_hwc2chw_fn kernel;
  size_t in_h, in_w, out_w, pad_top, pad_left, out_channels;
  const float* input;
  const float* packed_weights;
  float* output;
  size_t output_stride;
  const tsp_minmax* clamp;
} conv_job;

/* Output rows [begin, end) read input rows from 2 * begin - pad_top on: a
 * band that starts inside the image has no top padding of its own. */
static void run_conv_rows(void* context, size_t begin, size_t end) {
  const conv_job* j = context;
  size_t pad_top;
  const size_t first_in = tsp_conv_band_input(begin, j->pad_top, j->in_h, &pad_top);
  j->kernel(j->in_h - first_in, j->in_w, end - begin, j->out_w, pad_top, j->pad_left,
            j->out_channels, j->input + first_in * j->in_w * 3, j->packed_weights,
            j->output + begin * j->out_w, j->output_stride, j->clamp);
}

void tsp_parallel_conv_hwc2chw(tsp_threadpool* pool, tsp_conv_hwc2chw_fn kernel, size_t in_h,
                               size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                               size_t pad_left, size_t out_channels, const float* input,
                               const float* packed_weights, float* output, size_t output_stride,
                               const tsp_minmax* clamp) {
  conv_job job = {kernel, in_h, in_w, out_w, pad_top, pad_left, out_channels, input,
                  packed_weights, output, output_stride, clamp};
  const size_t piece = tsp_parallel_piece(out_h, tsp_parallel_min_items(out_w * out_channels * 27));
  tsp_parallel_ranges(pool, out_h, piece, run_conv_rows, &job);
}

/* -------------------------------------------------------------- pooling */

typedef struct {
  tsp_gavgpool_chw_fn kernel;
  size_t spatial, ld;
  const float* input;
  float* output;
} gavgpool_job;

static void run_gavgpool_channels(void* context, size_t begin, size_t end) {
  const gavgpool_job* j = context;
  j->kernel(j->spatial, end - begin, j->input + begin * j->ld, j->ld, j->output + begin);
}

void tsp_parallel_gavgpool(tsp_threadpool* pool, tsp_gavgpool_chw_fn kernel, size_t spatial,
                           size_t channels, const float* input, size_t ld, float* output) {
  gavgpool_job job = {kernel, spatial, ld, input, output};
  const size_t piece = tsp_parallel_piece(channels, tsp_parallel_min_items(spatial));
  tsp_parallel_ranges(pool, channels, piece, run_gavgpool_channels, &job);
}

/* ---------------------------------------------------------- element-wise */

/* Pieces of whole 64-float blocks, at least 16 K floats each. */
#define FLAT_BLOCK 64
#define FLAT_MIN_PIECE 16384

typedef struct {
  tsp_vunary_fn unary;
  tsp_vbinary_fn binary;
  const float *a, *b;
  float* y;
  const tsp_minmax* clamp;
} flat_job;

static void run_flat(void* context, size_t begin, size_t end) {
  const flat_job* j = context;
  if (j->unary) {
    j->unary(end - begin, j->a + begin, j->y + begin, j->clamp);
  } else {
    j->binary(end - begin, j->a + begin, j->b + begin, j->y + begin, j->clamp);
  }
}

static size_t flat_piece(size_t n) {
  size_t piece = tsp_parallel_piece(n, FLAT_MIN_PIECE);
  return (piece + FLAT_BLOCK - 1) / FLAT_BLOCK * FLAT_BLOCK;
}

void tsp_parallel_vunary(tsp_threadpool* pool, tsp_vunary_fn kernel, size_t n, const float* x,
                         float* y, const tsp_minmax* clamp) {
  flat_job job = {kernel, NULL, x, NULL, y, clamp};
  tsp_parallel_ranges(pool, n, flat_piece(n), run_flat, &job);
}

void tsp_parallel_vbinary(tsp_threadpool* pool, tsp_vbinary_fn kernel, size_t n, const float* a,
                          const float* b, float* y, const tsp_minmax* clamp) {
  flat_job job = {NULL, kernel, a, b, y, clamp};
  tsp_parallel_ranges(pool, n, flat_piece(n), run_flat, &job);
}

typedef struct {
  tsp_vmulc_chw_fn kernel;
  size_t n, stride;
  const float* x;
  const float* scale;
  float* y;
  const tsp_minmax* clamp;
} vmulc_job;

static void run_vmulc_channels(void* context, size_t begin, size_t end) {
  const vmulc_job* j = context;
  j->kernel(end - begin, j->n, j->x + begin * j->stride, j->stride, j->scale + begin,
            j->y + begin * j->stride, j->clamp);
}

void tsp_parallel_vmulc_chw(tsp_threadpool* pool, tsp_vmulc_chw_fn kernel, size_t channels,
                            size_t n, const float* x, size_t stride, const float* scale, float* y,
                            const tsp_minmax* clamp) {
  vmulc_job job = {kernel, n, stride, x, scale, y, clamp};
  const size_t piece = tsp_parallel_piece(channels, tsp_parallel_min_items(n));
  tsp_parallel_ranges(pool, channels, piece, run_vmulc_channels, &job);
}
