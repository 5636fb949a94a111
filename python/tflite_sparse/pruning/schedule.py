"""The gradual pruning schedule of Zhu & Gupta (2017), via tfmot's PolynomialDecay."""

from __future__ import annotations

import logging
import math

from tflite_sparse.pruning.policy import PruningError

logger = logging.getLogger(__name__)

# The paper's pruning window (§4.2) as fractions of training: MobileNets
# train 4 x 38,000 = 152,000 steps and prune from step 28,000 to 112,000.
PAPER_WINDOW = (28_000 / 152_000, 112_000 / 152_000)  # ~18% .. ~74%


def paper_window(total_steps: int, frequency: int = 100) -> tuple[int, int]:
    """(begin_step, end_step) of the paper's window for ``total_steps`` of
    training, end aligned to a mask update of ``frequency``."""
    if int(total_steps) != total_steps or total_steps < 4 * frequency:
        raise PruningError(
            f"total_steps={total_steps!r} must be a whole number of training steps of at least "
            f"4 x frequency ({4 * frequency}) so that the window holds several mask updates"
        )
    begin = int(round(PAPER_WINDOW[0] * total_steps))
    end = begin + (int(round(PAPER_WINDOW[1] * total_steps)) - begin) // frequency * frequency
    return begin, end


def check_target(target_sparsity: float) -> float:
    """Validates a final sparsity (fraction of zero weights)."""
    try:
        value = float(target_sparsity)
    except (TypeError, ValueError):
        raise PruningError(f"target_sparsity={target_sparsity!r} is not a number") from None
    if not 0.0 <= value < 1.0 or math.isnan(value):
        raise PruningError(
            f"target_sparsity={target_sparsity!r} is outside [0, 1): it is the fraction of "
            "weights set to zero, e.g. 0.9 for the paper's 90% sparse MobileNet v1"
        )
    return value


def polynomial_decay(
    target_sparsity: float,
    *,
    begin_step: int,
    end_step: int,
    frequency: int,
    initial_sparsity: float = 0.0,
    power: int = 3,
):
    """A tfmot PolynomialDecay schedule from ``initial_sparsity`` to ``target_sparsity``.

    Sparsity follows s_f + (s_i - s_f)(1 - t)^power over [begin_step, end_step]
    with the mask updated every ``frequency`` steps. tfmot only updates on steps
    begin_step + k * frequency, so ``end_step`` is moved down to the last such
    step (logged) to make sure the target is reached. Steps count training
    batches from the start of ``fit`` on the pruned model.
    """
    from tensorflow_model_optimization.sparsity.keras import PolynomialDecay

    target = check_target(target_sparsity)
    initial = check_target(initial_sparsity)
    for name, value in (("begin_step", begin_step), ("end_step", end_step), ("frequency", frequency)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise PruningError(f"{name}={value!r} must be an integer number of training steps")
    if begin_step < 0:
        raise PruningError(f"begin_step={begin_step} must be >= 0 (a training step)")
    if begin_step >= end_step:
        raise PruningError(
            f"begin_step={begin_step} must be smaller than end_step={end_step}: pruning "
            "ramps the sparsity up between the two; the paper begins at ~18% and ends at "
            "~74% of training steps (pruning.paper_window(total_steps))"
        )
    if frequency < 1:
        raise PruningError(f"frequency={frequency} must be >= 1 (steps between mask updates)")
    if initial > target:
        raise PruningError(
            f"initial_sparsity={initial} is above target_sparsity={target}"
        )
    last_turn = begin_step + (end_step - begin_step) // frequency * frequency
    if last_turn == begin_step:
        raise PruningError(
            f"frequency={frequency} is longer than the pruning window begin_step={begin_step}"
            f"..end_step={end_step}: the mask would be updated only once. Use a frequency "
            f"of at most {(end_step - begin_step) // 2 or 1} steps"
        )
    if last_turn != end_step:
        logger.info(
            "end_step %d moved to %d, the last mask update of frequency %d from step %d",
            end_step, last_turn, frequency, begin_step,
        )
    return PolynomialDecay(
        initial_sparsity=initial,
        final_sparsity=target,
        begin_step=begin_step,
        end_step=last_turn,
        power=power,
        frequency=frequency,
    )
