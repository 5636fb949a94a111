#include "ops/weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_tensor.h"

int tsp_weight_source_find(const tsp_graph* graph, int tensor, tsp_weight_source* source,
                           char* why, size_t why_size) {
  TfLiteContext* context = graph->context;
  memset(source, 0, sizeof(*source));
  source->densify_node = -1;
  if (tensor < 0 || tensor >= graph->num_tensors) return 1;
  const TfLiteTensor* t = &context->tensors[tensor];
  if (t->type != kTfLiteFloat32) return 1;
  if (tsp_tensor_is_constant(t) && !t->sparsity) {
    if (t->bytes != tsp_tensor_elements(t) * sizeof(float)) return 1;
    source->dense = t;
    return 0;
  }
  int producer = graph->producer[tensor];
  TfLiteRegistration* reg = NULL;
  TfLiteNode* node = producer >= 0 ? tsp_graph_node(graph, producer, &reg) : NULL;
  if (!node || reg->builtin_code != kTfLiteBuiltinDensify || node->inputs->size < 1) return 1;
  int sparse_index = node->inputs->data[0];
  if (sparse_index < 0 || sparse_index >= graph->num_tensors) return 1;
  const TfLiteTensor* s = &context->tensors[sparse_index];
  if (!s->sparsity || !tsp_tensor_is_constant(s)) return 1;
  char reason[160];
  if (tsp_sparse_validate(s, reason, sizeof(reason)) != 0) {
    snprintf(why, why_size, "sparse tensor '%s' (#%d): %s", s->name ? s->name : "", sparse_index,
             reason);
    return -1;
  }
  source->sparse = s;
  source->densify_node = producer;
  return 0;
}

const TfLiteTensor* tsp_weight_tensor(const tsp_weight_source* source) {
  return source->dense ? source->dense : source->sparse;
}

double tsp_weight_sparsity(const tsp_weight_source* source) {
  const TfLiteTensor* t = tsp_weight_tensor(source);
  size_t total = tsp_tensor_elements(t);
  if (total == 0) return 0.0;
  if (source->sparse) return 1.0 - (double)(t->bytes / sizeof(float)) / (double)total;
  size_t zeros = 0;
  for (size_t i = 0; i < total; ++i) zeros += t->data.f[i] == 0.0f;
  return (double)zeros / (double)total;
}

float* tsp_weight_dense(const tsp_weight_source* source) {
  const TfLiteTensor* t = tsp_weight_tensor(source);
  size_t bytes = tsp_tensor_elements(t) * sizeof(float);
  float* dense = malloc(bytes ? bytes : sizeof(float));
  if (!dense) return NULL;
  if (source->sparse)
    tsp_sparse_decode(t, dense);
  else
    memcpy(dense, t->data.raw_const, bytes);
  return dense;
}

int tsp_weight_declared_block(const tsp_weight_source* source) {
  return source->sparse ? tsp_sparse_block_along_dim0(source->sparse) : 1;
}
