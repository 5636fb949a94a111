"""`tflite inspect`: one row per op of a .tflite file, with its weight's
storage and whether the tflite-sparse delegate claims it."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declares the options of `tflite inspect`."""
    parser.add_argument("model", metavar="MODEL.tflite", help="the .tflite file to describe")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--no-delegate", action="store_true", help="do not load the delegate to ask what it claims",
    )


def run(args: argparse.Namespace) -> int:
    """Prints the table (or JSON) of args.model; returns the exit code."""
    from tflite_sparse.converter.inspection import format_table, inspect

    inspection = inspect(args.model, delegate=not args.no_delegate)
    delegate = inspection["delegate"]
    if not delegate["available"] and not args.no_delegate:
        print(
            f"tflite inspect: warning: cannot ask the delegate what it claims ({delegate['error']}); "
            "the 'delegate' column shows '?'",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(inspection, indent=2))
    else:
        print(format_table(inspection))
    return 0
