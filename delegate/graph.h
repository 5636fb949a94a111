/* A read-only view of the TFLite graph the delegate is deciding on: who
 * produces and who consumes each tensor, and small tensor predicates. */
#ifndef TFLITE_SPARSE_GRAPH_H_
#define TFLITE_SPARSE_GRAPH_H_

#include <stddef.h>

#include "tflite_abi.h"

typedef struct {
  TfLiteContext* context;
  int num_tensors;
  int* producer;       /* tensor -> node index, -1 if none */
  int* consumer_count; /* tensor -> number of nodes reading it */
} tsp_graph;

/* Builds the producer/consumer maps from the execution plan. */
TfLiteStatus tsp_graph_init(tsp_graph* graph, TfLiteContext* context);
void tsp_graph_release(tsp_graph* graph);

/* Node and registration, or NULL on a bad index. */
TfLiteNode* tsp_graph_node(const tsp_graph* graph, int node_index,
                           TfLiteRegistration** registration);

static inline TfLiteTensor* tsp_tensor(TfLiteContext* context, int index) {
  return &context->tensors[index];
}

/* Tensor is a constant (read-only data baked into the model). */
int tsp_tensor_is_constant(const TfLiteTensor* tensor);
/* Float32 tensor of exactly `rank` dimensions. */
int tsp_tensor_is_f32_rank(const TfLiteTensor* tensor, int rank);
/* Number of elements, or 0 for an empty/unknown shape. */
size_t tsp_tensor_elements(const TfLiteTensor* tensor);
/* The tensor's name for messages ("tensor #12" when unnamed). */
const char* tsp_tensor_name(const TfLiteTensor* tensor, char* scratch, size_t size);

/* Node input i, or -1 when absent/optional. */
static inline int tsp_node_input(const TfLiteNode* node, int i) {
  return i < node->inputs->size ? node->inputs->data[i] : -1;
}

#endif /* TFLITE_SPARSE_GRAPH_H_ */
