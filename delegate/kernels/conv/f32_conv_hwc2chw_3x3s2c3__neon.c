/* First convolution (3x3 stride 2, 3 input channels, HWC in, CHW out), NEON.
 *
 * Tile: 4 consecutive output pixels of one output row times the 16 output
 * channels of one packed weight group (conv_hwc2chw_pack.h). Accumulator
 * acc[p][g] holds channels 4g .. 4g + 3 of pixel p. Per window row ky, the
 * 27 input floats the tile reads (pixels 2 ox - pad_left .. + 8, HWC) are two
 * multi-register loads (floats 0..15 and 15..26); per tap, the 16 channel
 * weights are one ld1 {4 regs}, and the tap's 16 FMAs take the input value
 * by lane, so the loop is loads and FMAs only (27 weight loads, 6 input
 * loads, 432 FMAs per tile). Then clamp and one 4-lane st4 per channel row
 * (a channel's 4 pixels are lane c of 4 consecutive accumulators); partial
 * tiles (in C) transpose 4x4 instead.
 *
 * Tiles whose window leaves the image read a zero-padded copy of the in-range
 * part of each row; rows outside the image are skipped. No float outside the
 * input or outside the output planes is read or written. */
#include <arm_neon.h>
#include <stddef.h>
#include <string.h>

#include "conv/conv_hwc2chw_pack.h"
#include "ukernels.h"

#define CN_INLINE static inline __attribute__((always_inline))
#define CN_UNROLL _Pragma("GCC unroll 32")
#define CN_FLOATS 27 /* floats of one window row of a tile: 9 pixels x 3 */

/* acc + w * lane l of v. */
CN_INLINE float32x4_t cn_fma(float32x4_t acc, float32x4_t w, float32x4_t v, int l) {
  switch (l) {
    case 0: return vfmaq_laneq_f32(acc, w, v, 0);
    case 1: return vfmaq_laneq_f32(acc, w, v, 1);
    case 2: return vfmaq_laneq_f32(acc, w, v, 2);
    default: return vfmaq_laneq_f32(acc, w, v, 3);
  }
}

/* acc[p][g] += the taps of one window row (C version, for partial tiles):
 * r = the row's 27 floats (HWC, 9 pixels), w = its 9 taps' 16-channel
 * weight rows. */
CN_INLINE void cn_row(float32x4_t acc[4][4], const float* r, const float* w) {
  const float32x4x4_t a = vld1q_f32_x4(r);      /* floats 0 .. 15 */
  const float32x4x2_t b = vld1q_f32_x2(r + 15); /* floats 15 .. 22 */
  const float32x4_t b2 = vld1q_f32(r + 23);     /* floats 23 .. 26 */
  const float32x4_t v[7] = {a.val[0], a.val[1], a.val[2], a.val[3], b.val[0], b.val[1], b2};
  CN_UNROLL
  for (int j = 0; j < 9; ++j) { /* j = kx * 3 + ci */
    const float32x4x4_t wv = vld1q_f32_x4(w + j * TSP_CONV_HWC2CHW_GROUP);
    CN_UNROLL
    for (int p = 0; p < 4; ++p) {
      const int f = 6 * p + j;
      const int vi = f < 16 ? f / 4 : 4 + (f - 15) / 4;
      const int l = f < 16 ? f % 4 : (f - 15) % 4;
      CN_UNROLL
      for (int g = 0; g < 4; ++g) acc[p][g] = cn_fma(acc[p][g], wv.val[g], v[vi], l);
    }
  }
}

/* The accumulation of a full tile as one asm block (GCC 12 spills the 16
 * accumulators of the C version, which are live with 7 input and 4 weight
 * registers, and computes every weight address with an add). Accumulators:
 * pixel p, channels 4g .. 4g + 3 in v(16 + 4g + p). Weights: read through
 * one post-incremented pointer, bias then 27 taps, a tap's 16 channels into
 * v0..v3. A window row's 27 input floats: two loads into v4..v10 (floats
 * 0..15, then 15..26); a row outside the image (NULL) is skipped. Each tap
 * j = kx * 3 + ci is 16 FMAs by lane, pixel p taking input float 6p + j. */
