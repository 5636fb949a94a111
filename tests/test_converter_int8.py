"""`tflite convert --sparse --int8`: full-integer models whose pruned 1x1 conv
weights are stored sparse as int8 (SparsityParameters + stock DENSIFY).

The reference everywhere is the dense int8 model TF's post-training
quantization makes from the same pruned model and representative data; on
stock TFLite's builtin kernels (XNNPACK off) the sparse file must compute
exactly the same integers, on both runtimes.
"""

from __future__ import annotations

import copy
import functools
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import test_converter_helpers as helpers  # noqa: E402
from tflite_sparse import cli  # noqa: E402
from tflite_sparse.converter import ConversionError, convert, convert_with_report  # noqa: E402
from tflite_sparse.converter import flatbuffer as fb, sparse_format  # noqa: E402
from tflite_sparse.converter.flatbuffer import schema  # noqa: E402

SPARSITY = 0.9
# 1x1 convs (all Conv -> BN -> ReLU6, as in MobileNets) -> (out channels, pruning block)
POINTWISE = {"pw_a": (32, 4), "pw_b": (48, 1), "pw_c": (30, 2)}
INPUT_SHAPE = (1, 16, 16, 3)
RUNTIMES = ("tf", "litert")


def _layers(keras):
    inputs = keras.Input(INPUT_SHAPE[1:])
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="first")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU(6.0)(x)
    for name, (channels, _) in POINTWISE.items():
        x = keras.layers.DepthwiseConv2D(3, padding="same", name=f"dw_{name}")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU(6.0)(x)
        x = keras.layers.Conv2D(channels, 1, name=name)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(10, name="classifier")(x)
    return keras.Model(inputs, outputs, name="int8net")


@functools.lru_cache(maxsize=None)
def pruned_model():
    import tensorflow as tf
    import tf_keras

    tf.random.set_seed(3)
    model = _layers(tf_keras)
    for name, (_, block) in POINTWISE.items():
        helpers.prune_keras_layer(model.get_layer(name), SPARSITY, block)
    return model


def representative(count: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (count,) + INPUT_SHAPE[1:]).astype(np.float32)


@functools.lru_cache(maxsize=None)
def tf_dense_int8(int8_io: bool = False) -> bytes:
    """TF's own post-training full-integer quantization of the pruned model (dense)."""
    import tensorflow as tf

    data = representative()
    converter = tf.lite.TFLiteConverter.from_keras_model(pruned_model())
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([data[i : i + 1]] for i in range(len(data)))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if int8_io:
        converter.inference_input_type = converter.inference_output_type = tf.int8
    return converter.convert()


@functools.lru_cache(maxsize=None)
def sparse_result(int8_io: bool = False):
    return convert_with_report(pruned_model(), int8=True, representative=representative(), int8_io=int8_io)


def _input(data: bytes, seed: int = 1) -> np.ndarray:
    detail = helpers.stock_interpreter("litert", model_content=data).get_input_details()[0]
    rng = np.random.default_rng(seed)
    if detail["dtype"] == np.int8:
        return rng.integers(-128, 128, INPUT_SHAPE).astype(np.int8)
    return rng.uniform(-1, 1, INPUT_SHAPE).astype(np.float32)


def _run(runtime: str, data: bytes, x: np.ndarray, xnnpack: bool) -> np.ndarray:
    interpreter = helpers.stock_interpreter(runtime, model_content=data, delegates=xnnpack)
    return helpers.run(interpreter, x)


def _sparse_weights(data: bytes) -> dict[str, "schema.TensorT"]:
    """Name of each DENSIFY output (the dense weight's name) -> its sparse input."""
    model = fb.read_model(data)
    graph = model.subgraphs[0]
    return {
        fb.tensor_name(graph.tensors[fb.index_list(op.outputs)[0]]): graph.tensors[fb.index_list(op.inputs)[0]]
        for op in graph.operators
        if fb.op_name(model, op) == "DENSIFY"
    }, model


