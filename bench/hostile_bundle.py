"""Hostile files: how long Nextword takes to refuse each, and how much memory, from a fresh process.

Makes each file in a temporary folder, then reads it as Nextword does (the same function the editor and the
CLI call) in a child process of its own, and prints, per file: the seconds from the call to the refusal
(measured in the child), the child's peak memory (resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, read by a
process that ran that child alone: Python, numpy and the engine's imports are in it, about 35 MB; the
"nothing" row is that alone) and Nextword's message. Targets: at most 1 s and 300 MB each.

    python bench/hostile_bundle.py [--bomb-gb 4] [--rare-words 5000000] [--depth 100000] [--json]

The files: an ngram.npz whose one member inflates to --bomb-gb GB of zeros (a zip bomb), one whose header
claims a 80 GB array, a rare_words.json of --rare-words words, one of as many short words as its size limit
lets in, JSON --depth levels deep as an autosave (beside a real draft, which must still be offered), as the
model store's active.json, as a bundle's manifest and as the personal cache, and a personal cache with NaN
and Infinity counts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS, TARGET_MB = 1.0, 300.0
CHUNK = 2**24  # the zip bomb's zeros are written 16 MB at a time


# Making the files
def zip_bomb(path: Path, gigabytes: float) -> None:
    """An .npz whose one array is `gigabytes` of float64 zeros: a few MB on disk."""
    import numpy as np
    from numpy.lib import format as npy_format

    count = int(gigabytes * 2**30) // 8
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("unigram.npy", "w", force_zip64=True) as member:
            npy_format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (count,)})
            zeros, left = bytes(CHUNK), count * 8
            while left:
                member.write(zeros[:min(left, CHUNK)])
                left -= min(left, CHUNK)
        for name, value in (("vocab_size", 12000), ("order", 3)):
            with archive.open(f"{name}.npy", "w") as member:
                npy_format.write_array(member, np.asarray(value))


def lying_header(path: Path) -> None:
    """An .npz whose member's header claims ten billion int64 (80 GB) and holds a few bytes."""
    from numpy.lib import format as npy_format

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("unigram.npy", "w") as member:
            npy_format.write_array_header_1_0(member, {"descr": "<i8", "fortran_order": False, "shape": (10**10,)})
            member.write(bytes(64))


def rare_words(path: Path, words: list[str]) -> None:
    path.write_text(json.dumps({"format": "nextword-rare-words", "version": 1, "words": words,
                                "counts": [2] * len(words), "display": {}}), encoding="utf-8")


def many_words(count: int) -> list[str]:
    return [f"w{number:07d}" for number in range(count)]


