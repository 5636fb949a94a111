/* Views of a packed int8 SpMM over consecutive ranges of its output groups,
 * the int8 twin of spmm_parts.h: a 7x7 layer is one column tile, so its
 * rows are what threads share. Each view is a complete tsp_qs8_spmm_weights
 * for its groups (streams, per-row bias / multiplier / shift all offset to
 * the range), so any int8 SpMM kernel runs it as is and writes exactly the
 * bits a full pass writes for those rows. */
#ifndef TFLITE_SPARSE_QS8_SPMM_PARTS_H_
#define TFLITE_SPARSE_QS8_SPMM_PARTS_H_

#include <stddef.h>
#include <stdint.h>

#include "qs8_spmm.h"

typedef struct {
  size_t count;                /* number of views (>= 1 once made) */
  tsp_qs8_spmm_weights* views; /* views[p] covers output rows [first_row[p], ...) */
  uint32_t* first_row;
} tsp_qs8_spmm_parts;

/* Splits the groups of `packed` into `parts` ranges of near-equal group
 * count (clamped to [1, groups]). The views follow packed's current stride:
 * make them again after a restride. Returns 0, or -1 when out of memory. */
int tsp_qs8_spmm_parts_make(const tsp_qs8_spmm_packed* packed, size_t parts,
                            tsp_qs8_spmm_parts* out);
void tsp_qs8_spmm_parts_release(tsp_qs8_spmm_parts* parts);

#endif /* TFLITE_SPARSE_QS8_SPMM_PARTS_H_ */
