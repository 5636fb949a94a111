/* libFuzzer harness for delegate/sparse_tensor.c: the input bytes become a
 * float32 TfLiteTensor with TfLiteSparsity metadata, which goes through
 * tsp_sparse_validate and, when accepted, tsp_sparse_decode and
 * tsp_sparse_block_along_dim0.
 *
 * Every array is malloc'd at exactly the size the input declares, so an
 * AddressSanitizer build reports any read past one (the validator must never
 * trust a size it has not checked).
 *
 * Input format (fuzz/make_seeds.py writes it; bytes past the end read as 0):
 *
 *   u8        flags: bit 0 value pointer NULL, bit 1 no block map,
 *             bit 2 no traversal order
 *   u8        rank = 1 + byte % 6
 *   int*rank  dims                                   ("int" = see read_int)
 *   u8 + i8*  traversal order: count % 16, entries
 *   u8 + i8*  block map:       count % 16, entries
 *   u8        dim_metadata_size % 16, then per level:
 *     u8        bits 0-1 format (0 dense, 1 and 3 CSR, 2 an unknown format 2),
 *               bits 2-3 segment width, bits 4-5 index width (0 uint8,
 *               1 uint16, 2 and 3 int32), bit 6 no segments, bit 7 no indices
 *     int       dense_size
 *     CSR only: count + segments, count + indices     ("count" = read_count)
 *   count     value byte count (not necessarily a multiple of 4), then bytes
 *
 * Why this shape: one byte per choice keeps mutations local (flipping a byte
 * changes one field), the counts are stored separately from the entries so
 * the fuzzer can make them disagree with the shape, and the index widths
 * mirror the flatbuffer's uint8/uint16/int32 vectors that the TFLite runtime
 * widens into the TfLiteIntArrays the delegate sees. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_tensor.h"

/* The library refuses to decode more than this (MAX_DENSE_BYTES). */
#define DENSE_CAP ((size_t)64 << 20)

typedef struct {
  const uint8_t* p;
  size_t left;
} reader;

/* Reads past the end return 0: a short input is still a whole tensor, so
 * truncating an input never just makes it unparseable. */
static uint32_t read_u8(reader* r) {
  if (!r->left) return 0;
  --r->left;
  return *r->p++;
}

static uint32_t read_u16(reader* r) {
  uint32_t lo = read_u8(r);
  return lo | read_u8(r) << 8;
}

static int32_t read_i32(reader* r) {
  uint32_t lo = read_u16(r);
  return (int32_t)(lo | read_u16(r) << 16);
}

/* Sizes: 0..127 in one byte (the common case, and 0 is a bad size worth
 * trying); with the high bit set, a raw int32 follows, so negative and huge
 * sizes (overflow, the 64 MB cap) are one mutation away. */
static int read_int(reader* r) {
  uint32_t b = read_u8(r);
  return (b & 0x80) ? read_i32(r) : (int)b;
}

/* Counts: 0..127 in one byte, else a u16 follows. Small counts are the
 * cheap common case (a random u16 count would make most executions fill
 * tens of thousands of zero entries); large ones stay reachable. */
static int read_count(reader* r) {
  uint32_t b = read_u8(r);
  return (b & 0x80) ? (int)read_u16(r) : (int)b;
}

/* An element of width 0 = uint8, 1 = uint16, else int32. */
static int read_elem(reader* r, unsigned width) {
  if (width == 0) return (int)read_u8(r);
  if (width == 1) return (int)read_u16(r);
  return read_i32(r);
}

static TfLiteIntArray* new_array(int size) {
  TfLiteIntArray* a = malloc(sizeof(TfLiteIntArray) + sizeof(int) * (size_t)size);
  a->size = size;
  return a;
}

/* Small arrays (order, block map): a count byte and signed one-byte entries,
 * since their valid values are below 12 and negatives must be reachable. */
static TfLiteIntArray* read_small_array(reader* r) {
  TfLiteIntArray* a = new_array((int)(read_u8(r) % 16));
  for (int i = 0; i < a->size; ++i) a->data[i] = (int8_t)read_u8(r);
  return a;
}

static TfLiteIntArray* read_wide_array(reader* r, unsigned width) {
  TfLiteIntArray* a = new_array(read_count(r));
  int i = 0;
  for (; i < a->size && r->left; ++i) a->data[i] = read_elem(r, width);
  /* The rest reads as 0: fill it at once (per-entry reads of an exhausted
   * input were most of the run time with counts in the tens of thousands). */
  if (i < a->size) memset(a->data + i, 0, sizeof(int) * (size_t)(a->size - i));
  return a;
}

/* Property beyond memory safety: decoding the values 1..n (exact in float
 * for the n < 2^24 an input can hold) puts each in exactly one cell and
 * leaves the rest 0, i.e. no two positions map to the same cell and none is
 * dropped. Reuses `dense` (the real values' decode is done with it). */
