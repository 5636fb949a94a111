/* Packing of dense int8 1x1-convolution weights into the QS8 SpMM streams
 * (qs8_spmm.h); same group / count / diff structure as spmm_pack.c. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qs8_spmm.h"
#include "spmm/spmm_groups.h"

static int qs8_block_is_nonzero(const int8_t* weights, uint32_t in_channels, uint32_t row0,
                                uint32_t rows, uint32_t ci) {
  for (uint32_t r = 0; r < rows; ++r) {
    if (weights[(size_t)(row0 + r) * in_channels + ci] != 0) return 1;
  }
  return 0;
}

static uint32_t qs8_group_rows(const tsp_qs8_spmm_weights* v, uint32_t g) {
  return tsp_spmm_group_rows(v->block, v->full_groups, g);
}

static uint32_t qs8_group_first_row(const tsp_qs8_spmm_weights* v, uint32_t g) {
  return tsp_spmm_group_first_row(v->block, v->full_groups, g);
}

static size_t qs8_count_nonzero_blocks(const int8_t* weights, const tsp_qs8_spmm_weights* v,
                                       size_t* value_count, size_t* pair_count) {
  const uint32_t groups = v->full_groups + v->tail_rows;
  size_t nnz = 0, values = 0, pairs = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = qs8_group_rows(v, g), row0 = qs8_group_first_row(v, g);
    size_t count = 0;
    for (uint32_t ci = 0; ci < v->in_channels; ++ci) {
      if (qs8_block_is_nonzero(weights, v->in_channels, row0, rows, ci)) ++count;
    }
    nnz += count;
    values += count * rows;
    pairs += (count + 1) / 2 * rows;
  }
  *value_count = values;
  *pair_count = pairs;
  return nnz;
}

/* The pairs stream (qs8_spmm.h) from the values stream and the counts. */
static void qs8_fill_pairs(tsp_qs8_spmm_packed* p) {
  const tsp_qs8_spmm_weights* v = &p->view;
  const uint32_t groups = v->full_groups + v->tail_rows;
  const int8_t* in = p->values;
  int32_t* out = p->pairs;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = qs8_group_rows(v, g), count = p->counts[g];
    for (uint32_t k = 0; k < count; k += 2) {
      for (uint32_t r = 0; r < rows; ++r) {
        const uint32_t lo = (uint16_t)(int16_t)in[(size_t)k * rows + r];
        const uint32_t hi = k + 1 < count ? (uint16_t)(int16_t)in[(size_t)(k + 1) * rows + r] : 0;
        *out++ = (int32_t)(lo | hi << 16);
      }
    }
    in += (size_t)count * rows;
  }
}

/* bias[r] - zx * sum_k w[r][k], modulo 2^32 (see qs8_spmm.h). */
static int32_t qs8_folded_bias(const int8_t* row, uint32_t in_channels, int32_t bias,
                               int32_t zx) {
  uint32_t sum = 0;
  for (uint32_t k = 0; k < in_channels; ++k) sum += (uint32_t)(int32_t)row[k];
  return (int32_t)((uint32_t)bias - (uint32_t)zx * sum);
}

static void qs8_fill_streams(const int8_t* weights, tsp_qs8_spmm_packed* p) {
  const tsp_qs8_spmm_weights* v = &p->view;
  const uint32_t groups = v->full_groups + v->tail_rows;
  int8_t* out = p->values;
  size_t nnz = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t rows = qs8_group_rows(v, g), row0 = qs8_group_first_row(v, g);
    uint32_t count = 0;
    for (uint32_t ci = 0; ci < v->in_channels; ++ci) {
      if (!qs8_block_is_nonzero(weights, v->in_channels, row0, rows, ci)) continue;
      for (uint32_t r = 0; r < rows; ++r) *out++ = weights[(size_t)(row0 + r) * v->in_channels + ci];
      p->channels[nnz++] = ci;
      ++count;
    }
    p->counts[g] = count;
  }
}

