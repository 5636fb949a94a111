/* The int8 first convolution: CONV_2D 3x3 stride 2 over 3 int8 channels,
 * reading the partition's NHWC input (TFLite's QUANTIZE output, or an int8
 * model input) and writing CHW. */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/conv/qs8_conv_hwc2chw_pack.h"
#include "ops/conv2d.h"
#include "ops/padding.h"
#include "ops/qs8_params.h"
#include "parallel.h"

typedef struct {
  struct tsp_qs8_conv_hwc2chw_weights packed;
  tsp_qs8_conv_hwc2chw_fn kernel;
  tsp_qs8_output q;
  tsp_window window;
  int out_channels;
  int pad_top, pad_left;
} qs8_conv_first;

static int read_quant(TfLiteContext* context, const TfLiteNode* node, int out_channels,
                      tsp_qs8_conv_quant* cq) {
  const TfLiteConvParams* params = node->builtin_data;
  return tsp_qs8_conv_quant_read(context, node, params->activation,
                                 &context->tensors[tsp_node_input(node, 1)], 0, out_channels, cq);
}

int tsp_qs8_conv_hwc2chw_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                               tsp_check* facts) {
  (void)node_index;
  TfLiteContext* context = ctx->graph->context;
  const TfLiteConvParams* params = node->builtin_data;
  if (!params || params->stride_width != 2 || params->stride_height != 2) return 0;
  if (params->dilation_width_factor != 1 || params->dilation_height_factor != 1) return 0;
  if (params->padding != kTfLitePaddingSame && params->padding != kTfLitePaddingValid) return 0;
  const tsp_kernel_table* table = tsp_kernels(ctx->options->isa);
  if (!table || !table->qs8_conv3x3s2c3) return 0;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  if (!wd || wd->data[1] != 3 || wd->data[2] != 3 || wd->data[3] != 3) return 0;
  const TfLiteTensor* weights = &context->tensors[tsp_node_input(node, 1)];
  if (!tsp_tensor_is_constant(weights) || weights->sparsity ||
      weights->bytes != tsp_tensor_elements(weights))
    return 0;
  const TfLiteTensor* input = &context->tensors[tsp_node_input(node, 0)];
  if (!input->dims || input->dims->size != 4 || input->dims->data[3] != 3) return 0;
  tsp_qs8_conv_quant cq;
  if (!read_quant(context, node, wd->data[0], &cq)) return 0;
  facts->supported = 1;
  facts->reads_nhwc = 1;
  facts->folds_producer_pad = 1;
  return 0;
}

static TfLiteStatus reshape(tsp_plan* plan, tsp_step* step) {
  qs8_conv_first* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if (in->c != 3) return tsp_plan_fail(plan, "int8 first conv (node %d) needs 3 channels", step->node);
  if (tsp_window_output(&op->window, in->h, in->w, &out->h, &out->w, &op->pad_top,
                        &op->pad_left) != 0)
    return tsp_plan_fail(plan, "int8 first conv (node %d): input %dx%d is smaller than the window",
                         step->node, in->h, in->w);
  out->n = in->n;
  out->c = op->out_channels;
  step->flops = 2.0 * 27 * op->out_channels * out->h * out->w;
  return kTfLiteOk;
}

typedef struct {
  const qs8_conv_first* op;
  const tsp_value *in, *out;
  const int8_t* input;
  int8_t* output;
} rows_job;

/* Output rows [begin, end): input from row 2 * begin - pad_top on; a band
 * starting inside the image has no top padding of its own. */
static void run_rows(void* context, size_t begin, size_t end) {
  const rows_job* j = context;
  const size_t in_h = (size_t)j->in->h, in_w = (size_t)j->in->w;
  size_t pad_top;
  const size_t first_in = tsp_conv_band_input(begin, (size_t)j->op->pad_top, in_h, &pad_top);
  j->op->kernel(in_h - first_in, in_w, end - begin, (size_t)j->out->w, pad_top,
                (size_t)j->op->pad_left, j->input + first_in * in_w * 3, &j->op->packed,
                j->output + begin * (size_t)j->out->w, j->out->ld, &j->op->q);
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const qs8_conv_first* op = step->data;
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  const size_t image = (size_t)in->h * in->w * 3;
  const size_t row_work = (size_t)out->w * (size_t)op->out_channels * 27;
  const size_t piece = tsp_parallel_piece((size_t)out->h, tsp_parallel_min_items(row_work));
  for (int b = 0; b < in->n; ++b) {
    rows_job job = {op, in, out, tsp_value_nhwc_i8(plan, in) + b * image, tsp_value_chw_i8(plan, out, b)};
    tsp_parallel_ranges(plan->pool, (size_t)out->h, piece, run_rows, &job);
  }
}

static void release(void* data) {
  qs8_conv_first* op = data;
  if (!op) return;
  tsp_qs8_conv_hwc2chw_release(&op->packed);
  free(op);
}

static void describe(const tsp_step* step, char* buffer, size_t size) {
  const qs8_conv_first* op = step->data;
  snprintf(buffer, size, ",\"out_channels\":%d,\"pad_top\":%d,\"pad_left\":%d,\"dtype\":\"int8\"",
           op->out_channels, op->pad_top, op->pad_left);
}

static const tsp_step_ops kQs8ConvFirstStep = {.kind = "qs8_conv_hwc2chw_3x3s2c3",
                                               .reshape = reshape,
                                               .run = run,
                                               .release = release,
                                               .describe = describe};

TfLiteStatus tsp_qs8_conv_hwc2chw_build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  tsp_plan* plan = builder->plan;
  TfLiteContext* context = builder->context;
  const TfLiteConvParams* params = node->builtin_data;
  const TfLiteIntArray* wd = tsp_conv_weight_dims(context, node);
  tsp_qs8_conv_quant cq;
  int32_t *mult = NULL, *shift = NULL;
  if (!read_quant(context, node, wd->data[0], &cq) ||
      tsp_qs8_conv_multipliers(&cq, wd->data[0], &mult, &shift) != 0)
    return tsp_plan_fail(plan, "int8 first conv (node %d): quantization changed since the claim",
                         node_index);
  qs8_conv_first* op = calloc(1, sizeof(*op));
  int packed = op ? tsp_qs8_conv_hwc2chw_pack((size_t)wd->data[0],
                                              context->tensors[tsp_node_input(node, 1)].data.int8,
                                              cq.bias, mult, shift, cq.in_zp, &op->packed)
                  : -1;
  free(mult);
  free(shift);
  if (packed != 0) {
    free(op);
    return tsp_plan_fail(plan, "out of memory building int8 first conv (node %d)", node_index);
  }
  op->out_channels = wd->data[0];
  op->kernel = plan->kernels->qs8_conv3x3s2c3;
  op->q = cq.q;
  op->window.padding = params->padding;
  op->window.kernel = 3;
  op->window.stride = 2;
  int input = tsp_window_input(builder, node, &op->window);
  if (tsp_builder_producer(builder, input, NULL, NULL) >= 0) {
    release(op);
    return tsp_plan_fail(plan, "int8 first conv (node %d) must read a partition input", node_index);
  }
  int in = tsp_plan_value(plan, input);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  if (in < 0 || out < 0) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building int8 first conv (node %d)", node_index);
  }
  plan->values[in].external = 1;
  if (!tsp_plan_add_step(plan, node_index, "CONV_2D", &kQs8ConvFirstStep, in, out, op)) {
    release(op);
    return tsp_plan_fail(plan, "out of memory building int8 first conv (node %d)", node_index);
  }
  return kTfLiteOk;
}
