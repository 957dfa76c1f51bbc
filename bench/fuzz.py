"""Fuzzing with timings: arbitrary Unicode through the tokenizer, the predictor and the fine-tune reader.

Runs the strategies of tests/fuzz_text.py (the ones tests/test_fuzz.py checks properties with) for N
cases per target, times every call with time.perf_counter, and prints per target: cases, exceptions
(with the first failing input), p50/p99/max milliseconds for inputs of at most 300 characters (what
the editor passes), the max for longer inputs, and the slowest input. The editor's budget is 50 ms a
call; a line ends in "OVER" when a call of editor size took longer.

Targets, each on the bundled model with a personal cache attached (which has first learned a few
sentences with words the model lacks, then learns every `observe` case):
    tokenizer       tokenize, tokenize_cased, split_partial and starts_sentence on one text
    observe         Predictor.observe(sentence)
    suggest         Predictor.suggest(left_text, 3)
    complete        Predictor.complete(left_text, min_probability=0.25)
    read_user_text  read_user_text and split_held_out on a folder of up to 5 files (any name, any bytes);
                    sizes are the files' bytes, and writing them is not timed

    python bench/fuzz.py [--cases 10000] [--seed 0] [--targets suggest,complete] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the strategies live beside the tests that use them

import fuzz_text  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from engine.evaluation.metrics import percentile  # noqa: E402

BUDGET_MS = 50.0


class CollectorClock:
    """Milliseconds the garbage collector has run so far: a collection's pause inside a timed call (the
    heap here holds hypothesis's engine too, so a full one takes longer than in the editor) is told apart."""

    def __init__(self):
        self.total_ms = 0.0
        self._started: float | None = None
        gc.callbacks.append(self._on_collection)

    def _on_collection(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.total_ms += (time.perf_counter() - self._started) * 1000
            self._started = None


COLLECTOR = CollectorClock()


class Figures:
    """Timings and failures of one target."""

    def __init__(self, name: str):
        self.name = name
        self.cases = 0
        self.exceptions = 0
        self.first_failure: str | None = None
        self.editor_ms: list[float] = []  # inputs of at most 300 characters
        self.long_ms: list[float] = []
        self.slowest: tuple[float, str] = (0.0, "")
        self.slowest_editor: tuple[float, str] = (0.0, "")
        self.slowest_editor_gc_ms = 0.0  # of the slowest editor-size call, what garbage collection took
        self.over_again: list[float] = []  # editor-size calls over budget, timed again from cold caches
        # CPU time of this thread in each editor-size call: onnxruntime runs on it (one intra-op thread), so
        # this leaves out the waits for a core that other programs on the machine cause.
        self.editor_cpu_ms: list[float] = []
        self._cpu_ms = 0.0

    def record(self, case, size: int, call, again=None) -> None:
        """Times call(); an editor-size call over budget is timed once more: the call again() returns (the
        same call from cold caches: no faster than the first time for that reason), or call() again; so a
        machine busy with other work is told from an input that is slow."""
        self.cases += 1
        collected = COLLECTOR.total_ms
        elapsed = self._timed(case, call)
        editor = size <= fuzz_text.EDITOR_CHARACTERS
        if editor:
            self.editor_cpu_ms.append(self._cpu_ms)
        (self.editor_ms if editor else self.long_ms).append(elapsed)
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, _shown(case))
        if editor and elapsed > self.slowest_editor[0]:
            self.slowest_editor = (elapsed, _shown(case))
            self.slowest_editor_gc_ms = COLLECTOR.total_ms - collected
        if editor and elapsed > BUDGET_MS:
            self.over_again.append(self._timed(case, again() if again is not None else call))

    def _timed(self, case, call) -> float:
        cpu_started, started = time.thread_time(), time.perf_counter()
        try:
            call()
        except Exception:  # counted and shown: the point is to find them
            self.exceptions += 1
            if self.first_failure is None:
                self.first_failure = f"{_shown(case)}\n{traceback.format_exc(limit=-4)}"
        elapsed = (time.perf_counter() - started) * 1000
        self._cpu_ms = (time.thread_time() - cpu_started) * 1000
        return elapsed

    def summary(self) -> dict:
        editor = self.editor_ms
        return {"cases": self.cases, "exceptions": self.exceptions, "first_failure": self.first_failure,
                "editor_cases": len(editor),
                "p50_ms": percentile(editor, 50) if editor else None,
                "p99_ms": percentile(editor, 99) if editor else None,
                "max_ms": max(editor, default=None),
                "over_budget": sum(ms > BUDGET_MS for ms in editor),
                "over_budget_again": sum(ms > BUDGET_MS for ms in self.over_again),
                "cpu_p99_ms": percentile(self.editor_cpu_ms, 99) if editor else None,
                "cpu_max_ms": max(self.editor_cpu_ms, default=None),
                "cpu_over_budget": sum(ms > BUDGET_MS for ms in self.editor_cpu_ms),
                "slowest_editor_ms": self.slowest_editor[0], "slowest_editor_input": self.slowest_editor[1],
                "slowest_editor_gc_ms": self.slowest_editor_gc_ms,
                "long_cases": len(self.long_ms), "long_max_ms": max(self.long_ms, default=None),
                "slowest_ms": self.slowest[0], "slowest_input": self.slowest[1]}


def _shown(case, limit: int = 160) -> str:
    text = repr(case)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters as repr)"


def _size(value) -> int:
    return len(value) if isinstance(value, str) else sum(len(data) for _, data in value)


def run(figures: Figures, strategy, call, cases: int, seed_value: int) -> None:
    """`cases` examples of `strategy` through `call(example)`, generated only (no shrinking: the first
    failing input is shown as found)."""

    @seed(seed_value)
    @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def drive(example):
        call(example)

    drive()


