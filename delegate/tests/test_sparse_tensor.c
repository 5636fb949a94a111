/* Sparse tensor validation and decoding (delegate/sparse_tensor.c), on exact
 * size arrays so AddressSanitizer catches any read past them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_tensor.h"
#include "test_util.h"

static TfLiteIntArray* int_array(int size, const int* values) {
  TfLiteIntArray* a = malloc(sizeof(TfLiteIntArray) + sizeof(int) * (size_t)size);
  a->size = size;
  if (size) memcpy(a->data, values, sizeof(int) * (size_t)size);
  return a;
}

/* A [rows, 1, 1, cols] weight stored as TF's converter does (dense, dense,
 * dense, CSR) or, with block > 1, as block_map [0] with a block of `block`
 * output channels. Values are 1 + their position. */
typedef struct {
  TfLiteTensor tensor;
  TfLiteSparsity sparsity;
  TfLiteDimensionMetadata metadata[5];
  float* values;
  float* dense; /* the expected decode */
} fixture;

static void fixture_free(fixture* f) {
  free(f->tensor.dims);
  free(f->sparsity.traversal_order);
  free(f->sparsity.block_map);
  for (int l = 0; l < f->sparsity.dim_metadata_size; ++l) {
    free(f->metadata[l].array_segments);
    free(f->metadata[l].array_indices);
  }
  free(f->values);
  free(f->dense);
}

static void fixture_make(fixture* f, int rows, int cols, int block, tsp_rng* rng) {
  memset(f, 0, sizeof(*f));
  int dims[4] = {rows, 1, 1, cols};
  f->tensor.type = kTfLiteFloat32;
  f->tensor.dims = int_array(4, dims);
  f->tensor.sparsity = &f->sparsity;
  const int groups = rows / block;
  int* segments = malloc(sizeof(int) * (size_t)(groups + 1));
  int* indices = malloc(sizeof(int) * (size_t)(groups * cols + 1));
  f->values = malloc(sizeof(float) * (size_t)(rows * cols + 1));
  f->dense = calloc((size_t)(rows * cols), sizeof(float));
  int count = 0, stored = 0;
  segments[0] = 0;
  for (int g = 0; g < groups; ++g) {
    for (int c = 0; c < cols; ++c) {
      if (rng_below(rng, 4) != 0) continue; /* ~75% of blocks are zero */
      indices[count++] = c;
      for (int r = 0; r < block; ++r) {
        float v = (float)(stored + 1);
        f->values[stored++] = v;
        f->dense[(size_t)(g * block + r) * cols + c] = v;
      }
    }
    segments[g + 1] = count;
  }
  f->tensor.data.f = f->values;
  f->tensor.bytes = sizeof(float) * (size_t)stored;
  int levels = block > 1 ? 5 : 4;
  int order[5] = {0, 1, 2, 3, 4};
  f->sparsity.traversal_order = int_array(levels, order);
  if (block > 1) {
    int zero = 0;
    f->sparsity.block_map = int_array(1, &zero);
  }
  f->sparsity.dim_metadata = f->metadata;
  f->sparsity.dim_metadata_size = levels;
  f->metadata[0] = (TfLiteDimensionMetadata){kTfLiteDimDense, groups, NULL, NULL};
  f->metadata[1] = (TfLiteDimensionMetadata){kTfLiteDimDense, 1, NULL, NULL};
  f->metadata[2] = (TfLiteDimensionMetadata){kTfLiteDimDense, 1, NULL, NULL};
  f->metadata[3] = (TfLiteDimensionMetadata){kTfLiteDimSparseCSR, 0, int_array(groups + 1, segments),
                                             int_array(count, indices)};
  if (block > 1) f->metadata[4] = (TfLiteDimensionMetadata){kTfLiteDimDense, block, NULL, NULL};
  free(segments);
  free(indices);
}

static int rejects(fixture* f, const char* needle) {
  char why[200] = "";
  int bad = tsp_sparse_validate(&f->tensor, why, sizeof(why)) != 0;
  if (bad && needle && !strstr(why, needle)) {
    fprintf(stderr, "message '%s' lacks '%s'\n", why, needle);
    return 0;
  }
  return bad;
}

static void test_round_trip(tsp_rng* rng) {
  const int shapes[][3] = {{8, 5, 1}, {8, 5, 4}, {6, 17, 2}, {64, 32, 1}, {64, 32, 4}, {4, 1, 4}};
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s) {
    fixture f;
    fixture_make(&f, shapes[s][0], shapes[s][1], shapes[s][2], rng);
    char why[200];
    EXPECT(tsp_sparse_validate(&f.tensor, why, sizeof(why)) == 0);
    EXPECT(tsp_sparse_block_along_dim0(&f.tensor) == shapes[s][2]);
    EXPECT(tsp_sparse_dense_bytes(&f.tensor) == sizeof(float) * (size_t)(shapes[s][0] * shapes[s][1]));
    float* got = malloc(tsp_sparse_dense_bytes(&f.tensor));
    tsp_sparse_decode(&f.tensor, got);
    expect_close("decode", got, f.dense, (size_t)(shapes[s][0] * shapes[s][1]), 0.0f, 0.0f);
    free(got);
    fixture_free(&f);
  }
}

