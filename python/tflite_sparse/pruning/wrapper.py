"""tfmot's pruning wrapper, allowed to prune 1x1 convolutions in output-channel blocks.

tfmot's block pruning (``block_size``) already squeezes a weight to 2-D and
pools (block_height, block_width) windows of it, but it refuses any weight that
is not 2-D, which rules out every Conv2D kernel ([1, 1, in, out]). A 1x1
kernel squeezes to [in, out], so tfmot's own block pruning applies to it
unchanged: block (1, b) zeroes b consecutive output channels of one input
channel, i.e. b consecutive rows of TFLite's OHWI weights. This wrapper only
lifts the rank check for such kernels; masks, thresholds, schedules and the
distributed updates are tfmot's.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import tf_keras  # noqa: E402
from tensorflow_model_optimization.python.core.sparsity.keras import (  # noqa: E402
    pruning_impl,
    pruning_schedule as tfmot_schedule,
)
from tensorflow_model_optimization.python.core.sparsity.keras.pruning_wrapper import (  # noqa: E402
    PruneLowMagnitude,
)


class _OutputBlockPruning(pruning_impl.Pruning):
    """tfmot's Pruning, with block masks for weights that squeeze to 2-D."""

    def _validate_block(self):
        if self._block_size == [1, 1]:
            return
        for weight, _, _ in self._pruning_vars:
            squeezed = [d for d in weight.get_shape().as_list() if d != 1]
            if len(squeezed) != 2:
                raise ValueError(
                    f"output-channel blocks need a weight that squeezes to [inputs, outputs]; "
                    f"{weight.name} has shape {weight.get_shape().as_list()}"
                )


@tf_keras.utils.register_keras_serializable(package="tflite_sparse")
class PruneLowMagnitudeOutputBlocks(PruneLowMagnitude):
    """A tfmot PruneLowMagnitude wrapper for a 1x1 conv pruned in output-channel blocks.

    ``block_size`` is (1, b) as for tfmot's 2-D weights. It is a
    PruneLowMagnitude, so tfmot's callbacks, ``strip_pruning`` and summaries
    treat it as their own.
    """

    def build(self, input_shape):
        block_size = self.block_size
        self.block_size = (1, 1)  # let tfmot's build pass its 2-D check
        try:
            super().build(input_shape)
        finally:
            self.block_size = block_size
        self.pruning_obj = _OutputBlockPruning(
            training_step_fn=lambda: self.pruning_step,
            pruning_vars=self.pruning_vars,
            pruning_schedule=self.pruning_schedule,
            block_size=self.block_size,
            sparsity_m_by_n=self.sparsity_m_by_n,
            block_pooling_type=self.block_pooling_type,
        )

    @classmethod
    def from_config(cls, config):
        config = config.copy()
        schedule = config.pop("pruning_schedule")
        config["pruning_schedule"] = tf_keras.utils.deserialize_keras_object(
            schedule,
            module_objects=globals(),
            custom_objects={
                "ConstantSparsity": tfmot_schedule.ConstantSparsity,
                "PolynomialDecay": tfmot_schedule.PolynomialDecay,
            },
        )
        config["layer"] = tf_keras.layers.deserialize(config.pop("layer"))
        return cls(**config)
