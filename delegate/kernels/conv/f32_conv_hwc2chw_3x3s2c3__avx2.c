#include "dwconv/vec_avx2.h"

/* 8x8 transpose: 32-bit interleave, 64-bit shuffle within 128-bit lanes,
 * then one round of 128-bit lane permutes. */
static inline void v_transpose(tsp_vec r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  /* r[4i + k], 128-bit lane L: column 4L + k of rows 4i .. 4i + 3. */
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int k = 0; k < 4; ++k) {
    t[k] = _mm256_permute2f128_ps(r[k], r[4 + k], 0x20);
    t[4 + k] = _mm256_permute2f128_ps(r[k], r[4 + k], 0x31);
  }
  for (int i = 0; i < 8; ++i) r[i] = t[i];
}

#define TSP_CONV_FN f32_conv_hwc2chw_3x3s2c3__avx2
#include "conv/conv_hwc2chw_simd.h"
