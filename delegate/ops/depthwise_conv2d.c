/* DEPTHWISE_CONV_2D 3x3 / 5x5, stride 1 / 2, depth multiplier 1, in CHW: one
 * kernel call per image (all channel planes). Absorbs a PAD node that feeds it. */
#include <stdio.h>
#include <stdlib.h>

#include "ops/conv2d.h"
#include "ops/padding.h"
#include "ops/qs8_depthwise_conv2d.h"
#include "parallel.h"

typedef struct {
  float* weights; /* per channel: bias, then k*k taps row-major */
  tsp_dwconv2d_chw_fn kernel;
  tsp_minmax clamp;
  tsp_window window;
  int channels;
  int pad_top, pad_left;
  tsp_vunary_fn post; /* fused element-wise op on the output (swish...), or NULL */
  const char* post_name;
  /* Banded with the 1x1 conv that expands its input (see conv2d.h). */
  const tsp_conv_1x1* expand;
  float* band[TSP_MAX_THREADS]; /* per worker: expanded rows of one band, channels x band_ld */
  size_t band_floats[TSP_MAX_THREADS]; /* allocated */
  size_t band_need;   /* floats one band needs */
  size_t band_ld;
  int band_rows;      /* output rows per band */
} dwconv;

/* Band when the expanded tensor of one image would not stay in L2
 * (-DTSP_BAND_MIN_BYTES=... to A/B it). */
#ifdef TSP_BAND_MIN_BYTES
#define BAND_MIN_BYTES ((size_t)(TSP_BAND_MIN_BYTES))
#else
#define BAND_MIN_BYTES (768u * 1024u)
#endif
#ifdef TSP_BAND_BUFFER_BYTES
#define BAND_BUFFER_BYTES ((size_t)(TSP_BAND_BUFFER_BYTES))
#else
#define BAND_BUFFER_BYTES (512u * 1024u)
#endif

static tsp_dwconv2d_chw_fn pick_kernel(const tsp_kernel_table* table, int k, int stride) {
  if (k == 3) return stride == 1 ? table->dwconv3x3s1 : table->dwconv3x3s2;
  return stride == 1 ? table->dwconv5x5s1 : table->dwconv5x5s2;
}

static int input_is_int8(TfLiteContext* context, const TfLiteNode* node) {
  int in = tsp_node_input(node, 0);
  return in >= 0 && context->tensors[in].type == kTfLiteInt8;
}

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  if (input_is_int8(context, node)) return tsp_qs8_depthwise_check(ctx, node_index, node, facts);
  const TfLiteDepthwiseConvParams* params = node->builtin_data;
  tsp_minmax clamp;
  if (!params || params->stride_width != params->stride_height) return 0;
  if (params->stride_width != 1 && params->stride_width != 2) return 0;
  if (params->dilation_width_factor != 1 || params->dilation_height_factor != 1) return 0;
  if (params->padding != kTfLitePaddingSame && params->padding != kTfLitePaddingValid) return 0;
  if (tsp_activation_clamp(params->activation, &clamp) != 0) return 0;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  if (!wd || wd->data[0] != 1 || wd->data[1] != wd->data[2]) return 0;
  if (wd->data[1] != 3 && wd->data[1] != 5) return 0;
  const TfLiteTensor* weights = &context->tensors[tsp_node_input(node, 1)];
  if (!tsp_tensor_is_constant(weights) || weights->type != kTfLiteFloat32 || weights->sparsity)
    return 0;
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  if (!tsp_tensor_is_f32_rank(input, 4) || input->dims->data[3] != wd->data[3]) return 0;
  if (node->outputs->size != 1) return 0;
  const float* bias;
  if (tsp_conv_bias(context, node, wd->data[3], &bias) != 0) return 0;
  facts->supported = 1;
  facts->folds_producer_pad = 1;
  return 0;
}

/* Worker w's band buffer, grown to band_need floats; NULL when out of memory. */
static float* band_buffer(dwconv* op, size_t w) {
  if (op->band_floats[w] >= op->band_need) return op->band[w];
  free(op->band[w]);
  op->band[w] = aligned_alloc(64, op->band_need * sizeof(float));
  op->band_floats[w] = op->band[w] ? op->band_need : 0;
  return op->band[w];
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  dwconv* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if (in->c != op->channels)
    return tsp_plan_fail(plan, "depthwise conv (node %d) expects %d channels, got %d", step->node,
                         op->channels, in->c);
  if (tsp_window_output(&op->window, in->h, in->w, &out->h, &out->w, &op->pad_top,
                        &op->pad_left) != 0)
    return tsp_plan_fail(plan, "depthwise conv (node %d): input %dx%d is smaller than the window",
                         step->node, in->h, in->w);
  out->n = in->n;
  out->c = in->c;
  step->flops = 2.0 * op->window.kernel * op->window.kernel * out->c * out->h * out->w;
  op->band_rows = 0;
  if (op->expand && tsp_conv_1x1_wants_band(op->expand)) {
    const int k = op->window.kernel, s = op->window.stride;
    size_t row_bytes = sizeof(float) * (size_t)in->w * (size_t)in->c;
    int rows_in = (int)(BAND_BUFFER_BYTES / row_bytes);
    op->band_rows = rows_in > k ? (rows_in - k) / s + 1 : 1;
    if (op->band_rows > out->h) op->band_rows = out->h;
    /* An even band count with the rows spread evenly, so that two threads
     * get equal shares: MobileNet v1's 56x56 layers were 16+16+16+8 rows
     * (32 / 24 between two threads), its 112->56 layer 7 bands of 8 (3 / 4). */
    int bands = (out->h + op->band_rows - 1) / op->band_rows;
    bands += bands > 1 && bands % 2;
    op->band_rows = (out->h + bands - 1) / bands;
    size_t band_in_rows = (size_t)(op->band_rows - 1) * s + k;
    op->band_ld = tsp_chw_ld(band_in_rows * (size_t)in->w);
    op->band_need = op->band_ld * (size_t)in->c;
    if (!band_buffer(op, 0))
      return tsp_plan_fail(plan, "out of memory: band of depthwise conv (node %d)", step->node);
  }
  return kTfLiteOk;
}

