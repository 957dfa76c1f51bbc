"""A bundle back into a torch model: the weights of its graph, read from the ONNX initializers.

Fine-tuning starts from the model the person uses, and that is a bundle (the shipped one is int8 only,
its torch source is not installed). Float graphs hold the weights as they were; int8 graphs hold them
quantized per output channel, `weight = (q - zero_point) * scale`, which is dequantized here: the
start of a fine-tune, not a copy that must match bit for bit (parity is checked against the float
graph, agreement against the int8 one, in tests/test_finetune.py).

ONNX LSTM gates are ordered input, output, forget, cell; torch's are input, forget, cell, output.
"""

from __future__ import annotations

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from engine.core.bundle import ARCHITECTURE_NAMES, BundleError, Manifest, load_vocab, read_manifest
from engine.core.vocab import Vocab
from engine.training.model import LSTMLanguageModel, ModelConfig

_TORCH_GATES_FROM_ONNX = [0, 2, 3, 1]  # i, f, c, o taken from ONNX's i, o, f, c


def _reorder_gates(matrix: np.ndarray, hidden: int) -> np.ndarray:
    """(4H, ...) in ONNX gate order -> the same rows in torch's order."""
    return np.concatenate([matrix[g * hidden:(g + 1) * hidden] for g in _TORCH_GATES_FROM_ONNX])


class _Weights:
    def __init__(self, graph: onnx.GraphProto):
        self.tensors = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}

    def float(self, name: str) -> np.ndarray:
        return self.tensors[name].astype(np.float32)

    def dequantized(self, name: str) -> np.ndarray:
        """A quantized initializer `name` with its `_scale` and `_zero_point` beside it, back to float32."""
        base = name.removesuffix("_quantized")
        quantized = self.tensors[name].astype(np.float32)
        zero = self.tensors[f"{base}_zero_point"].astype(np.float32)
        scale = self.tensors[f"{base}_scale"].astype(np.float32)
        # Per output channel: the channel is the last axis of the stored (.., in, out) matrix.
        return (quantized - zero[..., None, :]) * scale[..., None, :] if quantized.ndim == 3 else \
            (quantized - zero) * scale

    def matrix(self, node: onnx.NodeProto) -> np.ndarray:
        """A MatMul's or MatMulInteger's constant right-hand side (in, out), as float."""
        name = node.input[1]
        return self.dequantized(name) if node.op_type == "MatMulInteger" else self.float(name)


def _lstm_layer(weights: _Weights, node: onnx.NodeProto, hidden: int) -> dict[str, np.ndarray]:
    """torch's weight_ih, weight_hh, bias_ih, bias_hh of one layer from an LSTM or DynamicQuantizeLSTM node."""
    if node.op_type == "DynamicQuantizeLSTM":  # weights stored (1, in, 4H) and (1, H, 4H)
        input_weight = weights.dequantized(node.input[1])[0].T
        hidden_weight = weights.dequantized(node.input[2])[0].T
    else:  # (1, 4H, in) and (1, 4H, H)
        input_weight, hidden_weight = weights.float(node.input[1])[0], weights.float(node.input[2])[0]
    bias = weights.float(node.input[3])[0]  # (8H,): input biases, then hidden biases
    return {"weight_ih": _reorder_gates(input_weight, hidden), "weight_hh": _reorder_gates(hidden_weight, hidden),
            "bias_ih": _reorder_gates(bias[:4 * hidden], hidden), "bias_hh": _reorder_gates(bias[4 * hidden:], hidden)}


def _embedding(graph: onnx.GraphProto, weights: _Weights) -> np.ndarray:
    """An untied model's embedding: the table its first Gather reads (kept in float by the int8 export)."""
    lookup = next((node for node in graph.node if node.op_type == "Gather" and node.input[0] in weights.tensors), None)
    if lookup is None:
        raise BundleError("the graph has no embedding table to start a fine-tune from")
    return weights.float(lookup.input[0])


def model_from_bundle(path, model_file: str | None = None) -> tuple[LSTMLanguageModel, Vocab, Manifest]:
    """The bundle's graph (the float one when it has both) as a torch model in eval mode, and its vocabulary."""
    manifest = read_manifest(path)
    if model_file is None:
        model_file = manifest.models.get("float", manifest.model_file)
    config_fields = manifest.raw.get("model_config")
    if not isinstance(config_fields, dict):
        raise BundleError(f"{manifest.folder}: the manifest does not say how the model is built (model_config); "
                          "export it again with this Nextword")
    try:
        config = ModelConfig(**{**config_fields, "dropout": 0.0})
    except (TypeError, ValueError) as error:
        raise BundleError(f"{manifest.folder}: its model_config is not one this Nextword builds ({error}); "
                          "export it again with this Nextword") from None
    if config.arch != "lstm":
        raise BundleError(f"{manifest.folder}: a model of kind {ARCHITECTURE_NAMES[config.arch]}; learning your "
                          "writing starts from "
                          "an LSTM model only: choose one in Preferences (the bundled model is one)")
    graph = onnx.load(str(manifest.folder / model_file)).graph
    weights = _Weights(graph)
    state: dict[str, torch.Tensor] = {}
    lstm_nodes = [node for node in graph.node if node.op_type in ("LSTM", "DynamicQuantizeLSTM")]
    matmuls = [node for node in graph.node if node.op_type in ("MatMul", "MatMulInteger")]
    if len(lstm_nodes) != config.num_layers or not matmuls:
        raise BundleError(f"{manifest.folder / model_file}: not the graph its manifest describes "
                          f"({len(lstm_nodes)} LSTM layers, the manifest says {config.num_layers})")
    for layer, node in enumerate(lstm_nodes):
        for name, value in _lstm_layer(weights, node, config.hidden_size).items():
            state[f"lstm.{name}_l{layer}"] = torch.from_numpy(np.ascontiguousarray(value))
    state["head.weight"] = torch.from_numpy(np.ascontiguousarray(weights.matrix(matmuls[-1]).T))  # (V, E or H)
    state["embed.weight"] = state["head.weight"] if config.tie_weights else torch.from_numpy(_embedding(graph, weights))
    state["head.bias"] = torch.from_numpy(weights.float("head.bias"))
    if len(matmuls) == 2:
        state["proj.weight"] = torch.from_numpy(np.ascontiguousarray(weights.matrix(matmuls[0]).T))  # (E, H)
        state["proj.bias"] = torch.from_numpy(weights.float("proj.bias"))
    model = LSTMLanguageModel(config)
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise BundleError(f"{manifest.folder / model_file}: its weights do not fit its manifest ({error})") from None
    return model.eval(), load_vocab(manifest), manifest
