/* PAD with constant H/W paddings, claimed only to be folded into the
 * convolution that reads it (the claim step makes sure every reader folds). */
#include "ops/ops.h"
#include "ops/qs8_params.h"

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  int pads[4];
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  if (node->outputs->size != 1) return 0;
  if (input->type == kTfLiteInt8) {
    /* TFLite pads int8 with the output's zero point; a reader folds it as
     * its own input zero point, so the two quantizations must agree. */
    const TfLiteTensor* output = &context->tensors[node->outputs->data[0]];
    float in_scale, out_scale;
    int32_t in_zp, out_zp;
    if (!tsp_qs8_activation(input, 4, &in_scale, &in_zp) ||
        !tsp_qs8_activation(output, 4, &out_scale, &out_zp) || in_scale != out_scale ||
        in_zp != out_zp || tsp_node_input(node, 2) >= 0)
      return 0;
  } else if (!tsp_tensor_is_f32_rank(input, 4)) {
    return 0;
  }
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
