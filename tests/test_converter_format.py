"""The sparse encoding against TFLite's own decoder, the block-size rule and
one-shot pruning. Stock DENSIFY must give back exactly the dense weights."""

from __future__ import annotations

import numpy as np
import pytest

from test_converter_helpers import densify_only_model, stock_densify
from tflite_sparse.converter import blocks, sparse_format
from tflite_sparse.converter.oneshot_prune import magnitude_prune

RUNTIMES = ("tf", "litert")
INDEX_TYPES = ("uint8", "uint16", "int32")


def _weights(out_channels, in_channels, sparsity, block=1, seed=0, fc=False):
    rng = np.random.default_rng(seed)
    shape = (out_channels, in_channels) if fc else (out_channels, 1, 1, in_channels)
    dense = rng.normal(size=shape).astype(np.float32)
    return magnitude_prune(dense, sparsity, block) if sparsity else dense


def _round_trip(weights, block, runtime, segments_type=None, indices_type=None):
    encoded = sparse_format.encode(weights, block, segments_type, indices_type)
    model = densify_only_model(encoded.sparsity, encoded.values, weights.shape)
    return encoded, stock_densify(runtime, model)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("block", (1, 2, 4))
@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_stock_densify_decodes_every_block_and_index_type(runtime, block, index_type):
    weights = _weights(24, 20, 0.8, block, seed=block)
    encoded, decoded = _round_trip(weights, block, runtime, index_type, index_type)
    assert encoded.segments_type == encoded.indices_type == index_type
    assert encoded.block == block
    np.testing.assert_array_equal(decoded, weights)
    np.testing.assert_array_equal(sparse_format.decode(encoded.sparsity, encoded.values, weights.shape), weights)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    "out_channels, in_channels, sparsity, block, want_segments, want_indices",
    [
        (16, 200, 0.5, 4, "uint16", "uint8"),  # 400 non-zero blocks, indices < 200
        (64, 300, 0.9, 1, "uint16", "uint16"),  # indices up to 299
        (512, 512, 0.5, 1, "int32", "uint16"),  # 131072 non-zeros: int32 segments
        (8, 70000, 0.99, 2, "uint16", "int32"),  # indices past 65535
    ],
)
def test_smallest_index_type_that_fits(runtime, out_channels, in_channels, sparsity, block, want_segments, want_indices):
    weights = _weights(out_channels, in_channels, sparsity, block, seed=7)
    encoded, decoded = _round_trip(weights, block, runtime)
    assert (encoded.segments_type, encoded.indices_type) == (want_segments, want_indices)
    np.testing.assert_array_equal(decoded, weights)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("out_channels, pruned_with, expected", [(30, 4, 2), (15, 4, 1), (15, 2, 1), (6, 4, 2), (10, 2, 2)])
def test_auto_falls_back_when_4_does_not_divide_the_channels(runtime, out_channels, pruned_with, expected):
    weights = _weights(out_channels, 12, 0.75, pruned_with, seed=out_channels)
    choice = blocks.choose(weights, "auto", "layer_x")
    assert choice.block == expected
    if expected < 4:
        assert f"{out_channels} channels are not a multiple of 4" in choice.reason
    _, decoded = _round_trip(weights, choice.block, runtime)
    np.testing.assert_array_equal(decoded, weights)


@pytest.mark.parametrize("out_channels, requested", [(30, 4), (15, 4), (15, 2), (6, 4)])
def test_explicit_block_that_does_not_divide_names_the_layer(out_channels, requested):
    weights = _weights(out_channels, 12, 0.75, 1, seed=out_channels)
    with pytest.raises(ValueError, match=rf"--block {requested}: layer 'layer_x' has {out_channels} output "
                       rf"channels, not a multiple of {requested}; use --block auto"):
        blocks.choose(weights, requested, "layer_x")


def test_encode_rejects_a_block_that_does_not_divide_the_channels():
    with pytest.raises(sparse_format.SparseFormatError, match="block 4 does not divide the 30 output channels"):
        sparse_format.encode(_weights(30, 8, 0.5), 4)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("block", (1, 4))
