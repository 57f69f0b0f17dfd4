"""Writes mlp.onnx: a 784-256-10 MLP (Gemm, Relu, Gemm, Softmax), float32, fixed seeded weights.

    python make_model.py [output]      # default: mlp.onnx beside this file

The model is committed; this script is how it was made, and regenerating it must give the same
bytes (the weights come from a seeded PCG64 stream through `Generator.random`, whose output is
the same across numpy versions, and the graph is serialised by protobuf from fixed fields).
Needs the versions in requirements.txt.
"""

import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 13
INPUTS, HIDDEN, CLASSES = 784, 256, 10
# Opset 17 and IR 8: understood by every onnxruntime since 1.13, well within 1.30's range.
OPSET, IR_VERSION = 17, 8


def uniform(rng, shape, fan_in):
    """He-uniform weights in [-sqrt(6 / fan_in), sqrt(6 / fan_in)), as float32."""
    bound = np.sqrt(6.0 / fan_in)
    return ((rng.random(shape) * 2.0 - 1.0) * bound).astype(np.float32)


def build():
    rng = np.random.Generator(np.random.PCG64(SEED))
    w1 = uniform(rng, (INPUTS, HIDDEN), INPUTS)
    b1 = uniform(rng, (HIDDEN,), INPUTS) * np.float32(0.1)
    w2 = uniform(rng, (HIDDEN, CLASSES), HIDDEN)
    b2 = uniform(rng, (CLASSES,), HIDDEN) * np.float32(0.1)
    weights = [
        numpy_helper.from_array(w1, "w1"),
        numpy_helper.from_array(b1, "b1"),
        numpy_helper.from_array(w2, "w2"),
        numpy_helper.from_array(b2, "b2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["hidden_linear"], name="dense1"),
        helper.make_node("Relu", ["hidden_linear"], ["hidden"], name="relu"),
        helper.make_node("Gemm", ["hidden", "w2", "b2"], ["logits"], name="dense2"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", INPUTS])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", CLASSES]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", CLASSES]),
        ],
        initializer=weights,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="lightwatch-memory examples/onnxruntime/make_model.py",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    here = pathlib.Path(__file__).resolve().parent
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else here / "mlp.onnx"
    out.write_bytes(build().SerializeToString())
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
