/* AArch64 NEON vector layer for the CHW spatial kernels: 4 floats per vector.
 * Only included from __neon.c files (NEON is baseline on AArch64, no flags).
 * Same names as vec_avx2.h / vec_avx512.h so the templates (dwconv, first
 * conv, global average pool) serve this ISA too.
 *
 * NEON has no masked loads or stores: the partial loads here are per-lane
 * loads of the enabled lanes only, so, as on x86, no float outside the
 * enabled lanes is ever read or written. */
#ifndef TFLITE_SPARSE_VEC_NEON_H_
#define TFLITE_SPARSE_VEC_NEON_H_

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#define TSP_V 4

typedef float32x4_t tsp_vec;

static inline tsp_vec v_zero(void) { return vdupq_n_f32(0.0f); }
static inline tsp_vec v_set1(float x) { return vdupq_n_f32(x); }
static inline tsp_vec v_loadu(const float* p) { return vld1q_f32(p); }
static inline void v_storeu(float* p, tsp_vec v) { vst1q_f32(p, v); }
/* a * b + c, fused. */
static inline tsp_vec v_fma(tsp_vec a, tsp_vec b, tsp_vec c) { return vfmaq_f32(c, a, b); }
/* acc + x * tap t of a kernel whose taps are packed 4 per vector (lane t % 4
 * of wq[t / 4]); t must fold to a constant, as the lane of an FMA is an
 * immediate. */
static inline __attribute__((always_inline)) tsp_vec v_fma_tap(tsp_vec acc, tsp_vec x,
                                                               const tsp_vec* wq, int t) {
  switch (t & 3) {
    case 0: return vfmaq_laneq_f32(acc, x, wq[t >> 2], 0);
    case 1: return vfmaq_laneq_f32(acc, x, wq[t >> 2], 1);
    case 2: return vfmaq_laneq_f32(acc, x, wq[t >> 2], 2);
    default: return vfmaq_laneq_f32(acc, x, wq[t >> 2], 3);
  }
}
static inline tsp_vec v_mul(tsp_vec a, tsp_vec b) { return vmulq_f32(a, b); }
static inline tsp_vec v_add(tsp_vec a, tsp_vec b) { return vaddq_f32(a, b); }
static inline tsp_vec v_clamp(tsp_vec v, tsp_vec lo, tsp_vec hi) {
  return vminq_f32(vmaxq_f32(v, lo), hi);
}

static inline uint32x4_t vi_iota(void) {
  static const uint32_t iota[4] = {0, 1, 2, 3};
  return vld1q_u32(iota);
}

static inline uint32x4_t v_mask_n(size_t n) { /* lanes [0, n) all-ones, n <= 4 */
  return vcltq_u32(vi_iota(), vdupq_n_u32((uint32_t)n));
}

/* Loads the first n (1..4) floats of p; other lanes zero, their memory not
 * touched. */
static inline tsp_vec v_load_n(const float* p, size_t n) {
  if (n >= 4) return vld1q_f32(p);
  if (n >= 2) {
    const float32x2_t lo = vld1_f32(p);
    const float32x2_t hi = n == 3 ? vld1_lane_f32(p + 2, vdup_n_f32(0.0f), 0) : vdup_n_f32(0.0f);
    return vcombine_f32(lo, hi);
  }
  return vld1q_lane_f32(p, vdupq_n_f32(0.0f), 0);
}
/* Stores the first n (1..4) lanes of v; p[n..4) untouched. */
static inline void v_store_n(float* p, tsp_vec v, size_t n) {
  if (n >= 4) {
    vst1q_f32(p, v);
    return;
  }
  if (n >= 2) {
    vst1_f32(p, vget_low_f32(v));
    if (n == 3) vst1q_lane_f32(p + 2, v, 2);
    return;
  }
  vst1q_lane_f32(p, v, 0);
}

/* Moves lanes up by s (1..3): lane l gets v[l - s], lanes below s get 0. */
static inline tsp_vec v_shift_up(tsp_vec v, size_t s) {
  const float32x4_t z = vdupq_n_f32(0.0f);
  switch (s) {
    case 1: return vextq_f32(z, v, 3);
    case 2: return vextq_f32(z, v, 2);
    case 3: return vextq_f32(z, v, 1);
    default: return s == 0 ? v : z;
  }
}

/* Splits 8 consecutive floats (a then b) into even and odd positions. */
static inline void v_deinterleave(tsp_vec a, tsp_vec b, tsp_vec* even, tsp_vec* odd) {
  *even = vuzp1q_f32(a, b);
  *odd = vuzp2q_f32(a, b);
}

