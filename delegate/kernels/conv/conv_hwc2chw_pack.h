/* Packed weights of the first convolution (3x3 stride 2, 3 input channels,
 * HWC in, CHW out), shared by f32_conv_hwc2chw_3x3s2c3__{scalar,avx2,avx512}.
 *
 * Layout: output channels in groups of TSP_CONV_HWC2CHW_GROUP (16), the last
 * group zero padded. Each group is TSP_CONV_HWC2CHW_GROUP_FLOATS floats:
 *   bias[16], then for each of the 27 taps t = (ky * 3 + kx) * 3 + ci the 16
 *   channel weights w[t][0..16).
 * So one vector load gives a tap's weights for 16 (AVX-512) or 8 (AVX2)
 * output channels, and the taps of one kernel row (kx, ci) follow the HWC
 * order of the input pixels they multiply. */
#ifndef TFLITE_SPARSE_CONV_HWC2CHW_PACK_H_
#define TFLITE_SPARSE_CONV_HWC2CHW_PACK_H_

#include <stddef.h>

#define TSP_CONV_HWC2CHW_GROUP 16
#define TSP_CONV_HWC2CHW_TAPS 27
#define TSP_CONV_HWC2CHW_GROUP_FLOATS (TSP_CONV_HWC2CHW_GROUP * (1 + TSP_CONV_HWC2CHW_TAPS))

/* Floats (not bytes) of the packed buffer for out_channels channels. */
size_t tsp_conv_hwc2chw_packed_size(size_t out_channels);

/* weights_ohwi: [out_channels][3][3][3] (co, ky, kx, ci), TFLite's OHWI
 * filter layout; bias may be NULL (zero). packed must hold
 * tsp_conv_hwc2chw_packed_size(out_channels) floats. */
void tsp_conv_hwc2chw_pack(size_t out_channels, const float* weights_ohwi, const float* bias,
                           float* packed);

#endif /* TFLITE_SPARSE_CONV_HWC2CHW_PACK_H_ */
