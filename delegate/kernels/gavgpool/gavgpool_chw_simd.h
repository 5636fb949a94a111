/* SIMD template of the CHW global average pool; the includer includes a
 * vector layer (dwconv/vec_<isa>.h), defines TSP_GAP_FN and v_hsum.
 *
 * Four independent accumulators hide the add latency on the large planes
 * (112x112); the tail takes a masked load so the row padding is never read. */
#include <stddef.h>

#include "ukernels.h"

static inline float gap_row_sum(const float* row, size_t n) {
  tsp_vec a0 = v_zero(), a1 = v_zero(), a2 = v_zero(), a3 = v_zero();
  size_t i = 0;
  for (; i + 4 * TSP_V <= n; i += 4 * TSP_V) {
    a0 = v_add(a0, v_loadu(row + i));
    a1 = v_add(a1, v_loadu(row + i + TSP_V));
    a2 = v_add(a2, v_loadu(row + i + 2 * TSP_V));
    a3 = v_add(a3, v_loadu(row + i + 3 * TSP_V));
  }
  for (; i + TSP_V <= n; i += TSP_V) a0 = v_add(a0, v_loadu(row + i));
  if (i < n) a1 = v_add(a1, v_load_n(row + i, n - i));
  return v_hsum(v_add(v_add(a0, a1), v_add(a2, a3)));
}

void TSP_GAP_FN(size_t spatial, size_t channels, const float* input, size_t ld, float* output) {
  const float scale = 1.0f / (float)spatial;
  for (size_t c = 0; c < channels; ++c) {
    output[c] = gap_row_sum(input + c * ld, spatial) * scale;
  }
}
