/* Helpers shared by the op builders: mapping TFLite tensors to plan values and
 * inserting layout steps where a value enters the partition. */
#include <stdint.h>

#include "ops/layout.h"
#include "ops/ops.h"

int tsp_builder_producer(const tsp_builder* builder, int tensor, int* builtin_code,
                         TfLiteNode** node) {
  if (tensor < 0 || tensor >= builder->graph->num_tensors) return -1;
  int producer = builder->graph->producer[tensor];
  if (producer < 0 || producer >= builder->num_graph_nodes || !builder->in_partition[producer])
    return -1;
  TfLiteNode* n = NULL;
  TfLiteRegistration* reg = NULL;
  if (builder->context->GetNodeAndRegistration(builder->context, producer, &n, &reg) !=
      kTfLiteOk)
    return -1;
  if (builtin_code) *builtin_code = reg->builtin_code;
  if (node) *node = n;
  return producer;
}

int tsp_builder_input_chw(tsp_builder* builder, int tensor) {
  tsp_plan* plan = builder->plan;
  if (tsp_builder_producer(builder, tensor, NULL, NULL) >= 0) return tsp_plan_value(plan, tensor);
  /* An activation from outside: keep the NHWC value (external) and a CHW copy
   * made once, before its first reader. */
  int before = plan->num_values;
  int shadow = tsp_plan_shadow_value(plan, tensor);
  if (shadow < 0 || shadow < before) return shadow;
  int external = tsp_plan_value(plan, tensor);
  if (external < 0) return -1;
  plan->values[external].external = 1;
  plan->values[shadow].chw = 1;
  if (!tsp_plan_add_step(plan, -1, "LAYOUT", &tsp_step_to_chw, external, shadow, NULL)) return -1;
  return shadow;
}

int tsp_builder_output_chw(tsp_builder* builder, int tensor) {
  int v = tsp_plan_value(builder->plan, tensor);
  if (v >= 0) builder->plan->values[v].chw = 1;
  return v;
}

int tsp_pad_amounts(TfLiteContext* context, const TfLiteNode* pad_node, int pads[4]) {
  int paddings = tsp_node_input(pad_node, 1);
  if (paddings < 0) return -1;
  const TfLiteTensor* t = &context->tensors[paddings];
  if (!tsp_tensor_is_constant(t) || !t->dims || t->dims->size != 2 || t->dims->data[0] != 4 ||
      t->dims->data[1] != 2)
    return -1;
  int64_t v[8];
  for (int i = 0; i < 8; ++i) {
    if (t->type == kTfLiteInt32)
      v[i] = t->data.i32[i];
    else if (t->type == kTfLiteInt64)
      v[i] = ((const int64_t*)t->data.raw)[i];
    else
      return -1;
  }
  /* [[batch], [height], [width], [channels]] x [before, after] */
  if (v[0] || v[1] || v[6] || v[7]) return -1;
  for (int i = 2; i < 6; ++i)
    if (v[i] < 0 || v[i] > 1024) return -1;
  pads[0] = (int)v[2]; /* top */
  pads[1] = (int)v[3]; /* bottom */
  pads[2] = (int)v[4]; /* left */
  pads[3] = (int)v[5]; /* right */
  return 0;
}

int tsp_builder_fuse_unary(tsp_builder* builder, int x_tensor, int out_tensor, tsp_vunary_fn fn,
                           const char* name) {
  tsp_plan* plan = builder->plan;
  const TfLiteIntArray* outputs = builder->params->output_tensors;
  for (int i = 0; i < outputs->size; ++i)
    if (outputs->data[i] == x_tensor) return 0;
  int x = -1;
  for (int i = 0; i < plan->num_values; ++i)
    if (plan->values[i].key == x_tensor) x = i;
  if (x < 0) return 0;
  for (int s = plan->num_steps - 1; s >= 0; --s) {
    tsp_step* step = &plan->steps[s];
    if (step->out != x) continue;
    if (!step->ops->fuse_unary || step->ops->fuse_unary(step, fn, name) != 0) return 0;
    int out = tsp_builder_output_chw(builder, out_tensor);
    if (out < 0) return 0;
    step = &plan->steps[s]; /* the value table may have grown, not the steps */
    step->out = out;
    return 1;
  }
  return 0;
}
