/* AVX-512 QS8 SpMM microkernel template (stream format: qs8_spmm.h),
 * plain AVX-512 (vpmaddwd + vpaddd) or AVX512-VNNI (vpdpwssd).
 *
 * Include once from a qs8_spmm_*__avx512.c / __avx512vnni.c file after
 * defining
 *   QS8_NAME  the function name, e.g. qs8_spmm_64x4__avx512
 *   QS8_B     output-channel block (1, 2, 4)
 *   QS8_TILE  64 or 128 columns per tile
 *   QS8_VNNI  1 to accumulate with vpdpwssd (file built with -mavx512vnni)
 *
 * Multiply scheme: the AVX2 one (w->pairs, two non-zeros of a group per
 * int32 lane), on units of 32 columns. Per pair of non-zeros and unit, the
 * two input rows' 32 bytes are widened to int16 (vpmovsxbw ymm -> zmm) and
 * word-interleaved (vpunpcklwd / vpunpckhwd); one vpmaddwd per zmm with
 * the broadcast weight pair then does 2 exact MACs per int32 lane, added with
 * vpaddd, or vpdpwssd does both at once (exact: an int8 x int8 pair sum
 * fits int32 with room to spare, and vpdpwssd wraps the int32 add just as
 * vpaddd does; vpdpwssds would saturate it, unlike the scalar reference).
 * An odd last non-zero pairs with weight 0.
 *
 * Column order: vpunpck*wd works within 128-bit lanes, so a unit's two
 * accumulators hold columns {0-3, 8-11, 16-19, 24-27} (lo) and
 * {4-7, 12-15, 20-23, 28-31} (hi). No fix-up is needed: vpackssdw(lo, hi),
 * also per 128-bit lane, puts the 32 int16 results back in column order, and
 * vpmovwb narrows them to 32 bytes. Widening first and interleaving words
 * (2 shuffles per zmm of pairs) costs fewer shuffles than the AVX2 order
 * (byte interleave, then widen the halves: 4 per zmm). Pairing even and odd
 * columns by dword shifts and vpblendmw instead of the unpacks (no shuffle,
 * but 2 more ops a unit and an int32 clamp before re-interleaving at the
 * store) measured slower: 0.91 vs 0.76 ms at block 1, 0.62 vs 0.56 at 4.
 *
 * Remainders: the last nc % tile columns run as one narrower tile of
 * ceil(rem / 32) units whose last unit is masked (vmovdqu8 loads and stores
 * under a k-mask touch no byte at or past nc), so e.g. 49 = 2 units (32 + 17)
 * and 196 = 128 + 3 units (32 + 32 + 4) need no scalar code and no second
 * walk over the weights at blocks 1 and 2.
 *
 * Register tile: at most 16 accumulators (zmm0-15), leaving 16 registers
 * for the widened pairs and the weight broadcasts; 128x4 (32) walks each
 * group's non-zeros twice, 64 columns at a time, the second walk reading the
 * group's weights from L1. Two accumulator sets alternating over the
 * pairs when a pass holds <= 8 accumulators (to hide vpdpwssd's latency)
 * measured no faster: 128x1 0.643 vs 0.621 ms, 128x2 0.449 vs 0.448, both
 * builds in one binary. Requantization: qs8_requant_avx512.h part 3 (one rounding, the zero point
 * folded into the 64-bit nudge; part 2 for the rows it cannot take), both
 * bit-exact with tsp_qs8_requantize_conv, as the scalar reference.
 *
 * Measured (benchmarks/qs8_spmm_bench.c on the 2-vCPU AMD EPYC Zen 5 VM,
 * MobileNet v1 1.0's 13 pointwise layers at 90%, network order, one thread,
 * medians of 41 runs, ms, two runs within 1% of each other except f32 (up
 * to 10%: the f32 rows took the host's noise); nc = H*W as the delegate
 * calls the kernels / nc = ld = round_up(H*W, 16)):
 *                          block 1       block 2       block 4
 *   f32 AVX-512 (select)   1.45 / 1.39   1.21 / 1.14   0.79 / 0.74
 *   int8 AVX2 64           3.11 / 1.61   2.16 / 1.37   1.72 / 1.33
 *   int8 AVX-512 64        0.87 / 0.86   0.68 / 0.67   0.59 / 0.58
 *   int8 AVX-512 128       0.80 / 0.80   0.63 / 0.63   0.59 / 0.58
 *   int8 VNNI 64           0.82 / 0.81   0.57 / 0.57   0.49 / 0.49
 *   int8 VNNI 128          0.69 / 0.69   0.51 / 0.51   0.50 / 0.49
 * (the AVX2 kernels' memcpy tails cost them 2x at H*W = 49 and 196). 128
 * columns win at blocks 1 and 2 (8-10%) and tie at 4, where the tables take
 * 64 (128x4 is two 64-column passes anyway, and narrower tiles split a
 * layer more evenly over threads). VNNI gains 14% at block 1, where the 4
 * shuffles per unit and pair weigh more than the multiply-adds (dropping
 * the two unpacks, results wrong, timing only, saved 12-15% at block 1 and
 * 4% at block 4), and 17-19% at blocks 2 and 4. Requantization is a large
 * share: with gemmlowp's rounding, an experiment without it ran 0.69 / 0.45
 * ms at blocks 1 / 4 against 0.90 / 0.66 (25-30%); ruy's shift, now used,
 * is 2 of the 14 vector ops per 16 outputs cheaper.
 *
 * Issue 13 (same benchmark, nc = H*W, medians of 61 runs, the run order
 * rotated so that no kernel always runs first; the old kernels built from
 * the previous template with the library's flags, same process; ms,
 * two runs each):     before       after               before       after
 *   VNNI 128x1     0.752 0.751  0.745 0.742  VNNI 64x1 0.853 0.854  0.797 0.782
 *   VNNI 128x2     0.543 0.555  0.505 0.528  VNNI 64x2 0.595 0.604  0.545 0.540
 *   VNNI 128x4     0.518 0.529  0.458 0.451  VNNI 64x4 0.508 0.512  0.425 0.442
 *   AVX-512 64x4   0.633 0.641  0.541 0.546
 * (the tables' picks, 128x1 / 128x2 / 64x4 VNNI: -1%, -5%, -15%).
 * Vector ops at 64x4, per stored non-zero block and 32 columns: 1
 * vpmovsxbw, 1 unpack, 4 vpdpwssd (one per row and half-unit), 2 weight
 * broadcasts per 2 units; per 16 outputs: 8 (requantization) + 2.5 (packs,
 * clamp, store). Measured issue rates on this Zen 5: vpdpwssd, vpmuldq,
 * vpsraq and vpmovsxbw (from memory) 2 a cycle, vpunpck*wd, vpshufd and
 * vpaddq 4. The 13 layers store 54 M MACs at block 4 (1.68 M vpdpwssd,
 * 0.21 ms at 2 a cycle and 4 GHz); a timing-only build without the
 * requantization ran 0.333 against 0.424 ms (21%; 25% at 128x2, 16% at
 * 128x1), layer 0 (32 -> 64 channels, 3.2 non-zeros per group) 0.026 vs
 * 0.058. In a microbenchmark of the loop body, plain loads instead of
 * vpmovsxbw (a pre-widened int16 input) saved 10% at block 4 and 8% at
 * block 1: not done (the diffs are int8 byte offsets, and it is at most
 * that share of the multiply loop). vpshufd instead of vpsrlq for the odd
 * lanes (moving 1 of 3 shifts to a 4-wide port) measured no change (0.413
 * vs 0.414 ms). Timing lesson: the same object linked at another place ran
 * 128x1 in 0.68 instead of 0.77 ms (code placement), so compare within one
 * binary and repeat. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "qs8_requant_avx512.h"
#include "qs8_spmm.h"
#include "ukernels.h"

#ifndef QS8_VNNI
#define QS8_VNNI 0
#endif
#ifndef QS8_TILE
#define QS8_TILE 64
#endif
#define QS8_MAXACC 16
/* Units (32 columns, 2 accumulators per row) per register pass. */
#define QS8_RU(nu, rows) (2 * (nu) * (rows) > QS8_MAXACC ? QS8_MAXACC / (2 * (rows)) : (nu))

