"""Shared argument checks for the model builders."""

from __future__ import annotations

from typing import Sequence


def check_shape(input_shape: Sequence[int] | None, default: int) -> tuple[int, int, int]:
    """Validates an HWC input shape (``None`` means ``default`` x ``default`` x 3)."""
    if input_shape is None:
        return (default, default, 3)
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"input_shape={tuple(input_shape)!r} must be (height, width, channels) "
            "with positive sizes, e.g. (224, 224, 3)"
        )
    if shape[0] < 32 or shape[1] < 32:
        raise ValueError(
            f"input_shape={shape!r} is too small: these networks downsample 32x, "
            "use at least 32x32 (upscale small images first)"
        )
    return shape


def check_alpha(alpha: float) -> float:
    """Validates a width multiplier."""
    if not alpha > 0:
        raise ValueError(f"alpha={alpha!r} must be a positive width multiplier, e.g. 1.0 or 1.4")
    return float(alpha)


def check_classes(classes: int) -> int:
    """Validates a class count."""
    if int(classes) < 1:
        raise ValueError(f"classes={classes!r} must be a positive number of classes")
    return int(classes)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Rounds a channel count to a multiple of ``divisor`` as MobileNet v2 does."""
    new_value = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return new_value
