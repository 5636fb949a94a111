/* ADD of two activations of the same shape (the residual connection), with
 * its fused activation, in CHW. */
#include <stdlib.h>

#include "ops/ops.h"
#include "parallel.h"

typedef struct {
  tsp_minmax clamp;
} add_op;

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  const TfLiteAddParams* params = node->builtin_data;
  tsp_minmax clamp;
  long pixels = 0;
  if (!params || tsp_activation_clamp(params->activation, &clamp) != 0) return 0;
  if (node->inputs->size != 2 || node->outputs->size != 1) return 0;
  const TfLiteTensor* a = &context->tensors[node->inputs->data[0]];
  const TfLiteTensor* b = &context->tensors[node->inputs->data[1]];
  const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
  if (!tsp_is_activation(a, &pixels) || !tsp_is_activation(b, NULL)) return 0;
  if (!tsp_same_shape(a, b) || !tsp_same_shape(a, out)) return 0;
  facts->on_pixel = pixels == 1;
  facts->supported = 1;
  return 0;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const add_op* op = step->data;
  const tsp_value* a = &plan->values[step->in];
  tsp_parallel_vbinary(plan->pool, plan->kernels->vadd, tsp_value_floats(a),
                       tsp_value_chw(plan, a, 0), tsp_value_chw(plan, &plan->values[step->in2], 0),
                       tsp_value_chw(plan, &plan->values[step->out], 0), &op->clamp);
}

static const tsp_step_ops kAddStep = {
    .kind = "vadd", .reshape = tsp_elementwise_reshape, .run = run, .release = free};

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  const TfLiteAddParams* params = node->builtin_data;
  add_op* op = calloc(1, sizeof(*op));
  int a = tsp_builder_input_chw(builder, node->inputs->data[0]);
  int b = tsp_builder_input_chw(builder, node->inputs->data[1]);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  tsp_step* step = NULL;
  if (op && a >= 0 && b >= 0 && out >= 0) {
    tsp_activation_clamp(params->activation, &op->clamp);
    step = tsp_plan_add_step(builder->plan, node_index, "ADD", &kAddStep, a, out, op);
  }
  if (!step) {
    free(op);
    return tsp_plan_fail(builder->plan, "out of memory building add (node %d)", node_index);
  }
  step->in2 = b;
  return kTfLiteOk;
}

const tsp_op tsp_op_add = {.builtin_code = kTfLiteBuiltinAdd, .name = "ADD", .check = check, .build = build};
