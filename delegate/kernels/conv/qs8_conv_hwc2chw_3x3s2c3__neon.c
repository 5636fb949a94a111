/* NEON int8 first convolution (3x3 stride 2, 3 input channels, HWC in, CHW
 * out); semantics: conv/qs8_conv_hwc2chw_pack.h, bit-exact with the
 * scalar reference.
 *
 * The tile of the AVX2 kernel: 8 output pixels of a row x 8 channels, the
 * 3 x 17-pixel input window widened to int16 minus zx (0 outside the image)
 * in a small buffer. Per kernel row, vld2q_s16 splits the packed pairs back
 * into one int16x8 per tap (8 channels); pixel p's 9 values are one int16x8
 * load at 6p plus a scalar at 6p + 8, and each tap is an smlal / smlal2 by
 * lane into the pixel's two int32x4 (channels 0..3, 4..7): exact products,
 * wrapping int32 adds, like the scalar's bias add. Requantization as the
 * QS8 SpMM's (sqrdmulh, srshl) with per-lane multiplier and
 * shifts, sqxtn to int8, an 8x8 byte transpose (trn1/trn2 at 8, 16, 32
 * bits) to channel rows, stored into the CHW planes. */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conv/qs8_conv_hwc2chw_pack.h"
#include "ukernels.h"

#define QN_V 8                /* pixels and channels per tile */
#define QN_PIX (2 * QN_V + 1) /* input pixels one tile row reads */
#define QN_ROW (QN_PIX * 3)   /* their int8 values: 51 */
#define QN_BUF 56
_Static_assert(QN_V == TSP_QS8_CONV_HWC2CHW_GROUP, "one packed group per tile");

/* Window row values as int16 minus zx into buf[ky] (0 outside the image);
 * rows[ky] = NULL when the whole row is outside. */
static void qn_tile_rows(const int8_t* input, size_t in_h, size_t in_w, ptrdiff_t iy0,
                         ptrdiff_t c0, int32_t zx, int16_t buf[3][QN_BUF],
                         const int16_t* rows[3]) {
  const int plain = c0 >= 0 && c0 + QN_PIX <= (ptrdiff_t)in_w;
  const int16x8_t vzx = vdupq_n_s16((int16_t)zx);
  for (int ky = 0; ky < 3; ++ky) {
    const ptrdiff_t iy = iy0 + ky;
    if (iy < 0 || iy >= (ptrdiff_t)in_h) {
      rows[ky] = NULL;
      continue;
    }
    const int8_t* row = input + (size_t)iy * in_w * 3;
    int16_t* b = buf[ky];
    rows[ky] = b;
    if (plain) {
      /* 51 bytes as 16-byte loads at 0, 16, 32 and 35 (overlapping, so no
       * byte past the window is read). */
      const int8_t* p = row + (size_t)c0 * 3;
      static const int offs[4] = {0, 16, 32, QN_ROW - 16};
      for (int k = 0; k < 4; ++k) {
        const int8x16_t x = vld1q_s8(p + offs[k]);
        vst1q_s16(b + offs[k], vsubq_s16(vmovl_s8(vget_low_s8(x)), vzx));
        vst1q_s16(b + offs[k] + 8, vsubq_s16(vmovl_high_s8(x), vzx));
      }
      continue;
    }
    for (ptrdiff_t c = 0; c < QN_PIX; ++c) {
      const ptrdiff_t ix = c0 + c;
      const int inside = ix >= 0 && ix < (ptrdiff_t)in_w;
      for (int ci = 0; ci < 3; ++ci) {
        b[c * 3 + ci] = inside ? (int16_t)(row[(size_t)ix * 3 + ci] - zx) : 0;
      }
    }
  }
}

typedef struct {
  int32x4_t mult, left, right_neg;
} qn_rq;

static inline qn_rq qn_params(const int32_t* mult, const int32_t* shift) {
  qn_rq p;
  const int32x4_t sh = vld1q_s32(shift);
  p.mult = vld1q_s32(mult);
  p.left = vmaxq_s32(sh, vdupq_n_s32(0));
  p.right_neg = vminq_s32(sh, vdupq_n_s32(0));
  return p;
}

/* tsp_qs8_requantize_conv per lane: sqrdmulh is
 * SaturatingRoundingDoublingHighMul (its saturation included), srshl's
 * round-half-up is ruy's rounding shift. */
static inline int32x4_t qn_requant(int32x4_t acc, const qn_rq* p, int32x4_t lo, int32x4_t hi,
                                   int32x4_t zp) {
  int32x4_t x = vshlq_s32(acc, p->left); /* wraps like the scalar */
  x = vqrdmulhq_s32(x, p->mult);
  x = vrshlq_s32(x, p->right_neg);
  x = vminq_s32(vmaxq_s32(x, lo), hi);
  return vaddq_s32(x, zp);
}

