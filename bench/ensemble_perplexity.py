"""Is an ensemble worth distilling? Per-line validation perplexity of each checkpoint and of every
combination of them, their next-word probabilities averaged.

Measured as the lines layout measures it (engine/training/validation.py, line_target_log_probs): each
message from a zero state, on the first --tokens tokens of a run folder's encoded validation text. A
teacher is worth distilling into a student only where it is clearly better than the student.

    python bench/ensemble_perplexity.py RUN_FOLDER CHECKPOINT CHECKPOINT [...] [--tokens 60000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from engine.core.vocab import EOS, PAD, Vocab
from engine.training.checkpoint import load_model
from engine.training.validation import line_target_log_probs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_folder", type=Path, help="holds valid_ids.npy and vocab.json of the checkpoints")
    parser.add_argument("checkpoints", nargs="+", type=Path)
    parser.add_argument("--tokens", type=int, default=60000, help="validation tokens read (0: all)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    ids = np.load(args.run_folder / "valid_ids.npy")
    encoded_with = Vocab.from_json(json.loads((args.run_folder / "vocab.json").read_text()))
    scored = {}
    for path in args.checkpoints:
        model, vocab, _ = load_model(path)
        if vocab.content_hash != encoded_with.content_hash:
            print(f"{path}: another vocabulary than {args.run_folder}'s encoded text", file=sys.stderr)
            return 2
        scored[str(path)] = line_target_log_probs(model, ids, vocab.index[EOS], vocab.index[PAD], torch.device("cpu"),
                                                   args.tokens)  # (N,)
    for size in range(1, len(scored) + 1):
        for names in itertools.combinations(scored, size):
            mixed = torch.logsumexp(torch.stack([scored[name] for name in names]), dim=0) - math.log(size)  # (N,)
            print(f"{math.exp(-float(mixed.mean())):8.2f}  {' + '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
