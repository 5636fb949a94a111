#include <math.h>
#include <string.h>

#include "vbinary/qs8_vadd.h"

int tsp_qs8_vadd_params_init(float a_scale, int32_t a_zero_point, float b_scale,
                             int32_t b_zero_point, float out_scale, int32_t out_zero_point,
                             int32_t out_min, int32_t out_max, struct tsp_qs8_vadd_params* p) {
  memset(p, 0, sizeof(*p));
  const float scales[3] = {a_scale, b_scale, out_scale};
  for (int i = 0; i < 3; ++i)
    if (!(scales[i] > 0.0f) || isinf(scales[i])) return -1;
  const int32_t zps[3] = {a_zero_point, b_zero_point, out_zero_point};
  for (int i = 0; i < 3; ++i)
    if (zps[i] < -128 || zps[i] > 127) return -1;
  if (out_min < -128 || out_max > 127 || out_min > out_max) return -1;
  /* Prepare's arithmetic: double from the float scales. */
  const double twice = 2.0 * fmax((double)a_scale, (double)b_scale);
  const double real_out = twice / ((double)(1 << 20) * (double)out_scale);
  if (!(real_out < 1.0)) return -1;
  /* |a - za| * sa + |b - zb| * sb over so bounds the value before the zero
   * point; past int16 TFLite's vector loop wraps it (vmovn). */
  if (255.0 * ((double)a_scale + (double)b_scale) / (double)out_scale > 32000.0) return -1;
  int32_t ma, ea, mb, eb, mo, eo;
  if (tsp_qs8_quantize_multiplier((double)a_scale / twice, &ma, &ea) != 0 ||
      tsp_qs8_quantize_multiplier((double)b_scale / twice, &mb, &eb) != 0 ||
      tsp_qs8_quantize_multiplier(real_out, &mo, &eo) != 0)
    return -1;
  if (ea < -20 || eb < -20 || ea > 0 || eb > 0 || eo > 0 || ma == 0 || mb == 0 || mo == 0)
    return -1;
  p->a_zero_point = a_zero_point;
  p->b_zero_point = b_zero_point;
  p->a_multiplier = ma;
  p->b_multiplier = mb;
  p->a_shift = ea;
  p->b_shift = eb;
  p->out_multiplier = mo;
  p->out_shift = -eo;
  p->out_zero_point = out_zero_point;
  p->min = out_min;
  p->max = out_max;
  return 0;
}
