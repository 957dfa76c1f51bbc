"""`nextword`: one console command with subcommands; each is a thin main(argv) over the library."""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module with main(argv), one-line description). Modules load by name only when their command
# runs, so `nextword suggest` never pays for importing the training stack, and the engine never imports
# the export package (which needs torch) unless `nextword export` is what was asked for.
COMMANDS = {
    "app": ("desktop.app", "open the editor with live next-word suggestions"),
    "suggest": ("engine.cli", "print the next-word suggestions for some text"),
    "generate": ("engine.runtime.generate", "write text with the model: greedy, temperature, top-k or top-p"),
    "stats": ("desktop.log.stats", "acceptance rate and keystrokes saved, from the local log"),
    "train": ("engine.training.train",
              "train a next-word model: LSTM, character LSTM, NPLM or Transformer (needs the train extra)"),
    "release": ("engine.training.release", "make a small shippable copy of a trained checkpoint"),
    "export": ("export.onnx_export", "turn a checkpoint into a checked ONNX bundle (float and int8)"),
    "unbundle": ("export.unbundle", "turn a bundle's network back into a checkpoint to train further (needs the "
                 "train extra)"),
    "eval": ("engine.evaluation.evaluate", "measure perplexity, top-k accuracy and keystroke savings"),
    "finetune": ("export.personalize", "learn your own writing: fine-tune, prove and install (needs the train extra)"),
    "models": ("engine.models_cli", "the models learned from your writing: list, use, revert, forget"),
}

# The commands that read or write the person's data folder: it is checked and made private first
# (engine/core/data_folder.py; `nextword app` does it as it builds its window).
DATA_COMMANDS = {"suggest", "generate", "stats", "finetune", "models"}


def suggest_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nextword suggest", description="Print next-word suggestions for some text.")
    parser.add_argument("text", help='the text left of the cursor, e.g. "how are " or "I don"')
    parser.add_argument("-k", type=int, default=3, help="how many suggestions (default: 3)")
    parser.add_argument("--model",
                        help="bundle folder or .pt checkpoint (default: the active model, see `nextword models`)")
    parser.add_argument("--provider", default="auto", choices=["auto", "cpu", "cuda"],
                        help="where onnxruntime runs the model (default: auto, CUDA when there is one)")
    parser.add_argument("--previous", help="the message this text answers, for conversation context")
    parser.add_argument("--complete", action="store_true", help="also print the likeliest continuation")
    args = parser.parse_args(argv)
    from engine.core.bundle import ModelError
    from engine.runtime.model_opening import open_model

    try:
        predictor = open_model(args.model, provider=args.provider)
    except ModelError as error:
        print(f"nextword suggest: {error}", file=sys.stderr)
        return 2
    for suggestion in predictor.suggest(args.text, args.k, previous=args.previous):
        print(f"{suggestion.word}\t{suggestion.probability:.4f}")
    if args.complete:
        completion = predictor.complete(args.text, previous=args.previous)
        print(f"continuation: {completion.text!r}\t{completion.probability:.4f}")
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
    if name in DATA_COMMANDS:
        from engine.core.data_folder import DataFolderRefused, prepare

        try:
            for note in prepare():
                print(f"nextword: {note}", file=sys.stderr)
        except DataFolderRefused as refused:
            print(f"nextword {name}: {refused}", file=sys.stderr)
            return 2
    if name == "suggest":
        return suggest_main(rest)
    try:
        return importlib.import_module(COMMANDS[name][0]).main(rest)
    except ModuleNotFoundError as error:
        # A desktop install has no torch; training, export and fine-tuning need it. Say so and how to get
        # it, rather than Python's import error. Any other missing module is a real fault: let it raise.
        if (error.name or "").split(".")[0] != "torch":
            raise
        from engine.core.paths import TRAIN_EXTRA

        print(f"nextword {name}: this command needs PyTorch, which comes with the train extra: {TRAIN_EXTRA} "
              "(in a checkout, `make install`), then run the command again.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
