"""The cache-aware MobileNet v2 of the paper (§4.4, Table 3).

Expansion factors shrink as channels grow, so the expanded activations of one
spatial strip fit in about half of a 32 KB L1 cache, and extra blocks make up
the lost capacity.
"""

from __future__ import annotations

import os
from typing import Sequence

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tflite_sparse.models._common import (  # noqa: E402
    check_alpha,
    check_classes,
    check_shape,
    make_divisible,
)

# Table 3: (expansion e, output channels c, repeats n, first stride s).
CACHE_AWARE_BOTTLENECKS: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (8, 24, 2, 2),
    (8, 32, 4, 2),
    (4, 64, 6, 2),
    (3, 96, 6, 1),
    (2, 160, 6, 2),
    (2, 320, 1, 1),
)
_STEM_FILTERS = 16
_HEAD_FILTERS = 1280


def cache_aware_mobilenet_v2(
    alpha: float = 1.0,
    input_shape: Sequence[int] | None = (224, 224, 3),
    classes: int = 1000,
    *,
    classifier_activation: str | None = "softmax",
):
    """An untrained cache-aware MobileNet v2 (Table 3) as a tf_keras model.

    Built like ``tf_keras.applications.MobileNetV2`` (ReLU6, BatchNorm, TF
    SAME-equivalent padding before stride-2 depthwise convolutions) and with
    the same layer names: ``Conv1`` stem, bottlenecks ``expanded_conv`` then
    ``block_1`` .. ``block_25``, final 1x1 ``Conv_1``, classifier ``predictions``
    (the table's "conv 1x1 k" after global pooling). Channel counts scale with
    ``alpha`` and are rounded to multiples of 8.
    """
    import tf_keras
    from tf_keras import layers

    alpha = check_alpha(alpha)
    shape = check_shape(input_shape, 224)
    inputs = layers.Input(shape=shape)
    x = layers.Conv2D(
        make_divisible(_STEM_FILTERS * alpha), 3, strides=2, padding="same",
        use_bias=False, name="Conv1",
    )(inputs)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    block_id = 0
    for expansion, channels, repeats, stride in CACHE_AWARE_BOTTLENECKS:
        for repeat in range(repeats):
            x = _bottleneck(
                x,
                expansion=expansion,
                filters=make_divisible(channels * alpha),
                stride=stride if repeat == 0 else 1,
                block_id=block_id,
            )
            block_id += 1
    head = make_divisible(_HEAD_FILTERS * alpha) if alpha > 1.0 else _HEAD_FILTERS
    x = layers.Conv2D(head, 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = layers.GlobalAveragePooling2D(name="global_average_pooling2d")(x)
    x = layers.Dense(
        check_classes(classes), activation=classifier_activation, name="predictions"
    )(x)
    return tf_keras.Model(
        inputs, x, name=f"cache_aware_mobilenetv2_{alpha:0.2f}_{shape[0]}"
    )


def _bottleneck(inputs, *, expansion: int, filters: int, stride: int, block_id: int):
    """One inverted residual block: 1x1 expand, 3x3 depthwise, 1x1 project."""
    from tf_keras import layers

    in_channels = inputs.shape[-1]
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    x = inputs
    if expansion != 1:
        x = layers.Conv2D(expansion * in_channels, 1, use_bias=False, name=prefix + "expand")(x)
        x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    if stride == 2:
        # TF SAME for a 3x3 stride-2 window: pad 0 before / 1 after on even
        # sizes, 1 / 1 on odd ones (as Keras's correct_pad).
        height, width = x.shape[1], x.shape[2]
        pad = ((height % 2, 1), (width % 2, 1))
        x = layers.ZeroPadding2D(padding=pad, name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(
        3, strides=stride, use_bias=False,
        padding="same" if stride == 1 else "valid", name=prefix + "depthwise",
    )(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=prefix + "project")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + "project_BN")(x)
    if in_channels == filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x
