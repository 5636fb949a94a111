"""A per-op table of a .tflite file: weights, their sparse storage, and which
ops the tflite-sparse delegate claims (asked of the delegate itself)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from tflite_sparse.converter import flatbuffer as fb, sparse_format
from tflite_sparse.converter.errors import first_line

_log = logging.getLogger(__name__)
_WEIGHT_INPUT = {"CONV_2D": 1, "DEPTHWISE_CONV_2D": 1, "FULLY_CONNECTED": 1}
COLUMNS = ("index", "op", "shape", "sparsity", "block", "index_type", "bytes", "claimed")


def _weight_info(model, graph, tensor_index: int) -> dict[str, Any]:
    """Shape, sparsity, block, index types and stored bytes of a weight tensor,
    following a DENSIFY to its sparse constant."""
    tensor = graph.tensors[tensor_index]
    producer = fb.producer(graph, tensor_index)
    if producer is not None and fb.op_name(model, graph.operators[producer]) == "DENSIFY":
        tensor = graph.tensors[fb.index_list(graph.operators[producer].inputs)[0]]
    shape = fb.tensor_shape(tensor)
    info: dict[str, Any] = {"weight": fb.tensor_name(tensor), "shape": list(shape)}
    data = fb.buffer_bytes(model, tensor)
    dtype = fb.TENSOR_DTYPES.get(tensor.type)
    if tensor.sparsity is not None:
        segments, indices = sparse_format.index_types(tensor.sparsity)
        info.update(
            block=sparse_format.block_along_dim0(tensor.sparsity),
            index_type=segments if segments == indices else f"{segments}/{indices}",
            bytes=sparse_format.storage_bytes(tensor.sparsity, len(data)),
        )
        if dtype is not None:
            try:
                dense = sparse_format.decode(tensor.sparsity, np.frombuffer(data, dtype), shape)
                info["sparsity"] = float(np.count_nonzero(dense == 0)) / max(dense.size, 1)
            except sparse_format.SparseFormatError as error:
                info["error"] = f"invalid sparse tensor: {error}"
        return info
    info.update(block=None, index_type=None, bytes=len(data) if data else None)
    array = fb.constant_array(model, tensor)
    if array is not None:
        info["sparsity"] = float(np.count_nonzero(array == 0)) / max(array.size, 1)
    return info


def _delegate_claims(path: Path) -> dict[str, Any]:
    """{"available", "isa", "error", "nodes", "steps"} from the delegate's report."""
    try:
        import tflite_sparse

        interpreter = tflite_sparse.Interpreter(path)
        interpreter.allocate_tensors()
        report = tflite_sparse.delegate_report(interpreter)
    except Exception as error:  # missing library, load failure, bad model for the delegate
        return {"available": False, "isa": None, "error": first_line(error), "nodes": set(), "steps": {}}
    nodes = {int(n) for p in report.get("partitions", []) for n in p.get("nodes", [])}
    steps = {
        int(s["node"]): s
        for p in report.get("partitions", [])
        for s in p.get("steps", [])
        if "node" in s
    }
    return {"available": True, "isa": report.get("isa"), "error": None, "nodes": nodes, "steps": steps}


def inspect(path: str | os.PathLike, delegate: bool = True) -> dict[str, Any]:
    """Describes every op of a .tflite file.

    Returns ``{"path", "bytes", "delegate": {"available", "isa", "error"},
    "ops": [row, ...]}``; each row has ``subgraph, index, op, weight, shape,
    sparsity, block, index_type, bytes, claimed`` (``claimed`` is None when
    the delegate could not be asked, and always None outside subgraph 0) and,
    for claimed ops, the delegate's ``kernel`` and ``kernel_block``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    data = path.read_bytes()
    model = fb.read_model(data, str(path))
    claims = _delegate_claims(path) if delegate else {
        "available": False, "isa": None, "error": "not asked", "nodes": set(), "steps": {}
    }
    rows = []
    for graph_index, graph in enumerate(model.subgraphs):
        for index, op in enumerate(graph.operators or []):
            name = fb.op_name(model, op)
            row: dict[str, Any] = {
                "subgraph": graph_index, "index": index, "op": name, "weight": None,
                "shape": None, "sparsity": None, "block": None, "index_type": None, "bytes": None,
            }
            inputs = fb.index_list(op.inputs)
            if name in _WEIGHT_INPUT and len(inputs) > _WEIGHT_INPUT[name] and inputs[_WEIGHT_INPUT[name]] >= 0:
                row.update(_weight_info(model, graph, inputs[_WEIGHT_INPUT[name]]))
            row["claimed"] = (index in claims["nodes"]) if claims["available"] and graph_index == 0 else None
            step = claims["steps"].get(index) if graph_index == 0 else None
            if step is not None:
                row["kernel"] = step.get("kernel")
                row["kernel_block"] = step.get("block")
            rows.append(row)
    return {
        "path": str(path),
        "bytes": len(data),
        "delegate": {k: claims[k] for k in ("available", "isa", "error")},
        "ops": rows,
    }


def _cell(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    if column == "claimed":
        if value is None:
            return "?" if row.get("subgraph", 0) == 0 else "-"
        text = "yes" if value else "no"
        if value and row.get("kernel"):
            text += f" ({row['kernel']}" + (f" b{row['kernel_block']}" if row.get("kernel_block") else "") + ")"
        return text
    if value is None:
        return "-"
    if column == "shape":
        return "x".join(str(d) for d in value)
    if column == "sparsity":
        return f"{value:.1%}"
    return str(value)


def format_table(inspection: dict[str, Any]) -> str:
    """The inspection as an aligned text table with a one-line summary."""
    header = ["#", "op", "weight shape", "sparsity", "block", "index type", "bytes", "delegate"]
    multi = any(row["subgraph"] for row in inspection["ops"])
    table = []
    for row in inspection["ops"]:
        cells = [_cell(row, column) for column in COLUMNS]
        if multi:
            cells[0] = f"{row['subgraph']}:{cells[0]}"
        table.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() for cells in table]
    sparse = [r for r in inspection["ops"] if r.get("block") is not None and r["op"] != "DENSIFY"]
    claimed = [r for r in inspection["ops"] if r.get("claimed")]
    delegate = inspection["delegate"]
    summary = (
        f"{inspection['path']}: {inspection['bytes']} bytes, {len(inspection['ops'])} ops, "
        f"{len(sparse)} with sparse weights"
    )
    summary += f", {len(claimed)} claimed by the delegate ({delegate['isa']})" if delegate["available"] else ""
    lines.append(summary)
    return "\n".join(lines)
