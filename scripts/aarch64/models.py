"""The models of the aarch64 end-to-end test and the ARM instruction counts,
built and converted on the host (TensorFlow is x86-only here), with a
manifest the arm64 side reads.

    python scripts/aarch64/models.py OUT_DIR [--only NAME ...] [--dense]

Writes OUT_DIR/NAME.tflite for every ready model and OUT_DIR/manifest.json:
one entry per model in MODELS (pending ones too, with the reason), each with
what the delegate must claim. ``--dense`` also writes the dense (unpruned)
file of each ready model's family, for the instruction counts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from tflite_sparse import subjects  # noqa: E402

# Every model's body: these ops must all be claimed, in one partition unless
# `partitions` says otherwise; `unclaimed_last` names ops whose last node (a
# classifier) stays with TFLite.
BODY_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "DENSIFY", "MEAN", "PAD", "ADD")


@dataclass
class Model:
    name: str
    family: str  # keras_mbv1 | pad_mbv1 | keras_mbv2 | keras_efficientnet_b0
    converter: str  # "tf" (EXPERIMENTAL_SPARSITY, unstructured) | "tflite_sparse" (blocks in the file)
    block: int = 1
    sparsity: float = 0.9
    partitions: int = 1
    unclaimed_last: list[str] = field(default_factory=list)
    kernels: dict[str, int] = field(default_factory=dict)  # kernel -> count of steps
    # Which nodes are the body the one partition must claim: "ops" = every
    # node whose op is in BODY_OPS (minus unclaimed_last); "first_conv_to_pool"
    # = every node from the first CONV_2D to the last MEAN (DENSIFY aside), for
    # families whose body also holds squeeze-excitation, swish and residuals.
    body: str = "ops"
    pending: str = ""  # non-empty: listed but not run yet, and why
    # Full-integer int8 (our converter, --int8 on random representative
    # images): checked for *equal* outputs against stock TFLite with XNNPACK
    # off, with cost_rule=0. On aarch64 the delegate leaves int8 to TFLite
    # (TFLite rounds differently there: delegate/ops/qs8_params.c), so the
    # entry expects no partition.
    int8: bool = False


MBV1_KERNELS = {"conv_hwc2chw_3x3s2c3": 1, "dwconv2d_chw": 13, "spmm": 13}

MODELS = [
    Model("mbv1_keras_unstructured", "keras_mbv1", "tf", 1, unclaimed_last=["CONV_2D"], kernels=MBV1_KERNELS),
    Model("mbv1_keras_block4", "keras_mbv1", "tflite_sparse", 4, unclaimed_last=["CONV_2D"], kernels=MBV1_KERNELS),
    Model("mbv1_pad_unstructured", "pad_mbv1", "tf", 1, kernels=MBV1_KERNELS),
    Model("mbv1_keras_int8_block4", "keras_mbv1", "tflite_sparse", 4, partitions=0, int8=True),
    Model("mbv1_pad_block4", "pad_mbv1", "tflite_sparse", 4, kernels=MBV1_KERNELS),
    Model(
        "mbv2_keras_unstructured", "keras_mbv2", "tf", 1, sparsity=0.85,
        kernels={"conv_hwc2chw_3x3s2c3": 1, "dwconv2d_chw": 17, "spmm": 34, "vadd": 10},
    ),
    Model(
        # Counts as the x86 build plans it: 32 sparse 1x1 convs plus 32 dense
        # squeeze-excitation convs on the pooled pixel (packed with block 4).
        "efficientnet_b0_keras_unstructured", "keras_efficientnet_b0", "tf", 1, sparsity=0.85,
        body="first_conv_to_pool",
        kernels={"conv_hwc2chw_3x3s2c3": 1, "dwconv2d_chw": 16, "spmm": 64, "gavgpool_chw": 17,
                 "vsigmoid": 16, "vmulc_chw": 16, "vadd": 9},
    ),
]


def mobilenet_v1_explicit_pad(alpha: float = 1.0, size: int = 224, seed: int = 0):
    """MobileNet v1 without a classifier whose every 3x3 window is padded by
    an explicit ZeroPadding2D(1) + VALID, ending in global average pooling:
    the graph shape on which XNNPACK's sparse (CHW) path runs on ARM."""
    import numpy as np
    import tf_keras as keras

    keras.utils.set_random_seed(seed)
    layers = keras.layers

    def bn_relu6(x):
        return layers.ReLU(6.0)(layers.BatchNormalization()(x))

    inputs = keras.Input((size, size, 3))
    x = layers.ZeroPadding2D(1)(inputs)
    x = bn_relu6(layers.Conv2D(int(32 * alpha), 3, strides=2, use_bias=False)(x))
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5
    plan += [(1024, 2), (1024, 1)]
    for filters, stride in plan:
        x = layers.ZeroPadding2D(1)(x)
        x = bn_relu6(layers.DepthwiseConv2D(3, strides=stride, use_bias=False)(x))
        x = bn_relu6(layers.Conv2D(int(filters * alpha), 1, use_bias=False)(x))
    model = keras.Model(inputs, layers.GlobalAveragePooling2D()(x))
    rng = np.random.default_rng(seed)
    subjects.calibrate_batchnorm(model, rng.uniform(-1, 1, (4, size, size, 3)).astype(np.float32))
    return model


