#include "claim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "ops/ops.h"

typedef struct {
  const tsp_graph* graph;
  TfLiteIntArray* plan; /* copy of the execution plan */
  int num_nodes;
  tsp_check* facts;
  int* code;
  char* candidate;
} claim_state;

static TfLiteNode* node_at(const claim_state* s, int n) {
  return tsp_graph_node(s->graph, n, NULL);
}

/* Every reader of `tensor` is a candidate that takes it as input `slot` and,
 * for PAD, can fold it. */
static int readers_accept(const claim_state* s, int tensor, int slot, int want_code,
                          int need_fold) {
  if (s->graph->consumer_count[tensor] == 0) return 0;
  for (int i = 0; i < s->plan->size; ++i) {
    int m = s->plan->data[i];
    TfLiteNode* node = node_at(s, m);
    for (int k = 0; node && k < node->inputs->size; ++k) {
      if (node->inputs->data[k] != tensor) continue;
      if (!s->candidate[m] || k != slot) return 0;
      if (want_code >= 0 && s->code[m] != want_code) return 0;
      if (need_fold && !s->facts[m].folds_producer_pad) return 0;
    }
  }
  return 1;
}

/* Every reader of every output of node n is a candidate (and there is one). */
static int all_readers_candidates(const claim_state* s, TfLiteNode* node) {
  for (int o = 0; o < node->outputs->size; ++o) {
    int tensor = node->outputs->data[o];
    if (tensor < 0 || s->graph->consumer_count[tensor] == 0) return 0;
    for (int i = 0; i < s->plan->size; ++i) {
      int m = s->plan->data[i];
      TfLiteNode* reader = node_at(s, m);
      for (int k = 0; reader && k < reader->inputs->size; ++k)
        if (reader->inputs->data[k] == tensor && !s->candidate[m]) return 0;
    }
  }
  return 1;
}

/* A node whose output feeds the first conv (a Rescaling stem's MUL) would
 * make that conv read from inside the partition, where it cannot: such a
 * node stays with TFLite. PAD is the exception: the conv folds it. */
static int feeds_nhwc_reader(const claim_state* s, TfLiteNode* node, int through_pad) {
  int tensor = node->outputs->size > 0 ? node->outputs->data[0] : -1;
  for (int i = 0; tensor >= 0 && i < s->plan->size; ++i) {
    int m = s->plan->data[i];
    TfLiteNode* reader = node_at(s, m);
    if (!reader || !s->candidate[m] || tsp_node_input(reader, 0) != tensor) continue;
    if (s->facts[m].reads_nhwc) return 1;
    /* through a PAD the first conv folds */
    if (through_pad && s->code[m] == kTfLiteBuiltinPad && feeds_nhwc_reader(s, reader, 0))
      return 1;
  }
  return 0;
}

/* The first conv reads NHWC: its input (behind a folded PAD) must come from
 * outside the delegate. */
static int nhwc_input_is_external(const claim_state* s, TfLiteNode* node) {
  int t = tsp_node_input(node, 0);
  int p = s->graph->producer[t];
  if (p >= 0 && s->candidate[p] && s->code[p] == kTfLiteBuiltinPad) {
    t = tsp_node_input(node_at(s, p), 0);
    p = s->graph->producer[t];
  }
  return p < 0 || !s->candidate[p];
}

static int still_claimable(const claim_state* s, int n) {
  TfLiteNode* node = node_at(s, n);
  if (s->code[n] == kTfLiteBuiltinPad)
    return readers_accept(s, node->outputs->data[0], 0, -1, 1);
  if (s->code[n] == kTfLiteBuiltinDensify)
    return readers_accept(s, node->outputs->data[0], 1, kTfLiteBuiltinConv2d, 0);
  if (s->facts[n].reads_nhwc && !nhwc_input_is_external(s, node)) return 0;
  if (s->facts[n].only_internal_readers && !all_readers_candidates(s, node)) return 0;
  if (s->code[n] != kTfLiteBuiltinPad && feeds_nhwc_reader(s, node, 1)) return 0;
  return 1;
}

