#include "conv/qs8_conv_hwc2chw_pack.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tsp_qs8_conv_hwc2chw_release(struct tsp_qs8_conv_hwc2chw_weights* w) {
  if (w == NULL) return;
  free(w->taps);
  free(w->bias);
  free(w->multiplier);
  free(w->shift);
  memset(w, 0, sizeof(*w));
}

int tsp_qs8_conv_hwc2chw_pack(size_t out_channels, const int8_t* weights_ohwi,
                              const int32_t* bias, const int32_t* multiplier,
                              const int32_t* shift, int32_t input_zero_point,
                              struct tsp_qs8_conv_hwc2chw_weights* out) {
  if (out == NULL) return -1;
  memset(out, 0, sizeof(*out));
  if (out_channels == 0 || weights_ohwi == NULL || multiplier == NULL || shift == NULL) return -1;
  if (input_zero_point < -128 || input_zero_point > 127) return -1;
  for (size_t co = 0; co < out_channels; ++co) {
    /* The requantization's shifts are only defined for |shift| <= 31. */
    if (shift[co] < -31 || shift[co] > 31) return -1;
  }
  const size_t groups = out_channels / TSP_QS8_CONV_HWC2CHW_GROUP +
                        (out_channels % TSP_QS8_CONV_HWC2CHW_GROUP != 0);
  if (groups > SIZE_MAX / (TSP_QS8_CONV_HWC2CHW_GROUP_TAPS * sizeof(int16_t))) return -1;
  const size_t lanes = groups * TSP_QS8_CONV_HWC2CHW_GROUP;
  /* calloc: the padding (10th tap of each row, lanes past out_channels)
   * must be 0. */
  out->taps = calloc(groups * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS, sizeof(int16_t));
  out->bias = calloc(lanes, sizeof(int32_t));
  out->multiplier = calloc(lanes, sizeof(int32_t));
  out->shift = calloc(lanes, sizeof(int32_t));
  if (out->taps == NULL || out->bias == NULL || out->multiplier == NULL || out->shift == NULL) {
    tsp_qs8_conv_hwc2chw_release(out);
    return -1;
  }
  out->out_channels = out_channels;
  out->input_zero_point = input_zero_point;
  for (size_t co = 0; co < out_channels; ++co) {
    const size_t g = co / TSP_QS8_CONV_HWC2CHW_GROUP, lane = co % TSP_QS8_CONV_HWC2CHW_GROUP;
    int16_t* group = out->taps + g * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS;
    for (size_t ky = 0; ky < 3; ++ky) {
      for (size_t j = 0; j < 9; ++j) { /* OHWI: (kx, ci) of row ky are contiguous */
        const size_t pair = ky * TSP_QS8_CONV_HWC2CHW_PAIRS + j / 2;
        group[(pair * TSP_QS8_CONV_HWC2CHW_GROUP + lane) * 2 + j % 2] =
            weights_ohwi[co * 27 + ky * 9 + j];
      }
    }
    out->bias[co] = bias != NULL ? bias[co] : 0;
    out->multiplier[co] = multiplier[co];
    out->shift[co] = shift[co];
  }
  return 0;
}
