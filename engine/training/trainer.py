"""The Trainer: a language model trained on token streams (or lines, or the tutorials' examples) in one run folder.

A run folder holds vocab.json and the encoded data (with data.json, what they were built from),
last.pt (resumable), best.pt (lowest validation perplexity), run.json (config, data hashes, metrics,
time) and loss_curve.png. The same code runs under `torchrun` for DistributedDataParallel.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from engine.core.vocab import EOS, PAD, Vocab, VocabError
from engine.training.architectures import build_model
from engine.training.averaging import WeightAverage
from engine.training.batching import IGNORE, batchify, num_windows, padded_batches, shard_streams, windows
from engine.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from engine.training.config import TrainConfig
from engine.training.distillation import Teacher, distillation_loss
from engine.training.distributed import Distributed, pick_device
from engine.training.embedding_map import MAP_FILE, save_embedding_map
from engine.training.model import ModelConfig, count_parameters
from engine.training.plots import save_curves
from engine.training.rundata import RunData, prepare_data
from engine.training.validation import evaluate_lines_perplexity, evaluate_perplexity, message_start_state


@dataclass
class Progress:
    epoch: int = 0
    window: int = 0  # next window to train within the epoch
    step: int = 0
    tokens: int = 0
    seconds: float = 0.0
    best_valid_ppl: float = float("inf")
    evals_without_gain: int = 0
    history: list = field(default_factory=list)  # [step, train_loss, valid_ppl or None]


def lr_factor(step: int, warmup_steps: int, total_steps: int, min_ratio: float) -> float:
    """Linear warm-up, then cosine decay down to min_ratio of the peak rate."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


# What --init-from takes from the caller rather than from the checkpoint: how training regularises, not the model.
TRAINING_ONLY = ("dropout", "embedding_dropout", "weight_dropout", "variational_dropout")


def initial_weights(config: TrainConfig) -> tuple[TrainConfig, dict, Vocab]:
    """--init-from: the checkpoint's weights, vocabulary and model sizes (dropout stays the caller's)."""
    payload = load_checkpoint(config.init_from)
    if "optimizer" not in payload and "model_int8" in payload:
        raise CheckpointError(f"{config.init_from}: a release (int8) cannot be trained further; use the run's best.pt")
    try:
        vocab = Vocab.from_json(payload["vocab"], config.init_from)
    except (KeyError, VocabError) as error:
        raise CheckpointError(f"{config.init_from}: no usable vocabulary ({error})") from None
    sizes = ModelConfig(**payload["model_config"])
    model = replace(sizes, **{name: getattr(config.model, name) for name in TRAINING_ONLY})
    return replace(config, model=model), payload["model"], vocab