def test_fully_connected_weights_round_trip(runtime, block):
    weights = _weights(40, 33, 0.9, block, fc=True)
    encoded, decoded = _round_trip(weights, block, runtime)
    assert list(encoded.sparsity.traversalOrder) == ([0, 1, 2] if block > 1 else [0, 1])
    np.testing.assert_array_equal(decoded, weights)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_decoder_handles_blocks_along_the_input_dimension(runtime):
    """TF's converter writes FC weights with 1x4 blocks (block_map [1]); the
    decoder that normalises such inputs must agree with stock DENSIFY."""
    from tflite_sparse.converter.flatbuffer import schema

    weights = _weights(4, 8, 0.0, fc=True)
    weights[1, 4:] = 0.0
    weights[3, :4] = 0.0
    stored = [(0, 0), (0, 1), (1, 0), (2, 0), (2, 1), (3, 1)]  # (row, column block)

    def level(size=None, segments=None, indices=None):
        metadata = schema.DimensionMetadataT()
        if segments is None:
            metadata.format, metadata.denseSize = sparse_format.DENSE, size
            return metadata
        metadata.format = sparse_format.SPARSE_CSR
        metadata.arraySegmentsType = metadata.arrayIndicesType = schema.SparseIndexVector.Uint8Vector
        metadata.arraySegments, metadata.arrayIndices = schema.Uint8VectorT(), schema.Uint8VectorT()
        metadata.arraySegments.values, metadata.arrayIndices.values = segments, indices
        return metadata

    params = schema.SparsityParametersT()
    params.traversalOrder, params.blockMap = [0, 1, 2], [1]
    params.dimMetadata = [level(4), level(segments=[0, 2, 3, 5, 6], indices=[b for _, b in stored]), level(4)]
    values = np.concatenate([weights[r, 4 * b : 4 * b + 4] for r, b in stored])
    np.testing.assert_array_equal(sparse_format.decode(params, values, weights.shape), weights)
    np.testing.assert_array_equal(stock_densify(runtime, densify_only_model(params, values, weights.shape)), weights)


def test_layout_matches_tflite_conventions():
    encoded = sparse_format.encode(_weights(8, 16, 0.5, 4), 4)
    params = encoded.sparsity
    assert list(params.traversalOrder) == [0, 1, 2, 3, 4]
    assert list(params.blockMap) == [0]
    formats = [level.format for level in params.dimMetadata]
    dense, csr = sparse_format.DENSE, sparse_format.SPARSE_CSR
    assert formats == [dense, dense, dense, csr, dense]
    assert [params.dimMetadata[i].denseSize for i in (0, 1, 2, 4)] == [2, 1, 1, 4]
    assert sparse_format.block_along_dim0(params) == 4
    assert encoded.values.size % 4 == 0
    unblocked = sparse_format.encode(_weights(8, 16, 0.5), 1).sparsity
    assert list(unblocked.traversalOrder) == [0, 1, 2, 3] and not unblocked.blockMap


def test_all_zero_and_fully_dense_weights():
    zeros = np.zeros((8, 1, 1, 5), np.float32)
    encoded = sparse_format.encode(zeros, 4)
    assert encoded.values.size == 4  # one explicit zero block: DENSIFY needs data
    np.testing.assert_array_equal(stock_densify("litert", densify_only_model(encoded.sparsity, encoded.values, zeros.shape)), zeros)
    dense = _weights(8, 5, 0.0)
    encoded = sparse_format.encode(dense, 2)
    assert encoded.values.size == dense.size
    np.testing.assert_array_equal(sparse_format.decode(encoded.sparsity, encoded.values, dense.shape), dense)


def test_decode_rejects_inconsistent_metadata():
    weights = _weights(8, 16, 0.5, 4)
    encoded = sparse_format.encode(weights, 4)
    with pytest.raises(sparse_format.SparseFormatError, match="stores"):
        sparse_format.decode(encoded.sparsity, encoded.values[:-4], weights.shape)
    with pytest.raises(sparse_format.SparseFormatError, match="does not divide"):
        sparse_format.decode(encoded.sparsity, encoded.values, (6, 1, 1, 16))


# --- block-size rule ---------------------------------------------------------


