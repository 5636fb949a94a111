/* The subset of TensorFlow Lite's C delegate ABI that tflite-sparse uses.
 *
 * Neither the tensorflow wheel nor ai-edge-litert ships TFLite's headers, so
 * these declarations are written here, field for field in the layout of the
 * runtime in tensorflow 2.21 and ai-edge-litert 2.3 (they agree). Structs the
 * runtime reads or indexes (TfLiteTensor, TfLiteRegistration passed by value)
 * are declared whole; the static assertions at the end pin their sizes and
 * the offsets we rely on, and the end-to-end tests prove the layout. */
#ifndef TFLITE_SPARSE_TFLITE_ABI_H_
#define TFLITE_SPARSE_TFLITE_ABI_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  kTfLiteOk = 0,
  kTfLiteError = 1,
  kTfLiteDelegateError = 2,
  kTfLiteApplicationError = 3,
  kTfLiteDelegateDataNotFound = 4,
  kTfLiteDelegateDataWriteError = 5,
  kTfLiteDelegateDataReadError = 6,
  kTfLiteUnresolvedOps = 7,
  kTfLiteCancelled = 8,
  kTfLiteOutputShapeNotKnown = 9,
} TfLiteStatus;

typedef enum {
  kTfLiteNoType = 0,
  kTfLiteFloat32 = 1,
  kTfLiteInt32 = 2,
  kTfLiteUInt8 = 3,
  kTfLiteInt64 = 4,
  kTfLiteString = 5,
  kTfLiteBool = 6,
  kTfLiteInt16 = 7,
  kTfLiteComplex64 = 8,
  kTfLiteInt8 = 9,
  kTfLiteFloat16 = 10,
} TfLiteType;

typedef enum {
  kTfLiteMemNone = 0,
  kTfLiteMmapRo = 1,
  kTfLiteArenaRw = 2,
  kTfLiteArenaRwPersistent = 3,
  kTfLiteDynamic = 4,
  kTfLitePersistentRo = 5,
  kTfLiteCustom = 6,
  kTfLiteVariantObject = 7,
  kTfLiteNonCpu = 8,
} TfLiteAllocationType;

/* A length-prefixed int array (shapes, node and tensor lists). */
typedef struct TfLiteIntArray {
  int size;
  int data[];
} TfLiteIntArray;

typedef struct {
  float scale;
  int32_t zero_point;
} TfLiteQuantizationParams;

/* TfLiteQuantizationType */
enum { kTfLiteNoQuantization = 0, kTfLiteAffineQuantization = 1 };

typedef struct {
  int type; /* TfLiteQuantizationType */
  void* params; /* TfLiteAffineQuantization* when type is affine */
} TfLiteQuantization;

typedef struct TfLiteFloatArray {
  int size;
  float data[];
} TfLiteFloatArray;

/* Per-tensor (one scale) or per-channel (one scale per index of
 * quantized_dimension) affine quantization: real = scale * (q - zero_point). */
typedef struct {
  TfLiteFloatArray* scale;
  TfLiteIntArray* zero_point;
  int32_t quantized_dimension;
} TfLiteAffineQuantization;

typedef enum {
  kTfLiteDimDense = 0,
  kTfLiteDimSparseCSR = 1,
} TfLiteDimensionType;

/* One dimension of a sparse tensor. The runtime widens the flatbuffer's
 * uint8/uint16/int32 index vectors into these int arrays. */
typedef struct TfLiteDimensionMetadata {
  TfLiteDimensionType format;
  int dense_size;
  TfLiteIntArray* array_segments;
  TfLiteIntArray* array_indices;
} TfLiteDimensionMetadata;

typedef struct TfLiteSparsity {
  TfLiteIntArray* traversal_order;
  TfLiteIntArray* block_map;
  TfLiteDimensionMetadata* dim_metadata;
  int dim_metadata_size;
} TfLiteSparsity;

struct TfLiteDelegate;
struct TfLiteContext;

typedef struct TfLiteTensor {
  TfLiteType type;
  union {
    int32_t* i32;
    float* f;
    uint8_t* uint8;
    int8_t* int8;
    void* raw;
    const void* raw_const;
  } data;
  TfLiteIntArray* dims;
  TfLiteQuantizationParams params;
  TfLiteAllocationType allocation_type;
  size_t bytes;
  const void* allocation;
  const char* name;
  struct TfLiteDelegate* delegate;
  int buffer_handle;
  bool data_is_stale;
  bool is_variable;
  TfLiteQuantization quantization;
  TfLiteSparsity* sparsity;
  const TfLiteIntArray* dims_signature;
} TfLiteTensor;

