"""Big documents: a 50 MB file opened and a 5 MB paste, in the real window (offscreen), and typing right after.

For each: how long it took (File > Open reads and puts the file in a slice at a time, desktop/document/loading.py; a
paste is one call) and the GUI thread's longest stall meanwhile (a 10 ms timer's worst lateness), then
key→chips p50/p95/max of `--keys` keys typed at the end of the document, and the longest stall while they
were typed and the big document's autosave ran. Then whether the text came back exactly: the file saved
after the typing holds its bytes plus the keys typed, and one undo takes the whole paste out (one redo puts
it back).

With `--one-line` the file and the paste have no line breaks at all (a 20 MB file by default): sentences
after sentences on one line, as in minified or exported text.

    QT_QPA_PLATFORM=offscreen python bench/big_text.py [--file-mb 50] [--paste-mb 5] [--keys 200] [--json]
    QT_QPA_PLATFORM=offscreen python bench/big_text.py --one-line [--file-mb 20] [--paste-mb 5]
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
from desktop.app import build_window  # noqa: E402
from desktop.document import files, textfile  # noqa: E402
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


def text_of(megabytes: float, one_line: bool = False) -> str:
    """Lines of ordinary words, about `megabytes` of UTF-8; with `one_line`, the same sentences without a line break."""
    line = " ".join(WORDS) + (". " if one_line else ".\n")
    return line * int(megabytes * 2**20 / len(line))


def typed_text(keys: int) -> str:
    return "".join(TYPED[index % len(TYPED)] for index in range(keys))


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


def measure(window, load, watch: StallWatch, keys: int, check=None) -> dict:
    """`load()` (the open, the paste) timed, the GUI thread's worst stall meanwhile, `check()` (its figures
    added), then `keys` keys typed."""
    watch.start()
    started = time.perf_counter()
    load()
    took_s = time.perf_counter() - started
    stall_loading = watch.stop()
    checked = check() if check is not None else {}
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    watch.start()
    typing = type_keys(window, keys)
    spin(7000)  # the autosave of the big document comes within a few seconds of the last change
    return {"took_s": round(took_s, 2), "worst_stall_while_loading_ms": stall_loading, **checked, **typing,
            "worst_stall_typing_and_autosave_ms": watch.stop(), "characters": window.editor.document().characterCount()}


def open_in_background(window, path: Path) -> None:
    """File > Open: the file opens a slice at a time; back once it is all in."""
    files.open_path(window, path, in_background=True)
    while window.document.loader is not None:
        spin(5)


def paste_is_one_step(window, pasted: str) -> dict:
    """One undo takes the whole paste out and one redo puts it back (timed: each is one step too)."""
    editor = window.editor
    started = time.perf_counter()
    editor.undo()
    undone = editor.document().isEmpty()
    undo_s = time.perf_counter() - started
    editor.redo()
    redone = textfile.file_bytes(editor.document(), window.document.file_format) == pasted.encode()
    return {"one_undo_step": undone and redone, "undo_s": round(undo_s, 2),
            "undo_and_redo_s": round(time.perf_counter() - started, 2)}


def saved_exactly(window, path: Path, expected: bytes) -> bool:
    """Saved to `path`, the file holds `expected` byte for byte."""
    return files.write(window, path) and path.read_bytes() == expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file-mb", type=float, help="the file's size (default 50, or 20 with --one-line)")
    parser.add_argument("--paste-mb", type=float, default=5)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--one-line", action="store_true", help="the file and the paste without line breaks")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    file_mb = args.file_mb if args.file_mb is not None else 20 if args.one_line else 50
    qInstallMessageHandler(lambda kind, context, message: None if "propagateSizeHints" in message
                           else print(message, file=sys.stderr))
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["NEXTWORD_HOME"] = scratch
        big = Path(scratch) / "big.txt"
        big.write_text(text_of(file_mb, args.one_line), encoding="utf-8")
        window = build_window(["--settings", str(Path(scratch) / "settings.ini")])
        window.show()
        if not wait_for(window, lambda: shown_for(window, ""), timeout_ms=30000):
            print(f"no suggestions: {window.model_error}", file=sys.stderr)
            return 1
        watch = StallWatch()
        results["open_file"] = {"megabytes": round(big.stat().st_size / 2**20, 1), "one_line": args.one_line,
                                **measure(window, lambda: open_in_background(window, big), watch, args.keys)}
        expected = big.read_bytes() + typed_text(args.keys).encode()
        results["open_file"]["saved_exactly"] = saved_exactly(window, Path(scratch) / "saved.txt", expected)
        files.new(window)
        pasted = text_of(args.paste_mb, args.one_line)
        QGuiApplication.clipboard().setText(pasted)
        results["paste"] = {"megabytes": args.paste_mb, "one_line": args.one_line,
                            **measure(window, window.editor.paste, watch, args.keys,
                                      lambda: paste_is_one_step(window, pasted))}
        expected = (pasted + typed_text(args.keys)).encode()
        results["paste"]["saved_exactly"] = saved_exactly(window, Path(scratch) / "pasted.txt", expected)
        window.close()
    print(json.dumps(results, indent=2 if args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
