"""Train the LSTM language model on contiguous token streams; `nextword train`.

One run lives in one folder: vocab.json, the encoded data, last.pt (resumable), best.pt (lowest
validation perplexity), run.json (config, data hashes, metrics, time) and loss_curve.png.
The same command runs under `torchrun` for DistributedDataParallel (gloo on CPU, nccl on CUDA).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from engine.corpus import CorpusError
from engine.data import IGNORE, batchify, line_batches, line_chunks, message_spans, num_windows, shard_streams, windows
from engine.model import (
    LSTMLanguageModel,
    ModelConfig,
    count_parameters,
    evaluate_lines_perplexity,
    evaluate_perplexity,
    message_start_state,
)
from engine.plot import save_curves
from engine.rundata import hash_ids, prepare_data
from engine.vocab import EOS, PAD, Vocab, VocabError


@dataclass
class TrainConfig:
    train_data: list[str] = field(default_factory=lambda: ["chitchat:train"])
    valid_data: list[str] = field(default_factory=lambda: ["chitchat:valid"])
    out_dir: str = "runs/default"
    embed_dim: int = 256
    hidden_size: int = 512
    num_layers: int = 2
    dropout: float = 0.2
    tie_weights: bool = True
    min_count: int = 2
    max_vocab: int = 12000
    batch_size: int = 32
    seq_len: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 200
    min_lr_ratio: float = 0.1
    epochs: int = 10
    max_steps: int = 0  # 0: no limit besides epochs
    max_minutes: float = 0.0  # 0: no limit; otherwise save and stop after this much training time
    clip: float = 1.0
    eval_every: int = 500
    valid_tokens: int = 60000  # validation perplexity on this many tokens (0: all)
    checkpoint_every: int = 500
    patience: int = 4  # evaluations without improvement before stopping early
    seed: int = 1234
    device: str = "auto"
    threads: int = 0  # 0: torch's default
    amp: bool = True  # bfloat16 autocast on CUDA; ignored on CPU
    # "stream": one long text, state carried across windows (learns from the conversation so far);
    # "lines": runs of 1..context_messages messages, each from a zero state (how a fresh line is typed).
    layout: str = "stream"
    context_messages: int = 2
    init_from: str = ""  # start from this checkpoint's weights and vocabulary (fine-tuning)

    def model_config(self, vocab_size: int) -> ModelConfig:
        return ModelConfig(vocab_size, self.embed_dim, self.hidden_size, self.num_layers, self.dropout,
                           self.tie_weights)


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


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise CorpusError("device: CUDA was asked for but torch sees no GPU; use --device cpu")
    return torch.device(name)


def lr_factor(step: int, warmup_steps: int, total_steps: int, min_ratio: float) -> float:
    """Linear warm-up, then cosine decay down to min_ratio of the peak rate."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def _initial_model(config: TrainConfig, resume: bool) -> tuple[TrainConfig, dict | None, Vocab | None]:
    """With --init-from (and not resuming): its weights, its vocabulary and its model sizes."""
    if resume or not config.init_from:
        return config, None, None
    payload = load_checkpoint(config.init_from)
    if "optimizer" not in payload and "model_int8" in payload:
        raise CheckpointError(f"{config.init_from}: a release (int8) cannot be trained further; use the run's best.pt")
    try:
        vocab = Vocab.from_json(payload["vocab"], config.init_from)
    except (KeyError, VocabError) as error:
        raise CheckpointError(f"{config.init_from}: no usable vocabulary ({error})") from None
    sizes = ModelConfig(**payload["model_config"])
    config = TrainConfig(**{**asdict(config), "embed_dim": sizes.embed_dim, "hidden_size": sizes.hidden_size,
                            "num_layers": sizes.num_layers, "tie_weights": sizes.tie_weights})
    return config, payload["model"], vocab


