"""Big documents: a 50 MB file opened and a 5 MB paste, in the real window (offscreen), and typing right after.

For each: how long it took (File > Open reads and puts the file in a slice at a time, desktop/loading.py; a
paste is one call) and the GUI thread's longest stall meanwhile (a 10 ms timer's worst lateness), then
key→chips p50/p95/max of `--keys` keys typed at the end of the document, and the longest stall while they
were typed and the big document's autosave ran.

    QT_QPA_PLATFORM=offscreen python bench/big_text.py [--file-mb 50] [--paste-mb 5] [--keys 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from bench.ui_latency import shown_for, wait_for  # noqa: E402
from desktop import files  # noqa: E402
from desktop.app import build_window  # noqa: E402
from engine.evaluation.metrics import percentile  # noqa: E402

WORDS = "the quick brown fox jumps over the lazy dog and then we can talk about it later tonight".split()
TYPED = "and after that I want to go home "


class StallWatch:
    """A timer that should fire every 10 ms on the GUI thread: its worst lateness is the longest stall."""

    def __init__(self):
        self.worst_ms, self._last = 0.0, time.perf_counter()
        self.timer = QTimer(interval=10, timeout=self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst_ms = max(self.worst_ms, (now - self._last) * 1000 - 10)
        self._last = now

    def start(self) -> None:
        self.worst_ms, self._last = 0.0, time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return round(self.worst_ms, 1)


def text_of(megabytes: float) -> str:
    """Lines of ordinary words, about `megabytes` of UTF-8."""
    line = " ".join(WORDS) + ".\n"
    return line * int(megabytes * 2**20 / len(line))


def spin(milliseconds: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def type_keys(window, keys: int) -> dict:
    delays = []
    for index in range(keys):
        sent = time.perf_counter()
        QTest.keyClicks(window.editor, TYPED[index % len(TYPED)])
        if wait_for(window, lambda: shown_for(window, window.editor.left_text())):
            delays.append((time.perf_counter() - sent) * 1000)
    return {"keys": keys, "with_chips": len(delays), "p50_ms": round(percentile(delays, 50), 2),
            "p95_ms": round(percentile(delays, 95), 2), "max_ms": round(max(delays, default=0), 2)}


def measure(window, load, watch: StallWatch, keys: int) -> dict:
    """`load()` (the open, the paste) timed, the GUI thread's worst stall meanwhile, then `keys` keys typed."""
    watch.start()
    started = time.perf_counter()
    load()
    took_s = time.perf_counter() - started
    stall_loading = watch.stop()
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    watch.start()
    typing = type_keys(window, keys)
    spin(7000)  # the autosave of the big document comes within a few seconds of the last change
    return {"took_s": round(took_s, 2), "worst_stall_while_loading_ms": stall_loading, **typing,
            "worst_stall_typing_and_autosave_ms": watch.stop(), "characters": window.editor.document().characterCount()}


def open_in_background(window, path: Path) -> None:
    """File > Open: the file opens a slice at a time; back once it is all in."""
    files.open_path(window, path, in_background=True)
    while window.loader is not None:
        spin(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file-mb", type=float, default=50)
    parser.add_argument("--paste-mb", type=float, default=5)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    qInstallMessageHandler(lambda kind, context, message: None if "propagateSizeHints" in message
                           else print(message, file=sys.stderr))
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["NEXTWORD_HOME"] = scratch
        big = Path(scratch) / "big.txt"
        big.write_text(text_of(args.file_mb), encoding="utf-8")
        window = build_window(["--settings", str(Path(scratch) / "settings.ini")])
        window.show()
        if not wait_for(window, lambda: shown_for(window, ""), timeout_ms=30000):
            print(f"no suggestions: {window.model_error}", file=sys.stderr)
            return 1
        watch = StallWatch()
        results["open_file"] = {"megabytes": round(big.stat().st_size / 2**20, 1),
                                **measure(window, lambda: open_in_background(window, big), watch, args.keys)}
        window.editor.document().setModified(False)
        files.new(window)
        QGuiApplication.clipboard().setText(text_of(args.paste_mb))
        results["paste"] = {"megabytes": args.paste_mb, **measure(window, window.editor.paste, watch, args.keys)}
        window.editor.document().setModified(False)
        window.close()
    print(json.dumps(results, indent=2 if args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
