/* Views of a packed SpMM over consecutive ranges of its output groups, so
 * the rows of a layer can be split between threads when it has too few
 * columns to split (a 7x7 map is a single 64-column tile). Each view is a
 * complete tsp_spmm_weights for its groups: any SpMM kernel runs it as is
 * and computes exactly what it computes for those rows in a full pass (the
 * per-group arithmetic does not depend on where the pass started). */
#ifndef TFLITE_SPARSE_SPMM_PARTS_H_
#define TFLITE_SPARSE_SPMM_PARTS_H_

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

typedef struct {
  size_t count;             /* number of views (>= 1 once made) */
  tsp_spmm_weights* views;  /* views[p] covers output rows [first_row[p], ...) */
  uint32_t* first_row;
} tsp_spmm_parts;

/* Splits the groups of `packed` into `parts` ranges of near-equal group
 * count (parts is clamped to [1, groups]). The views point into packed's
 * streams and follow its current stride: make them again after a restride.
 * Returns 0, or -1 when out of memory (parts left empty). */
int tsp_spmm_parts_make(const tsp_spmm_packed* packed, size_t parts, tsp_spmm_parts* out);
void tsp_spmm_parts_release(tsp_spmm_parts* parts);

#endif /* TFLITE_SPARSE_SPMM_PARTS_H_ */
