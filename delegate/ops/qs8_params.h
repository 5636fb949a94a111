/* Reading TFLite's int8 quantization off tensors, for the int8 ops: which
 * tensors the int8 kernels can take (per-tensor activations, per-channel
 * weights with zero point 0, as TF's full-integer quantization writes them)
 * and the integer parameters TFLite's own kernels derive from them. */
#ifndef TFLITE_SPARSE_OPS_QS8_PARAMS_H_
#define TFLITE_SPARSE_OPS_QS8_PARAMS_H_

#include <stdint.h>

#include "kernels/qs8_requant.h"
#include "tflite_abi.h"

/* An int8 activation with one finite positive scale and a zero point in
 * [-128, 127]. Returns 1 and fills them, else 0 (the node stays with TFLite,
 * which reports a bad model itself). rank: required rank, or 0 for any. */
int tsp_qs8_activation(const TfLiteTensor* t, int rank, float* scale, int32_t* zero_point);

/* Int8 weights quantized symmetrically (zero points 0) along `dim` with
 * `channels` finite positive scales (or one, shared by all channels).
 * Returns 1 and points *scales at them (*count: 1 or channels), else 0. */
int tsp_qs8_weight_scales(const TfLiteTensor* t, int dim, int channels, const float** scales,
                          int* count);

/* TFLite's per-channel output multipliers: QuantizeMultiplier(input_scale *
 * weight_scale[c] / output_scale), in double from the float scales as
 * TFLite computes them. Returns 0, or -1 when one is out of range. */
int tsp_qs8_channel_multipliers(float input_scale, const float* weight_scales, int count,
                                float output_scale, int channels, int32_t* multiplier,
                                int32_t* shift);

/* The output zero point and the clamp of a fused activation, as TFLite's
 * CalculateActivationRangeQuantized gives them. Returns 0, or -1 for an
 * activation the int8 kernels do not fuse. */
int tsp_qs8_output_params(int activation, float output_scale, int32_t output_zero_point,
                          tsp_qs8_output* q);

/* Int32 bias of `channels` values (NULL: none); -1 when present but not a
 * constant int32 vector of that length. */
int tsp_qs8_bias(const TfLiteTensor* t, int channels, const int32_t** bias);

/* ---- one conv node (CONV_2D or DEPTHWISE_CONV_2D) ---- */
typedef struct {
  float in_scale, out_scale;
  int32_t in_zp, out_zp;
  const float* w_scales;
  int w_scale_count;
  const int32_t* bias; /* NULL: none */
  tsp_qs8_output q;    /* zero point and fused-activation clamp */
} tsp_qs8_conv_quant;

/* Reads node's int8 quantization (inputs: activation, weights, optional
 * bias; the weights' scales along weight_dim, one per channel). The
 * weights' scales are read off `weights` (a DENSIFY's output, say).
 * Returns 1 when every tensor is as the int8 kernels need, every channel's
 * multiplier included, else 0. */
int tsp_qs8_conv_quant_read(TfLiteContext* context, const TfLiteNode* node, int activation,
                            const TfLiteTensor* weights, int weight_dim, int channels,
                            tsp_qs8_conv_quant* cq);

/* The per-channel multipliers of cq (malloc'd, caller frees both), or -1
 * (nothing allocated) when out of memory or one is out of range. */
int tsp_qs8_conv_multipliers(const tsp_qs8_conv_quant* cq, int channels, int32_t** multiplier,
                             int32_t** shift);

#endif /* TFLITE_SPARSE_OPS_QS8_PARAMS_H_ */
