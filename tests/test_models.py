"""The model builders: shapes, layer names the pruning rules rely on, Table 3."""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tflite_sparse import models  # noqa: E402


def _names(model):
    return [layer.name for layer in model.layers]


def test_mobilenet_v1_any_width():
    model = models.mobilenet_v1(1.4, (64, 64, 3), 7)
    assert model.output_shape == (None, 7)
    names = _names(model)
    assert [f"conv_pw_{i}" for i in range(1, 14)] == [n for n in names if n.startswith("conv_pw_") and not n[8:].count("_")]
    assert model.get_layer("conv_pw_1").filters == int(64 * 1.4)
    assert "conv_preds" in names


def test_mobilenet_v2_layer_names():
    model = models.mobilenet_v2(0.35, (64, 64, 3), 5)
    assert model.output_shape == (None, 5)
    names = _names(model)
    assert "expanded_conv_project" in names and "block_16_project" in names and "Conv_1" in names
    assert model.get_layer("predictions").units == 5


def test_cache_aware_mobilenet_v2_follows_table_3():
    model = models.cache_aware_mobilenet_v2(1.0, (224, 224, 3), 1000)
    assert model.output_shape == (None, 1000)
    assert model.get_layer("Conv1").filters == 16
    assert tuple(model.get_layer("Conv1").strides) == (2, 2)
    bottlenecks = sum(n for _, _, n, _ in models.CACHE_AWARE_BOTTLENECKS)
    assert bottlenecks == 26
    projects = [l for l in model.layers if l.name.endswith("_project")]
    assert len(projects) == bottlenecks
    # expansion e applied to the block's input channels, output channels c
    expected = []
    channels = 16
    for e, c, n, s in models.CACHE_AWARE_BOTTLENECKS:
        for i in range(n):
            expected.append((e * channels if e != 1 else None, c, s if i == 0 else 1))
            channels = c
    block_id = 0
    for (expand, out, stride) in expected:
        prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
        if expand is None:
            assert prefix + "expand" not in _names(model)
        else:
            assert model.get_layer(prefix + "expand").filters == expand
        assert model.get_layer(prefix + "project").filters == out
        assert tuple(model.get_layer(prefix + "depthwise").strides) == (stride, stride)
        block_id += 1
    # the expanded channels stay within half a 32 KB L1 strip budget: <= 480
    assert max(l.filters for l in model.layers if l.name.endswith("_expand")) <= 480
    assert model.get_layer("Conv_1").filters == 1280
    spatial = model.get_layer("Conv_1").output_shape[1:3]
    assert spatial == (7, 7)


def test_cache_aware_mobilenet_v2_runs_on_odd_sizes():
    model = models.cache_aware_mobilenet_v2(0.5, (33, 47, 3), 3)
    out = model(np.random.rand(2, 33, 47, 3).astype("float32"))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.numpy().sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("b", [0, 1])
def test_efficientnet(b):
    model = models.efficientnet(b, (64, 64, 3), 4)
    assert model.output_shape == (None, 4)
    assert model.get_layer("top_conv").filters == 1280
    assert any(n.endswith("_se_reduce") for n in _names(model))


def test_efficientnet_paper_head_preset():
    model = models.efficientnet(1, (224, 224, 3), 4, head_filters="paper")
    assert model.get_layer("top_conv").filters == 2560
    assert model.input_shape == (None, 224, 224, 3)


def test_efficientnet_wide_head():
    model = models.efficientnet(0, (64, 64, 3), 4, head_filters=2560)
    assert model.get_layer("top_conv").filters == 2560
    assert model.output_shape == (None, 4)
    out = model(np.random.rand(1, 64, 64, 3).astype("float32") * 255)
    assert np.isfinite(out.numpy()).all()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.mobilenet_v1(0.0, (64, 64, 3), 10), "alpha"),
        (lambda: models.mobilenet_v2(1.0, (16, 16, 3), 10), "too small"),
        (lambda: models.cache_aware_mobilenet_v2(1.0, (64, 64), 10), "input_shape"),
        (lambda: models.mobilenet_v1(1.0, (64, 64, 3), 0), "classes"),
        (lambda: models.efficientnet(2), "B0 and B1"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
