"""Whole models through the converter, from every kind of input: the result
runs on stock TFLite (tf.lite and ai_edge_litert) like the dense model, the
1x1 convolutions are block-sparse with the expected blocks, the rest dense."""

from __future__ import annotations

import numpy as np
import pytest

import test_converter_helpers as helpers
from tflite_sparse.converter import convert, convert_with_report
from tflite_sparse.converter import flatbuffer as fb, sparse_format
from tflite_sparse.converter.inspection import inspect

RUNTIMES = ("tf", "litert")
TOLERANCE = 1e-4
TINY_INPUT = (1, 16, 16, 3)


def _sparse_layers(data: bytes) -> dict[str, tuple[int, str, str]]:
    """Sparse weight name -> (block, segments type, indices type)."""
    model = fb.read_model(data)
    graph = model.subgraphs[0]
    found = {}
    for op in graph.operators:
        if fb.op_name(model, op) == "DENSIFY":
            tensor = graph.tensors[fb.index_list(op.inputs)[0]]
            found[fb.tensor_name(tensor)] = (
                sparse_format.block_along_dim0(tensor.sparsity),
                *sparse_format.index_types(tensor.sparsity),
            )
    return found


def _block_of(layers: dict, keras_name: str) -> int:
    matches = [value[0] for name, value in layers.items() if f"/{keras_name}/" in name]
    assert len(matches) == 1, f"{keras_name}: {sorted(layers)}"
    return matches[0]


def _assert_same_outputs(converted: bytes, reference: bytes, shape, seed: int = 0):
    x = helpers.random_input(shape, seed)
    for runtime in RUNTIMES:
        want = helpers.run_model(runtime, reference, x)
        got = helpers.run_model(runtime, converted, x)
        assert helpers.relative_error(got, want) <= TOLERANCE, runtime


@pytest.fixture(scope="module")
def tiny_result():
    return convert_with_report(helpers.tiny_pruned_model())


def test_keras_object_converts_with_the_expected_blocks(tiny_result):
    layers = _sparse_layers(tiny_result.data)
    assert len(layers) == 4  # pw_dense is not pruned; the classifier is an FC
    assert _block_of(layers, "pw_block4") == 4
    assert _block_of(layers, "pw_block2") == 2  # 30 channels
    assert _block_of(layers, "pw_free") == 1
    assert _block_of(layers, "pw_wide_in") == 4
    wide = next(v for n, v in layers.items() if "/pw_wide_in/" in n)
    assert wide[1:] == ("uint8", "uint16")  # 300 input channels
    free = next(v for n, v in layers.items() if "/pw_free/" in n)
    assert free[1:] == ("uint16", "uint8")  # 1800 non-zeros, 30 input channels
    assert tiny_result.verified and tiny_result.max_error <= TOLERANCE


def test_keras_object_result_matches_dense_on_stock_tflite(tiny_result):
    _assert_same_outputs(tiny_result.data, helpers.tiny_dense_tflite(), TINY_INPUT)
    _assert_same_outputs(tiny_result.data, helpers.tiny_dense_tflite(), (3, 16, 16, 3), seed=1)


def test_first_conv_depthwise_and_unpruned_layers_stay_dense(tiny_result, tmp_path):
    path = helpers.write(tmp_path, "tiny.tflite", tiny_result.data)
    rows = {r["index"]: r for r in inspect(path, delegate=False)["ops"]}
    convs = [r for r in rows.values() if r["op"] == "CONV_2D"]
    assert convs[0]["shape"] == [8, 3, 3, 3] and convs[0]["block"] is None
    assert all(r["block"] is None for r in rows.values() if r["op"] == "DEPTHWISE_CONV_2D")
    fc = [r for r in rows.values() if r["op"] == "FULLY_CONNECTED"]
    assert fc and fc[0]["block"] is None
    dense_pw = [r for r in convs if r["shape"] == [32, 1, 1, 16]]
    assert dense_pw and dense_pw[0]["block"] is None
    sparse = [r for r in convs if r["block"] is not None]
    assert len(sparse) == 4 and all(r["sparsity"] >= 0.79 for r in sparse)


def test_dense_buffers_are_dropped_and_data_aligned(tiny_result):
    model = fb.read_model(tiny_result.data)
    graph = model.subgraphs[0]
    for op in graph.operators:
        if fb.op_name(model, op) == "DENSIFY":
            assert not fb.buffer_bytes(model, graph.tensors[fb.index_list(op.outputs)[0]])
    assert len(tiny_result.data) < 0.6 * len(helpers.tiny_dense_tflite())
    # every buffer's data starts 16-byte aligned in the file
    base = np.frombuffer(tiny_result.data, np.uint8).ctypes.data
    root = fb.schema.Model.GetRootAsModel(tiny_result.data, 0)
    for i in range(root.BuffersLength()):
        if root.Buffers(i).DataLength():
            assert (root.Buffers(i).DataAsNumpy().ctypes.data - base) % 16 == 0


def test_fully_connected_when_asked(tiny_result):
    result = convert_with_report(helpers.tiny_dense_tflite(), fully_connected=True, prune=0.8,
                                 prune_classifier=True, block=2)
    layers = _sparse_layers(result.data)
    assert any("classifier" in name for name in layers)
    assert all(block == 2 for block, *_ in layers.values())
    _assert_same_outputs(result.data, convert(helpers.tiny_dense_tflite(), sparse=False, prune=0.8,
                                              prune_classifier=True, block=2, fully_connected=True), TINY_INPUT)


