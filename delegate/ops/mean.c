/* MEAN over H and W (global average pooling), keep_dims or not. Its output is
 * one value per channel, which is the same in CHW and NHWC. */
#include <stdint.h>
#include <stdio.h>

#include "parallel.h"
#include "ops/ops.h"

/* Axes tensor is a constant {1, 2} (any order, negative forms allowed). */
static int reduces_height_and_width(TfLiteContext* context, int axes_index) {
  if (axes_index < 0) return 0;
  const TfLiteTensor* axes = &context->tensors[axes_index];
  if (!tsp_tensor_is_constant(axes) || tsp_tensor_elements(axes) != 2) return 0;
  int seen = 0;
  for (int i = 0; i < 2; ++i) {
    int64_t a = axes->type == kTfLiteInt32   ? axes->data.i32[i]
                : axes->type == kTfLiteInt64 ? ((const int64_t*)axes->data.raw)[i]
                                             : -99;
    if (a < 0) a += 4;
    if (a != 1 && a != 2) return 0;
    seen |= 1 << a;
  }
  return seen == 6;
}

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  if (!tsp_tensor_is_f32_rank(input, 4) || node->outputs->size != 1) return 0;
  if (!reduces_height_and_width(context, tsp_node_input(node, 1))) return 0;
  const TfLiteTensor* output = &context->tensors[node->outputs->data[0]];
  if (output->type != kTfLiteFloat32 || !output->dims ||
      (output->dims->size != 4 && output->dims->size != 2))
    return 0;
  facts->supported = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  out->n = in->n;
  out->h = out->w = 1;
  out->c = in->c;
  step->flops = (double)in->c * in->h * in->w;
  return kTfLiteOk;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  for (int b = 0; b < in->n; ++b)
    tsp_parallel_gavgpool(plan->pool, plan->kernels->gavgpool, (size_t)in->h * in->w,
                          (size_t)in->c, tsp_value_chw(plan, in, b), in->ld,
                          tsp_value_chw(plan, out, b));
}

static const tsp_step_ops kMeanStep = {.kind = "gavgpool_chw", .reshape = reshape, .run = run};

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  int in = tsp_builder_input_chw(builder, tsp_node_input(node, 0));
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0 ||
      !tsp_plan_add_step(builder->plan, node_index, "MEAN", &kMeanStep, in, out, NULL))
    return tsp_plan_fail(builder->plan, "out of memory building mean (node %d)", node_index);
  return kTfLiteOk;
}

const tsp_op tsp_op_mean = {
    .builtin_code = kTfLiteBuiltinMean, .name = "MEAN", .check = check, .build = build};
