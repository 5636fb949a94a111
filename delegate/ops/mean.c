/* MEAN over H and W (global average pooling), keep_dims or not. Its output is
 * one value per channel, which is the same in CHW and NHWC. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernels/gavgpool/qs8_gavgpool.h"
#include "ops/ops.h"
#include "ops/qs8_params.h"
#include "parallel.h"

/* Axes tensor is a constant {1, 2} (any order, negative forms allowed). */
static int reduces_height_and_width(TfLiteContext* context, int axes_index) {
  if (axes_index < 0) return 0;
  const TfLiteTensor* axes = &context->tensors[axes_index];
  if (!tsp_tensor_is_constant(axes) || tsp_tensor_elements(axes) != 2) return 0;
  int seen = 0;
  for (int i = 0; i < 2; ++i) {
    int64_t a = axes->type == kTfLiteInt32   ? axes->data.i32[i]
                : axes->type == kTfLiteInt64 ? ((const int64_t*)axes->data.raw)[i]
                                             : -99;
    if (a < 0) a += 4;
    if (a != 1 && a != 2) return 0;
    seen |= 1 << a;
  }
  return seen == 6;
}

/* ---- int8: TFLite's int8 MEAN, whose formula depends on keep_dims (see
 * kernels/gavgpool/qs8_gavgpool.h) ---- */
typedef struct {
  float in_scale, out_scale;
  int32_t in_zp, out_zp;
  int keep_dims;
  struct tsp_qs8_gavgpool_params params; /* for the current spatial size */
} qs8_mean;

static int read_qs8(TfLiteContext* context, const TfLiteNode* node, qs8_mean* m) {
  const TfLiteReducerParams* params = node->builtin_data;
  if (!params || !tsp_qs8_activation(&context->tensors[tsp_node_input(node, 0)], 4, &m->in_scale,
                                     &m->in_zp))
    return 0;
  if (!tsp_qs8_activation(&context->tensors[node->outputs->data[0]], 0, &m->out_scale, &m->out_zp))
    return 0;
  m->keep_dims = params->keep_dims ? 1 : 0;
  return 1;
}

static int qs8_params(qs8_mean* m, size_t spatial) {
  return m->keep_dims ? tsp_qs8_gavgpool_params_init(m->in_scale, m->in_zp, m->out_scale,
                                                     m->out_zp, spatial, &m->params)
                      : tsp_qs8_gavgpool_params_init_no_keep_dims(
                            m->in_scale, m->in_zp, m->out_scale, m->out_zp, spatial, &m->params);
}

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  if (node->outputs->size != 1) return 0;
  if (input->type == kTfLiteInt8) {
    const tsp_kernel_table* table = tsp_kernels(ctx->options->isa);
    qs8_mean m;
    if (!table || !table->qs8_gavgpool || !read_qs8(context, node, &m)) return 0;
    if (!input->dims || input->dims->size != 4) return 0;
    if (!reduces_height_and_width(context, tsp_node_input(node, 1))) return 0;
    if (qs8_params(&m, (size_t)input->dims->data[1] * (size_t)input->dims->data[2]) != 0) return 0;
    facts->supported = 1;
    return 0;
  }
  if (!tsp_tensor_is_f32_rank(input, 4)) return 0;
  if (!reduces_height_and_width(context, tsp_node_input(node, 1))) return 0;
  const TfLiteTensor* output = &context->tensors[node->outputs->data[0]];
  if (output->type != kTfLiteFloat32 || !output->dims ||
      (output->dims->size != 4 && output->dims->size != 2))
    return 0;
  facts->supported = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  out->n = in->n;
  out->h = out->w = 1;
  out->c = in->c;
  step->flops = (double)in->c * in->h * in->w;
  return kTfLiteOk;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  for (int b = 0; b < in->n; ++b)
    tsp_parallel_gavgpool(plan->pool, plan->kernels->gavgpool, (size_t)in->h * in->w,
                          (size_t)in->c, tsp_value_chw(plan, in, b), in->ld,
                          tsp_value_chw(plan, out, b));
}

static const tsp_step_ops kMeanStep = {.kind = "gavgpool_chw", .reshape = reshape, .run = run};

static TfLiteStatus reshape_qs8(tsp_plan* plan, tsp_step* step) {
  reshape(plan, step);
  const tsp_value* in = &plan->values[step->in];
  if (qs8_params(step->data, (size_t)in->h * in->w) != 0)
    return tsp_plan_fail(plan, "int8 mean (node %d): %dx%d is beyond what it matches TFLite on",
                         step->node, in->h, in->w);
  return kTfLiteOk;
}

/* One call over all channels: TFLite's keep_dims kernel rounds channels in
 * whole blocks of 16 differently from its tail, and the kernel reproduces
 * that for the channels of one call. */
static void run_qs8(tsp_plan* plan, const tsp_step* step) {
  const qs8_mean* m = step->data;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  for (int b = 0; b < in->n; ++b)
    plan->kernels->qs8_gavgpool((size_t)in->h * in->w, (size_t)in->c, tsp_value_chw_i8(plan, in, b),
                                in->ld, &m->params, tsp_value_chw_i8(plan, out, b));
}

static void describe_qs8(const tsp_step* step, char* buffer, size_t size) {
  const qs8_mean* m = step->data;
  snprintf(buffer, size, ",\"keep_dims\":%d,\"dtype\":\"int8\"", m->keep_dims);
}

static const tsp_step_ops kQs8MeanStep = {.kind = "qs8_gavgpool_chw",
                                          .reshape = reshape_qs8,
                                          .run = run_qs8,
                                          .release = free,
                                          .describe = describe_qs8};

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  const tsp_step_ops* ops = &kMeanStep;
  qs8_mean* m = NULL;
  if (builder->context->tensors[tsp_node_input(node, 0)].type == kTfLiteInt8) {
    m = calloc(1, sizeof(*m));
    if (!m || !read_qs8(builder->context, node, m)) {
      free(m);
      return tsp_plan_fail(builder->plan, "int8 mean (node %d): cannot read its quantization",
                           node_index);
    }
    ops = &kQs8MeanStep;
  }
  int in = tsp_builder_input_chw(builder, tsp_node_input(node, 0));
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0 || !tsp_plan_add_step(builder->plan, node_index, "MEAN", ops, in, out, m)) {
    free(m);
    return tsp_plan_fail(builder->plan, "out of memory building mean (node %d)", node_index);
  }
  return kTfLiteOk;
}

const tsp_op tsp_op_mean = {
    .builtin_code = kTfLiteBuiltinMean, .name = "MEAN", .check = check, .build = build};
