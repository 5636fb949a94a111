#include "ops/weights.h"

#include <stdint.h>
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
  const size_t elem = tsp_sparse_value_bytes(t->type);
  if (!elem) return 1;
  if (tsp_tensor_is_constant(t) && !t->sparsity) {
    if (t->bytes != tsp_tensor_elements(t) * elem) return 1;
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
  if (s->type != t->type) {
    /* DENSIFY copies values as they are: a type change is a broken file
     * (TFLite would decode garbage, or read past the buffer) */
    snprintf(why, why_size, "sparse tensor '%s' (#%d) has type %d but its DENSIFY output has type %d",
             s->name ? s->name : "", sparse_index, (int)s->type, (int)t->type);
    return -1;
  }
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
  if (source->sparse)
    return 1.0 - (double)(t->bytes / tsp_sparse_value_bytes(t->type)) / (double)total;
  size_t zeros = 0;
  if (t->type == kTfLiteInt8)
    for (size_t i = 0; i < total; ++i) zeros += t->data.int8[i] == 0;
  else
    for (size_t i = 0; i < total; ++i) zeros += t->data.f[i] == 0.0f;
  return (double)zeros / (double)total;
}

void* tsp_weight_dense(const tsp_weight_source* source) {
  const TfLiteTensor* t = tsp_weight_tensor(source);
  size_t bytes = tsp_tensor_elements(t) * tsp_sparse_value_bytes(t->type);
  void* dense = malloc(bytes ? bytes : sizeof(float));
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

/* Whether packing rows x cols weights (non-zero mask nz) with `block`
 * stores no zeros beyond those of the weights. */
static int block_is_exact(const unsigned char* nz, uint32_t rows, uint32_t cols, uint32_t block) {
  size_t stored = 0, nonzeros = 0;
  uint32_t full = rows / block * block;
  for (uint32_t r0 = 0; r0 < full; r0 += block)
    for (uint32_t c = 0; c < cols; ++c) {
      int any = 0;
      for (uint32_t r = r0; r < r0 + block; ++r) any |= nz[(size_t)r * cols + c];
      stored += any ? block : 0;
    }
  for (size_t i = 0; i < (size_t)rows * cols; ++i) nonzeros += nz[i];
  for (size_t i = (size_t)full * cols; i < (size_t)rows * cols; ++i) stored += nz[i];
  return stored == nonzeros;
}

uint32_t tsp_weight_choose_block(const tsp_weight_source* source, const void* dense,
                                 uint32_t rows, uint32_t cols) {
  const int declared = tsp_weight_declared_block(source);
  if (declared % 4 == 0) return 4;
  if (declared % 2 == 0) return 2;
  const size_t n = (size_t)rows * cols;
  unsigned char* nz = malloc(n ? n : 1);
  if (!nz) return 1; /* block 1 is always exact */
  const int is_int8 = tsp_weight_tensor(source)->type == kTfLiteInt8;
  for (size_t i = 0; i < n; ++i)
    nz[i] = is_int8 ? ((const int8_t*)dense)[i] != 0 : ((const float*)dense)[i] != 0.0f;
  uint32_t block = block_is_exact(nz, rows, cols, 4) ? 4 : block_is_exact(nz, rows, cols, 2) ? 2 : 1;
  free(nz);
  return block;
}
