#include "ops/conv2d.h"

const TfLiteIntArray* tsp_conv_weight_dims(TfLiteContext* context, const TfLiteNode* node) {
  int w = tsp_node_input(node, 1);
  if (w < 0) return NULL;
  const TfLiteIntArray* dims = context->tensors[w].dims;
  return dims && dims->size == 4 ? dims : NULL;
}

int tsp_conv_bias(TfLiteContext* context, const TfLiteNode* node, int channels,
                  const float** bias) {
  int b = tsp_node_input(node, 2);
  *bias = NULL;
  if (b < 0) return 0;
  const TfLiteTensor* t = &context->tensors[b];
  if (!tsp_tensor_is_constant(t) || t->type != kTfLiteFloat32 ||
      tsp_tensor_elements(t) != (size_t)channels)
    return -1;
  *bias = t->data.f;
  return 0;
}

static int is_1x1(TfLiteContext* context, const TfLiteNode* node) {
  const TfLiteIntArray* dims = tsp_conv_weight_dims(context, node);
  return dims && dims->data[1] == 1 && dims->data[2] == 1;
}

static int is_int8(TfLiteContext* context, const TfLiteNode* node) {
  int in = tsp_node_input(node, 0);
  return in >= 0 && context->tensors[in].type == kTfLiteInt8;
}

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  if (is_int8(context, node))
    return is_1x1(context, node) ? tsp_qs8_conv_1x1_check(ctx, node_index, node, facts)
                                 : tsp_qs8_conv_hwc2chw_check(ctx, node_index, node, facts);
  if (is_1x1(context, node)) return tsp_conv_1x1_check(ctx, node_index, node, facts);
  return tsp_conv_hwc2chw_check(ctx, node_index, node, facts);
}

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  if (is_int8(builder->context, node))
    return is_1x1(builder->context, node) ? tsp_qs8_conv_1x1_build(builder, node_index, node)
                                          : tsp_qs8_conv_hwc2chw_build(builder, node_index, node);
  if (is_1x1(builder->context, node)) return tsp_conv_1x1_build(builder, node_index, node);
  return tsp_conv_hwc2chw_build(builder, node_index, node);
}

const tsp_op tsp_op_conv2d = {
    .builtin_code = kTfLiteBuiltinConv2d, .name = "CONV_2D", .check = check, .build = build};
