/* DENSIFY of a constant sparse weight tensor. The 1x1 conv that reads it packs
 * the sparse tensor directly, so normally this node runs nothing; if its
 * dense output is also read outside the partition, it is written at invoke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "sparse_tensor.h"

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  int input = tsp_node_input(node, 0);
  if (input < 0 || node->outputs->size != 1) return 0;
  const TfLiteTensor* sparse = &context->tensors[input];
  if (!sparse->sparsity || !tsp_tensor_is_constant(sparse)) return 0;
  /* Float32 and int8 weights: any other type (float16...) and its DENSIFY
   * stay with TFLite, which decodes and validates them itself. */
  if (!tsp_sparse_value_bytes(sparse->type)) return 0;
  char reason[160];
  if (tsp_sparse_validate(sparse, reason, sizeof(reason)) != 0) {
    snprintf(facts->why, sizeof(facts->why), "sparse tensor '%s' (#%d): %s",
             sparse->name ? sparse->name : "", input, reason);
    return -1;
  }
  /* Stock DENSIFY refuses a decoded shape other than its output's. */
  const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
  if (!tsp_same_shape(out, sparse)) {
    snprintf(facts->why, sizeof(facts->why),
             "sparse tensor '%s' (#%d): decoded shape differs from the DENSIFY output '%s'",
             sparse->name ? sparse->name : "", input, out->name ? out->name : "");
    return -1;
  }
  facts->supported = 1;
  return 0;
}

typedef struct {
  void* dense;
  size_t bytes;
} densify_data;

/* The dense output keeps the weight tensor's own shape. */
static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  return tsp_value_shape_from_tensor(plan, &plan->values[step->out]);
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const densify_data* d = step->data;
  memcpy(tsp_value_nhwc(plan, &plan->values[step->out]), d->dense, d->bytes);
}

static void release(void* data) {
  densify_data* d = data;
  if (!d) return;
  free(d->dense);
  free(d);
}

static const tsp_step_ops kDensifyStep = {
    .kind = "densify", .reshape = reshape, .run = run, .release = release};

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  const TfLiteDelegateParams* params = builder->params;
  int output = node->outputs->data[0];
  int exported = 0;
  for (int i = 0; i < params->output_tensors->size; ++i)
    exported |= params->output_tensors->data[i] == output;
  if (!exported) return kTfLiteOk;
  const TfLiteTensor* sparse = &builder->context->tensors[tsp_node_input(node, 0)];
  densify_data* d = calloc(1, sizeof(*d));
  if (d) d->bytes = tsp_sparse_dense_bytes(sparse);
  if (d) d->dense = malloc(d->bytes ? d->bytes : 1);
  int in = tsp_plan_value(builder->plan, tsp_node_input(node, 0));
  int out = tsp_plan_value(builder->plan, output);
  if (!d || !d->dense || in < 0 || out < 0) {
    release(d);
    return tsp_plan_fail(builder->plan, "out of memory building densify (node %d)", node_index);
  }
  tsp_sparse_decode(sparse, d->dense);
  builder->plan->values[out].external = 1;
  if (!tsp_plan_add_step(builder->plan, node_index, "DENSIFY", &kDensifyStep, in, out, d)) {
    release(d);
    return tsp_plan_fail(builder->plan, "out of memory building densify (node %d)", node_index);
  }
  return kTfLiteOk;
}

const tsp_op tsp_op_densify = {
    .builtin_code = kTfLiteBuiltinDensify, .name = "DENSIFY", .check = check, .build = build};
