"""`tflite plan`: which layers of a Keras model tflite_sparse.pruning would
prune, with which output-channel block, and why (the table of
``print(tflite_sparse.pruning.plan(model))``).

Imports cheaply; TensorFlow is loaded only to read the model.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declares the options of `tflite plan`."""
    parser.add_argument("model", metavar="MODEL", help="a .keras or .h5 file, or a Keras SavedModel directory")
    parser.add_argument(
        "--block", default="paper", choices=("paper", "paper-fast", "1", "2", "4"),
        help="output-channel block rule, as pruning.prune(block=...) (default paper)",
    )
    parser.add_argument(
        "--prune-classifier", action="store_true", default=None,
        help="prune the final classifier too (default: the paper's rule, only for EfficientNet)",
    )
    parser.add_argument(
        "--architecture", choices=("mobilenet_v1", "mobilenet_v2", "cache_aware_mobilenet_v2", "efficientnet", "generic"),
        help="override the architecture detected from the layer names",
    )


def run(args: argparse.Namespace) -> int:
    """Prints the pruning plan of args.model; returns the exit code."""
    from tflite_sparse.converter import sources

    model = sources.load_keras(args.model)
    from tflite_sparse import pruning

    block = int(args.block) if args.block.isdigit() else args.block
    print(pruning.plan(model, block=block, prune_classifier=args.prune_classifier, architecture=args.architecture))
    return 0
