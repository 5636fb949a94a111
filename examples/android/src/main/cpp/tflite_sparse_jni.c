/* JNI shim between org.tflitesparse.SparseDelegate and the delegate's
 * external-delegate plugin entry points. C11; links libtflite_sparse_delegate.so. */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_sparse/delegate.h"

/* The plugin reports option errors through a callback without a context
 * pointer: keep the last message per thread and turn it into an exception. */
static _Thread_local char last_error[512];

static void report_error(const char* message) {
  strncpy(last_error, message ? message : "unknown error", sizeof(last_error) - 1);
  last_error[sizeof(last_error) - 1] = '\0';
}

static void throw_java(JNIEnv* env, const char* class_name, const char* message) {
  jclass cls = (*env)->FindClass(env, class_name);
  if (cls) (*env)->ThrowNew(env, cls, message);
}

/* Frees the first n UTF strings of keys/values and the arrays themselves. */
static void release(JNIEnv* env, jobjectArray jkeys, jobjectArray jvalues, const char** keys,
                    const char** values, jsize n) {
  for (jsize i = 0; i < n; ++i) {
    jobject k = (*env)->GetObjectArrayElement(env, jkeys, i);
    jobject v = (*env)->GetObjectArrayElement(env, jvalues, i);
    if (keys[i]) (*env)->ReleaseStringUTFChars(env, (jstring)k, keys[i]);
    if (values[i]) (*env)->ReleaseStringUTFChars(env, (jstring)v, values[i]);
    (*env)->DeleteLocalRef(env, k);
    (*env)->DeleteLocalRef(env, v);
  }
  free(keys);
  free(values);
}

JNIEXPORT jlong JNICALL Java_org_tflitesparse_SparseDelegate_nativeCreate(JNIEnv* env, jclass cls,
                                                                           jobjectArray jkeys,
                                                                           jobjectArray jvalues) {
  const jsize n = (*env)->GetArrayLength(env, jkeys);
  if ((*env)->GetArrayLength(env, jvalues) != n) {
    throw_java(env, "java/lang/IllegalArgumentException", "as many option values as keys");
    return 0;
  }
  const char** keys = calloc((size_t)n + 1, sizeof(*keys));
  const char** values = calloc((size_t)n + 1, sizeof(*values));
  if (!keys || !values) {
    free(keys);
    free(values);
    throw_java(env, "java/lang/OutOfMemoryError", "tflite-sparse: option arrays");
    return 0;
  }
  for (jsize i = 0; i < n; ++i) {
    jobject k = (*env)->GetObjectArrayElement(env, jkeys, i);
    jobject v = (*env)->GetObjectArrayElement(env, jvalues, i);
    if (!k || !v) {
      release(env, jkeys, jvalues, keys, values, i);
      throw_java(env, "java/lang/IllegalArgumentException", "a delegate option key or value is null");
      return 0;
    }
    keys[i] = (*env)->GetStringUTFChars(env, (jstring)k, NULL);
    values[i] = (*env)->GetStringUTFChars(env, (jstring)v, NULL);
    (*env)->DeleteLocalRef(env, k);
    (*env)->DeleteLocalRef(env, v);
    if (!keys[i] || !values[i]) { /* OutOfMemoryError already pending */
      release(env, jkeys, jvalues, keys, values, i + 1);
      return 0;
    }
  }
  last_error[0] = '\0';
  struct TfLiteDelegate* delegate = tflite_plugin_create_delegate(keys, values, (int)n, report_error);
  release(env, jkeys, jvalues, keys, values, n);
  if (!delegate) {
    throw_java(env, "java/lang/IllegalArgumentException",
               last_error[0] ? last_error : "tflite-sparse: the delegate could not be created");
    return 0;
  }
  return (jlong)(intptr_t)delegate;
}

JNIEXPORT void JNICALL Java_org_tflitesparse_SparseDelegate_nativeDestroy(JNIEnv* env, jclass cls,
                                                                          jlong handle) {
  tflite_plugin_destroy_delegate((struct TfLiteDelegate*)(intptr_t)handle);
}
