#include "partition.h"

#include <stdlib.h>
#include <string.h>

#include "ops/layout.h"
#include "ops/ops.h"

static int find_value(const tsp_plan* plan, int key) {
  for (int i = 0; i < plan->num_values; ++i)
    if (plan->values[i].key == key) return i;
  return -1;
}

/* Every partition output computed in CHW gets a step writing it back to its
 * TFLite tensor in NHWC. */
static TfLiteStatus export_outputs(tsp_plan* plan, const TfLiteIntArray* outputs) {
  for (int i = 0; i < outputs->size; ++i) {
    int tensor = outputs->data[i];
    int v = find_value(plan, tensor);
    if (v < 0)
      return tsp_plan_fail(plan, "partition output tensor #%d is not computed by the plan", tensor);
    if (plan->values[v].external) continue; /* written in place (DENSIFY) */
    int external = tsp_plan_shadow_value(plan, tensor);
    if (external < 0) return tsp_plan_fail(plan, "out of memory");
    plan->values[external].external = 1;
    if (!tsp_plan_add_step(plan, -1, "LAYOUT", &tsp_step_to_nhwc, v, external, NULL))
      return tsp_plan_fail(plan, "out of memory");
  }
  return kTfLiteOk;
}

static TfLiteStatus build_steps(tsp_builder* builder, const TfLiteIntArray* nodes) {
  TfLiteContext* context = builder->context;
  for (int i = 0; i < nodes->size; ++i) {
    TfLiteNode* node = NULL;
    TfLiteRegistration* reg = NULL;
    if (context->GetNodeAndRegistration(context, nodes->data[i], &node, &reg) != kTfLiteOk)
      return tsp_plan_fail(builder->plan, "cannot read node %d", nodes->data[i]);
    const tsp_op* op = tsp_find_op(reg->builtin_code);
    if (!op) return tsp_plan_fail(builder->plan, "node %d is not an op the delegate runs", nodes->data[i]);
    if (op->build(builder, nodes->data[i], node) != kTfLiteOk) return kTfLiteError;
  }
  return export_outputs(builder->plan, builder->params->output_tensors);
}

tsp_plan* tsp_partition_build(TfLiteContext* context, const TfLiteDelegateParams* params,
                              const tsp_graph* graph, int num_graph_nodes,
                              const tsp_options* options) {
  tsp_plan* plan = calloc(1, sizeof(*plan));
  if (!plan) return NULL;
  plan->context = context;
  plan->kernels = tsp_kernels(options->isa);
  plan->profile = options->profile;
  plan->flush_denormals = options->flush_denormals;
  const TfLiteIntArray* nodes = params->nodes_to_replace;
  plan->nodes = malloc(sizeof(int) * (size_t)(nodes->size + 1));
  char* in_partition = calloc((size_t)num_graph_nodes + 1, 1);
  if (!plan->nodes || !in_partition || !graph) {
    free(in_partition);
    tsp_plan_fail(plan, graph ? "out of memory" : "partition built outside of delegate prepare");
    return plan;
  }
  plan->num_nodes = nodes->size;
  for (int i = 0; i < nodes->size; ++i) {
    plan->nodes[i] = nodes->data[i];
    if (nodes->data[i] >= 0 && nodes->data[i] < num_graph_nodes) in_partition[nodes->data[i]] = 1;
  }
  tsp_builder builder = {.plan = plan,
                         .context = context,
                         .options = options,
                         .params = params,
                         .graph = graph,
                         .in_partition = in_partition,
                         .num_graph_nodes = num_graph_nodes};
  build_steps(&builder, nodes);
  free(in_partition);
  return plan;
}
