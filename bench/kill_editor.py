"""kill -9 the editor at random moments while it types and logs, `--kills` times, and check after each:
the acceptance log passes `PRAGMA integrity_check`, every event the log reported as committed is in it,
`nextword stats` works, and the autosave holds the text typed up to a few seconds before the kill.

Each run starts the real editor (offscreen) as a child process in one scratch NEXTWORD_HOME. The child
types a fixed text key by key, waiting for each key's suggestions as the window shows them, and prints
`typed N T` after each key (N characters typed by monotonic time T) and `committed N` each time the log
commits a burst (N events in all this run). The parent kills it (SIGKILL) at a moment drawn uniformly
from [--least, --most] seconds after it is ready, then checks; the checked autosave is discarded, as the
person would at the next start.

    QT_QPA_PLATFORM=offscreen python bench/kill_editor.py [--kills 100] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXT = ("I think we should meet at the park tomorrow morning. What time works best for you? "
        "I can bring some coffee and we can talk about the trip. My sister wants to come too if that is okay.\n"
        "Let me know what you think and I will see you there. It has been a long week and I need a break.\n")
AUTOSAVE_LAG_S = 6.0  # the autosave may miss what was typed in the last few seconds (at most ~5 s, and the write)


# The child: the editor, typing
def child(home: str) -> int:
    os.environ["NEXTWORD_HOME"] = home
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt, qInstallMessageHandler
    from PySide6.QtTest import QTest

    from bench.ui_latency import shown_for, wait_for
    from desktop.app import build_window

    qInstallMessageHandler(lambda *args: None)
    window = build_window(["--settings", str(Path(home) / "settings.ini")])
    window.show()
    if not wait_for(window, lambda: shown_for(window, ""), timeout_ms=60000):
        print(f"no model: {window.model_error}", flush=True)
        return 1
    report_commits(window.recorder.log)
    say("ready")
    typed = 0
    while True:
        for character in TEXT:
            if character == "\n":
                QTest.keyClick(window.editor, Qt.Key.Key_Return)
            else:
                QTest.keyClicks(window.editor, character)
            typed += 1
            wait_for(window, lambda: shown_for(window, window.editor.left_text()), timeout_ms=2000)
            say(f"typed {typed} {time.monotonic():.3f}")


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write: whole lines, from any thread, even at a kill


def report_commits(log) -> None:
    """After each burst the log's writer commits, say how many events it has committed this run."""
    writer, committed = log._writer, [0]
    write_burst = writer._write_burst

    def write_and_report(burst):
        write_burst(burst)  # raises when the transaction did not commit: then nothing is reported
        committed[0] += sum(isinstance(item, tuple) for item in burst)
        say(f"committed {committed[0]}")

    writer._write_burst = write_and_report


# The parent: start, kill, check
def run_once(home: Path, kill_after: float) -> dict:
    process = subprocess.Popen([sys.executable, __file__, "child", str(home)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    output = ChildOutput(process)
    if not output.read(until="ready", seconds=90):
        process.kill()
        process.wait()
        return {"problem": f"the editor did not start: {output.lines[-3:]}"}
    output.read(seconds=kill_after)
    process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    process.wait()
    output.read(seconds=1)  # what it wrote before it died
    typed = [line.split() for line in output.lines if line.startswith("typed ")]
    committed = [int(line.split()[1]) for line in output.lines if line.startswith("committed ")]
    return {"pid": process.pid, "killed_at": killed_at, "typed": [(int(n), float(t)) for _, n, t in typed],
            "committed": committed[-1] if committed else 0}


class ChildOutput:
    """The child's lines, read from its pipe as they come (so the pipe never fills and blocks it)."""

    def __init__(self, process):
        self.fd, self.lines, self._partial = process.stdout.fileno(), [], b""

    def read(self, seconds: float, until: str | None = None) -> bool:
        """Read for `seconds`, or until the line `until` arrives (True) or the pipe ends."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.fd], [], [], left)[0]:
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return False
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            self.lines += [line.decode() for line in complete]
            if until is not None and until in self.lines:
                return True
        return False


def check(home: Path, run: dict, rows_before: int) -> dict:
    from desktop.document.autosave_store import read_all
    from desktop.log.stats import main as stats_main

    with sqlite3.connect(home / "nextword.db") as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = db.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        stats_code = stats_main(["--db", str(home / "nextword.db"), "--json"])
    typed_by = [n for n, at in run["typed"] if at <= run["killed_at"] - AUTOSAVE_LAG_S]
    must_hold = typed_by[-1] if typed_by else 0
    typed_text = expected_text(run["typed"][-1][0] if run["typed"] else 0)
    autosaves = [save for save in read_all(home / "autosave")[0] if save.pid == run["pid"]]
    held = autosaves[0].text if autosaves else ""
    for save in autosaves:
        Path(home / "autosave" / f"{save.id}.json").unlink(missing_ok=True)  # discarded, as at the next start
    return {"integrity": integrity, "rows": rows, "committed_rows_there": rows - rows_before >= run["committed"],
            "stats_exit": stats_code, "typed": len(typed_text), "autosaved": len(held),
            "autosave_is_what_was_typed": typed_text.startswith(held) and len(held) >= must_hold,
            "autosave_lag_chars": len(typed_text) - len(held)}


def expected_text(characters: int) -> str:
    repeats = characters // len(TEXT) + 1
    return (TEXT * repeats)[:characters]


def passed(row: dict) -> bool:
    return (row.get("integrity") == "ok" and row["committed_rows_there"] and row["stats_exit"] == 0
            and row["autosave_is_what_was_typed"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        return child(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--least", type=float, default=0.2, help="seconds of typing before a kill, at least")
    parser.add_argument("--most", type=float, default=12.0, help="seconds of typing before a kill, at most")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    rows, rows_before = [], 0
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        for number in range(1, args.kills + 1):
            run = run_once(home, rng.uniform(args.least, args.most))
            found = {"problem": run["problem"]} if "problem" in run else check(home, run, rows_before)
            row = {"kill": number, **found}
            row["ok"] = "problem" not in row and passed(row)
            rows_before = row.get("rows", rows_before)
            rows.append(row)
            if not args.json:
                print(json.dumps(row), flush=True)
    lags = [row["autosave_lag_chars"] for row in rows if "autosave_lag_chars" in row]
    summary = {"kills": len(rows), "passed": sum(row["ok"] for row in rows),
               "integrity_ok": sum(row.get("integrity") == "ok" for row in rows),
               "max_autosave_lag_chars": max(lags, default=0), "log_rows_at_end": rows_before}
    print(json.dumps({"rows": rows, "summary": summary} if args.json else summary))
    return 0 if summary["passed"] == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
