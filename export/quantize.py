"""Dynamic int8 quantization of an exported graph, with the tied embedding stored once.

onnxruntime's `quantize_dynamic` turns the LSTM into DynamicQuantizeLSTM and the output layer into
MatMulInteger, with int8 weights quantized per output column. The tied model's embedding is the
output matrix transposed, but the exporter writes it twice (a Gather table and a MatMul weight),
which would ship 3 MB of int8 twice. So the embedding lookup is rewired to gather columns of the
output layer's int8 matrix and dequantize them with that column's scale: row i of the embedding
is column i of the output weight, quantized per column it is exactly the per-row int8 embedding.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

EMBEDDING = "embed.weight"


def _embedding_lookup(graph: onnx.GraphProto) -> onnx.NodeProto | None:
    return next((node for node in graph.node if node.op_type == "Gather" and node.input[0] == EMBEDDING), None)


def _tied_output_weight(graph: onnx.GraphProto, embedding: np.ndarray) -> str | None:
    """The initializer holding the embedding transposed (the output layer's weight), if there is one."""
    for tensor in graph.initializer:
        if tuple(tensor.dims) == embedding.shape[::-1] and np.array_equal(numpy_helper.to_array(tensor), embedding.T):
            return tensor.name
    return None


def quantize_int8(float_path: str | Path, int8_path: str | Path) -> Path:
    float_model = onnx.load(str(float_path))
    graph = float_model.graph
    lookup = _embedding_lookup(graph)
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    tied_name = None
    if lookup is not None:
        tied_name = _tied_output_weight(graph, numpy_helper.to_array(initializers[EMBEDDING]))
    root = logging.getLogger()
    level = root.level
    # reduce_range: 7-bit weights. On CPUs without VNNI (AVX2 only) onnxruntime multiplies u8 activations
    # by s8 weights in pairs summed in int16, which saturates at 8 bits: measured on an AVX2 AMD EPYC, the
    # test's tiny model lost 8.5 points of top-3 against float at 8 bits and none at 7.
    root.setLevel(logging.ERROR)  # the quantizer advises shape pre-processing on root: not needed for an LSTM
    try:
        quantize_dynamic(str(float_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=True, nodes_to_exclude=[lookup.name] if tied_name else [],
                         extra_options={"MatMulConstBOnly": True})
    finally:
        root.setLevel(level)
    if tied_name:
        model = onnx.load(str(int8_path))
        _share_embedding(model, tied_name)
        onnx.save(model, str(int8_path))
    return Path(int8_path)


def _share_embedding(model: onnx.ModelProto, tied_name: str) -> None:
    graph = model.graph
    names = {tensor.name for tensor in graph.initializer}
    weight, scale, zero = (f"{tied_name}_quantized", f"{tied_name}_scale", f"{tied_name}_zero_point")
    if not {weight, scale, zero} <= names:
        raise RuntimeError(f"int8 export: the quantizer did not write {weight}; cannot share the embedding")
    lookup = _embedding_lookup(graph)
    ids, out = lookup.input[1], lookup.output[0]
    nodes = [  # (E, V) int8, per-column scale and zero point (V,) -> (B, T, E) float
        helper.make_node("Gather", [weight, ids], ["embedding_int8"], axis=1),  # (E, B, T)
        helper.make_node("Cast", ["embedding_int8"], ["embedding_int8_float"], to=TensorProto.FLOAT),
        helper.make_node("Gather", [zero, ids], ["embedding_zero"]),  # (B, T)
        helper.make_node("Cast", ["embedding_zero"], ["embedding_zero_float"], to=TensorProto.FLOAT),
        helper.make_node("Gather", [scale, ids], ["embedding_scale"]),  # (B, T)
        helper.make_node("Sub", ["embedding_int8_float", "embedding_zero_float"], ["embedding_centred"]),
        helper.make_node("Mul", ["embedding_centred", "embedding_scale"], ["embedding_columns"]),  # (E, B, T)
        helper.make_node("Transpose", ["embedding_columns"], [out], perm=[1, 2, 0]),  # (B, T, E)
    ]
    position = list(graph.node).index(lookup)
    graph.node.remove(lookup)
    for offset, node in enumerate(nodes):
        graph.node.insert(position + offset, node)
    unused = [tensor for tensor in graph.initializer if tensor.name == EMBEDDING]
    for tensor in unused:
        graph.initializer.remove(tensor)
    onnx.checker.check_model(model)
