"""`nextword finetune PATH...`: learn the person's writing, prove it, and install it only if it is better.

    nextword finetune notes/ letters.md chat.csv [--minutes 5] [--out DIR] [--no-install] [--json]

1. Reads .txt, .md and .csv files and folders of them (anything else is skipped and named once).
2. Holds out the last 10% of the text (in file order) for the proof, and the 5% before it to stop on.
3. Starts from the active model (`nextword models`): its weights, read back from its bundle, and a
   vocabulary grown by the person's frequent new words (every old id kept).
4. Fine-tunes on the rest with a replay of general text (engine/training/finetune.py).
5. Exports through the same checked export as the shipped model (parity, int8 checks).
6. Measures before and after on the held-out 10% and on general validation text, and installs the new
   bundle as the active model only when the person's keystroke savings improve and the general ones
   drop by at most GENERAL_TOLERANCE; otherwise the model in use stays, and the report says why.

Progress goes to stderr as `progress FRACTION what`, one line each, for the editor's progress bar. Every line
written to stderr is one line whatever file names it holds (console.one_line): a name with a newline cannot
pass for a progress line.
"""

from __future__ import annotations

import argparse
import datetime
import errno
import json
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from engine.core.bundle import ModelError
from engine.core.console import say, say_line
from engine.core.corpus import CorpusError
from engine.core.model_store import ModelStore, StoredModel
from engine.core.paths import private_dir
from engine.core.user_text import read_user_text, split_held_out
from export.install import InstallRefused
from export.personal_model import GENERAL_TOLERANCE, Candidate, build_candidate, measure_both

HELD_OUT_SHARE = 0.10
MIN_WORDS = 300  # below this there is nothing to prove a gain on
# Free disk space a fine-tune needs beside the model it starts from: a checkpoint, a float and an int8 graph,
# the copy installed, and room to spare (measured: about 3.2 times the shipped bundle's size).
SPACE_PER_BUNDLE_BYTE, SPACE_SPARE_BYTES = 4, 16 * 2**20


