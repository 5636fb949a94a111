/* Reference QS8 SpMM: one output value at a time, in stream order, any
 * output-channel block. Every SIMD QS8 kernel is tested against it. */
#include <stdint.h>

#include "qs8_spmm.h"
#include "ukernels.h"

static const int8_t* qs8_advance(const int8_t* p, int32_t bytes) { return p + bytes; }

static void qs8_group_row(size_t nc, uint32_t rows, uint32_t r, uint32_t count,
                          const int8_t* vals, const int32_t* diffs, const int8_t* in,
                          int32_t bias, int32_t mult, int32_t shift, int8_t* out,
                          const tsp_qs8_output* q) {
  for (size_t j = 0; j < nc; ++j) {
    uint32_t acc = (uint32_t)bias; /* modulo 2^32, see qs8_spmm.h */
    const int8_t* p = in;
    for (uint32_t k = 0; k < count; ++k) {
      acc += (uint32_t)((int32_t)vals[(size_t)k * rows + r] * (int32_t)p[j]);
      p = qs8_advance(p, diffs[k]);
    }
    out[j] = tsp_qs8_requantize_conv((int32_t)acc, mult, shift, q);
  }
}

void qs8_spmm__scalar(size_t nc, const tsp_qs8_spmm_weights* w, const int8_t* input,
                      int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  const uint32_t groups = w->full_groups + w->tail_rows;
  const int8_t* vals = w->values;
  const int32_t* diffs = w->diffs;
  const int8_t* in = qs8_advance(input, w->first_offset);
  int8_t* out = output;
  uint32_t row = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = g < w->full_groups ? w->block : 1;
    const uint32_t count = w->counts[g];
    for (uint32_t r = 0; r < rows; ++r, ++row) {
      qs8_group_row(nc, rows, r, count, vals, diffs, in, w->bias[row], w->multiplier[row],
                    w->shift[row], out, q);
      out += output_stride;
    }
    for (uint32_t k = 0; k < count; ++k) in = qs8_advance(in, diffs[k]);
    vals += (size_t)count * rows;
    diffs += count;
  }
}
