#include "ops/layout.h"

#include "kernels/layout.h"

static TfLiteStatus copy_shape(tsp_plan* plan, tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  tsp_value* out = &plan->values[step->out];
  out->n = in->n;
  out->h = in->h;
  out->w = in->w;
  out->c = in->c;
  return kTfLiteOk;
}

static void run_to_chw(tsp_plan* plan, const tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  const size_t image = (size_t)in->h * in->w * in->c;
  if (in->elem_bytes == 1) {
    const int8_t* src8 = tsp_value_nhwc_i8(plan, in);
    for (int b = 0; b < in->n; ++b)
      tsp_nhwc_to_chw_i8((size_t)in->h * in->w, in->c, src8 + b * image,
                         tsp_value_chw_i8(plan, out, b), out->ld);
    return;
  }
  const float* src = tsp_value_nhwc(plan, in);
  for (int b = 0; b < in->n; ++b)
    tsp_nhwc_to_chw((size_t)in->h * in->w, in->c, src + b * image, tsp_value_chw(plan, out, b),
                    out->ld);
}

static void run_to_nhwc(tsp_plan* plan, const tsp_step* step) {
  const tsp_value* in = &plan->values[step->in];
  const tsp_value* out = &plan->values[step->out];
  const size_t image = (size_t)in->h * in->w * in->c;
  if (in->elem_bytes == 1) {
    int8_t* dst8 = tsp_value_nhwc_i8(plan, out);
    for (int b = 0; b < in->n; ++b)
      tsp_chw_to_nhwc_i8((size_t)in->h * in->w, in->c, tsp_value_chw_i8(plan, in, b), in->ld,
                         dst8 + b * image);
    return;
  }
  float* dst = tsp_value_nhwc(plan, out);
  for (int b = 0; b < in->n; ++b)
    tsp_chw_to_nhwc((size_t)in->h * in->w, in->c, tsp_value_chw(plan, in, b), in->ld,
                    dst + b * image);
}

const tsp_step_ops tsp_step_to_chw = {.kind = "nhwc_to_chw", .reshape = copy_shape, .run = run_to_chw};
const tsp_step_ops tsp_step_to_nhwc = {.kind = "chw_to_nhwc", .reshape = copy_shape, .run = run_to_nhwc};
