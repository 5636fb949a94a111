/* Spatial padding of a convolution window: TF SAME / VALID on top of any
 * explicit PAD folded in from a producer node. */
#ifndef TFLITE_SPARSE_OPS_PADDING_H_
#define TFLITE_SPARSE_OPS_PADDING_H_

#include "ops/ops.h"

typedef struct {
  int explicit_pads[4]; /* top, bottom, left, right from a folded PAD */
  int padding;          /* TfLitePadding of the conv itself */
  int kernel, stride;
} tsp_window;

/* Output size and the effective top/left padding for an in_h x in_w input.
 * Returns -1 when the window does not fit (VALID on a too-small input). */
int tsp_window_output(const tsp_window* window, int in_h, int in_w, int* out_h, int* out_w,
                      int* pad_top, int* pad_left);

/* When the activation input of `node` comes from a PAD node of the partition,
 * takes its pads and returns the PAD's input tensor; otherwise returns the
 * node's own input 0 with zero pads. */
int tsp_window_input(tsp_builder* builder, const TfLiteNode* node, tsp_window* window);

#endif /* TFLITE_SPARSE_OPS_PADDING_H_ */
