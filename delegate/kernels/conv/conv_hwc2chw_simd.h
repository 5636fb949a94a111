/* SIMD template of the first convolution (3x3 stride 2, 3 input channels,
 * HWC in, CHW out). The includer includes a vector layer (dwconv/vec_<isa>.h),
 * defines v_transpose (TSP_V x TSP_V in registers) and TSP_CONV_FN.
 *
 * Scheme: a tile is TSP_V consecutive output pixels of one output row times
 * TSP_V output channels. Accumulator p holds the TSP_V channels of pixel p:
 * per tap, one vector load of packed weights and TSP_V FMAs with the input
 * value broadcast from memory (the HWC input makes per-pixel values scalar;
 * vectorizing over pixels instead would need stride-6 gathers). An in-register
 * transpose then turns pixel-major into channel rows, stored contiguously
 * into the CHW planes. Tiles whose input window leaves the image read from a
 * small zero-padded copy, so the hot loop has no bounds checks. */

#include <stddef.h>
#include <string.h>

#include "conv/conv_hwc2chw_pack.h"
#include "ukernels.h"

#if !defined(TSP_CONV_FN)
#error "define TSP_CONV_FN before including conv_hwc2chw_simd.h"
#endif

/* Input pixels one tile row reads: pixel p uses columns 2p .. 2p + 2. */
#define CV_PIX (2 * TSP_V + 1)
#define CV_ROW_FLOATS (CV_PIX * 3)

/* Sets rows[ky] to the first input pixel (column c0) of window row ky: into
 * the input when all CV_PIX pixels are inside the row, else into local[ky],
 * a zero-padded copy of the in-range part; NULL when the row is outside. */
static void cv_tile_rows(const float* input, size_t in_h, size_t in_w, ptrdiff_t iy0,
                         ptrdiff_t c0, float local[3][CV_ROW_FLOATS], const float* rows[3]) {
  const int plain = c0 >= 0 && c0 + CV_PIX <= (ptrdiff_t)in_w;
  const ptrdiff_t lo = c0 < 0 ? 0 : c0;
  const ptrdiff_t hi = c0 + CV_PIX < (ptrdiff_t)in_w ? c0 + CV_PIX : (ptrdiff_t)in_w;
  for (int ky = 0; ky < 3; ++ky) {
    const ptrdiff_t iy = iy0 + ky;
    if (iy < 0 || iy >= (ptrdiff_t)in_h) {
      rows[ky] = NULL;
      continue;
    }
    const float* row = input + (size_t)iy * in_w * 3;
    if (plain) {
      rows[ky] = row + (size_t)c0 * 3;
      continue;
    }
    memset(local[ky], 0, sizeof(local[ky]));
    if (lo < hi) {
      memcpy(local[ky] + (lo - c0) * 3, row + (size_t)lo * 3, (size_t)(hi - lo) * 3 * sizeof(float));
    }
    rows[ky] = local[ky];
  }
}

/* acc[p] = bias + sum over taps, lane c = channel c of the block, for the
 * TSP_V pixels of the tile. wb points at the block's bias in its group. */
static inline void cv_block(const float* const rows[3], const float* wb, tsp_vec acc[TSP_V]) {
  const tsp_vec bias = v_loadu(wb);
  for (int p = 0; p < TSP_V; ++p) acc[p] = bias;
  for (int ky = 0; ky < 3; ++ky) {
    const float* r = rows[ky];
    if (r == NULL) continue;
    for (int j = 0; j < 9; ++j) { /* j = kx * 3 + ci: HWC order within the row */
      const tsp_vec w = v_loadu(wb + (1 + ky * 9 + j) * TSP_CONV_HWC2CHW_GROUP);
      for (int p = 0; p < TSP_V; ++p) acc[p] = v_fma(w, v_set1(r[6 * p + j]), acc[p]);
    }
  }
}

/* Transposes the tile to channel rows and stores `channels` rows of n pixels;
 * out is channel 0's first pixel. */
static inline void cv_store(tsp_vec acc[TSP_V], size_t channels, size_t n, float* out,
                            size_t output_stride, tsp_vec vmin, tsp_vec vmax) {
  v_transpose(acc);
  for (size_t c = 0; c < channels; ++c) {
    const tsp_vec v = v_clamp(acc[c], vmin, vmax);
    if (n == TSP_V) {
      v_storeu(out + c * output_stride, v);
    } else {
      v_store_n(out + c * output_stride, v, n);
    }
  }
}

void TSP_CONV_FN(size_t in_h, size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                 size_t pad_left, size_t out_channels, const float* input,
                 const float* packed_weights, float* output, size_t output_stride,
                 const tsp_minmax* clamp) {
  const tsp_vec vmin = v_set1(clamp->min), vmax = v_set1(clamp->max);
  float local[3][CV_ROW_FLOATS];
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad_top;
    for (size_t ox = 0; ox < out_w; ox += TSP_V) {
      const float* rows[3];
      cv_tile_rows(input, in_h, in_w, iy0, (ptrdiff_t)(2 * ox) - (ptrdiff_t)pad_left, local, rows);
      const size_t n = out_w - ox < TSP_V ? out_w - ox : TSP_V;
      for (size_t co = 0; co < out_channels; co += TSP_V) {
        const float* wb = packed_weights + co / TSP_CONV_HWC2CHW_GROUP * TSP_CONV_HWC2CHW_GROUP_FLOATS +
                          co % TSP_CONV_HWC2CHW_GROUP;
        tsp_vec acc[TSP_V];
        cv_block(rows, wb, acc);
        const size_t channels = out_channels - co < TSP_V ? out_channels - co : TSP_V;
        cv_store(acc, channels, n, output + co * output_stride + oy * out_w + ox, output_stride,
                 vmin, vmax);
      }
    }
  }
}