/* Squeeze-excitation: a dense 1x1 conv on a 1x1 map is claimed only when its
 * result flows, through other 1x1-map nodes, into the scale of a per-channel
 * MUL. A classifier or a head conv after the global pool stays with TFLite
 * (its GEMV is XNNPACK's job). Walks the plan backwards once. */
static int drop_dense_pixel_convs_outside_se(claim_state* s) {
  int num_tensors = s->graph->num_tensors;
  char* feeds = calloc((size_t)num_tensors + 1, 1);
  if (!feeds) return 0;
  int changed = 0;
  for (int i = s->plan->size - 1; i >= 0; --i) {
    int n = s->plan->data[i];
    TfLiteNode* node = s->candidate[n] ? node_at(s, n) : NULL;
    if (!node) continue;
    if (s->facts[n].scale_tensor >= 0) feeds[s->facts[n].scale_tensor] = 1;
    int out = node->outputs->size > 0 ? node->outputs->data[0] : -1;
    int out_feeds = out >= 0 && out < num_tensors && feeds[out];
    if (s->facts[n].se_only && !out_feeds) {
      s->candidate[n] = 0;
      changed = 1;
      continue;
    }
    if (!s->facts[n].on_pixel || !out_feeds) continue;
    for (int k = 0; k < node->inputs->size; ++k) {
      int t = node->inputs->data[k];
      if (t >= 0 && t < num_tensors) feeds[t] = 1;
    }
  }
  free(feeds);
  return changed;
}

static int find_root(int* parent, int x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

static int check_nodes(claim_state* s, const tsp_options* options, char* why, size_t size) {
  tsp_check_context ctx = {.graph = s->graph, .options = options};
  for (int i = 0; i < s->plan->size; ++i) {
    int n = s->plan->data[i];
    TfLiteRegistration* reg = NULL;
    TfLiteNode* node = tsp_graph_node(s->graph, n, &reg);
    if (!node) continue;
    s->code[n] = reg->builtin_code;
    const tsp_op* op = tsp_find_op(reg->builtin_code);
    if (!op) continue;
    s->facts[n].scale_tensor = -1;
    if (op->check(&ctx, n, node, &s->facts[n]) < 0) {
      snprintf(why, size, "tflite-sparse: node %d (%s): %s", n, op->name, s->facts[n].why);
      return -1;
    }
    s->candidate[n] = (char)s->facts[n].supported;
  }
  return 0;
}

/* Keeps the connected components (through tensors) that hold a sparse conv. */
static int keep_sparse_components(claim_state* s, tsp_claim* claim) {
  int* parent = malloc(sizeof(int) * (size_t)s->num_nodes);
  char* has_sparse = calloc((size_t)s->num_nodes, 1);
  if (!parent || !has_sparse) {
    free(parent);
    free(has_sparse);
    return -1;
  }
  for (int n = 0; n < s->num_nodes; ++n) parent[n] = n;
  for (int i = 0; i < s->plan->size; ++i) {
    int n = s->plan->data[i];
    TfLiteNode* node = s->candidate[n] ? node_at(s, n) : NULL;
    for (int k = 0; node && k < node->inputs->size; ++k) {
      int t = node->inputs->data[k];
      int p = t >= 0 ? s->graph->producer[t] : -1;
      if (p >= 0 && s->candidate[p]) parent[find_root(parent, n)] = find_root(parent, p);
    }
  }
  for (int n = 0; n < s->num_nodes; ++n)
    if (s->candidate[n] && s->facts[n].sparse_conv) has_sparse[find_root(parent, n)] = 1;
  int count = 0;
  for (int n = 0; n < s->num_nodes; ++n) {
    int keep = s->candidate[n] && has_sparse[find_root(parent, n)];
    if (keep) claim->nodes->data[count++] = n;
    claim->sparse[n] = (char)(keep && s->facts[n].sparse_conv);
    claim->reads_nhwc[n] = (char)s->facts[n].reads_nhwc;
    claim->no_export[n] = (char)(s->code[n] == kTfLiteBuiltinDensify || s->facts[n].only_internal_readers);
    claim->saved_ns[n] = keep ? s->facts[n].saved_ns : 0.0;
  }
  claim->nodes->size = count;
  free(parent);
  free(has_sparse);
  return 0;
}

static TfLiteIntArray* copy_plan(TfLiteContext* context, int* num_nodes) {
  TfLiteIntArray* plan = NULL;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk) return NULL;
  TfLiteIntArray* copy = malloc(sizeof(TfLiteIntArray) + sizeof(int) * (size_t)(plan->size + 1));
  if (!copy) return NULL;
  copy->size = plan->size;
  *num_nodes = 1;
  for (int i = 0; i < plan->size; ++i) {
    copy->data[i] = plan->data[i];
    if (plan->data[i] + 1 > *num_nodes) *num_nodes = plan->data[i] + 1;
  }
  return copy;
}

