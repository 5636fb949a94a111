"""Pruning Keras models for the tflite-sparse delegate, on top of tfmot.

Typical use::

    from tflite_sparse import pruning

    pruned = pruning.prune(model, 0.9, begin_step=2000, end_step=8000, frequency=100)
    pruned.compile(...)
    pruned.fit(..., callbacks=pruning.callbacks())
    print(pruning.format_report(pruning.report(pruned)))
    final = pruning.strip(pruned)            # plain Keras layers, sparse weights
    tflite_bytes = tflite_sparse.convert(final, sparse=True)

:func:`prune` wraps exactly the layers the delegate runs sparse (1x1 stride-1
convolutions, and the classifier where the paper prunes it) with
``tfmot.sparsity.keras.prune_low_magnitude`` on a Zhu & Gupta polynomial
schedule, with output-channel blocks in the TFLite weight layout. Magnitude
pruning itself is tfmot's.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Iterable

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tflite_sparse.pruning.policy import (  # noqa: E402
    ARCHITECTURES,
    BLOCK_SIZES,
    BlockRule,
    LayerPlan,
    PruningError,
    check_model,
    detect_architecture,
)
from tflite_sparse.pruning import policy as _policy  # noqa: E402
from tflite_sparse.pruning.report import (  # noqa: E402
    LayerSparsity,
    PlanTable,
    detect_block,
    format_plan,
    format_report,
    output_channel_blocks,
    report,
)
from tflite_sparse.pruning.schedule import (  # noqa: E402
    PAPER_WINDOW,
    check_target,
    paper_window,
    polynomial_decay,
)
from tflite_sparse.pruning.wrapper import PruneLowMagnitudeOutputBlocks  # noqa: E402

logger = logging.getLogger(__name__)

# Table 1's sparsity per family: MobileNet v1 90%, MobileNet v2 and
# EfficientNet 85%. Other models get 90% (a starting point, not a finding).
PRESET_SPARSITY = {
    "mobilenet_v1": 0.9,
    "mobilenet_v2": 0.85,
    "cache_aware_mobilenet_v2": 0.85,
    "efficientnet": 0.85,
    "generic": 0.9,
}

__all__ = [
    "ARCHITECTURES",
    "PAPER_WINDOW",
    "PRESET_SPARSITY",
    "paper_window",
    "preset_sparsity",
    "BLOCK_SIZES",
    "LayerPlan",
    "LayerSparsity",
    "PlanTable",
    "PruneLowMagnitudeOutputBlocks",
    "PruningError",
    "callbacks",
    "detect_architecture",
    "detect_block",
    "format_plan",
    "format_report",
    "output_channel_blocks",
    "plan",
    "prune",
    "report",
    "strip",
]


def preset_sparsity(model, architecture: str | None = None) -> float:
    """The paper's target sparsity for the model's family (PRESET_SPARSITY)."""
    return PRESET_SPARSITY[architecture or detect_architecture(model)]


@functools.wraps(_policy.plan)
def plan(model, **options) -> PlanTable:
    # the policy's rows, as a list that prints as a table (format_plan)
    return PlanTable(_policy.plan(model, **options))


plan.__doc__ = (plan.__doc__ or "") + """
    The list prints as a table (``print(pruning.plan(model))``; the same as
    ``format_plan``); the ``tflite plan MODEL`` command shows it too.
    """


def prune(
    model,
    target_sparsity: float | None = None,
    *,
    begin_step: int | None = None,
    end_step: int | None = None,
    total_steps: int | None = None,
    frequency: int = 100,
    block: BlockRule = "paper",
    prune_classifier: bool | None = None,
    layers: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    architecture: str | None = None,
    initial_sparsity: float = 0.0,
    power: int = 3,
):
    """Wraps the layers the delegate runs sparse with tfmot's magnitude pruning.

    Args:
      model: a built functional or Sequential ``tf_keras`` model (e.g. from
        ``tf_keras.applications`` or :mod:`tflite_sparse.models`).
      target_sparsity: final fraction of zero weights in each pruned layer, in
        [0, 1); default: the paper's for the family (PRESET_SPARSITY: MobileNet
        v1 90%, MobileNet v2 and EfficientNet 85%).
      begin_step, end_step: training steps (batches, counted from the start of
        ``fit`` on the returned model) over which sparsity ramps up polynomially
        (Zhu & Gupta, power 3). Train for more than ``end_step`` steps.
      total_steps: instead of begin_step/end_step, the length of training: the
        window is then the paper's, ~18% to ~74% of it (``paper_window``).
      frequency: steps between mask updates.
      block: output-channel block size: "paper" (Table 1: MobileNet v1 block 4 at
        pointwise layers 12-13, MobileNet v2 block 2 from bottleneck 11,
        EfficientNet and cache-aware MobileNet v2 unstructured), "paper-fast"
        (§4.3: block 4 from MobileNet v1 layer 6 / MobileNet v2 bottleneck 11),
        1, 2 or 4 for every pruned layer, or a function ``layer -> 1|2|4``.
        A block of b zeroes b consecutive output channels of one input channel
        together (b consecutive rows of TFLite's [O, I] weight matrix).
      prune_classifier: prune the final classifier too (default: the paper's
        rule, only for EfficientNet).
      layers: names of the layers to prune instead of the paper's choice.
      exclude: names of layers to keep dense.
      architecture: override the detected architecture (see ARCHITECTURES).
      initial_sparsity, power: of the polynomial schedule.

    Returns:
      A new model with pruning wrappers. Its other layers are the original
      layer objects (weights are shared, as with tfmot). Compile it, and train
      with ``callbacks=tflite_sparse.pruning.callbacks()``. Under a
      ``tf.distribute`` strategy, build and prune the model inside
      ``strategy.scope()``.

    Raises:
      PruningError: on a subclassed or unbuilt model, a target outside [0, 1),
        begin_step >= end_step, or a named layer that cannot be pruned.
    """
    from tensorflow_model_optimization.sparsity.keras import prune_low_magnitude

    from tflite_sparse.pruning.policy import keras

    check_model(model)
    if target_sparsity is None:
        target_sparsity = preset_sparsity(model, architecture)
    if begin_step is None and end_step is None and total_steps is not None:
        begin_step, end_step = paper_window(total_steps, frequency)
    elif begin_step is None or end_step is None:
        raise PruningError(
            "prune() needs begin_step and end_step, or total_steps for the paper's window "
            "(~18% to ~74% of training)"
        )
    target = check_target(target_sparsity)
    schedule = polynomial_decay(
        target,
        begin_step=begin_step,
        end_step=end_step,
        frequency=frequency,
        initial_sparsity=initial_sparsity,
        power=power,
    )
    decisions = plan(
        model,
        block=block,
        prune_classifier=prune_classifier,
        layers=layers,
        exclude=exclude,
        architecture=architecture,
    )
    from tflite_sparse.pruning.policy import flat_layers

    by_name = {layer.name: layer for layer in flat_layers(model)}
    blocks = {id(by_name[d.name]): d.block for d in decisions if d.prune}
    tf_keras = keras()

    def clone(layer):
        if isinstance(layer, tf_keras.Model):
            return tf_keras.models.clone_model(layer, clone_function=clone)
        if id(layer) not in blocks:
            return layer
        # tfmot squeezes a kernel ([1, 1, in, out] or [in, out]) to [in, out]
        # and pools (block_height, block_width) windows of it: (1, b) groups b
        # consecutive output channels (TFLite's OHWI rows).
        size = blocks[id(layer)]
        if size == 1 or len(layer.kernel.shape) == 2:
            return prune_low_magnitude(layer, pruning_schedule=schedule, block_size=(1, size))
        return PruneLowMagnitudeOutputBlocks(
            layer, pruning_schedule=schedule, block_size=(1, size)
        )

    pruned = tf_keras.models.clone_model(model, clone_function=clone)
    logger.info("wrapped %d layers of %s for pruning to %.0f%%", len(blocks), model.name, 100 * target)
    return pruned


def callbacks(log_dir: str | os.PathLike | None = None, update_freq: str | int = "epoch") -> list:
    """Keras callbacks pruning needs: tfmot's step update, and summaries if ``log_dir``.

    ``UpdatePruningStep`` advances the wrappers' step counters and re-applies
    the masks at each epoch end; without it training a pruned model fails.
    ``PruningSummaries`` writes per-layer sparsity to TensorBoard in ``log_dir``.
    """
    from tensorflow_model_optimization.sparsity.keras import PruningSummaries, UpdatePruningStep

    result = [UpdatePruningStep()]
    if log_dir is not None:
        result.append(PruningSummaries(log_dir=os.fspath(log_dir), update_freq=update_freq))
    return result


def strip(model):
    """The model without pruning wrappers: plain Keras layers holding the sparse weights.

    Convert this one (``tflite_sparse.convert(strip(model), sparse=True)``).
    """
    from tensorflow_model_optimization.sparsity.keras import strip_pruning

    from tflite_sparse.pruning.policy import keras

    if not isinstance(model, keras().Model):
        raise PruningError(f"strip() takes a tf_keras.Model, not {type(model).__name__}")
    return strip_pruning(model)
