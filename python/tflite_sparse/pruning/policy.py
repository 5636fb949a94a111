"""Which layers to prune, and with which output-channel block (paper §3.1, §4.3).

The delegate runs 1x1 convolutions (stride 1) as sparse matrix x dense
matrix products; those are the layers worth pruning. The paper's rules on top:

- the first full convolution stays dense (it is not 1x1 anyway in MobileNets);
- depthwise convolutions stay dense;
- squeeze-excitation convolutions (1x1 convs on a pooled, 1x1 tensor) stay dense;
- the final classifier stays dense for MobileNet v1/v2, sparse for EfficientNet;
- blocks ("paper"): MobileNet v1 output-channel block 4 at pointwise layers 12
  and 13 (Table 1), MobileNet v2 block 2 from bottleneck 11 on, including the
  final 1x1 convolution (Table 1), EfficientNet and the cache-aware MobileNet v2
  unstructured. "paper-fast" is §4.3's speed-tuned choice: block 4 from
  MobileNet v1 layer 6 and from MobileNet v2 bottleneck 11 on.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

logger = logging.getLogger(__name__)

BlockRule = Union[str, int, Callable[[Any], int]]
BLOCK_SIZES = (1, 2, 4)
PAPER_RULES = ("paper", "paper-fast")
ARCHITECTURES = (
    "mobilenet_v1",
    "mobilenet_v2",
    "cache_aware_mobilenet_v2",
    "efficientnet",
    "generic",
)

# kinds of weight layers
POINTWISE = "pointwise"  # 1x1 stride-1 conv on a spatial tensor: pruned
CLASSIFIER = "classifier"  # the last Dense / 1x1 conv on a pooled tensor
FIRST_CONV = "first_conv"
SQUEEZE_EXCITATION = "squeeze_excitation"
DEPTHWISE = "depthwise"
CONV = "conv"  # any other convolution (3x3, strided 1x1, ...)
DENSE = "dense"  # a Dense layer that is not the classifier

_MBV1_LAYER = re.compile(r"conv_pw_(\d+)$")
_MBV2_LAYER = re.compile(r"block_(\d+)_(expand|project)$")


class PruningError(ValueError):
    """A model or argument that :func:`tflite_sparse.pruning.prune` cannot use."""


@dataclass(frozen=True)
class LayerPlan:
    """What :func:`prune` does with one weight layer.

    ``block`` is the output-channel block size (consecutive output channels
    zeroed together, the TFLite OHWI / [O, I] row layout); 1 when not pruned.
    """

    name: str
    kind: str
    prune: bool
    block: int
    reason: str


def keras():
    """The tf_keras module (tfmot works with Keras 2 only)."""
    import tf_keras

    return tf_keras


def flat_layers(model) -> Iterator[Any]:
    """Layers of ``model`` in topological order, descending into nested models."""
    tf_keras = keras()
    for layer in model.layers:
        if isinstance(layer, tf_keras.Model):
            yield from flat_layers(layer)
        else:
            yield layer


def unwrap(layer):
    """The layer inside a tfmot pruning wrapper (or the layer itself)."""
    from tensorflow_model_optimization.python.core.sparsity.keras.pruning_wrapper import PruneLowMagnitude

    return layer.layer if isinstance(layer, PruneLowMagnitude) else layer


def check_model(model) -> None:
    """Raises PruningError unless ``model`` is a built functional/Sequential tf_keras model."""
    tf_keras = keras()
    if not isinstance(model, tf_keras.Model):
        module = type(model).__module__
        if module.startswith("keras"):
            raise PruningError(
                f"{type(model).__name__} is a Keras 3 model, but tfmot prunes only Keras 2 "
                "(tf_keras) models: set os.environ['TF_USE_LEGACY_KERAS'] = '1' before "
                "importing tensorflow and build the model with tf_keras"
            )
        raise PruningError(
            f"prune() takes a tf_keras.Model, not {type(model).__name__}"
        )
    if not isinstance(model, tf_keras.Sequential) and not getattr(
        model, "_is_graph_network", False
    ):
        raise PruningError(
            f"{type(model).__name__} is a subclassed model: its layers cannot be cloned "
            "and wrapped. Rebuild it with the functional API (tf_keras.Model(inputs, "
            "outputs)) or as a tf_keras.Sequential, or wrap its 1x1 Conv2D layers yourself "
            "with tfmot.sparsity.keras.prune_low_magnitude inside the subclass"
        )
    if not model.built:
        raise PruningError(
            f"model {model.name!r} is not built: give its first layer an input_shape "
            "(or call model.build((None, height, width, channels))) before pruning"
        )
    from tensorflow_model_optimization.python.core.sparsity.keras.pruning_wrapper import PruneLowMagnitude

    wrapped = [layer.name for layer in flat_layers(model) if isinstance(layer, PruneLowMagnitude)]
    if wrapped:
        raise PruningError(
            f"model {model.name!r} already has pruning wrappers ({', '.join(wrapped[:3])}"
            f"{', ...' if len(wrapped) > 3 else ''}): train it as it is, or call "
            "tflite_sparse.pruning.strip(model) first"
        )


def detect_architecture(model) -> str:
    """One of ARCHITECTURES, from the layer names Keras applications use."""
    names = [layer.name for layer in flat_layers(model)]
    if any(_MBV1_LAYER.match(name) for name in names):
        return "mobilenet_v1"
    if any(name.endswith("_se_reduce") for name in names):
        return "efficientnet"
    if any(_MBV2_LAYER.match(name) for name in names):
        if model.name.startswith("cache_aware"):
            return "cache_aware_mobilenet_v2"
        return "mobilenet_v2"
    return "generic"


def _input_spatial(layer) -> tuple | None:
    """The (height, width) of a layer's first input, or None if unknown."""
    try:
        shape = layer.get_input_shape_at(0)
    except (AttributeError, RuntimeError, ValueError):
        return None
    if isinstance(shape, list):
        shape = shape[0]
    if shape is None or len(shape) != 4:
        return None
    return tuple(shape[1:3])