/* 32 int8 columns of one row, only the bytes under the mask when masked. */
QS8_INLINE __m512i qs8_load32(const int8_t* p, const int masked, __mmask32 m) {
  const __m256i b = masked ? _mm256_maskz_loadu_epi8(m, p) : _mm256_loadu_si256((const __m256i*)p);
  return _mm512_cvtepi8_epi16(b);
}

/* nu units of rows p0, p1 as int16 pairs, two zmm per unit. */
QS8_INLINE void qs8_load_pair512(const int nu, const int masked, __mmask32 m, const int8_t* p0,
                                 const int8_t* p1, __m512i* x) {
#pragma GCC unroll 4
  for (int u = 0; u < nu; ++u) {
    const int mu = masked && u == nu - 1;
    const __m512i a = qs8_load32(p0 + 32 * u, mu, m), b = qs8_load32(p1 + 32 * u, mu, m);
    x[2 * u] = _mm512_unpacklo_epi16(a, b);
    x[2 * u + 1] = _mm512_unpackhi_epi16(a, b);
  }
}

QS8_INLINE __m512i qs8_mac512(__m512i acc, __m512i x, __m512i w) {
#if QS8_VNNI
  /* vpdpwssd in inline asm, not _mm512_dpwssd_epi32: with the intrinsic,
   * GCC 12 copies the 16 accumulators between registers and spills some to
   * the stack inside the non-zero loop (128x4: 0.75 ms instead of 0.59 ms
   * on the benchmark, slower than vpmaddwd + vpaddd); "+v" keeps each
   * accumulator in place, as vpdpwssd's destination is also its addend. */
  __asm__("vpdpwssd %[w], %[x], %[acc]" : [acc] "+v"(acc) : [x] "v"(x), [w] "v"(w));
  return acc;
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w));
#endif
}

