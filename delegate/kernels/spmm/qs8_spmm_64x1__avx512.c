/* QS8 SpMM, 64 columns x 1 output channels per tile, vpmaddwd + vpaddd;
 * body in qs8_spmm_avx512_template.h. */
#define QS8_NAME qs8_spmm_64x1__avx512
#define QS8_B 1
#define QS8_TILE 64
#define QS8_VNNI 0
#include "qs8_spmm_avx512_template.h"
