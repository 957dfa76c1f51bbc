"""Train the LSTM language model on contiguous token streams; `nextword train`.

One run lives in one folder: vocab.json, the encoded data, last.pt (resumable), best.pt (lowest
validation perplexity), run.json (config, data hashes, metrics, time) and loss_curve.png.
The same command runs under `torchrun` for DistributedDataParallel (gloo on CPU, nccl on CUDA).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from engine.corpus import CorpusError, load_corpus, tokenize_documents
from engine.data import batchify, num_windows, shard_streams, windows
from engine.model import LSTMLanguageModel, ModelConfig, count_parameters, message_start_state
from engine.plot import save_curves
from engine.vocab import EOS, Vocab


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


def _hash_ids(ids: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int32).tobytes()).hexdigest()[:16]


def prepare_data(config: TrainConfig, out: Path, log=print) -> tuple[Vocab, np.ndarray, np.ndarray]:
    """Build (or reuse) the vocabulary and the encoded train/valid streams in the run folder."""
    vocab_path, train_path, valid_path = out / "vocab.json", out / "train_ids.npy", out / "valid_ids.npy"
    if vocab_path.exists() and train_path.exists() and valid_path.exists():
        return Vocab.load(vocab_path), np.load(train_path), np.load(valid_path)
    log(f"reading {', '.join(config.train_data)}")
    train_docs = [doc for spec in config.train_data for doc in load_corpus(spec)]
    valid_docs = [doc for spec in config.valid_data for doc in load_corpus(spec)]
    if not valid_docs:  # no validation text given: hold out the last documents (or lines) of training
        if len(train_docs) >= 20:
            cut = max(1, len(train_docs) // 20)
            train_docs, valid_docs = train_docs[:-cut], train_docs[-cut:]
        else:
            merged = [message for doc in train_docs for message in doc]
            cut = max(1, len(merged) // 20)
            train_docs, valid_docs = [merged[:-cut]], [merged[-cut:]]
    train_tokens, display_counts = tokenize_documents(train_docs)
    valid_tokens, _ = tokenize_documents(valid_docs)
    needed = 2 * config.batch_size * config.seq_len
    if len(train_tokens) < needed:
        raise CorpusError(f"{', '.join(config.train_data)}: only {len(train_tokens)} tokens of training text; "
                          f"add more text or lower --batch-size/--seq-len (need at least {needed})")
    vocab = Vocab.build(Counter(train_tokens), config.min_count, config.max_vocab, display_counts)
    train_ids = np.asarray(vocab.encode(train_tokens), dtype=np.int32)
    valid_ids = np.asarray(vocab.encode(valid_tokens), dtype=np.int32)
    out.mkdir(parents=True, exist_ok=True)
    vocab.save(vocab_path)
    np.save(train_path, train_ids)
    np.save(valid_path, valid_ids)
    return vocab, train_ids, valid_ids


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


@torch.no_grad()
def evaluate_perplexity(model: LSTMLanguageModel, ids: np.ndarray, device: torch.device,
                        max_tokens: int = 0, seq_len: int = 128, num_streams: int = 8) -> float:
    """Perplexity over a token stream, state carried across windows as in training."""
    if max_tokens:
        ids = ids[: max_tokens + 1]
    streams = batchify(ids, min(num_streams, max(1, (len(ids) - 1) // 2))).to(device)  # (B, N)
    was_training = model.training
    model.eval()
    state, total_loss, count = None, 0.0, 0
    for _, inputs, targets in windows(streams, seq_len):
        logits, state = model(inputs, state)  # (B, T, V)
        total_loss += nn.functional.cross_entropy(
            logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="sum").item()
        count += targets.numel()
    model.train(was_training)
    return math.exp(total_loss / max(1, count))


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

    if distributed.is_main:
        vocab, train_ids, valid_ids = prepare_data(config, out, log)
    if distributed.world_size > 1:
        dist.barrier()  # the main process writes the encoded data; the others read it
        if not distributed.is_main:
            vocab, train_ids, valid_ids = prepare_data(config, out, log)

    model = LSTMLanguageModel(config.model_config(len(vocab))).to(device)
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

    streams = batchify(train_ids, config.batch_size * distributed.world_size)
    streams = shard_streams(streams, distributed.rank, distributed.world_size).to(device)  # (B, N)
    per_epoch = num_windows(streams, config.seq_len)
    # The schedule spans all epochs; max_steps and max_minutes only stop early, so a run cut into
    # sessions and resumed follows exactly the learning rates of one uninterrupted run.
    schedule_steps = config.epochs * per_epoch
    total_steps = min(schedule_steps, config.max_steps) if config.max_steps else schedule_steps
    use_amp = config.amp and device.type == "cuda"
    data_hash = {"train": _hash_ids(train_ids), "valid": _hash_ids(valid_ids), "vocab": vocab.content_hash}
    workers = f" x{distributed.world_size}" if distributed.world_size > 1 else ""
    log(f"{count_parameters(model):,} parameters, vocab {len(vocab):,}, {len(train_ids):,} training tokens, "
        f"{per_epoch} windows per epoch on {device}{workers}")

    carried: dict = {"state": None}  # the LSTM state between windows, saved so a resume continues it

    def save(path: Path, with_start_state: bool = False) -> None:
        state = carried["state"]
        stream_state = [s.detach().cpu() for s in state] if state is not None else []
        start_state = []
        if with_start_state:  # a model that will be used for predictions: give it a message-start state
            start_state = [s.cpu() for s in message_start_state(model, valid_ids[:100000], vocab.index[EOS])]
        save_checkpoint(path, model, vocab, train_config=asdict(config), progress=asdict(progress),
                        optimizer=optimizer.state_dict(), rng=torch.get_rng_state(), data_hash=data_hash,
                        stream_state=stream_state, start_state=start_state)

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
        for index, inputs, targets in windows(streams, config.seq_len, progress.window):
            if state is not None:
                state = tuple(s.detach() for s in state)  # truncated BPTT: keep the values, cut the graph
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                logits, state = trained(inputs, state)  # (B, T, V)
                carried["state"] = state
                loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            for group in optimizer.param_groups:
                group["lr"] = config.lr * lr_factor(progress.step, config.warmup_steps, schedule_steps,
                                                     config.min_lr_ratio)
            optimizer.step()

            progress.step += 1
            progress.window = index + 1
            progress.tokens += targets.numel() * distributed.world_size
            running_loss += loss.item()
            running_count += 1
            now = time.monotonic()
            progress.seconds = seconds_before + now - started
            tokens_per_second = targets.numel() * distributed.world_size / max(1e-9, now - window_started)
            window_started = now
            bar.update(1)
            if progress.step % 10 == 0:
                bar.set_postfix(tok_s=f"{tokens_per_second:,.0f}", loss=f"{loss.item():.3f}",
                                ppl=f"{math.exp(min(20.0, loss.item())):.1f}", refresh=False)

            at_eval = progress.step % config.eval_every == 0 or progress.step >= total_steps
            if at_eval:
                stop = evaluate_and_keep_best(config, model, valid_ids, device, progress, distributed, out, save,
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
            evaluate_and_keep_best(config, model, valid_ids, device, progress, distributed, out, save,
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


def evaluate_and_keep_best(config, model, valid_ids, device, progress, distributed, out, save, train_loss,
                           log) -> bool:
    """Validation perplexity on the main process; keeps best.pt; True when early stopping is due."""
    stop = False
    if distributed.is_main:
        ppl = evaluate_perplexity(model, valid_ids, device, config.valid_tokens)
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
            parser.add_argument(flag, type=type(default), default=default, help=f"default: {default}")
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
