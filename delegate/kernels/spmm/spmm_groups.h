/* The element-type-independent parts of packing a 1x1 conv's weights into
 * SpMM streams, shared by the f32 (spmm_pack.c) and int8 (qs8_spmm_pack.c)
 * packers: the output-group geometry, the stride bound of the byte diffs
 * and their encoding from the stored blocks' input channels. */
#ifndef TFLITE_SPARSE_SPMM_GROUPS_H_
#define TFLITE_SPARSE_SPMM_GROUPS_H_

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Rows of group g: `block` for the full groups, then 1 for each tail row. */
static inline uint32_t tsp_spmm_group_rows(uint32_t block, uint32_t full_groups, uint32_t g) {
  return g < full_groups ? block : 1;
}

static inline uint32_t tsp_spmm_group_first_row(uint32_t block, uint32_t full_groups,
                                                uint32_t g) {
  return g < full_groups ? g * block : full_groups * block + (g - full_groups);
}

/* Diffs are int32 bytes: the farthest jump, (in_channels-1) rows, must fit. */
static inline int tsp_spmm_stride_fits(uint32_t in_channels, size_t input_stride) {
  return in_channels <= 1 || input_stride <= (size_t)INT32_MAX / (in_channels - 1);
}

/* malloc that never returns NULL for a zero size, so NULL always means OOM. */
static inline void* tsp_spmm_alloc_array(size_t n, size_t size) {
  return malloc((n ? n : 1) * size);
}

/* diffs[i]: bytes from stored block i's input row to block i+1's, the last
 * wrapping to the first so a pass ends where it began; returns the first
 * block's offset. The stride must have passed tsp_spmm_stride_fits. */
static inline int32_t tsp_spmm_encode_diffs(const uint32_t* channels, size_t nnz,
                                            size_t input_stride, int32_t* diffs) {
  const int64_t stride = (int64_t)input_stride;
  for (size_t i = 0; i < nnz; ++i) {
    const int64_t next = channels[i + 1 < nnz ? i + 1 : 0];
    diffs[i] = (int32_t)((next - (int64_t)channels[i]) * stride);
  }
  return nnz ? (int32_t)(channels[0] * stride) : 0;
}

#endif /* TFLITE_SPARSE_SPMM_GROUPS_H_ */