def _dense_weights(data: bytes) -> dict[str, tuple[np.ndarray, "schema.TensorT"]]:
    model = fb.read_model(data)
    graph = model.subgraphs[0]
    found = {}
    for op in graph.operators:
        if fb.op_name(model, op) == "CONV_2D":
            tensor = graph.tensors[fb.index_list(op.inputs)[1]]
            found[fb.tensor_name(tensor)] = (fb.constant_array(model, tensor), tensor)
    return found


# ------------------------------------------------------------------ format


def test_pruned_1x1_weights_are_stored_sparse_int8_with_their_quantization():
    result = sparse_result()
    assert result.int8 and result.io_type == "float32"
    sparse, model = _sparse_weights(result.data)
    assert len(sparse) == 3  # pw_a, pw_b, pw_c; the first conv and the classifier stay dense
    dense = _dense_weights(tf_dense_int8())
    blocks = {}
    for name, tensor in sparse.items():
        want, dense_tensor = dense[name]
        assert want.dtype == np.int8
        assert tensor.type == schema.TensorType.INT8
        values = np.frombuffer(fb.buffer_bytes(model, tensor), np.int8)
        stored = sparse_format.storage_bytes(tensor.sparsity, values.nbytes)
        assert stored < want.nbytes, (name, stored, want.nbytes)
        # densifying gives exactly TF's dense int8 weights
        np.testing.assert_array_equal(sparse_format.decode(tensor.sparsity, values, want.shape), want)
        # per-channel scales and zero points kept exactly
        for t in (tensor, model.subgraphs[0].tensors[_index_of(model, name)]):
            np.testing.assert_array_equal(t.quantization.scale, dense_tensor.quantization.scale)
            np.testing.assert_array_equal(t.quantization.zeroPoint, dense_tensor.quantization.zeroPoint)
            assert t.quantization.quantizedDimension == dense_tensor.quantization.quantizedDimension
        blocks[name] = sparse_format.block_along_dim0(tensor.sparsity)
    assert sorted(blocks.values()) == [1, 2, 4]
    assert result.verified and result.max_error == 0.0


def _index_of(model, name: str) -> int:
    return next(i for i, t in enumerate(model.subgraphs[0].tensors) if fb.tensor_name(t) == name)


def test_bias_and_every_other_constant_are_unchanged():
    """int32 biases and all other constants are byte-identical to TF's dense int8 model."""
    def constants(data):
        model = fb.read_model(data)
        return {
            fb.tensor_name(t): (t.type, fb.buffer_bytes(model, t))
            for t in model.subgraphs[0].tensors
            if fb.buffer_bytes(model, t) and t.sparsity is None
        }

    got, want = constants(sparse_result().data), constants(tf_dense_int8())
    sparse_names = set(_sparse_weights(sparse_result().data)[0])
    assert set(got) == set(want) - sparse_names
    assert any(kind == schema.TensorType.INT32 for kind, _ in got.values())
    for name, value in got.items():
        assert value == want[name], name


def test_stock_densify_output_is_the_dense_int8_weight():
    """The DENSIFY op of stock TFLite itself (preserved intermediate tensors)."""
    from ai_edge_litert import interpreter as litert

    data = sparse_result().data
    interpreter = litert.Interpreter(
        model_content=data, experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], _input(data))
    interpreter.invoke()
    dense = _dense_weights(tf_dense_int8())
    model = fb.read_model(data)  # by index: stock DENSIFY renames its output tensor
    for name in _sparse_weights(data)[0]:
        got = interpreter.get_tensor(_index_of(model, name))
        np.testing.assert_array_equal(got, dense[name][0])


