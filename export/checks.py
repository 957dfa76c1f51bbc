"""The checks an export must pass before a bundle is written: each fails loudly with what differed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch

from engine.evaluation.metrics import keystroke_savings, top_k_accuracy

# Float32 ONNX against torch: the same arithmetic in another order; sums over a few hundred terms
# differ in the last bits, so logits of magnitude ~10 may differ by ~1e-5.
LOGIT_TOLERANCE = 1e-4
# The state, relative to its largest magnitude when that is above 1: an LSTM's cell state is unbounded (a trained
# chat model's reached 14.5 on 17 random ids, and differed by 1.2e-5 in float32's last bits).
STATE_TOLERANCE = 1e-5
# int8 against float, in points of top-3 accuracy and keystroke savings on held-out text.
INT8_POINTS = 0.5
PARITY_SHAPES = ((1, 1), (1, 9), (4, 1), (3, 17))  # (batch, sequence length)


class ExportCheckFailed(RuntimeError):
    """An exported graph that does not do what the checkpoint does; the bundle is not written."""


def check_graph(path: str | Path) -> None:
    try:
        onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    except onnx.checker.ValidationError as error:
        raise ExportCheckFailed(f"{path}: onnx.checker refused it: {error}") from None


@torch.no_grad()
def check_parity(model, session, seed: int = 0) -> dict:
    """Float ONNX against torch on several batch sizes and lengths, from non-zero states."""
    generator = torch.Generator().manual_seed(seed)
    layers, hidden = model.state_layers, model.state_size
    worst = {"logits": 0.0, "state": 0.0}
    for batch, length in PARITY_SHAPES:
        ids = torch.randint(0, model.config.vocab_size, (batch, length), generator=generator)  # (B, T)
        h0 = torch.randn(layers, batch, hidden, generator=generator) * 0.3  # (L, B, H)
        c0 = torch.randn(layers, batch, hidden, generator=generator) * 0.3
        logits, (hn, cn) = model(ids, (h0, c0))  # (B, T, V)
        got = session.run(None, {"input_ids": ids.numpy(), "h0": h0.numpy(), "c0": c0.numpy()})
        logit_error = float(np.abs(got[0] - logits.numpy()).max())
        state_error = max(float(np.abs(got[1] - hn.numpy()).max()) / max(1.0, float(hn.abs().max())),
                          float(np.abs(got[2] - cn.numpy()).max()) / max(1.0, float(cn.abs().max())))
        worst = {"logits": max(worst["logits"], logit_error), "state": max(worst["state"], state_error)}
        if logit_error > LOGIT_TOLERANCE or state_error > STATE_TOLERANCE:
            raise ExportCheckFailed(f"float ONNX differs from torch at batch {batch}, length {length}: logits by "
                                    f"{logit_error:.2e} (tolerance {LOGIT_TOLERANCE:.0e}), state by {state_error:.2e} "
                                    f"of its size (tolerance {STATE_TOLERANCE:.0e})")
    return {"max_logit_error": worst["logits"], "max_state_error": worst["state"], "shapes": list(PARITY_SHAPES)}


def top3_agreement(float_session, int8_session, vocab_size: int, positions: int = 256, seed: int = 0) -> float:
    """Share of the float model's top-3 next tokens that int8 also ranks in its top 3, along one random stream."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab_size, size=(1, positions), dtype=np.int64)  # (1, T)
    layers, _, hidden = float_session.get_inputs()[1].shape  # (L, "batch", H)
    zeros = np.zeros((layers, 1, hidden), np.float32)
    tops = []
    for session in (float_session, int8_session):
        logits = session.run(None, {"input_ids": ids, "h0": zeros, "c0": zeros})[0][0]  # (T, V)
        tops.append(np.argsort(-logits, axis=-1)[:, :3])
    return float(np.mean([len(set(a) & set(b)) / 3 for a, b in zip(*tops, strict=True)]))


def measure(predictor, topk_lines: list[str], ksr_lines: list[str]) -> dict:
    topk = top_k_accuracy(predictor, topk_lines)
    ksr = keystroke_savings(predictor, ksr_lines)
    return {"top1": topk["top1"], "top3": topk["top3"], "ksr": ksr["ksr"], "p50_ms": topk["p50_ms"],
            "p95_ms": topk["p95_ms"], "topk_lines": topk["lines"], "ksr_lines": ksr["lines"]}


def check_int8(float_metrics: dict, int8_metrics: dict, agreement: float, min_agreement: float = 0.9) -> None:
    for name in ("top3", "ksr"):
        lost = 100 * (float_metrics[name] - int8_metrics[name])
        if lost > INT8_POINTS:
            raise ExportCheckFailed(f"int8 loses {lost:.2f} points of {name} against float "
                                    f"({int8_metrics[name]:.4f} vs {float_metrics[name]:.4f}; at most {INT8_POINTS})")
    if agreement < min_agreement:
        raise ExportCheckFailed(f"int8 agrees with float on only {agreement:.1%} of top-3 next words "
                                f"(at least {min_agreement:.0%})")
