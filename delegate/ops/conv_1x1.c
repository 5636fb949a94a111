/* CONV_2D 1x1 stride 1 as SpMM over CHW: output[co] = W[co] . input + bias. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "ops/conv2d.h"
#include "ops/weights.h"
#include "parallel.h"

struct tsp_conv_1x1 {
  tsp_spmm_packed packed;
  tsp_spmm_parts parts; /* output-group ranges for threads, remade per shape */
  tsp_spmm_fn kernel;
  tsp_minmax clamp;
  uint32_t out_channels, in_channels;
  uint32_t block;
  size_t tile;
  double sparsity;
  tsp_vunary_fn post; /* fused element-wise op on the output (swish...), or NULL */
  const char* post_name;
  size_t band_min_bytes; /* 0, or banding offered: band when the output is larger */
  int banded;
};
typedef struct tsp_conv_1x1 conv_1x1;

int tsp_conv_1x1_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                       tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  const TfLiteConvParams* params = node->builtin_data;
  tsp_minmax clamp;
  if (!params || params->stride_width != 1 || params->stride_height != 1) return 0;
  if (tsp_activation_clamp(params->activation, &clamp) != 0) return 0;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  int in = tsp_node_input(node, 0);
  if (!wd || in < 0 || node->outputs->size != 1) return 0;
  const TfLiteTensor* input = &context->tensors[in];
  if (!tsp_tensor_is_f32_rank(input, 4) || input->dims->data[3] != wd->data[3]) return 0;
  if (!tsp_tensor_is_f32_rank(&context->tensors[node->outputs->data[0]], 4)) return 0;
  const float* bias;
  if (tsp_conv_bias(context, node, wd->data[0], &bias) != 0) return 0;

  tsp_weight_source source;
  int found = tsp_weight_source_find(ctx->graph, tsp_node_input(node, 1), &source, facts->why,
                                     sizeof(facts->why));
  if (found != 0) return found < 0 ? -1 : 0;
  if (tsp_weight_tensor(&source)->type != kTfLiteFloat32) return 0;
  double sparsity = tsp_weight_sparsity(&source);
  facts->sparse_conv = sparsity >= ctx->options->min_sparsity;
  /* A dense 1x1 conv on a single pixel is a GEMV: a classifier stays with
   * TFLite, a squeeze-excitation conv is claimed to keep the body whole
   * (claim.c decides which is which). */
  facts->on_pixel = input->dims->data[1] * input->dims->data[2] <= 1;
  facts->se_only = !facts->sparse_conv && facts->on_pixel;
  if (facts->sparse_conv) {
    double macs = (double)input->dims->data[1] * input->dims->data[2] * wd->data[0] * wd->data[3];
    facts->saved_ns = tsp_cost_sparse_conv_saving(macs, 1.0 - sparsity,
                                                  tsp_weight_declared_block(&source));
  }
  facts->supported = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  conv_1x1* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if ((uint32_t)in->c != op->in_channels)
    return tsp_plan_fail(plan, "1x1 conv (node %d) expects %u input channels, got %d", step->node,
                         op->in_channels, in->c);
  out->n = in->n;
  out->h = in->h;
  out->w = in->w;
  out->c = (int)op->out_channels;
  size_t stride = in->ld * sizeof(float); /* the input's ld is set: its producer ran first */
  if (stride != op->packed.input_stride && tsp_spmm_restride(&op->packed, stride) != 0)
    return tsp_plan_fail(plan, "1x1 conv (node %d): a %dx%d input is too large for the packed weights",
                         step->node, in->h, in->w);
  tsp_spmm_parts_release(&op->parts);
  const uint32_t groups = op->packed.view.full_groups + op->packed.view.tail_rows;
  if (tsp_spmm_parts_make(&op->packed, tsp_spmm_parts_for(in->ld, op->tile, groups), &op->parts))
    return tsp_plan_fail(plan, "out of memory preparing 1x1 conv (node %d)", step->node);
  step->flops = 2.0 * (double)op->packed.nnz_blocks * op->block * in->h * in->w;
  size_t out_bytes = sizeof(float) * (size_t)out->h * out->w * op->out_channels;
  /* Banded: the depthwise step computes it band by band, never whole. */
  op->banded = op->band_min_bytes && out_bytes > op->band_min_bytes;
  out->chw = !op->banded;
  return kTfLiteOk;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const conv_1x1* op = step->data;
  if (op->banded) return;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  /* A fused op (swish) runs on each piece of the SpMM while it is in L1. */
  for (int b = 0; b < in->n; ++b)
    tsp_parallel_spmm(plan->pool, op->kernel, op->tile, &op->parts, in->ld,
                      tsp_value_chw(plan, in, b), tsp_value_chw(plan, out, b),
                      out->ld * sizeof(float), &op->clamp, op->post);
}

