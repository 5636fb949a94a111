#include "sparse_tensor.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_RANK 6
/* Each of up to MAX_RANK dims may be blocked once: n + blocks <= 2 * MAX_RANK. */
#define MAX_LEVELS (2 * MAX_RANK)
/* Cap on a decoded tensor: the largest dense weight of the CNNs we target
 * (ResNet50's 2048x1000 FC) is 8 MB; 64 MB leaves room and stops a crafted
 * shape from making the delegate allocate gigabytes. */
#define MAX_DENSE_BYTES ((size_t)64 << 20)

/* Shape of the expanded (blocked) tensor, one size per expanded dimension. */
typedef struct {
  int rank;         /* original rank n */
  int levels;       /* n + number of blocked dimensions */
  int size[MAX_LEVELS];
  int block_of[MAX_RANK]; /* original dim -> block dim index (n + j), or -1 */
} expanded_shape;

/* bytes *= dim, refusing a negative dim or a product past SIZE_MAX: the one
 * place dims are multiplied, for the validator and for the byte count. */
static int times_dim(size_t* bytes, int dim) {
  return dim >= 0 && !__builtin_mul_overflow(*bytes, (size_t)dim, bytes) ? 0 : -1;
}

static int fail(char* why, size_t size, const char* message, int a, int b) {
  snprintf(why, size, message, a, b);
  return -1;
}

static int block_size_level(const TfLiteSparsity* sp, int expanded_dim) {
  for (int l = 0; l < sp->dim_metadata_size; ++l)
    if (sp->traversal_order->data[l] == expanded_dim) return l;
  return -1;
}

static int check_order_and_blocks(const TfLiteTensor* t, expanded_shape* shape,
                                  char* why, size_t size) {
  const TfLiteSparsity* sp = t->sparsity;
  const int n = t->dims->size;
  const int blocks = sp->block_map ? sp->block_map->size : 0;
  if (n < 1 || n > MAX_RANK || blocks > n)
    return fail(why, size, "rank %d with %d blocked dimensions is not supported", n, blocks);
  shape->rank = n;
  shape->levels = n + blocks;
  if (!sp->traversal_order || sp->traversal_order->size != shape->levels ||
      sp->dim_metadata_size != shape->levels || !sp->dim_metadata)
    return fail(why, size, "traversal order / dim metadata must have %d entries for rank %d",
                shape->levels, n);
  int seen[MAX_LEVELS] = {0};
  for (int l = 0; l < shape->levels; ++l) {
    int d = sp->traversal_order->data[l];
    if (d < 0 || d >= shape->levels || seen[d]++)
      return fail(why, size, "traversal order entry %d (%d) is not a permutation", l, d);
  }
  size_t bytes = sizeof(float);
  for (int k = 0; k < n; ++k) {
    if (t->dims->data[k] <= 0) return fail(why, size, "dimension %d has size %d", k, t->dims->data[k]);
    if (times_dim(&bytes, t->dims->data[k]) != 0 || bytes > MAX_DENSE_BYTES)
      return fail(why, size, "dense shape exceeds %d MB at dimension %d",
                  (int)(MAX_DENSE_BYTES >> 20), k);
    shape->block_of[k] = -1;
    shape->size[k] = t->dims->data[k];
  }
  for (int j = 0; j < blocks; ++j) {
    int k = sp->block_map->data[j];
    if (k < 0 || k >= n || shape->block_of[k] != -1)
      return fail(why, size, "block map entry %d (%d) is not a distinct dimension", j, k);
    int level = block_size_level(sp, n + j);
    const TfLiteDimensionMetadata* md = &sp->dim_metadata[level];
    if (md->format != kTfLiteDimDense || md->dense_size <= 0 ||
        t->dims->data[k] % md->dense_size != 0)
      return fail(why, size, "block of dimension %d (size %d) does not divide it", k,
                  md->dense_size);
    shape->block_of[k] = n + j;
    shape->size[k] = t->dims->data[k] / md->dense_size;
    shape->size[n + j] = md->dense_size;
  }
  return 0;
}

/* Checks one CSR level; `positions` is the number of entries of the level
 * above and becomes the number of entries of this one. */
static int check_csr_level(const TfLiteDimensionMetadata* md, int level, int dim_size,
                           size_t* positions, char* why, size_t size) {
  const TfLiteIntArray* seg = md->array_segments;
  const TfLiteIntArray* idx = md->array_indices;
  if (!seg || !idx) return fail(why, size, "sparse level %d has no segments or indices", level, 0);
  if ((size_t)seg->size != *positions + 1)
    return fail(why, size, "level %d has %d segment entries, expected one more than its parent's entries",
                level, seg->size);
  if (seg->data[0] != 0) return fail(why, size, "level %d segments start at %d, not 0", level, seg->data[0]);
  for (int s = 0; s + 1 < seg->size; ++s) {
    if (seg->data[s + 1] < seg->data[s])
      return fail(why, size, "level %d segments are not monotonic at entry %d", level, s + 1);
  }
  if (seg->data[seg->size - 1] != idx->size)
    return fail(why, size, "level %d segments end at %d, not at the number of indices", level,
                seg->data[seg->size - 1]);
  for (int s = 0; s + 1 < seg->size; ++s) {
    for (int q = seg->data[s]; q < seg->data[s + 1]; ++q) {
      int i = idx->data[q];
      if (i < 0 || i >= dim_size)
        return fail(why, size, "level %d index %d is out of range", level, i);
      if (q > seg->data[s] && i <= idx->data[q - 1])
        return fail(why, size, "level %d indices are not increasing at position %d", level, q);
    }
  }
  *positions = (size_t)idx->size;
  return 0;
}

