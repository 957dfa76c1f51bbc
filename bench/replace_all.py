"""Edit > Find and Replace > Replace All over a big document, in the real window (offscreen): how long the GUI
thread is busy (the call, and the event loop's worst stall right after it, when Qt lays the text out and the
window's own listeners run), and whether one undo gives the text back.

The document is ordinary lines of words (bench/big_text.py), `--mb` of them; each needle is replaced in a
fresh copy. A common word ("the": about three in a line), a rarer one, and a phrase in long lines held in
pieces (`--one-line`: no line breaks at all).

    QT_QPA_PLATFORM=offscreen python bench/replace_all.py [--mb 5] [--one-line] [--json]
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

from PySide6.QtCore import qInstallMessageHandler  # noqa: E402

from bench.big_text import StallWatch, spin, text_of  # noqa: E402
from desktop.app import build_window  # noqa: E402
from desktop.document import textfile  # noqa: E402

NEEDLES = [("the", "THE"), ("lazy dog", "sleepy cat"), ("talk", "speak")]


def replace_once(window, text: str, needle: str, replacement: str, watch: StallWatch) -> dict:
    textfile.show(window.editor.document(), textfile.decode(text.encode()))
    spin(200)
    dialog = window.find()
    dialog.find_field.setText(needle)
    dialog.replace_field.setText(replacement)
    watch.start()
    started = time.perf_counter()
    count = dialog.replace_all()
    took_s = time.perf_counter() - started
    spin(300)  # the layout and the window's listeners after the change
    stall = watch.stop()
    replaced_right = _file_text(window) == text.replace(needle, replacement)  # the text is all lower case
    window.editor.undo()
    undone = _file_text(window) == text
    return {"needle": needle, "replaced": count, "call_s": round(took_s, 2), "worst_stall_ms": stall,
            "message": dialog.result.text(), "replaced_right": replaced_right, "one_undo_gives_it_back": undone}


def _file_text(window) -> str:
    return textfile.file_bytes(window.editor.document(), window.document.file_format).decode()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--one-line", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    qInstallMessageHandler(lambda *_: None)
    settings = Path(tempfile.mkdtemp()) / "settings.ini"
    window = build_window(["--settings", str(settings)])
    window.resize(900, 600)
    window.show()
    text = text_of(args.mb, one_line=args.one_line)
    watch = StallWatch()
    rows = [replace_once(window, text, needle, replacement, watch) for needle, replacement in NEEDLES]
    window.editor.document().setModified(False)
    window.close()
    report = {"megabytes": round(len(text.encode()) / 2**20, 2), "one_line": args.one_line, "runs": rows}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"Replace All in {report['megabytes']} MB{' (one line)' if args.one_line else ''}:")
        for row in rows:
            print(f"  {row['needle']!r}: {row['replaced']:,} replaced in {row['call_s']} s, worst stall "
                  f"{row['worst_stall_ms']} ms; text right: {row['replaced_right']}, "
                  f"one undo gives it back: {row['one_undo_gives_it_back']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
