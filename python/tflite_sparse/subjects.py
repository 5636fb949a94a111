"""Benchmark and test subjects: Keras MobileNets with random weights that
behave like trained ones, magnitude-pruned and converted to .tflite.

Random-weight Keras models are the standard speed subjects (speed does not
depend on weight values), but untouched they are poor correctness subjects:
their BatchNorm statistics do not match their activations, so signals shrink
towards zero or denormals and the softmax output is uniform. Here every
BatchNorm is recalibrated on a batch of inputs (activations keep unit scale)
and the classifier returns logits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")


@dataclass(frozen=True)
class Subject:
    """A MobileNet v1 benchmark/test model description."""

    alpha: float = 1.0
    height: int = 224
    width: int = 224
    sparsity: float = 0.9
    block: int = 1
    seed: int = 0


def _keras():
    import tf_keras

    return tf_keras


def calibrate_batchnorm(model, images: np.ndarray) -> None:
    """Sets every BatchNormalization's moving statistics to the statistics of
    its input on ``images`` (one forward pass in training mode, momentum 0)."""
    keras = _keras()
    layers = [l for l in model.submodules if isinstance(l, keras.layers.BatchNormalization)]
    saved = [l.momentum for l in layers]
    for layer in layers:
        layer.momentum = 0.0
    try:
        model(images, training=True)
    finally:
        for layer, momentum in zip(layers, saved):
            layer.momentum = momentum


def pointwise_convs(model, skip: Iterable[str] = ()) -> list:
    """The 1x1 Conv2D layers of ``model`` (not depthwise), minus ``skip``."""
    keras = _keras()
    skipped = set(skip)
    return [
        layer
        for layer in model.submodules
        if type(layer) is keras.layers.Conv2D
        and tuple(layer.kernel_size) == (1, 1)
        and layer.name not in skipped
    ]


def magnitude_prune(layer, sparsity: float, block: int = 1) -> None:
    """Zeroes the smallest weights of a 1x1 Conv2D in place, by blocks of
    ``block`` consecutive output channels (the converter's one-shot rule)."""
    from tflite_sparse.converter.oneshot_prune import magnitude_prune as prune_matrix

    kernel, *rest = layer.get_weights()
    matrix = kernel.reshape(kernel.shape[2], kernel.shape[3]).T  # Keras [I, O] -> TFLite [O, I]
    pruned = prune_matrix(matrix, sparsity, block)
    layer.set_weights([pruned.T.reshape(kernel.shape)] + rest)


def mobilenet_v1(subject: Subject):
    """Keras MobileNet v1 (random weights, calibrated, logits out), with every
    1x1 conv but the classifier pruned to ``subject.sparsity``."""
    keras = _keras()
    keras.utils.set_random_seed(subject.seed)
    model = keras.applications.MobileNet(
        weights=None,
        alpha=subject.alpha,
        input_shape=(subject.height, subject.width, 3),
        classifier_activation=None,
    )
    rng = np.random.default_rng(subject.seed)
    calibrate_batchnorm(model, rng.uniform(-1, 1, (4, subject.height, subject.width, 3)).astype(np.float32))
    if subject.sparsity > 0:
        for layer in pointwise_convs(model, skip=("conv_preds",)):
            magnitude_prune(layer, subject.sparsity, subject.block)
    return model


def to_tflite(model, sparse: bool) -> bytes:
    """Converts with TF's own converter; ``sparse`` turns on
    Optimize.EXPERIMENTAL_SPARSITY (unstructured sparse weights + DENSIFY)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if sparse:
        converter.optimizations = [tf.lite.Optimize.EXPERIMENTAL_SPARSITY]
    return converter.convert()


# ---------------------------------------------------------------- families ---
FAMILIES = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
            "efficientnet_b0", "efficientnet_b1", "resnet50")


@dataclass(frozen=True)
class FamilySubject:
    """A benchmark/test model of one family: Keras application, random
    weights, BatchNorm calibrated, 1x1 convs pruned (see spatial_pointwise_convs)."""

    family: str = "mobilenet_v2"
    alpha: float = 1.0
    size: int = 224
    sparsity: float = 0.85
    block: int = 1
    block_from: int = 0  # prune with ``block`` from this pointwise conv on (earlier: block 1)
    prune_classifier: bool = False  # the final Dense layer too (the paper's EfficientNet)
    head_filters: int | None = None  # EfficientNet's top conv (the paper's sparse B1: 2560)
    seed: int = 0


def family_keras_model(family: str, alpha: float = 1.0, size: int = 224, seed: int = 0,
                       head_filters: int | None = None):
    """The dense Keras application of ``family`` (random weights, logits out)."""
    keras = _keras()
    keras.utils.set_random_seed(seed)
    shape = (size, size, 3)
    apps = keras.applications
    if head_filters is not None:
        if not family.startswith("efficientnet"):
            raise ValueError(f"head_filters is for EfficientNet, not {family!r}")
        from tflite_sparse.models import efficientnet

        b = int(family[-1])
        return efficientnet(b, shape, head_filters=head_filters, classifier_activation=None)
    if family == "mobilenet_v1":
        return apps.MobileNet(weights=None, alpha=alpha, input_shape=shape, classifier_activation=None)
    if family == "mobilenet_v2":
        return apps.MobileNetV2(weights=None, alpha=alpha, input_shape=shape, classifier_activation=None)
    if family == "mobilenet_v3_small":
        return apps.MobileNetV3Small(weights=None, alpha=alpha, input_shape=shape, classifier_activation=None)
    if family == "mobilenet_v3_large":
        return apps.MobileNetV3Large(weights=None, alpha=alpha, input_shape=shape, classifier_activation=None)
    if family in ("efficientnet_b0", "efficientnet_b1"):
        builder = apps.EfficientNetB0 if family.endswith("b0") else apps.EfficientNetB1
        return builder(weights=None, input_shape=shape, classifier_activation=None)
    if family == "resnet50":
        return apps.ResNet50(weights=None, input_shape=shape, classifier_activation=None)
    raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")


def spatial_pointwise_convs(model) -> list:
    """The 1x1 stride-1 Conv2D layers that run on more than one pixel: what
    the paper prunes. Squeeze-excitation convs and convs after the global pool
    (a head or a classifier) work on one pixel and stay dense."""
    return [
        layer
        for layer in pointwise_convs(model)
        if tuple(layer.strides) == (1, 1)
        and layer.output.shape[1] is not None
        and layer.output.shape[1] * layer.output.shape[2] > 1
    ]


def family_model(subject: FamilySubject):
    """A calibrated, pruned Keras model for ``subject``."""
    model = family_keras_model(subject.family, subject.alpha, subject.size, subject.seed,
                               subject.head_filters)
    rng = np.random.default_rng(subject.seed)
    # Calibrated on the inputs the tests and benchmarks feed (uniform [-1, 1]).
    calibrate_batchnorm(model, rng.uniform(-1, 1, (4, subject.size, subject.size, 3)).astype(np.float32))
    if subject.sparsity > 0:
        for i, layer in enumerate(spatial_pointwise_convs(model)):
            block = subject.block if i >= subject.block_from else 1
            magnitude_prune(layer, subject.sparsity, block)
        if subject.prune_classifier:
            prune_dense(_classifier(model), subject.sparsity)
    return model


def _classifier(model):
    keras = _keras()
    dense = [layer for layer in model.submodules if type(layer) is keras.layers.Dense]
    if not dense:
        raise ValueError(f"model {model.name!r} has no Dense classifier to prune")
    return dense[-1]


def prune_dense(layer, sparsity: float) -> None:
    """Zeroes the smallest weights of a Dense layer in place (unstructured)."""
    from tflite_sparse.converter.oneshot_prune import magnitude_prune as prune_matrix

    kernel, *rest = layer.get_weights()  # [I, O]
    layer.set_weights([prune_matrix(kernel.T, sparsity, 1).T] + rest)