def predictor_with_cache():
    from engine.runtime.model_opening import open_bundle
    from engine.runtime.personal_cache import PersonalCache

    predictor = open_bundle()
    predictor.attach_personal_cache(PersonalCache())
    for sentence in fuzz_text.TAUGHT_SENTENCES:
        predictor.observe(sentence)
    for text in ("how are yo", "Zorblax is ", "I met Zo"):  # warm up onnxruntime, the chooser's caches
        predictor.suggest(text, 3)
        predictor.complete(text)
    return predictor


def targets(predictor, scratch: Path) -> dict:
    """name -> (strategy, function of (figures, example) that times the call)."""
    from engine.core.tokenizer import split_partial, starts_sentence, tokenize, tokenize_cased
    from engine.core.user_text import read_user_text, split_held_out
    from engine.runtime.predictor import Predictor

    def cold():
        """The same model and personal cache, none of the predictor's caches. The cache is shared as it is, not
        attached again: attaching rebuilds its view of the vocabulary, which the editor does once per model."""
        copy = Predictor(predictor.vocab, predictor.backend, predictor.ngram, predictor.mixture,
                         rare_words=predictor.chooser.rare_words, blocked_words=predictor.chooser.blocked_words)
        copy.personal = predictor.personal
        return copy

    def tokenizer(figures, text):
        def call():
            tokenize(text), tokenize_cased(text), split_partial(text), starts_sentence(text)
        figures.record(text, len(text), call)

    def observe(figures, text):
        figures.record(text, len(text), lambda: predictor.observe(text))

    def suggest(figures, text):
        def again():
            copy = cold()
            return lambda: copy.suggest(text, 3)
        figures.record(text, len(text), lambda: predictor.suggest(text, 3), again)

    def complete(figures, text):
        def again():
            copy = cold()
            return lambda: copy.complete(text, min_probability=0.25)
        figures.record(text, len(text), lambda: predictor.complete(text, min_probability=0.25), again)

    counter = iter(range(10**9))

    def user_text(figures, example):
        files, share = example
        folder = scratch / f"case{next(counter)}"
        folder.mkdir()
        try:
            fuzz_text.write_files(str(folder), files)

            def call():
                split_held_out(read_user_text([folder]).documents, share)
            figures.record(files, _size(files), call)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return {"tokenizer": (fuzz_text.any_text, tokenizer), "observe": (fuzz_text.any_text, observe),
            "suggest": (fuzz_text.any_text, suggest), "complete": (fuzz_text.any_text, complete),
            "read_user_text": (st.tuples(fuzz_text.file_sets, st.floats(0, 1)), user_text)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per target (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--targets", default="tokenizer,observe,suggest,complete,read_user_text",
                        help="comma-separated, in the order run (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    os.environ["NEXTWORD_HOME"] = tempfile.mkdtemp(prefix="nextword-fuzz-")  # the bundled model, no user data
    predictor = predictor_with_cache()
    results = {}
    with tempfile.TemporaryDirectory(prefix="nextword-fuzz-files-") as scratch:
        available = targets(predictor, Path(scratch))
        for name in args.targets.split(","):
            if name not in available:
                parser.error(f"unknown target {name!r}; choose from {', '.join(available)}")
            strategy, call = available[name]
            figures = Figures(name)
            started = time.perf_counter()
            run(figures, strategy, lambda example, call=call, figures=figures: call(figures, example),
                args.cases, args.seed)
            results[name] = figures.summary()
            results[name]["wall_s"] = time.perf_counter() - started
            if not args.json:
                print(line(name, results[name]), flush=True)
    shutil.rmtree(os.environ["NEXTWORD_HOME"], ignore_errors=True)
    results["_run"] = {"cases": args.cases, "seed": args.seed, "provider": predictor.provider,
                       "learned_words": len(predictor.personal), "budget_ms": BUDGET_MS}
    if args.json:
        print(json.dumps(results, indent=2))
    failed = any(result["exceptions"] for name, result in results.items() if not name.startswith("_"))
    return 1 if failed else 0


def line(name: str, figures: dict) -> str:
    def ms(value):
        return "-" if value is None else f"{value:.2f}"

    indent = " " * 16
    text = (f"{name:<15} {figures['cases']} cases, {figures['exceptions']} exceptions, {figures['wall_s']:.0f} s\n"
            f"{indent}<=300 chars ({figures['editor_cases']}): p50 {ms(figures['p50_ms'])}  p99 "
            f"{ms(figures['p99_ms'])}  max {ms(figures['max_ms'])} ms; {figures['over_budget']} over "
            f"{BUDGET_MS:.0f} ms, {figures['over_budget_again']} of them again when timed a second time\n"
            f"{indent}<=300 chars, CPU time of the calling thread: p99 {ms(figures['cpu_p99_ms'])}  max "
            f"{ms(figures['cpu_max_ms'])} ms; {figures['cpu_over_budget']} over {BUDGET_MS:.0f} ms\n"
            f"{indent}longer ({figures['long_cases']}): max {ms(figures['long_max_ms'])} ms\n"
            f"{indent}slowest <=300: {figures['slowest_editor_ms']:.1f} ms (garbage collection "
            f"{figures['slowest_editor_gc_ms']:.1f} ms of it) {figures['slowest_editor_input']}\n"
            f"{indent}slowest of all: {figures['slowest_ms']:.1f} ms {figures['slowest_input']}")
    if figures["first_failure"]:
        text += f"\n{indent}first failure: {figures['first_failure']}"
    return text


if __name__ == "__main__":
    sys.exit(main())