/* acc[r][.] += x . (weight pair of row r) for one pair of non-zeros. */
QS8_INLINE void qs8_macs512(const int nv, const int rows, const int32_t* v, const __m512i* x,
                            __m512i* acc) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const __m512i wr = _mm512_set1_epi32(v[r]);
#pragma GCC unroll 8
    for (int i = 0; i < nv; ++i) acc[r * nv + i] = qs8_mac512(acc[r * nv + i], x[i], wr);
  }
}

QS8_INLINE void qs8_store_row512(const int nu, const int masked, __mmask32 m, const __m512i* acc,
                                 const qs8_rq512* p, const int sat, const int left,
                                 const int round, int8_t* o) {
#pragma GCC unroll 4
  for (int u = 0; u < nu; ++u) {
    const __m512i lo = qs8_requant_conv512(acc[2 * u], p, sat, left, round);
    const __m512i hi = qs8_requant_conv512(acc[2 * u + 1], p, sat, left, round);
    const __m256i y = _mm512_cvtepi16_epi8(qs8_pack_clamp512(lo, hi, p)); /* in int8 range */
    if (masked && u == nu - 1) {
      _mm256_mask_storeu_epi8(o + 32 * u, m, y);
    } else {
      _mm256_storeu_si256((__m256i*)(o + 32 * u), y);
    }
  }
}

/* One row through qs8_requant_fast512, one unit (32 columns) per pack.
 * Packing two units at once (vpackssdw, vpacksswb, one vpermq, 7 ops per
 * 64 outputs instead of 8) measured no faster at 64x4 (0.434 vs 0.433 ms)
 * and slower at 128x1 (0.79 vs 0.70 ms) and 128x2 (0.51 vs 0.48): GCC 12
 * then copied 8 loop-carried accumulators per pair of non-zeros in 128x1's
 * loop. */
