/* JSON report of what the delegate claimed and how it runs it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "delegate_state.h"
#include "tflite_sparse/delegate.h"

typedef struct {
  char* buffer;
  size_t capacity;
  size_t length; /* of the full text, even past capacity */
} json_out;

static void emit(json_out* out, const char* format, ...) __attribute__((format(printf, 2, 3)));
static void emit(json_out* out, const char* format, ...) {
  va_list args;
  va_start(args, format);
  size_t room = out->length < out->capacity ? out->capacity - out->length : 0;
  int n = vsnprintf(room ? out->buffer + out->length : NULL, room, format, args);
  va_end(args);
  if (n > 0) out->length += (size_t)n;
}

static void emit_value_shape(json_out* out, const char* key, const tsp_value* v) {
  emit(out, ",\"%s\":[%d,%d,%d,%d]", key, v->n, v->h, v->w, v->c);
}

static void emit_step(json_out* out, const tsp_plan* plan, const tsp_step* step) {
  emit(out, "{\"node\":%d,\"op\":\"%s\",\"kernel\":\"%s\"", step->node, step->op,
       step->ops->kind);
  emit_value_shape(out, "input", &plan->values[step->in]);
  emit_value_shape(out, "output", &plan->values[step->out]);
  emit(out, ",\"flops\":%.0f", step->flops);
  if (step->ops->describe) {
    char extra[256] = "";
    step->ops->describe(step, extra, sizeof(extra));
    emit(out, "%s", extra);
  }
  if (plan->profile)
    emit(out, ",\"runs\":%llu,\"total_ns\":%llu", (unsigned long long)step->runs,
         (unsigned long long)step->ns);
  emit(out, "}");
}

static void emit_plan(json_out* out, const tsp_plan* plan) {
  emit(out, "{\"nodes\":[");
  for (int i = 0; i < plan->num_nodes; ++i) emit(out, "%s%d", i ? "," : "", plan->nodes[i]);
  emit(out, "],\"arena_bytes\":%zu,\"steps\":[", plan->arena_bytes);
  for (int s = 0; s < plan->num_steps; ++s) {
    if (s) emit(out, ",");
    emit_step(out, plan, &plan->steps[s]);
  }
  emit(out, "]}");
}

size_t tflite_sparse_delegate_report(const TfLiteDelegate* delegate, char* buffer,
                                     size_t capacity) {
  json_out out = {.buffer = buffer, .capacity = capacity, .length = 0};
  if (buffer && capacity) buffer[0] = '\0';
  if (!delegate) return 0;
  const tsp_delegate* self = delegate->data_;
  emit(&out,
       "{\"isa\":\"%s\",\"min_sparsity\":%.4f,\"profile\":%d,\"num_threads\":%d,"
       "\"threads\":%zu,\"partitions\":[",
       tsp_isa_name(self->options.isa), self->options.min_sparsity, self->options.profile,
       self->options.num_threads, tsp_threadpool_threads(self->pool));
  for (int i = 0; i < self->num_plans; ++i) {
    if (i) emit(&out, ",");
    emit_plan(&out, self->plans[i]);
  }
  emit(&out, "]}");
  return out.length;
}