typedef struct TfLiteNode {
  TfLiteIntArray* inputs;
  TfLiteIntArray* outputs;
  TfLiteIntArray* intermediates;
  TfLiteIntArray* temporaries;
  void* user_data;
  void* builtin_data;
  const void* custom_initial_data;
  int custom_initial_data_size;
  struct TfLiteDelegate* delegate;
  bool might_have_side_effect;
} TfLiteNode;

/* Passed by value to ReplaceNodeSubsetsWithDelegateKernels: the runtime reads
 * every field, so the trailing ones must exist and be zero. */
typedef struct TfLiteRegistration {
  void* (*init)(struct TfLiteContext* context, const char* buffer, size_t length);
  void (*free)(struct TfLiteContext* context, void* buffer);
  TfLiteStatus (*prepare)(struct TfLiteContext* context, TfLiteNode* node);
  TfLiteStatus (*invoke)(struct TfLiteContext* context, TfLiteNode* node);
  const char* (*profiling_string)(const struct TfLiteContext* context,
                                  const TfLiteNode* node);
  int32_t builtin_code;
  const char* custom_name;
  int version;
  void* registration_external;
  void* (*async_kernel)(struct TfLiteContext* context, TfLiteNode* node);
  uint64_t inplace_operator;
} TfLiteRegistration;

/* builtin_data of the node that stands for one delegated partition. */
typedef struct TfLiteDelegateParams {
  struct TfLiteDelegate* delegate;
  TfLiteIntArray* nodes_to_replace;
  TfLiteIntArray* input_tensors; /* sorted, not in node-input order */
  TfLiteIntArray* output_tensors;
} TfLiteDelegateParams;

typedef struct TfLiteContext {
  size_t tensors_size;
  TfLiteStatus (*GetExecutionPlan)(struct TfLiteContext* context,
                                   TfLiteIntArray** execution_plan);
  TfLiteTensor* tensors;
  void* impl_;
  /* Takes ownership of new_size (malloc'd). */
  TfLiteStatus (*ResizeTensor)(struct TfLiteContext*, TfLiteTensor* tensor,
                               TfLiteIntArray* new_size);
  void (*ReportError)(struct TfLiteContext*, const char* msg, ...);
  TfLiteStatus (*AddTensors)(struct TfLiteContext*, int tensors_to_add,
                             int* first_new_tensor_index);
  TfLiteStatus (*GetNodeAndRegistration)(struct TfLiteContext*, int node_index,
                                         TfLiteNode** node,
                                         TfLiteRegistration** registration);
  TfLiteStatus (*ReplaceNodeSubsetsWithDelegateKernels)(
      struct TfLiteContext*, TfLiteRegistration registration,
      const TfLiteIntArray* nodes_to_replace, struct TfLiteDelegate* delegate);
  int recommended_num_threads;
  void* (*GetExternalContext)(struct TfLiteContext*, int type);
  void (*SetExternalContext)(struct TfLiteContext*, int type, void* external);
  bool allow_fp32_relax_to_fp16;
  void* profiler;
  /* The following are NULL in the tensorflow 2.21 / ai-edge-litert 2.3
   * interpreters; declared for the layout only. */
  void* (*AllocatePersistentBuffer)(struct TfLiteContext* ctx, size_t bytes);
  TfLiteStatus (*AllocateBufferForEval)(struct TfLiteContext* ctx, size_t bytes,
                                        void** ptr);
  TfLiteStatus (*RequestScratchBufferInArena)(struct TfLiteContext* ctx,
                                              size_t bytes, int* buffer_idx);
  void* (*GetScratchBuffer)(struct TfLiteContext* ctx, int buffer_idx);
  TfLiteStatus (*ResizeTensorExplicit)(struct TfLiteContext* ctx,
                                       TfLiteTensor* tensor, int dims,
                                       const int* shape);
  TfLiteStatus (*PreviewDelegatePartitioning)(
      struct TfLiteContext* context, const TfLiteIntArray* nodes_to_replace,
      TfLiteDelegateParams** partition_params_array, int* num_partitions);
} TfLiteContext;

/* The delegate may run dynamic-shape graphs (Keras MobileNets have them). */
#define kTfLiteDelegateFlagsAllowDynamicTensors 1

typedef struct TfLiteDelegate {
  void* data_;
  TfLiteStatus (*Prepare)(TfLiteContext* context, struct TfLiteDelegate* delegate);
  TfLiteStatus (*CopyFromBufferHandle)(TfLiteContext* context,
                                       struct TfLiteDelegate* delegate,
                                       int buffer_handle, TfLiteTensor* tensor);
  TfLiteStatus (*CopyToBufferHandle)(TfLiteContext* context,
                                     struct TfLiteDelegate* delegate,
                                     int buffer_handle, TfLiteTensor* tensor);
  void (*FreeBufferHandle)(TfLiteContext* context, struct TfLiteDelegate* delegate,
                           int* handle);
  int64_t flags;
  void* opaque_delegate_builder; /* must be NULL */
} TfLiteDelegate;