int tsp_sparse_validate(const TfLiteTensor* t, char* why, size_t size) {
  const TfLiteSparsity* sp = t->sparsity;
  if (!sp) return fail(why, size, "tensor has no sparsity metadata", 0, 0);
  const size_t elem = tsp_sparse_value_bytes(t->type);
  if (!elem) return fail(why, size, "sparse tensor type %d is neither float32 nor int8", t->type, 0);
  if (!t->dims) return fail(why, size, "sparse tensor has no shape", 0, 0);
  expanded_shape shape;
  if (check_order_and_blocks(t, &shape, why, size) != 0) return -1;
  size_t positions = 1;
  for (int l = 0; l < shape.levels; ++l) {
    const TfLiteDimensionMetadata* md = &sp->dim_metadata[l];
    int dim_size = shape.size[sp->traversal_order->data[l]];
    if (md->format == kTfLiteDimDense) {
      if (md->dense_size != dim_size)
        return fail(why, size, "dense level %d has size %d, the shape says otherwise", l, md->dense_size);
      positions *= (size_t)dim_size;
      if (positions > ((size_t)1 << 31)) return fail(why, size, "level %d is too large", l, 0);
    } else if (md->format == kTfLiteDimSparseCSR) {
      if (check_csr_level(md, l, dim_size, &positions, why, size) != 0) return -1;
    } else {
      return fail(why, size, "level %d has unknown format %d", l, md->format);
    }
  }
  if (positions * elem != t->bytes || (t->bytes && !t->data.raw))
    return fail(why, size, "metadata describes %d values but the buffer holds %d",
                (int)positions, (int)(t->bytes / elem));
  return 0;
}

typedef struct {
  const TfLiteTensor* tensor;
  expanded_shape shape;
  int coord[MAX_LEVELS];
  char* dense;
  size_t elem; /* bytes per value */
} decoder;

static void store_value(decoder* d, size_t position) {
  const TfLiteTensor* t = d->tensor;
  size_t linear = 0;
  for (int k = 0; k < d->shape.rank; ++k) {
    int c = d->coord[k];
    int b = d->shape.block_of[k];
    if (b >= 0) c = c * d->shape.size[b] + d->coord[b];
    linear = linear * (size_t)t->dims->data[k] + (size_t)c;
  }
  memcpy(d->dense + linear * d->elem, (const char*)t->data.raw_const + position * d->elem, d->elem);
}

static void decode_level(decoder* d, int level, size_t parent) {
  const TfLiteSparsity* sp = d->tensor->sparsity;
  if (level == d->shape.levels) {
    store_value(d, parent);
    return;
  }
  const TfLiteDimensionMetadata* md = &sp->dim_metadata[level];
  const int dim = sp->traversal_order->data[level];
  if (md->format == kTfLiteDimDense) {
    for (int i = 0; i < md->dense_size; ++i) {
      d->coord[dim] = i;
      decode_level(d, level + 1, parent * (size_t)md->dense_size + (size_t)i);
    }
  } else {
    const int* seg = md->array_segments->data;
    for (int q = seg[parent]; q < seg[parent + 1]; ++q) {
      d->coord[dim] = md->array_indices->data[q];
      decode_level(d, level + 1, (size_t)q);
    }
  }
}

size_t tsp_sparse_dense_bytes(const TfLiteTensor* t) {
  /* Validated tensors never overflow; anything else saturates (malloc fails). */
  size_t bytes = tsp_sparse_value_bytes(t->type);
  for (int k = 0; k < t->dims->size; ++k)
    if (times_dim(&bytes, t->dims->data[k]) != 0) return SIZE_MAX;
  return bytes;
}

size_t tsp_sparse_value_bytes(int type) {
  return type == kTfLiteFloat32 ? sizeof(float) : type == kTfLiteInt8 ? 1 : 0;
}

void tsp_sparse_decode(const TfLiteTensor* t, void* dense) {
  decoder d;
  char unused[8];
  memset(&d, 0, sizeof(d));
  d.tensor = t;
  d.dense = dense;
  d.elem = tsp_sparse_value_bytes(t->type);
  check_order_and_blocks(t, &d.shape, unused, sizeof(unused));
  memset(dense, 0, tsp_sparse_dense_bytes(t));
  decode_level(&d, 0, 0);
}

int tsp_sparse_block_along_dim0(const TfLiteTensor* t) {
  const TfLiteSparsity* sp = t->sparsity;
  if (!sp || !sp->block_map) return 1;
  for (int j = 0; j < sp->block_map->size; ++j) {
    if (sp->block_map->data[j] != 0) continue;
    int level = block_size_level(sp, t->dims->size + j);
    return level >= 0 ? sp->dim_metadata[level].dense_size : 1;
  }
  return 1;
}
