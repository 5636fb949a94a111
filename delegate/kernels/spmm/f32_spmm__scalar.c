/* Reference SpMM: one output value at a time, in stream order. Handles any
 * output-channel block (w->block). Every SIMD kernel is tested against it. */
#include <stdint.h>

#include "kernels.h"

static float clampf(float x, const tsp_minmax* clamp) {
  x = x < clamp->min ? clamp->min : x;
  return x > clamp->max ? clamp->max : x;
}

static const float* advance(const float* p, int32_t bytes) {
  return (const float*)((const char*)p + bytes);
}

/* One output row r of a group: walks the group's `count` blocks from `in`. */
static void group_row(size_t nc, uint32_t rows, uint32_t r, uint32_t count,
                      const float* vals, const int32_t* diffs, const float* in,
                      float* out, const tsp_minmax* clamp) {
  for (size_t j = 0; j < nc; ++j) {
    float acc = vals[r]; /* bias */
    const float* p = in;
    for (uint32_t k = 0; k < count; ++k) {
      acc += vals[rows + (size_t)k * rows + r] * p[j];
      p = advance(p, diffs[k]);
    }
    out[j] = clampf(acc, clamp);
  }
}

void f32_spmm__scalar(size_t nc, const tsp_spmm_weights* w, const float* input,
                      float* output, size_t output_stride, const tsp_minmax* clamp) {
  const uint32_t groups = w->full_groups + w->tail_rows;
  const float* vals = w->values;
  const int32_t* diffs = w->diffs;
  const float* in = advance(input, w->first_offset);
  char* out = (char*)output;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = g < w->full_groups ? w->block : 1;
    const uint32_t count = w->counts[g];
    for (uint32_t r = 0; r < rows; ++r) {
      group_row(nc, rows, r, count, vals, diffs, in, (float*)out, clamp);
      out += output_stride;
    }
    for (uint32_t k = 0; k < count; ++k) in = advance(in, diffs[k]);
    vals += rows + (size_t)count * rows;
    diffs += count;
  }
}
