/* Int8 DEPTHWISE_CONV_2D (TFLite's full-integer depthwise: int8
 * activations, per-channel int8 weights, int32 bias), 3x3 / 5x5, stride 1 /
 * 2, depth multiplier 1, in CHW. Absorbs a PAD that feeds it: TFLite pads
 * int8 with the zero point, which the kernels' padding reads as. */
#include <stdio.h>
#include <stdlib.h>

#include "ops/conv2d.h"
#include "ops/padding.h"
#include "ops/qs8_depthwise_conv2d.h"
#include "ops/qs8_params.h"
#include "parallel.h"

typedef struct {
  int8_t* taps;       /* per channel k*k, row-major */
  int32_t* bias;      /* per channel (zeros when the node has none) */
  int32_t* multiplier;
  int32_t* shift;
  int32_t input_zero_point;
  tsp_qs8_output q;
  tsp_qs8_dwconv2d_chw_fn kernel;
  tsp_window window;
  int channels;
  int pad_top, pad_left;
} qs8_dwconv;

static int read_quant(TfLiteContext* context, const TfLiteNode* node, int channels,
                      tsp_qs8_conv_quant* dq) {
  const TfLiteDepthwiseConvParams* params = node->builtin_data;
  return tsp_qs8_conv_quant_read(context, node, params->activation,
                                 &context->tensors[tsp_node_input(node, 1)], 3, channels, dq);
}

static tsp_qs8_dwconv2d_chw_fn pick_kernel(const tsp_kernel_table* table, int k, int stride) {
  if (!table) return NULL;
  if (k == 3) return stride == 1 ? table->qs8_dwconv3x3s1 : table->qs8_dwconv3x3s2;
  return stride == 1 ? table->qs8_dwconv5x5s1 : table->qs8_dwconv5x5s2;
}

int tsp_qs8_depthwise_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                            tsp_check* facts) {
  (void)node_index;
  TfLiteContext* context = ctx->graph->context;
  const TfLiteDepthwiseConvParams* params = node->builtin_data;
  if (!params || params->stride_width != params->stride_height) return 0;
  if (params->stride_width != 1 && params->stride_width != 2) return 0;
  if (params->dilation_width_factor != 1 || params->dilation_height_factor != 1) return 0;
  if (params->padding != kTfLitePaddingSame && params->padding != kTfLitePaddingValid) return 0;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  if (!wd || wd->data[0] != 1 || wd->data[1] != wd->data[2]) return 0;
  if (wd->data[1] != 3 && wd->data[1] != 5) return 0;
  if (!pick_kernel(tsp_kernels(ctx->options->isa), wd->data[1], params->stride_width)) return 0;
  const TfLiteTensor* weights = &context->tensors[tsp_node_input(node, 1)];
  if (!tsp_tensor_is_constant(weights) || weights->sparsity ||
      weights->bytes != tsp_tensor_elements(weights))
    return 0;
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  if (!input->dims || input->dims->size != 4 || input->dims->data[3] != wd->data[3]) return 0;
  if (node->outputs->size != 1) return 0;
  tsp_qs8_conv_quant dq;
  if (!read_quant(context, node, wd->data[3], &dq)) return 0;
  facts->supported = 1;
  facts->folds_producer_pad = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  qs8_dwconv* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if (in->c != op->channels)
    return tsp_plan_fail(plan, "int8 depthwise conv (node %d) expects %d channels, got %d",
                         step->node, op->channels, in->c);
  if (tsp_window_output(&op->window, in->h, in->w, &out->h, &out->w, &op->pad_top,
                        &op->pad_left) != 0)
    return tsp_plan_fail(plan,
                         "int8 depthwise conv (node %d): input %dx%d is smaller than the window",
                         step->node, in->h, in->w);
  out->n = in->n;
  out->c = in->c;
  step->flops = 2.0 * op->window.kernel * op->window.kernel * out->c * out->h * out->w;
  return kTfLiteOk;
}

typedef struct {
  const qs8_dwconv* op;
  const tsp_value *in, *out;
  const int8_t* src;
  int8_t* dst;
} dw_job;

static void call_kernel(const dw_job* job, size_t begin, size_t end, const tsp_qs8_output* q) {
  const qs8_dwconv* op = job->op;
  const size_t taps = (size_t)op->window.kernel * op->window.kernel;
  op->kernel(end - begin, (size_t)job->in->h, (size_t)job->in->w, (size_t)job->out->h,
             (size_t)job->out->w, (size_t)op->pad_top, (size_t)op->pad_left,
             job->src + begin * job->in->ld, job->in->ld, op->taps + begin * taps,
             op->bias + begin, op->multiplier + begin, op->shift + begin, op->input_zero_point,
             q, job->dst + begin * job->out->ld, job->out->ld);
}