# ---------------------------------------------------------------- outputs


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("int8_io", (False, True))
def test_outputs_equal_the_dense_int8_model_without_xnnpack(runtime, int8_io):
    data, reference = sparse_result(int8_io).data, tf_dense_int8(int8_io)
    for seed in (1, 2, 3):
        x = _input(data, seed)
        got, want = _run(runtime, data, x, False), _run(runtime, reference, x, False)
        assert got.dtype == (np.int8 if int8_io else np.float32)
        assert np.std(want.astype(np.float64)) > 0  # not a degenerate output
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_with_xnnpack_outputs_equal_dense_int8_on_xnnpack(runtime):
    """With the default delegates (XNNPACK) on both sides the integers are equal
    too (measured: 0 LSB). XNNPACK and the builtin kernels round differently:
    on this 10-layer model their outputs differ by up to 2 LSB (measured, not
    asserted: a property of stock TFLite, the same for the dense model)."""
    data, reference = sparse_result(True).data, tf_dense_int8(True)
    for seed in (1, 2):
        x = _input(data, seed)
        got, want = _run(runtime, data, x, True), _run(runtime, reference, x, True)
        np.testing.assert_array_equal(got, want)


def test_int8_io_option():
    model = fb.read_model(sparse_result(True).data)
    graph = model.subgraphs[0]
    for index in list(graph.inputs) + list(graph.outputs):
        assert graph.tensors[index].type == schema.TensorType.INT8
    assert sparse_result(True).io_type == "int8"
    ops = [fb.op_name(model, op) for op in graph.operators]
    assert "QUANTIZE" not in ops and "DEQUANTIZE" not in ops
    float_ops = [fb.op_name(fb.read_model(sparse_result().data), op)
                 for op in fb.read_model(sparse_result().data).subgraphs[0].operators]
    assert float_ops[0] == "QUANTIZE" and float_ops[-1] == "DEQUANTIZE"


# ------------------------------------------------------ an int8 .tflite input


def test_an_int8_tflite_is_sparsified_in_place(tmp_path):
    path = helpers.write(tmp_path, "dense_int8.tflite", tf_dense_int8())
    for int8 in (True, False):  # int8 weights are stored sparse either way
        result = convert_with_report(path, int8=int8)
        assert result.int8 and len(result.encoded) == 3 and result.max_error == 0.0
        assert result.data == sparse_result().data
    x = _input(result.data)
    np.testing.assert_array_equal(_run("litert", result.data, x, False), _run("litert", tf_dense_int8(), x, False))


def test_tf_experimental_sparsity_int8_output_is_reencoded_with_blocks(tmp_path):
    """TF's converter itself writes unstructured int8 sparse conv weights with
    EXPERIMENTAL_SPARSITY + full-integer quantization; they are re-encoded."""
    import tensorflow as tf

    data = representative()
    converter = tf.lite.TFLiteConverter.from_keras_model(pruned_model())
    converter.optimizations = [tf.lite.Optimize.DEFAULT, tf.lite.Optimize.EXPERIMENTAL_SPARSITY]
    converter.representative_dataset = lambda: ([data[i : i + 1]] for i in range(len(data)))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    tf_sparse = converter.convert()
    tf_tensors, _ = _sparse_weights(tf_sparse)
    assert tf_tensors and all(
        t.type == schema.TensorType.INT8 and (t.sparsity.blockMap is None or len(t.sparsity.blockMap) == 0)
        for t in tf_tensors.values()
    )
    result = convert_with_report(tf_sparse)
    ours, _ = _sparse_weights(result.data)
    assert sorted(sparse_format.block_along_dim0(t.sparsity) for t in ours.values()) == [1, 2, 4]
    x = _input(result.data)
    np.testing.assert_array_equal(_run("tf", result.data, x, False), _run("tf", tf_sparse, x, False))


def test_a_float_tflite_cannot_be_quantized(tmp_path):
    path = helpers.write(tmp_path, "float.tflite", helpers.tiny_dense_tflite())
    with pytest.raises(ConversionError, match=r"--int8: .*float.tflite is a float \.tflite"):
        convert(path, int8=True, representative=representative())


# --------------------------------------------------------- representative data


