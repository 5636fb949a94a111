#include "layout.h"

/* Blocked transposes: 8x8 tiles keep both sides' cache lines in use. These run
 * only at partition edges (for a MobileNet: never, or on a 1x1xC vector). */
#define TILE 8

/* One body per element type: the two copies differ in nothing else. */
#define TRANSPOSES(suffix, T)                                                                     \
  void tsp_nhwc_to_chw##suffix(size_t spatial, size_t channels, const T* hwc, T* chw,           \
                               size_t ld) {                                                     \
    for (size_t p0 = 0; p0 < spatial; p0 += TILE) {                                             \
      size_t p1 = p0 + TILE < spatial ? p0 + TILE : spatial;                                    \
      for (size_t c0 = 0; c0 < channels; c0 += TILE) {                                          \
        size_t c1 = c0 + TILE < channels ? c0 + TILE : channels;                                \
        for (size_t c = c0; c < c1; ++c)                                                        \
          for (size_t p = p0; p < p1; ++p) chw[c * ld + p] = hwc[p * channels + c];             \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
  void tsp_chw_to_nhwc##suffix(size_t spatial, size_t channels, const T* chw, size_t ld,        \
                               T* hwc) {                                                        \
    for (size_t p0 = 0; p0 < spatial; p0 += TILE) {                                             \
      size_t p1 = p0 + TILE < spatial ? p0 + TILE : spatial;                                    \
      for (size_t c0 = 0; c0 < channels; c0 += TILE) {                                          \
        size_t c1 = c0 + TILE < channels ? c0 + TILE : channels;                                \
        for (size_t p = p0; p < p1; ++p)                                                        \
          for (size_t c = c0; c < c1; ++c) hwc[p * channels + c] = chw[c * ld + p];             \
      }                                                                                         \
    }                                                                                           \
  }

TRANSPOSES(, float)
TRANSPOSES(_i8, int8_t)
