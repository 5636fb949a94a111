/* One file per TFLite op: `check` says whether the delegate can run a node
 * ("which nodes"), `build` turns a claimed node into plan steps ("how"). */
#ifndef TFLITE_SPARSE_OPS_H_
#define TFLITE_SPARSE_OPS_H_

#include "graph.h"
#include "options.h"
#include "plan.h"

/* Claim-time facts about one node. */
typedef struct {
  int supported;       /* the delegate can run it */
  int sparse_conv;     /* a 1x1 conv with at least min_sparsity zeros */
  int reads_nhwc;      /* reads its activation input in NHWC (first conv) */
  int folds_producer_pad; /* may absorb a PAD feeding its input */
  double saved_ns;     /* per image, estimated time saved over dense TFLite (cost.h) */
  int only_internal_readers; /* claim only when every reader is claimed too */
  int se_only;         /* a dense conv on a 1x1 map: claim only inside a squeeze-excitation */
  int on_pixel;        /* works on 1x1 maps (squeeze-excitation's vectors) */
  int scale_tensor;    /* per-channel MUL: the 1x1 scale input, else -1 */
  char why[200];       /* reason when a model error (not just unsupported) */
} tsp_check;

typedef struct {
  const tsp_graph* graph;
  const tsp_options* options;
} tsp_check_context;

/* Builds the steps of one partition. */
typedef struct {
  tsp_plan* plan;
  TfLiteContext* context;
  const tsp_options* options;
  const TfLiteDelegateParams* params;
  const tsp_graph* graph;    /* the whole graph, as seen when claiming */
  const char* in_partition;  /* node index -> 1 when this partition replaces it */
  int num_graph_nodes;
} tsp_builder;

typedef struct {
  int builtin_code;
  const char* name;
  /* Returns 0 with facts filled in, or -1 when the model itself is invalid
   * (facts->why says why, naming the tensor); unsupported is not an error. */
  int (*check)(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
               tsp_check* facts);
  TfLiteStatus (*build)(tsp_builder* builder, int node_index, TfLiteNode* node);
} tsp_op;

/* The op for a builtin code, or NULL when the delegate never runs it. */
const tsp_op* tsp_find_op(int builtin_code);

/* ---- helpers for builders ---- */

/* CHW value for an activation input, adding an NHWC->CHW step when the tensor
 * comes from outside the partition. Returns -1 on failure. */
int tsp_builder_input_chw(tsp_builder* builder, int tensor);
/* Value for an activation produced inside the partition (CHW). */
int tsp_builder_output_chw(tsp_builder* builder, int tensor);
/* Runs out_tensor = fn(x_tensor) inside the step that computes x_tensor when
 * that step can take it (fuse_unary). The caller makes sure nothing else
 * reads x_tensor. Returns 1 when fused, 0 when not. */
int tsp_builder_fuse_unary(tsp_builder* builder, int x_tensor, int out_tensor, tsp_vunary_fn fn,
                           const char* name);
/* Node of this partition producing tensor, with its builtin code, or -1. */
int tsp_builder_producer(const tsp_builder* builder, int tensor, int* builtin_code,
                         TfLiteNode** node);

/* Explicit H/W padding of a PAD node (constant int32/int64 [4,2] with zero
 * batch and channel pads). Returns 0, or -1 when it is not of that form. */
int tsp_pad_amounts(TfLiteContext* context, const TfLiteNode* pad_node, int pads[4]);

/* TF SAME padding before the input: total = max((out-1)*stride + k - in, 0). */
static inline int tsp_same_pad_before(int in, int out, int stride, int k) {
  int total = (out - 1) * stride + k - in;
  return total > 0 ? total / 2 : 0;
}

/* ---- op tables, one per file ---- */
extern const tsp_op tsp_op_conv2d;          /* ops/conv2d.c: 1x1 and first 3x3s2 */
extern const tsp_op tsp_op_depthwise_conv2d; /* ops/depthwise_conv2d.c */
extern const tsp_op tsp_op_mean;            /* ops/mean.c */
extern const tsp_op tsp_op_pad;             /* ops/pad.c */
extern const tsp_op tsp_op_densify;         /* ops/densify.c */
extern const tsp_op tsp_op_add;             /* ops/add.c */
extern const tsp_op tsp_op_mul;             /* ops/mul.c: element-wise, per channel, swish */
extern const tsp_op tsp_op_logistic;        /* ops/unary.c */
extern const tsp_op tsp_op_hard_swish;      /* ops/unary.c */
extern const tsp_op tsp_op_relu;            /* ops/unary.c */
extern const tsp_op tsp_op_relu6;           /* ops/unary.c */
extern const tsp_op tsp_op_relu_n1_to_1;    /* ops/unary.c */
extern const tsp_op tsp_op_reshape;         /* ops/reshape.c: no-op on 1x1 maps */
extern const tsp_op tsp_op_shape;           /* ops/shape_nodes.c: shape arithmetic of a RESHAPE */
extern const tsp_op tsp_op_strided_slice;   /* ops/shape_nodes.c */
extern const tsp_op tsp_op_pack;            /* ops/shape_nodes.c */

/* ---- helpers for the element-wise ops (ops/elementwise.c) ---- */
/* Float32 activation of rank 4 (NHWC) or 2 (NC); its pixels per image via *pixels. */
int tsp_is_activation(const TfLiteTensor* t, long* pixels);
/* Both tensors have the same dims. */
int tsp_same_shape(const TfLiteTensor* a, const TfLiteTensor* b);
/* Pixels (h * w) of a plan value. */
static inline long tsp_value_pixels(const tsp_value* v) { return (long)v->h * v->w; }
/* Step shape function of the element-wise ops: the output has the input's
 * shape (and the second input's, when there is one). */
TfLiteStatus tsp_elementwise_reshape(tsp_plan* plan, tsp_step* step);
/* Floats of a CHW value over the whole batch, padding columns included. */
static inline size_t tsp_value_floats(const tsp_value* v) {
  return (size_t)v->n * (size_t)v->c * v->ld;
}
/* The MUL node's input x when it computes x * LOGISTIC(x) with a LOGISTIC of
 * this partition whose output nothing else reads (swish, fused into one
 * step); -1 otherwise. */
int tsp_mul_swish_input(const tsp_builder* builder, const TfLiteNode* mul);

#endif /* TFLITE_SPARSE_OPS_H_ */
