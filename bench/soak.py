"""A long session: 100,000 keystrokes through the real window (offscreen), with the acceptance log and the
personal cache on. Prints, at the start, every `--every` keys and at the end: resident memory, key→chips
p50/p95 of the keys since the last report, and the sizes of the log and the personal cache.

The text is typed as one document, line after line (Enter ends each, so every line is learned), with a
chip accepted every `--accept-every` words (Alt+1, the best chip) as a person would, so the log holds
accepted and ignored suggestions alike. Memory growth is counted from the first report after warm-up
(the first `--every` keys: the model's buffers, Qt's glyph caches and the first learned words settle).

    QT_QPA_PLATFORM=offscreen python bench/soak.py [--keys 100000] [--every 10000] [--text data/chitchat.test.txt]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, qInstallMessageHandler  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from bench.ui_latency import shown_for, wait_for  # noqa: E402
from desktop.app import build_window  # noqa: E402
from engine.evaluation.metrics import percentile, read_lines  # noqa: E402


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc malloc_trim), so that resident memory counts
    what is in use, not what was freed and kept for later; nothing where there is no glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def resident_mb() -> float:
    """The process's resident memory now (Linux /proc), else its peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def file_mb(path: Path) -> float:
    """A file's size in MB; 0 when it is not there."""
    return path.stat().st_size / 2**20 if path.exists() else 0.0


def keystrokes(lines: list[str], count: int, accept_every: int):
    """(kind, text) pairs: "type" a character, "enter", or "accept" the best chip; `count` in all, lines cycled."""
    made, words = 0, 0
    while True:
        for line in lines:
            for character in line:
                yield "type", character
                made += 1
                if character == " ":
                    words += 1
                    if accept_every and words % accept_every == 0:
                        yield "accept", ""
                        made += 1
                if made >= count:
                    return
            yield "enter", "\n"
            made += 1
            if made >= count:
                return


def press(window, kind: str, text: str) -> None:
    if kind == "type":
        QTest.keyClicks(window.editor, text)
    elif kind == "enter":
        QTest.keyClick(window.editor, Qt.Key.Key_Return)
    else:
        QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)


def report(window, home: Path, keys: int, delays: list[float], missed: int) -> dict:
    worker = window.worker_thread.worker
    cache = worker.personal_cache
    rss = resident_mb()
    trim_heap()
    return {"keys": keys, "rss_mb": round(rss, 1), "rss_trimmed_mb": round(resident_mb(), 1),
            "p50_ms": round(percentile(delays, 50), 3) if delays else None,
            "p95_ms": round(percentile(delays, 95), 3) if delays else None,
            "missed": missed, "document_characters": window.editor.document().characterCount(),
            "log_mb": round(file_mb(home / "nextword.db"), 3),
            "log_wal_mb": round(file_mb(home / "nextword.db-wal"), 3),
            "cache_mb": round(file_mb(home / "personal_cache.json"), 3),
            "learned_words": len(cache.learned_words()) if cache is not None else 0}


def soak(window, home: Path, lines: list[str], keys: int, every: int, accept_every: int, show) -> list[dict]:
    reports = [report(window, home, 0, [], 0)]
    show(reports[-1])
    delays, missed = [], 0
    for number, (kind, text) in enumerate(keystrokes(lines, keys, accept_every), start=1):
        sent = time.perf_counter()
        press(window, kind, text)
        expected = window.editor.left_text()
        if wait_for(window, lambda expected=expected: shown_for(window, expected)):
            delays.append((time.perf_counter() - sent) * 1000)
        else:
            missed += 1
        if number % every == 0 or number == keys:
            window.recorder.log.flush()  # the log's size once what was typed is written
            reports.append(report(window, home, number, delays, missed))
            show(reports[-1])
            delays, missed = [], 0
    return reports


def summary(reports: list[dict]) -> dict:
    """Growth after warm-up: resident memory at the end against the first report after the start."""
    warm = reports[1] if len(reports) > 2 else reports[0]
    last = reports[-1]
    p95s = [item["p95_ms"] for item in reports[1:] if item["p95_ms"] is not None]
    return {"rss_start_mb": reports[0]["rss_mb"], "rss_after_warmup_mb": warm["rss_mb"], "rss_end_mb": last["rss_mb"],
            "rss_growth_after_warmup": round(last["rss_mb"] / warm["rss_mb"] - 1, 4),
            "p95_first_ms": p95s[0] if p95s else None, "p95_last_ms": p95s[-1] if p95s else None,
            "missed": sum(item["missed"] for item in reports), "log_mb": last["log_mb"], "cache_mb": last["cache_mb"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000, help="report every this many keys")
    parser.add_argument("--text", default="data/chitchat.test.txt", help="one message per line, typed in turn")
    parser.add_argument("--accept-every", type=int, default=7, help="accept the best chip after every Nth word")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    if not Path(args.text).is_file():
        print(f"{args.text}: not found; run `make data` to write the chitchat splits", file=sys.stderr)
        return 2
    lines = [line for line in read_lines(args.text) if line.strip()]
    qInstallMessageHandler(lambda kind, context, message: None if "propagateSizeHints" in message
                           else print(message, file=sys.stderr))
    show = (lambda item: None) if args.json else (lambda item: print(json.dumps(item), flush=True))
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        os.environ["NEXTWORD_HOME"] = scratch  # the soak's typing stays out of the person's own data
        window = build_window(["--settings", str(home / "settings.ini")])
        window.show()
        if not wait_for(window, lambda: shown_for(window, ""), timeout_ms=30000):
            print(f"no suggestions: {window.model_error or 'the model did not load in 30 s'}", file=sys.stderr)
            return 1
        reports = soak(window, home, lines, args.keys, args.every, args.accept_every, show)
        window.editor.document().setModified(False)
        window.close()
    result = {"reports": reports, "summary": summary(reports)}
    print(json.dumps(result if args.json else result["summary"], indent=2 if args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
