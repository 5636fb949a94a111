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
  char* reads_nhwc;      /* node index -> 1 when it reads its input in NHWC */
  char* no_export;       /* node index -> 1 when its output must not leave the partition */
  double* saved_ns;      /* node index -> estimated time saved per image (cost.h) */
  int num_graph_nodes;   /* size of the per-node arrays */
} tsp_claim;

/* Returns 0, or -1 with a message in why (a bad model, or out of memory). */
int tsp_claim_run(const tsp_graph* graph, const tsp_options* options, tsp_claim* claim,
                  char* why, size_t why_size);

/* Previews the partitions TFLite would form from the claim and drops, until
 * none is left to drop:
 *  - a DENSIFY whose dense output leaves its partition (it would run at every
 *    invoke, and TFLite decodes it once and caches it when it keeps the node),
 *    or a shape node (SHAPE, PACK...) whose int32 output would;
 *  - every partition without a sparse 1x1 conv (dense belongs to XNNPACK);
 *  - with cost_rule, every partition cost.h expects to lose to TFLite. */
void tsp_claim_refine(const tsp_graph* graph, int cost_rule, tsp_claim* claim);

void tsp_claim_release(tsp_claim* claim);

#endif /* TFLITE_SPARSE_CLAIM_H_ */
