/* QS8 SpMM, 32 columns x 1 output channels per tile; body and the choice
 * of multiply scheme in qs8_spmm_avx2_template.h. */
#define QS8_NAME qs8_spmm_32x1__avx2
#define QS8_B 1
#define QS8_SCHEME QS8_MADDWD
#include "qs8_spmm_avx2_template.h"