class _Distributed:
    """torchrun's environment, or a single process."""

    def __init__(self, device: torch.device):
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.device = device
        if self.world_size > 1 and device.type == "cuda":
            self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(self.device)
        if self.world_size > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def broadcast_flag(self, flag: bool) -> bool:
        if self.world_size == 1:
            return flag
        tensor = torch.tensor([int(flag)], device=self.device)  # nccl sends only GPU tensors
        dist.broadcast(tensor, src=0)
        return bool(tensor.item())

    def close(self) -> None:
        if self.world_size > 1 and dist.is_initialized():
            dist.destroy_process_group()


def train(config: TrainConfig, resume: bool = False, log=print) -> dict:
    """Train until the epochs, the step or time budget, or early stopping end it. Returns run.json's dict."""
    out = Path(config.out_dir)
    last_path = out / "last.pt"
    checkpoint = None
    if resume:
        checkpoint = load_checkpoint(last_path)
        saved = checkpoint["train_config"]
        # The budget flags are the caller's to change on each resume; the rest must stay as trained.
        keep = {"max_minutes", "max_steps", "epochs", "device", "threads", "patience", "out_dir"}
        config = TrainConfig(**{**saved, **{name: getattr(config, name) for name in keep}})
    device = pick_device(config.device)
    if config.threads:
        torch.set_num_threads(config.threads)
    distributed = _Distributed(device)
    device = distributed.device  # each worker's own GPU under torchrun
    log = log if distributed.is_main else (lambda *args, **kwargs: None)
    torch.manual_seed(config.seed)
    if config.layout not in ("stream", "lines"):
        raise ValueError(f"layout: {config.layout!r} is not one of stream, lines")
    config, initial_weights, given_vocab = _initial_model(config, resume)

    if distributed.is_main:
        vocab, train_ids, valid_ids = prepare_data(config, out, log, given_vocab)
    if distributed.world_size > 1:
        dist.barrier()  # the main process writes the encoded data; the others read it
        if not distributed.is_main:
            vocab, train_ids, valid_ids = prepare_data(config, out, log, given_vocab)

    model = LSTMLanguageModel(config.model_config(len(vocab))).to(device)
    if initial_weights is not None:
        model.load_state_dict(initial_weights)
    decay = [p for name, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for name, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr, betas=(0.9, 0.99))
    progress = Progress()
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        progress = Progress(**checkpoint["progress"])
        torch.set_rng_state(checkpoint["rng"])
        log(f"resuming at epoch {progress.epoch + 1}, step {progress.step}")
    trained = nn.parallel.DistributedDataParallel(model) if distributed.world_size > 1 else model

    lines = config.layout == "lines"
    if lines:
        chunks = line_chunks(message_spans(train_ids, vocab.index[EOS]), config.context_messages,
                             config.seed)
        batches = line_batches(train_ids, chunks, config.batch_size * config.seq_len, vocab.index[PAD])
        per_epoch = len(batches) // distributed.world_size
        batches = batches[distributed.rank :: distributed.world_size][:per_epoch]  # each worker its own
    else:
        streams = batchify(train_ids, config.batch_size * distributed.world_size)
        streams = shard_streams(streams, distributed.rank, distributed.world_size).to(device)  # (B, N)
        per_epoch = num_windows(streams, config.seq_len)

    def epoch_batches(epoch: int, start: int):
        if not lines:
            yield from windows(streams, config.seq_len, start)
            return
        order = np.random.default_rng(config.seed + epoch).permutation(per_epoch)  # same on every worker
        for index in range(start, per_epoch):
            inputs, targets = batches[order[index]]
            yield index, inputs.to(device), targets.to(device)
    # The schedule spans all epochs; max_steps and max_minutes only stop early, so a run cut into
    # sessions and resumed follows exactly the learning rates of one uninterrupted run.
    schedule_steps = config.epochs * per_epoch
    total_steps = min(schedule_steps, config.max_steps) if config.max_steps else schedule_steps
    use_amp = config.amp and device.type == "cuda"
    data_hash = {"train": hash_ids(train_ids), "valid": hash_ids(valid_ids), "vocab": vocab.content_hash}
    workers = f" x{distributed.world_size}" if distributed.world_size > 1 else ""
    log(f"{count_parameters(model):,} parameters, vocab {len(vocab):,}, {len(train_ids):,} training tokens, "
        f"{per_epoch} windows per epoch on {device}{workers}")

    carried: dict = {"state": None}  # the LSTM state between windows, saved so a resume continues it

    def save(path: Path, with_start_state: bool = False) -> None:
        state = carried["state"]
        stream_state = [s.detach().cpu() for s in state] if state is not None else []
        start_state = []
        if with_start_state and lines:  # trained to start each line from zeros
            start_state = list(model.init_state(1))
        elif with_start_state:  # a model that will be used for predictions: give it a message-start state
            start_state = [s.cpu() for s in message_start_state(model, valid_ids[:100000], vocab.index[EOS])]
        save_checkpoint(path, model, vocab, train_config=asdict(config), progress=asdict(progress),
                        optimizer=optimizer.state_dict(), rng=torch.get_rng_state(), data_hash=data_hash,
                        stream_state=stream_state, start_state=start_state)

    def validation_perplexity() -> float:  # measured the way the layout trains
        if lines:
            return evaluate_lines_perplexity(model, valid_ids, vocab.index[EOS], vocab.index[PAD], device,
                                             config.valid_tokens)
        return evaluate_perplexity(model, valid_ids, device, config.valid_tokens)

    started = time.monotonic()
    seconds_before = progress.seconds
    stop_reason = "epochs done"
    bar = tqdm(total=total_steps, initial=progress.step, disable=not distributed.is_main, mininterval=2,
               file=sys.stderr, dynamic_ncols=True, unit="step")
    model.train()
    running_loss, running_count = 0.0, 0
    stop = progress.step >= total_steps
    while not stop and progress.epoch < config.epochs:
        state = None
        if checkpoint is not None and checkpoint.get("stream_state") and progress.window:
            state = tuple(s.to(device) for s in checkpoint["stream_state"])
            checkpoint = None  # only the first epoch after resuming starts mid-stream
        window_started = time.monotonic()
        for index, inputs, targets in epoch_batches(progress.epoch, progress.window):
            if lines:
                state = None  # every chunk starts fresh
            elif state is not None:
                state = tuple(s.detach() for s in state)  # truncated BPTT: keep the values, cut the graph
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                logits, state = trained(inputs, state)  # (B, T, V)
                carried["state"] = state
                loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                                   ignore_index=IGNORE)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            for group in optimizer.param_groups:
                group["lr"] = config.lr * lr_factor(progress.step, config.warmup_steps, schedule_steps,
                                                     config.min_lr_ratio)
            optimizer.step()

            progress.step += 1
            progress.window = index + 1
            targets_in_step = int((targets != IGNORE).sum()) if lines else targets.numel()
            progress.tokens += targets_in_step * distributed.world_size
            running_loss += loss.item()
            running_count += 1
            now = time.monotonic()
            progress.seconds = seconds_before + now - started
            tokens_per_second = targets_in_step * distributed.world_size / max(1e-9, now - window_started)
            window_started = now
            bar.update(1)
            if progress.step % 10 == 0:
                bar.set_postfix(tok_s=f"{tokens_per_second:,.0f}", loss=f"{loss.item():.3f}",
                                ppl=f"{math.exp(min(20.0, loss.item())):.1f}", refresh=False)

            at_eval = progress.step % config.eval_every == 0 or progress.step >= total_steps
            if at_eval:
                stop = evaluate_and_keep_best(config, validation_perplexity, progress, distributed, out, save,
                                              running_loss / max(1, running_count), log)
                running_loss, running_count = 0.0, 0
                if stop:
                    stop_reason = "early stopping: validation perplexity stopped improving"
            out_of_time = config.max_minutes and progress.seconds >= config.max_minutes * 60
            if distributed.broadcast_flag(bool(out_of_time)):
                stop, stop_reason = True, f"time budget of {config.max_minutes} minutes reached"
            if progress.step >= total_steps:
                stop, stop_reason = True, "step budget reached" if config.max_steps else stop_reason
            if distributed.is_main and (stop or progress.step % config.checkpoint_every == 0):
                save(last_path)
            if stop:
                break
        else:
            progress.epoch += 1
            progress.window = 0
            carried["state"] = None
    bar.close()
    if distributed.is_main:
        if not (out / "best.pt").exists():
            evaluate_and_keep_best(config, validation_perplexity, progress, distributed, out, save,
                                   running_loss / max(1, running_count), log)
        save(last_path, with_start_state=True)
    record = {
        "config": asdict(config),
        "model_config": model.config.to_dict(),
        "parameters": count_parameters(model),
        "data_hash": data_hash,
        "device": str(device),
        "world_size": distributed.world_size,
        "torch": torch.__version__,
        "steps": progress.step,
        "epochs_completed": round(progress.step / per_epoch, 2),
        "tokens_seen": progress.tokens,
        "train_seconds": round(progress.seconds, 1),
        "best_valid_perplexity": progress.best_valid_ppl,
        "stop_reason": stop_reason,
        "history": progress.history,
    }
    if distributed.is_main:
        (out / "run.json").write_text(json.dumps(record, indent=2))
        train_points = [(s, math.exp(min(20.0, loss))) for s, loss, _ in progress.history]
        valid_points = [(s, ppl) for s, _, ppl in progress.history if ppl is not None]
        save_curves(out / "loss_curve.png", {"train perplexity": train_points, "valid perplexity": valid_points})
        log(f"{stop_reason}; best validation perplexity {progress.best_valid_ppl:.2f}; "
            f"{progress.step} steps in {progress.seconds / 60:.1f} min; saved {out}")
    distributed.close()
    return record


