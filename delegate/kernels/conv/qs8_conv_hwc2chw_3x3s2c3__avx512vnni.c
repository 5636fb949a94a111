/* AVX-512 VNNI int8 first convolution, vpdpwssd on the same int16 pairs;
 * body (and the scheme) in qs8_conv_hwc2chw_avx512_template.h. */
#define QC5_NAME qs8_conv_hwc2chw_3x3s2c3__avx512vnni
#define QC5_VNNI 1
#define QC5_C 8 /* 8 vpdpwssd chains: 0.084 ms vs 0.104 with 4 */
#include "conv/qs8_conv_hwc2chw_avx512_template.h"
