"""Fine-tuning a trained model on a person's own text: a wider vocabulary, replay, early stopping.

The model keeps every word it knew (every old id keeps its row) and gains the person's frequent new
words at the end of the vocabulary, each starting from a sensible row: the mean of the rows of known
words that share its first letters, else `<unk>`'s (the model's belief about "some word it does not
know" is the right prior for a name). Training then runs on the person's lines mixed with a replay of
general text, each line from a zero state (how a line is typed), at a small learning rate, and keeps
the weights that predicted a held-out slice of the person's text best.
"""

from __future__ import annotations

import copy
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import nn

from engine.core.corpus import Document, tokenize_documents
from engine.core.tokenizer import is_word
from engine.core.vocab import EOS, PAD, UNK, Vocab, choose_display_forms
from engine.runtime.lexicon import prefix_range
from engine.training.architectures import build_model
from engine.training.batching import IGNORE, line_batches, line_chunks, message_spans
from engine.training.validation import evaluate_lines_perplexity


@dataclass
class FinetuneConfig:
    minutes: float = 5.0  # training time budget (reading, export and the proof come on top)
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 20
    # General tokens replayed per token of the person's text, each epoch. 2, not 1: fine-tuned on the KJV,
    # the better-trained default forgot 1.1 points of general keystroke savings at 1 (over the install
    # gate's 1) and 0.5 to 0.7 at 2 (the defaults since), for 0.5 points less gain on the person's text
    # (README, "What it gains").
    replay_ratio: float = 2.0
    max_epochs: int = 12
    batch_tokens: int = 2048  # per step, padding included
    context_messages: int = 2  # a training chunk holds 1..this many consecutive lines
    eval_every: int = 40  # steps between checks on the held-out slice
    patience: int = 3  # checks without improvement before stopping
    dropout: float = 0.25
    new_word_min_count: int = 3  # a new word joins the vocabulary once the person wrote it this often
    max_new_words: int = 3000
    seed: int = 1234
    threads: int = 0  # 0: torch's default

    def to_dict(self) -> dict:
        return asdict(self)


def encode_documents(vocab: Vocab, documents: list[Document]) -> np.ndarray:
    """The training layout (`<s1> <bos> words <eos>` per line) as ids."""
    tokens, _ = tokenize_documents(documents)
    return np.asarray(vocab.encode(tokens), dtype=np.int64)


def extend_vocab(vocab: Vocab, documents: list[Document], min_count: int, max_new: int) -> tuple[Vocab, list[str]]:
    """The vocabulary with the person's frequent new words appended (old ids unchanged), and those words."""
    tokens, display_counts = tokenize_documents(documents)
    counts = Counter(token for token in tokens if token not in vocab.index and is_word(token))
    new = [word for word, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= min_count]
    new = new[:max_new]
    display = {**vocab.display, **choose_display_forms(display_counts, set(new))}
    extended = Vocab([*vocab.tokens, *new], [*vocab.counts, *(counts[word] for word in new)], display,
                     vocab.tokenizer_version)
    return extended, new


class _KnownWords:
    """The old vocabulary's words in sorted order, to find those that share a new word's first letters."""

    def __init__(self, vocab: Vocab):
        self.ids = sorted((i for i in range(len(vocab)) if vocab.is_suggestable(i)), key=lambda i: vocab.tokens[i])
        self.words = [vocab.tokens[i] for i in self.ids]

    def similar(self, word: str, min_prefix: int = 3) -> list[int]:
        """Ids of the known words sharing the longest first letters with `word` (at least min_prefix)."""
        for length in range(min(len(word) - 1, 8), min_prefix - 1, -1):
            low, high = prefix_range(self.words, word[:length])
            if high > low:
                return self.ids[low:min(high, low + 50)]
        return []


@torch.no_grad()
def extend_model(model: nn.Module, old: Vocab, new: Vocab) -> nn.Module:
    """A copy of the model with output and embedding rows for the new words (tied weights: one matrix)."""
    added = len(new) - len(old)
    config = replace(model.config, vocab_size=len(new))
    grown = build_model(config)
    state = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    embed, bias = state["embed.weight"], state["head.bias"]
    unk, known = old.index[UNK], _KnownWords(old)
    rows, biases = [], []
    for word in new.tokens[len(old):]:
        similar = known.similar(word)
        rows.append(embed[similar].mean(0) if similar else embed[unk])
        # The old model's mass for "a word it does not know", shared among the words now known.
        biases.append(bias[unk] - math.log(max(1, added)))
    if added:
        state["embed.weight"] = torch.cat([embed, torch.stack(rows)])  # (V', E)
        state["head.bias"] = torch.cat([bias, torch.stack(biases)])  # (V',)
        if not config.tie_weights:
            state["head.weight"] = torch.cat([state["head.weight"], torch.stack(rows)])
    if config.tie_weights:
        state["head.weight"] = state["embed.weight"]
    grown.load_state_dict(state)
    return grown