def _fed_by_global_pool(layer, depth: int = 0) -> bool | None:
    """Whether a layer's input comes from a global pooling (through reshapes,
    activations, dropout and other 1x1 convs / Dense layers): true for
    squeeze-excitation convolutions and classifiers. None if the graph does
    not say (no inbound node).
    """
    layers = keras().layers
    nodes = getattr(layer, "_inbound_nodes", None)
    if not nodes or depth > 16:
        return None
    inbound = nodes[0].inbound_layers
    if isinstance(inbound, (list, tuple)):
        if len(inbound) != 1:
            return False
        inbound = inbound[0]
    inner = unwrap(inbound)
    if isinstance(inner, (layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D)):
        return True
    passthrough = (
        layers.Reshape, layers.Dropout, layers.Activation, layers.ReLU,
        layers.Flatten, layers.BatchNormalization, layers.Dense,
    )
    if isinstance(inner, passthrough) or _is_pointwise(inner):
        return bool(_fed_by_global_pool(inbound, depth + 1))
    return False


def _is_pointwise(layer) -> bool:
    """A plain 1x1, stride-1, undilated, ungrouped Conv2D."""
    tf_keras = keras()
    layers = tf_keras.layers
    if not isinstance(layer, layers.Conv2D) or isinstance(
        layer, (layers.DepthwiseConv2D, layers.Conv2DTranspose, layers.SeparableConv2D)
    ):
        return False
    return (
        tuple(layer.kernel_size) == (1, 1)
        and tuple(layer.strides) == (1, 1)
        and tuple(layer.dilation_rate) == (1, 1)
        and getattr(layer, "groups", 1) == 1
    )


