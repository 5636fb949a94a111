/* RESHAPE between [N, C] and [N, 1, 1, C] (squeeze-excitation's vectors):
 * the same floats in CHW and NHWC, so the step is a copy. The shape input
 * is ignored (it is often computed by SHAPE/STRIDED_SLICE/PACK nodes, which
 * shape_nodes.c claims so they do not cut the partition). */
#include <string.h>

#include "ops/ops.h"

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  long pixels_in = 0, pixels_out = 0;
  if (node->inputs->size < 1 || node->outputs->size != 1) return 0;
  const TfLiteTensor* in = &context->tensors[node->inputs->data[0]];
  const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
  if (!tsp_is_activation(in, &pixels_in) || !tsp_is_activation(out, &pixels_out)) return 0;
  if (pixels_in != 1 || pixels_out != 1 || in->dims->data[0] != out->dims->data[0]) return 0;
  if (in->dims->data[in->dims->size - 1] != out->dims->data[out->dims->size - 1]) return 0;
  facts->on_pixel = 1;
  facts->only_internal_readers = 1; /* a head's RESHAPE before SOFTMAX stays with TFLite */
  facts->supported = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if (tsp_value_pixels(in) != 1)
    return tsp_plan_fail(plan, "RESHAPE (node %d): input is %dx%d, not one pixel", step->node,
                         in->h, in->w);
  out->n = in->n;
  out->h = out->w = 1;
  out->c = in->c;
  return kTfLiteOk;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  memcpy(tsp_value_chw(plan, &plan->values[step->out], 0), tsp_value_chw(plan, in, 0),
         tsp_value_floats(in) * sizeof(float));
}

static const tsp_step_ops kReshapeStep = {.kind = "copy", .reshape = reshape, .run = run};

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  int in = tsp_builder_input_chw(builder, node->inputs->data[0]);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0 ||
      !tsp_plan_add_step(builder->plan, node_index, "RESHAPE", &kReshapeStep, in, out, NULL))
    return tsp_plan_fail(builder->plan, "out of memory building reshape (node %d)", node_index);
  return kTfLiteOk;
}

const tsp_op tsp_op_reshape = {
    .builtin_code = kTfLiteBuiltinReshape, .name = "RESHAPE", .check = check, .build = build};
