"""EfficientNet-B0/B1 (Tan & Le 2019), optionally with the paper's wide head."""

from __future__ import annotations

import os
from typing import Sequence

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tflite_sparse.models._common import check_classes, check_shape  # noqa: E402

_DEFAULT_SIZE = {0: 224, 1: 240}
# The paper's sparse EfficientNets double the head (§3.1, Table 1's EN-B1):
# ``head_filters="paper"``.
PAPER_SPARSE_HEAD_FILTERS = 2560


def efficientnet(
    b: int = 0,
    input_shape: Sequence[int] | None = None,
    classes: int = 1000,
    *,
    head_filters: int | str | None = None,
    classifier_activation: str | None = "softmax",
):
    """An untrained ``tf_keras.applications.EfficientNetB{b}`` (weights=None).

    ``head_filters`` replaces the 1280 filters of the last 1x1 convolution
    (``top_conv``); ``"paper"`` gives the 2560 of the paper's sparse
    EfficientNets (§3.1). Table 1 runs EN-B1 at 224x224: pass input_shape. Squeeze-
    excitation convolutions are named ``block*_se_reduce`` / ``block*_se_expand``
    and the classifier is the Dense layer ``predictions``. The model includes
    Keras's input rescaling and normalization layers, so it takes pixels in
    [0, 255].
    """
    import tf_keras

    if b not in _DEFAULT_SIZE:
        raise ValueError(f"efficientnet(b={b!r}): only B0 and B1 are provided (b=0 or b=1)")
    builder = tf_keras.applications.EfficientNetB0 if b == 0 else tf_keras.applications.EfficientNetB1
    model = builder(
        include_top=True,
        weights=None,
        input_shape=check_shape(input_shape, _DEFAULT_SIZE[b]),
        classes=check_classes(classes),
        classifier_activation=classifier_activation,
    )
    if head_filters is None:
        return model
    if head_filters == "paper":
        head_filters = PAPER_SPARSE_HEAD_FILTERS
    if int(head_filters) < 1:
        raise ValueError(f"head_filters={head_filters!r} must be a positive filter count, e.g. 2560")
    return _with_head(model, int(head_filters), classes, classifier_activation, b)


def _with_head(model, head_filters: int, classes: int, classifier_activation, b: int):
    """Rebuilds the top of a Keras EfficientNet with ``head_filters`` filters."""
    import tf_keras
    from tf_keras import layers

    old_conv = model.get_layer("top_conv")
    x = old_conv.input
    x = layers.Conv2D(
        head_filters,
        1,
        padding="same",
        use_bias=False,
        kernel_initializer=_fresh(old_conv.kernel_initializer),
        name="top_conv",
    )(x)
    x = layers.BatchNormalization(axis=-1, name="top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    dropout = model.get_layer("top_dropout").rate
    if dropout > 0:
        x = layers.Dropout(dropout, name="top_dropout")(x)
    old_dense = model.get_layer("predictions")
    x = layers.Dense(
        classes,
        activation=classifier_activation,
        kernel_initializer=_fresh(old_dense.kernel_initializer),
        bias_initializer="zeros",
        name="predictions",
    )(x)
    return tf_keras.Model(model.input, x, name=f"efficientnetb{b}_head{head_filters}")


def _fresh(initializer):
    """A new initializer object with the same configuration."""
    return type(initializer).from_config(initializer.get_config())
