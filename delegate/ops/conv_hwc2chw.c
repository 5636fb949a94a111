/* The first convolution: CONV_2D 3x3 stride 2 over 3 channels, reading the
 * partition's NHWC input and writing CHW, so the network body never needs a
 * separate transpose. */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/conv/conv_hwc2chw_pack.h"
#include "parallel.h"
#include "ops/conv2d.h"
#include "ops/padding.h"

typedef struct {
  float* packed;
  tsp_minmax clamp;
  tsp_window window;
  int out_channels;
  int pad_top, pad_left; /* effective, for the current input size */
} conv_first;

int tsp_conv_hwc2chw_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                           tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  const TfLiteConvParams* params = node->builtin_data;
  tsp_minmax clamp;
  if (!params || params->stride_width != 2 || params->stride_height != 2) return 0;
  if (params->dilation_width_factor != 1 || params->dilation_height_factor != 1) return 0;
  if (params->padding != kTfLitePaddingSame && params->padding != kTfLitePaddingValid) return 0;
  if (tsp_activation_clamp(params->activation, &clamp) != 0) return 0;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  if (!wd || wd->data[1] != 3 || wd->data[2] != 3 || wd->data[3] != 3) return 0;
  const TfLiteTensor* weights = &context->tensors[tsp_node_input(node, 1)];
  if (!tsp_tensor_is_constant(weights) || weights->type != kTfLiteFloat32 || weights->sparsity)
    return 0;
  const float* bias;
  if (tsp_conv_bias(context, node, wd->data[0], &bias) != 0) return 0;
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  /* The filter's 3 input channels must be the image's: TFLite refuses the
   * node otherwise, and so do we (left to it, it gives the error). */
  if (!tsp_tensor_is_f32_rank(input, 4) || input->dims->data[3] != 3 || node->outputs->size != 1)
    return 0;
  facts->supported = 1;
  facts->reads_nhwc = 1;
  facts->folds_producer_pad = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  conv_first* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if (in->c != 3) return tsp_plan_fail(plan, "first conv (node %d) needs 3 channels", step->node);
  if (tsp_window_output(&op->window, in->h, in->w, &out->h, &out->w, &op->pad_top,
                        &op->pad_left) != 0)
    return tsp_plan_fail(plan, "first conv (node %d): input %dx%d is smaller than the window",
                         step->node, in->h, in->w);
  out->n = in->n;
  out->c = op->out_channels;
  step->flops = 2.0 * 27 * op->out_channels * out->h * out->w;
  return kTfLiteOk;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const conv_first* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  const float* input = tsp_value_nhwc(plan, in);
  const size_t image = (size_t)in->h * in->w * 3;
  for (int b = 0; b < in->n; ++b)
    tsp_parallel_conv_hwc2chw(plan->pool, plan->kernels->conv3x3s2c3, (size_t)in->h,
                              (size_t)in->w, (size_t)out->h, (size_t)out->w, (size_t)op->pad_top,
                              (size_t)op->pad_left, (size_t)op->out_channels, input + b * image,
                              op->packed, tsp_value_chw(plan, out, b), out->ld, &op->clamp);
}

static void release(void* data) {
  conv_first* op = data;
  if (!op) return;
  free(op->packed);
  free(op);
}

static void describe(const tsp_step* step, char* buffer, size_t size) {
  const conv_first* op = step->data;
  snprintf(buffer, size, ",\"out_channels\":%d,\"pad_top\":%d,\"pad_left\":%d", op->out_channels,
           op->pad_top, op->pad_left);
}

static const tsp_step_ops kConvFirstStep = {.kind = "conv_hwc2chw_3x3s2c3",
                                            .reshape = reshape,
                                            .run = run,
                                            .release = release,
                                            .describe = describe};

TfLiteStatus tsp_conv_hwc2chw_build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  tsp_plan* plan = builder->plan;
  TfLiteContext* context = builder->context;
  const TfLiteConvParams* params = node->builtin_data;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  conv_first* op = calloc(1, sizeof(*op));
  if (!op) return tsp_plan_fail(plan, "out of memory building conv (node %d)", node_index);
  op->out_channels = wd->data[0];
  op->window.padding = params->padding;
  op->window.kernel = 3;
  op->window.stride = 2;
  tsp_activation_clamp(params->activation, &op->clamp);
  int input = tsp_window_input(builder, node, &op->window);
  if (tsp_builder_producer(builder, input, NULL, NULL) >= 0) {
    free(op);
    return tsp_plan_fail(plan, "first conv (node %d) must read a partition input", node_index);
  }
  const float* bias;
  tsp_conv_bias(context, node, op->out_channels, &bias);
  op->packed = malloc(tsp_conv_hwc2chw_packed_size((size_t)op->out_channels) * sizeof(float));
  if (!op->packed) {
    free(op);
    return tsp_plan_fail(plan, "out of memory building conv (node %d)", node_index);
  }
  tsp_conv_hwc2chw_pack((size_t)op->out_channels,
                        context->tensors[tsp_node_input(node, 1)].data.f, bias, op->packed);
  int in = tsp_plan_value(plan, input);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building conv (node %d)", node_index);
  }
  plan->values[in].external = 1;
  if (!tsp_plan_add_step(plan, node_index, "CONV_2D", &kConvFirstStep, in, out, op)) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building conv (node %d)", node_index);
  }
  return kTfLiteOk;
}