class Finetuner:
    """Training on the person's lines with general replay; the best weights on their held-out slice win."""

    def __init__(self, model: nn.Module, vocab: Vocab, config: FinetuneConfig,
                 progress: Callable[[float, str], None] = lambda share, message: None):
        self.model, self.vocab, self.config, self.progress = model, vocab, config, progress
        self.model.drop.p = config.dropout
        if self.model.config.arch == "lstm" and self.model.config.num_layers > 1:
            self.model.lstm.dropout = config.dropout
        self.rng = np.random.default_rng(config.seed)
        self.history: list[list[float]] = []  # [step, train loss, held-out perplexity]
        self.stop_reason = "epochs done"

    def _epoch_batches(self, user_ids: np.ndarray, general_ids: np.ndarray | None, epoch: int) -> list:
        """The person's lines (every one, once) and as many general tokens, in shuffled batches."""
        config = self.config
        eos, pad = self.vocab.index[EOS], self.vocab.index[PAD]
        chunks = [("user", c) for c in line_chunks(message_spans(user_ids, eos), config.context_messages,
                                                   config.seed + epoch)]
        batches = line_batches(user_ids, [c for _, c in chunks], config.batch_tokens, pad)
        if general_ids is not None and len(general_ids) and config.replay_ratio > 0:
            wanted = int(len(user_ids) * config.replay_ratio)
            start = int(self.rng.integers(0, max(1, len(general_ids) - wanted)))
            replay = general_ids[start:start + wanted]
            replay_chunks = line_chunks(message_spans(replay, eos), config.context_messages, config.seed + epoch)
            batches += line_batches(replay, replay_chunks, config.batch_tokens, pad)
        order = self.rng.permutation(len(batches))
        return [batches[i] for i in order]

    def held_out_perplexity(self, ids: np.ndarray) -> float:
        return evaluate_lines_perplexity(self.model, ids, self.vocab.index[EOS], self.vocab.index[PAD],
                                         torch.device("cpu"))

    def run(self, user_ids: np.ndarray, valid_ids: np.ndarray, general_ids: np.ndarray | None) -> dict:
        """Train within the time budget; leaves the best weights in the model. Returns the run's record."""
        config = self.config
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        rest = [p for p in self.model.parameters() if p.dim() < 2]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                       {"params": rest, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.99))
        started = time.monotonic()
        budget = config.minutes * 60
        best = self.held_out_perplexity(valid_ids)
        self.history.append([0, float("nan"), best])
        first, best_state, step, waiting, losses = best, copy.deepcopy(self.model.state_dict()), 0, 0, []
        self.progress(0.0, f"held-out perplexity {best:.1f} before training")
        for epoch in range(config.max_epochs):
            for inputs, targets in self._epoch_batches(user_ids, general_ids, epoch):
                losses.append(self._step(optimizer, inputs, targets, step))
                step += 1
                elapsed = time.monotonic() - started
                out_of_time = elapsed >= budget
                if step % config.eval_every and not out_of_time:
                    continue
                ppl = self.held_out_perplexity(valid_ids)
                self.history.append([step, float(np.mean(losses)), ppl])
                losses = []
                self.progress(min(1.0, elapsed / budget), f"step {step}: held-out perplexity {ppl:.1f} "
                                                          f"(best {min(best, ppl):.1f})")
                if ppl < best - 1e-3:
                    best, best_state, waiting = ppl, copy.deepcopy(self.model.state_dict()), 0
                else:
                    waiting += 1
                if out_of_time or waiting >= config.patience:
                    self.stop_reason = "time budget reached" if out_of_time else "held-out perplexity stopped improving"
                    return self._finish(best_state, first, best, step, started)
        return self._finish(best_state, first, best, step, started)

    def _step(self, optimizer, inputs: torch.Tensor, targets: torch.Tensor, step: int) -> float:
        self.model.train()
        for group in optimizer.param_groups:  # a short warm-up, then the rate as given
            group["lr"] = self.config.lr * min(1.0, (step + 1) / self.config.warmup_steps)
        logits, _ = self.model(inputs)  # (B, T, V)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                           ignore_index=IGNORE)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    def _finish(self, best_state: dict, first: float, best: float, steps: int, started: float) -> dict:
        self.model.load_state_dict(best_state)
        self.model.eval()
        return {"steps": steps, "train_seconds": round(time.monotonic() - started, 1), "stop_reason": self.stop_reason,
                "held_out_perplexity_before": first, "held_out_perplexity_after": best, "history": self.history,
                "config": self.config.to_dict()}