/* Expands the input rows each band of output rows needs, then convolves
 * them: the expanded tensor lives one band at a time in L2. Rows shared by
 * two bands (k - stride of them) are computed twice. Bands depend on the
 * shape only, so any number of workers gives the same bits. */
typedef struct {
  const dwconv* op;
  const float* src;
  const tsp_value *in, *out;
  float* dst;
  size_t bands;
} band_job;

static void run_band(const band_job* job, int oy0, float* band) {
  static const tsp_minmax kNone = {-__builtin_inff(), __builtin_inff()};
  const dwconv* op = job->op;
  const tsp_value *in = job->in, *out = job->out;
  const int k = op->window.kernel, s = op->window.stride;
  int oy1 = oy0 + op->band_rows < out->h ? oy0 + op->band_rows : out->h;
  int first = oy0 * s - op->pad_top; /* first input row the band reads */
  int iy0 = first > 0 ? first : 0;
  int iy1 = (oy1 - 1) * s - op->pad_top + k;
  if (iy1 > in->h) iy1 = in->h;
  tsp_conv_1x1_columns(op->expand, job->src, (size_t)iy0 * in->w, (size_t)(iy1 - iy0) * in->w,
                       band, op->band_ld);
  op->kernel((size_t)op->channels, (size_t)(iy1 - iy0), (size_t)in->w, (size_t)(oy1 - oy0),
             (size_t)out->w, (size_t)(iy0 - first), (size_t)op->pad_left, band, op->band_ld,
             op->weights, job->dst + (size_t)oy0 * out->w, (size_t)out->ld, &op->clamp);
  for (int c = 0; op->post && c < op->channels; ++c) {
    float* row = job->dst + (size_t)c * out->ld + (size_t)oy0 * out->w;
    op->post((size_t)(oy1 - oy0) * out->w, row, row, &kNone);
  }
}

/* One band per item, in the running thread's buffer: the pool's static
 * split still gives thread t a contiguous run of bands (the rows the steps
 * around it give it), and a late thread's bands can be taken one by one. */
static void run_band_item(void* context, size_t i) {
  const band_job* job = context;
  run_band(job, (int)i * job->op->band_rows, job->op->band[tsp_threadpool_thread_index()]);
}

static void run_banded(tsp_plan* plan, dwconv* op, const float* src, const tsp_value* in,
                       const tsp_value* out, float* dst) {
  band_job job = {.op = op, .src = src, .in = in, .out = out, .dst = dst};
  job.bands = (size_t)((out->h + op->band_rows - 1) / op->band_rows);
  const size_t threads = tsp_threadpool_threads(plan->pool);
  tsp_threadpool* pool = plan->pool;
  for (size_t w = 1; w < threads && pool; ++w)
    if (!band_buffer(op, w)) pool = NULL; /* one thread if memory runs out */
  tsp_threadpool_run(pool, run_band_item, &job, job.bands);
}

static int fuse_unary(tsp_step* step, tsp_vunary_fn fn, const char* name) {
  dwconv* op = step->data;
  if (op->post) return -1;
  op->post = fn;
  op->post_name = name;
  return 0;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const dwconv* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  for (int b = 0; b < in->n; ++b) {
    const float* src = tsp_value_chw(plan, in, b);
    float* dst = tsp_value_chw(plan, out, b);
    if (op->expand && tsp_conv_1x1_wants_band(op->expand)) {
      const tsp_value* x = &plan->values[step->in2];
      run_banded(plan, step->data, tsp_value_chw(plan, x, b), in, out, dst);
      continue;
    }
    /* A fused op (swish) runs on each piece's planes while they are in cache. */
    tsp_parallel_dwconv(plan->pool, op->kernel, (size_t)op->window.kernel, (size_t)op->channels,
                        (size_t)in->h, (size_t)in->w, (size_t)out->h, (size_t)out->w,
                        (size_t)op->pad_top, (size_t)op->pad_left, src, (size_t)in->ld,
                        op->weights, dst, (size_t)out->ld, &op->clamp, op->post);
  }
}

