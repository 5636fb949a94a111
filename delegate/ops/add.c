/* ADD of two activations of the same shape (the residual connection), with
 * its fused activation, in CHW; float32, or int8 (TFLite's int8 ADD, bit for
 * bit: vbinary/qs8_vadd.h). */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/vbinary/qs8_vadd.h"
#include "ops/ops.h"
#include "ops/qs8_params.h"
#include "parallel.h"

typedef struct {
  tsp_minmax clamp;
} add_op;

/* ---- int8 ---- */

/* The node's int8 parameters: inputs and output int8 per-tensor, rank 4,
 * one shape, and scales the kernels match TFLite on. Returns 1 or 0. */
static int read_qs8(TfLiteContext* context, const TfLiteNode* node,
                    struct tsp_qs8_vadd_params* p) {
  const TfLiteAddParams* params = node->builtin_data;
  if (!params || node->inputs->size != 2 || node->outputs->size != 1) return 0;
  const TfLiteTensor* a = &context->tensors[node->inputs->data[0]];
  const TfLiteTensor* b = &context->tensors[node->inputs->data[1]];
  const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
  float sa, sb, so;
  int32_t za, zb, zo;
  tsp_qs8_output q;
  if (!tsp_qs8_activation(a, 4, &sa, &za) || !tsp_qs8_activation(b, 4, &sb, &zb) ||
      !tsp_qs8_activation(out, 4, &so, &zo))
    return 0;
  if (tsp_tensor_is_constant(a) || tsp_tensor_is_constant(b)) return 0;
  if (!tsp_same_shape(a, b) || !tsp_same_shape(a, out)) return 0;
  if (tsp_qs8_output_params(params->activation, so, zo, &q) != 0) return 0;
  return tsp_qs8_vadd_params_init(sa, za, sb, zb, so, zo, q.min, q.max, p) == 0;
}

typedef struct {
  struct tsp_qs8_vadd_params params;
} qs8_add_op;

typedef struct {
  const struct tsp_qs8_vadd_params* params;
  tsp_qs8_vadd_fn kernel;
  const int8_t *a, *b;
  int8_t* y;
  size_t spatial, ld;
} qs8_add_job;

static void run_qs8_rows(void* context, size_t begin, size_t end) {
  const qs8_add_job* j = context;
  if (j->ld == j->spatial) { /* rows back to back: one call */
    j->kernel((end - begin) * j->ld, j->a + begin * j->ld, j->b + begin * j->ld,
              j->y + begin * j->ld, j->params);
    return;
  }
  for (size_t r = begin; r < end; ++r) /* columns past spatial are padding */
    j->kernel(j->spatial, j->a + r * j->ld, j->b + r * j->ld, j->y + r * j->ld, j->params);
}

static void run_qs8(tsp_plan* plan, const tsp_step* step) {
  const qs8_add_op* op = step->data;
  const tsp_value* a = &plan->values[step->in];
  const size_t spatial = (size_t)a->h * a->w, c = (size_t)a->c;
  /* images are c * ld apart: the rows of all images follow one another */
  const size_t rows = (size_t)a->n * c;
  qs8_add_job job = {&op->params,
                     plan->kernels->qs8_vadd,
                     tsp_value_chw_i8(plan, a, 0),
                     tsp_value_chw_i8(plan, &plan->values[step->in2], 0),
                     tsp_value_chw_i8(plan, &plan->values[step->out], 0),
                     spatial,
                     a->ld};
  tsp_parallel_ranges(plan->pool, rows, tsp_parallel_piece(rows, 4096 / spatial + 1),
                      run_qs8_rows, &job);
  /* TFLite makes one call over the flat NHWC tensor, batch included, whose
   * last flat % 16 elements take the scalar form: flat index f is image
   * f / (spatial * c), pixel f % (spatial * c) / c, channel f % c. */
  const size_t image = spatial * c, total = (size_t)a->n * image;
  for (size_t f = total - total % TSP_QS8_VADD_BLOCK; f < total; ++f) {
    const size_t i = f % image;
    const size_t at = f / image * c * a->ld + (i % c) * a->ld + i / c;
    job.y[at] = tsp_qs8_vadd_scalar_form(job.a[at], job.b[at], &op->params);
  }
}

