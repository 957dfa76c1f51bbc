"""Learning from big and hostile files: `nextword finetune`'s reading and the editor's Learn from My Writing.

Makes the cases in a temporary folder: a 100 MB text file of ordinary lines, a one-line 20 MB run of one letter,
a sparse 2 GB "notes.txt" (truncate: text at its start, a hole after), a FIFO, a link to /dev/zero, a symbolic
link that loops, and a file whose name holds a newline and a fake progress line. For each:

- finetune: a child process does what `nextword finetune` does before it trains (read_user_text, then
  tokenize_documents on what was read): wall time, the child's peak memory (ru_maxrss from os.wait4: its own
  share of RUSAGE_CHILDREN), whether it ended, and how the case was read or why it was skipped. The
  newline case runs the real `nextword finetune` (it refuses so little text at once) and counts the lines of
  its stderr that the editor would take for progress (desktop/gui/learn_dialog.py's PROGRESS_LINE, or any line
  starting "progress" where that is missing).
- editor: a child process opens the real window (offscreen), asks it to learn the case (files_to_learn) and,
  until the worker says it is done (files_learned) or --watch-s has passed, types a key every 50 ms and times
  key to chips shown: the longest is the worst stall of the prediction worker as a person sees it; a 10 ms
  timer on the GUI thread gives the GUI's own worst stall. Also the time until the lines were handed to the
  worker (read; only where a reader thread exists), until they were all taught (learned, when finished),
  the child's peak memory, and the slow keys and garbage collections over 50 ms (when, how long).

Children run under an address-space limit (--memory-gb, default 6) so that a reader that takes memory in
proportion to a sparse file fails instead of taking the machine, and under a time limit (--timeout).

    python bench/learn_files.py [--big-mb 100] [--run-mb 20] [--sparse-gb 2] [--only finetune|editor] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENTENCES = ["Dear Flimflam, the harvest was good this year and the barn is full again.",
             "I will write again when the snow has gone and the roads are open.",
             "Thank you for the letter, it made my week!",
             "We should meet at the station on Monday at 10, if the trains run."]
NEWLINE_NAME = "x\nprogress 1.000 installed.txt"
CASES = ("big.txt", "run.txt", "sparse.txt", "fifo.txt", "zero.txt", "loop.txt", "newline")


# The cases
def make_cases(folder: Path, big_mb: float, run_mb: float, sparse_gb: float) -> dict[str, Path]:
    paths = {name: folder / name for name in CASES}
    line_block = "".join(SENTENCES[index % 4] + "\n" for index in range(1000)).encode()
    with open(paths["big.txt"], "wb") as out:
        for _ in range(int(big_mb * 2**20 / len(line_block))):
            out.write(line_block)
    with open(paths["run.txt"], "wb") as out:
        out.write(b"Flimflam wrote:\n")
        for _ in range(int(run_mb)):
            out.write(b"a" * 2**20)  # one line: no line break until the end
        out.write(b"\n")
    paths["sparse.txt"].write_bytes(line_block[:16384])
    os.truncate(paths["sparse.txt"], int(sparse_gb * 2**30))  # the rest a hole: no disk, reads as NUL bytes
    os.mkfifo(paths["fifo.txt"])
    os.symlink("/dev/zero", paths["zero.txt"])
    os.symlink("loop.txt", paths["loop.txt"])
    newline = folder / "named"
    newline.mkdir()
    (newline / NEWLINE_NAME).write_text(SENTENCES[0] + "\n", encoding="utf-8")
    paths["newline"] = newline / NEWLINE_NAME
    return paths


# Running a child: time, peak memory, how it ended
def run_child(argv: list[str], timeout: float, memory_gb: float, env: dict | None = None) -> dict:
    """Runs `python argv`; its own rusage (os.wait4: its share of RUSAGE_CHILDREN) gives its peak memory."""
    def limits():
        limit = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.setsid()  # its own group: a timeout ends the children it started too

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdout=out, stderr=err, preexec_fn=limits,
                                 env={**os.environ, **(env or {})})
        timed_out, status, usage = False, 0, None
        while usage is None:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid == 0:
                usage = None
                if time.perf_counter() - started > timeout:
                    os.killpg(child.pid, signal.SIGKILL)
                    timed_out = True
                time.sleep(0.05)
        took = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"seconds": round(took, 2), "exit": child.returncode, "timed_out": timed_out,
                "peak_mb": usage.ru_maxrss // 1024, "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace")}


def child_report(result: dict) -> dict:
    """The JSON the child printed last, or the last line of its stderr (a traceback's)."""
    lines = result.pop("stdout").strip().splitlines()
    err = result.pop("stderr").strip().splitlines()
    try:
        result.update(json.loads(lines[-1]))
    except (IndexError, ValueError):
        result["error"] = err[-1][:300] if err else "no output"
    return result


# Part 1: what `nextword finetune` does before it trains
def finetune_reading_child(path: str) -> None:
    from engine.core.corpus import tokenize_documents
    from engine.core.user_text import read_user_text

    started = time.perf_counter()
    text = read_user_text([path])
    read_s = time.perf_counter() - started
    tokens, _ = tokenize_documents(text.documents)
    print(json.dumps({"read_s": round(read_s, 2), "tokenized_s": round(time.perf_counter() - started - read_s, 2),
                      "lines": len(text.lines), "tokens": len(tokens), "files": len(text.files),
                      "skipped": [why for _, why in text.skipped]}))


def finetune_newline_case(path: Path, args) -> dict:
    """The real `nextword finetune` on the file with a newline in its name: which stderr lines look like progress."""
    result = run_child(["-m", "engine.cli", "finetune", str(path)], args.timeout, args.memory_gb,
                       {"NEXTWORD_HOME": str(path.parent / "home")})
    try:
        from desktop.gui.learn_dialog import PROGRESS_LINE
    except ImportError:  # before the fix: the dialog took any line starting with "progress" and a number
        PROGRESS_LINE = re.compile(r"progress \S+")  # noqa: N806
    err = result.pop("stderr").splitlines()
    result.pop("stdout")
    result["progress_lines"] = [line for line in err if PROGRESS_LINE.match(line.strip())]
    result["messages"] = [line for line in err if line.startswith("nextword")][-2:]
    return result


# Part 2: the editor
def editor_child(path: str, scratch: str, watch_s: float) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtTest import QTest

    from bench.big_text import StallWatch
    from bench.ui_latency import shown_for, wait_for
    from desktop.app import build_window
    from engine.evaluation.metrics import percentile

    qInstallMessageHandler(lambda *args: None)
    window = build_window(["--settings", str(Path(scratch) / "settings.ini")])
    window.show()
    if not wait_for(window, lambda: shown_for(window, ""), timeout_ms=60000):
        print(json.dumps({"error": "no suggestions: the model did not load"}))
        return
    worker, marks, done = window.worker_thread.worker, {}, []
    reader = getattr(worker, "_files_reader", None)  # before the fix there was none: read inside learn_files
    if reader is not None:
        reader.read.connect(lambda *_: marks.setdefault("read", time.perf_counter()))
    worker.files_learned.connect(lambda batch: done.append(batch))
    watch, delays, slow_keys = StallWatch(), [], []
    gc_pauses = watch_collections()
    watch.start()
    started = time.perf_counter()
    window.files_to_learn.emit([path])
    typed = "and then we went home to the barn "
    while not done and time.perf_counter() - started < watch_s:
        sent = time.perf_counter()
        QTest.keyClicks(window.editor, typed[len(delays) % len(typed)])
        if wait_for(window, lambda: shown_for(window, window.editor.left_text()), timeout_ms=120000):
            delays.append((time.perf_counter() - sent) * 1000)
            if delays[-1] > 100:
                slow_keys.append((round(sent - started, 2), round(delays[-1])))
        loop = QEventLoop()
        QTimer.singleShot(50, loop.quit)
        loop.exec()
    learned_s = time.perf_counter() - started
    batch = done[0] if done else None
    print(json.dumps({
        "read_s": round(marks["read"] - started, 2) if "read" in marks else None, "learned_s": round(learned_s, 2),
        "keys": len(delays), "key_to_chips_p50_ms": round(percentile(delays, 50), 1),
        "key_to_chips_max_ms": round(max(delays, default=0), 1), "gui_worst_stall_ms": watch.stop(),
        "finished": bool(done), "lines_learned": batch.lines_learned if batch else None,
        "skipped": [why for _, why in batch.skipped] if batch else None,
        "keys_over_100ms_at_s": slow_keys[:10], "gc_pauses_over_50ms": [p for p in gc_pauses if p[1] > 50][:10]}))
    window.editor.document().setModified(False)
    window.close()


def watch_collections() -> list:
    """(seconds since now, ms, generation) of each garbage collection: a full one holds every thread."""
    import gc

    pauses, zero, began = [], time.perf_counter(), {}

    def timed(phase, info):
        if phase == "start":
            began["at"] = time.perf_counter()
        elif "at" in began:
            pauses.append((round(began["at"] - zero, 2), round((time.perf_counter() - began["at"]) * 1000),
                           info["generation"]))

    gc.callbacks.append(timed)
    return pauses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=float, default=100)
    parser.add_argument("--run-mb", type=float, default=20)
    parser.add_argument("--sparse-gb", type=float, default=2)
    parser.add_argument("--only", choices=["finetune", "editor"])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--memory-gb", type=float, default=6, help="address-space limit of each child")
    parser.add_argument("--timeout", type=float, default=900, help="seconds each child may take")
    parser.add_argument("--watch-s", type=float, default=60,
                        help="editor: keys are typed and timed until the files are learned, or this long")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("PART", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        part, path = args.child
        finetune_reading_child(path) if part == "finetune" else editor_child(path, args.scratch, args.watch_s)
        return 0
    results: dict = {"finetune": {}, "editor": {}}
    with tempfile.TemporaryDirectory() as scratch:
        paths = make_cases(Path(scratch), args.big_mb, args.run_mb, args.sparse_gb)
        for name in args.cases.split(","):
            path = paths[name]
            if args.only != "editor":
                results["finetune"][name] = finetune_newline_case(path, args) if name == "newline" else child_report(
                    run_child([__file__, "--child", "finetune", str(path)], args.timeout, args.memory_gb))
                print(name, "finetune", results["finetune"][name], file=sys.stderr, flush=True)
            if args.only != "finetune":
                home = tempfile.mkdtemp(dir=scratch)
                env = {"NEXTWORD_HOME": home, "HOME": home, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home,
                       "XDG_CACHE_HOME": home, "XDG_STATE_HOME": home}
                results["editor"][name] = child_report(run_child(
                    [__file__, "--child", "editor", str(path), "--scratch", home, "--watch-s", str(args.watch_s)],
                    args.timeout, args.memory_gb, env))
                print(name, "editor", results["editor"][name], file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2 if args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