int tsp_claim_run(const tsp_graph* graph, const tsp_options* options, tsp_claim* claim,
                  char* why, size_t why_size) {
  claim_state s = {.graph = graph};
  memset(claim, 0, sizeof(*claim));
  s.plan = copy_plan(graph->context, &s.num_nodes);
  int status = -1;
  if (!s.plan) goto out;
  s.facts = calloc((size_t)s.num_nodes, sizeof(tsp_check));
  s.code = malloc(sizeof(int) * (size_t)s.num_nodes);
  s.candidate = calloc((size_t)s.num_nodes, 1);
  claim->nodes = malloc(sizeof(TfLiteIntArray) + sizeof(int) * (size_t)s.num_nodes);
  claim->sparse = calloc((size_t)s.num_nodes, 1);
  claim->reads_nhwc = calloc((size_t)s.num_nodes, 1);
  claim->no_export = calloc((size_t)s.num_nodes, 1);
  claim->saved_ns = calloc((size_t)s.num_nodes, sizeof(double));
  claim->num_graph_nodes = s.num_nodes;
  if (!s.facts || !s.code || !s.candidate || !claim->nodes || !claim->sparse ||
      !claim->reads_nhwc || !claim->no_export || !claim->saved_ns)
    goto out;
  for (int n = 0; n < s.num_nodes; ++n) s.code[n] = -1;
  if (check_nodes(&s, options, why, why_size) != 0) goto done;
  for (int changed = 1; changed;) {
    changed = drop_dense_pixel_convs_outside_se(&s);
    for (int i = 0; i < s.plan->size; ++i) {
      int n = s.plan->data[i];
      if (s.candidate[n] && !still_claimable(&s, n)) s.candidate[n] = 0, changed = 1;
    }
  }
  if (keep_sparse_components(&s, claim) != 0) goto out;
  status = 0;
  goto done;
out:
  snprintf(why, why_size, "tflite-sparse: out of memory while choosing nodes");
done:
  free(s.plan);
  free(s.facts);
  free(s.code);
  free(s.candidate);
  if (status != 0) tsp_claim_release(claim);
  return status;
}

static int in_list(const TfLiteIntArray* list, int x) {
  for (int i = 0; i < list->size; ++i)
    if (list->data[i] == x) return 1;
  return 0;
}

static int node_code(const tsp_graph* graph, int n) {
  TfLiteRegistration* reg = NULL;
  return tsp_graph_node(graph, n, &reg) ? reg->builtin_code : -1;
}

/* Whether the partition's readers of `tensor` all read it in NHWC (the first
 * conv, possibly behind a folded PAD): then it enters without a transpose. */
static int read_only_as_nhwc(const tsp_graph* graph, const tsp_claim* claim,
                             const TfLiteIntArray* nodes, int tensor, int depth) {
  int readers = 0;
  for (int i = 0; i < nodes->size; ++i) {
    int n = nodes->data[i];
    TfLiteNode* node = tsp_graph_node(graph, n, NULL);
    if (!node || !in_list(node->inputs, tensor)) continue;
    readers++;
    if (claim->reads_nhwc[n]) continue;
    if (depth == 0 && node_code(graph, n) == kTfLiteBuiltinPad &&
        read_only_as_nhwc(graph, claim, nodes, node->outputs->data[0], 1))
      continue;
    return 0;
  }
  return readers > 0;
}

/* Elements per image of an activation that needs a transpose at the edge:
 * float32 or int8 NHWC with more than one pixel, not a constant. */