void tsp_conv_1x1_columns(const conv_1x1* op, const float* input, size_t j0, size_t nc,
                          float* output, size_t out_ld) {
  static const tsp_minmax kNone = {-__builtin_inff(), __builtin_inff()};
  op->kernel(nc, &op->packed.view, input + j0, output, out_ld * sizeof(float), &op->clamp);
  for (uint32_t co = 0; op->post && co < op->out_channels; ++co)
    op->post(nc, output + co * out_ld, output + co * out_ld, &kNone);
}

void tsp_conv_1x1_offer_banding(conv_1x1* op, size_t min_bytes) { op->band_min_bytes = min_bytes; }

int tsp_conv_1x1_wants_band(const conv_1x1* op) { return op->banded; }

static int fuse_unary(tsp_step* step, tsp_vunary_fn fn, const char* name) {
  conv_1x1* op = step->data;
  if (op->post) return -1;
  op->post = fn;
  op->post_name = name;
  return 0;
}

static void release(void* data) {
  conv_1x1* op = data;
  if (!op) return;
  tsp_spmm_parts_release(&op->parts);
  tsp_spmm_release(&op->packed);
  free(op);
}

static void describe(const tsp_step* step, char* buffer, size_t size) {
  const conv_1x1* op = step->data;
  snprintf(buffer, size,
           ",\"in_channels\":%u,\"out_channels\":%u,\"sparsity\":%.4f,\"block\":%u,"
           "\"nnz_blocks\":%zu,\"tile\":%zu",
           op->in_channels, op->out_channels, op->sparsity, op->block, op->packed.nnz_blocks,
           op->tile);
  size_t used = strlen(buffer);
  if (op->post) used += (size_t)snprintf(buffer + used, size - used, ",\"post\":\"%s\"", op->post_name);
  if (op->banded && used < size) snprintf(buffer + used, size - used, ",\"banded\":1");
}

static const tsp_step_ops kConv1x1Step;

tsp_conv_1x1* tsp_conv_1x1_of(const tsp_step* step) {
  return step->ops == &kConv1x1Step ? step->data : NULL;
}

static const tsp_step_ops kConv1x1Step = {
    .kind = "spmm", .reshape = reshape, .run = run, .release = release, .describe = describe,
    .fuse_unary = fuse_unary};

TfLiteStatus tsp_conv_1x1_build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  tsp_plan* plan = builder->plan;
  TfLiteContext* context = builder->context;
  const TfLiteConvParams* params = node->builtin_data;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  tsp_weight_source source;
  char why[200];
  if (tsp_weight_source_find(builder->graph, tsp_node_input(node, 1), &source, why, sizeof(why)))
    return tsp_plan_fail(plan, "1x1 conv (node %d): weights are not a constant", node_index);
  const float* bias;
  tsp_conv_bias(context, node, wd->data[0], &bias);

  conv_1x1* op = calloc(1, sizeof(*op));
  float* dense = tsp_weight_dense(&source);
  if (!op || !dense) {
    free(op);
    free(dense);
    return tsp_plan_fail(plan, "out of memory building 1x1 conv (node %d)", node_index);
  }
  op->out_channels = (uint32_t)wd->data[0];
  op->in_channels = (uint32_t)wd->data[3];
  op->sparsity = tsp_weight_sparsity(&source);
  op->block = tsp_weight_choose_block(&source, dense, op->out_channels, op->in_channels);
  tsp_activation_clamp(params->activation, &op->clamp);
  int packed = tsp_spmm_pack(dense, bias, op->out_channels, op->in_channels, op->block,
                             sizeof(float), &op->packed);
  free(dense);
  if (packed != 0) {
    free(op);
    return tsp_plan_fail(plan, "out of memory packing 1x1 conv (node %d)", node_index);
  }
  op->kernel = tsp_spmm_select(plan->kernels, op->block, op->in_channels);
  op->tile = tsp_spmm_tile_of(plan->kernels, op->block, op->kernel);

  int in = tsp_builder_input_chw(builder, tsp_node_input(node, 0));
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0 || !tsp_plan_add_step(plan, node_index, "CONV_2D", &kConv1x1Step, in, out, op)) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building 1x1 conv (node %d)", node_index);
  }
  return kTfLiteOk;
}
