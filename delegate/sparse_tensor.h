/* TFLite sparse tensors (TfLiteSparsity): validation and decoding.
 *
 * Every sparse tensor is checked against its shape and value count before
 * anything reads through its index arrays: a bad model fails with a message,
 * never an out-of-bounds read. */
#ifndef TFLITE_SPARSE_SPARSE_TENSOR_H_
#define TFLITE_SPARSE_SPARSE_TENSOR_H_

#include <stddef.h>

#include "tflite_abi.h"

/* Checks the sparsity metadata of a float32 or int8 tensor: traversal order is a
 * permutation, block map fits the shape, dense sizes match, segments start at
 * 0, never decrease and end at the index count, indices are in range and
 * increasing within a segment, and the value count matches the tensor bytes.
 * Returns 0, or -1 with a reason in `why`. */
int tsp_sparse_validate(const TfLiteTensor* tensor, char* why, size_t why_size);

/* Bytes of one value of a sparse tensor type the delegate reads: 4 for
 * float32, 1 for int8, 0 for any other. */
size_t tsp_sparse_value_bytes(int type);

/* Bytes of the dense tensor (product of dims x value bytes). */
size_t tsp_sparse_dense_bytes(const TfLiteTensor* tensor);

/* Decodes a validated tensor into `dense` (row-major over tensor->dims). */
void tsp_sparse_decode(const TfLiteTensor* tensor, void* dense);

/* Block size the metadata declares along dimension 0 (1 when none). */
int tsp_sparse_block_along_dim0(const TfLiteTensor* tensor);

#endif /* TFLITE_SPARSE_SPARSE_TENSOR_H_ */
