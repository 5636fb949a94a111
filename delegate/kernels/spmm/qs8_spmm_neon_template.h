/* NEON (AArch64) QS8 SpMM microkernel template (stream format: qs8_spmm.h).
 *
 * Include once from a qs8_spmm_*__neon.c file after defining
 *   QS8_NAME  the function name, e.g. qs8_spmm_16x4__neon
 *   QS8_B     output-channel block (1, 2, 4)
 *   QS8_V     vectors of 8 columns per tile (1 or 2: 8 or 16 columns)
 * Plain NEON, exact: per non-zero, the input columns are widened to int16
 * (sxtl) and multiplied-accumulated into int32 by the broadcast weight
 * (smlal / smlal2 by element); one widened input serves every row of a
 * block. Remainders take 8 columns, then one partial vector through a
 * small buffer, so nothing past column nc is read or written.
 *
 * Requantization, bit-exact with tsp_qs8_requantize_conv (ruy's, as
 * TFLite's int8 CONV_2D):
 *   - left shift: sshl by a positive count (wraps);
 *   - SaturatingRoundingDoublingHighMul is sqrdmulh exactly (including its
 *     saturation at INT32_MIN * INT32_MIN);
 *   - the rounding right shift is srshl by -e (round half up), as ruy's;
 *   - clamp to [min - zy, max - zy], + zy, sqxtn twice to int8. */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qs8_spmm.h"
#include "ukernels.h"

#define QS8N_INLINE static inline __attribute__((always_inline))

/* 8 int8 columns (tail 1..7 valid: through a zeroed buffer) as int16x8. */
QS8N_INLINE int16x8_t qs8n_load8(const int8_t* p, size_t tail) {
  if (tail) {
    int8_t buf[8] = {0};
    memcpy(buf, p, tail);
    return vmovl_s8(vld1_s8(buf));
  }
  return vmovl_s8(vld1_s8(p));
}

typedef struct {
  int32x4_t left, right_neg, lo, hi, zp;
  int32_t mult;
} qs8n_rq;

QS8N_INLINE qs8n_rq qs8n_row_params(int32_t mult, int32_t shift, const tsp_qs8_output* q) {
  qs8n_rq p;
  p.left = vdupq_n_s32(shift > 0 ? shift : 0);
  p.right_neg = vdupq_n_s32(shift > 0 ? 0 : shift);
  p.lo = vdupq_n_s32(q->min - q->zero_point);
  p.hi = vdupq_n_s32(q->max - q->zero_point);
  p.zp = vdupq_n_s32(q->zero_point);
  p.mult = mult;
  return p;
}

QS8N_INLINE int32x4_t qs8n_requant(int32x4_t acc, const qs8n_rq* p) {
  int32x4_t x = vshlq_s32(acc, p->left);
  x = vqrdmulhq_n_s32(x, p->mult);
  x = vrshlq_s32(x, p->right_neg);
  x = vminq_s32(vmaxq_s32(x, p->lo), p->hi);
  return vaddq_s32(x, p->zp);
}

/* Two int32x4 (one 8-column vector) to 8 int8. */
QS8N_INLINE void qs8n_store8(int8_t* o, int32x4_t a, int32x4_t b, size_t tail) {
  const int8x8_t y = vqmovn_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(b)));
  if (tail) {
    int8_t buf[8];
    vst1_s8(buf, y);
    memcpy(o, buf, tail);
  } else {
    vst1_s8(o, y);
  }
}