/* 8x8 byte transpose: r[p] byte c -> r[c] byte p. */
static inline void qn_transpose(int8x8_t r[8]) {
  int8x8_t t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = vtrn1_s8(r[i], r[i + 1]);
    t[i + 1] = vtrn2_s8(r[i], r[i + 1]);
  }
  int16x4_t u[8];
  for (int i = 0; i < 8; i += 4) {
    for (int k = 0; k < 2; ++k) {
      const int16x4_t a = vreinterpret_s16_s8(t[i + k]), b = vreinterpret_s16_s8(t[i + k + 2]);
      u[i + k] = vtrn1_s16(a, b);
      u[i + k + 2] = vtrn2_s16(a, b);
    }
  }
  for (int k = 0; k < 4; ++k) {
    const int32x2_t a = vreinterpret_s32_s16(u[k]), b = vreinterpret_s32_s16(u[k + 4]);
    r[k] = vreinterpret_s8_s32(vtrn1_s32(a, b));
    r[k + 4] = vreinterpret_s8_s32(vtrn2_s32(a, b));
  }
}

#define QN_TAP(j)                                                        \
  do {                                                                   \
    lo[p] = vmlal_laneq_s16(lo[p], vget_low_s16(w[j]), x, j);            \
    hi[p] = vmlal_high_laneq_s16(hi[p], w[j], x, j);                     \
  } while (0)

/* lo[p] / hi[p] = bias + tap sum of pixel p, channels 0..3 / 4..7. */
static inline void qn_group(const int16_t* const rows[3], const int16_t* wg, const int32_t* bias,
                            int32x4_t lo[QN_V], int32x4_t hi[QN_V]) {
  const int32x4_t b0 = vld1q_s32(bias), b1 = vld1q_s32(bias + 4);
  for (int p = 0; p < QN_V; ++p) {
    lo[p] = b0;
    hi[p] = b1;
  }
  for (int ky = 0; ky < 3; ++ky) {
    const int16_t* r = rows[ky];
    if (r == NULL) continue;
    int16x8_t w[9];
    const int16_t* wr = wg + ky * TSP_QS8_CONV_HWC2CHW_PAIRS * 2 * QN_V;
    for (int m = 0; m < 4; ++m) {
      const int16x8x2_t pair = vld2q_s16(wr + m * 2 * QN_V);
      w[2 * m] = pair.val[0];
      w[2 * m + 1] = pair.val[1];
    }
    w[8] = vld2q_s16(wr + 4 * 2 * QN_V).val[0]; /* its partner is the 0 tap */
    for (int p = 0; p < QN_V; ++p) {
      const int16x8_t x = vld1q_s16(r + 6 * p);
      QN_TAP(0);
      QN_TAP(1);
      QN_TAP(2);
      QN_TAP(3);
      QN_TAP(4);
      QN_TAP(5);
      QN_TAP(6);
      QN_TAP(7);
      const int16_t x8 = r[6 * p + 8];
      lo[p] = vmlal_n_s16(lo[p], vget_low_s16(w[8]), x8);
      hi[p] = vmlal_high_n_s16(hi[p], w[8], x8);
    }
  }
}

void qs8_conv_hwc2chw_3x3s2c3__neon(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                    size_t pad_top, size_t pad_left, const int8_t* input,
                                    const struct tsp_qs8_conv_hwc2chw_weights* weights,
                                    int8_t* output, size_t output_stride,
                                    const tsp_qs8_output* out_params) {
  const size_t out_channels = weights->out_channels;
  const int32_t zx = weights->input_zero_point;
  const int32x4_t vlo = vdupq_n_s32(out_params->min - out_params->zero_point);
  const int32x4_t vhi = vdupq_n_s32(out_params->max - out_params->zero_point);
  const int32x4_t vzp = vdupq_n_s32(out_params->zero_point);
  int16_t buf[3][QN_BUF];
  memset(buf, 0, sizeof(buf));
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad_top;
    for (size_t ox = 0; ox < out_w; ox += QN_V) {
      const int16_t* rows[3];
      qn_tile_rows(input, in_h, in_w, iy0, (ptrdiff_t)(2 * ox) - (ptrdiff_t)pad_left, zx, buf,
                   rows);
      const size_t n = out_w - ox < QN_V ? out_w - ox : QN_V;
      int8_t* out = output + oy * out_w + ox;
      for (size_t co = 0; co < out_channels; co += QN_V) {
        const size_t g = co / QN_V;
        int32x4_t lo[QN_V], hi[QN_V];
        qn_group(rows, weights->taps + g * TSP_QS8_CONV_HWC2CHW_GROUP_TAPS, weights->bias + co,
                 lo, hi);
        const qn_rq p0 = qn_params(weights->multiplier + co, weights->shift + co);
        const qn_rq p1 = qn_params(weights->multiplier + co + 4, weights->shift + co + 4);
        int8x8_t y[QN_V];
        for (int p = 0; p < QN_V; ++p) {
          const int32x4_t a = qn_requant(lo[p], &p0, vlo, vhi, vzp);
          const int32x4_t b = qn_requant(hi[p], &p1, vlo, vhi, vzp);
          y[p] = vqmovn_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(b)));
        }
        qn_transpose(y);
        const size_t channels = out_channels - co < QN_V ? out_channels - co : QN_V;
        for (size_t c = 0; c < channels; ++c) {
          int8_t* o = out + (co + c) * output_stride;
          if (n == QN_V) {
            vst1_s8(o, y[c]);
          } else {
            int8_t tmp[8];
            vst1_s8(tmp, y[c]);
            memcpy(o, tmp, n);
          }
        }
      }
    }
  }
}