def classify(model) -> list[tuple[Any, str]]:
    """(layer, kind) for every convolution and Dense layer, in topological order.

    Layers inside tfmot pruning wrappers are classified as the layer they wrap
    (the wrapper is what is returned).
    """
    tf_keras = keras()
    layers = tf_keras.layers
    weight_types = (
        layers.Conv1D, layers.Conv2D, layers.Conv3D, layers.DepthwiseConv2D,
        layers.SeparableConv2D, layers.Dense,
    )
    weight_layers = [
        layer for layer in flat_layers(model) if isinstance(unwrap(layer), weight_types)
    ]
    result = []
    for position, layer in enumerate(weight_layers):
        inner = unwrap(layer)
        last = position == len(weight_layers) - 1
        if isinstance(inner, (layers.DepthwiseConv2D, layers.SeparableConv2D)):
            kind = DEPTHWISE
        elif position == 0 and not isinstance(inner, layers.Dense):
            kind = FIRST_CONV
        elif isinstance(inner, layers.Dense):
            kind = CLASSIFIER if last else DENSE
        elif _is_pointwise(inner):
            pooled = _fed_by_global_pool(layer)
            if pooled is None:
                pooled = _input_spatial(layer) == (1, 1)
            if pooled:
                kind = CLASSIFIER if last else SQUEEZE_EXCITATION
            else:
                kind = POINTWISE
        else:
            kind = CONV
        result.append((layer, kind))
    return result


def _stage_indices(classified: Sequence[tuple[Any, str]], architecture: str) -> dict[int, int]:
    """id(layer) -> the paper's layer/bottleneck number (MobileNet v1/v2 only).

    A layer without a number of its own (MobileNet v2's final ``Conv_1``)
    takes the number of the last numbered layer before it.
    """
    pattern = {"mobilenet_v1": _MBV1_LAYER, "mobilenet_v2": _MBV2_LAYER}.get(architecture)
    if pattern is None:
        return {}
    indices: dict[int, int] = {}
    current = 0
    for layer, _ in classified:
        match = pattern.match(layer.name)
        if match:
            current = int(match.group(1))
        indices[id(layer)] = current
    return indices


def paper_block(architecture: str, stage: int, rule: str = "paper") -> int:
    """The paper's output-channel block for a pointwise layer at ``stage``."""
    if architecture == "mobilenet_v1":
        first_blocked = 12 if rule == "paper" else 6
        return 4 if stage >= first_blocked else 1
    if architecture == "mobilenet_v2":
        if stage >= 11:
            return 2 if rule == "paper" else 4
        return 1
    return 1


def _fit_block(layer, block: int) -> int:
    """``block`` reduced until it divides the layer's output channels."""
    kernel_shape = tuple(unwrap(layer).kernel.shape)
    outputs, inputs = kernel_shape[-1], int(_prod(kernel_shape[:-1]))
    fitted = block
    while fitted > 1 and (outputs % fitted or outputs < 2 or inputs < 2):
        fitted //= 2
    if fitted != block:
        logger.warning(
            "layer %s has %d output channels: using output-channel block %d instead of %d",
            layer.name, outputs, fitted, block,
        )
    return fitted


def _prod(values: Iterable[int]) -> int:
    result = 1
    for value in values:
        result *= int(value)
    return result


def _check_block_rule(block: BlockRule) -> None:
    if callable(block) or block in PAPER_RULES:
        return
    if isinstance(block, bool) or block not in BLOCK_SIZES:
        raise PruningError(
            f"block={block!r} is not supported: use 'paper', 'paper-fast', one of "
            f"{BLOCK_SIZES} (output channels zeroed together), or a function "
            "layer -> 1|2|4"
        )


def _reason_for(kind: str, architecture: str) -> str:
    return {
        POINTWISE: "1x1 convolution: runs sparse in the delegate",
        CLASSIFIER: (
            "classifier: sparse for EfficientNet (paper §3.1)"
            if architecture == "efficientnet"
            else "classifier: kept dense (paper §3.1); prune_classifier=True prunes it"
        ),
        FIRST_CONV: "first full convolution: kept dense (paper §3.1)",
        SQUEEZE_EXCITATION: "1x1 convolution on a pooled tensor (squeeze-excitation): kept dense",
        DEPTHWISE: "depthwise convolution: kept dense",
        CONV: "not a 1x1 stride-1 convolution: the delegate runs it dense",
        DENSE: "Dense layer before the classifier: the delegate does not run it",
    }[kind]


