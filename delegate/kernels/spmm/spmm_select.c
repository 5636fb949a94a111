/* Picks the SpMM microkernel of a layer: output-channel block -> table row,
 * input channels -> column tile. */
#include "dispatch.h"

/* Bytes of input strip (in_channels x tile floats) the chosen tile may
 * span. Every output group re-reads the strip, so it must stay cache-resident
 * between groups (paper §3.2). See select_tile for how this was tuned. */
#define SPMM_STRIP_BUDGET (64u * 1024u)

static int block_index(uint32_t block) {
  switch (block) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    default: return -1;
  }
}

/* Widest tile whose strip fits the budget; the smallest tile otherwise.
 * Wider tiles reuse each loaded weight across more columns and run more
 * independent FMA chains, so prefer width as long as the strip fits. */
static int select_tile(const tsp_kernel_table* table, uint32_t in_channels) {
  int t = 0;
  for (int i = 1; i < TSP_SPMM_TILES; ++i) {
    if ((size_t)in_channels * table->spmm_tile[i] * sizeof(float) <= SPMM_STRIP_BUDGET) t = i;
  }
  return t;
}

tsp_spmm_fn tsp_spmm_select(const tsp_kernel_table* table, uint32_t block,
                            uint32_t in_channels) {
  const int b = block_index(block);
  if (table == NULL || b < 0) return NULL;
  return table->spmm[b][select_tile(table, in_channels)];
}
