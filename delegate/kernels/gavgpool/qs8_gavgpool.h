/* Int8 (QS8) global average pool over a CHW plane: TFLite's int8 MEAN with
 * keep_dims over axes {1, 2} of a 4-D tensor, as the builtin kernel computes
 * it (TFLite / LiteRT 2.21, reduce.cc EvalMean<kGenericOptimized> ->
 * optimized_integer_ops::Mean; Register_MEAN picks that kernel whenever
 * USE_NEON is defined: on ARM NEON, and on x86 built with SSE4.1 through
 * NEON_2_SSE, as the pip wheels are). Per channel, with n = H * W:
 *
 *   sum  = sum of the n raw int8 values (the zero point is not subtracted)
 *   real = (float) in_scale / ((float) n * (float) out_scale)   float math
 *   (mult, shift) = QuantizeMultiplier(real)
 *   t    = (float) in_zp * in_scale / out_scale, rounded half away from 0
 *   bias = out_zp - t
 *   out  = clamp(R(SRDHM(sum << left, mult), right) + bias, -128, 127)
 *
 * with left = max(shift, 0), right = max(-shift, 0) and R the final rounding
 * shift, which depends on where the channel falls: TFLite's NEON loop takes
 * the channels in whole blocks of 16 from the first one (its
 * MultiplyByQuantizedMultiplier4Rows ends in vrshlq_s32: ties toward
 * +infinity) and the last channels % 16 in scalar code (gemmlowp's
 * RoundingDivideByPOT: ties away from zero). The two differ only for a
 * negative value exactly halfway, which happens: about 1 channel in 60 in
 * the measurements. Our kernels reproduce that per call: the first
 * channels / 16 * 16 channels of a call round up, the rest away from zero,
 * so a caller matches TFLite when it hands over all the channels of the
 * image in one call (TFLite single-threaded), or splits them as TFLite's
 * threads do (depth ranges [C*i/T ...), each rounded the same way; ranges
 * that are multiples of 16 need no care).
 * The + bias wraps modulo 2^32 as TFLite's vaddq_s32 does (only reachable
 * with absurd scales).
 *
 * Not TFLite's reference kernel (reference_integer_ops::Mean, used when
 * USE_NEON is off), which subtracts the zero point first and divides by n
 * in integers: that differs in about 15% of outputs. XNNPACK's MEAN (the
 * default delegate) differs by +-1 in 6..14% of outputs as well.
 *
 * keep_dims = false (what Keras' GlobalAveragePooling2D() writes by
 * default, so MobileNet's and EfficientNet's final pool) takes another
 * path: EvalMean's optimized branch wants keep_dims, so the int8 MEAN goes
 * to EvalQuantizedMean -> reference_ops::QuantizedMeanOrSum (integer), for
 * equal scales too:
 *   (M0, s0) = QuantizeMultiplier((double) in_scale / out_scale)  (Prepare)
 *   k = min(floor(log2 n), 32, 31 + s0)
 *   M = (M0 << k) / n  (int64, truncated),  s = s0 - k
 *   out = clamp(MultiplyByQuantizedMultiplier(sum - in_zp * n, M, s)
 *               + out_zp, -128, 127)
 * with the usual double rounding and no channel-position dependence.
 * tsp_qs8_gavgpool_params_init_no_keep_dims sets that mode; the keep_dims
 * formula would be off in about 11% of those outputs. */
#ifndef TFLITE_SPARSE_QS8_GAVGPOOL_H_
#define TFLITE_SPARSE_QS8_GAVGPOOL_H_

#include <stddef.h>
#include <stdint.h>

#include "qs8_kernels.h"
#include "qs8_requant.h"

/* Channels per block of TFLite's vector loop (rounding ties toward +inf). */
#define TSP_QS8_GAVGPOOL_BLOCK 16

struct tsp_qs8_gavgpool_params {
  int32_t keep_dims;  /* 1: optimized_integer_ops::Mean; 0: QuantizedMeanOrSum */
  int32_t multiplier; /* keep_dims: QuantizeMultiplier(real), in [2^30, 2^31)
                         or 0; else M above, in [0, 2^31) */
  int32_t shift;      /* in [-31, 31] */
  int32_t bias;       /* keep_dims: out_zp - round(in_zp * in_scale / out_scale);
                         else out_zp */
  int32_t sum_zero;   /* keep_dims: 0; else in_zp * n (wrapped to int32) */
};

/* Fills p for `spatial` = H * W elements per channel. The scales are rounded
 * to float first (TFLite keeps them as float). Returns 0, or -1 (p zeroed)
 * when TFLite would not run this or we would not match it: spatial 0 or
 * above 2^24 (n not exact as a float; the int32 sum could wrap), a scale not
 * positive and finite as a float, a zero point outside [-128, 127], real
 * that QuantizeMultiplier rejects (>= 2^31), or |t| >= 2^30 (TFLite's
 * float-to-int conversion or bias would overflow). */
int tsp_qs8_gavgpool_params_init(double input_scale, int32_t input_zero_point,
                                 double output_scale, int32_t output_zero_point, size_t spatial,
                                 struct tsp_qs8_gavgpool_params* p);

/* The same for a MEAN with keep_dims = false (output [N, C]). Returns -1
 * (p zeroed) for spatial 0 or above 2^24, a scale not positive and finite
 * as a float, a zero point outside [-128, 127], or a scale ratio
 * QuantizeMultiplier rejects. */
int tsp_qs8_gavgpool_params_init_no_keep_dims(double input_scale, int32_t input_zero_point,
                                              double output_scale, int32_t output_zero_point,
                                              size_t spatial, struct tsp_qs8_gavgpool_params* p);

/* One channel's output from its raw sum; block: the channel is inside the
 * call's whole blocks of 16 (round ties up) or in the tail (ties away),
 * which matters for keep_dims only. */
static inline int8_t tsp_qs8_gavgpool_output(int32_t sum, const struct tsp_qs8_gavgpool_params* p,
                                             int block) {
  if (!p->keep_dims) {
    const tsp_qs8_output q = {p->bias, -128, 127};
    const int32_t shifted = (int32_t)((uint32_t)sum - (uint32_t)p->sum_zero); /* wraps */
    return tsp_qs8_requantize(shifted, p->multiplier, p->shift, &q);
  }
  const int32_t left = p->shift > 0 ? p->shift : 0, right = p->shift > 0 ? 0 : -p->shift;
  const int32_t h = tsp_qs8_srdhm((int32_t)((uint32_t)sum << left), p->multiplier);
  int32_t r;
  if (!block) {
    r = tsp_qs8_rdbpot(h, right);
  } else if (right == 0) {
    r = h;
  } else { /* vrshl: (h + 2^(right-1)) >> right without overflow */
    r = (h >> right) + ((h >> (right - 1)) & 1);
  }
  int32_t y = (int32_t)((uint32_t)r + (uint32_t)p->bias);
  y = y < -128 ? -128 : y;
  return (int8_t)(y > 127 ? 127 : y);
}

#endif /* TFLITE_SPARSE_QS8_GAVGPOOL_H_ */
