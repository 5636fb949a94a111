/* Group-range views of a packed SpMM (see spmm_parts.h). */
#include "spmm_parts.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rows_of_group(const tsp_spmm_weights* w, uint32_t g) {
  return g < w->full_groups ? w->block : 1;
}

/* The view of groups [g0, g1), given the stream positions of group g0. */
static tsp_spmm_weights view_of(const tsp_spmm_packed* packed, uint32_t g0, uint32_t g1,
                                size_t value_pos, size_t block_pos) {
  const tsp_spmm_weights* w = &packed->view;
  tsp_spmm_weights v = *w;
  const uint32_t full_end = g1 < w->full_groups ? g1 : w->full_groups;
  v.full_groups = g0 < full_end ? full_end - g0 : 0;
  v.tail_rows = (g1 - g0) - v.full_groups;
  v.values = w->values + value_pos;
  v.diffs = w->diffs + block_pos;
  v.counts = w->counts + g0;
  /* The chain enters the range at its first stored block; a range with
   * none never reads the input. */
  v.first_offset = block_pos < packed->nnz_blocks
                       ? (int32_t)((size_t)packed->channels[block_pos] * packed->input_stride)
                       : 0;
  uint32_t rows = 0;
  for (uint32_t g = g0; g < g1; ++g) rows += rows_of_group(w, g);
  v.out_channels = rows;
  return v;
}

int tsp_spmm_parts_make(const tsp_spmm_packed* packed, size_t parts, tsp_spmm_parts* out) {
  memset(out, 0, sizeof(*out));
  const tsp_spmm_weights* w = &packed->view;
  const uint32_t groups = w->full_groups + w->tail_rows;
  if (parts > groups) parts = groups;
  if (parts == 0) parts = 1;
  out->views = malloc(parts * sizeof(*out->views));
  out->first_row = malloc(parts * sizeof(*out->first_row));
  if (!out->views || !out->first_row) {
    tsp_spmm_parts_release(out);
    return -1;
  }
  size_t value_pos = 0, block_pos = 0;
  uint32_t g = 0, row = 0;
  for (size_t p = 0; p < parts; ++p) {
    const uint32_t end = (uint32_t)((size_t)groups * (p + 1) / parts);
    out->views[p] = view_of(packed, g, end, value_pos, block_pos);
    out->first_row[p] = row;
    for (; g < end; ++g) {
      const uint32_t rows = rows_of_group(w, g);
      value_pos += rows * (1 + (size_t)w->counts[g]); /* bias, then one value per row per block */
      block_pos += w->counts[g];
      row += rows;
    }
  }
  out->count = parts;
  return 0;
}

void tsp_spmm_parts_release(tsp_spmm_parts* parts) {
  free(parts->views);
  free(parts->first_row);
  memset(parts, 0, sizeof(*parts));
}
