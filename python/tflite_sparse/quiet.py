"""Keeping TensorFlow's and TFLite's start-up chatter out of the CLI's output.

Importing TensorFlow prints oneDNN/CUDA lines (``I0000 ... port.cc``,
``E0000 ... failed call to cuInit``) from C++ before any Python logging is
set up (absl logs everything to stderr until it is initialised, whatever
``TF_CPP_MIN_LOG_LEVEL`` says), and TFLite prints ``INFO: Created TensorFlow
Lite XNNPACK delegate for CPU.`` when an interpreter is built. None of that
passes through Python, so it cannot be filtered there.

:class:`NativeStderrFilter` redirects file descriptor 2 into a pipe read by
a thread that drops exactly those known lines and forwards everything else
(a native ``ERROR: ...`` from TFLite or from our delegate still shows), while
Python's ``sys.stderr`` (our own messages, logging, tracebacks) writes to the
real stderr directly and is never filtered. Python-level chatter (the
``tensorflow``/``absl`` loggers, library warnings) is turned down by
:func:`quiet_python`.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import threading
import warnings

# one native log record, as absl/glog write it: "I0000 00:00:17.5 1234 file.cc:12] ..."
_RECORD = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]\s]+:\d+\] ")
_RECORD_NOISE = (
    re.compile(r"^[IW]"),  # INFO and WARNING records
    re.compile(r"^E.*(failed call to cuInit|Unable to register cu\w+ factory|"
               r"computation placer already registered)"),  # "errors" on a machine without a GPU
)
_LINE_NOISE = (
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^INFO: "),  # TFLite's info lines (XNNPACK delegate created, runtime initialised)
)
# the start of a line that begins a new record of any kind (not a continuation)
_NEW_RECORD = re.compile(r"^([IWEF]\d{4} |INFO: |WARNING: |ERROR: |VERBOSE: )")


def is_noise(line: str) -> bool:
    """Whether one native stderr line is known start-up chatter."""
    if _RECORD.match(line):
        return any(pattern.match(line) for pattern in _RECORD_NOISE)
    return any(pattern.match(line) for pattern in _LINE_NOISE)


def filter_lines(lines: list[str], dropping: bool = False) -> tuple[list[str], bool]:
    """The lines of one chunk of native stderr that are not noise.

    A dropped record's continuation lines (multi-line log messages, such as
    cpu_feature_guard's second line) are dropped with it: lines that do not
    start a new record, up to the end of the chunk. Returns (kept lines,
    whether the last record was dropped).
    """
    kept = []
    for line in lines:
        if _NEW_RECORD.match(line) or not dropping:
            dropping = is_noise(line)
        if not dropping:
            kept.append(line)
    return kept, dropping


def quiet_environment() -> None:
    """Environment for TensorFlow set before it is imported: no C++ INFO or
    WARNING records once absl is initialised (an explicit setting wins)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def quiet_python() -> None:
    """Turns down Python-level chatter of TensorFlow and the libraries it
    pulls in: their loggers to ERROR, their warnings off (ours stay)."""
    for name in ("tensorflow", "absl", "h5py", "tensorflow_model_optimization"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"tflite_sparse(\.|$)")


def _writes_fd2(stream) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


class NativeStderrFilter:
    """Context manager: native writes to fd 2 go through a line filter
    (:func:`filter_lines`); ``sys.stderr`` goes to the real stderr unfiltered."""

    def __init__(self) -> None:
        self._real_fd = -1
        self._thread: threading.Thread | None = None
        self._saved_stderr = None

    def __enter__(self) -> "NativeStderrFilter":
        sys.stderr.flush()
        try:
            self._real_fd = os.dup(2)
        except OSError:  # no stderr at all: nothing to filter
            return self
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        if _writes_fd2(sys.stderr):  # else sys.stderr already goes elsewhere (e.g. a test's capture)
            self._saved_stderr = sys.stderr
            encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
            sys.stderr = io.TextIOWrapper(
                io.FileIO(os.dup(self._real_fd), "w"), encoding=encoding,
                errors="backslashreplace", line_buffering=True,
            )
        self._thread = threading.Thread(target=self._forward, args=(read_fd,), daemon=True)
        self._thread.start()
        return self

    def _forward(self, read_fd: int) -> None:
        pending = b""
        while True:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            *complete, pending = (pending + chunk).split(b"\n")
            text = [line.decode("utf-8", "replace") + "\n" for line in complete]
            self._write(filter_lines(text)[0])  # a record's lines come in one write
        if pending:
            self._write(filter_lines([pending.decode("utf-8", "replace")])[0])
        os.close(read_fd)

    def _write(self, lines: list[str]) -> None:
        if not lines:
            return
        try:
            os.write(self._real_fd, "".join(lines).encode("utf-8", "replace"))
        except OSError:  # stderr closed (e.g. a pipe whose reader quit): drop, keep draining
            pass

    def __exit__(self, *exc_info) -> None:
        if self._real_fd < 0:
            return
        sys.stderr.flush()
        os.dup2(self._real_fd, 2)  # closes the pipe's write end: the reader sees EOF
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._saved_stderr is not None:
            sys.stderr.close()
            sys.stderr, self._saved_stderr = self._saved_stderr, None
        os.close(self._real_fd)
        self._real_fd = -1
