/* NEON math layer for the element-wise kernels (vunary/, vbinary/): the
 * vector layer of dwconv/vec_neon.h plus max/min (vmaxq/vminq propagate NaN
 * from either operand), division, sign select and the exp core. */
#ifndef TFLITE_SPARSE_VMATH_NEON_H_
#define TFLITE_SPARSE_VMATH_NEON_H_

#include "dwconv/vec_neon.h"

static inline tsp_vec vm_max(tsp_vec bound, tsp_vec x) { return vmaxq_f32(bound, x); }
static inline tsp_vec vm_min(tsp_vec bound, tsp_vec x) { return vminq_f32(bound, x); }
static inline tsp_vec vm_sub(tsp_vec a, tsp_vec b) { return vsubq_f32(a, b); }
static inline tsp_vec vm_div(tsp_vec a, tsp_vec b) { return vdivq_f32(a, b); }
static inline tsp_vec vm_neg_abs(tsp_vec x) { return vnegq_f32(vabsq_f32(x)); }
/* Lanes where x has its sign bit set take neg, the others pos. */
static inline tsp_vec vm_select_sign(tsp_vec x, tsp_vec neg, tsp_vec pos) {
  const uint32x4_t negative = vreinterpretq_u32_s32(vshrq_n_s32(vreinterpretq_s32_f32(x), 31));
  return vbslq_f32(negative, neg, pos);
}
static inline tsp_vec vm_round(tsp_vec x) { return vrndnq_f32(x); }
/* 2^n for integral n in [-126, 127], built in the exponent bits. */
static inline tsp_vec vm_exp2i(tsp_vec n) {
  const int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vreinterpretq_f32_s32(bits);
}

/* Lanes where z < cutoff become 0 (NaN lanes are kept). */
static inline tsp_vec vm_zero_below(tsp_vec z, float cutoff, tsp_vec v) {
  return vbslq_f32(vcltq_f32(z, vdupq_n_f32(cutoff)), vdupq_n_f32(0.0f), v);
}

#endif /* TFLITE_SPARSE_VMATH_NEON_H_ */
