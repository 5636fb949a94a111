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
  p->multiplier = mult;
  p->shift = shift;
  p->bias = output_zero_point - (int32_t)t; /* the cast truncates, as TFLite's */
  return 0;
}
