#include "options.h"

#include "threadpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tsp_options_default(tsp_options* options) {
  options->isa = tsp_isa_best();
  options->min_sparsity = 0.5f;
  options->profile = 0;
  options->flush_denormals = 1;
  options->cost_rule = 1;
  options->num_threads = 0;
}

static int set_num_threads(tsp_options* options, const char* value, char* why, size_t size) {
  char* end = NULL;
  long v = strtol(value, &end, 10);
  if (end == value || *end != '\0' || v < 0 || v > TSP_MAX_THREADS) {
    snprintf(why, size,
             "tflite-sparse: option num_threads=%s must be an integer in [0, %d] "
             "(0: the interpreter's thread count)",
             value, TSP_MAX_THREADS);
    return -1;
  }
  options->num_threads = (int)v;
  return 0;
}

static int parse_bool(const char* value, int* out) {
  if (!strcmp(value, "1") || !strcmp(value, "true")) {
    *out = 1;
    return 0;
  }
  if (!strcmp(value, "0") || !strcmp(value, "false")) {
    *out = 0;
    return 0;
  }
  return -1;
}

static int set_isa(tsp_options* options, const char* value, char* why, size_t size) {
  tsp_isa isa;
  if (!strcmp(value, "auto")) {
    options->isa = tsp_isa_best();
    return 0;
  }
  if (tsp_isa_from_name(value, &isa) != 0) {
    snprintf(why, size, "tflite-sparse: option isa=%s is not one of auto, scalar, avx2, avx512, neon",
             value);
    return -1;
  }
  if (!tsp_isa_supported(isa)) {
    snprintf(why, size, "tflite-sparse: option isa=%s is not supported by this CPU or build",
             value);
    return -1;
  }
  options->isa = isa;
  return 0;
}

int tsp_options_set(tsp_options* options, const char* key, const char* value, char* why,
                    size_t size) {
  if (!key || !value) {
    snprintf(why, size, "tflite-sparse: an option key or value is missing");
    return -1;
  }
  if (!strcmp(key, "isa")) return set_isa(options, value, why, size);
  if (!strcmp(key, "num_threads")) return set_num_threads(options, value, why, size);
  if (!strcmp(key, "min_sparsity")) {
    char* end = NULL;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || !(v >= 0.0 && v < 1.0)) {
      snprintf(why, size, "tflite-sparse: option min_sparsity=%s must be a number in [0, 1)",
               value);
      return -1;
    }
    options->min_sparsity = (float)v;
    return 0;
  }
  int* flag = !strcmp(key, "profile")           ? &options->profile
              : !strcmp(key, "flush_denormals") ? &options->flush_denormals
              : !strcmp(key, "cost_rule")       ? &options->cost_rule
                                                : NULL;
  if (flag) {
    if (parse_bool(value, flag) == 0) return 0;
    snprintf(why, size, "tflite-sparse: option %s=%s must be 0 or 1", key, value);
    return -1;
  }
  snprintf(why, size,
           "tflite-sparse: unknown option '%s' (known: isa, min_sparsity, profile, "
           "flush_denormals, num_threads, cost_rule)",
           key);
  return -1;
}
