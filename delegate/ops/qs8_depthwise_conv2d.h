/* The int8 DEPTHWISE_CONV_2D (ops/qs8_depthwise_conv2d.c), chosen by
 * ops/depthwise_conv2d.c when the input is int8. */
#ifndef TFLITE_SPARSE_OPS_QS8_DEPTHWISE_CONV2D_H_
#define TFLITE_SPARSE_OPS_QS8_DEPTHWISE_CONV2D_H_

#include "ops/ops.h"

int tsp_qs8_depthwise_check(const tsp_check_context* ctx, int node_index, TfLiteNode* node,
                            tsp_check* facts);
TfLiteStatus tsp_qs8_depthwise_build(tsp_builder* builder, int node_index, TfLiteNode* node);

#endif /* TFLITE_SPARSE_OPS_QS8_DEPTHWISE_CONV2D_H_ */
