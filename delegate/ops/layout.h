/* Layout steps at partition edges: NHWC (TFLite) <-> CHW (the plan). */
#ifndef TFLITE_SPARSE_OPS_LAYOUT_H_
#define TFLITE_SPARSE_OPS_LAYOUT_H_

#include "plan.h"

extern const tsp_step_ops tsp_step_to_chw;
extern const tsp_step_ops tsp_step_to_nhwc;

#endif /* TFLITE_SPARSE_OPS_LAYOUT_H_ */
