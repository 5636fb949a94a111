/* Helpers shared by the element-wise ops (add.c, mul.c, unary.c, reshape.c). */
#include "ops/ops.h"

int tsp_is_activation(const TfLiteTensor* t, long* pixels) {
  if (t->type != kTfLiteFloat32 || !t->dims || tsp_tensor_is_constant(t)) return 0;
  if (t->dims->size != 4 && t->dims->size != 2) return 0;
  for (int i = 0; i < t->dims->size; ++i)
    if (t->dims->data[i] <= 0) return 0;
  if (pixels) *pixels = t->dims->size == 4 ? (long)t->dims->data[1] * t->dims->data[2] : 1;
  return 1;
}

int tsp_same_shape(const TfLiteTensor* a, const TfLiteTensor* b) {
  if (!a->dims || !b->dims || a->dims->size != b->dims->size) return 0;
  for (int i = 0; i < a->dims->size; ++i)
    if (a->dims->data[i] != b->dims->data[i]) return 0;
  return 1;
}

TfLiteStatus tsp_elementwise_reshape(tsp_plan* plan, tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  if (step->in2 >= 0) {
    const tsp_value* b = &plan->values[step->in2];
    if (b->n != in->n || b->h != in->h || b->w != in->w || b->c != in->c)
      return tsp_plan_fail(plan, "%s (node %d): inputs of shapes [%d,%d,%d,%d] and [%d,%d,%d,%d] differ",
                           step->op, step->node, in->n, in->h, in->w, in->c, b->n, b->h, b->w, b->c);
  }
  out->n = in->n;
  out->h = in->h;
  out->w = in->w;
  out->c = in->c;
  step->flops = (double)in->h * in->w * in->c;
  return kTfLiteOk;
}
