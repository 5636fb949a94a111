/* Layout conversion between TFLite's NHWC and the delegate's CHW, one image. */
#ifndef TFLITE_SPARSE_KERNELS_LAYOUT_H_
#define TFLITE_SPARSE_KERNELS_LAYOUT_H_

#include <stddef.h>
#include <stdint.h>

/* chw[c * ld + p] = hwc[p * channels + c] for p < spatial. */
void tsp_nhwc_to_chw(size_t spatial, size_t channels, const float* hwc, float* chw, size_t ld);
/* hwc[p * channels + c] = chw[c * ld + p]. */
void tsp_chw_to_nhwc(size_t spatial, size_t channels, const float* chw, size_t ld, float* hwc);

/* The same for int8 values (ld in bytes). */
void tsp_nhwc_to_chw_i8(size_t spatial, size_t channels, const int8_t* hwc, int8_t* chw, size_t ld);
void tsp_chw_to_nhwc_i8(size_t spatial, size_t channels, const int8_t* chw, size_t ld, int8_t* hwc);

#endif /* TFLITE_SPARSE_KERNELS_LAYOUT_H_ */
