/* Group-range views of a packed int8 SpMM (see qs8_spmm_parts.h). */
#include "qs8_spmm_parts.h"

#include <stdlib.h>
#include <string.h>

#include "spmm/spmm_groups.h"

/* Where group g0 starts in each stream. */
typedef struct {
  size_t values, pairs, blocks;
  uint32_t row;
} stream_pos;

static tsp_qs8_spmm_weights view_of(const tsp_qs8_spmm_packed* packed, uint32_t g0, uint32_t g1,
                                    const stream_pos* at) {
  const tsp_qs8_spmm_weights* w = &packed->view;
  tsp_qs8_spmm_weights v = *w;
  const uint32_t full_end = g1 < w->full_groups ? g1 : w->full_groups;
  v.full_groups = g0 < full_end ? full_end - g0 : 0;
  v.tail_rows = (g1 - g0) - v.full_groups;
  v.values = w->values + at->values;
  v.pairs = w->pairs + at->pairs;
  v.diffs = w->diffs + at->blocks;
  v.counts = w->counts + g0;
  v.bias = w->bias + at->row;
  v.multiplier = w->multiplier + at->row;
  v.shift = w->shift + at->row;
  /* The chain enters the range at its first stored block; a range with none
   * never reads the input. */
  v.first_offset = at->blocks < packed->nnz_blocks
                       ? (int32_t)((size_t)packed->channels[at->blocks] * packed->input_stride)
                       : 0;
  uint32_t rows = 0;
  for (uint32_t g = g0; g < g1; ++g) rows += tsp_spmm_group_rows(w->block, w->full_groups, g);
  v.out_channels = rows;
  return v;
}

int tsp_qs8_spmm_parts_make(const tsp_qs8_spmm_packed* packed, size_t parts,
                            tsp_qs8_spmm_parts* out) {
  memset(out, 0, sizeof(*out));
  const tsp_qs8_spmm_weights* w = &packed->view;
  const uint32_t groups = w->full_groups + w->tail_rows;
  if (parts > groups) parts = groups;
  if (parts == 0) parts = 1;
  out->views = malloc(parts * sizeof(*out->views));
  out->first_row = malloc(parts * sizeof(*out->first_row));
  if (!out->views || !out->first_row) {
    tsp_qs8_spmm_parts_release(out);
    return -1;
  }
  stream_pos at = {0, 0, 0, 0};
  uint32_t g = 0;
  for (size_t p = 0; p < parts; ++p) {
    const uint32_t end = (uint32_t)((size_t)groups * (p + 1) / parts);
    out->views[p] = view_of(packed, g, end, &at);
    out->first_row[p] = at.row;
    for (; g < end; ++g) {
      const uint32_t rows = tsp_spmm_group_rows(w->block, w->full_groups, g);
      const size_t count = w->counts[g];
      at.values += count * rows;           /* qs8_spmm.h: `rows` weights per block */
      at.pairs += (count + 1) / 2 * rows;  /* one int32 per row per pair of blocks */
      at.blocks += count;
      at.row += rows;
    }
  }
  out->count = parts;
  return 0;
}

void tsp_qs8_spmm_parts_release(tsp_qs8_spmm_parts* parts) {
  free(parts->views);
  free(parts->first_row);
  memset(parts, 0, sizeof(*parts));
}
