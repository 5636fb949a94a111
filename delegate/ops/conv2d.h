/* CONV_2D comes in two shapes the delegate runs: the 1x1 convolution (SpMM)
 * and the first 3x3 stride-2 convolution over 3 channels (HWC in, CHW out). */
#ifndef TFLITE_SPARSE_OPS_CONV2D_H_
#define TFLITE_SPARSE_OPS_CONV2D_H_

#include "ops/ops.h"

int tsp_conv_1x1_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                       tsp_check* facts);
TfLiteStatus tsp_conv_1x1_build(tsp_builder* builder, int node_index, TfLiteNode* node);

int tsp_conv_hwc2chw_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                           tsp_check* facts);
TfLiteStatus tsp_conv_hwc2chw_build(tsp_builder* builder, int node_index, TfLiteNode* node);

/* Weight tensor dims [O, kh, kw, I], or NULL when not rank 4. */
const TfLiteIntArray* tsp_conv_weight_dims(TfLiteContext* context, const TfLiteNode* node);

/* Bias as a float array of `channels` (NULL = no bias); -1 if not a constant. */
int tsp_conv_bias(TfLiteContext* context, const TfLiteNode* node, int channels,
                  const float** bias);

#endif /* TFLITE_SPARSE_OPS_CONV2D_H_ */
