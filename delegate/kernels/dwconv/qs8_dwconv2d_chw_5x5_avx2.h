/* AVX2 int8 (QS8) CHW depthwise 5x5, stride 1 or 2 (a compile-time
 * constant of the including qs8_dwconv2d_chw_5x5s{1,2}__avx2.c file);
 * semantics: qs8_dwconv2d_chw_scalar.h, bit-exact with it. The scheme of
 * the 3x3 (qs8_dwconv2d_chw_3x3_avx2.h) with five taps a row:
 *
 * Per channel and output row, the interior columns (all 25 taps of all 8
 * outputs inside the plane's columns) go 8 at a time: per valid input row,
 * the 5 taps' 8 inputs as int32 minus zx, vpmulld by the broadcast weight,
 * vpaddd (exact: 25 * 128 * 255 fits, the bias add wraps like the
 * scalar's), then qs8_requant and a pack to 8 int8. Stride 1 loads 8 bytes
 * at each tap's first column (last byte ix0 + 11). Stride 2 loads 16 bytes
 * at ix0, ix0 + 2 and ix0 + 3 and picks even / odd bytes: taps 0, 1 from
 * the first, 2, 3 from the second, tap 4 as the odd bytes of the third, so
 * the last byte read is ix0 + 18, the last tap of the 8th output: in
 * bounds. Edge columns use the scalar point; rows of padding are skipped.
 *
 * On the planes of EfficientNet's 5x5 layers (28, 14, 7) most columns are
 * edge columns, so rows up to QS8_DW5_ROW_MAX bytes go another way: each
 * input row is copied once into a ring of 8 row buffers with zx on both
 * sides (a tap there adds w * 0, as the scalar's skipped tap), and every
 * output column, edges included, takes the vector path; the last vector
 * computes up to 7 outputs past out_w that are not stored. Wider rows use
 * the interior/edge split above. */
#ifndef TFLITE_SPARSE_QS8_DWCONV2D_CHW_5X5_AVX2_H_
#define TFLITE_SPARSE_QS8_DWCONV2D_CHW_5X5_AVX2_H_

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dwconv/qs8_dwconv2d_chw_scalar.h"
#include "qs8_requant_avx2.h"

/* The five taps' 8 inputs of one input row, as int32 minus zx. */
QS8_INLINE void qs8_dw5_taps(const size_t stride, const int8_t* p, __m256i zx, __m256i* t) {
  if (stride == 1) {
    for (int kx = 0; kx < 5; ++kx) {
      const __m128i b = _mm_loadl_epi64((const __m128i*)(p + kx));
      t[kx] = _mm256_sub_epi32(_mm256_cvtepi8_epi32(b), zx);
    }
  } else {
    const __m128i even = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i odd = _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i a = _mm_loadu_si128((const __m128i*)p);
    const __m128i b = _mm_loadu_si128((const __m128i*)(p + 2));
    const __m128i c = _mm_loadu_si128((const __m128i*)(p + 3));
    t[0] = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_shuffle_epi8(a, even)), zx);
    t[1] = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_shuffle_epi8(a, odd)), zx);
    t[2] = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_shuffle_epi8(b, even)), zx);
    t[3] = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_shuffle_epi8(b, odd)), zx);
    t[4] = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_shuffle_epi8(c, odd)), zx);
  }
}

QS8_INLINE void qs8_dw5_plane(const size_t stride, const int sat, const int round, size_t in_h,
                              size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                              size_t pad_left, const int8_t* plane, const int8_t* w, int32_t bias,
                              int32_t mult, int32_t shift, int32_t zx, const tsp_qs8_output* q,
                              int8_t* out) {
  /* Interior columns: ox * stride >= pad_left and ox * stride + 4 - pad_left < in_w. */
  size_t lo = (pad_left + stride - 1) / stride;
  size_t hi = in_w + pad_left >= 5 ? (in_w + pad_left - 5) / stride + 1 : 0;
  if (hi > out_w) hi = out_w;
  if (lo > hi) lo = hi;
  const size_t nvec = (hi - lo) / 8;
  const size_t vend = lo + 8 * nvec;
  const qs8_rq p = qs8_row_params(mult, shift, q);
  const __m256i vzx = _mm256_set1_epi32(zx);
  __m256i wv[25];
  for (int i = 0; i < 25; ++i) wv[i] = _mm256_set1_epi32(w[i]);
  const __m256i vbias = _mm256_set1_epi32(bias);
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride) - (ptrdiff_t)pad_top;
    int8_t* orow = out + oy * out_w;
    for (size_t ox = 0; ox < lo; ++ox) {
      const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
      orow[ox] = tsp_qs8_requantize(tsp_qs8_dw5x5_point(in_h, in_w, iy0, ix0, plane, w, bias, zx),
                                    mult, shift, q);
    }
    for (size_t ox = lo; ox < vend; ox += 8) {
      const size_t ix0 = ox * stride - pad_left; /* >= 0: ox >= lo */
      __m256i acc0 = vbias, acc1 = _mm256_setzero_si256(); /* two add chains */
      for (int ky = 0; ky < 5; ++ky) {
        const ptrdiff_t iy = iy0 + ky;
        if (iy < 0 || iy >= (ptrdiff_t)in_h) continue;
        __m256i t[5];
        qs8_dw5_taps(stride, plane + (size_t)iy * in_w + ix0, vzx, t);
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(t[0], wv[ky * 5 + 0]));
        acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(t[1], wv[ky * 5 + 1]));
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(t[2], wv[ky * 5 + 2]));
        acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(t[3], wv[ky * 5 + 3]));
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(t[4], wv[ky * 5 + 4]));
      }
      /* Wrapping adds are associative: same bits as the scalar's order. */
      qs8_store8(orow + ox, qs8_requant(_mm256_add_epi32(acc0, acc1), &p, sat, round), 0);
    }
    for (size_t ox = vend; ox < out_w; ++ox) {
      const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
      orow[ox] = tsp_qs8_requantize(tsp_qs8_dw5x5_point(in_h, in_w, iy0, ix0, plane, w, bias, zx),
                                    mult, shift, q);
    }
  }
}