def keras_model(family: str, sparsity: float, block: int):
    """The pruned (or, with sparsity 0, dense) Keras model of a family."""
    if family == "keras_mbv1":
        return subjects.mobilenet_v1(subjects.Subject(sparsity=sparsity, block=block))
    if family == "pad_mbv1":
        model = mobilenet_v1_explicit_pad()
        if sparsity > 0:
            for layer in subjects.pointwise_convs(model):
                subjects.magnitude_prune(layer, sparsity, block)
        return model
    if family == "keras_mbv2":
        return subjects.family_model(subjects.FamilySubject("mobilenet_v2", 1.0, 224, sparsity, block))
    if family == "keras_efficientnet_b0":
        return subjects.family_model(subjects.FamilySubject("efficientnet_b0", 1.0, 224, sparsity, block))
    raise ValueError(f"model family {family!r} has no builder here yet")


def build(model: Model, sparsity: float | None = None) -> bytes:
    """The .tflite bytes of a model (at its own sparsity unless given)."""
    from tflite_sparse import convert

    sparsity = model.sparsity if sparsity is None else sparsity
    keras = keras_model(model.family, sparsity, model.block)
    if model.int8:
        import numpy as np

        images = np.random.default_rng(0).uniform(-1, 1, (8, 224, 224, 3)).astype(np.float32)
        return convert(keras, sparse=True, block=model.block, int8=True, representative=images)
    if sparsity == 0 or model.converter == "tf":
        return subjects.to_tflite(keras, sparse=sparsity > 0)
    return convert(keras, sparse=True, block=model.block)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", nargs="*", help="build just these models (the manifest lists all)")
    parser.add_argument("--dense", action="store_true", help="also write FAMILY_dense.tflite")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    entries, dense_done = [], set()
    for model in MODELS:
        entry = asdict(model)
        entry["file"] = f"{model.name}.tflite"
        wanted = not args.only or model.name in args.only
        if not model.pending and wanted:
            (args.out / entry["file"]).write_bytes(build(model))
            if args.dense and model.family not in dense_done:
                entry["dense_file"] = f"{model.family}_dense.tflite"
                (args.out / entry["dense_file"]).write_bytes(build(model, sparsity=0.0))
                dense_done.add(model.family)
            elif args.dense:
                entry["dense_file"] = f"{model.family}_dense.tflite"
        elif not model.pending:
            entry["pending"] = "not built (--only)"
        entries.append(entry)
    (args.out / "manifest.json").write_text(json.dumps({"body_ops": BODY_OPS, "models": entries}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
