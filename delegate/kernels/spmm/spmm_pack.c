/* Packing of dense 1x1-convolution weights into the SpMM streams described in
 * kernels.h (values / counts / diffs, grouped by output-channel blocks). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "spmm/spmm_groups.h"

/* Whether input channel ci of the `rows` output channels starting at row0
 * holds any non-zero: the block is stored if so. */
static int block_is_nonzero(const float* weights, uint32_t in_channels, uint32_t row0,
                            uint32_t rows, uint32_t ci) {
  for (uint32_t r = 0; r < rows; ++r) {
    if (weights[(size_t)(row0 + r) * in_channels + ci] != 0.0f) return 1;
  }
  return 0;
}

static uint32_t group_rows(const tsp_spmm_weights* v, uint32_t g) {
  return tsp_spmm_group_rows(v->block, v->full_groups, g);
}

static uint32_t group_first_row(const tsp_spmm_weights* v, uint32_t g) {
  return tsp_spmm_group_first_row(v->block, v->full_groups, g);
}

static size_t count_nonzero_blocks(const float* weights, const tsp_spmm_weights* v,
                                   size_t* value_count) {
  const uint32_t groups = v->full_groups + v->tail_rows;
  size_t nnz = 0, values = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = group_rows(v, g), row0 = group_first_row(v, g);
    values += rows; /* bias */
    for (uint32_t ci = 0; ci < v->in_channels; ++ci) {
      if (block_is_nonzero(weights, v->in_channels, row0, rows, ci)) {
        ++nnz;
        values += rows;
      }
    }
  }
  *value_count = values;
  return nnz;
}

/* Writes values, counts and channels; diffs are encoded by restride. */
static void fill_streams(const float* weights, const float* bias, tsp_spmm_packed* p) {
  const tsp_spmm_weights* v = &p->view;
  const uint32_t groups = v->full_groups + v->tail_rows;
  float* out = p->values;
  size_t nnz = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = group_rows(v, g), row0 = group_first_row(v, g);
    for (uint32_t r = 0; r < rows; ++r) *out++ = bias ? bias[row0 + r] : 0.0f;
    uint32_t count = 0;
    for (uint32_t ci = 0; ci < v->in_channels; ++ci) {
      if (!block_is_nonzero(weights, v->in_channels, row0, rows, ci)) continue;
      for (uint32_t r = 0; r < rows; ++r) *out++ = weights[(size_t)(row0 + r) * v->in_channels + ci];
      p->channels[nnz++] = ci;
      ++count;
    }
    p->counts[g] = count;
  }
}

int tsp_spmm_pack(const float* weights, const float* bias, uint32_t out_channels,
                  uint32_t in_channels, uint32_t block, size_t input_stride,
                  tsp_spmm_packed* packed) {
  memset(packed, 0, sizeof(*packed));
  if (block == 0) return -1;
  if (!tsp_spmm_stride_fits(in_channels, input_stride)) return -1;
  tsp_spmm_weights* v = &packed->view;
  v->out_channels = out_channels;
  v->in_channels = in_channels;
  v->block = block;
  v->full_groups = out_channels / block;
  v->tail_rows = out_channels % block;

  size_t value_count = 0;
  const size_t nnz = count_nonzero_blocks(weights, v, &value_count);
  const size_t groups = (size_t)v->full_groups + v->tail_rows;
  packed->nnz_blocks = nnz;
  packed->values = tsp_spmm_alloc_array(value_count, sizeof(float));
  packed->diffs = tsp_spmm_alloc_array(nnz, sizeof(int32_t));
  packed->counts = tsp_spmm_alloc_array(groups, sizeof(uint32_t));
  packed->channels = tsp_spmm_alloc_array(nnz, sizeof(uint32_t));
  if (!packed->values || !packed->diffs || !packed->counts || !packed->channels) {
    tsp_spmm_release(packed);
    return -1;
  }
  fill_streams(weights, bias, packed);
  v->values = packed->values;
  v->diffs = packed->diffs;
  v->counts = packed->counts;
  tsp_spmm_restride(packed, input_stride);
  return 0;
}

int tsp_spmm_restride(tsp_spmm_packed* packed, size_t input_stride) {
  if (!tsp_spmm_stride_fits(packed->view.in_channels, input_stride)) return -1;
  packed->input_stride = input_stride;
  packed->view.first_offset =
      tsp_spmm_encode_diffs(packed->channels, packed->nnz_blocks, input_stride, packed->diffs);
  return 0;
}

void tsp_spmm_release(tsp_spmm_packed* packed) {
  free(packed->values);
  free(packed->diffs);
  free(packed->counts);
  free(packed->channels);
  memset(packed, 0, sizeof(*packed));
}