int tsp_qs8_spmm_pack(const int8_t* weights, const int32_t* bias, const int32_t* multiplier,
                      const int32_t* shift, int32_t input_zero_point, uint32_t out_channels,
                      uint32_t in_channels, uint32_t block, size_t input_stride,
                      tsp_qs8_spmm_packed* packed) {
  memset(packed, 0, sizeof(*packed));
  if (block == 0 || !tsp_spmm_stride_fits(in_channels, input_stride)) return -1;
  for (uint32_t r = 0; r < out_channels; ++r) {
    if (shift[r] < -31 || shift[r] > 31) return -1;
  }
  tsp_qs8_spmm_weights* v = &packed->view;
  v->out_channels = out_channels;
  v->in_channels = in_channels;
  v->block = block;
  v->full_groups = out_channels / block;
  v->tail_rows = out_channels % block;

  size_t value_count = 0, pair_count = 0;
  const size_t nnz = qs8_count_nonzero_blocks(weights, v, &value_count, &pair_count);
  const size_t groups = (size_t)v->full_groups + v->tail_rows;
  packed->nnz_blocks = nnz;
  packed->values = tsp_spmm_alloc_array(value_count, sizeof(int8_t));
  packed->pairs = tsp_spmm_alloc_array(pair_count, sizeof(int32_t));
  packed->diffs = tsp_spmm_alloc_array(nnz, sizeof(int32_t));
  packed->counts = tsp_spmm_alloc_array(groups, sizeof(uint32_t));
  packed->channels = tsp_spmm_alloc_array(nnz, sizeof(uint32_t));
  packed->bias = tsp_spmm_alloc_array(out_channels, sizeof(int32_t));
  packed->multiplier = tsp_spmm_alloc_array(out_channels, sizeof(int32_t));
  packed->shift = tsp_spmm_alloc_array(out_channels, sizeof(int32_t));
  if (!packed->values || !packed->pairs || !packed->diffs || !packed->counts || !packed->channels ||
      !packed->bias || !packed->multiplier || !packed->shift) {
    tsp_qs8_spmm_release(packed);
    return -1;
  }
  qs8_fill_streams(weights, packed);
  qs8_fill_pairs(packed);
  for (uint32_t r = 0; r < out_channels; ++r) {
    packed->bias[r] = qs8_folded_bias(weights + (size_t)r * in_channels, in_channels,
                                      bias ? bias[r] : 0, input_zero_point);
    packed->multiplier[r] = multiplier[r];
    packed->shift[r] = shift[r];
  }
  v->values = packed->values;
  v->pairs = packed->pairs;
  v->diffs = packed->diffs;
  v->counts = packed->counts;
  v->bias = packed->bias;
  v->multiplier = packed->multiplier;
  v->shift = packed->shift;
  tsp_qs8_spmm_restride(packed, input_stride);
  return 0;
}

int tsp_qs8_spmm_restride(tsp_qs8_spmm_packed* packed, size_t input_stride) {
  if (!tsp_spmm_stride_fits(packed->view.in_channels, input_stride)) return -1;
  packed->input_stride = input_stride;
  packed->view.first_offset =
      tsp_spmm_encode_diffs(packed->channels, packed->nnz_blocks, input_stride, packed->diffs);
  return 0;
}

void tsp_qs8_spmm_release(tsp_qs8_spmm_packed* packed) {
  free(packed->values);
  free(packed->pairs);
  free(packed->diffs);
  free(packed->counts);
  free(packed->channels);
  free(packed->bias);
  free(packed->multiplier);
  free(packed->shift);
  memset(packed, 0, sizeof(*packed));
}

int tsp_qs8_quantize_multiplier(double real, int32_t* multiplier, int32_t* shift) {
  *multiplier = 0;
  *shift = 0;
  if (!(real >= 0.0) || isinf(real)) return -1; /* negative or NaN, or inf */
  if (real == 0.0) return 0;
  int e = 0;
  const double q = frexp(real, &e); /* real = q * 2^e, q in [0.5, 1) */
  int64_t fixed = (int64_t)round(q * 2147483648.0);
  if (fixed == (INT64_C(1) << 31)) {
    fixed /= 2;
    ++e;
  }
  if (e < -31) return 0; /* flushed to zero, as TFLite does */
  if (e > 31) return -1;
  *multiplier = (int32_t)fixed;
  *shift = e;
  return 0;
}