class FinetuneRefused(ValueError):
    """Nothing to learn from, or nothing to compare with; the message says what to do."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextword finetune", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", metavar="PATH", help=".txt, .md or .csv files, or folders of them")
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="training time at most (default 5; reading, export and the proof add 2-3 more)")
    parser.add_argument("--out", help="also leave the candidate bundle in this new folder, installed or not")
    parser.add_argument("--no-install", action="store_true", help="measure and report, but keep the model in use")
    parser.add_argument("--json", action="store_true", help="print one JSON object: before, after, installed, "
                                                           "reason, minutes, bundle")
    parser.add_argument("--general", default="chitchat",
                        help="general text to replay and to check what is forgotten: chitchat (default: its train "
                             "split replayed, its validation split measured) or a text file, one message per line")
    parser.add_argument("--general-lines", type=int, default=1000,
                        help="lines of general validation text measured before and after (default 1000)")
    parser.add_argument("--model", help="start from this bundle folder instead of the active model")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    return parser


def progress(share: float, message: str) -> None:
    say_line(f"progress {share:.3f} {message}", sys.stderr)  # a model folder's name is in one
    sys.stderr.flush()


def gate(before: dict, after: dict) -> tuple[bool, str]:
    """Install only a model that saves the person keystrokes and forgets little of general text."""
    user_gain = after["user"]["ksr"] - before["user"]["ksr"]
    general_loss = before["general"]["ksr"] - after["general"]["ksr"]
    figures = (f"your keystroke savings {before['user']['ksr']:.1%} -> {after['user']['ksr']:.1%}, "
               f"general {before['general']['ksr']:.1%} -> {after['general']['ksr']:.1%}")
    if user_gain <= 0:
        return False, f"not better on your held-out text ({figures}); the model in use stays"
    if general_loss > GENERAL_TOLERANCE:
        return False, (f"it forgot too much of ordinary text (more than {GENERAL_TOLERANCE:.0%} of general keystroke "
                       f"savings lost: {figures}); the model in use stays")
    return True, f"better on your writing ({figures})"


def _read(paths: list[str]) -> tuple[list, list, list, list[str]]:
    text = read_user_text(paths)
    for path, why in text.skipped:
        say_line(f"nextword finetune: skipped {path}: {why}", sys.stderr)  # a file name may be any bytes
    words = sum(len(line.split()) for line in text.lines)
    if words < MIN_WORDS:
        raise FinetuneRefused(f"{words} words of readable text in {', '.join(paths)}; at least {MIN_WORDS} are needed "
                              "to learn from and to prove the gain on (.txt, .md or .csv, UTF-8)")
    earlier, held_out = split_held_out(text.documents, HELD_OUT_SHARE)
    return earlier, held_out, text.skipped, [str(path) for path in text.files]


def run(args: argparse.Namespace) -> dict:
    started = time.monotonic()
    progress(0.0, "reading your text")
    earlier, held_out, skipped, files = _read(args.paths)
    store = ModelStore()
    active = StoredModel(Path(args.model).name, Path(args.model)) if args.model else store.active()
    _check_free_space(store.root, active.path)
    scratch = store.new_scratch()
    try:
        candidate = build_candidate(active, earlier, args, scratch, progress)
        progress(0.85, "measuring before and after")
        before, after = measure_both(active.path, candidate.bundle, held_out, args)
        installed, reason = gate(before, after)
        if args.no_install and installed:
            installed, reason = False, f"{reason}; not installed (--no-install)"
        result = _report(args, candidate, before, after, installed, reason, files, skipped, active.id, started)
        if args.out:
            shutil.copytree(candidate.bundle, args.out)
            result["bundle"] = str(Path(args.out).resolve())
        if installed:
            _finish_before_cancel()
            stored = store.add(candidate.bundle, _record(result), activate=True)
            result["model_id"], result["bundle"] = stored.id, str(stored.path)
        progress(1.0, "installed" if installed else "done, not installed")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def _check_free_space(folder: Path, bundle: Path) -> None:
    """Refuse at once, rather than fail at the export minutes later, when the disk is too full."""
    needed = SPACE_SPARE_BYTES + SPACE_PER_BUNDLE_BYTE * sum(
        path.stat().st_size for path in Path(bundle).iterdir() if path.is_file())
    private_dir(folder)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise FinetuneRefused(f"the disk holding {folder} is too full: {free / 2**20:.0f} MB free, about "
                              f"{needed / 2**20:.0f} MB needed to build a new model; free some space and try again "
                              "(the model in use stays)")


def _finish_before_cancel() -> None:
    """From here on the new model is being installed: a cancel now would report "cancelled" for a model
    that is in use, so it is ignored (the install is two renames and a small file)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _report(args, candidate: Candidate, before, after, installed, reason, files, skipped, base, started) -> dict:
    return {"before": before, "after": after, "installed": installed, "reason": reason,
            "minutes": round((time.monotonic() - started) / 60, 2), "bundle": None, "model_id": None,
            "base": base, "sources": files, "skipped": [[str(path), why] for path, why in skipped],
            "new_words": candidate.new_words[:50], "new_word_count": len(candidate.new_words),
            "training": candidate.training, "int8": candidate.int8, "int8_problem": candidate.int8_problem,
            "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}


def _record(result: dict) -> dict:
    return {key: result[key] for key in ("created", "base", "sources", "before", "after", "minutes", "new_words",
                                         "new_word_count", "reason", "int8")}


def format_report(result: dict) -> str:
    lines = [f"{'':<26}{'before':>10}{'after':>10}"]
    for part, name in (("user", "your held-out text"), ("general", "general text")):
        for metric in ("top3", "ksr"):
            lines.append(f"{name + ' ' + metric:<26}{result['before'][part][metric]:>10.4f}"
                         f"{result['after'][part][metric]:>10.4f}")
    lines.append(f"{result['new_word_count']} new words; {result['minutes']:.1f} minutes")
    lines.append(("installed: " if result["installed"] else "not installed: ") + result["reason"])
    if result["bundle"]:
        lines.append(f"bundle: {result['bundle']}")
    return "\n".join(lines)


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        where = error.filename or ModelStore().root
        return (f"the disk is full ({where}): free some space and try again; nothing was installed and the model "
                "in use stays")
    return str(error)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.out and Path(args.out).exists():
        say_line(f"nextword finetune: {args.out}: already exists; give --out a new folder", sys.stderr)
        return 2
    # Cancel (SIGTERM) unwinds like Ctrl+C: the scratch folder is removed and nothing is installed.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        result = run(args)
    except (FinetuneRefused, CorpusError, ModelError, InstallRefused, OSError) as error:
        say_line(f"nextword finetune: {_describe(error)}", sys.stderr)
        return 2
    except MemoryError:
        say_line("nextword finetune: ran out of memory; learn from fewer or smaller files (the model in use stays)",
                 sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nextword finetune: cancelled; the model in use stays", file=sys.stderr)
        return 130
    say(json.dumps(result, indent=2) if args.json else format_report(result))  # the bundle's path: any bytes
    return 0


if __name__ == "__main__":
    sys.exit(main())
