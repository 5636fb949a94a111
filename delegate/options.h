/* Delegate options: parsed from the plugin's string key/value pairs. */
#ifndef TFLITE_SPARSE_OPTIONS_H_
#define TFLITE_SPARSE_OPTIONS_H_

#include <stddef.h>

#include "kernels/dispatch.h"

typedef struct {
  tsp_isa isa;         /* resolved: "auto" becomes the best supported ISA */
  float min_sparsity;  /* a 1x1 conv with at least this zero fraction is sparse */
  int profile;
  int flush_denormals;
  int cost_rule; /* 1: claim only partitions expected to beat TFLite (cost.h) */
  int num_threads;     /* 0: the interpreter's (recommended_num_threads) */
} tsp_options;

void tsp_options_default(tsp_options* options);
/* Parses one key=value. Returns 0, or -1 with a message naming the option. */
int tsp_options_set(tsp_options* options, const char* key, const char* value,
                    char* why, size_t why_size);

#endif /* TFLITE_SPARSE_OPTIONS_H_ */