/* One group over nv vectors of 8 columns (acc[r][2 * i + half]). */
QS8N_INLINE const int8_t* qs8n_group(const int nv, const int rows, size_t tail, uint32_t count,
                                     const int8_t** vals_io, const int32_t** diffs_io,
                                     const int8_t* in, const tsp_qs8_spmm_weights* w,
                                     uint32_t row0, int8_t* out, size_t output_stride,
                                     const tsp_qs8_output* q) {
  int32x4_t acc[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const int32x4_t b = vdupq_n_s32(w->bias[row0 + r]);
#pragma GCC unroll 4
    for (int i = 0; i < 2 * nv; ++i) acc[r][i] = b;
  }
  const int8_t* v = *vals_io;
  const int32_t* d = *diffs_io;
  for (uint32_t k = 0; k < count; ++k) {
    int16x8_t x[2];
#pragma GCC unroll 2
    for (int i = 0; i < nv; ++i) x[i] = qs8n_load8(in + 8 * i, i == nv - 1 ? tail : 0);
#pragma GCC unroll 4
    for (int r = 0; r < rows; ++r) {
      const int16x4_t wr = vdup_n_s16(v[r]);
#pragma GCC unroll 2
      for (int i = 0; i < nv; ++i) {
        acc[r][2 * i] = vmlal_lane_s16(acc[r][2 * i], vget_low_s16(x[i]), wr, 0);
        acc[r][2 * i + 1] = vmlal_high_lane_s16(acc[r][2 * i + 1], x[i], wr, 0);
      }
    }
    v += rows;
    in += d[k];
  }
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const qs8n_rq p = qs8n_row_params(w->multiplier[row0 + r], w->shift[row0 + r], q);
    int8_t* o = out + r * output_stride;
#pragma GCC unroll 2
    for (int i = 0; i < nv; ++i) {
      qs8n_store8(o + 8 * i, qs8n_requant(acc[r][2 * i], &p), qs8n_requant(acc[r][2 * i + 1], &p),
                  i == nv - 1 ? tail : 0);
    }
  }
  *vals_io = v;
  *diffs_io = d + count;
  return in;
}

QS8N_INLINE void qs8n_columns(const int nv, const int block, size_t tail, size_t col,
                              const tsp_qs8_spmm_weights* w, const int8_t* input,
                              int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  const int8_t* vals = w->values;
  const int32_t* diffs = w->diffs;
  const uint32_t* counts = w->counts;
  const int8_t* in = input + col + w->first_offset;
  int8_t* out = output + col;
  uint32_t row = 0;
  for (uint32_t g = w->full_groups; g != 0; --g) {
    in = qs8n_group(nv, block, tail, *counts++, &vals, &diffs, in, w, row, out, output_stride, q);
    out += block * output_stride;
    row += block;
  }
  for (uint32_t g = w->tail_rows; g != 0; --g) {
    in = qs8n_group(nv, 1, tail, *counts++, &vals, &diffs, in, w, row, out, output_stride, q);
    out += output_stride;
    row += 1;
  }
}

#if QS8_V == 2
static void qs8n_columns_2(size_t col, const tsp_qs8_spmm_weights* w, const int8_t* input,
                           int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  qs8n_columns(2, QS8_B, 0, col, w, input, output, output_stride, q);
}
#endif
static void qs8n_columns_1(size_t col, const tsp_qs8_spmm_weights* w, const int8_t* input,
                           int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  qs8n_columns(1, QS8_B, 0, col, w, input, output, output_stride, q);
}
static void qs8n_columns_tail(size_t tail, size_t col, const tsp_qs8_spmm_weights* w,
                              const int8_t* input, int8_t* output, size_t output_stride,
                              const tsp_qs8_output* q) {
  qs8n_columns(1, QS8_B, tail, col, w, input, output, output_stride, q);
}

void QS8_NAME(size_t nc, const tsp_qs8_spmm_weights* w, const int8_t* input, int8_t* output,
              size_t output_stride, const tsp_qs8_output* q) {
  size_t col = 0;
#if QS8_V == 2
  for (; col + 16 <= nc; col += 16) qs8n_columns_2(col, w, input, output, output_stride, q);
#endif
  for (; col + 8 <= nc; col += 8) qs8n_columns_1(col, w, input, output, output_stride, q);
  if (nc != col) qs8n_columns_tail(nc - col, col, w, input, output, output_stride, q);
}
