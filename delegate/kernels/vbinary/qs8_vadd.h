/* Int8 (QS8) ADD of two same-shape int8 tensors with a fused activation, as
 * TFLite 2.21 / LiteRT 2.3 compute it with their builtin kernels (add.cc:
 * Prepare, then optimized_integer_ops::Add -> AddElementwise; on x86 pip
 * wheels its NEON loop is compiled through NEON_2_SSE).
 *
 * Prepare (scales as float, the arithmetic in double):
 *   twice = 2 * max(sa, sb)
 *   (ma, ea) = QuantizeMultiplier(sa / twice)       ea <= 0
 *   (mb, eb) = QuantizeMultiplier(sb / twice)       eb <= 0
 *   (mo, eo) = QuantizeMultiplier(twice / (2^20 * so)),  eo <= 0
 * Per element, xa = a - za, xb = b - zb, then two forms:
 *   vector (AddElementwise's NEON loop, whole blocks of 16 elements from
 *   the start of the flat NHWC tensor): the left shift 20 and the input
 *   shift are joined, the input is scaled once:
 *     ya = SRDHM(xa << (20 + ea), ma),  yb likewise
 *   scalar (the last flat_size % 16 elements):
 *     ya = RDBPOT(SRDHM(xa << 20, ma), -ea),  yb likewise
 * and both end alike:
 *     y = clamp(RDBPOT(SRDHM(ya + yb, mo), -eo) + zo, act_min, act_max)
 * SRDHM: gemmlowp's SaturatingRoundingDoublingHighMul (= vqrdmulh);
 * RDBPOT: RoundingDivideByPOT, ties away from zero (gemmlowp's NEON version
 * keeps that through its fixup, so the output rounding does not depend on
 * the position). The two input forms differ by one unit of 2^-20 in ya now
 * and then, which changes an output only when the sum sits on an output
 * tie: rare, but it happens (measured, see qs8_vadd__scalar.c).
 *
 * The kernels compute the vector form for every element; a caller matching
 * TFLite recomputes the last flat_size % 16 elements (NHWC order, batch
 * included) with tsp_qs8_vadd_scalar_form. */
#ifndef TFLITE_SPARSE_QS8_VADD_H_
#define TFLITE_SPARSE_QS8_VADD_H_

#include <stddef.h>
#include <stdint.h>

#include "qs8_requant.h"

/* Elements per block of TFLite's vector loop. */
#define TSP_QS8_VADD_BLOCK 16

struct tsp_qs8_vadd_params {
  int32_t a_zero_point, b_zero_point;
  int32_t a_multiplier, b_multiplier; /* in [2^30, 2^31) */
  int32_t a_shift, b_shift;           /* TFLite's input shifts, in [-20, 0] */
  int32_t out_multiplier;             /* in [2^30, 2^31) */
  int32_t out_shift;                  /* right shift -eo, in [0, 31] */
  int32_t out_zero_point, min, max;   /* the clamp, within [-128, 127] */
};

/* Fills p. Returns 0, or -1 (p zeroed) when TFLite would refuse the node or
 * its vector loop would compute something our kernels do not: a scale not
 * positive and finite, a zero point outside [-128, 127], min > max or
 * outside [-128, 127], an input shift below -20 (TFLite's vshl would turn
 * into a truncating right shift: scales 2^20 apart), an output multiplier
 * not below 1 (TFLite aborts), or an output scale so small that the value
 * before the zero point could pass int16 (the vector loop narrows it with
 * wrap-around, vmovn). */
int tsp_qs8_vadd_params_init(float a_scale, int32_t a_zero_point, float b_scale,
                             int32_t b_zero_point, float out_scale, int32_t out_zero_point,
                             int32_t out_min, int32_t out_max, struct tsp_qs8_vadd_params* p);

static inline int8_t tsp_qs8_vadd_finish(int32_t sum, const struct tsp_qs8_vadd_params* p) {
  int32_t y = tsp_qs8_rdbpot(tsp_qs8_srdhm(sum, p->out_multiplier), p->out_shift) +
              p->out_zero_point;
  y = y < p->min ? p->min : y;
  return (int8_t)(y > p->max ? p->max : y);
}

/* The vector form (whole blocks of 16). |x| <= 255 and 20 + shift <= 20:
 * no overflow. */
static inline int8_t tsp_qs8_vadd_vector_form(int8_t a, int8_t b,
                                              const struct tsp_qs8_vadd_params* p) {
  const int32_t xa = (int32_t)a - p->a_zero_point, xb = (int32_t)b - p->b_zero_point;
  const int32_t ya = tsp_qs8_srdhm(xa * (1 << (20 + p->a_shift)), p->a_multiplier);
  const int32_t yb = tsp_qs8_srdhm(xb * (1 << (20 + p->b_shift)), p->b_multiplier);
  return tsp_qs8_vadd_finish(ya + yb, p);
}

/* The scalar form (TFLite's tail, the last flat_size % 16 elements). */
static inline int8_t tsp_qs8_vadd_scalar_form(int8_t a, int8_t b,
                                              const struct tsp_qs8_vadd_params* p) {
  const int32_t xa = (int32_t)a - p->a_zero_point, xb = (int32_t)b - p->b_zero_point;
  const int32_t ya = tsp_qs8_rdbpot(tsp_qs8_srdhm(xa * (1 << 20), p->a_multiplier), -p->a_shift);
  const int32_t yb = tsp_qs8_rdbpot(tsp_qs8_srdhm(xb * (1 << 20), p->b_multiplier), -p->b_shift);
  return tsp_qs8_vadd_finish(ya + yb, p);
}

#endif /* TFLITE_SPARSE_QS8_VADD_H_ */
