"""MobileNet v2 (Sandler et al. 2018) with any width multiplier."""

from __future__ import annotations

import os
from typing import Sequence

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tflite_sparse.models._common import check_alpha, check_classes, check_shape  # noqa: E402


def mobilenet_v2(
    alpha: float = 1.0,
    input_shape: Sequence[int] | None = (224, 224, 3),
    classes: int = 1000,
    *,
    classifier_activation: str | None = "softmax",
):
    """An untrained ``tf_keras.applications.MobileNetV2`` (weights=None).

    Bottlenecks are ``expanded_conv`` (0) then ``block_1`` .. ``block_16``, each
    with 1x1 ``..._expand`` and ``..._project`` convolutions; ``Conv_1`` is the
    final 1x1 convolution and ``predictions`` the classifier.
    """
    import tf_keras

    return tf_keras.applications.MobileNetV2(
        input_shape=check_shape(input_shape, 224),
        alpha=check_alpha(alpha),
        include_top=True,
        weights=None,
        classes=check_classes(classes),
        classifier_activation=classifier_activation,
    )
