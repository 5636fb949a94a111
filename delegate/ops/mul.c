/* MUL in CHW, in the forms the model families use:
 *  - x * LOGISTIC(x): swish, one step (the LOGISTIC node builds nothing);
 *  - two activations of the same shape: element-wise;
 *  - x * s with s a 1x1 map of x's channels: squeeze-excitation's scale;
 *  - x * constant (one value, or one per channel): e.g. the hard sigmoid's
 *    1/6 inside MobileNet v3's squeeze-excitation.
 * A constant MUL feeding the first conv (a Rescaling stem) stays with TFLite:
 * the first conv reads the partition's NHWC input (claim.c). */
#include <stdlib.h>

#include "ops/ops.h"
#include "parallel.h"

typedef struct {
  tsp_minmax clamp;
  float* scale; /* constant form: one per channel */
  int channels;
} mul_op;

/* Input slot holding a constant of 1 or `channels` floats, or -1. */
static int constant_slot(TfLiteContext* context, const TfLiteNode* node, int channels) {
  for (int k = 0; k < 2; ++k) {
    const TfLiteTensor* t = &context->tensors[node->inputs->data[k]];
    size_t n = t->dims && t->dims->size == 0 ? 1 : tsp_tensor_elements(t); /* rank 0: a scalar */
    if (t->type == kTfLiteFloat32 && tsp_tensor_is_constant(t) && !t->sparsity &&
        (n == 1 || n == (size_t)channels) && t->bytes == n * sizeof(float))
      return k;
  }
  return -1;
}

static int channels_of(const TfLiteTensor* t) { return t->dims->data[t->dims->size - 1]; }

static int check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                 tsp_check* facts) {
  TfLiteContext* context = ctx->graph->context;
  const TfLiteMulParams* params = node->builtin_data;
  tsp_minmax clamp;
  if (!params || tsp_activation_clamp(params->activation, &clamp) != 0) return 0;
  if (node->inputs->size != 2 || node->outputs->size != 1) return 0;
  const TfLiteTensor* a = &context->tensors[node->inputs->data[0]];
  const TfLiteTensor* b = &context->tensors[node->inputs->data[1]];
  const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
  long pa = 0, pb = 0;
  int ia = tsp_is_activation(a, &pa), ib = tsp_is_activation(b, &pb);
  if (ia && ib) {
    if (tsp_same_shape(a, b)) {
      if (!tsp_same_shape(a, out)) return 0;
      facts->on_pixel = pa == 1;
    } else {
      /* x [N,H,W,C] * s [N,1,1,C] (or [N,C]) */
      const TfLiteTensor* x = pa >= pb ? a : b;
      const TfLiteTensor* s = pa >= pb ? b : a;
      if ((pa == 1) == (pb == 1) || x->dims->size != 4 || !tsp_same_shape(x, out)) return 0;
      if (s->dims->data[0] != x->dims->data[0] || channels_of(s) != channels_of(x)) return 0;
      facts->scale_tensor = node->inputs->data[pa >= pb ? 1 : 0];
    }
  } else if (ia || ib) {
    const TfLiteTensor* x = ia ? a : b;
    int k = constant_slot(context, node, channels_of(x));
    if (k != (ia ? 1 : 0) || !tsp_same_shape(x, out)) return 0;
    facts->on_pixel = (ia ? pa : pb) == 1;
  } else {
    return 0;
  }
  facts->supported = 1;
  return 0;
}

int tsp_mul_swish_input(const tsp_builder* builder, const TfLiteNode* mul) {
  for (int k = 0; k < 2; ++k) {
    int t = tsp_node_input(mul, k), x = tsp_node_input(mul, 1 - k);
    int code = -1;
    TfLiteNode* producer = NULL;
    if (t < 0 || x < 0 || tsp_builder_producer(builder, t, &code, &producer) < 0) continue;
    if (code != kTfLiteBuiltinLogistic || tsp_node_input(producer, 0) != x) continue;
    if (builder->graph->consumer_count[t] != 1) continue;
    int exported = 0;
    for (int i = 0; i < builder->params->output_tensors->size; ++i)
      exported |= builder->params->output_tensors->data[i] == t;
    if (!exported) return x;
  }
  return -1;
}

static void run_swish(tsp_plan* plan, const tsp_step* step) {
  const mul_op* op = step->data;
  const tsp_value* x = &plan->values[step->in];
  tsp_parallel_vunary(plan->pool, plan->kernels->vswish, tsp_value_floats(x),
                      tsp_value_chw(plan, x, 0), tsp_value_chw(plan, &plan->values[step->out], 0),
                      &op->clamp);
}

static void run_elementwise(tsp_plan* plan, const tsp_step* step) {
  const mul_op* op = step->data;
  const tsp_value* a = &plan->values[step->in];
  tsp_parallel_vbinary(plan->pool, plan->kernels->vmul, tsp_value_floats(a),
                       tsp_value_chw(plan, a, 0), tsp_value_chw(plan, &plan->values[step->in2], 0),
                       tsp_value_chw(plan, &plan->values[step->out], 0), &op->clamp);
}

