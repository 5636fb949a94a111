"""Tiny sparse MobileNet-like models and flatbuffer editing helpers, shared by
the tests that corrupt or mutate sparse models (bad_models, mutants)."""

from __future__ import annotations

from pathlib import Path

from ai_edge_litert import schema_py_generated as schema

from tflite_sparse.converter import flatbuffer as fb

INPUT_SHAPE = (1, 32, 32, 3)


def _tiny_keras_model(block: int):
    """First conv / depthwise / pruned 1x1 / mean: the smallest graph with
    every kind of step the delegate builds around a sparse weight."""
    import tf_keras as keras

    import tflite_sparse.subjects as subjects

    keras.utils.set_random_seed(1)
    inputs = keras.Input(INPUT_SHAPE[1:])
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu6")(inputs)
    x = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    x = keras.layers.Conv2D(64, 1, activation="relu6", name="pointwise")(x)
    x = keras.layers.GlobalAveragePooling2D(keepdims=True)(x)
    model = keras.Model(inputs, x)
    subjects.magnitude_prune(model.get_layer("pointwise"), 0.9, block)
    return model


def tf_sparse_model(path: Path) -> Path:
    """Converted by TF's own EXPERIMENTAL_SPARSITY (unblocked CSR)."""
    import tflite_sparse.subjects as subjects

    path.write_bytes(subjects.to_tflite(_tiny_keras_model(1), sparse=True))
    return path


def block4_sparse_model(path: Path) -> Path:
    """Converted by our converter with 4-output-channel blocks (a block map)."""
    from tflite_sparse.converter import convert

    path.write_bytes(convert(_tiny_keras_model(4), block=4))
    return path


def read_tree(path: Path) -> "schema.ModelT":
    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(Path(path).read_bytes(), 0))


def tree_bytes(tree) -> bytes:
    return fb.write_model(tree)


def write_tree(tree, path: Path) -> None:
    Path(path).write_bytes(tree_bytes(tree))


def sparse_tensor(tree):
    """The one tensor with sparsity metadata (the tests build exactly one)."""
    sparse = [t for t in tree.subgraphs[0].tensors if t.sparsity is not None]
    assert len(sparse) == 1, "the model should hold exactly one sparse tensor"
    return sparse[0]


def csr_level(tensor):
    return next(d for d in tensor.sparsity.dimMetadata if d.format == 1)
