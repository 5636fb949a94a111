#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "denormals.h"

TfLiteStatus tsp_plan_fail(tsp_plan* plan, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(plan->error, sizeof(plan->error), format, args);
  va_end(args);
  return kTfLiteError;
}

static int grow(void** items, int* cap, int needed, size_t item_size) {
  if (needed <= *cap) return 0;
  int new_cap = *cap ? *cap * 2 : 16;
  while (new_cap < needed) new_cap *= 2;
  void* grown = realloc(*items, (size_t)new_cap * item_size);
  if (!grown) return -1;
  memset((char*)grown + (size_t)*cap * item_size, 0, (size_t)(new_cap - *cap) * item_size);
  *items = grown;
  *cap = new_cap;
  return 0;
}

static int value_by_key(tsp_plan* plan, int key, int tensor) {
  for (int i = 0; i < plan->num_values; ++i)
    if (plan->values[i].key == key) return i;
  if (grow((void**)&plan->values, &plan->cap_values, plan->num_values + 1, sizeof(tsp_value)))
    return -1;
  tsp_value* v = &plan->values[plan->num_values];
  memset(v, 0, sizeof(*v));
  v->key = key;
  v->tensor = tensor;
  v->elem_bytes = plan->context->tensors[tensor].type == kTfLiteInt8 ? 1 : (int)sizeof(float);
  v->first_step = v->last_step = -1;
  return plan->num_values++;
}

int tsp_plan_value(tsp_plan* plan, int tensor) { return value_by_key(plan, tensor, tensor); }

int tsp_plan_shadow_value(tsp_plan* plan, int tensor) {
  return value_by_key(plan, -2 - tensor, tensor);
}

tsp_step* tsp_plan_add_step(tsp_plan* plan, int node, const char* op, const tsp_step_ops* ops,
                            int in, int out, void* data) {
  if (grow((void**)&plan->steps, &plan->cap_steps, plan->num_steps + 1, sizeof(tsp_step)))
    return NULL;
  tsp_step* step = &plan->steps[plan->num_steps++];
  memset(step, 0, sizeof(*step));
  step->node = node;
  step->op = op;
  step->ops = ops;
  step->in = in;
  step->in2 = -1;
  step->out = out;
  step->data = data;
  return step;
}

TfLiteStatus tsp_value_shape_from_tensor(tsp_plan* plan, tsp_value* v) {
  const TfLiteTensor* t = &plan->context->tensors[v->tensor];
  const TfLiteIntArray* d = t->dims;
  if ((t->type != kTfLiteFloat32 && t->type != kTfLiteInt8) || !d || (d->size != 4 && d->size != 2))
    return tsp_plan_fail(plan, "tensor '%s' must be float32 or int8 NHWC or NC",
                         t->name ? t->name : "?");
  v->n = d->data[0];
  v->h = d->size == 4 ? d->data[1] : 1;
  v->w = d->size == 4 ? d->data[2] : 1;
  v->c = d->data[d->size - 1];
  if (v->n <= 0 || v->h <= 0 || v->w <= 0 || v->c <= 0)
    return tsp_plan_fail(plan, "tensor '%s' has an empty shape", t->name ? t->name : "?");
  return kTfLiteOk;
}

/* Chooses the CHW stride: rows padded to 64 bytes, except single-pixel
 * values, which are plain vectors (then CHW and NHWC coincide). */
static void set_ld(tsp_value* v) {
  size_t spatial = (size_t)v->h * (size_t)v->w;
  if (spatial == 1)
    v->ld = 1;
  else if (v->elem_bytes == 1)
    v->ld = (spatial + 63) / 64 * 64;
  else
    v->ld = tsp_chw_ld(spatial);
  v->bytes = (size_t)v->n * (size_t)v->c * v->ld * (size_t)v->elem_bytes;
}