def test_representative_callable_npz_and_array_give_the_same_samples(tmp_path):
    from tflite_sparse.converter import quantize

    data = representative()
    specs = quantize.keras_input_specs(pruned_model())
    assert specs == [(specs[0][0], (-1, 16, 16, 3), np.dtype(np.float32))]
    want = quantize.samples(data, specs)
    assert len(want) == 16 and want[0][0].shape == INPUT_SHAPE
    npz, npy = tmp_path / "rep.npz", tmp_path / "rep.npy"
    np.savez(npz, data)
    np.save(npy, data.astype(np.float64))  # cast to the input's float32
    for other in (
        quantize.samples(lambda: ([data[i : i + 1]] for i in range(16)), specs),
        quantize.samples(lambda: (data[i : i + 1] for i in range(16)), specs),  # bare arrays
        quantize.samples(npz, specs),
        quantize.samples(str(npy), specs),
        quantize.samples([data], specs),
        quantize.samples({specs[0][0]: data}, specs),
    ):
        assert len(other) == 16
        for got, expected in zip(other, want):
            assert got[0].dtype == np.float32
            np.testing.assert_array_equal(got[0], expected[0])


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((4, 16, 16), np.float32), r"--representative: .*shape \[4, 16, 16\] .*takes \[N, 16, 16, 3\]"),
        (np.zeros((4, 16, 15, 3), np.float32), r"--representative: .*shape \[4, 16, 15, 3\]"),
        (np.array([["a"]]), r"--representative: .*dtype"),
        (np.full((2, 16, 16, 3), np.nan, np.float32), r"--representative: .*NaN"),
        (None, r"--int8 needs --representative"),
        (lambda: [], r"--representative: .*no sample"),
        (lambda: [np.zeros((1, 8, 8, 3), np.float32)], r"--representative: sample 0 .*\[1, 8, 8, 3\]"),
        ("/nonexistent/rep.npy", r"--representative /nonexistent/rep.npy: no such file"),
    ],
)
def test_bad_representative_data_is_a_clear_error(bad, message):
    with pytest.raises(ConversionError, match=message):
        convert(pruned_model(), int8=True, representative=bad)


def test_representative_without_int8_is_an_error():
    with pytest.raises(ConversionError, match="--representative is for quantizing: add --int8"):
        convert(b"", representative=representative())


# -------------------------------------------------------------------- CLI


