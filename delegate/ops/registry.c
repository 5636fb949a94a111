#include "ops/ops.h"

const tsp_op* tsp_find_op(int builtin_code) {
  static const tsp_op* const kOps[] = {
      &tsp_op_conv2d,     &tsp_op_depthwise_conv2d, &tsp_op_mean,         &tsp_op_pad,
      &tsp_op_densify,    &tsp_op_add,              &tsp_op_mul,          &tsp_op_logistic,
      &tsp_op_hard_swish, &tsp_op_relu,             &tsp_op_relu6,        &tsp_op_relu_n1_to_1,
      &tsp_op_reshape,    &tsp_op_shape,            &tsp_op_strided_slice, &tsp_op_pack,
  };
  for (size_t i = 0; i < sizeof(kOps) / sizeof(kOps[0]); ++i)
    if (kOps[i]->builtin_code == builtin_code) return kOps[i];
  return NULL;
}
