/* One SpMM layer split over ranges of input channels ("chunks"), run chunk
 * after chunk on each column tile: the input strip one chunk reads
 * (chunk channels x tile floats) then stays in L1 while every output row
 * walks it, instead of streaming from L2 once per row (unstructured rows
 * touch ~10% of the strip each, so a 512-channel strip of 32 columns, 64
 * KB, is re-read from L2 ~50 times per tile). Chunk 0 starts from the bias;
 * later chunks add to the partial sums in the output (tsp_spmm_weights.
 * accumulate); only the last applies the clamp. Summation order depends on
 * the chunking, not on threads: any split of the columns or rows gives the
 * same bits. With one chunk this is exactly the plain packed layer. */
#ifndef TFLITE_SPARSE_SPMM_CHUNKS_H_
#define TFLITE_SPARSE_SPMM_CHUNKS_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "spmm_parts.h"

#define TSP_SPMM_MAX_CHUNKS 16
/* tsp_spmm_chunks_run's `part` for the whole layer (all output rows). */
#define TSP_SPMM_ALL_ROWS ((size_t)-1)

typedef struct {
  size_t count;            /* chunks, 1..TSP_SPMM_MAX_CHUNKS */
  uint32_t chunk_channels; /* input channels per chunk (the last may have fewer) */
  size_t nnz_blocks;       /* stored blocks over all chunks */
  tsp_spmm_packed packed[TSP_SPMM_MAX_CHUNKS]; /* chunk c: channels [c*cc, (c+1)*cc) */
  tsp_spmm_parts parts[TSP_SPMM_MAX_CHUNKS];   /* the same row ranges in every chunk */
} tsp_spmm_chunks;

/* Packs weights[out][in] and bias (may be NULL) like tsp_spmm_pack, in
 * chunks of chunk_channels input channels (0, or >= in_channels: one chunk;
 * raised so that there are at most TSP_SPMM_MAX_CHUNKS). Row ranges for
 * threads start as one part (tsp_spmm_chunks_split). Returns 0, or -1 as
 * tsp_spmm_pack does. */
int tsp_spmm_chunks_pack(const float* weights, const float* bias, uint32_t out_channels,
                         uint32_t in_channels, uint32_t block, size_t input_stride,
                         uint32_t chunk_channels, tsp_spmm_chunks* chunks);
/* Re-encodes every chunk for a new input row stride and remakes its parts
 * (tsp_spmm_restride). Returns 0, or -1 (chunks unchanged but for parts). */
int tsp_spmm_chunks_restride(tsp_spmm_chunks* chunks, size_t input_stride);
/* Splits the output groups into `parts` row ranges (tsp_spmm_parts_make),
 * the same in every chunk. Returns 0, or -1 when out of memory. */
int tsp_spmm_chunks_split(tsp_spmm_chunks* chunks, size_t parts);
/* Output rows of part p start at this row (0 for TSP_SPMM_ALL_ROWS). */
uint32_t tsp_spmm_chunks_first_row(const tsp_spmm_chunks* chunks, size_t part);

/* Columns [0, nc) of the rows of `part` (or TSP_SPMM_ALL_ROWS): for each
 * column tile of `tile` columns (0: one tile), every chunk in order.
 * input/output point at column 0 of channel 0 / of the part's first row. */
void tsp_spmm_chunks_run(const tsp_spmm_chunks* chunks, tsp_spmm_fn kernel, size_t tile,
                         size_t part, size_t nc, const float* input, float* output,
                         size_t output_stride, const tsp_minmax* clamp);
void tsp_spmm_chunks_release(tsp_spmm_chunks* chunks);

#endif /* TFLITE_SPARSE_SPMM_CHUNKS_H_ */
