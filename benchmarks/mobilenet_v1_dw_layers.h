/* The depthwise layers of MobileNet v1 1.0 at 224x224, grouped by shape:
 * what the depthwise benchmarks time. */
#ifndef TFLITE_SPARSE_MOBILENET_V1_DW_LAYERS_H_
#define TFLITE_SPARSE_MOBILENET_V1_DW_LAYERS_H_

#include <stddef.h>

typedef struct {
  const char* name;
  size_t in, stride, channels, count; /* count: identical layers in the group */
} dw_group;

/* TF SAME: stride 1 pads 1 before; stride 2 on even sizes pads 0 before and 1
 * after (what Keras' ZeroPadding2D((0,1),(0,1)) + VALID also computes). */
static const dw_group kGroups[] = {
    {"dw 112x112 s1 x32", 112, 1, 32, 1},  {"dw 112->56 s2 x64", 112, 2, 64, 1},
    {"dw 56x56 s1 x128", 56, 1, 128, 1},   {"dw 56->28 s2 x128", 56, 2, 128, 1},
    {"dw 28x28 s1 x256", 28, 1, 256, 1},   {"dw 28->14 s2 x256", 28, 2, 256, 1},
    {"dw 14x14 s1 x512 (5)", 14, 1, 512, 5}, {"dw 14->7 s2 x512", 14, 2, 512, 1},
    {"dw 7x7 s1 x1024", 7, 1, 1024, 1},
};
#define NGROUPS (sizeof kGroups / sizeof kGroups[0])

#endif /* TFLITE_SPARSE_MOBILENET_V1_DW_LAYERS_H_ */
