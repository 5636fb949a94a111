"""File size of a 90%-sparse MobileNet v1 1.0 (Keras, 224x224).

The issue asks for at most 22% of the dense file with the classifier dense.
That bound cannot be met: the dense 1024x1000 classifier alone is 4.1 MB,
24.3% of the 16.9 MB dense file. So this test checks the two things that do
hold: with the classifier pruned as well the file is at most 22% of the dense
one, and with the classifier dense everything but the classifier shrinks to at
most 22% of its dense size. The measured sizes are printed (pytest -s).
"""

from __future__ import annotations

import pytest

import test_converter_helpers as helpers
from tflite_sparse.converter import convert_with_report
from tflite_sparse.converter import flatbuffer as fb
from tflite_sparse.converter.layers import weighted_ops

TARGET = 0.22


@pytest.fixture(scope="module")
def mobilenet_dense() -> bytes:
    import tensorflow as tf

    model = helpers.calibrated_mobilenet(1.0, 224, seed=4)
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def _classifier_bytes(dense: bytes) -> int:
    model = fb.read_model(dense)
    classifier = next(l for l in weighted_ops(model) if l.role == "classifier")
    return len(fb.buffer_bytes(model, model.subgraphs[0].tensors[classifier.tensor]))


@pytest.mark.slow
def test_mobilenet_v1_at_90_percent_is_small(mobilenet_dense):
    dense = len(mobilenet_dense)
    classifier = _classifier_bytes(mobilenet_dense)
    assert classifier == 1024 * 1000 * 4

    kept = convert_with_report(mobilenet_dense, prune=0.9, block=4)  # classifier dense
    both = convert_with_report(mobilenet_dense, prune=0.9, block=4, prune_classifier=True)
    assert kept.verified and both.verified
    print(
        f"\nMobileNet v1 1.0 224: dense {dense} bytes; 90% sparse, block 4: "
        f"classifier dense {len(kept.data)} bytes ({len(kept.data) / dense:.1%}), "
        f"classifier pruned too {len(both.data)} bytes ({len(both.data) / dense:.1%}); "
        f"the dense classifier alone is {classifier} bytes ({classifier / dense:.1%})"
    )
    assert len(both.data) <= TARGET * dense
    assert len(kept.data) - classifier <= TARGET * (dense - classifier)
    assert all(layer.block == 4 and layer.indices_type in ("uint8", "uint16") for layer in kept.encoded)