def _explain_unprunable(layer, kind: str) -> str:
    inner = unwrap(layer)
    detail = type(inner).__name__
    if hasattr(inner, "kernel_size"):
        detail += f" with kernel {'x'.join(str(k) for k in inner.kernel_size)}"
        detail += f", strides {'x'.join(str(s) for s in inner.strides)}"
    return (
        f"layer {layer.name!r} ({detail}) cannot be pruned for sparse inference: "
        "the delegate runs only 1x1 stride-1 Conv2D layers (and the classifier) "
        "sparse. Remove it from layers=, or pass layers=None for the paper's choice"
    )


def plan(
    model,
    *,
    block: BlockRule = "paper",
    prune_classifier: bool | None = None,
    layers: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    architecture: str | None = None,
) -> list[LayerPlan]:
    """Decides, for every convolution and Dense layer, whether and how to prune it.

    ``layers`` names the layers to prune instead of the paper's choice (each
    must be a 1x1 stride-1 Conv2D or a Dense layer); ``exclude`` names layers
    to keep dense; ``prune_classifier`` overrides the paper's classifier rule;
    ``architecture`` overrides detection (one of ARCHITECTURES). Returns one
    LayerPlan per convolution / Dense layer, in topological order.
    """
    check_model(model)
    _check_block_rule(block)
    arch = architecture or detect_architecture(model)
    if arch not in ARCHITECTURES:
        raise PruningError(f"architecture={arch!r} is not one of {', '.join(ARCHITECTURES)}")
    classified = classify(model)
    by_name = {layer.name: (layer, kind) for layer, kind in classified}
    all_names = {layer.name for layer in flat_layers(model)}
    for name in list(layers or []) + list(exclude):
        if name not in all_names:
            close = [n for n in all_names if name.lower() in n.lower()][:5]
            hint = f" (similar: {', '.join(sorted(close))})" if close else ""
            raise PruningError(
                f"model {model.name!r} has no layer named {name!r}{hint}; "
                "see tflite_sparse.pruning.plan(model) for the layer names"
            )
        if name not in by_name:
            layer = next(l for l in flat_layers(model) if l.name == name)
            raise PruningError(_explain_unprunable(layer, "other"))
    chosen = set(layers) if layers is not None else None
    excluded = set(exclude)
    if prune_classifier is None:
        prune_classifier = arch == "efficientnet"
    stages = _stage_indices(classified, arch)

    result = []
    for layer, kind in classified:
        if chosen is not None:
            if layer.name in chosen and kind in (DEPTHWISE, FIRST_CONV, CONV):
                if not (kind == FIRST_CONV and _is_pointwise(layer)):
                    raise PruningError(_explain_unprunable(layer, kind))
            wanted = layer.name in chosen
            reason = "named in layers=" if wanted else "not named in layers="
        else:
            wanted = kind == POINTWISE or (kind == CLASSIFIER and prune_classifier)
            reason = _reason_for(kind, arch)
            if kind == CLASSIFIER and prune_classifier and arch != "efficientnet":
                reason = "classifier: pruned (prune_classifier=True)"
        if layer.name in excluded:
            wanted, reason = False, "named in exclude="
        size = 1
        if wanted:
            if callable(block):
                size = block(layer)
                if size not in BLOCK_SIZES:
                    raise PruningError(
                        f"the block function returned {size!r} for layer {layer.name!r}; "
                        f"it must return one of {BLOCK_SIZES}"
                    )
            elif block in PAPER_RULES:
                size = 1 if kind == CLASSIFIER else paper_block(arch, stages.get(id(layer), 0), block)
            else:
                size = int(block)
            size = _fit_block(layer, size)
        result.append(LayerPlan(layer.name, kind, wanted, size, reason))
    if not any(item.prune for item in result):
        raise PruningError(
            f"nothing to prune in model {model.name!r}: it has no 1x1 stride-1 Conv2D "
            "layers after the first convolution. Name layers explicitly with layers=[...] "
            "or pass prune_classifier=True"
        )
    logger.info(
        "pruning %d of %d weight layers of %s (%s rules, architecture %s)",
        sum(item.prune for item in result), len(result), model.name, block, arch,
    )
    return result
