"""tflite_sparse.pruning: which layers, which blocks, schedules, reports, errors."""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tf_keras  # noqa: E402

from tflite_sparse import models, pruning  # noqa: E402
from tflite_sparse.pruning import PruningError  # noqa: E402


def _train(model, steps, *, batch=8, seed=0):
    """Fits ``model`` for exactly ``steps`` batches of random data."""
    rng = np.random.default_rng(seed)
    shape = model.input_shape[1:]
    classes = model.output_shape[-1]
    x = rng.standard_normal((steps * batch, *shape)).astype("float32")
    y = rng.integers(0, classes, steps * batch)
    model.compile(optimizer=tf_keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0,
              callbacks=pruning.callbacks())
    return model


def _by_name(rows):
    return {row.name: row for row in rows}


def _tflite_weights(kernel):
    """A Keras conv kernel [kh, kw, in, out] as TFLite's OHWI, flattened to [O, kh*kw*I]."""
    return np.transpose(kernel, (3, 0, 1, 2)).reshape(kernel.shape[-1], -1)


def _zero_blocks_explain_zeros(weights_oi, block):
    """True if the zeros of [O, I] weights are whole blocks of ``block`` consecutive rows."""
    outputs, inputs = weights_oi.shape
    zeros = weights_oi.reshape(outputs // block, block, inputs) == 0
    whole = zeros.all(axis=1)
    return bool((zeros == whole[:, None, :]).all())


@pytest.fixture(scope="module")
def pruned_mbv1_block4():
    model = models.mobilenet_v1(0.25, (32, 32, 3), 10)
    pruned = pruning.prune(model, 0.75, begin_step=0, end_step=6, frequency=2, block=4)
    _train(pruned, 8)
    return pruned


def test_block4_zeroes_blocks_of_four_output_channels(pruned_mbv1_block4):
    stripped = pruning.strip(pruned_mbv1_block4)
    checked = 0
    for row in pruning.report(pruned_mbv1_block4):
        if not row.wrapped:
            continue
        kernel = stripped.get_layer(row.name).get_weights()[0]
        weights = _tflite_weights(kernel)  # rows = output channels
        assert _zero_blocks_explain_zeros(weights, 4), row.name
        # not also blocked along the input axis (tfmot's other block axis)
        assert not _zero_blocks_explain_zeros(weights.T[: weights.shape[1] // 4 * 4], 4)
        assert row.sparsity == pytest.approx(0.75, abs=0.02), row.name
        checked += 1
    assert checked == 13


def test_report_of_stripped_model_detects_blocks(pruned_mbv1_block4):
    rows = _by_name(pruning.report(pruning.strip(pruned_mbv1_block4)))
    assert not any(row.wrapped for row in rows.values())
    assert rows["conv_pw_5"].block == 4
    assert rows["conv_pw_5"].sparsity == pytest.approx(0.75, abs=0.02)
    assert rows["conv1"].sparsity == 0.0 and rows["conv_preds"].sparsity == 0.0
    assert rows["conv_dw_3"].kind == "depthwise"
    text = pruning.format_report(list(rows.values()))
    assert "conv_pw_13" in text and "13 sparse layers" in text


def test_strip_removes_wrappers_and_keeps_outputs(pruned_mbv1_block4):
    stripped = pruning.strip(pruned_mbv1_block4)
    assert not any("prune_low_magnitude" in layer.name for layer in stripped.layers)
    x = np.random.default_rng(1).standard_normal((2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        stripped(x).numpy(), pruned_mbv1_block4(x, training=False).numpy(), rtol=1e-5, atol=1e-6
    )


def test_paper_rules_mobilenet_v1():
    plan = _by_name(pruning.plan(models.mobilenet_v1(1.0, (64, 64, 3), 10)))
    assert plan["conv1"].kind == "first_conv" and not plan["conv1"].prune
    assert not plan["conv_dw_1"].prune and plan["conv_dw_1"].kind == "depthwise"
    assert plan["conv_preds"].kind == "classifier" and not plan["conv_preds"].prune
    for i in range(1, 14):
        assert plan[f"conv_pw_{i}"].prune
        assert plan[f"conv_pw_{i}"].block == (4 if i >= 12 else 1)
    fast = _by_name(pruning.plan(models.mobilenet_v1(1.0, (64, 64, 3), 10), block="paper-fast"))
    assert [fast[f"conv_pw_{i}"].block for i in range(1, 14)] == [1] * 5 + [4] * 8


def test_paper_rules_on_stock_keras_applications():
    model = tf_keras.applications.MobileNetV2(input_shape=(64, 64, 3), weights=None, classes=10)
    plan = _by_name(pruning.plan(model))
    assert pruning.detect_architecture(model) == "mobilenet_v2"
    assert plan["expanded_conv_project"].prune and plan["expanded_conv_project"].block == 1
    assert plan["block_10_project"].block == 1
    assert plan["block_11_expand"].block == 2 and plan["block_11_project"].block == 2
    assert plan["Conv_1"].prune and plan["Conv_1"].block == 2
    assert not plan["predictions"].prune and not plan["Conv1"].prune


def test_paper_rules_efficientnet():
    model = models.efficientnet(0, (64, 64, 3), 10, head_filters=2560)
    plan = pruning.plan(model)
    kinds = {row.kind for row in plan}
    assert {"squeeze_excitation", "pointwise", "classifier", "depthwise", "first_conv"} <= kinds
    for row in plan:
        if row.kind == "squeeze_excitation":
            assert not row.prune and "_se_" in row.name
        if row.kind in ("pointwise", "classifier"):
            assert row.prune and row.block == 1, row.name
    assert _by_name(plan)["top_conv"].prune


def test_paper_rules_cache_aware_unstructured():
    plan = pruning.plan(models.cache_aware_mobilenet_v2(0.5, (64, 64, 3), 10))
    assert pruning.detect_architecture(models.cache_aware_mobilenet_v2(0.5, (64, 64, 3), 10)) == "cache_aware_mobilenet_v2"
    pruned = [row for row in plan if row.prune]
    assert len(pruned) == 52 and all(row.block == 1 for row in pruned)


def test_overrides_layers_exclude_classifier_callable():
    model = models.mobilenet_v1(0.25, (32, 32, 3), 10)
    plan = _by_name(pruning.plan(model, prune_classifier=True, exclude=["conv_pw_1"], block=2))
    assert plan["conv_preds"].prune and plan["conv_preds"].block == 2
    assert not plan["conv_pw_1"].prune and plan["conv_pw_2"].block == 2
    plan = _by_name(pruning.plan(model, layers=["conv_pw_3", "conv_pw_4"]))
    assert [n for n, row in plan.items() if row.prune] == ["conv_pw_3", "conv_pw_4"]
    plan = _by_name(pruning.plan(model, block=lambda layer: 4 if layer.filters >= 128 else 1))
    assert plan["conv_pw_1"].block == 1 and plan["conv_pw_13"].block == 4


def test_block_falls_back_when_channels_do_not_divide():
    inputs = tf_keras.Input((8, 8, 3))
    x = tf_keras.layers.Conv2D(16, 3, name="stem")(inputs)
    x = tf_keras.layers.Conv2D(6, 1, name="pw")(x)
    model = tf_keras.Model(inputs, x)
    assert _by_name(pruning.plan(model, block=4))["pw"].block == 2


def test_sequential_model_prunes_to_target():
    model = tf_keras.Sequential([
        tf_keras.Input((16, 16, 3)),
        tf_keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        tf_keras.layers.Conv2D(32, 1, activation="relu", name="pw1"),
        tf_keras.layers.DepthwiseConv2D(3, padding="same"),
        tf_keras.layers.Conv2D(64, 1, activation="relu", name="pw2"),
        tf_keras.layers.GlobalAveragePooling2D(),
        tf_keras.layers.Dense(5, activation="softmax", name="head"),
    ])
    pruned = pruning.prune(model, 0.8, begin_step=0, end_step=4, frequency=1, block=2)
    assert isinstance(pruned, tf_keras.Sequential)
    _train(pruned, 6)
    rows = _by_name(pruning.report(pruned))
    assert rows["pw1"].wrapped and rows["pw2"].wrapped and not rows["head"].wrapped
    assert rows["pw1"].sparsity == pytest.approx(0.8, abs=0.02)
    assert rows["pw2"].sparsity == pytest.approx(0.8, abs=0.02)
    stripped = pruning.strip(pruned)
    assert isinstance(stripped, tf_keras.Sequential)
    assert _by_name(pruning.report(stripped))["pw2"].block == 2


def test_dense_classifier_block_is_output_channels():
    model = models.mobilenet_v2(0.35, (32, 32, 3), 16)
    pruned = pruning.prune(model, 0.5, begin_step=0, end_step=2, frequency=1, block=4,
                           layers=["predictions"])
    _train(pruned, 3)
    kernel = pruning.strip(pruned).get_layer("predictions").get_weights()[0]  # [in, out]
    assert np.mean(kernel == 0) == pytest.approx(0.5, abs=0.02)
    assert _zero_blocks_explain_zeros(kernel.T, 4)  # TFLite FULLY_CONNECTED is [O, I]


def test_schedule_end_step_moves_to_last_update_and_target_is_reached():
    schedule = pruning.polynomial_decay(0.9, begin_step=0, end_step=10, frequency=3)
    assert schedule.end_step == 9
    model = models.mobilenet_v1(0.25, (32, 32, 3), 10)
    pruned = pruning.prune(model, 0.9, begin_step=2, end_step=10, frequency=3)
    _train(pruned, 12)
    for row in pruning.report(pruned):
        if row.wrapped:
            assert row.sparsity == pytest.approx(0.9, abs=0.01), row.name


def test_callbacks():
    from tensorflow_model_optimization.sparsity.keras import PruningSummaries, UpdatePruningStep

    plain = pruning.callbacks()
    assert len(plain) == 1 and isinstance(plain[0], UpdatePruningStep)
    with_summaries = pruning.callbacks(log_dir="/tmp/tflite_sparse_logs")
    assert isinstance(with_summaries[1], PruningSummaries)


def test_prune_shares_untouched_layers_and_leaves_original_intact():
    model = models.mobilenet_v1(0.25, (32, 32, 3), 10)
    pruned = pruning.prune(model, 0.5, begin_step=0, end_step=4, frequency=1)
    assert pruned.get_layer("conv1") is model.get_layer("conv1")
    assert not any("prune" in layer.name for layer in model.layers)


class _Subclassed(tf_keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = tf_keras.layers.Conv2D(8, 1)

    def call(self, x):
        return self.conv(x)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(target_sparsity=1.0), r"outside \[0, 1\)"),
        (dict(target_sparsity=-0.1), r"outside \[0, 1\)"),
        (dict(target_sparsity=float("nan")), r"outside \[0, 1\)"),
        (dict(begin_step=100, end_step=100), "begin_step=100 must be smaller than end_step=100"),
        (dict(begin_step=-1), "begin_step=-1"),
        (dict(frequency=0), "frequency"),
        (dict(frequency=500), "frequency=500 is longer"),
        (dict(layers=["conv_dw_2"]), "'conv_dw_2' .*DepthwiseConv2D.* cannot be pruned"),
        (dict(layers=["conv1"]), "'conv1' .*kernel 3x3.* cannot be pruned"),
        (dict(layers=["conv_pw_2_bn"]), "cannot be pruned"),
        (dict(layers=["conv_pw_99"]), "no layer named 'conv_pw_99'"),
        (dict(block=3), "block=3 is not supported"),
        (dict(block=lambda layer: 8), "returned 8"),
    ],
)
def test_bad_input_is_explained(kwargs, message):
    model = models.mobilenet_v1(0.25, (32, 32, 3), 10)
    args = dict(target_sparsity=0.9, begin_step=0, end_step=100, frequency=10)
    args.update(kwargs)
    target = args.pop("target_sparsity")
    with pytest.raises(PruningError, match=message):
        pruning.prune(model, target, **args)


def test_subclassed_model_is_refused_with_advice():
    model = _Subclassed()
    model(np.zeros((1, 4, 4, 3), "float32"))
    with pytest.raises(PruningError, match="subclassed model.*functional API"):
        pruning.prune(model, 0.9, begin_step=0, end_step=10)


def test_already_wrapped_and_unbuilt_models_are_refused():
    model = models.mobilenet_v1(0.25, (32, 32, 3), 10)
    pruned = pruning.prune(model, 0.5, begin_step=0, end_step=4, frequency=1)
    with pytest.raises(PruningError, match="already has pruning wrappers"):
        pruning.prune(pruned, 0.5, begin_step=0, end_step=4, frequency=1)
    unbuilt = tf_keras.Sequential([tf_keras.layers.Conv2D(8, 1)])
    with pytest.raises(PruningError, match="not built"):
        pruning.prune(unbuilt, 0.5, begin_step=0, end_step=4, frequency=1)
    with pytest.raises(PruningError, match="tf_keras.Model"):
        pruning.prune("model.h5", 0.5, begin_step=0, end_step=4, frequency=1)


def test_paper_window_is_the_papers_proportions():
    """§4.2: MobileNets prune from step 28,000 to 112,000 of 152,000."""
    from tflite_sparse.pruning import PAPER_WINDOW, paper_window

    assert PAPER_WINDOW == pytest.approx((0.184, 0.737), abs=1e-3)
    begin, end = paper_window(152_000, frequency=2000)
    assert begin == 28_000 and end == 112_000
    begin, end = paper_window(10_000, frequency=100)
    assert (begin, end) == (1842, 7342)
    with pytest.raises(PruningError, match="total_steps"):
        paper_window(100, frequency=100)


def test_preset_sparsity_per_family():
    """Table 1: MobileNet v1 90%, MobileNet v2 and EfficientNet 85%."""
    from tflite_sparse.pruning import PRESET_SPARSITY

    assert PRESET_SPARSITY["mobilenet_v1"] == 0.9
    assert PRESET_SPARSITY["mobilenet_v2"] == 0.85
    assert PRESET_SPARSITY["efficientnet"] == 0.85
