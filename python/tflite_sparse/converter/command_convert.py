"""`tflite convert`: a Keras model, SavedModel or .tflite to a (sparse) .tflite.

Imports cheaply; TensorFlow is loaded only when a Keras model or SavedModel
has to be converted.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declares the options of `tflite convert`."""
    parser.add_argument("input", metavar="IN", help="a .tflite, .keras or .h5 file, or a SavedModel directory")
    parser.add_argument("-o", "--output", metavar="OUT.tflite", required=True, help="the .tflite file to write")
    parser.add_argument(
        "--sparse", action="store_true",
        help="store the pruned 1x1 convolution weights block-sparse (without it: dense)",
    )
    parser.add_argument(
        "--min-sparsity", type=float, default=0.5, metavar="F",
        help="store a layer sparse only if at least this fraction of its weights is zero (default 0.5)",
    )
    parser.add_argument(
        "--block", default="auto", choices=("auto", "1", "2", "4"),
        help="output-channel block: auto stores each layer with the block its zeros allow, and with "
        "--prune prunes in blocks of 4 (the delegate's fastest) where the channels allow, else 2, "
        "else 1; an explicit 1, 2 or 4 that does not divide a layer's channels is an error "
        "(default auto)",
    )
    parser.add_argument(
        "--prune", type=float, metavar="F",
        help="first magnitude-prune the 1x1 convolutions (not the first conv, the classifier or "
        "squeeze-excitation convs) to this sparsity, in blocks of --block "
        "(one shot, for latency studies: accuracy needs fine-tuning)",
    )
    parser.add_argument(
        "--prune-classifier", action="store_true", help="with --prune, prune the final classifier too",
    )
    parser.add_argument(
        "--fully-connected", action="store_true", help="also store FULLY_CONNECTED weights sparse (and prune them)",
    )
    parser.add_argument(
        "--int8", action="store_true",
        help="make a full-integer model (int8 activations and weights) with TF's post-training "
        "quantization, calibrated on --representative (a tfmot quantization-aware-trained model "
        "needs none; an int8 .tflite is taken as it is); the pruned 1x1 weights are stored sparse "
        "as int8. Runs on stock TFLite; the tflite-sparse delegate leaves int8 models to TFLite",
    )
    parser.add_argument(
        "--representative", metavar="DATA",
        help="with --int8: a .npy file holding a batch of typical model inputs [N, ...] "
        "(a .npz with one such array per input for several inputs)",
    )
    parser.add_argument(
        "--int8-io", action="store_true",
        help="with --int8: int8 model inputs and outputs (default: float32, quantized inside)",
    )
    parser.add_argument(
        "--no-verify", action="store_true",
        help="skip running the result against the dense model on stock TFLite",
    )


class _Progress:
    """Prints conversion progress on stderr: in place on a terminal (and
    erased at the end); in a log only the verification line (the per-layer
    table that follows names every layer)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.open_line = False

    def __call__(self, stage: str, done: int, total: int, what: str) -> None:
        if stage == "encode":
            text = f"encoding layer {done}/{total}: {what}"
        elif stage == "load":
            text = f"loading {what}"
        else:
            text = f"verifying on {what}"
        if self.tty:
            self.stream.write("\r\033[K" + text)
            self.open_line = True
        elif stage == "verify":  # a log: loading errors stay the only line
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.open_line:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.open_line = False


def layer_table(result) -> str:
    """One line per eligible layer: its shape, zeros, block (or dense) and why."""
    rows = [("layer", "out x in", "zeros", "block", "why")]
    for layer in result.layers:
        rows.append((
            layer.name,
            "x".join(str(d) for d in (layer.shape[0], layer.shape[-1])),
            f"{layer.sparsity:.1%}",
            str(layer.block) if layer.encoded else "dense",
            layer.reason,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}  {row[4]}"
        for row in rows
    )


def _summary(result, output: str) -> str:
    encoded = result.encoded
    blocks = Counter(layer.block for layer in encoded)
    block_text = ", ".join(f"{count} with block {block}" for block, count in sorted(blocks.items(), reverse=True))
    lines = [
        f"wrote {output}: {len(result.data)} bytes "
        f"({len(result.data) / result.dense_bytes:.1%} of the dense {result.dense_bytes} bytes)"
    ]
    if result.layers:
        lines.append(f"{len(encoded)} of {len(result.layers)} eligible layers stored sparse ({block_text or 'none'})")
    if result.pruned:
        lines.append(f"{len(result.pruned)} layers pruned one-shot (accuracy needs fine-tuning)")
    if result.int8:
        lines.append(f"full-integer int8 model, {result.io_type} inputs and outputs")
    if result.verified:
        lines.append(f"verified on stock TFLite: max relative error {result.max_error:.2g}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Converts args.input to args.output; returns the exit code."""
    from tflite_sparse.converter import pipeline
    from tflite_sparse.converter.oneshot_prune import check_sparsity

    check_sparsity(args.min_sparsity, "--min-sparsity")
    if args.prune is not None:
        check_sparsity(args.prune, "--prune")
    pipeline.check_not_input(args.input, args.output)
    pipeline.check_writable(args.output)
    progress = _Progress()
    try:
        result = pipeline.convert_with_report(
            args.input,
            sparse=args.sparse,
            min_sparsity=args.min_sparsity,
            block=args.block,
            prune=args.prune,
            prune_classifier=args.prune_classifier,
            fully_connected=args.fully_connected,
            verify=not args.no_verify,
            progress=progress,
            int8=args.int8,
            representative=args.representative,
            int8_io=args.int8_io,
        )
    finally:
        progress.close()
    if result.layers:
        print(layer_table(result), file=sys.stderr)
    pipeline.write_atomic(args.output, result.data)
    print(_summary(result, args.output))
    return 0
