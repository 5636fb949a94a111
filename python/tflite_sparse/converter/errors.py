"""Exceptions of the converter (all ValueErrors: the CLI prints them as one line)."""

from __future__ import annotations


class ConversionError(ValueError):
    """A model cannot be converted; the message names the file or option and
    says what to do."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message (or its type)."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()
    return type(error).__name__
