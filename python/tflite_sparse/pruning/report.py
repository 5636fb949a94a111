"""Per-layer sparsity and output-channel block of a pruned (or stripped) model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tflite_sparse.pruning.policy import (
    classify,
    unwrap,
)


@dataclass(frozen=True)
class LayerSparsity:
    """Sparsity of one convolution or Dense layer.

    ``block`` is the wrapper's output-channel block for a layer being pruned,
    and for other layers the largest of 4, 2, 1 whose blocks explain all of
    the layer's zeros (so a stripped model reports the block it was pruned
    with). ``target`` is the wrapper's final sparsity (None if not wrapped).
    """

    name: str
    kind: str
    kernel_shape: tuple[int, ...]
    wrapped: bool
    block: int
    sparsity: float
    target: float | None


def output_channel_blocks(kernel: np.ndarray, block: int) -> np.ndarray:
    """Kernel as [inputs, outputs / block, block]: consecutive output channels grouped.

    The last axis of a Keras kernel ([kh, kw, in, out] or [in, out]) is the
    output channel, the first axis of TFLite's OHWI / [O, I] weights.
    """
    outputs = kernel.shape[-1]
    if outputs % block:
        raise ValueError(f"{outputs} output channels do not split into blocks of {block}")
    return kernel.reshape(-1, outputs // block, block)


def detect_block(kernel: np.ndarray) -> int:
    """Largest block in (4, 2) whose all-zero blocks hold every zero weight, else 1."""
    zeros = kernel == 0
    total = int(zeros.sum())
    if total == 0:
        return 1
    for block in (4, 2):
        if kernel.shape[-1] % block:
            continue
        grouped = output_channel_blocks(zeros, block)
        if int(grouped.all(axis=-1).sum()) * block == total:
            return block
    return 1


def report(model) -> list[LayerSparsity]:
    """Sparsity and block of every convolution / Dense layer of ``model``.

    Works on a model returned by :func:`tflite_sparse.pruning.prune` (during or
    after training) and on a stripped one.
    """
    from tensorflow_model_optimization.python.core.sparsity.keras.pruning_wrapper import PruneLowMagnitude

    rows = []
    for layer, kind in classify(model):
        inner = unwrap(layer)
        weight = getattr(inner, "kernel", None)
        if weight is None:  # DepthwiseConv2D, SeparableConv2D
            weight = getattr(inner, "depthwise_kernel")
        kernel = np.asarray(weight.numpy())
        wrapped = isinstance(layer, PruneLowMagnitude)
        if wrapped:
            block = int(layer.block_size[1])
            target = float(layer.pruning_schedule.get_config()["config"].get("final_sparsity", 0.0))
        else:
            block = detect_block(kernel)
            target = None
        rows.append(
            LayerSparsity(
                name=inner.name,
                kind=kind,
                kernel_shape=tuple(int(d) for d in kernel.shape),
                wrapped=wrapped,
                block=block,
                sparsity=float(np.mean(kernel == 0)),
                target=target,
            )
        )
    return rows


def format_report(rows: list[LayerSparsity]) -> str:
    """A text table of :func:`report` rows, with the overall sparsity of pruned layers."""
    lines = [f"{'layer':<28} {'kind':<18} {'kernel':<18} {'block':>5} {'sparsity':>9}"]
    for row in rows:
        shape = "x".join(str(d) for d in row.kernel_shape)
        mark = "*" if row.wrapped else " "
        lines.append(
            f"{row.name:<28} {row.kind:<18} {shape:<18} {row.block:>5} "
            f"{row.sparsity:>8.1%}{mark}"
        )
    pruned = [r for r in rows if r.wrapped or r.sparsity > 0.0]
    if pruned:
        weights = sum(int(np.prod(r.kernel_shape)) for r in pruned)
        zeros = sum(r.sparsity * int(np.prod(r.kernel_shape)) for r in pruned)
        lines.append(
            f"{len(pruned)} sparse layers, {zeros / weights:.1%} of their weights zero"
            " (* = wrapped for pruning)"
        )
    return "\n".join(lines)


class PlanTable(list):
    """The list of LayerPlan rows :func:`tflite_sparse.pruning.plan` returns;
    printed (or shown in a REPL) it is the table of :func:`format_plan`."""

    def __str__(self) -> str:
        return format_plan(self)

    __repr__ = __str__


def format_plan(rows) -> str:
    """A text table of :func:`tflite_sparse.pruning.plan` rows: one line per
    weight layer (pruned or not, block, why) and a summary line."""
    header = ("layer", "kind", "prune", "block", "why")
    table = [header] + [
        (row.name, row.kind, "yes" if row.prune else "no", str(row.block) if row.prune else "-", row.reason)
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    lines = [
        f"{line[0]:<{widths[0]}}  {line[1]:<{widths[1]}}  {line[2]:<{widths[2]}}  {line[3]:>{widths[3]}}  {line[4]}"
        for line in table
    ]
    pruned = [row for row in rows if row.prune]
    by_block: dict[int, int] = {}
    for row in pruned:
        by_block[row.block] = by_block.get(row.block, 0) + 1
    blocks = ", ".join(f"{count} in blocks of {block}" for block, count in sorted(by_block.items(), reverse=True))
    lines.append(f"{len(pruned)} of {len(rows)} weight layers pruned" + (f" ({blocks})" if blocks else ""))
    return "\n".join(lines)
