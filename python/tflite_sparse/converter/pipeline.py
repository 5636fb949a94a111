"""The conversion pipeline: load, normalise to dense, prune, encode, verify."""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tflite_sparse.converter import blocks, flatbuffer as fb, layers, rewrite, sources
from tflite_sparse.converter import verify as verification
from tflite_sparse.converter.errors import ConversionError
from tflite_sparse.converter.oneshot_prune import WARNING as PRUNE_WARNING, check_sparsity
from tflite_sparse.converter.sparsify import LayerResult, Progress, encode_layers
from tflite_sparse.converter.sparsify import prune as prune_layers

_log = logging.getLogger(__name__)


@dataclass
class ConversionResult:
    """The converted model and what was done to it."""

    data: bytes
    source: str  # the input, as messages name it
    dense_bytes: int  # size of the dense .tflite (after pruning, before encoding)
    layers: list[LayerResult] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    verified: bool = False
    max_error: float | None = None

    @property
    def encoded(self) -> list[LayerResult]:
        """The layers stored sparse."""
        return [layer for layer in self.layers if layer.encoded]


def _check_options(min_sparsity: float, block: Any, prune_sparsity: float | None) -> str | int:
    check_sparsity(min_sparsity, "--min-sparsity")
    if prune_sparsity is not None:
        check_sparsity(prune_sparsity, "--prune")
    return blocks.parse_block(block)


# why a layer that one-shot pruning does not touch stays dense
_NOT_PRUNED = {
    "squeeze_excitation": "squeeze-excitation conv (1x1 map): not pruned (paper 3.1)",
    "classifier": "the classifier: not pruned (--prune-classifier prunes it)",
}


def _explain(result: LayerResult, pruned: bool) -> LayerResult:
    """``result`` with why a layer one-shot pruning left alone stays dense."""
    if not pruned and not result.encoded and result.role in _NOT_PRUNED:
        return dataclasses.replace(result, reason=_NOT_PRUNED[result.role])
    return dataclasses.replace(result, pruned=pruned)


def convert_with_report(
    model_or_path: Any,
    sparse: bool = True,
    *,
    min_sparsity: float = 0.5,
    block: str | int = "auto",
    prune: float | None = None,
    prune_classifier: bool = False,
    fully_connected: bool = False,
    verify: bool = True,
    progress: Progress | None = None,
) -> ConversionResult:
    """Converts a Keras model, Keras file, SavedModel or .tflite; see
    :func:`tflite_sparse.converter.convert` for the options."""
    chosen_block = _check_options(min_sparsity, block, prune)
    if progress:
        progress("load", 0, 1, str(model_or_path) if isinstance(model_or_path, (str, os.PathLike)) else "model")
    source = sources.load(model_or_path)
    model = fb.read_model(source.tflite, source.name)
    if rewrite.densify_weights(model):
        _log.info("%s: decoded the sparse weights it already had", source.name)
    if sparse or prune:
        _require_candidates(model, source.name, fully_connected)

    choices: dict[str, blocks.BlockChoice] = {}
    if prune is not None and prune > 0:
        choices = _prune(model, source.name, prune, chosen_block, fully_connected, prune_classifier)
        _log.warning(PRUNE_WARNING)
    pruned = list(choices)
    dense = fb.write_model(model)
    if not sparse:
        return ConversionResult(dense, source.name, len(dense), pruned=pruned)

    results = encode_layers(model, min_sparsity, chosen_block, fully_connected, progress, choices)
    if choices:
        results = [_explain(r, r.name in choices) for r in results]
    if not any(r.encoded for r in results):
        best = max(r.sparsity for r in results)
        raise ConversionError(
            f"no eligible layer of {source.name} is at least {min_sparsity:g} zero "
            f"(the sparsest has {best:.1%}): prune the model first (tflite_sparse.pruning, "
            "or --prune for a latency study) or lower --min-sparsity"
        )
    data = fb.write_model(model)
    result = ConversionResult(data, source.name, len(dense), results, pruned)
    if verify:
        if progress:
            progress("verify", 0, 1, "stock TFLite")
        # the reference: the source itself, or the pruned dense model
        reference = dense if pruned or source.kind != "tflite" else source.tflite
        result.max_error = verification.verify(reference, data)
        result.verified = True
    return result


def _require_candidates(model, name: str, fully_connected: bool) -> None:
    """Fails with a message if no layer of ``model`` may be stored sparse."""
    if any(layers.encodable(l, fully_connected) for l in layers.weighted_ops(model)):
        return
    what = (
        "float32 1x1 convolution or fully connected layer" if fully_connected
        else "float32 1x1 convolution (other than the first convolution)"
    )
    raise ConversionError(
        f"{name} has no {what} to store sparse"
        + ("" if fully_connected else "; pass --fully-connected to include fully connected layers")
    )


def _prune(model, name, sparsity, block, fully_connected, classifier) -> dict[str, blocks.BlockChoice]:
    choices = prune_layers(model, sparsity, block, fully_connected, classifier)
    if not choices:
        raise ConversionError(
            f"--prune found no layer to prune in {name} (1x1 convolutions other than the first "
            "convolution, the classifier and squeeze-excitation convolutions; see "
            "--prune-classifier, --fully-connected)"
        )
    _log.info("pruned %d layers to %.0f%% zeros", len(choices), 100 * sparsity)
    return choices


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file in the same
    directory and a rename: ``path`` is either the whole file or untouched."""
    check_writable(path)
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _file_mode(path: Path) -> int:
    """The mode a new file gets (0666 minus the umask), or the existing file's."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_not_input(source: str | os.PathLike, output: str | os.PathLike) -> None:
    """Fails if writing ``output`` would overwrite the input ``source`` (any
    spelling of the same file: relative, absolute, symlink, hard link; or a
    file inside an input SavedModel directory)."""
    named = os.fspath(output)  # as the user spelled it
    source, output = Path(source), Path(output)
    if not output.exists() or not source.exists():
        return  # a file that does not exist yet cannot be the input
    if os.path.samefile(source, output):
        raise ConversionError(
            f"-o {named} is the input file {source}: converting would overwrite the model it "
            "reads; give another output name"
        )
    if source.is_dir() and output.resolve().is_relative_to(source.resolve()):
        raise ConversionError(
            f"-o {named} is inside the input SavedModel directory {source}: give an output "
            "outside it"
        )


def check_writable(path: str | os.PathLike) -> None:
    """Fails early, before a long conversion, if ``path`` cannot be written."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ConversionError(f"cannot write {path}: it is a directory; give a file name")
    if not directory.is_dir():
        raise ConversionError(f"cannot write {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConversionError(f"cannot write {path}: directory {directory} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise ConversionError(f"cannot write {path}: the file is read-only")
