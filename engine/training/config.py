"""TrainConfig: everything a training run is told, with the model's own ModelConfig nested inside.

It flows from the command line (`nextword train`, one flag per field) into the Trainer and is saved in
every checkpoint and in run.json, so a run can be resumed and reproduced from what it wrote.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, field, fields, replace

from engine.training.model import ModelConfig

LAYOUTS = ("stream", "lines", "prefixes", "windows")
# What a resume may change: the budget (and so when averaging begins) and where it runs. Everything else
# stays as the run was started.
RESUMABLE = ("max_minutes", "max_steps", "epochs", "average_from", "device", "threads", "patience", "out_dir")


@dataclass
class TrainConfig:
    train_data: list[str] = field(default_factory=lambda: ["chitchat:train"])
    valid_data: list[str] = field(default_factory=lambda: ["chitchat:valid"])
    out_dir: str = "runs/default"
    model: ModelConfig = field(default_factory=ModelConfig)  # vocab_size is set from the data
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
    # "prefixes" and "windows": the tutorials' layouts (engine/training/batching.py), kept to compare against.
    layout: str = "stream"
    context_messages: int = 2
    window: int = 15  # tokens per example with --layout windows
    init_from: str = ""  # start from this checkpoint's weights and vocabulary (fine-tuning)
    average_from: int = 0  # from this step on, measure and keep the running mean of the weights (0: never)
    teacher: str = ""  # distil from this checkpoint (engine/training/distillation.py); "": no teacher
    distill_weight: float = 0.5  # the soft (teacher) term's share of the loss
    distill_temperature: float = 1.0

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout: {self.layout!r} is not one of {', '.join(LAYOUTS)}")
        if self.init_from and self.model.arch == "char-lstm":
            raise ValueError("init_from: a character model trains from its own characters; leave --init-from out")
        if not 0.0 <= self.distill_weight <= 1.0:
            raise ValueError(f"distill_weight: {self.distill_weight} is not between 0 and 1")
        if self.distill_temperature <= 0:
            raise ValueError(f"distill_temperature: {self.distill_temperature} must be above 0")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """A saved config; checkpoints written before the nesting keep the model's fields at the top."""
        data = dict(data)
        model = data.pop("model", None)
        model_names = {item.name for item in fields(ModelConfig)}
        flat_model = {name: data.pop(name) for name in list(data) if name in model_names}
        return cls(**data, model=ModelConfig(**(model if model is not None else flat_model)))

    def resumed_with(self, caller: TrainConfig) -> TrainConfig:
        """This saved config with the caller's budget (RESUMABLE) instead of its own."""
        return replace(self, **{name: getattr(caller, name) for name in RESUMABLE})


HELP = {
    "arch": "lstm: embeddings through an LSTM (the default); char-lstm: the same over characters, words spelled "
            "by a beam search; nplm: Bengio's neural probabilistic model, the last --context-words words' embeddings "
            "through a tanh layer; transformer: a small causal decoder (pre-norm, rotary positions)",
    "embedding_dropout": "LSTM: share of the vocabulary's words dropped from the embedding for each batch (AWD-LSTM)",
    "weight_dropout": "LSTM: DropConnect rate on the hidden-to-hidden weights (AWD-LSTM)",
    "variational_dropout": "LSTM: --dropout with one mask per sequence on the LSTM's inputs and outputs",
    "heads": "with --arch transformer, attention heads",
    "attention_span": "with --arch transformer, how many earlier positions each one attends to: the key/value "
                      "cache the predictor carries",
    "context_words": "with --arch nplm, how many words it reads",
    "direct": "with --arch nplm, also connect the words straight to the output, as the paper does",
    "layout": "stream: the text as one stream, state carried across messages; lines: each run of up to "
              "--context-messages messages from a fresh state, as a new line is typed; prefixes: every prefix of "
              "every message, padded, predicting the word after it (the article-titles tutorial); windows: every "
              "--window tokens of the stream predicting the next (the chat tutorial)",
    "window": "with --layout windows, how many tokens each example reads",
    "context_messages": "with --layout lines, how many consecutive messages one run may hold",
    "init_from": "start from this training checkpoint's weights and vocabulary (fine-tuning): model sizes "
                 "come from it, and its run folder's encoded text is reused when built from the same data",
    "teacher": "distil from this checkpoint of the same vocabulary (a wider LSTM, a transformer): the loss mixes "
               "the next word's cross-entropy with the KL divergence from the teacher's distribution",
    "distill_weight": "with --teacher, the teacher's share of the loss (0: none, 1: only the teacher)",
    "distill_temperature": "with --teacher, both distributions are softened by this temperature before comparing",
    "average_from": "from this step on, validation and best.pt use the running mean of the weights after every "
                    "step (the AWD-LSTM's averaging); 0: never",
}


def _add_flags(parser: argparse.ArgumentParser, defaults, skip: set[str]) -> None:
    """One flag per dataclass field: --name-with-dashes, typed by its default."""
    for item in fields(defaults):
        if item.name in skip:
            continue
        flag = "--" + item.name.replace("_", "-")
        default = getattr(defaults, item.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        else:
            described = f"{HELP[item.name]} " if item.name in HELP else ""
            parser.add_argument(flag, type=type(default), default=default, help=f"{described}(default: {default})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword train",
                                     description="Train a next-word language model (an LSTM by default).")
    defaults = TrainConfig()
    parser.add_argument("--data", dest="train_data", nargs="+", default=defaults.train_data, metavar="SOURCE",
                        help="training text: chitchat:train, a .txt file or folder, or a speaker,text .csv")
    parser.add_argument("--valid", dest="valid_data", nargs="*", default=defaults.valid_data, metavar="SOURCE",
                        help="validation text (none: hold out the last 5%% of the training text)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out-dir from last.pt")
    _add_flags(parser, defaults.model, skip={"vocab_size"})
    _add_flags(parser, defaults, skip={"train_data", "valid_data", "model"})
    return parser


def config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, bool]:
    """The TrainConfig the flags describe, and whether to resume."""
    values = vars(args).copy()
    resume = values.pop("resume")
    model_names = {item.name for item in fields(ModelConfig)}
    model = ModelConfig(**{name: values.pop(name) for name in list(values) if name in model_names})
    return TrainConfig(**values, model=model), resume
