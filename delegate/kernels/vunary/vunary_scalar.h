/* Scalar helpers shared by the element-wise reference kernels. */
#ifndef TFLITE_SPARSE_VUNARY_SCALAR_H_
#define TFLITE_SPARSE_VUNARY_SCALAR_H_

#include <math.h>

#include "kernels.h"

/* Written with comparisons that are false for NaN, so NaN passes through. */
static inline float tsp_clamp_scalar(float v, const tsp_minmax* clamp) {
  return v < clamp->min ? clamp->min : (v > clamp->max ? clamp->max : v);
}

/* 1 / (1 + e^-x) without overflow: from e = e^-|x|. */
static inline float tsp_sigmoid_scalar(float x) {
  const float e = expf(-fabsf(x));
  const float r = 1.0f / (1.0f + e);
  return signbit(x) ? e * r : r;
}

#endif /* TFLITE_SPARSE_VUNARY_SCALAR_H_ */