#define QS8_DW5_ROW_MAX 512

/* Padded-row path; width (the row buffer bytes used) <= QS8_DW5_ROW_MAX. */
QS8_INLINE void qs8_dw5_plane_padded(const size_t stride, const int sat, const int round,
                                     size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                     size_t pad_top, size_t pad_left, size_t width,
                                     const int8_t* plane, const int8_t* w, int32_t bias,
                                     int32_t mult, int32_t shift, int32_t zx,
                                     const tsp_qs8_output* q, int8_t* out) {
  int8_t ring[8][QS8_DW5_ROW_MAX];
  ptrdiff_t held[8];
  for (int i = 0; i < 8; ++i) held[i] = -1;
  /* Input columns a vector reads: [0, width); copy those inside the plane. */
  const size_t copy = pad_left >= width ? 0 : (in_w < width - pad_left ? in_w : width - pad_left);
  const qs8_rq p = qs8_row_params(mult, shift, q);
  const __m256i vzx = _mm256_set1_epi32(zx);
  __m256i wv[25];
  for (int i = 0; i < 25; ++i) wv[i] = _mm256_set1_epi32(w[i]);
  const __m256i vbias = _mm256_set1_epi32(bias);
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(oy * stride) - (ptrdiff_t)pad_top;
    const int8_t* rows[5];
    for (int ky = 0; ky < 5; ++ky) {
      const ptrdiff_t iy = iy0 + ky;
      rows[ky] = NULL;
      if (iy < 0 || iy >= (ptrdiff_t)in_h) continue; /* adds nothing */
      int8_t* r = ring[iy & 7]; /* 5 consecutive rows: 5 distinct slots */
      if (held[iy & 7] != iy) {
        memset(r, (int8_t)zx, width);
        if (copy) memcpy(r + pad_left, plane + (size_t)iy * in_w, copy);
        held[iy & 7] = iy;
      }
      rows[ky] = r;
    }
    int8_t* orow = out + oy * out_w;
    for (size_t ox = 0; ox < out_w; ox += 8) {
      const size_t ix0 = ox * stride;
      __m256i acc0 = vbias, acc1 = _mm256_setzero_si256();
      for (int ky = 0; ky < 5; ++ky) {
        if (rows[ky] == NULL) continue;
        __m256i t[5];
        qs8_dw5_taps(stride, rows[ky] + ix0, vzx, t);
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(t[0], wv[ky * 5 + 0]));
        acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(t[1], wv[ky * 5 + 1]));
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(t[2], wv[ky * 5 + 2]));
        acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(t[3], wv[ky * 5 + 3]));
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(t[4], wv[ky * 5 + 4]));
      }
      const size_t left = out_w - ox;
      qs8_store8(orow + ox, qs8_requant(_mm256_add_epi32(acc0, acc1), &p, sat, round),
                 left < 8 ? left : 0);
    }
  }
}

/* One channel: the padded-row path when its rows fit, else interior/edges. */
QS8_INLINE void qs8_dw5_channel(const size_t stride, const int sat, const int round, size_t in_h,
                                size_t in_w, size_t out_h, size_t out_w, size_t pad_top,
                                size_t pad_left, const int8_t* plane, const int8_t* w,
                                int32_t bias, int32_t mult, int32_t shift, int32_t zx,
                                const tsp_qs8_output* q, int8_t* out) {
  /* The last vector starts at column (out_w - 1) / 8 * 8 * stride and reads
   * 12 (stride 1) or 19 (stride 2) bytes from there. */
  const size_t width = (out_w + 7) / 8 * 8 * stride + 19;
  if (out_w > 0 && width <= QS8_DW5_ROW_MAX) {
    qs8_dw5_plane_padded(stride, sat, round, in_h, in_w, out_h, out_w, pad_top, pad_left, width,
                         plane, w, bias, mult, shift, zx, q, out);
  } else {
    qs8_dw5_plane(stride, sat, round, in_h, in_w, out_h, out_w, pad_top, pad_left, plane, w,
                  bias, mult, shift, zx, q, out);
  }
}

QS8_INLINE void qs8_dwconv2d_chw_5x5_avx2(
    const size_t stride, size_t channels, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
    size_t pad_top, size_t pad_left, const int8_t* input, size_t input_stride,
    const int8_t* weights, const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
    int32_t zx, const tsp_qs8_output* q, int8_t* output, size_t output_stride) {
  for (size_t c = 0; c < channels; ++c) {
    const int8_t* plane = input + c * input_stride;
    int8_t* out = output + c * output_stride;
    const int32_t mult = multiplier[c], sh = shift[c];
    /* sat / round are per-channel constants: one specialized loop each. */
    if (mult == INT32_MIN) {
      qs8_dw5_channel(stride, 1, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane,
                      weights + 25 * c, bias[c], mult, sh, zx, q, out);
    } else if (sh < 0) {
      qs8_dw5_channel(stride, 0, 1, in_h, in_w, out_h, out_w, pad_top, pad_left, plane,
                      weights + 25 * c, bias[c], mult, sh, zx, q, out);
    } else {
      qs8_dw5_channel(stride, 0, 0, in_h, in_w, out_h, out_w, pad_top, pad_left, plane,
                      weights + 25 * c, bias[c], mult, sh, zx, q, out);
    }
  }
}

#endif /* TFLITE_SPARSE_QS8_DWCONV2D_CHW_5X5_AVX2_H_ */