/* Output tensors of the partition get the shape the plan computed. */
static TfLiteStatus resize_external(tsp_plan* plan, const tsp_value* v) {
  TfLiteTensor* t = &plan->context->tensors[v->tensor];
  int rank = t->dims ? t->dims->size : 4;
  int want[4] = {v->n, v->h, v->w, v->c};
  if (rank == 2) {
    want[1] = v->c;
  }
  int same = t->dims && (rank == 4 || rank == 2);
  for (int i = 0; same && i < rank; ++i) same = t->dims->data[i] == want[i];
  if (same) return kTfLiteOk;
  if (rank != 4 && rank != 2) return tsp_plan_fail(plan, "output '%s' has rank %d", t->name, rank);
  TfLiteIntArray* dims = malloc(sizeof(TfLiteIntArray) + sizeof(int) * (size_t)rank);
  if (!dims) return tsp_plan_fail(plan, "out of memory");
  dims->size = rank;
  for (int i = 0; i < rank; ++i) dims->data[i] = want[i];
  return plan->context->ResizeTensor(plan->context, t, dims);
}

TfLiteStatus tsp_plan_prepare(tsp_plan* plan) {
  for (int i = 0; i < plan->num_values; ++i) plan->values[i].first_step = -1;
  for (int s = 0; s < plan->num_steps; ++s) plan->values[plan->steps[s].out].first_step = s;
  for (int i = 0; i < plan->num_values; ++i) {
    tsp_value* v = &plan->values[i];
    int is_input = v->external && v->first_step < 0;
    v->first_step = v->last_step = -1;
    if (is_input && tsp_value_shape_from_tensor(plan, v) != kTfLiteOk) return kTfLiteError;
  }
  for (int s = 0; s < plan->num_steps; ++s) {
    tsp_step* step = &plan->steps[s];
    if (step->ops->reshape(plan, step) != kTfLiteOk) return kTfLiteError;
    tsp_value* out = &plan->values[step->out];
    if (out->chw) set_ld(out);
    if (out->external && resize_external(plan, out) != kTfLiteOk) return kTfLiteError;
    int used[3] = {step->in, step->out, step->in2};
    for (int k = 0; k < 3; ++k) {
      if (used[k] < 0) continue;
      tsp_value* v = &plan->values[used[k]];
      if (!v->chw) continue;
      if (v->first_step < 0) v->first_step = s;
      v->last_step = s;
    }
  }
  return tsp_arena_plan(plan);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

TfLiteStatus tsp_plan_invoke(tsp_plan* plan) {
  tsp_fp_state saved = {0};
  if (plan->flush_denormals) tsp_denormals_flush_begin(&saved);
  for (int s = 0; s < plan->num_steps; ++s) {
    tsp_step* step = &plan->steps[s];
    if (plan->profile) {
      uint64_t start = now_ns();
      step->ops->run(plan, step);
      step->ns += now_ns() - start;
      step->runs++;
    } else {
      step->ops->run(plan, step);
    }
  }
  if (plan->flush_denormals) tsp_denormals_flush_end(&saved);
  return kTfLiteOk;
}

void tsp_plan_release(tsp_plan* plan) {
  for (int s = 0; s < plan->num_steps; ++s) {
    tsp_step* step = &plan->steps[s];
    if (step->ops && step->ops->release) step->ops->release(step->data);
  }
  free(plan->steps);
  free(plan->values);
  free(plan->nodes);
  free(plan->arena);
  memset(plan, 0, sizeof(*plan));
}

int tsp_activation_clamp(int activation, tsp_minmax* clamp) {
  switch (activation) {
    case kTfLiteActNone:
      clamp->min = -__builtin_inff();
      clamp->max = __builtin_inff();
      return 0;
    case kTfLiteActRelu:
      clamp->min = 0.0f;
      clamp->max = __builtin_inff();
      return 0;
    case kTfLiteActRelu6:
      clamp->min = 0.0f;
      clamp->max = 6.0f;
      return 0;
    case kTfLiteActReluN1To1:
      clamp->min = -1.0f;
      clamp->max = 1.0f;
      return 0;
    default:
      return -1;
  }
}
