"""Distillation: a student learns from a trained teacher's whole next-word distribution, not only the word
that came next (Hinton, Vinyals and Dean 2015).

The teacher is any Nextword checkpoint of the same vocabulary (a wider LSTM, a transformer, the default
itself), read in eval mode and never trained. It reads the student's own batches and carries its own state
across stream windows as the student does; with the padded layouts (lines) it reads each example from a
zero state, as the student does, so a lines student wants a teacher fine-tuned on lines. The loss is

    (1 - weight) * cross-entropy(student, next word) + weight * T^2 * KL(teacher_T || student_T)

with both distributions softened by the temperature T; T^2 keeps the soft term's gradients the size of
the hard term's as T changes.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.core.vocab import Vocab
from engine.training.batching import IGNORE
from engine.training.checkpoint import CheckpointError, load_model


class Teacher:
    """A frozen model whose distribution the student is pulled towards."""

    def __init__(self, path: str, vocab: Vocab, device: torch.device):
        with torch.random.fork_rng(devices=[]):  # building it draws random weights: the student's draws stay as
            model, teacher_vocab, _ = load_model(path)  # without a teacher, and a resumed run's as the run's
        if teacher_vocab.content_hash != vocab.content_hash:
            raise CheckpointError(
                f"{path}: the teacher has another vocabulary ({len(teacher_vocab):,} tokens, hash "
                f"{teacher_vocab.content_hash}) than the student ({len(vocab):,}, {vocab.content_hash}); train "
                "the student on the teacher's data with the same --min-count and --max-vocab, or --init-from "
                "a checkpoint of that vocabulary")
        self.model = model.to(device)
        self.model.requires_grad_(False)
        self.state = None  # carried across stream windows, like the student's

    @torch.no_grad()
    def logits(self, inputs: torch.Tensor, carry_state: bool) -> torch.Tensor:
        """The teacher's logits (B, T, V) for the student's inputs (B, T)."""
        state = self.state if carry_state else None
        logits, state = self.model(inputs, state)  # (B, T, V)
        self.state = tuple(s.detach() for s in state) if carry_state else None
        return logits.float()


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, targets: torch.Tensor,
                      weight: float, temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The mixed loss over the positions whose target is not IGNORE (padding), and its cross-entropy part
    (what the progress bar and the record show, comparable with a run without a teacher)."""
    vocab_size = student_logits.size(-1)
    student = student_logits.float().reshape(-1, vocab_size)  # (B*T, V)
    flat_targets = targets.reshape(-1)  # (B*T,)
    hard = nn.functional.cross_entropy(student, flat_targets, ignore_index=IGNORE)
    counted = flat_targets != IGNORE  # (B*T,)
    student_log_probs = nn.functional.log_softmax(student[counted] / temperature, dim=-1)  # (N, V)
    teacher_log_probs = nn.functional.log_softmax(teacher_logits.reshape(-1, vocab_size)[counted] / temperature,
                                                  dim=-1)  # (N, V)
    soft = nn.functional.kl_div(student_log_probs, teacher_log_probs, log_target=True, reduction="batchmean")
    return (1 - weight) * hard + weight * temperature ** 2 * soft, hard
