"""Loading the tflite-sparse delegate into tf.lite or ai_edge_litert.

The delegate is a C shared library inside this package that exports TFLite's
external-delegate plugin entry points, so both runtimes load it through their
own ``load_delegate``.
"""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path
from typing import Any, Mapping

_LIBRARY_NAME = "libtflite_sparse_delegate.so"
_LIBRARY_ENV = "TFLITE_SPARSE_LIBRARY"
_ISAS = ("auto", "scalar", "avx2", "avx512", "neon")
_RUNTIMES = ("tf", "litert")
_MAX_THREADS = 64  # TSP_MAX_THREADS in the C library


class DelegateOptionError(ValueError):
    """An option passed to the delegate is unknown or has a bad value."""


def delegate_path() -> str:
    """Absolute path of the delegate shared library.

    ``TFLITE_SPARSE_LIBRARY`` overrides the copy shipped in the package (useful
    for a development build or an AddressSanitizer build).
    """
    override = os.environ.get(_LIBRARY_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"{_LIBRARY_ENV}={override} does not name a file")
        return str(path.resolve())
    path = Path(__file__).resolve().parent / _LIBRARY_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"the delegate library {path} is missing: reinstall tflite-sparse with "
            "'pip install .' so that the C library is built"
        )
    return str(path)


def _option_string(key: str, value: Any) -> str:
    """Validates one option and renders it as the C plugin expects."""
    if key == "isa":
        if value not in _ISAS:
            raise DelegateOptionError(
                f"delegate option isa={value!r} is not one of {', '.join(_ISAS)}"
            )
        return str(value)
    if key == "min_sparsity":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise DelegateOptionError(
                f"delegate option min_sparsity={value!r} is not a number"
            ) from None
        if not 0.0 <= number < 1.0:
            raise DelegateOptionError(
                f"delegate option min_sparsity={value!r} must be in [0, 1)"
            )
        return repr(number)
    if key == "num_threads":
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
                or not 0 <= int(value) <= _MAX_THREADS:
            raise DelegateOptionError(
                f"delegate option num_threads={value!r} must be an integer in [0, {_MAX_THREADS}] "
                "(0: the interpreter's thread count)"
            )
        return str(int(value))
    if key in ("profile", "flush_denormals", "cost_rule"):
        if value in (True, False, 0, 1, "0", "1", "true", "false"):
            return "1" if value in (True, 1, "1", "true") else "0"
        raise DelegateOptionError(f"delegate option {key}={value!r} must be a boolean")
    raise DelegateOptionError(
        f"unknown delegate option {key!r}; known options: isa, min_sparsity, "
        "profile, flush_denormals, num_threads, cost_rule"
    )


def delegate_options(options: Mapping[str, Any]) -> dict[str, str]:
    """Validated string options for the C plugin (raises DelegateOptionError)."""
    return {key: _option_string(key, value) for key, value in options.items()}


def load_delegate(runtime: str = "litert", **options: Any):
    """Loads the delegate for ``runtime`` ("tf" or "litert").

    Options: ``isa`` (auto|scalar|avx2|avx512|neon), ``min_sparsity`` (a 1x1
    convolution is run sparse only if at least this fraction of its weights is
    zero; default 0.5), ``profile`` (time every step), ``flush_denormals``
    (default on), ``num_threads`` (threads of the delegate's own pool; 0, the
    default, takes the interpreter's ``num_threads``). Returns the runtime's
    Delegate object, for ``experimental_delegates=[...]``.
    """
    rendered = delegate_options(options)
    path = delegate_path()
    if runtime == "tf":
        import tensorflow as tf

        return tf.lite.experimental.load_delegate(path, rendered)
    if runtime == "litert":
        from ai_edge_litert import interpreter as litert

        return litert.load_delegate(path, rendered)
    raise DelegateOptionError(f"runtime={runtime!r} is not one of {', '.join(_RUNTIMES)}")


def Interpreter(  # noqa: N802 - reads like the runtimes' class it returns
    model_path: str | os.PathLike | None = None,
    *,
    model_content: bytes | None = None,
    num_threads: int = 1,
    runtime: str = "litert",
    default_delegates: bool = True,
    **options: Any,
):
    """A TFLite interpreter of ``runtime`` with the delegate applied.

    Nodes the delegate does not claim run on the runtime's own kernels
    (XNNPACK by default; with ``default_delegates=False`` TFLite's builtin
    kernels, the reference the int8 tests compare with bit for bit). ``num_threads`` is the interpreter's, and the
    delegate uses as many unless the ``num_threads`` delegate option is given
    in ``options`` under the name ``delegate_num_threads``. Other delegate
    options as in :func:`load_delegate`.
    """
    if "delegate_num_threads" in options:
        options["num_threads"] = options.pop("delegate_num_threads")
    delegate = load_delegate(runtime, **options)
    if runtime == "tf":
        import tensorflow as tf

        interpreter_class = tf.lite.Interpreter
        resolver = tf.lite.experimental.OpResolverType
    else:
        from ai_edge_litert import interpreter as litert

        interpreter_class = litert.Interpreter
        resolver = litert.OpResolverType
    kind = resolver.AUTO if default_delegates else resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    return interpreter_class(
        model_path=None if model_path is None else os.fspath(model_path),
        model_content=model_content,
        num_threads=num_threads,
        experimental_delegates=[delegate],
        experimental_op_resolver_type=kind,
    )


def _find_delegate(obj):
    """The tflite-sparse Delegate object held by ``obj`` (or ``obj`` itself)."""
    candidates = [obj] + list(getattr(obj, "_delegates", []) or [])
    for candidate in candidates:
        library = getattr(candidate, "_library", None)
        if library is not None and hasattr(library, "tflite_sparse_delegate_report"):
            return candidate
    raise ValueError("no tflite-sparse delegate is attached to this object")


def delegate_report(interpreter_or_delegate) -> dict:
    """What the delegate claimed and how it runs it, as a dict.

    Keys: ``isa``, ``partitions`` (each with its TFLite ``nodes``, and its
    ``steps``: op, shapes, sparsity, block, kernel and, with profile=1, time).
    """
    delegate = _find_delegate(interpreter_or_delegate)
    report = delegate._library.tflite_sparse_delegate_report
    report.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    report.restype = ctypes.c_size_t
    needed = report(delegate._delegate_ptr, None, 0)
    buffer = ctypes.create_string_buffer(needed + 1)
    report(delegate._delegate_ptr, buffer, needed + 1)
    return json.loads(buffer.value.decode("utf-8"))