static void check_one_cell_per_value(TfLiteTensor* t, float* dense, size_t bytes) {
  const size_t n = t->bytes / sizeof(float);
  float* marks = malloc(t->bytes ? t->bytes : 1);
  unsigned char* seen = calloc(n + 1, 1);
  for (size_t i = 0; i < n; ++i) marks[i] = (float)(i + 1);
  void* values = t->data.raw;
  t->data.f = marks;
  tsp_sparse_decode(t, dense);
  t->data.raw = values;
  size_t found = 0;
  for (size_t c = 0; c < bytes / sizeof(float); ++c) {
    if (dense[c] == 0.0f) continue;
    size_t v = (size_t)dense[c];
    if (v < 1 || v > n || (float)v != dense[c] || seen[v]++) abort();
    ++found;
  }
  if (found != n) abort();
  free(seen);
  free(marks);
}

static int verbose; /* TSP_FUZZ_VERBOSE=1: say whether each input validated */

int LLVMFuzzerInitialize(int* argc, char*** argv) {
  const char* v = getenv("TSP_FUZZ_VERBOSE");
  verbose = v && *v && *v != '0';
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  reader r = {data, size};
  TfLiteTensor t;
  TfLiteSparsity sp;
  memset(&t, 0, sizeof(t));
  memset(&sp, 0, sizeof(sp));
  t.type = kTfLiteFloat32;
  t.sparsity = &sp;

  const uint32_t flags = read_u8(&r);
  t.dims = new_array(1 + (int)(read_u8(&r) % 6));
  for (int k = 0; k < t.dims->size; ++k) t.dims->data[k] = read_int(&r);

  /* Parsed even when flagged absent, so the flag bit alone toggles it. */
  sp.traversal_order = read_small_array(&r);
  sp.block_map = read_small_array(&r);
  TfLiteIntArray* order = sp.traversal_order;
  TfLiteIntArray* block_map = sp.block_map;
  if (flags & 4) sp.traversal_order = NULL;
  if (flags & 2) sp.block_map = NULL;

  sp.dim_metadata_size = (int)(read_u8(&r) % 16);
  sp.dim_metadata = sp.dim_metadata_size
                        ? calloc((size_t)sp.dim_metadata_size, sizeof(TfLiteDimensionMetadata))
                        : NULL;
  for (int l = 0; l < sp.dim_metadata_size; ++l) {
    TfLiteDimensionMetadata* md = &sp.dim_metadata[l];
    const uint32_t level = read_u8(&r);
    const uint32_t format = level & 3;
    md->format = format == 0 ? kTfLiteDimDense : format == 2 ? (TfLiteDimensionType)2 : kTfLiteDimSparseCSR;
    md->dense_size = read_int(&r);
    if (md->format != kTfLiteDimSparseCSR) continue; /* TFLite leaves dense levels' arrays NULL */
    TfLiteIntArray* seg = read_wide_array(&r, (level >> 2) & 3);
    TfLiteIntArray* idx = read_wide_array(&r, (level >> 4) & 3);
    if (level & 0x40) free(seg), seg = NULL;
    if (level & 0x80) free(idx), idx = NULL;
    md->array_segments = seg;
    md->array_indices = idx;
  }

  t.bytes = (size_t)read_count(&r);
  void* values = t.bytes ? malloc(t.bytes) : NULL;
  if (values) {
    const size_t have = r.left < t.bytes ? r.left : t.bytes;
    memcpy(values, r.p, have);
    memset((uint8_t*)values + have, 0, t.bytes - have);
  }
  t.data.raw = (flags & 1) ? NULL : values;

  char why[256];
  if (tsp_sparse_validate(&t, why, sizeof(why)) == 0) {
    const int block = tsp_sparse_block_along_dim0(&t);
    if (block < 1 || t.dims->data[0] % block != 0) abort(); /* validated: a block divides dim 0 */
    const size_t bytes = tsp_sparse_dense_bytes(&t);
    if (bytes <= DENSE_CAP) {
      float* dense = malloc(bytes);
      tsp_sparse_decode(&t, dense);
      check_one_cell_per_value(&t, dense, bytes);
      free(dense);
    }
    if (verbose) fprintf(stderr, "valid: rank %d, %zu values, dense %zu bytes, block %d\n",
                         t.dims->size, t.bytes / sizeof(float), bytes, block);
  } else if (verbose) {
    fprintf(stderr, "rejected: %s\n", why);
  }

  for (int l = 0; l < sp.dim_metadata_size; ++l) {
    free(sp.dim_metadata[l].array_segments);
    free(sp.dim_metadata[l].array_indices);
  }
  free(sp.dim_metadata);
  free(values);
  free(block_map);
  free(order);
  free(t.dims);
  return 0;
}
