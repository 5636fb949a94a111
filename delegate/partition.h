/* Building the plan of one delegated partition from TFLite's description. */
#ifndef TFLITE_SPARSE_PARTITION_H_
#define TFLITE_SPARSE_PARTITION_H_

#include "graph.h"
#include "options.h"
#include "plan.h"

/* Builds the steps for params->nodes_to_replace. Returns a plan, NULL only
 * when out of memory; a plan that could not be built has plan->error set. */
tsp_plan* tsp_partition_build(TfLiteContext* context, const TfLiteDelegateParams* params,
                              const tsp_graph* graph, int num_graph_nodes,
                              const tsp_options* options);

#endif /* TFLITE_SPARSE_PARTITION_H_ */