QS8_INLINE void qs8_store_row_fast512(const int nu, const int masked, __mmask32 m,
                                      const __m512i* acc, const qs8_rqf512* p, const int right,
                                      const qs8_clamp512* k, int8_t* o) {
#pragma GCC unroll 4
  for (int u = 0; u < nu; ++u) {
    const __m256i y = qs8_pack32_fast512(qs8_requant_fast512(acc[2 * u], p, right),
                                         qs8_requant_fast512(acc[2 * u + 1], p, right), k, right);
    if (masked && u == nu - 1) {
      _mm256_mask_storeu_epi8(o + 32 * u, m, y);
    } else {
      _mm256_storeu_si256((__m256i*)(o + 32 * u), y);
    }
  }
}

QS8_INLINE void qs8_store512(const int nu, const int rows, const int masked, __mmask32 m,
                             const __m512i* acc, const tsp_qs8_spmm_weights* w, uint32_t row0,
                             int8_t* out, size_t output_stride, const tsp_qs8_output* q,
                             const qs8_clamp512* k) {
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const int32_t mult = w->multiplier[row0 + r], shift = w->shift[row0 + r];
    const __m512i* a = acc + r * 2 * nu;
    int8_t* o = out + r * output_stride;
    if (__builtin_expect(qs8_fast_row512(mult, shift), 1)) {
      const qs8_rqf512 p = qs8_fast_params512(mult, shift, q->zero_point);
      if (shift < 0) {
        qs8_store_row_fast512(nu, masked, m, a, &p, 1, k, o);
      } else {
        qs8_store_row_fast512(nu, masked, m, a, &p, 0, k, o);
      }
    } else { /* rare: INT32_MIN multiplier or shift < -23 */
      const qs8_rq512 p = qs8_row_params512(mult, shift, q);
      if (mult == INT32_MIN) {
        qs8_store_row512(nu, masked, m, a, &p, 1, 1, 1, o);
      } else { /* shift < -23: no left shift */
        qs8_store_row512(nu, masked, m, a, &p, 0, 0, 1, o);
      }
    }
  }
}

/* One register tile (nu units x rows) of one group: walks the group's
 * `count` non-zeros from `in`, stores, returns the input pointer after them. */
QS8_INLINE const int8_t* qs8_subgroup512(const int nu, const int rows, const int masked,
                                         __mmask32 m, uint32_t count, const int32_t* v,
                                         const int32_t* d, const int8_t* in,
                                         const tsp_qs8_spmm_weights* w, uint32_t row0,
                                         int8_t* out, size_t output_stride,
                                         const tsp_qs8_output* q, const qs8_clamp512* k) {
  const int nv = 2 * nu;
  __m512i acc[QS8_MAXACC];
#pragma GCC unroll 4
  for (int r = 0; r < rows; ++r) {
    const __m512i b = _mm512_set1_epi32(w->bias[row0 + r]);
#pragma GCC unroll 8
    for (int i = 0; i < nv; ++i) acc[r * nv + i] = b;
  }
  __m512i x[8];
  uint32_t left = count;
  for (; left >= 2; left -= 2) {
    const int8_t* in1 = in + d[0];
    qs8_load_pair512(nu, masked, m, in, in1, x);
    qs8_macs512(nv, rows, v, x, acc);
    v += rows;
    in = in1 + d[1];
    d += 2;
  }
  if (left) { /* odd last non-zero: the pair's high weight is 0 */
    qs8_load_pair512(nu, masked, m, in, in, x);
    qs8_macs512(nv, rows, v, x, acc);
    in += d[0];
  }
  qs8_store512(nu, rows, masked, m, acc, w, row0, out, output_stride, q, k);
  return in;
}

/* One output group over nu units of columns (1..4, the last one masked when
 * `masked`), in 1 or 2 register passes (ru >= 2 units a pass, nu <= 4). */
