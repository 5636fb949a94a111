#include <math.h>
#include <string.h>

#include "gavgpool/qs8_gavgpool.h"

int tsp_qs8_gavgpool_params_init(double input_scale, int32_t input_zero_point,
                                 double output_scale, int32_t output_zero_point, size_t spatial,
                                 struct tsp_qs8_gavgpool_params* p) {
  memset(p, 0, sizeof(*p));
  if (spatial == 0 || spatial > ((size_t)1 << 24)) return -1;
  if (input_zero_point < -128 || input_zero_point > 127) return -1;
  if (output_zero_point < -128 || output_zero_point > 127) return -1;
  /* TFLite's arithmetic here is float (its params.scale), step by step;
   * volatile keeps each rounding even under excess-precision FPUs. */
  const volatile float si = (float)input_scale, so = (float)output_scale;
  if (!(si > 0.0f) || !(so > 0.0f) || isinf(si) || isinf(so)) return -1;
  const volatile float n = (float)spatial;
  const volatile float n_so = n * so;
  const volatile float real = si / n_so;
  const volatile float zs = (float)input_zero_point * si;
  volatile float t = zs / so;
  t = t > 0.0f ? t + 0.5f : t - 0.5f;
  if (!(fabsf(t) < 1073741824.0f)) return -1;
  int32_t mult, shift;
  if (tsp_qs8_quantize_multiplier((double)real, &mult, &shift) != 0) return -1;
  p->keep_dims = 1;
  p->multiplier = mult;
  p->shift = shift;
  p->bias = output_zero_point - (int32_t)t; /* the cast truncates, as TFLite's */
  return 0;
}

int tsp_qs8_gavgpool_params_init_no_keep_dims(double input_scale, int32_t input_zero_point,
                                              double output_scale, int32_t output_zero_point,
                                              size_t spatial, struct tsp_qs8_gavgpool_params* p) {
  memset(p, 0, sizeof(*p));
  if (spatial == 0 || spatial > ((size_t)1 << 24)) return -1;
  if (input_zero_point < -128 || input_zero_point > 127) return -1;
  if (output_zero_point < -128 || output_zero_point > 127) return -1;
  const float si = (float)input_scale, so = (float)output_scale;
  if (!(si > 0.0f) || !(so > 0.0f) || isinf(si) || isinf(so)) return -1;
  /* PrepareMeanOrSum: the ratio in double of the float scales. */
  int32_t m0, s0;
  if (tsp_qs8_quantize_multiplier((double)si / (double)so, &m0, &s0) != 0) return -1;
  /* QuantizedMeanOrSum folds 1/n into the multiplier. */
  int k = 0;
  while (((uint64_t)spatial >> (k + 1)) != 0) ++k; /* floor(log2 n) */
  if (k > 32) k = 32;
  if (k > 31 + s0) k = 31 + s0;
  p->keep_dims = 0;
  p->multiplier = (int32_t)(((int64_t)m0 << k) / (int64_t)spatial);
  p->shift = s0 - k;
  p->bias = output_zero_point;
  p->sum_zero = (int32_t)(uint32_t)((uint64_t)(int64_t)input_zero_point * (uint64_t)spatial);
  return 0;
}
