/* Int8 CONV_2D 1x1 stride 1 (TFLite's full-integer conv: int8 activations,
 * per-channel int8 weights, int32 bias) as int8 SpMM over CHW. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "ops/conv2d.h"
#include "ops/qs8_params.h"
#include "ops/weights.h"
#include "parallel.h"

typedef struct {
  tsp_qs8_spmm_packed packed;
  tsp_qs8_spmm_parts parts; /* output-group ranges for threads, remade per shape */
  tsp_qs8_spmm_fn kernel;
  size_t tile;
  tsp_qs8_output q;
  uint32_t out_channels, in_channels, block;
  double sparsity;
} qs8_conv_1x1;

static int read_quant(TfLiteContext* context, const TfLiteNode* node, const TfLiteTensor* weights,
                      int out_channels, tsp_qs8_conv_quant* cq) {
  const TfLiteConvParams* params = node->builtin_data;
  return tsp_qs8_conv_quant_read(context, node, params->activation, weights, 0, out_channels, cq);
}

int tsp_qs8_conv_1x1_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                           tsp_check* facts) {
  (void)node_index;
  TfLiteContext* context = ctx->graph->context;
  const TfLiteConvParams* params = node->builtin_data;
  if (!params || params->stride_width != 1 || params->stride_height != 1) return 0;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  int in = tsp_node_input(node, 0);
  if (!wd || in < 0 || node->outputs->size != 1) return 0;
  const TfLiteTensor* input = &context->tensors[in];
  if (!input->dims || input->dims->size != 4 || input->dims->data[3] != wd->data[3]) return 0;

  tsp_weight_source source;
  int found = tsp_weight_source_find(ctx->graph, tsp_node_input(node, 1), &source, facts->why,
                                     sizeof(facts->why));
  if (found != 0) return found < 0 ? -1 : 0;
  /* The scales live on the tensor the conv reads (DENSIFY's output). */
  const TfLiteTensor* weights = &context->tensors[tsp_node_input(node, 1)];
  if (tsp_weight_tensor(&source)->type != kTfLiteInt8) return 0;
  tsp_qs8_conv_quant cq;
  if (!read_quant(context, node, weights, wd->data[0], &cq)) return 0;

  double sparsity = tsp_weight_sparsity(&source);
  facts->sparse_conv = sparsity >= ctx->options->min_sparsity;
  facts->on_pixel = input->dims->data[1] * input->dims->data[2] <= 1;
  /* A dense int8 conv is XNNPACK's job; one inside a sparse body is claimed
   * only on a 1x1 map (squeeze-excitation), as for float32. */
  facts->se_only = !facts->sparse_conv && facts->on_pixel;
  if (!facts->sparse_conv && !facts->on_pixel) return 0;
  if (facts->sparse_conv) {
    double macs = (double)input->dims->data[1] * input->dims->data[2] * wd->data[0] * wd->data[3];
    facts->saved_ns = tsp_cost_qs8_sparse_conv_saving(
        macs, 1.0 - sparsity, tsp_weight_declared_block(&source), (int)ctx->options->isa);
  }
  facts->supported = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  qs8_conv_1x1* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if ((uint32_t)in->c != op->in_channels)
    return tsp_plan_fail(plan, "int8 1x1 conv (node %d) expects %u input channels, got %d",
                         step->node, op->in_channels, in->c);
  out->n = in->n;
  out->h = in->h;
  out->w = in->w;
  out->c = (int)op->out_channels;
  if (in->ld != op->packed.input_stride && tsp_qs8_spmm_restride(&op->packed, in->ld) != 0)
    return tsp_plan_fail(plan, "int8 1x1 conv (node %d): a %dx%d input is too large for the packed weights",
                         step->node, in->h, in->w);
  const size_t columns = (size_t)in->h * in->w;
  const double macs = (double)op->packed.nnz_blocks * op->block * (double)columns;
  step->flops = 2.0 * macs;
  /* Pieces from the shape alone (same bits for any thread count): column
   * tiles, and row ranges when there are few tiles (7x7 is one). */
  tsp_qs8_spmm_parts_release(&op->parts);
  const uint32_t groups = op->packed.view.full_groups + op->packed.view.tail_rows;
  const size_t parts = tsp_spmm_parts_cap(tsp_spmm_parts_for(columns, op->tile, groups), macs);
  if (tsp_qs8_spmm_parts_make(&op->packed, parts, &op->parts))
    return tsp_plan_fail(plan, "out of memory preparing int8 1x1 conv (node %d)", step->node);
  return kTfLiteOk;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const qs8_conv_1x1* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  const size_t columns = (size_t)in->h * in->w;
  for (int b = 0; b < in->n; ++b)
    tsp_parallel_qs8_spmm(plan->pool, op->kernel, op->tile, &op->parts, columns,
                          tsp_value_chw_i8(plan, in, b), tsp_value_chw_i8(plan, out, b), out->ld,
                          &op->q);
}

