"""The `tflite` command: convert | inspect | bench | demo.

Each subcommand lives in its own module, which provides
``add_arguments(parser)`` and ``run(args) -> int``; this file only wires them
and turns expected failures into one-line errors with a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# subcommand -> (module, one-line help)
_COMMANDS = {
    "convert": ("tflite_sparse.converter.command_convert", "convert a model to .tflite, sparse"),
    "inspect": ("tflite_sparse.converter.command_inspect", "list the ops of a .tflite"),
    "bench": ("tflite_sparse.bench", "time dense vs sparse models"),
    "demo": ("tflite_sparse.demo", "prune, convert, check and benchmark a MobileNet"),
}


class CommandError(Exception):
    """A failure to report as a one-line message (exit code 1)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tflite", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in _COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(module_name)
        module.add_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    try:
        return int(args._module.run(args) or 0)
    except (CommandError, FileNotFoundError, ValueError, OSError, RuntimeError) as error:
        print(f"tflite {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"tflite {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
