"""The `tflite` command: convert | inspect | plan | bench | demo.

Each subcommand lives in its own module, which provides
``add_arguments(parser)`` and ``run(args) -> int``; this file only wires them,
keeps TensorFlow's and TFLite's native log lines out of the output unless
``--verbose`` (see tflite_sparse.quiet), and turns expected failures into
one-line errors with a non-zero exit.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys

from tflite_sparse import __version__, quiet

# subcommand -> (module, one-line help)
_COMMANDS = {
    "convert": ("tflite_sparse.converter.command_convert", "convert a model to .tflite, sparse"),
    "inspect": ("tflite_sparse.converter.command_inspect", "list the ops of a .tflite"),
    "plan": ("tflite_sparse.command_plan", "show which layers of a Keras model pruning would prune"),
    "bench": ("tflite_sparse.bench", "time dense vs sparse models"),
    "demo": ("tflite_sparse.demo", "prune, convert, check and benchmark a MobileNet"),
}
_VERBOSE_HELP = "also show TensorFlow's and TFLite's own log lines, and our INFO logs"


class CommandError(Exception):
    """A failure to report as a one-line message (exit code 1)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tflite", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"tflite-sparse {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in _COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        # also accepted after the subcommand (`tflite convert -v ...`)
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=_VERBOSE_HELP)
        module = importlib.import_module(module_name)
        module.add_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet.quiet_environment()
    native = contextlib.nullcontext() if args.verbose else quiet.NativeStderrFilter()
    with native, _logging(args.verbose):
        if not args.verbose:
            quiet.quiet_python()
        try:
            return int(args._module.run(args) or 0)
        except (CommandError, FileNotFoundError, ValueError, OSError, RuntimeError) as error:
            print(f"tflite {args.command}: error: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"tflite {args.command}: interrupted", file=sys.stderr)
            return 130


@contextlib.contextmanager
def _logging(verbose: bool):
    """Our log records (WARNING and up, INFO with --verbose) on sys.stderr as
    "LEVEL: message", for the duration of one command."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)


if __name__ == "__main__":
    sys.exit(main())
