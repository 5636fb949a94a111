package org.tflitesparse;

import java.io.Closeable;
import org.tensorflow.lite.Delegate;

/**
 * The tflite-sparse delegate for TFLite's (or LiteRT's) Java Interpreter.
 *
 * <p>TFLite's Java API takes any {@link Delegate} that hands out a native TfLiteDelegate pointer.
 * This class gets one from the delegate's external-delegate plugin entry point
 * ({@code tflite_plugin_create_delegate}) through a small JNI shim
 * (libtflite_sparse_jni.so, src/main/cpp), which links libtflite_sparse_delegate.so.
 *
 * <pre>{@code
 * try (SparseDelegate sparse = new SparseDelegate("isa", "neon", "min_sparsity", "0.5");
 *      Interpreter interpreter = new Interpreter(modelBuffer,
 *          new Interpreter.Options().setNumThreads(1).addDelegate(sparse))) {
 *   interpreter.run(input, output);
 * }
 * }</pre>
 *
 * <p>Close the interpreter before the delegate (try-with-resources closes in reverse order).
 */
public final class SparseDelegate implements Delegate, Closeable {
  static {
    System.loadLibrary("tflite_sparse_jni");
  }

  private long handle;

  /**
   * Creates the delegate from option pairs: key, value, key, value, ... (see the delegate's
   * options: isa, min_sparsity, profile, flush_denormals).
   *
   * @throws IllegalArgumentException if an option is unknown or has a bad value (the message is
   *     the delegate's)
   */
  public SparseDelegate(String... options) {
    if (options.length % 2 != 0) {
      throw new IllegalArgumentException("options come in key, value pairs");
    }
    String[] keys = new String[options.length / 2];
    String[] values = new String[options.length / 2];
    for (int i = 0; i < keys.length; ++i) {
      keys[i] = options[2 * i];
      values[i] = options[2 * i + 1];
    }
    handle = nativeCreate(keys, values);
  }

  @Override
  public long getNativeHandle() {
    if (handle == 0) {
      throw new IllegalStateException("the delegate was closed");
    }
    return handle;
  }

  @Override
  public void close() {
    if (handle != 0) {
      nativeDestroy(handle);
      handle = 0;
    }
  }

  /** Returns the TfLiteDelegate pointer, or throws IllegalArgumentException. */
  private static native long nativeCreate(String[] keys, String[] values);

  private static native void nativeDestroy(long handle);
}
