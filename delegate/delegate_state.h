/* The delegate object: options plus the plans of the partitions it runs. */
#ifndef TFLITE_SPARSE_DELEGATE_STATE_H_
#define TFLITE_SPARSE_DELEGATE_STATE_H_

#include "graph.h"
#include "options.h"
#include "plan.h"
#include "threadpool.h"

typedef struct {
  TfLiteDelegate base; /* first, so a TfLiteDelegate* is a tsp_delegate* */
  tsp_options options;
  tsp_plan** plans;
  int num_plans, cap_plans;
  /* Shared by every partition; sized at partition prepare. */
  tsp_threadpool* pool;
  /* Valid only while the delegate's Prepare runs (partition Init needs it). */
  const tsp_graph* graph;
  int num_graph_nodes;
} tsp_delegate;

#endif /* TFLITE_SPARSE_DELEGATE_STATE_H_ */