static double edge_elements(const tsp_graph* graph, int tensor) {
  const TfLiteTensor* t = &graph->context->tensors[tensor];
  if (t->type != kTfLiteFloat32 && t->type != kTfLiteInt8) return 0.0;
  if (!t->dims || t->dims->size != 4 || tsp_tensor_is_constant(t)) return 0.0;
  const int* d = t->dims->data;
  if ((double)d[1] * d[2] <= 1.0 || d[0] <= 0) return 0.0;
  int p = graph->producer[tensor];
  if (p >= 0 && node_code(graph, p) == kTfLiteBuiltinDensify) return 0.0;
  return (double)d[1] * d[2] * d[3];
}

/* The cost rule of cost.h for one previewed partition. */
static int partition_pays(const tsp_graph* graph, const tsp_claim* claim,
                          const TfLiteDelegateParams* p) {
  double saved = 0.0, layout = TSP_COST_PARTITION_NS;
  for (int i = 0; i < p->nodes_to_replace->size; ++i) saved += claim->saved_ns[p->nodes_to_replace->data[i]];
  for (int i = 0; i < p->input_tensors->size; ++i) {
    int t = p->input_tensors->data[i];
    if (!read_only_as_nhwc(graph, claim, p->nodes_to_replace, t, 0))
      layout += tsp_cost_layout(edge_elements(graph, t));
  }
  for (int i = 0; i < p->output_tensors->size; ++i)
    layout += tsp_cost_layout(edge_elements(graph, p->output_tensors->data[i]));
  return saved > layout;
}

/* Marks in `drop` what one partition loses; returns 1 when anything. */
static int judge_partition(const tsp_graph* graph, int cost_rule, const tsp_claim* claim,
                           const TfLiteDelegateParams* p, char* drop) {
  const TfLiteIntArray* nodes = p->nodes_to_replace;
  int sparse = 0, dropped = 0;
  for (int i = 0; i < nodes->size; ++i) sparse |= claim->sparse[nodes->data[i]];
  if (!sparse || (cost_rule && !partition_pays(graph, claim, p))) {
    for (int i = 0; i < nodes->size; ++i) drop[nodes->data[i]] = 1;
    return 1;
  }
  for (int i = 0; i < nodes->size; ++i) {
    int n = nodes->data[i];
    TfLiteNode* node = tsp_graph_node(graph, n, NULL);
    for (int o = 0; node && claim->no_export[n] && o < node->outputs->size; ++o)
      if (in_list(p->output_tensors, node->outputs->data[o])) drop[n] = 1, dropped = 1;
  }
  return dropped;
}

static int refine_round(const tsp_graph* graph, int cost_rule, tsp_claim* claim) {
  TfLiteContext* context = graph->context;
  if (!context->PreviewDelegatePartitioning || claim->nodes->size == 0) return 0;
  TfLiteDelegateParams* partitions = NULL;
  int count = 0;
  if (context->PreviewDelegatePartitioning(context, claim->nodes, &partitions, &count) !=
      kTfLiteOk)
    return 0;
  char* drop = calloc((size_t)claim->num_graph_nodes, 1);
  if (!drop) return 0;
  int dropped = 0;
  for (int p = 0; p < count; ++p) dropped |= judge_partition(graph, cost_rule, claim, &partitions[p], drop);
  int kept = 0;
  for (int i = 0; i < claim->nodes->size; ++i)
    if (!drop[claim->nodes->data[i]]) claim->nodes->data[kept++] = claim->nodes->data[i];
  claim->nodes->size = kept;
  free(drop);
  return dropped;
}

void tsp_claim_refine(const tsp_graph* graph, int cost_rule, tsp_claim* claim) {
  /* Each round only removes nodes, so this ends; the bound is a safeguard. */
  for (int round = 0; round < 64 && refine_round(graph, cost_rule, claim); ++round) {
  }
}

void tsp_claim_release(tsp_claim* claim) {
  free(claim->nodes);
  free(claim->sparse);
  free(claim->reads_nhwc);
  free(claim->no_export);
  free(claim->saved_ns);
  memset(claim, 0, sizeof(*claim));
}
