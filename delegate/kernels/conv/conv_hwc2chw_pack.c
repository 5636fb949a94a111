#include "conv/conv_hwc2chw_pack.h"

#include <string.h>

size_t tsp_conv_hwc2chw_packed_size(size_t out_channels) {
  const size_t groups = (out_channels + TSP_CONV_HWC2CHW_GROUP - 1) / TSP_CONV_HWC2CHW_GROUP;
  return groups * TSP_CONV_HWC2CHW_GROUP_FLOATS;
}

void tsp_conv_hwc2chw_pack(size_t out_channels, const float* weights_ohwi, const float* bias,
                           float* packed) {
  /* Zero first: padded channels of the last group must compute exactly 0
   * (kernels compute them and drop them at the store). */
  memset(packed, 0, tsp_conv_hwc2chw_packed_size(out_channels) * sizeof(float));
  for (size_t co = 0; co < out_channels; ++co) {
    float* group = packed + co / TSP_CONV_HWC2CHW_GROUP * TSP_CONV_HWC2CHW_GROUP_FLOATS;
    const size_t lane = co % TSP_CONV_HWC2CHW_GROUP;
    group[lane] = bias != NULL ? bias[co] : 0.0f;
    for (size_t t = 0; t < TSP_CONV_HWC2CHW_TAPS; ++t) {
      group[(1 + t) * TSP_CONV_HWC2CHW_GROUP + lane] = weights_ohwi[co * TSP_CONV_HWC2CHW_TAPS + t];
    }
  }
}
