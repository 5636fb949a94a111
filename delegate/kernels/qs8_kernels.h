/* Int8 (QS8) kernel signatures beyond the SpMM (qs8_spmm.h): TFLite's int8
 * semantics (per-channel weight scales, zero points, the fused activation as
 * a clamp in tsp_qs8_output), on the same CHW layout as the f32 kernels but
 * with one byte per value: strides are in bytes. Every kernel has a scalar
 * reference (the __scalar file) that the SIMD versions match bit for bit. */
#ifndef TFLITE_SPARSE_QS8_KERNELS_H_
#define TFLITE_SPARSE_QS8_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

#include "qs8_requant.h"
#include "qs8_spmm.h"

/* Depthwise k x k, all channels of one image per call; see
 * dwconv/qs8_dwconv2d_chw_scalar.h for the formula. weights: k*k int8 taps
 * per channel, row-major (channel c at weights + c * k * k); bias,
 * multiplier, shift per channel. Outside-the-plane taps read as the input
 * zero point (contribute 0), as TFLite pads int8. */
typedef void (*tsp_qs8_dwconv2d_chw_fn)(size_t channels, size_t in_h, size_t in_w, size_t out_h,
                                        size_t out_w, size_t pad_top, size_t pad_left,
                                        const int8_t* input, size_t input_stride,
                                        const int8_t* weights, const int32_t* bias,
                                        const int32_t* multiplier, const int32_t* shift,
                                        int32_t input_zero_point, const tsp_qs8_output* out_params,
                                        int8_t* output, size_t output_stride);

/* First conv, 3x3 stride 2 over 3 channels: HWC int8 in (one image), CHW
 * out (channel co's out_h x out_w plane at output + co * output_stride).
 * The weights struct (conv/qs8_conv_hwc2chw_pack.h) holds out_channels, the
 * packed taps, bias (input zero point folded in or not: the packer's
 * choice), multiplier and shift. */
struct tsp_qs8_conv_hwc2chw_weights;
typedef void (*tsp_qs8_conv_hwc2chw_fn)(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                        size_t pad_top, size_t pad_left, const int8_t* input,
                                        const struct tsp_qs8_conv_hwc2chw_weights* weights,
                                        int8_t* output, size_t output_stride,
                                        const tsp_qs8_output* out_params);

/* Global average pool over H,W (TFLite's int8 MEAN, axes {1,2}, keepdims or not):
 * output[c] from the `spatial` first int8 of channel c (rows ld bytes
 * apart). The params (gavgpool/qs8_gavgpool.h) hold what TFLite derives
 * from the scales, zero points and the element count. */
struct tsp_qs8_gavgpool_params;
typedef void (*tsp_qs8_gavgpool_chw_fn)(size_t spatial, size_t channels, const int8_t* input,
                                        size_t ld, const struct tsp_qs8_gavgpool_params* params,
                                        int8_t* output);

/* ADD of two int8 tensors, element-wise (TFLite's int8 ADD, vector form; see
 * vbinary/qs8_vadd.h for the formula and the tail a caller redoes). */
struct tsp_qs8_vadd_params;
typedef void (*tsp_qs8_vadd_fn)(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                const struct tsp_qs8_vadd_params* params);

#endif /* TFLITE_SPARSE_QS8_KERNELS_H_ */
