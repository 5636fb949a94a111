/* The 13 pointwise (1x1) layers of MobileNet v1 1.0 at 224x224: what the
 * SpMM benchmarks time. hw: the spatial extent H*W. */
#ifndef TFLITE_SPARSE_MOBILENET_V1_PW_LAYERS_H_
#define TFLITE_SPARSE_MOBILENET_V1_PW_LAYERS_H_

#include <stdint.h>

typedef struct {
  uint32_t in, out, hw;
} pw_layer;

static const pw_layer kPointwiseLayers[] = {
    {32, 64, 112 * 112},  {64, 128, 56 * 56},   {128, 128, 56 * 56}, {128, 256, 28 * 28},
    {256, 256, 28 * 28},  {256, 512, 14 * 14},  {512, 512, 14 * 14}, {512, 512, 14 * 14},
    {512, 512, 14 * 14},  {512, 512, 14 * 14},  {512, 512, 14 * 14}, {512, 1024, 7 * 7},
    {1024, 1024, 7 * 7},
};
#define NUM_POINTWISE_LAYERS (sizeof(kPointwiseLayers) / sizeof(kPointwiseLayers[0]))

#endif /* TFLITE_SPARSE_MOBILENET_V1_PW_LAYERS_H_ */