#define CN_P(a0, a1, a2, a3, x)          \
  "fmla v" a0 ".4s, v0.4s, " x "\n\t"   \
  "fmla v" a1 ".4s, v1.4s, " x "\n\t"   \
  "fmla v" a2 ".4s, v2.4s, " x "\n\t"   \
  "fmla v" a3 ".4s, v3.4s, " x "\n\t"
#define CN_T(x0, x1, x2, x3)                                                   \
  "ld1 {v0.4s-v3.4s}, [%[w]], #64\n\t"                                        \
  CN_P("16", "20", "24", "28", x0) CN_P("17", "21", "25", "29", x1)            \
  CN_P("18", "22", "26", "30", x2) CN_P("19", "23", "27", "31", x3)
#define CN_ROW(r)                                                              \
  "cbz %[" r "], 1f\n\t"                                                       \
  "ld1 {v4.4s-v7.4s}, [%[" r "]], %[k60]\n\t"                                  \
  "ld1 {v8.4s-v10.4s}, [%[" r "]]\n\t"                                         \
  CN_T("v4.s[0]", "v5.s[2]", "v7.s[0]", "v8.s[3]")                             \
  CN_T("v4.s[1]", "v5.s[3]", "v7.s[1]", "v9.s[0]")                             \
  CN_T("v4.s[2]", "v6.s[0]", "v7.s[2]", "v9.s[1]")                             \
  CN_T("v4.s[3]", "v6.s[1]", "v7.s[3]", "v9.s[2]")                             \
  CN_T("v5.s[0]", "v6.s[2]", "v8.s[1]", "v9.s[3]")                             \
  CN_T("v5.s[1]", "v6.s[3]", "v8.s[2]", "v10.s[0]")                            \
  CN_T("v5.s[2]", "v7.s[0]", "v8.s[3]", "v10.s[1]")                            \
  CN_T("v5.s[3]", "v7.s[1]", "v9.s[0]", "v10.s[2]")                            \
  CN_T("v6.s[0]", "v7.s[2]", "v9.s[1]", "v10.s[3]")                            \
  "b 2f\n\t"                                                                   \
  "1:\n\t"                                                                     \
  "add %[w], %[w], #576\n\t" /* 9 taps x 64 bytes */                          \
  "2:\n\t"

/* Stores channel rows 4g .. 4g + 3 (lanes 0..3 of v(16 + 4g) .. v(16 + 4g + 3),
 * the 4 pixels) with one 4-register lane store each: o, o + s1, ... (bytes),
 * o advancing by s1. */
#define CN_STORE(a0, a1, a2, a3)                                         \
  "st4 {v" a0 ".s, v" a1 ".s, v" a2 ".s, v" a3 ".s}[0], [%[o]], %[s1]\n\t" \
  "st4 {v" a0 ".s, v" a1 ".s, v" a2 ".s, v" a3 ".s}[1], [%[o]], %[s1]\n\t" \
  "st4 {v" a0 ".s, v" a1 ".s, v" a2 ".s, v" a3 ".s}[2], [%[o]], %[s1]\n\t" \
  "st4 {v" a0 ".s, v" a1 ".s, v" a2 ".s, v" a3 ".s}[3], [%[o]], %[s1]\n\t"
#define CN_CLAMP(a) "fmax v" a ".4s, v" a ".4s, %[vmin].4s\n\tfmin v" a ".4s, v" a ".4s, %[vmax].4s\n\t"

/* A full tile (16 channels x 4 pixels) in one asm block: rows[ky] = window
 * row ky's 27 floats or NULL; out = channel 0's first pixel, channels
 * `stride` floats apart. AddressSanitizer does not see inside the asm: it
 * reads exactly rows[ky][0, 27) and the group's 16 * 28 floats, and writes
 * exactly 4 floats of each of the 16 channel rows (the C tests check the
 * values, and that nothing else in the output changes). */
