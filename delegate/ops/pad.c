/* PAD with constant H/W paddings, claimed only to be folded into the
 * convolution that reads it (the claim step makes sure every reader folds). */
#include "ops/ops.h"

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  int pads[4];
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  if (!tsp_tensor_is_f32_rank(input, 4) || node->outputs->size != 1) return 0;
  if (tsp_pad_amounts(context, node, pads) != 0) return 0;
  facts->supported = 1;
  return 0;
}

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  const TfLiteDelegateParams* params = builder->params;
  int output = node->outputs->data[0];
  for (int i = 0; i < params->output_tensors->size; ++i)
    if (params->output_tensors->data[i] == output)
      return tsp_plan_fail(builder->plan,
                           "PAD (node %d) is read outside the delegated partition; it can only "
                           "be folded into a convolution",
                           node_index);
  return kTfLiteOk; /* its readers add the pads to their own window */
}

const tsp_op tsp_op_pad = {
    .builtin_code = kTfLiteBuiltinPad, .name = "PAD", .check = check, .build = build};
