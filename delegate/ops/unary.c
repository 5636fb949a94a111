/* Element-wise unary ops in CHW: LOGISTIC, HARD_SWISH, and standalone RELU,
 * RELU6, RELU_N1_TO_1 (a clamp). A LOGISTIC that only feeds a MUL by its own
 * input is swish: mul.c runs both as one step and this node builds nothing. */
#include <stdlib.h>

#include "ops/ops.h"
#include "parallel.h"

typedef struct {
  tsp_vunary_fn fn;
  tsp_minmax clamp;
} unary_op;

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  long pixels = 0;
  if (node->inputs->size != 1 || node->outputs->size != 1) return 0;
  const TfLiteTensor* input = &context->tensors[node->inputs->data[0]];
  const TfLiteTensor* output = &context->tensors[node->outputs->data[0]];
  if (!tsp_is_activation(input, &pixels) || !tsp_same_shape(input, output)) return 0;
  facts->on_pixel = pixels == 1;
  facts->supported = 1;
  return 0;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const unary_op* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  tsp_parallel_vunary(plan->pool, op->fn, tsp_value_floats(in), tsp_value_chw(plan, in, 0),
                      tsp_value_chw(plan, &plan->values[step->out], 0), &op->clamp);
}

static const tsp_step_ops kSigmoidStep = {.kind = "vsigmoid", .reshape = tsp_elementwise_reshape, .run = run, .release = free};
static const tsp_step_ops kHswishStep = {.kind = "vhswish", .reshape = tsp_elementwise_reshape, .run = run, .release = free};
static const tsp_step_ops kClampStep = {.kind = "vclamp", .reshape = tsp_elementwise_reshape, .run = run, .release = free};

/* Whether this LOGISTIC is the inner half of a swish that mul.c fuses. */
static int fused_into_swish(tsp_builder* builder, TfLiteNode* node) {
  int output = node->outputs->data[0];
  for (int i = 0; i < builder->params->output_tensors->size; ++i)
    if (builder->params->output_tensors->data[i] == output) return 0;
  if (builder->graph->consumer_count[output] != 1) return 0;
  for (int i = 0; i < builder->params->nodes_to_replace->size; ++i) {
    int m = builder->params->nodes_to_replace->data[i];
    TfLiteNode* reader = NULL;
    TfLiteRegistration* reg = NULL;
    if (builder->context->GetNodeAndRegistration(builder->context, m, &reader, &reg) != kTfLiteOk)
      continue;
    if (reg->builtin_code != kTfLiteBuiltinMul) continue;
    if (tsp_node_input(reader, 0) != output && tsp_node_input(reader, 1) != output) continue;
    return tsp_mul_swish_input(builder, reader) == tsp_node_input(node, 0);
  }
  return 0;
}

static TfLiteStatus build_with(tsp_builder* builder, int node_index, TfLiteNode* node,
                               const char* name, const tsp_step_ops* ops, tsp_vunary_fn fn,
                               float lo, float hi) {
  unary_op* op = calloc(1, sizeof(*op));
  int in = tsp_builder_input_chw(builder, node->inputs->data[0]);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (!op || in < 0 || out < 0) {
    free(op);
    return tsp_plan_fail(builder->plan, "out of memory building %s (node %d)", name, node_index);
  }
  op->fn = fn;
  op->clamp.min = lo;
  op->clamp.max = hi;
  if (!tsp_plan_add_step(builder->plan, node_index, name, ops, in, out, op)) {
    free(op);
    return tsp_plan_fail(builder->plan, "out of memory building %s (node %d)", name, node_index);
  }
  return kTfLiteOk;
}

static TfLiteStatus build_logistic(tsp_builder* builder, int node_index, TfLiteNode* node) {
  if (fused_into_swish(builder, node)) return kTfLiteOk;
  return build_with(builder, node_index, node, "LOGISTIC", &kSigmoidStep,
                    builder->plan->kernels->vsigmoid, -__builtin_inff(), __builtin_inff());
}

static TfLiteStatus build_hard_swish(tsp_builder* builder, int node_index, TfLiteNode* node) {
  int x = node->inputs->data[0];
  if (builder->graph->consumer_count[x] == 1 &&
      tsp_builder_fuse_unary(builder, x, node->outputs->data[0], builder->plan->kernels->vhswish,
                             "vhswish"))
    return kTfLiteOk;
  return build_with(builder, node_index, node, "HARD_SWISH", &kHswishStep,
                    builder->plan->kernels->vhswish, -__builtin_inff(), __builtin_inff());
}

static TfLiteStatus build_relu(tsp_builder* builder, int node_index, TfLiteNode* node) {
  return build_with(builder, node_index, node, "RELU", &kClampStep, builder->plan->kernels->vclamp,
                    0.0f, __builtin_inff());
}

static TfLiteStatus build_relu6(tsp_builder* builder, int node_index, TfLiteNode* node) {
  return build_with(builder, node_index, node, "RELU6", &kClampStep,
                    builder->plan->kernels->vclamp, 0.0f, 6.0f);
}

static TfLiteStatus build_relu_n1_to_1(tsp_builder* builder, int node_index, TfLiteNode* node) {
  return build_with(builder, node_index, node, "RELU_N1_TO_1", &kClampStep,
                    builder->plan->kernels->vclamp, -1.0f, 1.0f);
}

const tsp_op tsp_op_logistic = {
    .builtin_code = kTfLiteBuiltinLogistic, .name = "LOGISTIC", .check = check, .build = build_logistic};
const tsp_op tsp_op_hard_swish = {.builtin_code = kTfLiteBuiltinHardSwish,
                                  .name = "HARD_SWISH",
                                  .check = check,
                                  .build = build_hard_swish};
const tsp_op tsp_op_relu = {
    .builtin_code = kTfLiteBuiltinRelu, .name = "RELU", .check = check, .build = build_relu};
const tsp_op tsp_op_relu6 = {
    .builtin_code = kTfLiteBuiltinRelu6, .name = "RELU6", .check = check, .build = build_relu6};
const tsp_op tsp_op_relu_n1_to_1 = {.builtin_code = kTfLiteBuiltinReluN1To1,
                                    .name = "RELU_N1_TO_1",
                                    .check = check,
                                    .build = build_relu_n1_to_1};
