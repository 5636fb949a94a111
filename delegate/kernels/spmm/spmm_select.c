/* Picks the SpMM microkernel of a layer: output-channel block -> table row,
 * input channels -> column tile.
 *
 * Rule, tuned with benchmarks/spmm_bench.c and single-layer sweeps on Zen 5
 * (48 KB L1D, 1 MB L2 per core), MobileNet v1 pointwise layers at 90%:
 *   1. Prefer the widest tile. Every column tile re-streams the layer's whole
 *      weight stream, and a wide tile loads each weight once for more
 *      columns and runs more independent FMA chains. Measured: 64 beat 16 by
 *      15-40% on AVX-512 for every layer, including 512 and 1024 input
 *      channels whose 64-wide strips (128/256 KB) are far past L1: those
 *      strips are served from L2 fast enough.
 *   2. ...as long as the input strip (in_channels x tile floats) stays within
 *      half of L2 (512 KB). Past it (in >= 4096 for 64-wide), 32 beat 64.
 *      We never go below the middle tile: at 8192 channels 32 still beat 16.
 *   3. ...and as long as the group's register tile (tile/vector x block
 *      accumulators) fits in half the register file in one pass: AVX2's
 *      32x4 needs 16 of 16 ymm registers, so it walks each group twice and
 *      measured 5-45% slower than 16x4. */
#include "dispatch.h"

#define SPMM_STRIP_BUDGET (512u * 1024u)

static int block_index(uint32_t block) {
  switch (block) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    default: return -1;
  }
}

/* Accumulators a tile x block register tile may use (half the registers:
 * the rest hold input vectors, weights and the clamp bounds). NEON has 32
 * vector registers like AVX-512, so its 16x4 tile (16 accumulators) runs in
 * one pass; from the register count, not measured on ARM hardware. */
static size_t max_accumulators(tsp_isa isa) {
  return isa == TSP_ISA_AVX512 || isa == TSP_ISA_NEON ? 16 : 8;
}

static int tile_fits(const tsp_kernel_table* table, int b, int t, uint32_t block,
                     uint32_t in_channels) {
  const size_t tile = table->spmm_tile[b][t];
  const size_t vector = table->lanes; /* floats per vector register of the ISA */
  const int strip_ok = (size_t)in_channels * tile * sizeof(float) <= SPMM_STRIP_BUDGET ||
                       t <= TSP_SPMM_TILES / 2;
  return strip_ok && tile / vector * block <= max_accumulators(table->isa);
}

tsp_spmm_fn tsp_spmm_select(const tsp_kernel_table* table, uint32_t block,
                            uint32_t in_channels) {
  const int b = block_index(block);
  if (table == NULL || b < 0) return NULL;
  for (int t = TSP_SPMM_TILES - 1; t > 0; --t) {
    if (tile_fits(table, b, t, block, in_channels)) return table->spmm[b][t];
  }
  return table->spmm[b][0];
}

size_t tsp_spmm_tile_of(const tsp_kernel_table* table, uint32_t block, tsp_spmm_fn fn) {
  const int b = block_index(block);
  if (table == NULL || b < 0) return 0;
  for (int t = 0; t < TSP_SPMM_TILES; ++t) {
    if (table->spmm[b][t] == fn) return table->spmm_tile[b][t];
  }
  return 0;
}