static void release(void* data) {
  dwconv* op = data;
  if (!op) return;
  for (size_t w = 0; w < TSP_MAX_THREADS; ++w) free(op->band[w]);
  free(op->weights);
  free(op);
}

static void describe(const tsp_step* step, char* buffer, size_t size) {
  const dwconv* op = step->data;
  int used = snprintf(buffer, size, ",\"kernel_size\":%d,\"stride\":%d,\"pad_top\":%d,\"pad_left\":%d",
                      op->window.kernel, op->window.stride, op->pad_top, op->pad_left);
  if (op->post && used > 0 && (size_t)used < size)
    used += snprintf(buffer + used, size - (size_t)used, ",\"post\":\"%s\"", op->post_name);
  if (op->expand && op->band_rows && used > 0 && (size_t)used < size)
    snprintf(buffer + used, size - (size_t)used, ",\"banded_rows\":%d", op->band_rows);
}

static const tsp_step_ops kDwconvStep = {
    .kind = "dwconv2d_chw", .reshape = reshape, .run = run, .release = release, .describe = describe,
    .fuse_unary = fuse_unary};

/* TFLite stores depthwise weights [1, k, k, C]; the kernels want, per channel,
 * the bias followed by the k*k taps. */
static void pack(const float* weights, const float* bias, int k, int channels, float* packed) {
  const size_t taps = (size_t)k * k;
  for (int c = 0; c < channels; ++c) {
    float* dst = packed + c * (taps + 1);
    dst[0] = bias ? bias[c] : 0.0f;
    for (size_t t = 0; t < taps; ++t) dst[1 + t] = weights[t * (size_t)channels + c];
  }
}

/* When `input` is computed by a 1x1 conv step of this plan and read by
 * nothing else (but this node, or a PAD it folds), offers that conv banding.
 * Returns the conv's input value, or -1. */
static int offer_banding(tsp_builder* builder, const TfLiteNode* node, int input, dwconv* op) {
  const tsp_graph* graph = builder->graph;
  tsp_plan* plan = builder->plan;
  if (graph->consumer_count[input] != 1) return -1;
  int direct = tsp_node_input(node, 0);
  if (direct != input && graph->consumer_count[direct] != 1) return -1;
  const TfLiteIntArray* outputs = builder->params->output_tensors;
  for (int i = 0; i < outputs->size; ++i)
    if (outputs->data[i] == input) return -1;
  for (int v = 0; v < plan->num_values; ++v) {
    if (plan->values[v].key != input) continue;
    for (int s = plan->num_steps - 1; s >= 0; --s) {
      tsp_conv_1x1* conv = plan->steps[s].out == v ? tsp_conv_1x1_of(&plan->steps[s]) : NULL;
      if (!conv) continue;
      tsp_conv_1x1_offer_banding(conv, BAND_MIN_BYTES);
      op->expand = conv;
      return plan->steps[s].in;
    }
  }
  return -1;
}

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  if (input_is_int8(builder->context, node)) return tsp_qs8_depthwise_build(builder, node_index, node);
  tsp_plan* plan = builder->plan;
  TfLiteContext* context = builder->context;
  const TfLiteDepthwiseConvParams* params = node->builtin_data;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  dwconv* op = calloc(1, sizeof(*op));
  if (!op) return tsp_plan_fail(plan, "out of memory building depthwise conv (node %d)", node_index);
  op->channels = wd->data[3];
  op->window.kernel = wd->data[1];
  op->window.stride = params->stride_width;
  op->window.padding = params->padding;
  op->kernel = pick_kernel(plan->kernels, op->window.kernel, op->window.stride);
  tsp_activation_clamp(params->activation, &op->clamp);
  const float* bias;
  tsp_conv_bias(context, node, op->channels, &bias);
  op->weights = malloc(sizeof(float) * (size_t)op->channels * (wd->data[1] * wd->data[1] + 1));
  if (!op->weights) {
    free(op);
    return tsp_plan_fail(plan, "out of memory building depthwise conv (node %d)", node_index);
  }
  pack(context->tensors[tsp_node_input(node, 1)].data.f, bias, op->window.kernel, op->channels,
       op->weights);
  int input = tsp_window_input(builder, node, &op->window);
  int expand_in = offer_banding(builder, node, input, op);
  int in = tsp_builder_input_chw(builder, input);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  tsp_step* step = NULL;
  if (in >= 0 && out >= 0)
    step = tsp_plan_add_step(plan, node_index, "DEPTHWISE_CONV_2D", &kDwconvStep, in, out, op);
  if (!step) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building depthwise conv (node %d)", node_index);
  }
  step->in2 = expand_in; /* keeps the expand's input alive until this step */
  return kTfLiteOk;
}

const tsp_op tsp_op_depthwise_conv2d = {.builtin_code = kTfLiteBuiltinDepthwiseConv2d,
                                        .name = "DEPTHWISE_CONV_2D",
                                        .check = check,
                                        .build = build};