def test_dense_tflite_input(tiny_result, tmp_path):
    path = helpers.write(tmp_path, "dense.tflite", helpers.tiny_dense_tflite())
    result = convert_with_report(path)
    assert _sparse_layers(result.data) == _sparse_layers(tiny_result.data)
    assert result.verified


def test_tf_sparse_tflite_input_is_reencoded_with_blocks(tiny_result, tmp_path):
    tf_sparse = helpers.tiny_tf_sparse_tflite()
    before = _sparse_layers(tf_sparse)
    assert before and all(block == 1 for block, *_ in before.values())  # TF: unstructured only
    path = helpers.write(tmp_path, "tf_sparse.tflite", tf_sparse)
    result = convert_with_report(path)
    after = _sparse_layers(result.data)
    assert _block_of(after, "pw_block4") == 4 and _block_of(after, "pw_block2") == 2
    _assert_same_outputs(result.data, tf_sparse, TINY_INPUT)
    _assert_same_outputs(result.data, helpers.tiny_dense_tflite(), TINY_INPUT)


def test_tfmot_wrapped_model_is_stripped():
    wrapped = helpers.tiny_wrapped_model()
    assert any(type(l).__name__ == "PruneLowMagnitude" for l in wrapped.layers)
    result = convert_with_report(wrapped)
    layers = _sparse_layers(result.data)
    assert len(layers) == 5  # every 1x1 conv was pruned by tfmot; the FC stays dense
    assert not any("prune_low_magnitude" in name for name in layers)
    assert result.verified


def test_keras_h5_and_keras_v3_files(tmp_path, tiny_result):
    h5 = tmp_path / "wrapped.h5"
    helpers.tiny_wrapped_model().save(h5)
    assert len(_sparse_layers(convert(h5))) == 5
    keras_file = tmp_path / "pruned.keras"
    helpers.tiny_pruned_model().save(keras_file)
    assert _sparse_layers(convert(keras_file)) == _sparse_layers(tiny_result.data)


def test_saved_model_directories(tmp_path, tiny_result):
    import tensorflow as tf

    wrapped_dir = tmp_path / "wrapped_savedmodel"
    helpers.tiny_wrapped_model().save(wrapped_dir, save_format="tf")
    assert len(_sparse_layers(convert(wrapped_dir))) == 5
    plain_dir = tmp_path / "plain_savedmodel"
    tf.saved_model.save(helpers.tiny_pruned_model(), str(plain_dir))
    result = convert_with_report(plain_dir)
    assert {v[0] for v in _sparse_layers(result.data).values()} == {4, 2, 1}
    _assert_same_outputs(result.data, helpers.tiny_dense_tflite(), TINY_INPUT)


@pytest.mark.parametrize("block", ("auto", 1, 2, 4))
def test_mobilenet_oneshot_prune_every_block(block):
    result = convert_with_report(helpers.mobilenet_small_tflite(), prune=0.9, block=block)
    encoded = result.encoded
    assert len(encoded) == 13 and len(result.pruned) == 13  # the classifier is not pruned
    expected = 4 if block == "auto" else int(block)  # auto: blocks of 4 (every channel count divides)
    assert {layer.block for layer in encoded} == {expected}
    assert all(abs(layer.sparsity - 0.9) < 0.01 for layer in encoded)
    reference = convert(helpers.mobilenet_small_tflite(), sparse=False, prune=0.9, block=block)
    _assert_same_outputs(result.data, reference, (1, 96, 96, 3))


def test_verification_catches_a_wrong_model():
    from tflite_sparse.converter.verify import VerificationError, verify

    data = convert(helpers.mobilenet_small_tflite(), prune=0.9, block=4)
    model = fb.read_model(data)
    graph = model.subgraphs[0]
    sparse = next(t for t in graph.tensors if t.sparsity is not None)
    values = np.frombuffer(fb.buffer_bytes(model, sparse), np.float32).copy()
    values[: values.size // 2] *= 3.0
    fb.set_buffer(model, sparse.buffer, values.tobytes())
    with pytest.raises(VerificationError, match="differs from the dense model"):
        verify(data, fb.write_model(model))


def test_own_output_and_bytes_input_reencode_identically(tiny_result):
    again = convert_with_report(tiny_result.data)  # .tflite bytes, already block-sparse
    assert _sparse_layers(again.data) == _sparse_layers(tiny_result.data)
    _assert_same_outputs(again.data, helpers.tiny_dense_tflite(), TINY_INPUT)


def test_package_level_api(tiny_result, tmp_path):
    import tflite_sparse

    path = helpers.write(tmp_path, "dense.tflite", helpers.tiny_dense_tflite())
    data = tflite_sparse.convert(str(path), block=1, verify=False)
    assert isinstance(data, bytes) and {v[0] for v in _sparse_layers(data).values()} == {1}
    out = helpers.write(tmp_path, "sparse.tflite", data)
    table = tflite_sparse.inspect(out)
    assert table["bytes"] == len(data)
    assert sum(1 for row in table["ops"] if row["op"] == "DENSIFY") == 4
