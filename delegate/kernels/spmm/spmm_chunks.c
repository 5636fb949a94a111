/* Input-channel chunks of one SpMM layer (see spmm_chunks.h). */
#include "spmm_chunks.h"

#include <stdlib.h>
#include <string.h>

int tsp_spmm_chunks_pack(const float* weights, const float* bias, uint32_t out_channels,
                         uint32_t in_channels, uint32_t block, size_t input_stride,
                         uint32_t chunk_channels, tsp_spmm_chunks* chunks) {
  memset(chunks, 0, sizeof(*chunks));
  if (chunk_channels == 0 || chunk_channels > in_channels) chunk_channels = in_channels;
  const uint32_t floor = (in_channels + TSP_SPMM_MAX_CHUNKS - 1) / TSP_SPMM_MAX_CHUNKS;
  if (chunk_channels < floor) chunk_channels = floor;
  const size_t count = chunk_channels ? (in_channels + chunk_channels - 1) / chunk_channels : 1;
  chunks->chunk_channels = chunk_channels;
  if (count <= 1) {
    chunks->count = 1;
    if (tsp_spmm_pack(weights, bias, out_channels, in_channels, block, input_stride,
                      &chunks->packed[0]) != 0)
      return -1;
    chunks->nnz_blocks = chunks->packed[0].nnz_blocks;
    return tsp_spmm_chunks_split(chunks, 1);
  }
  /* Chunk c keeps all in_channels (so its diffs and offsets address the
   * whole input) with the weights outside its range zeroed: it stores only
   * its own channels' blocks. */
  const size_t n = (size_t)out_channels * in_channels;
  float* part = malloc((n ? n : 1) * sizeof(float));
  if (!part) return -1;
  for (size_t c = 0; c < count; ++c) {
    const uint32_t lo = (uint32_t)(c * chunk_channels);
    const uint32_t hi = lo + chunk_channels < in_channels ? lo + chunk_channels : in_channels;
    memset(part, 0, n * sizeof(float));
    for (uint32_t r = 0; r < out_channels; ++r) {
      memcpy(part + (size_t)r * in_channels + lo, weights + (size_t)r * in_channels + lo,
             (hi - lo) * sizeof(float));
    }
    if (tsp_spmm_pack(part, c == 0 ? bias : NULL, out_channels, in_channels, block,
                      input_stride, &chunks->packed[c]) != 0) {
      free(part);
      tsp_spmm_chunks_release(chunks);
      return -1;
    }
    chunks->packed[c].view.accumulate = c > 0;
    chunks->count = c + 1;
    chunks->nnz_blocks += chunks->packed[c].nnz_blocks;
  }
  free(part);
  return tsp_spmm_chunks_split(chunks, 1);
}

int tsp_spmm_chunks_split(tsp_spmm_chunks* chunks, size_t parts) {
  for (size_t c = 0; c < chunks->count; ++c) {
    tsp_spmm_parts_release(&chunks->parts[c]);
    if (tsp_spmm_parts_make(&chunks->packed[c], parts, &chunks->parts[c]) != 0) return -1;
  }
  return 0;
}

int tsp_spmm_chunks_restride(tsp_spmm_chunks* chunks, size_t input_stride) {
  /* Every chunk has the same in_channels, so they all fit or none does. */
  for (size_t c = 0; c < chunks->count; ++c) {
    if (tsp_spmm_restride(&chunks->packed[c], input_stride) != 0) return -1;
  }
  return tsp_spmm_chunks_split(chunks, chunks->parts[0].count ? chunks->parts[0].count : 1);
}

uint32_t tsp_spmm_chunks_first_row(const tsp_spmm_chunks* chunks, size_t part) {
  return part == TSP_SPMM_ALL_ROWS ? 0 : chunks->parts[0].first_row[part];
}

void tsp_spmm_chunks_run(const tsp_spmm_chunks* chunks, tsp_spmm_fn kernel, size_t tile,
                         size_t part, size_t nc, const float* input, float* output,
                         size_t output_stride, const tsp_minmax* clamp) {
  static const tsp_minmax kNone = {-__builtin_inff(), __builtin_inff()};
  if (chunks->count == 1 || tile == 0 || tile > nc) tile = nc;
  for (size_t col = 0; col < nc; col += tile) {
    const size_t cols = nc - col < tile ? nc - col : tile;
    for (size_t c = 0; c < chunks->count; ++c) {
      const tsp_spmm_weights* view =
          part == TSP_SPMM_ALL_ROWS ? &chunks->packed[c].view : &chunks->parts[c].views[part];
      kernel(cols, view, input + col, output + col, output_stride,
             c + 1 == chunks->count ? clamp : &kNone);
    }
  }
}

void tsp_spmm_chunks_release(tsp_spmm_chunks* chunks) {
  for (size_t c = 0; c < TSP_SPMM_MAX_CHUNKS; ++c) {
    tsp_spmm_parts_release(&chunks->parts[c]);
    tsp_spmm_release(&chunks->packed[c]);
  }
  memset(chunks, 0, sizeof(*chunks));
}
