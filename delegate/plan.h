/* The CHW execution plan of one delegated partition.
 *
 * Values are the tensors the partition touches. External values are TFLite
 * tensors (NHWC, TFLite's memory): partition inputs and outputs. Internal
 * values live in the plan's arena in CHW layout (per image: channel c at
 * c * ld elements). A value holds float32 or, in int8 partitions, int8
 * elements (elem_bytes 4 or 1); steps run in order; layout steps convert at
 * the edges. */
#ifndef TFLITE_SPARSE_PLAN_H_
#define TFLITE_SPARSE_PLAN_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels/dispatch.h"
#include "tflite_abi.h"

typedef struct {
  int key;       /* lookup key: the tensor index, or a shadow key (see below) */
  int tensor;    /* TFLite tensor index */
  int external;  /* partition input or output: NHWC data owned by TFLite */
  int chw;       /* has a CHW buffer in the arena */
  int n, h, w, c;
  int elem_bytes; /* 4: float32, 1: int8 (from the TFLite tensor's type) */
  size_t ld;     /* CHW row stride in elements */
  size_t offset; /* byte offset of the CHW buffer in the arena */
  size_t bytes;
  int first_step, last_step; /* lifetime of the CHW buffer */
} tsp_value;

struct tsp_plan;
struct tsp_step;

typedef struct tsp_step_ops {
  const char* kind; /* for reports: "spmm", "dwconv3x3s1", ... */
  /* Computes the output shape from the input's; may recompute strides. */
  TfLiteStatus (*reshape)(struct tsp_plan* plan, struct tsp_step* step);
  void (*run)(struct tsp_plan* plan, const struct tsp_step* step);
  void (*release)(void* data);
  /* Appends op-specific fields to the JSON report (",\"key\":value..."). */
  void (*describe)(const struct tsp_step* step, char* buffer, size_t size);
  /* Optional: takes over an element-wise op on its output, applied to each
   * cache-sized chunk right after computing it (saves a pass over memory).
   * Returns 0 when it did. */
  int (*fuse_unary)(struct tsp_step* step, tsp_vunary_fn fn, const char* name);
} tsp_step_ops;

typedef struct tsp_step {
  int node; /* TFLite node index, -1 for layout steps */
  const char* op; /* TFLite op name */
  const tsp_step_ops* ops;
  int in, out; /* value indices */
  int in2;     /* second input value (binary ops), or -1 */
  void* data;  /* op-specific, owned */
  double flops; /* per image, for reports */
  uint64_t ns, runs; /* profiling */
} tsp_step;

typedef struct tsp_plan {
  TfLiteContext* context;
  const tsp_kernel_table* kernels;
  int profile;
  int flush_denormals;
  tsp_value* values;
  int num_values, cap_values;
  tsp_step* steps;
  int num_steps, cap_steps;
  int* nodes; /* the TFLite nodes this partition replaced */
  int num_nodes;
  void* arena;
  size_t arena_bytes;
  void* owner; /* the delegate that built it */
  struct tsp_threadpool* pool; /* the owner's, set before each invoke; NULL: one thread */
  char error[256];
} tsp_plan;

/* Value for a TFLite tensor, added on first use. Returns its index or -1. */
int tsp_plan_value(tsp_plan* plan, int tensor);
/* The second value of a tensor that crosses the partition edge: the CHW copy
 * of an input, or the NHWC side of an output. */
int tsp_plan_shadow_value(tsp_plan* plan, int tensor);
/* Appends a step; returns it (NULL when out of memory). */
tsp_step* tsp_plan_add_step(tsp_plan* plan, int node, const char* op,
                            const tsp_step_ops* ops, int in, int out, void* data);

/* Shapes, edge layouts and arena for the current input shapes. */
TfLiteStatus tsp_plan_prepare(tsp_plan* plan);
TfLiteStatus tsp_plan_invoke(tsp_plan* plan);
void tsp_plan_release(tsp_plan* plan);

/* Pointer to an internal value's CHW data for image b. */
static inline float* tsp_value_chw(const tsp_plan* plan, const tsp_value* v, int b) {
  return (float*)((char*)plan->arena + v->offset) + (size_t)b * (size_t)v->c * v->ld;
}

/* The same for an int8 value. */
static inline int8_t* tsp_value_chw_i8(const tsp_plan* plan, const tsp_value* v, int b) {
  return (int8_t*)((char*)plan->arena + v->offset) + (size_t)b * (size_t)v->c * v->ld;
}

/* Data of an external value's TFLite tensor. */
static inline float* tsp_value_nhwc(const tsp_plan* plan, const tsp_value* v) {
  return plan->context->tensors[v->tensor].data.f;
}
static inline int8_t* tsp_value_nhwc_i8(const tsp_plan* plan, const tsp_value* v) {
  return plan->context->tensors[v->tensor].data.int8;
}

/* Reads an NHWC (rank 4) or NC (rank 2) shape into the value (float32 or
 * int8 tensors). */
TfLiteStatus tsp_value_shape_from_tensor(tsp_plan* plan, tsp_value* v);

/* Records an error for the runtime's report. */
TfLiteStatus tsp_plan_fail(tsp_plan* plan, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

/* Clamp for a TFLite fused activation; returns -1 for an unsupported one. */
int tsp_activation_clamp(int activation, tsp_minmax* clamp);

#endif /* TFLITE_SPARSE_PLAN_H_ */
