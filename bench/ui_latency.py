"""Key event to chips updated, in the real window (offscreen): p50/p95 ms, memory, start to first suggestion.

Types lines of a text file into the editor one key event at a time, as a person would, and for each
key measures the time from sending the key event to the moment the window has shown the chips for
the text now left of the cursor (the worker thread's result received and applied on the GUI thread).
Also counts the model steps the predictor ran, per 1,000 keys. With `--paragraph N` the lines are
typed as one paragraph of N characters instead (joined by spaces), as in a long document.

    QT_QPA_PLATFORM=offscreen python bench/ui_latency.py [--text data/chitchat.test.txt] [--lines 100]
    QT_QPA_PLATFORM=offscreen python bench/ui_latency.py --paragraph 2000
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before Qt and the model are imported: "start" as a person sees it

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from bench.typing_text import add_text_options, lines_to_type  # noqa: E402
from desktop.app import build_window  # noqa: E402
from engine.evaluation.metrics import percentile, read_lines  # noqa: E402


class _Waiter:
    """Runs the event loop until a predicate holds after a result arrives. One per window, connected once:
    a connection, a timer and a closure made per key (100,000 of them in bench/soak.py) each left a little
    behind in PySide, which the soak counted as the editor's memory growth."""

    def __init__(self, window):
        self.loop, self.predicate = QEventLoop(), None
        self.timer = QTimer(singleShot=True, timeout=self.loop.quit)
        window.suggestions_shown.connect(self._check)  # emitted on the GUI thread once the chips are updated

    def _check(self, *_args) -> None:
        if self.predicate is not None and self.predicate():
            self.loop.quit()

    def wait(self, predicate, timeout_ms: int) -> bool:
        if predicate():
            return True
        self.predicate = predicate
        self.timer.start(timeout_ms)
        self.loop.exec()
        self.timer.stop()
        self.predicate = None
        return predicate()


def wait_for(window, predicate, timeout_ms: int = 5000) -> bool:
    """Run the event loop until predicate() holds after a result arrives (or the timeout)."""
    waiter = window.__dict__.get("_bench_waiter")
    if waiter is None:
        waiter = window.__dict__["_bench_waiter"] = _Waiter(window)
    return waiter.wait(predicate, timeout_ms)


def shown_for(window, left_text: str) -> bool:
    result = window.last_result
    return result is not None and result.request_id == window._request_id and result.left_text == left_text


def count_model_steps(window) -> list[int]:
    """A one-item list that counts every model step the worker's predictor runs from now on."""
    backend = window.worker_thread.worker.predictor.backend
    step, counter = backend.step, [0]

    def counted(token_ids, state):
        counter[0] += 1  # on the worker thread; an int store is atomic under the GIL
        return step(token_ids, state)

    backend.step = counted
    return counter


def type_keys(window, texts: list[str]) -> tuple[list[float], int]:
    """Each text typed key by key into an empty editor; the key-to-chips delays (ms) and keys missed."""
    delays, missed = [], 0
    for text in texts:
        window.editor.clear()
        for character in text:
            sent = time.perf_counter()
            QTest.keyClicks(window.editor, character)
            expected = window.editor.left_text()
            if wait_for(window, lambda expected=expected: shown_for(window, expected)):
                delays.append((time.perf_counter() - sent) * 1000)
            else:
                missed += 1
    return delays, missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_text_options(parser, default_lines=100)
    parser.add_argument("--paragraph", type=int, default=0, metavar="N",
                        help="type the lines as one paragraph of N characters (default: line by line)")
    args = parser.parse_args(argv)
    lines = lines_to_type(args)
    if lines is None:
        return 2
    texts = [" ".join(read_lines(args.text))[: args.paragraph]] if args.paragraph else lines
    # The offscreen platform warns on every window resize; the figures are what this prints.
    qInstallMessageHandler(lambda kind, context, message: None if "propagateSizeHints" in message
                           else print(message, file=sys.stderr))
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["NEXTWORD_HOME"] = scratch  # the benchmark's typing stays out of the person's log
        window = build_window(["--settings", str(Path(scratch) / "settings.ini")])
        window.show()
        if not wait_for(window, lambda: shown_for(window, ""), timeout_ms=30000):
            print(f"no suggestions: {window.model_error or 'the model did not load in 30 s'}", file=sys.stderr)
            return 1
        first_suggestion_s = time.perf_counter() - STARTED
        steps = count_model_steps(window)
        delays, missed = type_keys(window, texts)
        window.editor.document().setModified(False)
        window.close()
    keys = len(delays) + missed
    result = {"keys": keys, "missed": missed, "lines": len(texts), "paragraph_characters": args.paragraph,
              "model_steps_per_1000_keys": 1000 * steps[0] / max(1, keys),
              "p50_ms": percentile(delays, 50), "p95_ms": percentile(delays, 95), "p99_ms": percentile(delays, 99),
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "start_to_first_suggestion_s": first_suggestion_s}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        typed = f"one {args.paragraph}-character paragraph" if args.paragraph else f"{len(texts)} lines"
        print(f"{keys} keys over {typed} ({missed} without chips in 5 s): key to chips p50 "
              f"{result['p50_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms; "
              f"{result['model_steps_per_1000_keys']:.0f} model steps per 1,000 keys; peak RSS "
              f"{result['peak_rss_mb']:.0f} MB; start to first suggestion {first_suggestion_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