def evaluate_and_keep_best(config, validation_perplexity, progress, distributed, out, save, train_loss,
                           log) -> bool:
    """Validation perplexity on the main process; keeps best.pt; True when early stopping is due."""
    stop = False
    if distributed.is_main:
        ppl = validation_perplexity()
        progress.history.append([progress.step, train_loss, ppl])
        if ppl < progress.best_valid_ppl - 1e-3:
            progress.best_valid_ppl, progress.evals_without_gain = ppl, 0
            save(out / "best.pt", with_start_state=True)
        else:
            progress.evals_without_gain += 1
            stop = progress.evals_without_gain >= config.patience
        tqdm.write(f"step {progress.step}: train ppl {math.exp(min(20.0, train_loss)):.2f}, valid ppl {ppl:.2f}"
                   f" (best {progress.best_valid_ppl:.2f})", file=sys.stderr)
    return distributed.broadcast_flag(stop)


HELP = {
    "layout": "stream: the text as one stream, state carried across messages; lines: each run of up to "
              "--context-messages messages from a fresh state, as a new line is typed",
    "context_messages": "with --layout lines, how many consecutive messages one run may hold",
    "init_from": "start from this training checkpoint's weights and vocabulary (fine-tuning); model sizes "
                 "come from it",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword train", description="Train the next-word LSTM language model.")
    defaults = TrainConfig()
    parser.add_argument("--data", dest="train_data", nargs="+", default=defaults.train_data, metavar="SOURCE",
                        help="training text: chitchat:train, a .txt file or folder, or a speaker,text .csv")
    parser.add_argument("--valid", dest="valid_data", nargs="*", default=defaults.valid_data, metavar="SOURCE",
                        help="validation text (none: hold out the last 5%% of the training text)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out-dir from last.pt")
    for item in fields(TrainConfig):
        if item.name in ("train_data", "valid_data"):
            continue
        flag = "--" + item.name.replace("_", "-")
        default = getattr(defaults, item.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        else:
            described = f"{HELP[item.name]} " if item.name in HELP else ""
            parser.add_argument(flag, type=type(default), default=default, help=f"{described}(default: {default})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = vars(build_parser().parse_args(argv))
    resume = args.pop("resume")
    config = TrainConfig(**args)
    try:
        if resume and not (Path(config.out_dir) / "last.pt").exists():
            raise CheckpointError(f"{config.out_dir}/last.pt: nothing to resume; start without --resume")
        train(config, resume=resume)
    except (CorpusError, CheckpointError, ValueError) as error:
        print(f"nextword train: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
