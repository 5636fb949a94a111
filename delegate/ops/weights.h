/* Where a convolution's weights come from: a dense constant, or a sparse
 * constant decoded by a DENSIFY node (TF's EXPERIMENTAL_SPARSITY, our converter). */
#ifndef TFLITE_SPARSE_OPS_WEIGHTS_H_
#define TFLITE_SPARSE_OPS_WEIGHTS_H_

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

typedef struct {
  const TfLiteTensor* dense;  /* constant dense weights, or NULL */
  const TfLiteTensor* sparse; /* constant sparse weights behind a DENSIFY, or NULL */
  int densify_node;           /* the DENSIFY node, or -1 */
} tsp_weight_source;

/* Finds the source of weight tensor `tensor`. Returns 0 when it is a float32
 * or int8 constant (dense or sparse; the caller checks which type it takes), 1 when it is not a constant (unsupported), -1
 * when the sparse metadata is invalid (message in why, naming the tensor). */
int tsp_weight_source_find(const tsp_graph* graph, int tensor, tsp_weight_source* source,
                           char* why, size_t why_size);

/* Fraction of zeros (for sparse storage, the fraction not stored). */
double tsp_weight_sparsity(const tsp_weight_source* source);

/* The weights as a dense array of the tensor's type (float or int8) in its
 * shape (malloc'd), or NULL when out of memory. */
void* tsp_weight_dense(const tsp_weight_source* source);

/* Output-channel block the storage declares (1 when none). */
int tsp_weight_declared_block(const tsp_weight_source* source);

/* SpMM output-channel block for rows x cols weights (`dense`, from
 * tsp_weight_dense): the storage's declared block if it has one, else the
 * widest block that stores no extra zeros (pruned-with-blocks models stored
 * plainly). */
uint32_t tsp_weight_choose_block(const tsp_weight_source* source, const void* dense,
                                 uint32_t rows, uint32_t cols);

/* The weight tensor (whichever one holds the shape). */
const TfLiteTensor* tsp_weight_tensor(const tsp_weight_source* source);

#endif /* TFLITE_SPARSE_OPS_WEIGHTS_H_ */