static void release(void* data) {
  qs8_conv_1x1* op = data;
  if (!op) return;
  tsp_qs8_spmm_parts_release(&op->parts);
  tsp_qs8_spmm_release(&op->packed);
  free(op);
}

static void describe(const tsp_step* step, char* buffer, size_t size) {
  const qs8_conv_1x1* op = step->data;
  snprintf(buffer, size,
           ",\"in_channels\":%u,\"out_channels\":%u,\"sparsity\":%.4f,\"block\":%u,"
           "\"nnz_blocks\":%zu,\"tile\":%zu,\"parts\":%zu,\"dtype\":\"int8\"",
           op->in_channels, op->out_channels, op->sparsity, op->block, op->packed.nnz_blocks,
           op->tile, op->parts.count);
}

static const tsp_step_ops kQs8Conv1x1Step = {
    .kind = "qs8_spmm", .reshape = reshape, .run = run, .release = release, .describe = describe};

TfLiteStatus tsp_qs8_conv_1x1_build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  tsp_plan* plan = builder->plan;
  TfLiteContext* context = builder->context;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  tsp_weight_source source;
  char why[200];
  if (tsp_weight_source_find(builder->graph, tsp_node_input(node, 1), &source, why, sizeof(why)))
    return tsp_plan_fail(plan, "int8 1x1 conv (node %d): weights are not a constant", node_index);
  tsp_qs8_conv_quant cq;
  int32_t *mult = NULL, *shift = NULL;
  if (!read_quant(context, node, &context->tensors[tsp_node_input(node, 1)], wd->data[0], &cq) ||
      tsp_qs8_conv_multipliers(&cq, wd->data[0], &mult, &shift) != 0)
    return tsp_plan_fail(plan, "int8 1x1 conv (node %d): quantization changed since the claim",
                         node_index);
  qs8_conv_1x1* op = calloc(1, sizeof(*op));
  int8_t* dense = tsp_weight_dense(&source);
  int packed = -1;
  if (op && dense) {
    op->out_channels = (uint32_t)wd->data[0];
    op->in_channels = (uint32_t)wd->data[3];
    op->sparsity = tsp_weight_sparsity(&source);
    op->block = tsp_weight_choose_block(&source, dense, op->out_channels, op->in_channels);
    op->q = cq.q;
    /* Packed for a stride of 1 byte; reshape restrides for the real one. */
    packed = tsp_qs8_spmm_pack(dense, cq.bias, mult, shift, cq.in_zp, op->out_channels,
                               op->in_channels, op->block, 1, &op->packed);
  }
  free(dense);
  free(mult);
  free(shift);
  if (packed != 0) {
    free(op);
    return tsp_plan_fail(plan, "out of memory packing int8 1x1 conv (node %d)", node_index);
  }
  const int b = op->block == 4 ? 2 : op->block == 2 ? 1 : 0;
  op->kernel = plan->kernels->qs8_spmm[b];
  op->tile = plan->kernels->qs8_spmm_tile[b];

  int in = tsp_builder_input_chw(builder, tsp_node_input(node, 0));
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0 ||
      !tsp_plan_add_step(plan, node_index, "CONV_2D", &kQs8Conv1x1Step, in, out, op)) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building int8 1x1 conv (node %d)", node_index);
  }
  return kTfLiteOk;
}