QS8_INLINE const int8_t* qs8_group512(const int nu, const int rows, const int masked, __mmask32 m,
                                      uint32_t count, const int32_t** vals_io,
                                      const int32_t** diffs_io, const int8_t* in,
                                      const tsp_qs8_spmm_weights* w, uint32_t row0, int8_t* out,
                                      size_t output_stride, const tsp_qs8_output* q,
                                      const qs8_clamp512* k) {
  const int ru = QS8_RU(nu, rows);
  const int n0 = nu < ru ? nu : ru; /* units of the first pass */
  const int8_t* next = qs8_subgroup512(n0, rows, masked && n0 == nu, m, count, *vals_io,
                                       *diffs_io, in, w, row0, out, output_stride, q, k);
  if (nu > n0) {
    next = qs8_subgroup512(nu - n0, rows, masked, m, count, *vals_io, *diffs_io, in + 32 * n0, w,
                           row0, out + 32 * n0, output_stride, q, k);
    next -= 32 * n0; /* that pass's input pointer started 32 * n0 columns in */
  }
  *vals_io += (size_t)(count + 1) / 2 * rows;
  *diffs_io += count;
  return next;
}

QS8_INLINE void qs8_columns512(const int nu, const int block, const int masked, __mmask32 m,
                               size_t col, const tsp_qs8_spmm_weights* w, const int8_t* input,
                               int8_t* output, size_t output_stride, const tsp_qs8_output* q) {
  const int32_t* vals = w->pairs;
  const int32_t* diffs = w->diffs;
  const uint32_t* counts = w->counts;
  const int8_t* in = input + col + w->first_offset;
  int8_t* out = output + col;
  uint32_t row = 0;
  const qs8_clamp512 k = qs8_clamp_params512(q);
  for (uint32_t g = w->full_groups; g != 0; --g) {
    in = qs8_group512(nu, block, masked, m, *counts++, &vals, &diffs, in, w, row, out,
                      output_stride, q, &k);
    out += block * output_stride;
    row += block;
  }
  for (uint32_t g = w->tail_rows; g != 0; --g) {
    in = qs8_group512(nu, 1, masked, m, *counts++, &vals, &diffs, in, w, row, out, output_stride,
                      q, &k);
    out += output_stride;
    row += 1;
  }
}

/* Out-of-line instances, one per column width the entry point needs: the
 * full tile, and 1..tile/32 units with the last one masked for the
 * remainder, so a remainder walks the non-zeros once (rows <= 2) where
 * halving the tile (e.g. 49 = 32 + 17) would walk them once per piece. */
#define QS8_COLUMNS(name, nu, masked)                                                        \
  static void name(__mmask32 m, size_t col, const tsp_qs8_spmm_weights* w,                \
                   const int8_t* input, int8_t* output, size_t output_stride,             \
                   const tsp_qs8_output* q) {                                               \
    qs8_columns512(nu, QS8_B, masked, m, col, w, input, output, output_stride, q);         \
  }
QS8_COLUMNS(qs8_columns512_full, QS8_TILE / 32, 0)
QS8_COLUMNS(qs8_columns512_masked1, 1, 1)
QS8_COLUMNS(qs8_columns512_masked2, 2, 1)
#if QS8_TILE == 128
QS8_COLUMNS(qs8_columns512_masked3, 3, 1)
QS8_COLUMNS(qs8_columns512_masked4, 4, 1)
#endif

void QS8_NAME(size_t nc, const tsp_qs8_spmm_weights* w, const int8_t* input, int8_t* output,
              size_t output_stride, const tsp_qs8_output* q) {
  size_t col = 0;
  for (; col + QS8_TILE <= nc; col += QS8_TILE) {
    qs8_columns512_full(0, col, w, input, output, output_stride, q);
  }
  const size_t rem = nc - col; /* 0 .. QS8_TILE - 1 */
  if (rem == 0) return;
  /* The last unit's columns: 1..32 (all 32 when rem is a multiple of 32). */
  const __mmask32 m = (__mmask32)((UINT64_C(1) << ((rem - 1) % 32 + 1)) - 1);
  switch ((rem + 31) / 32) {
    case 1:
      qs8_columns512_masked1(m, col, w, input, output, output_stride, q);
      break;
    case 2:
      qs8_columns512_masked2(m, col, w, input, output, output_stride, q);
      break;
#if QS8_TILE == 128
    case 3:
      qs8_columns512_masked3(m, col, w, input, output, output_stride, q);
      break;
    default:
      qs8_columns512_masked4(m, col, w, input, output, output_stride, q);
      break;
#endif
  }
}
