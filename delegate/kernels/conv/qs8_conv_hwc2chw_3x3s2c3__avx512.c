/* AVX-512 int8 first convolution, vpmaddwd + vpaddd; body (and the scheme)
 * in qs8_conv_hwc2chw_avx512_template.h. */
#define QC5_NAME qs8_conv_hwc2chw_3x3s2c3__avx512
#define QC5_VNNI 0
#define QC5_C 4 /* ties 8 (0.099 ms) with fewer live registers */
#include "conv/qs8_conv_hwc2chw_avx512_template.h"
