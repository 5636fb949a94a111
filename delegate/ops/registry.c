#include "ops/ops.h"

const tsp_op* tsp_find_op(int builtin_code) {
  static const tsp_op* const kOps[] = {
      &tsp_op_conv2d, &tsp_op_depthwise_conv2d, &tsp_op_mean, &tsp_op_pad, &tsp_op_densify,
  };
  for (size_t i = 0; i < sizeof(kOps) / sizeof(kOps[0]); ++i)
    if (kOps[i]->builtin_code == builtin_code) return kOps[i];
  return NULL;
}