static void test_rejections(tsp_rng* rng) {
  fixture f;
  TfLiteDimensionMetadata* csr;

  fixture_make(&f, 8, 6, 1, rng);
  csr = &f.metadata[3];
  csr->array_indices->data[0] = 6; /* == cols */
  EXPECT(rejects(&f, "out of range"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  f.metadata[3].array_segments->data[3] = f.metadata[3].array_segments->data[4] + 1;
  EXPECT(rejects(&f, "monotonic"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  f.metadata[3].array_segments->data[8] += 2; /* ends past the indices */
  EXPECT(rejects(&f, NULL));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  f.metadata[0].dense_size = 9;
  EXPECT(rejects(&f, "dense level 0"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  f.tensor.bytes += sizeof(float); /* more values than the metadata describes */
  EXPECT(rejects(&f, "values"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 4, rng);
  f.sparsity.block_map->data[0] = 4; /* rank is 4: dims 0..3 */
  EXPECT(rejects(&f, "block map"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 4, rng);
  f.metadata[4].dense_size = 3; /* 8 rows are not blocks of 3 */
  EXPECT(rejects(&f, "does not divide"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  f.tensor.dims->data[1] = 65536; /* 8 x 65536 x 65536 x 6 floats: wraps int, over the cap */
  f.tensor.dims->data[2] = 65536;
  EXPECT(rejects(&f, "exceeds"));
  EXPECT(tsp_sparse_dense_bytes(&f.tensor) > ((size_t)1 << 31));
  f.tensor.dims->data[1] = f.tensor.dims->data[2] = 1;
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  f.sparsity.traversal_order->data[1] = 0; /* not a permutation */
  EXPECT(rejects(&f, "permutation"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  f.sparsity.dim_metadata_size = 3;
  EXPECT(rejects(&f, "entries"));
  f.sparsity.dim_metadata_size = 4; /* so fixture_free releases every level */
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  free(f.metadata[3].array_indices);
  f.metadata[3].array_indices = NULL;
  EXPECT(rejects(&f, "no segments"));
  fixture_free(&f);

  fixture_make(&f, 8, 6, 1, rng);
  if (f.metadata[3].array_indices->size >= 2) {
    int* idx = f.metadata[3].array_indices->data;
    int* seg = f.metadata[3].array_segments->data;
    for (int g = 0; g < 8; ++g) /* swap two indices of a segment holding two */
      if (seg[g + 1] - seg[g] >= 2) {
        int t = idx[seg[g]];
        idx[seg[g]] = idx[seg[g] + 1];
        idx[seg[g] + 1] = t;
        EXPECT(rejects(&f, "increasing"));
        break;
      }
  }
  fixture_free(&f);
}

/* Random corruption of segments, indices, dense sizes and the value count:
 * every variant is either refused or decodes without touching memory outside
 * its arrays (AddressSanitizer watches the decode). */
static void test_random_corruption(tsp_rng* rng) {
  for (int round = 0; round < 2000; ++round) {
    fixture f;
    fixture_make(&f, 8, 9, rng_below(rng, 2) ? 4 : 1, rng);
    TfLiteDimensionMetadata* csr = &f.metadata[3];
    int* target = NULL;
    switch (rng_below(rng, 4)) {
      case 0:
        target = &csr->array_segments->data[rng_below(rng, (uint32_t)csr->array_segments->size)];
        break;
      case 1:
        if (csr->array_indices->size)
          target = &csr->array_indices->data[rng_below(rng, (uint32_t)csr->array_indices->size)];
        break;
      case 2:
        target = &f.metadata[rng_below(rng, 3)].dense_size;
        break;
      default:
        f.tensor.bytes = sizeof(float) * rng_below(rng, 80);
        break;
    }
    if (target) *target += (int)rng_below(rng, 21) - 10;
    char why[200];
    if (tsp_sparse_validate(&f.tensor, why, sizeof(why)) == 0) {
      float* dense = malloc(tsp_sparse_dense_bytes(&f.tensor));
      tsp_sparse_decode(&f.tensor, dense);
      free(dense);
    }
    fixture_free(&f);
  }
  test_record(1);
}

int main(void) {
  tsp_rng rng;
  rng_seed(&rng, 7);
  for (int round = 0; round < 20; ++round) {
    test_round_trip(&rng);
    test_rejections(&rng);
  }
  test_random_corruption(&rng);
  return test_summary();
}