class Trainer:
    """One run: setup, then steps over batches with evaluations, saves and a record at the end."""

    def __init__(self, config: TrainConfig, resume: bool = False, log=print):
        self.config, self.resume, self.log = config, resume, log
        self.out = Path(config.out_dir)
        self.checkpoint: dict | None = None  # last.pt when resuming, until its stream state is used
        self.progress = Progress()
        self.state = None  # the LSTM state carried between stream windows, saved so a resume continues it
        self.stop_reason = "epochs done"
        self.running_loss, self.running_count = 0.0, 0

    # Setup
    def setup(self) -> None:
        if self.resume:
            self.checkpoint = load_checkpoint(self.out / "last.pt")
            self.config = TrainConfig.from_dict(self.checkpoint["train_config"]).resumed_with(self.config)
        config = self.config
        if config.threads:
            torch.set_num_threads(config.threads)
        self.distributed = Distributed(pick_device(config.device))
        self.device = self.distributed.device  # each worker's own GPU under torchrun
        if not self.distributed.is_main:
            self.log = lambda *args, **kwargs: None
        torch.manual_seed(config.seed)
        weights, vocab = None, None
        if config.init_from and not self.resume:
            self.config, weights, vocab = initial_weights(config)
        self.data = self._prepare_data(vocab)
        self.config = replace(self.config, model=replace(self.config.model, vocab_size=len(self.data.vocab)))
        self._build_model(weights)
        self.teacher = Teacher(self.config.teacher, self.data.vocab, self.device) if self.config.teacher else None
        self._plan_batches()

    def _prepare_data(self, given_vocab: Vocab | None) -> RunData:
        """The main process builds (or reuses) the encoded data; the other workers then read it."""
        if self.distributed.is_main:
            data = prepare_data(self.config, self.out, self.log, given_vocab)
        self.distributed.barrier()
        if not self.distributed.is_main:
            data = prepare_data(self.config, self.out, self.log, given_vocab)
        return data

    def _build_model(self, weights: dict | None) -> None:
        config = self.config
        self.model = build_model(config.model).to(self.device)
        if weights is not None:
            self.model.load_state_dict(weights)
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.dim() < 2]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=config.lr, betas=(0.9, 0.99))
        self.average = WeightAverage(self.model, config.average_from)
        if self.checkpoint is not None:
            self.model.load_state_dict(self.checkpoint["model"])
            self.optimizer.load_state_dict(self.checkpoint["optimizer"])
            if self.checkpoint["train_config"].get("average_from") == config.average_from:
                self.average.load_state_dict(self.checkpoint.get("average") or {})  # else a new mean starts
            self.progress = Progress(**self.checkpoint["progress"])
            torch.set_rng_state(self.checkpoint["rng"])
            self.log(f"resuming at epoch {self.progress.epoch + 1}, step {self.progress.step}")
        distributed = self.distributed.world_size > 1
        self.trained = nn.parallel.DistributedDataParallel(self.model) if distributed else self.model

    def _plan_batches(self) -> None:
        config, data, distributed = self.config, self.data, self.distributed
        self.padded = config.layout != "stream"  # every example from a zero state, padded
        if self.padded:
            self.padded_batches = padded_batches(config, data.train_ids, data.vocab.index[EOS], data.vocab.index[PAD])
            self.per_epoch = len(self.padded_batches) // distributed.world_size
            self.batch_ids = list(range(distributed.rank, len(self.padded_batches), distributed.world_size))
            self.batch_ids = self.batch_ids[: self.per_epoch]  # this worker's own
        else:
            streams = batchify(data.train_ids, config.batch_size * distributed.world_size)
            self.streams = shard_streams(streams, distributed.rank, distributed.world_size).to(self.device)  # (B, N)
            self.per_epoch = num_windows(self.streams, config.seq_len)
        # The schedule spans all epochs; max_steps and max_minutes only stop early, so a run cut into
        # sessions and resumed follows exactly the learning rates of one uninterrupted run.
        self.schedule_steps = config.epochs * self.per_epoch
        self.total_steps = min(self.schedule_steps, config.max_steps) if config.max_steps else self.schedule_steps
        workers = f" x{distributed.world_size}" if distributed.world_size > 1 else ""
        self.log(f"{count_parameters(self.model):,} parameters, vocab {len(data.vocab):,}, "
                 f"{len(data.train_ids):,} training tokens, {self.per_epoch} windows per epoch "
                 f"on {self.device}{workers}")

    # Batches and steps
    def batches(self, epoch: int, start: int):
        """(index, inputs (B, T), targets (B, T)) of one epoch, from batch `start` on."""
        if not self.padded:
            yield from windows(self.streams, self.config.seq_len, start)
            return
        order = np.random.default_rng(self.config.seed + epoch).permutation(self.per_epoch)  # same on every worker
        for index in range(start, self.per_epoch):
            inputs, targets = self.padded_batches[self.batch_ids[order[index]]]
            yield index, inputs.to(self.device), targets.to(self.device)

    def step(self, inputs: torch.Tensor, targets: torch.Tensor) -> float:
        """One optimizer step; returns the batch's mean cross-entropy (with a teacher, the loss's hard part)."""
        config = self.config
        if self.padded:
            self.state = None  # every chunk starts fresh
        elif self.state is not None:
            self.state = tuple(s.detach() for s in self.state)  # truncated BPTT: keep the values, cut the graph
        use_amp = config.amp and self.device.type == "cuda"
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=use_amp):
            logits, self.state = self.trained(inputs, self.state)  # (B, T, V)
            if self.teacher is None:
                loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                                   ignore_index=IGNORE)
                cross_entropy = loss
            else:
                teacher_logits = self.teacher.logits(inputs, carry_state=not self.padded)  # (B, T, V)
                loss, cross_entropy = distillation_loss(logits, teacher_logits, targets, config.distill_weight,
                                                        config.distill_temperature)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), config.clip)
        for group in self.optimizer.param_groups:
            group["lr"] = config.lr * lr_factor(self.progress.step, config.warmup_steps, self.schedule_steps,
                                                config.min_lr_ratio)
        self.optimizer.step()
        return cross_entropy.item()

    def run(self) -> dict:
        """Train until the epochs, the step or time budget, or early stopping end it. Returns run.json's dict."""
        self.setup()
        self.model.train()
        self.bar = tqdm(total=self.total_steps, initial=self.progress.step, disable=not self.distributed.is_main,
                        mininterval=2, file=sys.stderr, dynamic_ncols=True, unit="step")
        started, seconds_before = time.monotonic(), self.progress.seconds
        stop = self.progress.step >= self.total_steps
        while not stop and self.progress.epoch < self.config.epochs:
            stop = self._train_epoch(started, seconds_before)
        self.bar.close()
        if self.distributed.is_main:
            if not (self.out / "best.pt").exists():
                self.evaluate()
            self.save(self.out / "last.pt", with_start_state=True)
        record = self.record()
        self.distributed.close()
        return record

    def _train_epoch(self, started: float, seconds_before: float) -> bool:
        """The rest of the current epoch; True when training should stop."""
        progress = self.progress
        self.state = None
        if self.teacher is not None:
            self.teacher.state = None
        if self.checkpoint is not None and self.checkpoint.get("stream_state") and progress.window:
            self.state = tuple(s.to(self.device) for s in self.checkpoint["stream_state"])
            if self.teacher is not None and self.checkpoint.get("teacher_state"):
                self.teacher.state = tuple(s.to(self.device) for s in self.checkpoint["teacher_state"])
        self.checkpoint = None  # only the first epoch after resuming starts mid-stream
        window_started = time.monotonic()
        for index, inputs, targets in self.batches(progress.epoch, progress.window):
            loss = self.step(inputs, targets)
            progress.step += 1
            self.average.update(self.model, progress.step)
            progress.window = index + 1
            targets_in_step = int((targets != IGNORE).sum()) if self.padded else targets.numel()
            progress.tokens += targets_in_step * self.distributed.world_size
            self.running_loss, self.running_count = self.running_loss + loss, self.running_count + 1
            now = time.monotonic()
            progress.seconds = seconds_before + now - started
            self._show(loss, targets_in_step * self.distributed.world_size / max(1e-9, now - window_started))
            window_started = now
            if self._should_stop():
                return True
        progress.epoch += 1
        progress.window = 0
        self.state = None
        return False

    def _show(self, loss: float, tokens_per_second: float) -> None:
        self.bar.update(1)
        if self.progress.step % 10 == 0:
            self.bar.set_postfix(tok_s=f"{tokens_per_second:,.0f}", loss=f"{loss:.3f}",
                                 ppl=f"{math.exp(min(20.0, loss)):.1f}", refresh=False)

    def _should_stop(self) -> bool:
        """Evaluate, check the budgets and save last.pt as due after a step; True to stop now."""
        config, progress = self.config, self.progress
        stop = False
        evaluated = progress.step % config.eval_every == 0 or progress.step >= self.total_steps
        if evaluated:
            stop = self.evaluate()
            if stop:
                self.stop_reason = "early stopping: validation perplexity stopped improving"
        out_of_time = config.max_minutes and progress.seconds >= config.max_minutes * 60
        if self.distributed.broadcast_flag(bool(out_of_time)):
            if not evaluated:
                self.evaluate()  # the steps since the last evaluation count: best.pt may be this model
            stop, self.stop_reason = True, f"time budget of {config.max_minutes} minutes reached"
        if progress.step >= self.total_steps:
            stop = True
            self.stop_reason = "step budget reached" if config.max_steps else self.stop_reason
        if self.distributed.is_main and (stop or progress.step % config.checkpoint_every == 0):
            self.save(self.out / "last.pt")
        return stop

    # Evaluation, saving, the record
    def validation_perplexity(self, model: nn.Module) -> float:
        """Measured the way the layout trains: per message from zeros, or over the stream."""
        data, config = self.data, self.config
        if self.padded:
            return evaluate_lines_perplexity(model, data.valid_ids, data.vocab.index[EOS],
                                             data.vocab.index[PAD], self.device, config.valid_tokens)
        return evaluate_perplexity(model, data.valid_ids, self.device, config.valid_tokens)

    def evaluate(self) -> bool:
        """Validation perplexity on the main process (of the averaged weights once averaging has begun);
        keeps best.pt; True (on every worker) when early stopping is due."""
        stop = False
        progress = self.progress
        if self.distributed.is_main:
            train_loss = self.running_loss / max(1, self.running_count)
            measured = self.average.model_to_measure(self.model)
            ppl = self.validation_perplexity(measured)
            progress.history.append([progress.step, train_loss, ppl])
            if ppl < progress.best_valid_ppl - 1e-3:
                progress.best_valid_ppl, progress.evals_without_gain = ppl, 0
                self.save(self.out / "best.pt", with_start_state=True, model=measured)
            else:
                progress.evals_without_gain += 1
                stop = progress.evals_without_gain >= self.config.patience
            tqdm.write(f"step {progress.step}: train ppl {math.exp(min(20.0, train_loss)):.2f}, valid ppl {ppl:.2f}"
                       f" (best {progress.best_valid_ppl:.2f})", file=sys.stderr)
        self.running_loss, self.running_count = 0.0, 0
        return self.distributed.broadcast_flag(stop)

    def start_state(self, model: nn.Module) -> list:
        """The state a line starts from when the model is used: zeros for a model trained from zero states
        (lines, prefixes, windows), else the mean state after a message ends."""
        if self.padded or not model.mean_start_state:
            return list(model.init_state(1))
        start = message_start_state(model, self.data.valid_ids[:100000], self.data.vocab.index[EOS])
        return [s.cpu() for s in start]

    def save(self, path: Path, with_start_state: bool = False, model: nn.Module | None = None) -> None:
        """A checkpoint of `model`'s weights (default: the ones being trained), with everything a resume
        needs: best.pt gets the weights measured, last.pt the trained ones and the running mean (only a
        resume reads it, so best.pt, the file that is released, holds no second copy of the weights)."""
        trained = model is None
        model = self.model if trained else model
        stream_state = [s.detach().cpu() for s in self.state] if self.state is not None else []
        teacher_state = self.teacher.state if self.teacher is not None and self.teacher.state is not None else []
        words = {"words": self.data.words.to_json()} if self.data.words is not None else {}
        save_checkpoint(path, model, self.data.vocab, **words, train_config=self.config.to_dict(),
                        progress=asdict(self.progress), optimizer=self.optimizer.state_dict(),
                        rng=torch.get_rng_state(), data_hash=self.data.hashes, stream_state=stream_state,
                        teacher_state=[s.cpu() for s in teacher_state],
                        start_state=self.start_state(model) if with_start_state else [],
                        average=self.average.state_dict() if trained else {})

    def record(self) -> dict:
        """run.json's dict; the main process also writes it and the loss curve."""
        progress = self.progress
        record = {
            "config": self.config.to_dict(),
            "model_config": self.model.config.to_dict(),
            "parameters": count_parameters(self.model),
            "data_hash": self.data.hashes,
            "device": str(self.device),
            "world_size": self.distributed.world_size,
            "torch": torch.__version__,
            "steps": progress.step,
            "epochs_completed": round(progress.step / self.per_epoch, 2),
            "tokens_seen": progress.tokens,
            "train_seconds": round(progress.seconds, 1),
            "best_valid_perplexity": progress.best_valid_ppl,
            "stop_reason": self.stop_reason,
            "history": progress.history,
        }
        if self.distributed.is_main:
            (self.out / "run.json").write_text(json.dumps(record, indent=2))
            train_points = [(s, math.exp(min(20.0, loss))) for s, loss, _ in progress.history]
            valid_points = [(s, ppl) for s, _, ppl in progress.history if ppl is not None]
            save_curves(self.out / "loss_curve.png", {"train perplexity": train_points,
                                                      "valid perplexity": valid_points})
            if self.model.config.arch == "nplm":  # as the tutorial shows its embeddings
                save_embedding_map(self.out / MAP_FILE, self.model.embed.weight.detach().cpu().numpy(),
                                   self.data.vocab, title=f"NPLM embeddings, t-SNE ({self.out.name})")
            self.log(f"{self.stop_reason}; best validation perplexity {progress.best_valid_ppl:.2f}; "
                     f"{progress.step} steps in {progress.seconds / 60:.1f} min; saved {self.out}")
        return record


def train(config: TrainConfig, resume: bool = False, log=print) -> dict:
    """Train a run (see Trainer.run); returns run.json's dict."""
    return Trainer(config, resume, log).run()
