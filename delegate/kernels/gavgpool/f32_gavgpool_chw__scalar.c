#include "ukernels.h"

/* Reference: plain sequential sum per channel, then one division. */
void f32_gavgpool_chw__scalar(size_t spatial, size_t channels, const float* input, size_t ld,
                              float* output) {
  for (size_t c = 0; c < channels; ++c) {
    const float* row = input + c * ld;
    float sum = 0.0f;
    for (size_t i = 0; i < spatial; ++i) sum += row[i];
    output[c] = sum / (float)spatial;
  }
}