CN_INLINE void cn_tile_asm(const float* const rows[3], const float* group, float* out,
                           size_t stride, float32x4_t vmin, float32x4_t vmax) {
  const float* r0 = rows[0];
  const float* r1 = rows[1];
  const float* r2 = rows[2];
  const float* w = group;
  const size_t s1 = stride * sizeof(float);
  __asm__ volatile(
      "ld1 {v0.4s-v3.4s}, [%[w]], #64\n\t"
      "mov v16.16b, v0.16b\n\t" "mov v17.16b, v0.16b\n\t"
      "mov v18.16b, v0.16b\n\t" "mov v19.16b, v0.16b\n\t"
      "mov v20.16b, v1.16b\n\t" "mov v21.16b, v1.16b\n\t"
      "mov v22.16b, v1.16b\n\t" "mov v23.16b, v1.16b\n\t"
      "mov v24.16b, v2.16b\n\t" "mov v25.16b, v2.16b\n\t"
      "mov v26.16b, v2.16b\n\t" "mov v27.16b, v2.16b\n\t"
      "mov v28.16b, v3.16b\n\t" "mov v29.16b, v3.16b\n\t"
      "mov v30.16b, v3.16b\n\t" "mov v31.16b, v3.16b\n\t"
      CN_ROW("r0") CN_ROW("r1") CN_ROW("r2")
      CN_CLAMP("16") CN_CLAMP("17") CN_CLAMP("18") CN_CLAMP("19")
      CN_CLAMP("20") CN_CLAMP("21") CN_CLAMP("22") CN_CLAMP("23")
      CN_CLAMP("24") CN_CLAMP("25") CN_CLAMP("26") CN_CLAMP("27")
      CN_CLAMP("28") CN_CLAMP("29") CN_CLAMP("30") CN_CLAMP("31")
      CN_STORE("16", "17", "18", "19") CN_STORE("20", "21", "22", "23")
      CN_STORE("24", "25", "26", "27") CN_STORE("28", "29", "30", "31")
      : [w] "+r"(w), [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [o] "+r"(out)
      : [k60] "r"((size_t)60), [s1] "r"(s1), [vmin] "w"(vmin), [vmax] "w"(vmax)
      : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v16", "v17",
        "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29",
        "v30", "v31", "cc", "memory");
}

/* 4x4 transpose of r[0..4) (r[p] lane c -> r[c] lane p). */
CN_INLINE void cn_transpose(float32x4_t r[4]) {
  const float32x4_t t0 = vtrn1q_f32(r[0], r[1]), t1 = vtrn2q_f32(r[0], r[1]);
  const float32x4_t t2 = vtrn1q_f32(r[2], r[3]), t3 = vtrn2q_f32(r[2], r[3]);
  r[0] = vreinterpretq_f32_f64(vzip1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
  r[1] = vreinterpretq_f32_f64(vzip1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
  r[2] = vreinterpretq_f32_f64(vzip2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
  r[3] = vreinterpretq_f32_f64(vzip2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
}

/* Stores the first n (1..3) lanes of v. */
static void cn_store_n(float* p, float32x4_t v, size_t n) {
  if (n >= 2) {
    vst1_f32(p, vget_low_f32(v));
    if (n == 3) vst1q_lane_f32(p + 2, v, 2);
    return;
  }
  vst1q_lane_f32(p, v, 0);
}

/* A partial tile (fewer than 16 channels or 4 pixels), in C: rows[ky] =
 * window row ky's 27 floats or NULL; stores channels [0, channels) of the
 * group, n pixels each, at out + c * stride. */
static void cn_tile_part(const float* const rows[3], const float* group, size_t channels,
                         size_t n, float* out, size_t stride, float32x4_t vmin, float32x4_t vmax) {
  float32x4_t acc[4][4];
  CN_UNROLL
  for (int g = 0; g < 4; ++g) {
    const float32x4_t bias = vld1q_f32(group + 4 * g);
    CN_UNROLL
    for (int p = 0; p < 4; ++p) acc[p][g] = bias;
  }
  CN_UNROLL
  for (int ky = 0; ky < 3; ++ky) {
    if (rows[ky] != NULL) cn_row(acc, rows[ky], group + (1 + 9 * ky) * TSP_CONV_HWC2CHW_GROUP);
  }
  for (int g = 0; g < 4; ++g) {
    float32x4_t t[4];
    for (int p = 0; p < 4; ++p) t[p] = vminq_f32(vmaxq_f32(acc[p][g], vmin), vmax);
    cn_transpose(t);
    for (int c = 0; c < 4; ++c) {
      const size_t ch = 4 * (size_t)g + (size_t)c;
      if (ch >= channels) return;
      if (n == 4) {
        vst1q_f32(out + ch * stride, t[c]);
      } else {
        cn_store_n(out + ch * stride, t[c], n);
      }
    }
  }
}

void f32_conv_hwc2chw_3x3s2c3__neon(size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                    size_t pad_top, size_t pad_left, size_t out_channels,
                                    const float* input, const float* packed_weights, float* output,
                                    size_t output_stride, const tsp_minmax* clamp) {
  const float32x4_t vmin = vdupq_n_f32(clamp->min), vmax = vdupq_n_f32(clamp->max);
  float local[3][CN_FLOATS];
  for (size_t oy = 0; oy < out_h; ++oy) {
    const ptrdiff_t iy0 = (ptrdiff_t)(2 * oy) - (ptrdiff_t)pad_top;
    const float* base[3]; /* window row ky of this output row, NULL outside the image */
    for (int ky = 0; ky < 3; ++ky) {
      const ptrdiff_t iy = iy0 + ky;
      base[ky] = iy >= 0 && iy < (ptrdiff_t)in_h ? input + (size_t)iy * in_w * 3 : NULL;
    }
    for (size_t ox = 0; ox < out_w; ox += 4) {
      const ptrdiff_t c0 = (ptrdiff_t)(2 * ox) - (ptrdiff_t)pad_left;
      const float* rows[3];
      if (c0 >= 0 && c0 + 9 <= (ptrdiff_t)in_w) {
        for (int ky = 0; ky < 3; ++ky) rows[ky] = base[ky] != NULL ? base[ky] + c0 * 3 : NULL;
      } else {
        const ptrdiff_t lo = c0 < 0 ? 0 : c0;
        const ptrdiff_t hi = c0 + 9 < (ptrdiff_t)in_w ? c0 + 9 : (ptrdiff_t)in_w;
        for (int ky = 0; ky < 3; ++ky) {
          if (base[ky] == NULL) {
            rows[ky] = NULL;
            continue;
          }
          memset(local[ky], 0, sizeof(local[ky]));
          if (lo < hi) {
            memcpy(local[ky] + (lo - c0) * 3, base[ky] + lo * 3,
                   (size_t)(hi - lo) * 3 * sizeof(float));
          }
          rows[ky] = local[ky];
        }
      }
      const size_t n = out_w - ox < 4 ? out_w - ox : 4;
      float* out = output + oy * out_w + ox;
      for (size_t co = 0; co < out_channels; co += TSP_CONV_HWC2CHW_GROUP) {
        const float* group = packed_weights + co / TSP_CONV_HWC2CHW_GROUP * TSP_CONV_HWC2CHW_GROUP_FLOATS;
        const size_t channels = out_channels - co < TSP_CONV_HWC2CHW_GROUP ? out_channels - co
                                                                           : TSP_CONV_HWC2CHW_GROUP;
        if (channels == TSP_CONV_HWC2CHW_GROUP && n == 4) {
          cn_tile_asm(rows, group, out + co * output_stride, output_stride, vmin, vmax);
        } else {
          cn_tile_part(rows, group, channels, n, out + co * output_stride, output_stride, vmin,
                       vmax);
        }
      }
    }
  }
}
