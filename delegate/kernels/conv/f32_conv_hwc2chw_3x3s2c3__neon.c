#include "dwconv/vec_neon.h"

/* 4x4 transpose: 32-bit transposes of row pairs, then 64-bit halves. */
static inline void v_transpose(tsp_vec r[4]) {
  const float32x4x2_t t01 = vtrnq_f32(r[0], r[1]);
  const float32x4x2_t t23 = vtrnq_f32(r[2], r[3]);
  r[0] = vcombine_f32(vget_low_f32(t01.val[0]), vget_low_f32(t23.val[0]));
  r[1] = vcombine_f32(vget_low_f32(t01.val[1]), vget_low_f32(t23.val[1]));
  r[2] = vcombine_f32(vget_high_f32(t01.val[0]), vget_high_f32(t23.val[0]));
  r[3] = vcombine_f32(vget_high_f32(t01.val[1]), vget_high_f32(t23.val[1]));
}

#define TSP_CONV_FN f32_conv_hwc2chw_3x3s2c3__neon
#include "conv/conv_hwc2chw_simd.h"
