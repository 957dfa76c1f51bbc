"""`nextword`: one console command with subcommands; each is a thin main(argv) over the library."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module with main(argv), one-line description). Modules load only when their command runs,
# so `nextword suggest` never pays for importing the training stack.
COMMANDS = {
    "train": ("engine.train", "train the next-word LSTM language model"),
    "eval": ("engine.evaluate", "measure perplexity, top-k accuracy and keystroke savings"),
    "suggest": ("engine.cli", "print the next-word suggestions for some text"),
}


def suggest_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nextword suggest", description="Print next-word suggestions for some text.")
    parser.add_argument("text", help='the text left of the cursor, e.g. "how are " or "I don"')
    parser.add_argument("-k", type=int, default=3, help="how many suggestions (default: 3)")
    parser.add_argument("--model", help="checkpoint to use (default: the bundled model)")
    parser.add_argument("--ngram-weight", type=float, help="share of the trigram in the mixture")
    args = parser.parse_args(argv)
    from engine.checkpoint import CheckpointError
    from engine.paths import default_model_path
    from engine.predictor import Predictor

    try:
        predictor = Predictor.from_checkpoint(args.model or default_model_path(), args.ngram_weight)
    except CheckpointError as error:
        print(f"nextword suggest: {error}", file=sys.stderr)
        return 2
    for suggestion in predictor.suggest(args.text, args.k):
        print(f"{suggestion.word}\t{suggestion.probability:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: nextword COMMAND [options]\n\nNextword: local next-word prediction.\n\ncommands:")
        for name, (_, description) in COMMANDS.items():
            print(f"  {name:<10}{description}")
        print("\nRun `nextword COMMAND --help` for a command's options.")
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"nextword: unknown command {name!r}; choose one of {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    if name == "suggest":
        return suggest_main(rest)
    return importlib.import_module(COMMANDS[name][0]).main(rest)


if __name__ == "__main__":
    sys.exit(main())