/* Channels [begin, end) of one image. TFLite rounds ties up in whole blocks
 * of 8 channels and away from zero in the last C % 8 (qs8_requant.h): one
 * call for each part of the range. */
static void run_channels(void* context, size_t begin, size_t end) {
  const dw_job* job = context;
  const size_t blocked = (size_t)job->op->channels / 8 * 8;
  tsp_qs8_output q = job->op->q;
  const size_t split = end < blocked ? end : blocked > begin ? blocked : begin;
  q.ties_up = 1;
  if (split > begin) call_kernel(job, begin, split, &q);
  q.ties_up = 0;
  if (end > split) call_kernel(job, split, end, &q);
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const qs8_dwconv* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  const size_t work = (size_t)out->h * out->w * op->window.kernel * op->window.kernel;
  /* Pieces from the shape alone: same bits for any thread count. */
  const size_t piece = tsp_parallel_piece((size_t)op->channels, tsp_parallel_min_items(work));
  for (int b = 0; b < in->n; ++b) {
    dw_job job = {op, in, out, tsp_value_chw_i8(plan, in, b), tsp_value_chw_i8(plan, out, b)};
    tsp_parallel_ranges(plan->pool, (size_t)op->channels, piece, run_channels, &job);
  }
}

static void release(void* data) {
  qs8_dwconv* op = data;
  if (!op) return;
  free(op->taps);
  free(op->bias);
  free(op->multiplier);
  free(op->shift);
  free(op);
}

static void describe(const tsp_step* step, char* buffer, size_t size) {
  const qs8_dwconv* op = step->data;
  snprintf(buffer, size,
           ",\"kernel_size\":%d,\"stride\":%d,\"pad_top\":%d,\"pad_left\":%d,\"dtype\":\"int8\"",
           op->window.kernel, op->window.stride, op->pad_top, op->pad_left);
}

static const tsp_step_ops kQs8DwconvStep = {
    .kind = "qs8_dwconv2d_chw", .reshape = reshape, .run = run, .release = release,
    .describe = describe};

TfLiteStatus tsp_qs8_depthwise_build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  tsp_plan* plan = builder->plan;
  TfLiteContext* context = builder->context;
  const TfLiteDepthwiseConvParams* params = node->builtin_data;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  const int channels = wd->data[3], k = wd->data[1];
  const size_t taps = (size_t)k * k;
  tsp_qs8_conv_quant dq;
  qs8_dwconv* op = calloc(1, sizeof(*op));
  if (op) {
    op->taps = malloc(taps * (size_t)channels);
    op->bias = calloc((size_t)channels, sizeof(int32_t));
    op->multiplier = malloc(sizeof(int32_t) * (size_t)channels);
    op->shift = malloc(sizeof(int32_t) * (size_t)channels);
  }
  if (!op || !op->taps || !op->bias || !op->multiplier || !op->shift) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building int8 depthwise conv (node %d)", node_index);
  }
  if (!read_quant(context, node, channels, &dq) ||
      tsp_qs8_channel_multipliers(dq.in_scale, dq.w_scales, dq.w_scale_count, dq.out_scale,
                                  channels, op->multiplier, op->shift) != 0) {
    release(op);
    return tsp_plan_fail(plan, "int8 depthwise conv (node %d): quantization changed since the claim",
                         node_index);
  }
  op->channels = channels;
  op->window.kernel = k;
  op->window.stride = params->stride_width;
  op->window.padding = params->padding;
  op->kernel = pick_kernel(plan->kernels, k, params->stride_width);
  op->input_zero_point = dq.in_zp;
  op->q = dq.q;
  /* TFLite stores [1, k, k, C]; the kernels want each channel's taps together. */
  const int8_t* w = context->tensors[tsp_node_input(node, 1)].data.int8;
  for (int c = 0; c < channels; ++c)
    for (size_t t = 0; t < taps; ++t) op->taps[(size_t)c * taps + t] = w[t * (size_t)channels + c];
  for (int c = 0; dq.bias && c < channels; ++c) op->bias[c] = dq.bias[c];

  int input = tsp_window_input(builder, node, &op->window);
  int in = tsp_builder_input_chw(builder, input);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0 ||
      !tsp_plan_add_step(plan, node_index, "DEPTHWISE_CONV_2D", &kQs8DwconvStep, in, out, op)) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building int8 depthwise conv (node %d)", node_index);
  }
  return kTfLiteOk;
}
