"""The ONNX backend: runs a bundle's graph with onnxruntime and numpy, one step at a time.

Same methods as the torch backend (`initial_state()`, `step(token_ids, state)` and
`token_log_probs` for perplexity), so the predictor never knows which one it has. State is a pair
of float32 arrays (h, c), each (L, B, H).
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from engine.core.bundle import REEXPORT, BundleError, Manifest

# ORT_DISABLE_TELEMETRY (set in engine/__init__.py) is what keeps it off; this call also covers a host
# program that imported onnxruntime before Nextword.
ort.disable_telemetry_events()

PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}


def pick_providers(provider: str) -> list[str]:
    """`auto`: CUDA when this onnxruntime offers it, else the CPU; `cpu` and `cuda` force one."""
    available = ort.get_available_providers()
    if provider == "auto":
        chosen = [PROVIDERS["cuda"]] if PROVIDERS["cuda"] in available else []
        return [*chosen, PROVIDERS["cpu"]]
    if provider not in PROVIDERS:
        raise BundleError(f"provider {provider!r}: choose auto, cpu or cuda")
    if PROVIDERS[provider] not in available:
        raise BundleError(f"provider {provider!r}: this onnxruntime has no {PROVIDERS[provider]} "
                          f"(it offers {', '.join(available)}); choose auto or cpu")
    return [PROVIDERS[provider]] if provider == "cpu" else [PROVIDERS[provider], PROVIDERS["cpu"]]


def session_options(threads: int = 1) -> ort.SessionOptions:
    """Tuned for one low-latency stream: a step is a few small matrix products, so more threads
    cost more in hand-offs than they gain, and graph-level work is done once at load."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: a CPU-only machine asked for `auto` is not a warning
    return options


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class OnnxStepper:
    def __init__(self, manifest: Manifest, provider: str = "auto", threads: int = 1):
        self.manifest = manifest
        try:
            self.session = ort.InferenceSession(str(manifest.model_path), session_options(threads),
                                                providers=pick_providers(provider))
        except Exception as error:  # onnxruntime raises its own types for a damaged or foreign graph
            first_line = str(error).strip().splitlines()[0][:200]
            raise BundleError(f"{manifest.model_path}: onnxruntime cannot open it ({first_line}); "
                              f"it may be cut short: copy the bundle again or {REEXPORT}") from None
        self.provider = self.session.get_providers()[0]  # what really runs it, after any fallback
        self._start = self._read_start_state()

    def _read_start_state(self) -> tuple[np.ndarray, np.ndarray]:
        shape = self.manifest.state_shape
        if not self.manifest.start_state_file:
            return np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        path = self.manifest.folder / self.manifest.start_state_file
        try:
            saved = np.load(path, allow_pickle=False).astype(np.float32)
        except (OSError, ValueError) as error:
            raise BundleError(f"{path}: unreadable start state ({error}); {REEXPORT}") from None
        if saved.shape != (2, *shape):
            raise BundleError(f"{path}: start state has shape {saved.shape}, expected {(2, *shape)}; {REEXPORT}")
        return saved[0], saved[1]

    def initial_state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._start

    def _run(self, input_ids: np.ndarray, state) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        logits, hidden, cell = self.session.run(None, {"input_ids": input_ids, "h0": state[0], "c0": state[1]})
        return logits, (hidden, cell)  # logits (B, T, V); state ((L, B, H), (L, B, H))

    def step(self, token_ids: list[int], state) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Next-token probabilities (V,) after feeding token_ids to one stream, and the state after them."""
        logits, state = self._run(np.asarray([token_ids], dtype=np.int64), state)  # (1, T, V)
        return softmax(logits[0, -1]), state

    def token_log_probs(self, token_ids: list[int]) -> np.ndarray:
        """log P(token_ids[t+1] | token_ids[:t+1]) for every t, in one run: the perplexity of one line."""
        logits, _ = self._run(np.asarray([token_ids[:-1]], dtype=np.int64), self._start)  # (1, T-1, V)
        logits = logits[0].astype(np.float64)
        top = logits.max(axis=-1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=-1))  # (T-1,)
        return logits[np.arange(len(logits)), token_ids[1:]] - log_norm  # (T-1,)

