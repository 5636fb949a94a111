"""Shared, cached subjects for the converter tests (no tests here).

Everything expensive (building Keras models, TF conversions, tfmot training)
is cached per process, so every converter test module reuses it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from delegate_helpers import relative_error, run  # noqa: E402,F401 - tests use helpers.relative_error
from tflite_sparse.converter import flatbuffer as fb  # noqa: E402
from tflite_sparse.converter.flatbuffer import schema  # noqa: E402
from tflite_sparse.converter.oneshot_prune import magnitude_prune  # noqa: E402

# 1x1 convs of the tiny model: name -> (out channels, how it is pruned)
TINY_POINTWISE = {
    "pw_block4": (24, ("block", 4)),  # pruned in blocks of 4: auto picks 4
    "pw_block2": (30, ("block", 2)),  # 30 channels: 4 does not divide, blocks of 2
    "pw_free": (300, ("block", 1)),  # unstructured: auto picks 1
    "pw_wide_in": (16, ("block", 4)),  # 300 input channels: uint16 indices
    "pw_dense": (32, None),  # not pruned: stays dense
}
TINY_SPARSITY = 0.8


def stock_interpreter(runtime: str, *, model_path=None, model_content=None, delegates=True):
    """tf.lite or ai_edge_litert's stock interpreter (default delegates unless told)."""
    if runtime == "tf":
        import tensorflow as tf

        resolver = tf.lite.experimental.OpResolverType
        interpreter_class = tf.lite.Interpreter
    else:
        from ai_edge_litert import interpreter as litert

        resolver = litert.OpResolverType
        interpreter_class = litert.Interpreter
    kind = resolver.AUTO if delegates else resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    return interpreter_class(
        model_path=None if model_path is None else str(model_path),
        model_content=model_content,
        num_threads=1,
        experimental_op_resolver_type=kind,
    )


def run_model(runtime: str, data: bytes, x: np.ndarray) -> np.ndarray:
    return run(stock_interpreter(runtime, model_content=data), x)


def densify_only_model(sparsity, values: np.ndarray, shape) -> bytes:
    """A model whose only op is DENSIFY of a constant sparse tensor (its output
    is the graph output): stock TFLite's own decoder, nothing else."""
    model = schema.ModelT()
    model.version = 3
    model.buffers = [schema.BufferT()]
    sparse = schema.TensorT()
    sparse.shape, sparse.type, sparse.name = list(shape), schema.TensorType.FLOAT32, b"w/sparse"
    sparse.buffer = fb.add_buffer(model, np.asarray(values, np.float32).tobytes())
    sparse.sparsity = sparsity
    dense = schema.TensorT()
    dense.shape, dense.type, dense.name, dense.buffer = list(shape), schema.TensorType.FLOAT32, b"w", 0
    op = schema.OperatorT()
    op.opcodeIndex = fb.opcode_index(model, schema.BuiltinOperator.DENSIFY)
    op.inputs, op.outputs = [0], [1]
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = [sparse, dense], [], [1], [op]
    model.subgraphs = [graph]
    return fb.write_model(model)


def stock_densify(runtime: str, data: bytes) -> np.ndarray:
    """Runs a densify_only_model on stock TFLite (builtin kernels)."""
    interpreter = stock_interpreter(runtime, model_content=data, delegates=False)
    interpreter.allocate_tensors()
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy()