static void run_scale(tsp_plan* plan, const tsp_step* step) {
  const mul_op* op = step->data;
  const tsp_value* x = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  const tsp_value* s = step->in2 >= 0 ? &plan->values[step->in2] : NULL;
  for (int b = 0; b < x->n; ++b)
    tsp_parallel_vmulc_chw(plan->pool, plan->kernels->vmulc_chw, (size_t)x->c, x->ld,
                           tsp_value_chw(plan, x, b), x->ld,
                           s ? tsp_value_chw(plan, s, b) : op->scale, tsp_value_chw(plan, out, b),
                           &op->clamp);
}

/* The scale input must be one value per channel of each image. */
static TfLiteStatus reshape_scale(tsp_plan* plan, tsp_step* step) {
  const tsp_value* x = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  const mul_op* op = step->data;
  if (step->in2 >= 0) {
    const tsp_value* s = &plan->values[step->in2];
    if (s->n != x->n || s->c != x->c || tsp_value_pixels(s) != 1 || s->ld != 1)
      return tsp_plan_fail(plan, "MUL (node %d): scale [%d,%d,%d,%d] does not match input [%d,%d,%d,%d]",
                           step->node, s->n, s->h, s->w, s->c, x->n, x->h, x->w, x->c);
  } else if (x->c != op->channels) {
    return tsp_plan_fail(plan, "MUL (node %d): %d channels, constant has %d", step->node, x->c,
                         op->channels);
  }
  out->n = x->n;
  out->h = x->h;
  out->w = x->w;
  out->c = x->c;
  step->flops = (double)x->h * x->w * x->c;
  return kTfLiteOk;
}

static void release(void* data) {
  mul_op* op = data;
  if (!op) return;
  free(op->scale);
  free(op);
}

static const tsp_step_ops kSwishStep = {
    .kind = "vswish", .reshape = tsp_elementwise_reshape, .run = run_swish, .release = release};
static const tsp_step_ops kMulStep = {
    .kind = "vmul", .reshape = tsp_elementwise_reshape, .run = run_elementwise, .release = release};
static const tsp_step_ops kScaleStep = {
    .kind = "vmulc_chw", .reshape = reshape_scale, .run = run_scale, .release = release};

/* One constant per channel (a scalar is repeated). */
static float* constant_scale(const TfLiteTensor* t, int channels) {
  float* scale = malloc(sizeof(float) * (size_t)channels);
  size_t n = t->dims && t->dims->size == 0 ? 1 : tsp_tensor_elements(t);
  for (int c = 0; scale && c < channels; ++c) scale[c] = t->data.f[n == 1 ? 0 : c];
  return scale;
}

static TfLiteStatus build(tsp_builder* builder, int node_index, TfLiteNode* node) {
  TfLiteContext* context = builder->context;
  const TfLiteMulParams* params = node->builtin_data;
  const TfLiteTensor* a = &context->tensors[node->inputs->data[0]];
  const TfLiteTensor* b = &context->tensors[node->inputs->data[1]];
  long pa = 0, pb = 0;
  int ia = tsp_is_activation(a, &pa), ib = tsp_is_activation(b, &pb);
  mul_op* op = calloc(1, sizeof(*op));
  if (!op) return tsp_plan_fail(builder->plan, "out of memory building mul (node %d)", node_index);
  tsp_activation_clamp(params->activation, &op->clamp);
  int x_tensor = -1, second = -1;
  const tsp_step_ops* ops = NULL;
  int swish = tsp_mul_swish_input(builder, node);
  /* x is read by the LOGISTIC and this MUL only: the producer can apply it. */
  if (swish >= 0 && builder->graph->consumer_count[swish] == 2 &&
      tsp_builder_fuse_unary(builder, swish, node->outputs->data[0], builder->plan->kernels->vswish,
                             "vswish")) {
    free(op);
    return kTfLiteOk;
  }
  if (swish >= 0) {
    x_tensor = swish, ops = &kSwishStep;
  } else if (ia && ib && tsp_same_shape(a, b)) {
    x_tensor = node->inputs->data[0], second = node->inputs->data[1], ops = &kMulStep;
  } else if (ia && ib) {
    x_tensor = node->inputs->data[pa >= pb ? 0 : 1];
    second = node->inputs->data[pa >= pb ? 1 : 0];
    ops = &kScaleStep;
  } else {
    const TfLiteTensor* x = ia ? a : b;
    x_tensor = node->inputs->data[ia ? 0 : 1];
    op->channels = channels_of(x);
    op->scale = constant_scale(ia ? b : a, op->channels);
    ops = &kScaleStep;
  }
  int in = tsp_builder_input_chw(builder, x_tensor);
  int in2 = second >= 0 ? tsp_builder_input_chw(builder, second) : -1;
  int out = tsp_builder_output_chw(builder, node->outputs->data[0]);
  tsp_step* step = NULL;
  if (in >= 0 && out >= 0 && (second < 0 || in2 >= 0) && (ops != &kScaleStep || second >= 0 || op->scale))
    step = tsp_plan_add_step(builder->plan, node_index, "MUL", ops, in, out, op);
  if (!step) {
    release(op);
    return tsp_plan_fail(builder->plan, "out of memory building mul (node %d)", node_index);
  }
  step->in2 = in2;
  return kTfLiteOk;
}

const tsp_op tsp_op_mul = {.builtin_code = kTfLiteBuiltinMul, .name = "MUL", .check = check, .build = build};
