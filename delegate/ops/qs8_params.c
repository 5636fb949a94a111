#include "ops/qs8_params.h"

#include <math.h>
#include <stdlib.h>

#include "graph.h"

static const TfLiteAffineQuantization* affine(const TfLiteTensor* t) {
  if (t->quantization.type != kTfLiteAffineQuantization || !t->quantization.params) return NULL;
  const TfLiteAffineQuantization* q = t->quantization.params;
  return q->scale && q->zero_point && q->scale->size > 0 && q->zero_point->size == q->scale->size
             ? q
             : NULL;
}

static int good_scale(float s) { return isfinite(s) && s > 0.0f; }

/* Our int8 kernels reproduce the rounding of TFLite's x86 builds (ruy's
 * ties-up shift in CONV_2D; the depthwise conv's blocks of 8; MEAN's and
 * ADD's NEON_2_SSE paths). TFLite's aarch64 builds round otherwise, measured
 * under qemu with TF 2.21's LiteRT 2.3 wheel: CONV_2D by ruy's single
 * rounding, the depthwise conv ties up in every channel. Until the kernels
 * do that too, int8 stays with TFLite there: every int8 op's check comes
 * through here. */
#if defined(__x86_64__) || defined(_M_X64)
#define TSP_QS8_ROUNDING_MATCHES_TFLITE 1
#else
#define TSP_QS8_ROUNDING_MATCHES_TFLITE 0
#endif

int tsp_qs8_activation(const TfLiteTensor* t, int rank, float* scale, int32_t* zero_point) {
  if (!TSP_QS8_ROUNDING_MATCHES_TFLITE) return 0;
  if (t->type != kTfLiteInt8 || !t->dims || (rank && t->dims->size != rank)) return 0;
  const TfLiteAffineQuantization* q = affine(t);
  if (!q || q->scale->size != 1) return 0;
  const int32_t zp = q->zero_point->data[0];
  if (!good_scale(q->scale->data[0]) || zp < -128 || zp > 127) return 0;
  *scale = q->scale->data[0];
  *zero_point = zp;
  return 1;
}

int tsp_qs8_weight_scales(const TfLiteTensor* t, int dim, int channels, const float** scales,
                          int* count) {
  if (t->type != kTfLiteInt8 || !t->dims || dim < 0 || dim >= t->dims->size) return 0;
  const TfLiteAffineQuantization* q = affine(t);
  if (!q) return 0;
  const int n = q->scale->size;
  if (n != 1 && (n != channels || q->quantized_dimension != dim)) return 0;
  for (int c = 0; c < n; ++c)
    if (!good_scale(q->scale->data[c]) || q->zero_point->data[c] != 0) return 0;
  *scales = q->scale->data;
  *count = n;
  return 1;
}

int tsp_qs8_channel_multipliers(float input_scale, const float* weight_scales, int count,
                                float output_scale, int channels, int32_t* multiplier,
                                int32_t* shift) {
  for (int c = 0; c < channels; ++c) {
    const double real =
        (double)input_scale * (double)weight_scales[count == 1 ? 0 : c] / (double)output_scale;
    if (tsp_qs8_quantize_multiplier(real, &multiplier[c], &shift[c]) != 0) return -1;
  }
  return 0;
}

/* TFLite: zero_point + (int32_t)round(f / scale), the division in float;
 * a value past int32 is an error there too. */
static int quantize(float f, float scale, int32_t zero_point, int32_t* q) {
  const float r = roundf(f / scale);
  if (!(r >= -1073741824.0f && r <= 1073741824.0f)) return -1;
  *q = zero_point + (int32_t)r;
  return 0;
}

int tsp_qs8_output_params(int activation, float output_scale, int32_t output_zero_point,
                          tsp_qs8_output* q) {
  int32_t lo = -128, hi = 127;
  int bad = 0;
  switch (activation) {
    case kTfLiteActNone:
      break;
    case kTfLiteActRelu:
      bad = quantize(0.0f, output_scale, output_zero_point, &lo);
      break;
    case kTfLiteActRelu6:
      bad = quantize(0.0f, output_scale, output_zero_point, &lo) ||
            quantize(6.0f, output_scale, output_zero_point, &hi);
      break;
    case kTfLiteActReluN1To1:
      bad = quantize(-1.0f, output_scale, output_zero_point, &lo) ||
            quantize(1.0f, output_scale, output_zero_point, &hi);
      break;
    default:
      return -1;
  }
  if (bad) return -1;
  q->zero_point = output_zero_point;
  q->ties_up = 0;
  q->min = lo > -128 ? lo : -128;
  q->max = hi < 127 ? hi : 127;
  /* TFLite requires min <= max; a clamp that empties the range is a model
   * TFLite refuses, so it is not ours to run. */
  return q->min <= q->max ? 0 : -1;
}

int tsp_qs8_bias(const TfLiteTensor* t, int channels, const int32_t** bias) {
  *bias = NULL;
  if (!t) return 0;
  if (!tsp_tensor_is_constant(t) || t->type != kTfLiteInt32 ||
      tsp_tensor_elements(t) != (size_t)channels || t->bytes != (size_t)channels * 4)
    return -1;
  *bias = t->data.i32;
  return 0;
}

int tsp_qs8_conv_quant_read(TfLiteContext* context, const TfLiteNode* node, int activation,
                            const TfLiteTensor* weights, int weight_dim, int channels,
                            tsp_qs8_conv_quant* cq) {
  const int in = tsp_node_input(node, 0), b = tsp_node_input(node, 2);
  if (in < 0 || node->outputs->size != 1) return 0;
  if (!tsp_qs8_activation(&context->tensors[in], 4, &cq->in_scale, &cq->in_zp) ||
      !tsp_qs8_activation(&context->tensors[node->outputs->data[0]], 4, &cq->out_scale,
                          &cq->out_zp) ||
      !tsp_qs8_weight_scales(weights, weight_dim, channels, &cq->w_scales, &cq->w_scale_count) ||
      tsp_qs8_bias(b >= 0 ? &context->tensors[b] : NULL, channels, &cq->bias) != 0 ||
      tsp_qs8_output_params(activation, cq->out_scale, cq->out_zp, &cq->q) != 0)
    return 0;
  for (int c = 0; c < channels; ++c) { /* every multiplier in TFLite's range */
    int32_t m, s;
    if (tsp_qs8_channel_multipliers(cq->in_scale, cq->w_scales + (cq->w_scale_count == 1 ? 0 : c), 1,
                                    cq->out_scale, 1, &m, &s) != 0)
      return 0;
  }
  return 1;
}

int tsp_qs8_conv_multipliers(const tsp_qs8_conv_quant* cq, int channels, int32_t** multiplier,
                             int32_t** shift) {
  *multiplier = malloc(sizeof(int32_t) * (size_t)(channels > 0 ? channels : 1));
  *shift = malloc(sizeof(int32_t) * (size_t)(channels > 0 ? channels : 1));
  if (*multiplier && *shift &&
      tsp_qs8_channel_multipliers(cq->in_scale, cq->w_scales, cq->w_scale_count, cq->out_scale,
                                  channels, *multiplier, *shift) == 0)
    return 0;
  free(*multiplier);
  free(*shift);
  *multiplier = *shift = NULL;
  return -1;
}
