"""The ONNX backend: runs a bundle's graph with onnxruntime and numpy, one step at a time.

Same methods as the torch backend (`initial_state()`, `step(token_ids, state)` and
`token_log_probs` for perplexity), so the predictor never knows which one it has. State is a pair
of float32 arrays (h, c), each (L, B, H).
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from engine.core.bundle import INPUT_NAMES, OUTPUT_NAMES, BundleError, Manifest
from engine.core.damaged import read_problem

# ORT_DISABLE_TELEMETRY (set in engine/__init__.py) is what keeps it off; this call also covers a host
# program that imported onnxruntime before Nextword.
ort.disable_telemetry_events()

PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}


def can_run_on(provider: str) -> bool:
    """Whether this onnxruntime has the provider ("cpu" or "cuda"): Preferences offer only those."""
    return PROVIDERS.get(provider) in ort.get_available_providers()


def pick_providers(provider: str) -> list[str]:
    """`auto`: CUDA when this onnxruntime offers it, else the CPU; `cpu` and `cuda` force one."""
    available = ort.get_available_providers()
    if provider == "auto":
        return [PROVIDERS["cuda"], PROVIDERS["cpu"]] if can_run_on("cuda") else [PROVIDERS["cpu"]]
    if provider not in PROVIDERS:
        raise BundleError(f"provider {provider!r}: choose auto, cpu or cuda")
    if not can_run_on(provider):
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
        except BundleError:
            raise
        except Exception as error:  # onnxruntime raises its own types for a damaged or foreign graph
            raise BundleError(f"{manifest.model_path}: onnxruntime cannot open it ({_first_line(error)}); "
                              f"it may be cut short: {manifest.advice}") from None
        self.provider = self.session.get_providers()[0]  # what really runs it, after any fallback
        self._check_declared_shapes()
        self._start = self._read_start_state()
        self._check_one_step()

    def _read_start_state(self) -> tuple[np.ndarray, np.ndarray]:
        shape = self.manifest.state_shape
        if not self.manifest.start_state_file:
            return np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        path = self.manifest.folder / self.manifest.start_state_file
        try:
            saved = np.load(path, allow_pickle=False).astype(np.float32)
        except Exception as error:  # numpy raises many types for a file cut short or with flipped bits
            raise BundleError(f"{path}: the start state {read_problem(error)}; {self.manifest.advice}") from None
        if saved.shape != (2, *shape):
            raise BundleError(f"{path}: start state has shape {saved.shape}, expected {(2, *shape)}; "
                              f"{self.manifest.advice}")
        return saved[0], saved[1]

    def _check_declared_shapes(self) -> None:
        """The graph takes and gives what the manifest says (then one step is run: _check_one_step). A manifest
        of another export loads otherwise, and then every keystroke fails inside onnxruntime."""
        manifest = self.manifest
        layers, hidden, vocab = manifest.num_layers, manifest.hidden_size, manifest.vocab_size
        expected = {"input_ids": ("batch", "time"), "h0": (layers, "batch", hidden), "c0": (layers, "batch", hidden),
                    "logits": ("batch", "time", vocab), "hn": (layers, "batch", hidden),
                    "cn": (layers, "batch", hidden)}
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        declared = {arg.name: tuple(arg.shape) for arg in [*inputs, *outputs]}
        if {arg.name for arg in inputs} != set(INPUT_NAMES) or tuple(arg.name for arg in outputs) != OUTPUT_NAMES:
            raise BundleError(f"{manifest.path}: does not describe {manifest.model_file}, whose inputs and outputs "
                              f"are {', '.join(declared)}; {manifest.advice}")
        wrong = [name for name, shape in expected.items()
                 if len(declared[name]) != len(shape)
                 or any(isinstance(got, int) and isinstance(want, int) and got != want
                        for got, want in zip(declared[name], shape, strict=True))]
        if wrong:
            state, logits = declared["h0"], declared["logits"]
            graph = (f"{state[0]} layers of {state[-1]} and {logits[-1]} words" if len(state) == 3 and logits
                     else ", ".join(f"{name} {_shape(declared[name])}" for name in wrong))
            raise BundleError(f"{manifest.path}: says {layers} layers of {hidden} and {vocab} words, but "
                              f"{manifest.model_file} has {graph}: the manifest is not this graph's; {manifest.advice}")

    def _check_one_step(self) -> None:
        """One step from the start state gives probabilities over the vocabulary and a state of the manifest's
        shape, all numbers: a graph that declares its sizes loosely is caught here, before any keystroke."""
        manifest = self.manifest
        layers, hidden, vocab = manifest.num_layers, manifest.hidden_size, manifest.vocab_size
        try:
            probabilities, (hidden_state, cell_state) = self.step([0], self._start)
        except Exception as error:  # onnxruntime's own types: the graph does not take the state described
            raise BundleError(f"{manifest.path}: {manifest.model_file} does not run with the state it describes "
                              f"({_first_line(error)}); {manifest.advice}") from None
        if probabilities.shape != (vocab,) or hidden_state.shape != manifest.state_shape \
                or cell_state.shape != manifest.state_shape:
            raise BundleError(f"{manifest.path}: says {layers} layers of {hidden} and {vocab} words, but a step of "
                              f"{manifest.model_file} gives probabilities {probabilities.shape} and state "
                              f"{hidden_state.shape}: the manifest is not this graph's; {manifest.advice}")
        if not np.all(np.isfinite(probabilities)):
            raise BundleError(f"{manifest.model_path}: is damaged (its first step gives values that are not numbers); "
                              f"{manifest.advice}")

    def initial_state(self) -> tuple[np.ndarray, np.ndarray]:
        return self._start

    def _run(self, input_ids: np.ndarray, state) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        logits, hidden, cell = self.session.run(None, {"input_ids": input_ids, "h0": state[0], "c0": state[1]})
        return logits, (hidden, cell)  # logits (B, T, V); state ((L, B, H), (L, B, H))

    def step(self, token_ids: list[int], state) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Next-token probabilities (V,) after feeding token_ids to one stream, and the state after them."""
        logits, state = self._run(np.asarray([token_ids], dtype=np.int64), state)  # (1, T, V)
        return softmax(logits[0, -1]), state

    def step_each(self, token_ids: list[int], states: list) -> tuple[np.ndarray, list]:
        """One id for each of several streams, in one run: probabilities (B, V) and each stream's state."""
        hidden = np.concatenate([state[0] for state in states], axis=1)  # (L, B, H)
        cell = np.concatenate([state[1] for state in states], axis=1)
        logits, (hidden, cell) = self._run(np.asarray(token_ids, dtype=np.int64)[:, None], (hidden, cell))  # (B, 1, V)
        return softmax(logits[:, -1]), [(hidden[:, row:row + 1], cell[:, row:row + 1]) for row in range(len(states))]

    def token_log_probs(self, token_ids: list[int]) -> np.ndarray:
        """log P(token_ids[t+1] | token_ids[:t+1]) for every t, in one run: the perplexity of one line."""
        logits, _ = self._run(np.asarray([token_ids[:-1]], dtype=np.int64), self._start)  # (1, T-1, V)
        logits = logits[0].astype(np.float64)
        top = logits.max(axis=-1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=-1))  # (T-1,)
        return logits[np.arange(len(logits)), token_ids[1:]] - log_norm  # (T-1,)



def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(dim) for dim in shape) + ")"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__
