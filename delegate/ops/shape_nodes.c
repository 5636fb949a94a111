/* SHAPE, STRIDED_SLICE and PACK on int32 shape vectors: Keras' Reshape
 * inside EfficientNet's squeeze-excitation computes its target shape at run
 * time this way. The delegate computes shapes itself, so these nodes run
 * nothing; they are claimed only when every reader of their output is
 * claimed too (claim.c), so no int32 tensor is ever left unwritten. */
#include "ops/ops.h"

static int outputs_are_int32(TfLiteContext* context, const TfLiteNode* node) {
  if (node->outputs->size < 1) return 0;
  for (int i = 0; i < node->outputs->size; ++i)
    if (context->tensors[node->outputs->data[i]].type != kTfLiteInt32) return 0;
  return 1;
}

static int inputs_are_int32(TfLiteContext* context, const TfLiteNode* node) {
  for (int i = 0; i < node->inputs->size; ++i) {
    int t = node->inputs->data[i];
    if (t >= 0 && context->tensors[t].type != kTfLiteInt32) return 0;
  }
  return 1;
}

static int check_shape(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                       tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  if (node->inputs->size != 1 || !outputs_are_int32(context, node)) return 0;
  if (context->tensors[node->inputs->data[0]].type != kTfLiteFloat32) return 0;
  facts->only_internal_readers = 1;
  facts->supported = 1;
  return 0;
}

static int check_int32_op(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                          tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  if (!outputs_are_int32(context, node) || !inputs_are_int32(context, node)) return 0;
  facts->only_internal_readers = 1;
  facts->supported = 1;
  return 0;
}

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  return kTfLiteOk;
}

const tsp_op tsp_op_shape = {
    .builtin_code = kTfLiteBuiltinShape, .name = "SHAPE", .check = check_shape, .build = build};
const tsp_op tsp_op_strided_slice = {.builtin_code = kTfLiteBuiltinStridedSlice,
                                     .name = "STRIDED_SLICE",
                                     .check = check_int32_op,
                                     .build = build};
const tsp_op tsp_op_pack = {
    .builtin_code = kTfLiteBuiltinPack, .name = "PACK", .check = check_int32_op, .build = build};
