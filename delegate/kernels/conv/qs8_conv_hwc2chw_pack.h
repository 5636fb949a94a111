/* Packed weights of the int8 (QS8) first convolution (3x3 stride 2, 3 input
 * channels, HWC in, CHW out), shared by qs8_conv_hwc2chw_3x3s2c3__{scalar,
 * avx2,neon} and the AVX-512 template (qs8_conv_hwc2chw_avx512_template.h).
 * Semantics (TFLite int8 CONV_2D, per-channel weights, zero point 0):
 *   acc[co] = bias[co] + sum_{ky,kx,ci} w[co][ky][kx][ci] * (x[iy][ix][ci] - zx)
 *   out     = tsp_qs8_requantize_conv(acc, multiplier[co], shift[co], q)  (ruy rounding, as TFLite CONV_2D)
 * where a tap outside the image counts as x = zx (contributes 0). The tap
 * sum is exact in int32 (27 * 128 * 255 < 2^20); the bias add wraps modulo
 * 2^32 like the other QS8 kernels, so SIMD vpaddd agrees bit for bit.
 *
 * The input zero point is NOT folded into the bias: bias - zx * sum(w) is
 * only right for windows fully inside the image, and correcting it per
 * edge tap costs more than it saves. The kernels subtract zx from each
 * input value instead (as int16, exact: x - zx is in [-255, 255]), so a
 * padded tap is simply a 0 and contributes nothing.
 *
 * Layout: output channels in groups of TSP_QS8_CONV_HWC2CHW_GROUP (8), the
 * last group zero padded (weights, bias, multiplier and shift all 0, so
 * padded lanes compute 0 and are dropped at the store). A kernel row ky
 * has 9 taps j = kx * 3 + ci, the HWC order of the 3 pixels it reads; they
 * go in 5 pairs (j = 2m, 2m + 1; the 10th tap is a 0 weight). Group g is
 * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS int16: for ky in 0..2, for m in 0..4,
 * 8 channels x the pair, interleaved [w(2m, c0), w(2m+1, c0), w(2m, c1),
 * ...]: one 256-bit load is a vpmaddwd operand against the broadcast input
 * pair (x(2m) - zx, x(2m+1) - zx). */
#ifndef TFLITE_SPARSE_QS8_CONV_HWC2CHW_PACK_H_
#define TFLITE_SPARSE_QS8_CONV_HWC2CHW_PACK_H_

#include <stddef.h>
#include <stdint.h>

#define TSP_QS8_CONV_HWC2CHW_GROUP 8
#define TSP_QS8_CONV_HWC2CHW_PAIRS 5 /* per kernel row */
#define TSP_QS8_CONV_HWC2CHW_GROUP_TAPS \
  (3 * TSP_QS8_CONV_HWC2CHW_PAIRS * 2 * TSP_QS8_CONV_HWC2CHW_GROUP)

struct tsp_qs8_conv_hwc2chw_weights {
  size_t out_channels;
  int32_t input_zero_point; /* zx, in [-128, 127] */
  /* groups * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS int16 (int8 values) */
  int16_t* taps;
  /* groups * TSP_QS8_CONV_HWC2CHW_GROUP each, padded with 0 */
  int32_t* bias;
  int32_t* multiplier;
  int32_t* shift;
};

/* The weight of output channel co, kernel row ky, in-row tap j = kx*3 + ci. */
static inline int32_t tsp_qs8_conv_hwc2chw_tap(const struct tsp_qs8_conv_hwc2chw_weights* w,
                                               size_t co, size_t ky, size_t j) {
  const size_t g = co / TSP_QS8_CONV_HWC2CHW_GROUP, lane = co % TSP_QS8_CONV_HWC2CHW_GROUP;
  const size_t pair = ky * TSP_QS8_CONV_HWC2CHW_PAIRS + j / 2;
  return w->taps[g * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS +
                 (pair * TSP_QS8_CONV_HWC2CHW_GROUP + lane) * 2 + j % 2];
}

/* weights_ohwi: [out_channels][3][3][3] int8 (co, ky, kx, ci), TFLite's
 * OHWI filter layout; bias: out_channels int32, or NULL (zero);
 * multiplier / shift: per output channel, as tsp_qs8_quantize_multiplier
 * gives them (any int32 multiplier; shift in [-31, 31]); input_zero_point
 * in [-128, 127]. Fills *out (its previous contents are ignored) and
 * returns 0, or returns -1 with *out zeroed on bad arguments (NULL
 * pointers, out_channels 0, a value out of range) or out of memory. */
int tsp_qs8_conv_hwc2chw_pack(size_t out_channels, const int8_t* weights_ohwi,
                              const int32_t* bias, const int32_t* multiplier,
                              const int32_t* shift, int32_t input_zero_point,
                              struct tsp_qs8_conv_hwc2chw_weights* out);

/* Frees what the packer allocated and zeroes *w; NULL or a zeroed struct
 * is a no-op. */
void tsp_qs8_conv_hwc2chw_release(struct tsp_qs8_conv_hwc2chw_weights* w);

#endif /* TFLITE_SPARSE_QS8_CONV_HWC2CHW_PACK_H_ */
