/* QS8 SpMM, 64 columns x 2 output channels per tile (register passes of
 * at most 8 accumulators); body and the choice of multiply scheme in
 * qs8_spmm_avx2_template.h. */
#define QS8_NAME qs8_spmm_64x2__avx2
#define QS8_B 2
#define QS8_TILE 64
#define QS8_SCHEME QS8_MADDWD
#include "qs8_spmm_avx2_template.h"
