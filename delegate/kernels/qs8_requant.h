/* Int8 (QS8) requantization shared by the int8 kernels (SpMM, depthwise):
 * TFLite's int8 output quantization with per-channel multipliers.
 *
 *   out = clamp(zy + MultiplyByQuantizedMultiplier(acc, mult, shift),
 *               act_min, act_max)                              (int8)
 * MultiplyByQuantizedMultiplier is TFLite's default (double-rounding) one:
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc * 2^left, mult),
 * right) with left = max(shift, 0), right = max(-shift, 0); acc * 2^left
 * wraps modulo 2^32 as TFLite's int32 code does in practice. zy + the
 * requantized value is computed exactly (no wrap) before the clamp.
 * The AVX2 vector version, bit-exact with these: qs8_requant_avx2.h. */
#ifndef TFLITE_SPARSE_QS8_REQUANT_H_
#define TFLITE_SPARSE_QS8_REQUANT_H_

#include <stdint.h>

/* Output quantization: zero point and the fused activation's clamp. */
typedef struct {
  int32_t zero_point; /* zy, in [-128, 127] */
  int32_t min;        /* act_min, in [-128, 127] */
  int32_t max;        /* act_max, in [min, 127] */
} tsp_qs8_output;

/* TFLite's QuantizeMultiplier: real = mult * 2^(shift - 31) with mult in
 * [2^30, 2^31) (round half away from zero, a rounded 2^31 becomes 2^30 with
 * shift + 1), real == 0 gives (0, 0), a shift below -31 flushes to (0, 0).
 * Returns 0, or -1 for a negative, NaN or infinite real, or a shift above 31
 * (real >= 2^31), leaving the outputs at (0, 0). */
int tsp_qs8_quantize_multiplier(double real, int32_t* multiplier, int32_t* shift);

/* ---- scalar requantization, shared by the reference kernels ---- */

/* gemmlowp's SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to
 * nearest with ties toward +infinity (a * b = 3 * 2^30 gives 2, -3 * 2^30 gives -1, as
 * ARM's vqrdmulh); the one overflow (a == b == INT32_MIN) saturates. */
static inline int32_t tsp_qs8_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
  return (int32_t)((ab + nudge) / (INT64_C(1) << 31)); /* C division truncates */
}

/* gemmlowp's RoundingDivideByPOT, exponent in [0, 31]: x / 2^e rounded to
 * nearest, ties away from zero. */
static inline int32_t tsp_qs8_rdbpot(int32_t x, int32_t e) {
  const int32_t mask = (int32_t)((INT64_C(1) << e) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

static inline int32_t tsp_qs8_mbqm(int32_t acc, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)acc << left); /* wraps, like TFLite */
  return tsp_qs8_rdbpot(tsp_qs8_srdhm(shifted, multiplier), right);
}

static inline int8_t tsp_qs8_requantize(int32_t acc, int32_t multiplier, int32_t shift,
                                        const tsp_qs8_output* q) {
  int64_t y = (int64_t)tsp_qs8_mbqm(acc, multiplier, shift) + q->zero_point;
  y = y < q->min ? q->min : y;
  return (int8_t)(y > q->max ? q->max : y);
}

/* ---- the convolutions' variant ----
 * TFLite's int8 CONV_2D and FULLY_CONNECTED multiply through ruy, whose
 * multiplier differs from the one above in its last step: after the same
 * SaturatingRoundingDoublingHighMul, ruy shifts right rounding to nearest
 * with ties toward +infinity (ARM's srshl), where gemmlowp's
 * RoundingDivideByPOT sends ties away from zero. The two differ only on
 * negative ties, e.g. -70.5 -> -70 (ruy) vs -71. Measured against stock
 * TFLite 2.21 / LiteRT 2.3 builtin kernels on a linear (no activation) 1x1
 * conv: ruy's form matched all 4096 outputs, gemmlowp's missed 8 ties. The
 * depthwise conv (TFLite's own kernel) keeps gemmlowp's. */

/* x / 2^e rounded to nearest, ties toward +infinity, e in [0, 31]: the
 * floor of x / 2^e plus bit e - 1 of x (no overflow near INT32_MAX). */
static inline int32_t tsp_qs8_rshift_up(int32_t x, int32_t e) {
  return e == 0 ? x : (x >> e) + ((x >> (e - 1)) & 1);
}

static inline int32_t tsp_qs8_mbqm_conv(int32_t acc, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)acc << left); /* wraps, like ruy */
  return tsp_qs8_rshift_up(tsp_qs8_srdhm(shifted, multiplier), right);
}

static inline int8_t tsp_qs8_requantize_conv(int32_t acc, int32_t multiplier, int32_t shift,
                                             const tsp_qs8_output* q) {
  int64_t y = (int64_t)tsp_qs8_mbqm_conv(acc, multiplier, shift) + q->zero_point;
  y = y < q->min ? q->min : y;
  return (int8_t)(y > q->max ? q->max : y);
}

#endif /* TFLITE_SPARSE_QS8_REQUANT_H_ */
