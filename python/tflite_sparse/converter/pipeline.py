"""The conversion pipeline: load, normalise to dense, prune, encode, verify."""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tflite_sparse.converter import blocks, flatbuffer as fb, layers, quantize, rewrite, sources
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
    int8: bool = False  # a full-integer model (int8 weights and activations)
    io_type: str = "float32"  # the model's input type, as the summary names it

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
    int8: bool = False,
    representative: Any = None,
    int8_io: bool = False,
) -> ConversionResult:
    """Converts a Keras model, Keras file, SavedModel or .tflite; see
    :func:`tflite_sparse.converter.convert` for the options."""
    chosen_block = _check_options(min_sparsity, block, prune)
    if not int8 and (representative is not None or int8_io):
        raise ConversionError(
            ("--representative" if representative is not None else "--int8-io")
            + " is for quantizing: add --int8"
        )
    if progress:
        progress("load", 0, 1, str(model_or_path) if isinstance(model_or_path, (str, os.PathLike)) else "model")
    source = sources.load(model_or_path, float_keras=not int8)
    if int8:
        source = _quantized(source, representative, int8_io)
    model = fb.read_model(source.tflite, source.name)
    full_integer = quantize.is_full_integer(model)
    if full_integer:
        quantize.check_quantization(model, source.name)
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
    facts = {"int8": full_integer, "io_type": _io_type(model)}
    if not sparse:
        return ConversionResult(dense, source.name, len(dense), pruned=pruned, **facts)

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
    result = ConversionResult(data, source.name, len(dense), results, pruned, **facts)
    if verify:
        if progress:
            progress("verify", 0, 1, "stock TFLite")
        # the reference: the source itself, or the pruned dense model (for
        # --int8 the dense int8 model of the same quantization)
        reference = dense if pruned or source.kind != "tflite" else source.tflite
        # int8 arithmetic on the builtin kernels: exact equality is expected
        tolerance = 0.0 if full_integer else verification.TOLERANCE
        result.max_error = verification.verify(reference, data, tolerance=tolerance)
        result.verified = True
    return result


def _quantized(source: sources.Source, representative: Any, int8_io: bool) -> sources.Source:
    """``source`` as a full-integer model: quantized by TF's post-training
    quantization (path A: a Keras model or SavedModel) or taken as it is
    (path B: a .tflite that is already full-integer)."""
    if source.kind == "tflite":
        if not quantize.is_full_integer(fb.read_model(source.tflite, source.name)):
            raise ConversionError(
                f"--int8: {source.name} is a float .tflite, which TF's converter cannot quantize; "
                "give the Keras model or SavedModel it came from, or an int8 .tflite"
            )
        if representative is not None or int8_io:
            _log.warning("%s is already quantized: --representative and --int8-io are not used", source.name)
        return source
    qat = source.keras is not None and quantize.is_qat_model(source.keras)
    data = None
    if representative is not None or not qat:  # a QAT model has learnt its ranges
        specs = quantize.keras_input_specs(source.keras) if source.keras is not None else (
            quantize.input_specs(source.tflite))
        data = quantize.samples(representative, specs)
    quantized = quantize.quantize(source.keras, source.saved_model, source.name, data, int8_io)
    _log.info("%s: quantized to full integer (%s)", source.name,
              "quantization-aware training" if data is None else f"{len(data)} representative samples")
    return dataclasses.replace(source, tflite=quantized)


def _io_type(model) -> str:
    """The numpy name of the model's first input type ("float32", "int8")."""
    graph = model.subgraphs[0]
    inputs = fb.index_list(graph.inputs)
    if not inputs:
        return "-"
    return np.dtype(fb.TENSOR_DTYPES.get(graph.tensors[inputs[0]].type, np.float32)).name


def _require_candidates(model, name: str, fully_connected: bool) -> None:
    """Fails with a message if no layer of ``model`` may be stored sparse."""
    if any(layers.encodable(l, fully_connected) for l in layers.weighted_ops(model)):
        return
    what = (
        "float32 1x1 convolution or fully connected layer (nor a full-integer int8 one)" if fully_connected
        else "float32 1x1 convolution (nor a full-integer int8 one; other than the first convolution)"
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
