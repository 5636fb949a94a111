#include "arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64

static size_t round_up(size_t x) { return (x + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN; }

static int lifetimes_overlap(const tsp_value* a, const tsp_value* b) {
  return a->first_step <= b->last_step && b->first_step <= a->last_step;
}

/* Lowest offset at which `v` fits beside the already placed values it
 * overlaps in time (first fit over a candidate list of their end offsets). */
static size_t place(const tsp_plan* plan, const int* placed, int num_placed, const tsp_value* v) {
  size_t candidate = 0;
  for (;;) {
    int moved = 0;
    for (int i = 0; i < num_placed; ++i) {
      const tsp_value* o = &plan->values[placed[i]];
      if (!lifetimes_overlap(o, v)) continue;
      size_t o_end = o->offset + round_up(o->bytes);
      if (candidate < o_end && o->offset < candidate + round_up(v->bytes)) {
        candidate = o_end;
        moved = 1;
      }
    }
    if (!moved) return candidate;
  }
}

/* Largest first: big buffers placed first leave fewer holes. */
static void sort_by_size_desc(int* order, int count, const tsp_value* values) {
  for (int i = 1; i < count; ++i) {
    int item = order[i], j = i;
    while (j > 0 && values[order[j - 1]].bytes < values[item].bytes) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = item;
  }
}

TfLiteStatus tsp_arena_plan(tsp_plan* plan) {
  int* order = malloc(sizeof(int) * (size_t)(plan->num_values + 1));
  if (!order) return tsp_plan_fail(plan, "out of memory planning the arena");
  int count = 0;
  for (int i = 0; i < plan->num_values; ++i)
    if (plan->values[i].chw && plan->values[i].first_step >= 0) order[count++] = i;
  sort_by_size_desc(order, count, plan->values);
  size_t total = 0;
  for (int i = 0; i < count; ++i) {
    tsp_value* v = &plan->values[order[i]];
    v->offset = place(plan, order, i, v);
    if (v->offset + round_up(v->bytes) > total) total = v->offset + round_up(v->bytes);
  }
  free(order);
  if (total > plan->arena_bytes || !plan->arena) {
    free(plan->arena);
    plan->arena = aligned_alloc(ARENA_ALIGN, total ? total : ARENA_ALIGN);
    plan->arena_bytes = plan->arena ? total : 0;
    if (!plan->arena) return tsp_plan_fail(plan, "out of memory: arena of %zu bytes", total);
    /* Zero once so the padding columns that SpMM reads start out finite. */
    memset(plan->arena, 0, total ? total : ARENA_ALIGN);
  }
  return kTfLiteOk;
}
