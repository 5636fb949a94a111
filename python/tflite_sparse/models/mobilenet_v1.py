"""MobileNet v1 (Howard et al. 2017) with any width multiplier."""

from __future__ import annotations

import os
from typing import Sequence

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tflite_sparse.models._common import check_alpha, check_classes, check_shape  # noqa: E402


def mobilenet_v1(
    alpha: float = 1.0,
    input_shape: Sequence[int] | None = (224, 224, 3),
    classes: int = 1000,
    *,
    dropout: float = 1e-3,
    classifier_activation: str | None = "softmax",
):
    """An untrained ``tf_keras.applications.MobileNet`` (weights=None).

    ``alpha`` may be any positive width (the paper's sparse models use 1.4).
    The 13 pointwise layers are named ``conv_pw_1`` .. ``conv_pw_13``; the
    classifier is the 1x1 convolution ``conv_preds``.
    """
    import tf_keras

    return tf_keras.applications.MobileNet(
        input_shape=check_shape(input_shape, 224),
        alpha=check_alpha(alpha),
        include_top=True,
        weights=None,
        classes=check_classes(classes),
        dropout=dropout,
        classifier_activation=classifier_activation,
    )
