/* AVX-512 VNNI int8 first convolution, vpdpbusd on u8 x s8 quads (input
 * + 128, the zero point folded into the bias, exact at the edges too);
 * body (and the scheme) in qs8_conv_hwc2chw_avx512_template.h. */
#define QC5_NAME qs8_conv_hwc2chw_3x3s2c3__avx512vnni
#define QC5_VNNI 1
#define QC5_C 8 /* 8 vpdpbusd chains: 0.059 ms vs 0.066 with 4 */
#include "conv/qs8_conv_hwc2chw_avx512_template.h"
