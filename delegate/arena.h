/* Memory for a plan's CHW values: one 64-byte aligned block, with values whose
 * lifetimes do not overlap sharing bytes (so small layers stay hot in cache). */
#ifndef TFLITE_SPARSE_ARENA_H_
#define TFLITE_SPARSE_ARENA_H_

#include "plan.h"

/* Assigns offsets to every CHW value from its [first_step, last_step] and
 * (re)allocates the arena. */
TfLiteStatus tsp_arena_plan(tsp_plan* plan);

#endif /* TFLITE_SPARSE_ARENA_H_ */