/* ---- lane masks, for the flat-plane scheme ---- */
typedef uint32x4_t tsp_mask; /* all-ones / all-zeros per lane */

static inline tsp_vec v_iota(void) {
  static const float iota[4] = {0.0f, 1.0f, 2.0f, 3.0f};
  return vld1q_f32(iota);
}
static inline tsp_vec v_floor(tsp_vec v) { return vrndmq_f32(v); }
/* c - a * b, fused. */
static inline tsp_vec v_fnma(tsp_vec a, tsp_vec b, tsp_vec c) { return vfmsq_f32(c, a, b); }
static inline tsp_mask v_ge(tsp_vec a, tsp_vec b) { return vcgeq_f32(a, b); }
static inline tsp_mask v_lt(tsp_vec a, tsp_vec b) { return vcltq_f32(a, b); }
static inline tsp_mask m_and(tsp_mask a, tsp_mask b) { return vandq_u32(a, b); }
static inline tsp_mask m_all(void) { return vdupq_n_u32(0xFFFFFFFFu); }
static inline tsp_mask m_first_n(size_t n) { return v_mask_n(n); }

/* Lane i of p as an address computed in integers: p may point outside the
 * buffer when lane i is disabled (see dw_addr in dwconv_chw_simd.h). */
static inline const float* v_lane_addr(const float* p, int i) {
  return (const float*)((uintptr_t)p + (uintptr_t)i * sizeof(float));
}

/* Masked load: lanes outside m read as zero and their memory is not
 * accessed. A full mask takes one plain load; otherwise lane by lane. */
static inline tsp_vec v_load_m(const float* p, tsp_mask m) {
  if (vminvq_u32(m) != 0) return vld1q_f32(p);
  float32x4_t r = vdupq_n_f32(0.0f);
  if (vmaxvq_u32(m) == 0) return r;
  if (vgetq_lane_u32(m, 0)) r = vld1q_lane_f32(v_lane_addr(p, 0), r, 0);
  if (vgetq_lane_u32(m, 1)) r = vld1q_lane_f32(v_lane_addr(p, 1), r, 1);
  if (vgetq_lane_u32(m, 2)) r = vld1q_lane_f32(v_lane_addr(p, 2), r, 2);
  if (vgetq_lane_u32(m, 3)) r = vld1q_lane_f32(v_lane_addr(p, 3), r, 3);
  return r;
}
/* p[0, TSP_V) is readable; lanes outside m become zero: a plain load and an
 * AND. */
static inline tsp_vec v_load_in_m(const float* p, tsp_mask m) {
  return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(vld1q_f32(p)), m));
}
static inline void v_store_m(float* p, tsp_vec v, tsp_mask m) {
  if (vminvq_u32(m) != 0) {
    vst1q_f32(p, v);
    return;
  }
  if (vgetq_lane_u32(m, 0)) vst1q_lane_f32((float*)v_lane_addr(p, 0), v, 0);
  if (vgetq_lane_u32(m, 1)) vst1q_lane_f32((float*)v_lane_addr(p, 1), v, 1);
  if (vgetq_lane_u32(m, 2)) vst1q_lane_f32((float*)v_lane_addr(p, 2), v, 2);
  if (vgetq_lane_u32(m, 3)) vst1q_lane_f32((float*)v_lane_addr(p, 3), v, 3);
}

/* ---- stride-2 rolling chunks and mask tables ---- */
/* Lanes [lo, hi) of a mask, 0 <= lo < hi <= TSP_V. */
static inline tsp_mask m_range(size_t lo, size_t hi) {
  const uint32x4_t i = vi_iota();
  return vandq_u32(vcgeq_u32(i, vdupq_n_u32((uint32_t)lo)), vcltq_u32(i, vdupq_n_u32((uint32_t)hi)));
}
/* Mask from a bit set (bit l = lane l). */
static inline tsp_mask m_from_bits(uint32_t bits) {
  static const uint32_t bit[4] = {1, 2, 4, 8};
  return vtstq_u32(vdupq_n_u32(bits), vld1q_u32(bit));
}
/* Lanes [n, n + TSP_V) of lo followed by hi (n = 1, 2). */
static inline tsp_vec v_alignr1(tsp_vec lo, tsp_vec hi) { return vextq_f32(lo, hi, 1); }
static inline tsp_vec v_alignr2(tsp_vec lo, tsp_vec hi) { return vextq_f32(lo, hi, 2); }

#endif /* TFLITE_SPARSE_VEC_NEON_H_ */
