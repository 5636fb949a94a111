#!/usr/bin/env python3
"""Prune a MobileNet on real images, deploy it sparse, and check nothing was lost.

The data is scikit-learn's handwritten digits (1797 real 8x8 scans of digits
from 43 writers, shipped inside the scikit-learn package: nothing is
downloaded), upscaled to SIZE x SIZE RGB. For every width in --widths:

1. train a dense MobileNet v1 (tflite_sparse.models.mobilenet_v1) from scratch;
2. continue training two copies for the same number of epochs: one stays
   dense (the baseline: same training budget), the other is pruned gradually
   to 90% (tflite_sparse.pruning: paper rules, polynomial schedule on tfmot);
3. convert both with `tflite convert` (the sparse one with --sparse);
4. measure top-1 on the held-out images with stock TFLite (dense) and with
   the tflite-sparse delegate (sparse), check that the delegate's predictions
   agree with stock TFLite on every test image, and time one image.

It prints the table, writes results.json and accuracy_vs_latency.png (the
paper's Figure 1 on this data set) to --out, and exits non-zero if the
sparse top-1 at --alpha falls more than --margin points below the dense one,
or if the delegate disagrees with stock TFLite.

    pip install ".[tf,examples]"
    python examples/prune_and_deploy.py --out prune_and_deploy_out
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

TARGET_SPARSITY = 0.9


@dataclass
class Budget:
    """Training lengths (epochs over the training split) and batch size."""

    dense_epochs: int = 30
    prune_epochs: int = 30
    batch: int = 32
    learning_rate: float = 2e-3


@dataclass
class WidthResult:
    """Measured numbers for one width multiplier."""

    alpha: float
    dense_top1: float  # stock TFLite on the dense .tflite, held-out images
    sparse_top1: float  # tflite-sparse delegate on the sparse .tflite
    dense_keras_top1: float
    sparse_keras_top1: float
    sparsity: float  # zeros / weights over the pruned layers
    dense_ms: float | None = None  # one image, stock TFLite (XNNPACK), 1 thread
    sparse_stock_ms: float | None = None  # the sparse file on stock TFLite
    sparse_ms: float | None = None  # the sparse file with the delegate
    delegate_agrees: bool | None = None  # argmax equal on every test image
    delegate_max_abs_diff: float | None = None
    sparse_nodes: int | None = None  # sparse 1x1 convs the delegate claimed
    files: dict = field(default_factory=dict)


def load_digits(size: int = 64, test_fraction: float = 0.3, seed: int = 0):
    """(x_train, y_train, x_test, y_test): digits as float32 [N, size, size, 3] in [-1, 1]."""
    import tensorflow as tf
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    images = digits.images.astype("float32")[..., None] / 16.0  # [N, 8, 8, 1] in [0, 1]
    images = tf.image.resize(images, (size, size), method="bilinear").numpy()
    images = np.repeat(images * 2.0 - 1.0, 3, axis=-1).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target.astype("int64"), test_size=test_fraction,
        random_state=seed, stratify=digits.target,
    )
    return x_train, y_train, x_test, y_test


def _dataset(x, y, batch: int, seed: int):
    """Shuffled, slightly shifted training batches."""
    import tensorflow as tf

    size = x.shape[1]
    pad = max(1, size // 16)

    def shift(image, label):
        padded = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]], constant_values=-1.0)
        return tf.image.random_crop(padded, (size, size, 3)), label

    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .map(shift, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch)
        .prefetch(tf.data.AUTOTUNE)
    )


def _compile(model, learning_rate: float, steps: int):
    import tf_keras

    schedule = tf_keras.optimizers.schedules.CosineDecay(learning_rate, max(steps, 1), alpha=0.02)
    model.compile(
        optimizer=tf_keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def keras_top1(model, x, y) -> float:
    """Top-1 accuracy in percent of a Keras model."""
    predictions = model.predict(x, batch_size=128, verbose=0)
    return float(100.0 * np.mean(predictions.argmax(-1) == y))


def train_dense(alpha: float, data, budget: Budget, *, verbose: int = 1, seed: int = 0):
    """A MobileNet v1 of width ``alpha`` trained from scratch on the training split."""
    import tf_keras

    from tflite_sparse import models

    x_train, y_train, _, _ = data
    tf_keras.utils.set_random_seed(seed)
    model = models.mobilenet_v1(alpha, x_train.shape[1:], 10, dropout=0.1)
    for layer in model.layers:
        # Keras's 0.99 lags too far behind for a few hundred steps: the moving
        # statistics used at inference would not match the trained weights.
        if isinstance(layer, tf_keras.layers.BatchNormalization):
            layer.momentum = 0.9
    steps_per_epoch = -(-len(x_train) // budget.batch)
    _compile(model, budget.learning_rate, budget.dense_epochs * steps_per_epoch)
    model.fit(
        _dataset(x_train, y_train, budget.batch, seed), epochs=budget.dense_epochs,
        verbose=verbose,
    )
    return model


def finetune(dense, data, budget: Budget, *, target: float | None = TARGET_SPARSITY,
             verbose: int = 1, seed: int = 0):
    """A copy of ``dense`` trained ``budget.prune_epochs`` more epochs (``dense`` is untouched).

    With ``target``, the copy is pruned meanwhile: sparsity ramps from 0 to
    ``target`` over the first 40% of the steps (a mask update every 1/20 of
    that window) and the rest recovers; returns (stripped model, report rows).
    With ``target=None`` the copy stays dense, so that the dense baseline has
    exactly the same training budget as the sparse model; returns (model, []).
    """
    import tf_keras

    from tflite_sparse import pruning

    x_train, y_train, _, _ = data
    model = tf_keras.models.clone_model(dense)
    model.set_weights(dense.get_weights())
    steps_per_epoch = -(-len(x_train) // budget.batch)
    total = budget.prune_epochs * steps_per_epoch
    callbacks = []
    if target is not None:
        end_step = max(2, int(0.4 * total))
        model = pruning.prune(
            model, target, begin_step=0, end_step=end_step,
            frequency=max(1, end_step // 20), block="paper",
        )
        callbacks = pruning.callbacks()
    _compile(model, budget.learning_rate / 2, total)
    tf_keras.utils.set_random_seed(seed + 1)
    model.fit(
        _dataset(x_train, y_train, budget.batch, seed + 1), epochs=budget.prune_epochs,
        verbose=verbose, callbacks=callbacks,
    )
    if target is None:
        return model, []
    return pruning.strip(model), pruning.report(model)


def tflite_convert(model, directory: Path, name: str, *, sparse: bool) -> Path:
    """Saves ``model`` as .keras and runs `tflite convert [--sparse]` on it."""
    keras_path = directory / f"{name}.keras"
    tflite_path = directory / f"{name}.tflite"
    model.save(keras_path)
    command = [sys.executable, "-m", "tflite_sparse.cli", "convert", str(keras_path),
               "-o", str(tflite_path)]
    if sparse:
        command.append("--sparse")
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"`tflite convert` failed on {keras_path}: {proc.stderr.strip()}")
    return tflite_path


def _stock_interpreter(path: Path):
    from ai_edge_litert import interpreter as litert

    interpreter = litert.Interpreter(model_path=str(path), num_threads=1)
    interpreter.allocate_tensors()
    return interpreter


def _delegate_interpreter(path: Path):
    import tflite_sparse

    interpreter = tflite_sparse.Interpreter(model_path=path, num_threads=1)
    interpreter.allocate_tensors()
    return interpreter


def predict(interpreter, x) -> np.ndarray:
    """Output of a batch-1 TFLite interpreter for every image of ``x``."""
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    outputs = []
    for image in x:
        interpreter.set_tensor(input_index, image[None])
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(output_index)[0].copy())
    return np.stack(outputs)


def latency_ms(interpreter, image, runs: int = 200) -> float:
    """Median wall time of one invoke, in milliseconds."""
    input_index = interpreter.get_input_details()[0]["index"]
    interpreter.set_tensor(input_index, image[None])
    for _ in range(10):
        interpreter.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        interpreter.invoke()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def delegate_available() -> str | None:
    """None if the tflite-sparse delegate library loads, else why not."""
    try:
        import tflite_sparse

        tflite_sparse.delegate_path()
        return None
    except (FileNotFoundError, ImportError, OSError) as error:
        return str(error)


def evaluate_width(alpha: float, data, budget: Budget, out: Path, *, verbose: int = 1,
                   seed: int = 0, latency_runs: int = 200, log=print) -> WidthResult:
    """Trains, prunes, converts, runs and times one width."""
    _, _, x_test, y_test = data
    log(f"== MobileNet v1 {alpha}: dense training, {budget.dense_epochs} epochs")
    trained = train_dense(alpha, data, budget, verbose=verbose, seed=seed)
    log(f"== MobileNet v1 {alpha}: dense baseline, {budget.prune_epochs} more epochs")
    dense, _ = finetune(trained, data, budget, target=None, verbose=verbose, seed=seed)
    log(f"== MobileNet v1 {alpha}: pruning to {TARGET_SPARSITY:.0%} over the same "
        f"{budget.prune_epochs} epochs")
    sparse, rows = finetune(trained, data, budget, verbose=verbose, seed=seed)
    pruned = [r for r in rows if r.wrapped]
    weights = sum(int(np.prod(r.kernel_shape)) for r in pruned)
    sparsity = sum(r.sparsity * int(np.prod(r.kernel_shape)) for r in pruned) / weights

    name = f"mobilenet_v1_{alpha:g}"
    dense_path = tflite_convert(dense, out, f"{name}_dense", sparse=False)
    sparse_path = tflite_convert(sparse, out, f"{name}_sparse90", sparse=True)
    stock_dense = _stock_interpreter(dense_path)
    stock_sparse = _stock_interpreter(sparse_path)
    dense_out = predict(stock_dense, x_test)
    stock_out = predict(stock_sparse, x_test)
    result = WidthResult(
        alpha=alpha,
        dense_top1=float(100 * np.mean(dense_out.argmax(-1) == y_test)),
        sparse_top1=float(100 * np.mean(stock_out.argmax(-1) == y_test)),
        dense_keras_top1=keras_top1(dense, x_test, y_test),
        sparse_keras_top1=keras_top1(sparse, x_test, y_test),
        sparsity=float(sparsity),
        files={"dense": str(dense_path), "sparse": str(sparse_path)},
    )
    if latency_runs:
        result.dense_ms = latency_ms(stock_dense, x_test[0], latency_runs)
        result.sparse_stock_ms = latency_ms(stock_sparse, x_test[0], latency_runs)
    missing = delegate_available()
    if missing is None:
        import tflite_sparse

        with_delegate = _delegate_interpreter(sparse_path)
        delegate_out = predict(with_delegate, x_test)
        result.sparse_top1 = float(100 * np.mean(delegate_out.argmax(-1) == y_test))
        result.delegate_agrees = bool((delegate_out.argmax(-1) == stock_out.argmax(-1)).all())
        result.delegate_max_abs_diff = float(np.abs(delegate_out - stock_out).max())
        report = tflite_sparse.delegate_report(with_delegate)
        result.sparse_nodes = sum(
            1 for part in report.get("partitions", []) for step in part.get("steps", [])
            if "sparsity" in step and step.get("sparsity", 0) > 0
        )
        if latency_runs:
            result.sparse_ms = latency_ms(with_delegate, x_test[0], latency_runs)
    else:
        log(f"   delegate not available ({missing}): sparse top-1 is stock TFLite's")
    log(f"   dense {result.dense_top1:.2f}%  sparse {result.sparse_top1:.2f}%  "
        f"sparsity {result.sparsity:.1%}")
    return result


def plot(results: list[WidthResult], path: Path) -> None:
    """Top-1 vs latency for dense and sparse widths (the paper's Figure 1 here)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.4))
    series = [
        ("dense, stock TFLite (XNNPACK)", "dense_ms", "dense_top1", "o-"),
        ("90% sparse, tflite-sparse delegate", "sparse_ms", "sparse_top1", "s-"),
    ]
    for label, x_key, y_key, style in series:
        points = [(getattr(r, x_key), getattr(r, y_key), r.alpha) for r in results
                  if getattr(r, x_key) is not None]
        if not points:
            continue
        xs, ys, alphas = zip(*sorted(points))
        axes.plot(xs, ys, style, label=label)
        for x, y, alpha in points:
            axes.annotate(f"{alpha:g}", (x, y), textcoords="offset points", xytext=(4, -10),
                          fontsize=8)
    axes.set_xlabel("latency, one image, 1 thread (ms)")
    axes.set_ylabel("top-1 on held-out digits (%)")
    axes.set_title("MobileNet v1 widths on scikit-learn digits")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def run(widths, *, size: int = 64, budget: Budget | None = None, out: Path,
        verbose: int = 1, latency_runs: int = 200, seed: int = 0, log=print) -> list[WidthResult]:
    """The whole example for ``widths``; returns one WidthResult per width."""
    budget = budget or Budget()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_digits(size, seed=seed)
    log(f"digits: {len(data[0])} training, {len(data[2])} held-out images at {size}x{size}")
    results = [
        evaluate_width(alpha, data, budget, out, verbose=verbose, seed=seed,
                       latency_runs=latency_runs, log=log)
        for alpha in widths
    ]
    (out / "results.json").write_text(json.dumps([asdict(r) for r in results], indent=2))
    if latency_runs:
        plot(results, out / "accuracy_vs_latency.png")
    return results


def _table(results: list[WidthResult]) -> str:
    def ms(value):
        return "-" if value is None else f"{value:.3f}"

    lines = [
        "width  dense top-1  sparse top-1  sparsity  dense ms  sparse ms (stock)  "
        "sparse ms (delegate)  delegate == stock"
    ]
    for r in results:
        lines.append(
            f"{r.alpha:<6g} {r.dense_top1:>10.2f}% {r.sparse_top1:>12.2f}% {r.sparsity:>8.1%} "
            f"{ms(r.dense_ms):>9} {ms(r.sparse_stock_ms):>18} {ms(r.sparse_ms):>21}  "
            f"{'-' if r.delegate_agrees is None else r.delegate_agrees}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="0.5,0.75,1.0,1.4",
                        help="width multipliers to train (default 0.5,0.75,1.0,1.4)")
    parser.add_argument("--alpha", type=float, default=1.0,
                        help="the width whose dense and sparse top-1 are compared (default 1.0)")
    parser.add_argument("--margin", type=float, default=1.0,
                        help="allowed top-1 loss in points (default 1.0)")
    parser.add_argument("--size", type=int, default=64, help="image size (default 64)")
    parser.add_argument("--dense-epochs", type=int, default=Budget.dense_epochs)
    parser.add_argument("--prune-epochs", type=int, default=Budget.prune_epochs)
    parser.add_argument("--latency-runs", type=int, default=200)
    parser.add_argument("--out", default="prune_and_deploy_out", help="output directory")
    parser.add_argument("--quiet", action="store_true", help="no Keras progress bars")
    args = parser.parse_args(argv)
    widths = [float(w) for w in args.widths.split(",")]
    if args.alpha not in widths:
        widths.append(args.alpha)
    budget = Budget(dense_epochs=args.dense_epochs, prune_epochs=args.prune_epochs)
    results = run(widths, size=args.size, budget=budget, out=Path(args.out),
                  verbose=0 if args.quiet else 1, latency_runs=args.latency_runs)
    print(_table(results))
    print(f"wrote {Path(args.out) / 'results.json'} and {Path(args.out) / 'accuracy_vs_latency.png'}")
    headline = next(r for r in results if r.alpha == args.alpha)
    ok = headline.sparse_top1 >= headline.dense_top1 - args.margin
    print(f"width {args.alpha:g}: sparse top-1 {headline.sparse_top1:.2f}% vs dense "
          f"{headline.dense_top1:.2f}%: {'within' if ok else 'NOT within'} {args.margin:g} point(s)")
    if any(r.delegate_agrees is False for r in results):
        print("the delegate's predictions differ from stock TFLite", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
