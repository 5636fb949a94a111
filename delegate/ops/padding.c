#include "ops/padding.h"

#include <string.h>

static int output_size(int padded, int kernel, int stride, int padding) {
  if (padding == kTfLitePaddingSame) return (padded + stride - 1) / stride;
  return padded >= kernel ? (padded - kernel) / stride + 1 : -1;
}

int tsp_window_output(const tsp_window* window, int in_h, int in_w, int* out_h, int* out_w,
                      int* pad_top, int* pad_left) {
  const int* pads = window->explicit_pads;
  int padded_h = in_h + pads[0] + pads[1];
  int padded_w = in_w + pads[2] + pads[3];
  *out_h = output_size(padded_h, window->kernel, window->stride, window->padding);
  *out_w = output_size(padded_w, window->kernel, window->stride, window->padding);
  if (*out_h <= 0 || *out_w <= 0) return -1;
  *pad_top = pads[0];
  *pad_left = pads[2];
  if (window->padding == kTfLitePaddingSame) {
    *pad_top += tsp_same_pad_before(padded_h, *out_h, window->stride, window->kernel);
    *pad_left += tsp_same_pad_before(padded_w, *out_w, window->stride, window->kernel);
  }
  return 0;
}

int tsp_window_input(tsp_builder* builder, const TfLiteNode* node, tsp_window* window) {
  memset(window->explicit_pads, 0, sizeof(window->explicit_pads));
  int input = tsp_node_input(node, 0);
  int code = -1;
  TfLiteNode* producer = NULL;
  if (tsp_builder_producer(builder, input, &code, &producer) < 0 || code != kTfLiteBuiltinPad)
    return input;
  if (tsp_pad_amounts(builder->context, producer, window->explicit_pads) != 0) return input;
  return tsp_node_input(producer, 0);
}
