#include "graph.h"

#include <stdio.h>
#include <stdlib.h>

TfLiteStatus tsp_graph_init(tsp_graph* graph, TfLiteContext* context) {
  graph->context = context;
  graph->num_tensors = (int)context->tensors_size;
  graph->producer = malloc(sizeof(int) * (context->tensors_size + 1));
  graph->consumer_count = calloc(context->tensors_size + 1, sizeof(int));
  if (!graph->producer || !graph->consumer_count) {
    tsp_graph_release(graph);
    return kTfLiteError;
  }
  for (int t = 0; t < graph->num_tensors; ++t) graph->producer[t] = -1;

  TfLiteIntArray* plan = NULL;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk) {
    tsp_graph_release(graph);
    return kTfLiteError;
  }
  for (int i = 0; i < plan->size; ++i) {
    TfLiteRegistration* registration = NULL;
    TfLiteNode* node = tsp_graph_node(graph, plan->data[i], &registration);
    if (!node) continue;
    for (int k = 0; k < node->outputs->size; ++k) {
      int t = node->outputs->data[k];
      if (t >= 0 && t < graph->num_tensors) graph->producer[t] = plan->data[i];
    }
    for (int k = 0; k < node->inputs->size; ++k) {
      int t = node->inputs->data[k];
      if (t >= 0 && t < graph->num_tensors) graph->consumer_count[t]++;
    }
  }
  return kTfLiteOk;
}

void tsp_graph_release(tsp_graph* graph) {
  free(graph->producer);
  free(graph->consumer_count);
  graph->producer = NULL;
  graph->consumer_count = NULL;
}

TfLiteNode* tsp_graph_node(const tsp_graph* graph, int node_index,
                           TfLiteRegistration** registration) {
  TfLiteNode* node = NULL;
  TfLiteRegistration* reg = NULL;
  if (graph->context->GetNodeAndRegistration(graph->context, node_index, &node, &reg) !=
      kTfLiteOk)
    return NULL;
  if (registration) *registration = reg;
  return node;
}

int tsp_tensor_is_constant(const TfLiteTensor* tensor) {
  return (tensor->allocation_type == kTfLiteMmapRo ||
          tensor->allocation_type == kTfLitePersistentRo) &&
         tensor->data.raw != NULL;
}

int tsp_tensor_is_f32_rank(const TfLiteTensor* tensor, int rank) {
  return tensor->type == kTfLiteFloat32 && tensor->dims && tensor->dims->size == rank;
}

size_t tsp_tensor_elements(const TfLiteTensor* tensor) {
  if (!tensor->dims || tensor->dims->size == 0) return 0;
  size_t count = 1;
  for (int i = 0; i < tensor->dims->size; ++i) {
    if (tensor->dims->data[i] <= 0) return 0;
    count *= (size_t)tensor->dims->data[i];
  }
  return count;
}

const char* tsp_tensor_name(const TfLiteTensor* tensor, char* scratch, size_t size) {
  if (tensor->name && tensor->name[0]) return tensor->name;
  snprintf(scratch, size, "(unnamed tensor)");
  return scratch;
}
