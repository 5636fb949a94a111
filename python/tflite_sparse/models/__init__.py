"""Builders for the paper's architectures, as tf_keras functional models.

Every builder returns an untrained ``tf_keras.Model`` (no weight downloads):

- :func:`mobilenet_v1` and :func:`mobilenet_v2` wrap ``tf_keras.applications``
  (any width multiplier, e.g. the paper's sparse MBv1 1.4 and MBv2 1.4);
- :func:`cache_aware_mobilenet_v2` is the cache-aware MobileNet v2 of the
  paper's Table 3 (§4.4), built here;
- :func:`efficientnet` wraps EfficientNet-B0/B1, optionally with the paper's
  2560-filter head for sparse models (§3.1).

Layer names follow the Keras applications, which is what
:mod:`tflite_sparse.pruning` keys its per-layer rules on.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tflite_sparse.models.cache_aware_mobilenet_v2 import (  # noqa: E402
    CACHE_AWARE_BOTTLENECKS,
    cache_aware_mobilenet_v2,
)
from tflite_sparse.models.efficientnet import efficientnet  # noqa: E402
from tflite_sparse.models.mobilenet_v1 import mobilenet_v1  # noqa: E402
from tflite_sparse.models.mobilenet_v2 import mobilenet_v2  # noqa: E402

__all__ = [
    "CACHE_AWARE_BOTTLENECKS",
    "cache_aware_mobilenet_v2",
    "efficientnet",
    "mobilenet_v1",
    "mobilenet_v2",
]