def short_words_within(size_bytes: int) -> list[str]:
    """As many distinct short words as a file of `size_bytes` holds (json.dumps: `"word", ` and `2, `)."""
    letters, words = "abcdefghijklmnopqrstuvwxyz", []
    budget = size_bytes - 4096
    length = 1
    while budget > 0:
        for number in range(26 ** length):
            word = "".join(letters[(number // 26 ** place) % 26] for place in range(length))
            budget -= len(word) + 7
            if budget <= 0:
                break
            words.append(word)
        length += 1
    return words


def deep(path: Path, depth: int) -> None:
    path.write_bytes(b"[" * depth + b"]" * depth)


def nan_cache(path: Path) -> None:
    path.write_text('{"format": "nextword-personal-cache", "version": 1, "clock": 10, "half_life_words": 50000,'
                    ' "unigrams": {"hello": NaN, "there": Infinity}, "bigrams": [["hello", "there", -Infinity]],'
                    ' "trigrams": [], "display": {}, "never": [], "spellings": []}', encoding="utf-8")


def real_draft(folder: Path) -> None:
    from datetime import UTC, datetime

    from desktop.document import autosave_store, textfile

    decoded = textfile.DecodedText(["my unsaved draft", "second line"], ["\n"], textfile.TextFormat())
    autosave_store.write(folder, autosave_store.Autosave("draft", None, datetime.now(UTC), 1, decoded))


def make_files(folder: Path, args) -> dict[str, Path]:
    """Each hostile file, by the name of the case that reads it."""
    from engine.runtime.lexicon import MAX_RARE_WORDS_BYTES

    depth = f"{args.depth:,} deep"
    makers = [
        ("nothing", "nothing", lambda path: None),
        ("zip-bomb ngram.npz", "bomb/ngram.npz", lambda path: zip_bomb(path, args.bomb_gb)),
        ("npz header claiming 80 GB", "liar/ngram.npz", lying_header),
        (f"rare_words.json, {args.rare_words:,} words", "rare/rare_words.json",
         lambda path: rare_words(path, many_words(args.rare_words))),
        ("rare_words.json, short words to its size limit", "short/rare_words.json",
         lambda path: rare_words(path, short_words_within(MAX_RARE_WORDS_BYTES))),
        (f"autosave {depth}, a real draft beside it", "autosave/deep.json",
         lambda path: (deep(path, args.depth), real_draft(path.parent))),
        (f"active.json {depth}", "models/active.json", lambda path: deep(path, args.depth)),
        (f"manifest.json {depth}", "bundle/manifest.json", lambda path: deep(path, args.depth)),
        (f"personal cache {depth}", "deep-cache/personal_cache.json", lambda path: deep(path, args.depth)),
        ("personal cache with NaN and Infinity", "nan-cache/personal_cache.json", nan_cache),
    ]
    files = {}
    for case, name, make in makers:
        files[case] = folder / name
        files[case].parent.mkdir(parents=True, exist_ok=True)
        make(files[case])
    return files


# Reading them, in a child
def refuse(case: str, path: Path) -> str:
    """Read the file as Nextword does; the message it refuses it with ("" when it was taken)."""
    if case == "nothing":
        return "(imports only)"
    if "npz" in case:
        from engine.runtime.ngram import KneserNey

        return _message(lambda: KneserNey.load(path))
    if case.startswith("rare_words"):
        from engine.runtime.lexicon import RareWords

        return _message(lambda: RareWords.load(path))
    if case.startswith("autosave"):
        from desktop.document import autosave_store

        offered, problems = autosave_store.read_all(path.parent)
        return f"offered {[item.text for item in offered]}; " + "; ".join(problems)
    if case.startswith("active.json"):
        from engine.core.model_store import ModelStore

        return _message(lambda: ModelStore(path.parent).read_pointer())
    if case.startswith("manifest.json"):
        from engine.core.bundle import read_manifest

        return _message(lambda: read_manifest(path))
    from engine.runtime.personal_cache import PersonalCache

    return _message(lambda: PersonalCache.load(path))


def _message(read) -> str:
    try:
        read()
    except ValueError as error:  # every Nextword reader's error is one
        return str(error)
    return ""


def run_child(case: str, path: Path) -> None:
    """Imports first (not timed: the editor has them already), then the read, timed."""
    import numpy  # noqa: F401

    import desktop.document.autosave_store  # noqa: F401
    import engine.core.bundle  # noqa: F401
    import engine.core.model_store  # noqa: F401
    import engine.runtime.lexicon  # noqa: F401
    import engine.runtime.ngram  # noqa: F401
    import engine.runtime.personal_cache  # noqa: F401

    start = time.perf_counter()
    message = refuse(case, path)
    print(json.dumps({"seconds": time.perf_counter() - start, "message": message}))


def measure(case: str, path: Path) -> None:
    """Run the child alone, so that RUSAGE_CHILDREN's peak is its own, and add that peak to its report."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", case, str(path)],
                          capture_output=True, text=True)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        report = {"seconds": None, "message": f"the child failed (exit {done.returncode}): {done.stderr[-300:]}"}
    print(json.dumps({**report, "peak_mb": peak_mb, "exit": done.returncode}))


def run_case(case: str, path: Path, home: Path) -> dict:
    """The case measured, in a data folder of its own: nothing of the person's is read or written."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", case, str(path)],
                          capture_output=True, text=True, check=True, env={**os.environ, "NEXTWORD_HOME": str(home)})
    return {"case": case, "file_mb": _file_mb(path), **json.loads(done.stdout)}


def _file_mb(path: Path) -> float:
    return path.stat().st_size / 2**20 if path.is_file() else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-gb", type=float, default=4.0, help="what the zip bomb inflates to (default 4)")
    parser.add_argument("--rare-words", type=int, default=5_000_000, help="words in the large rare_words.json")
    parser.add_argument("--depth", type=int, default=100_000, help="how deep the nested JSON goes")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args.child[0], Path(args.child[1]))
        return 0
    if args.measure:
        measure(args.measure[0], Path(args.measure[1]))
        return 0
    with tempfile.TemporaryDirectory(prefix="nextword-hostile-") as folder:
        start = time.perf_counter()
        files = make_files(Path(folder), args)
        print(f"made the files in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        results = [run_case(case, path, Path(folder) / "home") for case, path in files.items()]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(table(results))
    return 0 if all(fits(result) for result in results) else 1


def fits(result: dict) -> bool:
    return result["exit"] == 0 and result["seconds"] is not None and result["seconds"] <= TARGET_SECONDS \
        and result["peak_mb"] <= TARGET_MB and (result["case"] == "nothing" or bool(result["message"]))


def table(results: list[dict]) -> str:
    lines = [f"{'file':<52}{'on disk':>10}{'time':>9}{'peak':>9}  ok  message"]
    for result in results:
        seconds = "-" if result["seconds"] is None else f"{result['seconds']:.3f} s"
        lines.append(f"{result['case']:<52}{result['file_mb']:>7.1f} MB{seconds:>9}{result['peak_mb']:>6.0f} MB"
                     f"  {'yes' if fits(result) else 'NO '} {result['message'][:160]}")
    lines.append(f"targets: refused within {TARGET_SECONDS:g} s and {TARGET_MB:g} MB (peak: the whole child process)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
