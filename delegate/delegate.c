/* Plugin entry points and the TFLite callbacks: claim nodes at Prepare, then
 * build (init), shape (prepare) and run (invoke) one plan per partition. */
#include "tflite_sparse/delegate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "delegate_state.h"
#include "partition.h"

#define kTfLiteBuiltinDelegate 51

static tsp_delegate* owner_of(TfLiteContext* context, const TfLiteDelegateParams* params) {
  return params && params->delegate ? (tsp_delegate*)params->delegate->data_ : NULL;
}

static int remember_plan(tsp_delegate* self, tsp_plan* plan) {
  if (self->num_plans == self->cap_plans) {
    int cap = self->cap_plans ? self->cap_plans * 2 : 4;
    tsp_plan** grown = realloc(self->plans, sizeof(*grown) * (size_t)cap);
    if (!grown) return -1;
    self->plans = grown;
    self->cap_plans = cap;
  }
  self->plans[self->num_plans++] = plan;
  return 0;
}

static void* partition_init(TfLiteContext* context, const char* buffer, size_t length) {
  const TfLiteDelegateParams* params = (const TfLiteDelegateParams*)buffer;
  tsp_delegate* self = owner_of(context, params);
  if (!self) return NULL;
  tsp_plan* plan =
      tsp_partition_build(context, params, self->graph, self->num_graph_nodes, &self->options);
  if (!plan) return NULL;
  plan->owner = self;
  if (remember_plan(self, plan) != 0) tsp_plan_fail(plan, "out of memory");
  return plan;
}

static void partition_free(TfLiteContext* context, void* buffer) {
  tsp_plan* plan = buffer;
  if (!plan) return;
  tsp_delegate* self = plan->owner;
  for (int i = 0; self && i < self->num_plans; ++i) {
    if (self->plans[i] != plan) continue;
    self->plans[i] = self->plans[--self->num_plans];
    break;
  }
  tsp_plan_release(plan);
  free(plan);
}

/* Threads: the num_threads option, else the interpreter's; one pool for
 * every partition, remade only when the count changes (never during an
 * invoke: TFLite prepares and invokes from one thread). A pool that cannot
 * be had means one thread, not a failure. */
static void size_pool(tsp_delegate* self, const TfLiteContext* context) {
  int threads = self->options.num_threads;
  if (threads <= 0) threads = context->recommended_num_threads;
  if (threads <= 0) threads = 1;
  if (threads > TSP_MAX_THREADS) threads = TSP_MAX_THREADS;
  if (self->pool && tsp_threadpool_threads(self->pool) == (size_t)threads) return;
  tsp_threadpool_destroy(self->pool);
  self->pool = threads > 1 ? tsp_threadpool_create((size_t)threads) : NULL;
}

static TfLiteStatus partition_prepare(TfLiteContext* context, TfLiteNode* node) {
  tsp_plan* plan = node->user_data;
  if (!plan) {
    context->ReportError(context, "tflite-sparse: out of memory building a partition");
    return kTfLiteError;
  }
  plan->context = context;
  if (plan->owner) size_pool(plan->owner, context);
  if (plan->error[0] || tsp_plan_prepare(plan) != kTfLiteOk) {
    context->ReportError(context, "tflite-sparse: %s", plan->error);
    return kTfLiteError;
  }
  return kTfLiteOk;
}

static TfLiteStatus partition_invoke(TfLiteContext* context, TfLiteNode* node) {
  tsp_plan* plan = node->user_data;
  if (!plan || plan->error[0]) return kTfLiteError;
  plan->context = context;
  plan->pool = plan->owner ? ((tsp_delegate*)plan->owner)->pool : NULL;
  return tsp_plan_invoke(plan);
}

static TfLiteStatus replace_claimed(TfLiteContext* context, tsp_delegate* self,
                                    const tsp_claim* claim, const tsp_graph* graph) {
  TfLiteRegistration registration;
  memset(&registration, 0, sizeof(registration));
  registration.init = partition_init;
  registration.free = partition_free;
  registration.prepare = partition_prepare;
  registration.invoke = partition_invoke;
  registration.builtin_code = kTfLiteBuiltinDelegate;
  registration.custom_name = "TfLiteSparseDelegate";
  registration.version = 1;
  self->graph = graph;
  self->num_graph_nodes = claim->num_graph_nodes;
  TfLiteStatus status = context->ReplaceNodeSubsetsWithDelegateKernels(
      context, registration, claim->nodes, &self->base);
  self->graph = NULL;
  return status;
}

static TfLiteStatus delegate_prepare(TfLiteContext* context, TfLiteDelegate* delegate) {
  tsp_delegate* self = delegate->data_;
  tsp_graph graph;
  if (tsp_graph_init(&graph, context) != kTfLiteOk) {
    context->ReportError(context, "tflite-sparse: cannot read the graph");
    return kTfLiteError;
  }
  tsp_claim claim;
  char why[320];
  if (tsp_claim_run(&graph, &self->options, &claim, why, sizeof(why)) != 0) {
    context->ReportError(context, "%s", why);
    tsp_graph_release(&graph);
    return kTfLiteError;
  }
  /* TFLite may cut a claimed run into several partitions: keep only those
   * that pay (claim.h). */
  tsp_claim_refine(&graph, self->options.cost_rule, &claim);
  TfLiteStatus status = kTfLiteOk;
  if (claim.nodes->size > 0) status = replace_claimed(context, self, &claim, &graph);
  tsp_claim_release(&claim);
  tsp_graph_release(&graph);
  return status;
}

TfLiteDelegate* tflite_plugin_create_delegate(const char* const* option_keys,
                                              const char* const* option_values, int num_options,
                                              void (*report_error)(const char* message)) {
  tsp_options options;
  char why[256];
  tsp_options_default(&options);
  for (int i = 0; i < num_options; ++i) {
    if (tsp_options_set(&options, option_keys[i], option_values[i], why, sizeof(why)) != 0) {
      if (report_error) report_error(why);
      return NULL;
    }
  }
  tsp_delegate* self = calloc(1, sizeof(*self));
  if (!self) {
    if (report_error) report_error("tflite-sparse: out of memory");
    return NULL;
  }
  self->options = options;
  self->base.data_ = self;
  self->base.Prepare = delegate_prepare;
  self->base.flags = kTfLiteDelegateFlagsAllowDynamicTensors;
  self->base.opaque_delegate_builder = NULL;
  return &self->base;
}

void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate) {
  if (!delegate) return;
  tsp_delegate* self = delegate->data_;
  /* Plans belong to the interpreter's nodes; detach them from us. */
  for (int i = 0; i < self->num_plans; ++i) {
    self->plans[i]->owner = NULL;
    self->plans[i]->pool = NULL;
  }
  free(self->plans);
  tsp_threadpool_destroy(self->pool);
  free(self);
}
