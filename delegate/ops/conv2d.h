/* CONV_2D comes in two shapes the delegate runs: the 1x1 convolution (SpMM)
 * and the first 3x3 stride-2 convolution over 3 channels (HWC in, CHW out). */
#ifndef TFLITE_SPARSE_OPS_CONV2D_H_
#define TFLITE_SPARSE_OPS_CONV2D_H_

#include "ops/ops.h"

int tsp_conv_1x1_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                       tsp_check* facts);
TfLiteStatus tsp_conv_1x1_build(tsp_builder* builder, int node_index, TfLiteNode* node);

/* The int8 1x1 conv (ops/qs8_conv_1x1.c). */
int tsp_qs8_conv_1x1_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                           tsp_check* facts);
TfLiteStatus tsp_qs8_conv_1x1_build(tsp_builder* builder, int node_index, TfLiteNode* node);
/* The int8 first conv (ops/qs8_conv_hwc2chw.c). */
int tsp_qs8_conv_hwc2chw_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                               tsp_check* facts);
TfLiteStatus tsp_qs8_conv_hwc2chw_build(tsp_builder* builder, int node_index, TfLiteNode* node);

int tsp_conv_hwc2chw_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                           tsp_check* facts);
TfLiteStatus tsp_conv_hwc2chw_build(tsp_builder* builder, int node_index, TfLiteNode* node);

/* ---- the 1x1 conv as the expand half of a banded expand + depthwise pair
 * (depthwise_conv2d.c): the depthwise step computes the expanded rows it
 * needs band by band in a small buffer, so the expanded tensor never goes
 * through memory. */
typedef struct tsp_conv_1x1 tsp_conv_1x1;
/* The 1x1 conv of a step, or NULL when the step is something else. */
tsp_conv_1x1* tsp_conv_1x1_of(const tsp_step* step);
/* Asks the conv to leave its output to the depthwise step when the output is
 * larger than min_bytes per image (decided at each reshape). */
void tsp_conv_1x1_offer_banding(tsp_conv_1x1* conv, size_t min_bytes);
/* Whether the current shapes made it banded (set by the conv's reshape; its
 * own step then runs nothing and the depthwise step computes it). */
int tsp_conv_1x1_wants_band(const tsp_conv_1x1* conv);
/* Output columns [j0, j0 + nc) of one image, bias, clamp and fused post op
 * included, into output (channel rows out_ld floats apart). */
void tsp_conv_1x1_columns(const tsp_conv_1x1* conv, const float* input, size_t j0, size_t nc,
                          float* output, size_t out_ld);

/* Weight tensor dims [O, kh, kw, I], or NULL when not rank 4. */
const TfLiteIntArray* tsp_conv_weight_dims(TfLiteContext* context, const TfLiteNode* node);

/* Bias as a float array of `channels` (NULL = no bias); -1 if not a constant. */
int tsp_conv_bias(TfLiteContext* context, const TfLiteNode* node, int channels,
                  const float** bias);

#endif /* TFLITE_SPARSE_OPS_CONV2D_H_ */