def _tiny_layers(keras):
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="first")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same", name="dw1")(x)
    x = keras.layers.Conv2D(24, 1, name="pw_block4")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same", name="dw2")(x)
    x = keras.layers.Conv2D(30, 1, name="pw_block2")(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.Conv2D(300, 1, name="pw_free")(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.Conv2D(16, 1, name="pw_wide_in")(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.Conv2D(32, 1, name="pw_dense")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(10, name="classifier")(x)
    return keras.Model(inputs, outputs, name="tiny")


def prune_keras_layer(layer, sparsity: float, block: int) -> None:
    kernel, *rest = layer.get_weights()  # [1, 1, I, O]
    oi = np.transpose(kernel, (3, 0, 1, 2))  # [O, 1, 1, I]
    pruned = magnitude_prune(oi, sparsity, block)
    layer.set_weights([np.transpose(pruned, (1, 2, 3, 0))] + rest)


@functools.lru_cache(maxsize=None)
def tiny_pruned_model():
    """The tiny Keras model with its 1x1 convs pruned per TINY_POINTWISE."""
    import tf_keras

    tf_keras.utils.set_random_seed(1)
    model = _tiny_layers(tf_keras)
    for name, (_, how) in TINY_POINTWISE.items():
        if how is not None:
            prune_keras_layer(model.get_layer(name), TINY_SPARSITY, how[1])
    return model


@functools.lru_cache(maxsize=None)
def tiny_dense_tflite() -> bytes:
    """TF's dense conversion of tiny_pruned_model()."""
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(tiny_pruned_model()).convert()


@functools.lru_cache(maxsize=None)
def tiny_tf_sparse_tflite() -> bytes:
    """TF's EXPERIMENTAL_SPARSITY conversion of tiny_pruned_model()."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(tiny_pruned_model())
    converter.optimizations = [tf.lite.Optimize.EXPERIMENTAL_SPARSITY]
    return converter.convert()


@functools.lru_cache(maxsize=None)
def tiny_wrapped_model():
    """A fresh tiny model wrapped whole by tfmot's prune_low_magnitude at 80%
    constant sparsity and trained two steps, so the masks are applied."""
    import tensorflow_model_optimization as tfmot
    import tf_keras

    tf_keras.utils.set_random_seed(2)
    schedule = tfmot.sparsity.keras.ConstantSparsity(TINY_SPARSITY, begin_step=0, frequency=1)
    model = tfmot.sparsity.keras.prune_low_magnitude(_tiny_layers(tf_keras), pruning_schedule=schedule)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (8, 16, 16, 3)).astype(np.float32)
    y = rng.uniform(-1, 1, (8, 10)).astype(np.float32)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0,
              callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
    return model


@functools.lru_cache(maxsize=None)
def no_pointwise_tflite() -> bytes:
    """A model with no layer the converter may store sparse (3x3 conv, FC)."""
    import tensorflow as tf
    import tf_keras

    inputs = tf_keras.Input((8, 8, 3))
    x = tf_keras.layers.Conv2D(4, 3, name="only_conv")(inputs)
    x = tf_keras.layers.GlobalAveragePooling2D()(x)
    model = tf_keras.Model(inputs, tf_keras.layers.Dense(3)(x))
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def calibrated_mobilenet(alpha: float, size: int, seed: int):
    """Keras MobileNet v1 with random weights, logits out, and every
    BatchNormalization set to its input's statistics on a random batch, so
    activations keep their scale (an uncalibrated one outputs a constant)."""
    import tf_keras

    tf_keras.utils.set_random_seed(seed)
    model = tf_keras.applications.MobileNet(
        weights=None, alpha=alpha, input_shape=(size, size, 3), classifier_activation=None
    )
    norms = [l for l in model.layers if isinstance(l, tf_keras.layers.BatchNormalization)]
    for layer in norms:
        layer.momentum = 0.0
    model(random_input((4, size, size, 3), seed), training=True)
    for layer in norms:
        layer.momentum = 0.99
    return model


@functools.lru_cache(maxsize=None)
def mobilenet_small_tflite() -> bytes:
    """Keras MobileNet v1 alpha 0.25 at 96x96 (calibrated), dense, converted by TF."""
    import tensorflow as tf

    model = calibrated_mobilenet(0.25, 96, seed=3)
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def write(directory: Path, name: str, data: bytes) -> Path:
    path = Path(directory) / name
    if not path.exists():
        path.write_bytes(data)
    return path


def random_input(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)
