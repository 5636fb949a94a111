/* DEPTHWISE_CONV_2D 3x3 / 5x5, stride 1 / 2, depth multiplier 1, in CHW: one
 * kernel call per image (all channel planes). Absorbs a PAD node that feeds it. */
#include <stdio.h>
#include <stdlib.h>

#include "ops/conv2d.h"
#include "ops/padding.h"
#include "parallel.h"

typedef struct {
  float* weights; /* per channel: bias, then k*k taps row-major */
  tsp_dwconv2d_chw_fn kernel;
  tsp_minmax clamp;
  tsp_window window;
  int channels;
  int pad_top, pad_left;
} dwconv;

static tsp_dwconv2d_chw_fn pick_kernel(const tsp_kernel_table* table, int k, int stride) {
  if (k == 3) return stride == 1 ? table->dwconv3x3s1 : table->dwconv3x3s2;
  return stride == 1 ? table->dwconv5x5s1 : table->dwconv5x5s2;
}

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
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
  return kTfLiteOk;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const dwconv* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  for (int b = 0; b < in->n; ++b) {
    const float* src = tsp_value_chw(plan, in, b);
    float* dst = tsp_value_chw(plan, out, b);
    tsp_parallel_dwconv(plan->pool, op->kernel, (size_t)op->window.kernel, (size_t)op->channels,
                        (size_t)in->h, (size_t)in->w, (size_t)out->h, (size_t)out->w,
                        (size_t)op->pad_top, (size_t)op->pad_left, src, (size_t)in->ld,
                        op->weights, dst, (size_t)out->ld, &op->clamp);
  }
}

static void release(void* data) {
  dwconv* op = data;
  if (!op) return;
  free(op->weights);
  free(op);
}

static void describe(const tsp_step* step, char* buffer, size_t size) {
  const dwconv* op = step->data;
  snprintf(buffer, size, ",\"kernel_size\":%d,\"stride\":%d,\"pad_top\":%d,\"pad_left\":%d",
           op->window.kernel, op->window.stride, op->pad_top, op->pad_left);
}

static const tsp_step_ops kDwconvStep = {
    .kind = "dwconv2d_chw", .reshape = reshape, .run = run, .release = release, .describe = describe};

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

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
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
  int in = tsp_builder_input_chw(builder, input);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0 ||
      !tsp_plan_add_step(plan, node_index, "DEPTHWISE_CONV_2D", &kDwconvStep, in, out, op)) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building depthwise conv (node %d)", node_index);
  }
  return kTfLiteOk;
}

const tsp_op tsp_op_depthwise_conv2d = {.builtin_code = kTfLiteBuiltinDepthwiseConv2d,
                                        .name = "DEPTHWISE_CONV_2D",
                                        .check = check,
                                        .build = build};
