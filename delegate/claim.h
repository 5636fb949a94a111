/* Which nodes the delegate claims: connected runs of supported nodes that
 * contain at least one sparse 1x1 convolution. Dense-only runs stay with
 * TFLite (XNNPACK runs dense better than we do). */
#ifndef TFLITE_SPARSE_CLAIM_H_
#define TFLITE_SPARSE_CLAIM_H_

#include <stddef.h>

#include "graph.h"
#include "options.h"

typedef struct {
  TfLiteIntArray* nodes; /* claimed node indices, ascending */
  char* sparse;          /* node index -> 1 for a sparse 1x1 conv */
  int num_graph_nodes;   /* size of `sparse` */
} tsp_claim;

/* Returns 0, or -1 with a message in why (a bad model, or out of memory). */
int tsp_claim_run(const tsp_graph* graph, const tsp_options* options, tsp_claim* claim,
                  char* why, size_t why_size);

/* Drops the nodes of the partitions TFLite would form that contain no sparse
 * 1x1 conv. Returns 1 when the claim changed. */
int tsp_claim_drop_dense_partitions(TfLiteContext* context, tsp_claim* claim);

void tsp_claim_release(tsp_claim* claim);

#endif /* TFLITE_SPARSE_CLAIM_H_ */
