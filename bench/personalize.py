"""How much Nextword gains from learning one person's writing (shared/PROTOCOL.md section 9).

    python bench/personalize.py TEXT [--minutes 5] [--json]

TEXT is a person's writing of another style than chat, one paragraph or verse per line (about 100,000
words; the README says which public-domain text is used and how to get it). Its first 90% (in file order)
is what the person wrote before, the rest what they write next. Printed, on that later part, with the
protocol's top-3 accuracy and keystroke savings (KSR):

- the base model (the bundled one), alone and with the personal cache learning online (it observes each
  held-out line after the line is scored, as the editor does once a line is typed);
- the fine-tuned model (`nextword finetune TEXT --no-install --out DIR`, run here as a command and timed
  as a whole, proof included: that is the fine-tune's wall time), alone and with the online cache, and with a cache that
  was also taught the earlier 90% (what "Learn from my writing…" does in the editor);
- a Kneser-Ney trigram trained on the earlier 90% alone (its own vocabulary, the same suggestion rules);
- the chitchat test split's KSR (N = 1,000) of the base and the fine-tuned model: what it forgot;
- the cache's cost per keystroke: the base model without a cache and with one taught the earlier 90%
  (and learning online) typing the first 150 held-out lines key by key in turn (bench/typing_text.py),
  the difference of their p50 and p95 (suggest only, its learning after each line not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.typing_text import milliseconds, time_in_turn  # noqa: E402
from engine.core.corpus import tokenize_documents  # noqa: E402
from engine.core.paths import bundled_model_dir, read_blocklist  # noqa: E402
from engine.core.user_text import read_user_text, split_held_out  # noqa: E402
from engine.core.vocab import Vocab  # noqa: E402
from engine.evaluation.metrics import keystroke_savings, percentile, read_lines, top_k_accuracy  # noqa: E402
from engine.runtime.model_opening import open_bundle  # noqa: E402
from engine.runtime.ngram import KneserNey, NgramPredictor  # noqa: E402
from engine.runtime.suggestions import WordChooser  # noqa: E402


class Timed:
    """A predictor whose suggest() calls are timed (observe passes through, untimed)."""

    def __init__(self, predictor):
        self.predictor, self.seconds = predictor, []

    def suggest(self, left_text: str, k: int):
        started = time.perf_counter()
        result = self.predictor.suggest(left_text, k)
        self.seconds.append(time.perf_counter() - started)
        return result

    def observe(self, line: str) -> None:
        self.predictor.observe(line)


def measure(make_predictor, lines: list[str], online: bool) -> dict:
    """Top-3 and KSR, each run from a fresh predictor (PROTOCOL 9), and the suggest() latency of both runs."""
    timings: list[float] = []
    figures = {}
    for name, metric in (("top3", top_k_accuracy), ("ksr", keystroke_savings)):
        predictor = Timed(make_predictor())
        figures[name] = metric(predictor, lines, online=online)[name]
        timings += predictor.seconds
    milliseconds = [s * 1000 for s in timings]
    return {**figures, "p50_ms": percentile(milliseconds, 50), "p95_ms": percentile(milliseconds, 95)}


def run_finetune(text: str, minutes: float, out: Path) -> tuple[dict, float]:
    """`nextword finetune` as a person runs it, in a fresh user folder; its result and its wall time."""
    env = {**os.environ, "NEXTWORD_HOME": str(out.parent / "home")}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "engine.cli", "finetune", text, "--minutes", str(minutes),
                           "--no-install", "--json", "--out", str(out)], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"nextword finetune failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout), wall / 60


def trigram_on(earlier: list[str]) -> NgramPredictor:
    """The classic baseline trained on the person's earlier text alone, with the product's suggestion rules."""
    tokens, display = tokenize_documents([[("<s1>", line) for line in earlier]])
    vocab = Vocab.build(Counter(tokens), min_count=1, display_counts=display)
    model = KneserNey.fit(np.asarray(vocab.encode(tokens)), len(vocab))
    return NgramPredictor(model, WordChooser(vocab, blocked_words=read_blocklist()))


def with_cache_taught(bundle: Path, earlier: list[str]):
    def make():
        predictor = open_bundle(bundle, provider="cpu")
        for line in earlier:
            predictor.observe(line)
        return predictor
    return make


def bench(text: str, minutes: float, general_text: str) -> dict:
    lines = read_user_text([text]).documents
    earlier_docs, later_docs = split_held_out(lines, 0.10)
    earlier, later = [t for _, t in earlier_docs[0]], [t for _, t in later_docs[0]]
    base = bundled_model_dir()
    with tempfile.TemporaryDirectory() as scratch:
        result, finetune_minutes = run_finetune(text, minutes, Path(scratch) / "candidate")
        tuned = Path(result["bundle"])
        rows = {
            "base model": measure(lambda: open_bundle(base, provider="cpu"), later, False),
            "base model + personal cache (online)": measure(lambda: open_bundle(base, provider="cpu"), later, True),
            "fine-tuned model": measure(lambda: open_bundle(tuned, provider="cpu"), later, False),
            "fine-tuned + personal cache (online)": measure(lambda: open_bundle(tuned, provider="cpu"), later,
                                                            True),
            "fine-tuned + cache taught the earlier 90% too": measure(with_cache_taught(tuned, earlier), later, True),
            "Kneser-Ney trigram on the earlier 90% alone": measure(lambda: trigram_on(earlier), later, False),
        }
        general_lines = read_lines(general_text, 1000)
        general = {name: keystroke_savings(open_bundle(path, provider="cpu"), general_lines)["ksr"]
                   for name, path in (("base", base), ("fine-tuned", tuned))}
    times = time_in_turn(open_bundle(base, provider="cpu"), with_cache_taught(base, earlier)(), later[:150])
    without, with_cache = milliseconds(times["without"]), milliseconds(times["with"])
    return {"text": text, "earlier_lines": len(earlier), "held_out_lines": len(later),
            "held_out_words": sum(len(line.split()) for line in later), "rows": rows,
            "general_ksr": general, "general_text": general_text, "finetune_minutes": finetune_minutes,
            "finetune": {k: result[k] for k in ("installed", "reason", "new_word_count", "int8", "training")},
            "cache_cost_ms": {"p50": with_cache["p50_ms"] - without["p50_ms"],
                              "p95": with_cache["p95_ms"] - without["p95_ms"], "keystrokes": without["calls"]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", help="the person's writing, one paragraph or verse per line (UTF-8)")
    parser.add_argument("--minutes", type=float, default=5.0, help="the fine-tune's training budget (default 5)")
    parser.add_argument("--general", default="data/chitchat.test.txt", help="general text for what is forgotten "
                                                                           "(default: the chitchat test split)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    for path in (args.text, args.general):
        if not Path(path).is_file():
            print(f"{path}: not found (the README's 'Learning your writing' says how to get the texts; "
                  "`make data` writes the chitchat splits)", file=sys.stderr)
            return 2
    result = bench(args.text, args.minutes, args.general)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.text}: {result['earlier_lines']} lines learned from, {result['held_out_lines']} held out "
          f"({result['held_out_words']:,} words)")
    print(f"{'':<48}{'top-3':>8}{'KSR':>8}")
    for name, row in result["rows"].items():
        print(f"{name:<48}{row['top3']:>8.4f}{row['ksr']:>8.4f}")
    general = result["general_ksr"]
    print(f"chitchat test KSR (1,000 lines): base {general['base']:.4f}, fine-tuned {general['fine-tuned']:.4f}")
    print(f"fine-tune: {result['finetune_minutes']:.1f} minutes wall, {result['finetune']['new_word_count']} new "
          f"words, int8 {result['finetune']['int8']}; {result['finetune']['reason']}")
    cost = result["cache_cost_ms"]
    print(f"personal cache cost per keystroke ({cost['keystrokes']:,} keys in turn): +{cost['p50']:.3f} ms at p50, "
          f"+{cost['p95']:.3f} ms at p95")
    return 0


if __name__ == "__main__":
    sys.exit(main())