def _main(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_int8(capsys, tmp_path):
    source = tmp_path / "pruned.h5"
    pruned_model().save(source)
    rep = tmp_path / "rep.npy"
    np.save(rep, representative())
    out = tmp_path / "out.tflite"
    code, stdout, stderr = _main(capsys, "convert", "--sparse", "--int8", "--representative", rep,
                                 source, "-o", out)
    assert code == 0, stderr
    assert "full-integer int8 model, float32 inputs and outputs" in stdout
    assert "verified on stock TFLite: max relative error 0" in stdout
    assert out.read_bytes() == sparse_result().data

    np.save(rep, np.zeros((2, 8, 8, 3), np.float32))
    bad_out = tmp_path / "bad.tflite"
    code, _, stderr = _main(capsys, "convert", "--sparse", "--int8", "--representative", rep,
                            source, "-o", bad_out)
    assert code == 1 and "--representative" in stderr and "[2, 8, 8, 3]" in stderr
    assert not bad_out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tflite", "pruned.h5", "rep.npy"]


# ------------------------------------------------ bad quantization parameters


def _mutant(change) -> bytes:
    """The dense int8 model with ``change(tensor)`` applied to pw_b's weight."""
    model = fb.read_model(tf_dense_int8())
    graph = model.subgraphs[0]
    name = next(n for n in _dense_weights(tf_dense_int8()) if "pw_b" in n)
    change(graph.tensors[_index_of(model, name)])
    return fb.write_model(model)


def _set_scale(index, value):
    def change(tensor):
        scales = np.array(tensor.quantization.scale, np.float32)
        scales[index] = value
        tensor.quantization.scale = scales
    return change


def _set(field, value):
    def change(tensor):
        setattr(tensor.quantization, field, value)
    return change


MUTANTS = {
    "zero_scale": (_set_scale(3, 0.0), r"scale 0\.0 \(scales must be finite and positive\)"),
    "negative_scale": (_set_scale(0, -0.5), r"scale -0\.5"),
    "nan_scale": (_set_scale(5, np.nan), r"scale nan"),
    "infinite_scale": (_set_scale(5, np.inf), r"scale inf"),
    "scale_count": (lambda t: (_set("scale", np.full(47, 0.01, np.float32))(t), _set("zeroPoint", np.zeros(47, np.int64))(t)),
                    r"47 per-channel quantization scales but dimension 0 .* has 48 channels"),
    "zero_point_count": (_set("zeroPoint", np.zeros(3, np.int64)), r"48 quantization scales but 3 zero points"),
    "zero_point_range": (_set("zeroPoint", np.full(48, 200, np.int64)), r"zero point 200, outside \[-128, 127\]"),
    "quantized_dimension": (_set("quantizedDimension", 4), r"quantized_dimension 4, outside its rank 4"),
    "quantized_dimension_not_output": (
        _set("quantizedDimension", 3), r"dimension 3 \(quantized_dimension\) has 32 channels"
    ),
    "no_scale": (lambda t: setattr(t, "quantization", None), r"int8 weight of a CONV_2D, has no quantization scale"),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_bad_quantization_parameters_are_clear_errors(mutant, tmp_path, capsys):
    change, message = MUTANTS[mutant]
    path = helpers.write(tmp_path, f"{mutant}.tflite", _mutant(change))
    with pytest.raises(ConversionError, match=message) as caught:
        convert(path)
    text = str(caught.value)
    assert str(path) in text and "pw_b" in text, text
    out = tmp_path / "out.tflite"
    code, _, stderr = _main(capsys, "convert", "--sparse", "--int8", path, "-o", out)
    assert code == 1 and str(path) in stderr and "pw_b" in stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [f"{mutant}.tflite"]


# ------------------------------------------------- quantization-aware training


def test_prune_preserving_qat_model_converts_without_representative_data():
    """tfmot's Default8BitPrunePreserveQuantizeScheme keeps the zeros of
    Conv -> BN -> ReLU 1x1 convs through QAT fine-tuning; the QAT model is
    quantized from its learnt ranges."""
    import tensorflow_model_optimization as tfmot

    annotated = tfmot.quantization.keras.quantize_annotate_model(pruned_model())
    qat = tfmot.quantization.keras.quantize_apply(
        annotated, tfmot.experimental.combine.Default8BitPrunePreserveQuantizeScheme()
    )
    qat.compile("adam", "mse")
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (16,) + INPUT_SHAPE[1:]).astype(np.float32)
    qat.fit(x, rng.normal(size=(16, 10)).astype(np.float32), epochs=1, batch_size=8, verbose=0)
    result = convert_with_report(qat, int8=True)
    assert result.int8 and result.max_error == 0.0
    encoded = {layer.name: layer for layer in result.encoded}
    assert len(encoded) == 3, [(l.name, l.sparsity) for l in result.layers]
    assert all(layer.sparsity >= SPARSITY - 0.01 for layer in encoded.values())


# The delegate on these files: tests/test_delegate_int8.py.


def test_saved_model_input_and_oneshot_pruning_of_int8_weights(tmp_path):
    import tensorflow as tf

    saved = tmp_path / "saved"
    tf.saved_model.save(pruned_model(), str(saved))
    result = convert_with_report(saved, int8=True, representative=representative())
    assert result.int8 and len(result.encoded) == 3 and result.max_error == 0.0
    # --prune on an int8 file prunes the int8 weights themselves (exact: values stay integers)
    pruned = convert_with_report(tf_dense_int8(), prune=0.95)
    assert pruned.pruned and pruned.max_error == 0.0
    assert all(layer.sparsity >= 0.94 for layer in pruned.encoded)
