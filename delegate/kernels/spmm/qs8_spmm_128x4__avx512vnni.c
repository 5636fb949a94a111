/* QS8 SpMM, 128 columns x 4 output channels per tile, AVX512-VNNI vpdpwssd;
 * body in qs8_spmm_avx512_template.h. */
#define QS8_NAME qs8_spmm_128x4__avx512vnni
#define QS8_B 4
#define QS8_TILE 128
#define QS8_VNNI 1
#include "qs8_spmm_avx512_template.h"