/* ---- builtin options (TfLiteNode.builtin_data), leading fields only ---- */
typedef enum {
  kTfLitePaddingUnknown = 0,
  kTfLitePaddingSame = 1,
  kTfLitePaddingValid = 2,
} TfLitePadding;

typedef enum {
  kTfLiteActNone = 0,
  kTfLiteActRelu = 1,
  kTfLiteActReluN1To1 = 2,
  kTfLiteActRelu6 = 3,
  kTfLiteActTanh = 4,
  kTfLiteActSignBit = 5,
  kTfLiteActSigmoid = 6,
} TfLiteFusedActivation;

typedef struct {
  TfLitePadding padding;
  int stride_width;
  int stride_height;
  TfLiteFusedActivation activation;
  int dilation_width_factor;
  int dilation_height_factor;
} TfLiteConvParams;

typedef struct {
  TfLitePadding padding;
  int stride_width;
  int stride_height;
  int depth_multiplier;
  TfLiteFusedActivation activation;
  int dilation_width_factor;
  int dilation_height_factor;
} TfLiteDepthwiseConvParams;

typedef struct {
  bool keep_dims;
} TfLiteReducerParams;

typedef struct {
  TfLiteFusedActivation activation;
  bool pot_scale_int16;
} TfLiteAddParams;

typedef struct {
  TfLiteFusedActivation activation;
} TfLiteMulParams;

/* ---- builtin operator codes (schema BuiltinOperator) ---- */
enum {
  kTfLiteBuiltinAdd = 0,
  kTfLiteBuiltinConv2d = 3,
  kTfLiteBuiltinDepthwiseConv2d = 4,
  kTfLiteBuiltinLogistic = 14,
  kTfLiteBuiltinMul = 18,
  kTfLiteBuiltinRelu = 19,
  kTfLiteBuiltinReluN1To1 = 20,
  kTfLiteBuiltinRelu6 = 21,
  kTfLiteBuiltinReshape = 22,
  kTfLiteBuiltinPad = 34,
  kTfLiteBuiltinMean = 40,
  kTfLiteBuiltinStridedSlice = 45,
  kTfLiteBuiltinShape = 77,
  kTfLiteBuiltinPack = 83,
  kTfLiteBuiltinHardSwish = 117,
  kTfLiteBuiltinDensify = 124,
};

/* ---- layout checks ---- */
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(sizeof(TfLiteTensor) == 112, "TfLiteTensor layout");
_Static_assert(offsetof(TfLiteTensor, dims) == 16, "TfLiteTensor.dims");
_Static_assert(offsetof(TfLiteTensor, bytes) == 40, "TfLiteTensor.bytes");
_Static_assert(offsetof(TfLiteTensor, name) == 56, "TfLiteTensor.name");
_Static_assert(offsetof(TfLiteTensor, sparsity) == 96, "TfLiteTensor.sparsity");
_Static_assert(sizeof(TfLiteRegistration) == 88, "TfLiteRegistration layout");
_Static_assert(offsetof(TfLiteRegistration, builtin_code) == 40, "builtin_code");
_Static_assert(offsetof(TfLiteRegistration, inplace_operator) == 80, "inplace_operator");
_Static_assert(sizeof(TfLiteNode) == 80, "TfLiteNode layout");
_Static_assert(offsetof(TfLiteNode, builtin_data) == 40, "TfLiteNode.builtin_data");
_Static_assert(sizeof(TfLiteDelegate) == 56, "TfLiteDelegate layout");
_Static_assert(offsetof(TfLiteDelegate, flags) == 40, "TfLiteDelegate.flags");
_Static_assert(offsetof(TfLiteContext, ReplaceNodeSubsetsWithDelegateKernels) == 64,
               "TfLiteContext.ReplaceNodeSubsetsWithDelegateKernels");
_Static_assert(offsetof(TfLiteContext, recommended_num_threads) == 72,
               "TfLiteContext.recommended_num_threads");
_Static_assert(offsetof(TfLiteContext, PreviewDelegatePartitioning) == 152,
               "TfLiteContext.PreviewDelegatePartitioning");
_Static_assert(sizeof(TfLiteDimensionMetadata) == 24, "TfLiteDimensionMetadata");
_Static_assert(sizeof(TfLiteSparsity) == 32, "TfLiteSparsity");
#endif

#endif /* TFLITE_SPARSE_TFLITE_ABI_H_ */