def test_auto_block_picks_the_largest_block_that_keeps_the_zeros():
    assert blocks.choose_block(_weights(64, 64, 0.9, 4)) == 4
    assert blocks.choose_block(_weights(64, 64, 0.9, 2)) == 2
    assert blocks.choose_block(_weights(64, 64, 0.9, 1)) == 1  # unstructured: ~73% kept by 4
    assert blocks.choose_block(_weights(30, 64, 0.9, 2)) == 2  # 4 does not divide 30
    assert blocks.choose_block(np.zeros((8, 1, 1, 4), np.float32)) == 4


def test_auto_block_threshold_is_98_percent_of_the_zeros():
    weights = _weights(64, 100, 0.9, 4)  # 5760 zeros, all in empty blocks of 4
    zero_blocks = np.argwhere(~np.any(weights.reshape(16, 4, 100) != 0, axis=1))
    nearly = weights.copy()
    for row, col in zero_blocks[:20]:  # 20 blocks get one non-zero: 60 zeros stored (1.05%)
        nearly[row * 4, 0, 0, col] = 1.0
    assert blocks.zeros_kept(nearly, 4) >= blocks.RETENTION
    assert blocks.choose_block(nearly) == 4
    spoiled = weights.copy()
    for row, col in zero_blocks[:80]:  # 240 zeros stored (4.2%): 4 is no longer usable
        spoiled[row * 4, 0, 0, col] = 1.0
    assert blocks.zeros_kept(spoiled, 4) < blocks.RETENTION
    assert blocks.choose_block(spoiled) == 2 if blocks.zeros_kept(spoiled, 2) >= blocks.RETENTION else 1


def test_requested_block_is_kept_when_it_divides():
    weights = _weights(64, 64, 0.9, 1)
    assert blocks.choose_block(weights, 4) == 4  # lossless: zeros stored explicitly
    assert blocks.choose(weights, 4).reason == "--block 4"
    with pytest.raises(ValueError, match="not one of"):
        blocks.choose_block(weights, 3)


# --- one-shot pruning --------------------------------------------------------


def test_auto_block_reasons_name_what_decided():
    assert blocks.choose(_weights(64, 64, 0.9, 4)).reason == "auto: all-zero blocks of 4 hold 100% of its zeros"
    reason = blocks.choose(_weights(64, 64, 0.9, 1)).reason
    assert reason.startswith("auto: blocks of 4 hold only") and "blocks of 2 hold only" in reason


@pytest.mark.parametrize("out_channels, expected", [(64, 4), (30, 2), (15, 1), (4, 4), (2, 2)])
def test_pruning_block_auto_takes_the_fastest_block_that_fits(out_channels, expected):
    choice = blocks.pruning_block(out_channels, "auto", "layer_x")
    assert choice.block == expected
    if expected == 4:
        assert "fastest" in choice.reason
    else:
        assert f"{out_channels} output channels are not a multiple of 4" in choice.reason
    assert blocks.pruning_block(out_channels, 1, "layer_x").block == 1
    if out_channels % 4:
        with pytest.raises(ValueError, match=f"layer 'layer_x' has {out_channels} output channels"):
            blocks.pruning_block(out_channels, 4, "layer_x")


@pytest.mark.parametrize("block", (1, 2, 4))
def test_magnitude_prune_hits_the_sparsity_in_whole_blocks(block):
    weights = _weights(32, 50, 0.0)
    pruned = magnitude_prune(weights, 0.9, block)
    assert abs(np.mean(pruned == 0) - 0.9) < 0.01
    assert blocks.zeros_kept(pruned, block) == 1.0
    kept = pruned != 0
    np.testing.assert_array_equal(pruned[kept], weights[kept])  # survivors untouched
    assert np.abs(weights[kept]).mean() > np.abs(weights[~kept]).mean()


def test_magnitude_prune_falls_back_when_the_block_does_not_divide():
    pruned = magnitude_prune(_weights(30, 40, 0.0), 0.8, 4)
    assert blocks.zeros_kept(pruned, 2) == 1.0


@pytest.mark.parametrize("value", (-0.1, 1.0, 1.5, "x"))
def test_sparsity_outside_the_unit_interval_is_rejected(value):
    with pytest.raises(ValueError, match=r"sparsity"):
        magnitude_prune(_weights(8, 8, 0.0), value)
