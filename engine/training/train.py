"""`nextword train`: train a next-word language model (`--arch lstm|char-lstm|nplm|transformer`) into a run folder.

The same command runs on several processes: `torchrun --standalone --nproc-per-node 2 -m
engine.training.train ...` (gloo on CPU, nccl on GPU).
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine.core.corpus import CorpusError
from engine.training.checkpoint import CheckpointError
from engine.training.config import build_parser, config_from_args
from engine.training.trainer import train


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config, resume = config_from_args(args)
        if resume and not (Path(config.out_dir) / "last.pt").exists():
            raise CheckpointError(f"{config.out_dir}/last.pt: nothing to resume; start without --resume")
        train(config, resume=resume)
    except (CorpusError, CheckpointError, ValueError) as error:
        print(f"nextword train: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