static void describe_qs8(const tsp_step* step, char* buffer, size_t size) {
  snprintf(buffer, size, ",\"dtype\":\"int8\"");
}

static const tsp_step_ops kQs8AddStep = {.kind = "qs8_vadd",
                                         .reshape = tsp_elementwise_reshape,
                                         .run = run_qs8,
                                         .release = free,
                                         .describe = describe_qs8};

/* ---- float32 ---- */

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  const TfLiteAddParams* params = node->builtin_data;
  tsp_minmax clamp;
  long pixels = 0;
  if (node->inputs->size != 2 || node->outputs->size != 1) return 0;
  const TfLiteTensor* a = &context->tensors[node->inputs->data[0]];
  if (a->type == kTfLiteInt8) {
    const tsp_kernel_table* table = tsp_kernels(ctx->options->isa);
    struct tsp_qs8_vadd_params p;
    if (!table || !table->qs8_vadd || !read_qs8(context, node, &p)) return 0;
    facts->supported = 1;
    return 0;
  }
  if (!params || tsp_activation_clamp(params->activation, &clamp) != 0) return 0;
  const TfLiteTensor* b = &context->tensors[node->inputs->data[1]];
  const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
  if (!tsp_is_activation(a, &pixels) || !tsp_is_activation(b, NULL)) return 0;
  if (!tsp_same_shape(a, b) || !tsp_same_shape(a, out)) return 0;
  facts->on_pixel = pixels == 1;
  facts->supported = 1;
  return 0;
}

static void run(tsp_plan* plan, const tsp_step* step) {
  const add_op* op = step->data;
  const tsp_value* a = &plan->values[step->in];
  tsp_parallel_vbinary(plan->pool, plan->kernels->vadd, tsp_value_floats(a),
                       tsp_value_chw(plan, a, 0), tsp_value_chw(plan, &plan->values[step->in2], 0),
                       tsp_value_chw(plan, &plan->values[step->out], 0), &op->clamp);
}

static const tsp_step_ops kAddStep = {
    .kind = "vadd", .reshape = tsp_elementwise_reshape, .run = run, .release = free};

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  const TfLiteAddParams* params = node->builtin_data;
  const int int8 = builder->context->tensors[node->inputs->data[0]].type == kTfLiteInt8;
  void* data = NULL;
  const tsp_step_ops* ops = &kAddStep;
  if (int8) {
    qs8_add_op* op = calloc(1, sizeof(*op));
    if (op && !read_qs8(builder->context, node, &op->params)) {
      free(op);
      return tsp_plan_fail(builder->plan, "int8 add (node %d): quantization changed since the claim",
                           node_index);
    }
    data = op;
    ops = &kQs8AddStep;
  } else {
    add_op* op = calloc(1, sizeof(*op));
    if (op) tsp_activation_clamp(params->activation, &op->clamp);
    data = op;
  }
  int a = tsp_builder_input_chw(builder, node->inputs->data[0]);
  int b = tsp_builder_input_chw(builder, node->inputs->data[1]);
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  tsp_step* step = NULL;
  if (data && a >= 0 && b >= 0 && out >= 0)
    step = tsp_plan_add_step(builder->plan, node_index, "ADD", ops, a, out, data);
  if (!step) {
    free(data);
    return tsp_plan_fail(builder->plan, "out of memory building add (node %d)", node_index);
  }
  step->in2 = b;
  return kTfLiteOk;
}

const tsp_op tsp_op_add = {.builtin_code = kTfLiteBuiltinAdd, .name = "ADD", .check = check, .build = build};
