"""kill -9 a fine-tune at random moments: the model in use stays and loads, no partial bundle is ever listed
or loaded, and the next fine-tune runs.

First one fine-tune runs to its end, to learn how long one takes (T). Then `--kills` fine-tunes are each
killed (SIGKILL, no cleanup) at a moment drawn uniformly from [0, T]; after each, a fresh process's view
of the model store is checked: the pointer reads, the active model loads and suggests, and every model
listed loads. Last, one more fine-tune must run to its end and leave no scratch folder behind.

    python bench/kill_finetune.py data/kjv.txt [--kills 10] [--lines 1200] [--minutes 0.3] [--json]

Runs in a temporary NEXTWORD_HOME: the person's own models are never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHECK = """
import json, sys
from engine.core.model_store import ModelStore
from engine.runtime.predictor import Predictor
from engine.runtime.model_opening import open_bundle  # noqa: E402
store = ModelStore()
store.read_pointer()  # raises on a damaged pointer
listed = store.models()
for model in listed:
    assert not model.id.startswith("."), model.id
    open_bundle(model.path).suggest("I want to ", 3)
active = store.active()
words = [s.word for s in open_bundle(None).suggest("I want to ", 3)]
print(json.dumps({"active": active.id, "listed": [model.id for model in listed], "suggests": words}))
"""


class Finetune:
    """One `nextword finetune` process; its progress lines read as they come."""

    def __init__(self, args: argparse.Namespace, home: Path, text: Path):
        command = [sys.executable, "-m", "engine.cli", "finetune", str(text), "--minutes", str(args.minutes),
                   "--general-lines", str(args.general_lines), "--threads", str(args.threads)]
        command += ["--model", args.model] if args.model else []
        command += ["--general", args.general] if args.general else []
        env = {**os.environ, "NEXTWORD_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.started = time.monotonic()
        self.last_progress = "starting"
        self.errors: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            if line.startswith("progress "):
                self.last_progress = line.split(" ", 2)[2].strip()
            else:
                self.errors.append(line.rstrip())

    def wait(self) -> int:
        code = self.process.wait()
        self._reader.join()
        self.process.stdout.read()
        return code

    def kill_at(self, seconds: float) -> tuple[float, str, int | None]:
        """SIGKILL at `seconds` after the start, unless it ended before; (when, during what, exit code if ended)."""
        try:
            code = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            killed_at = time.monotonic() - self.started
            self.wait()
            return killed_at, self.last_progress, None
        self.wait()
        return time.monotonic() - self.started, self.last_progress, code


def check_store(home: Path) -> dict:
    """What a fresh process finds in the store; `problem` set when anything fails to read or load."""
    env = {**os.environ, "NEXTWORD_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"problem": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    found = json.loads(done.stdout)
    scratch = [path.name for path in (home / "models").glob(".scratch-*")] if (home / "models").is_dir() else []
    return {**found, "scratch_left": len(scratch)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", help="the person's writing to fine-tune on, one line per sentence or message")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--lines", type=int, default=1200, help="lines of the text used (default 1200)")
    parser.add_argument("--minutes", type=float, default=0.3, help="training time of each fine-tune")
    parser.add_argument("--general-lines", type=int, default=100)
    parser.add_argument("--general", help="general text (default: chitchat)")
    parser.add_argument("--model", help="the bundle to start from (default: the active model)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    source = Path(args.text)
    if not source.is_file():
        print(f"{source}: not found (`make kjv` writes data/kjv.txt)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    rows, failures = [], 0
    with tempfile.TemporaryDirectory() as scratch:
        home, text = Path(scratch) / "home", Path(scratch) / "writing.txt"
        lines = source.read_text(encoding="utf-8").splitlines()[: args.lines]
        text.write_text("\n".join(lines) + "\n", encoding="utf-8")
        first = Finetune(args, home, text)
        code = first.wait()
        whole = time.monotonic() - first.started
        if code != 0:
            print(f"the first fine-tune failed (exit {code}): {first.errors[-3:]}", file=sys.stderr)
            return 1
        log = (lambda row: None) if args.json else (lambda row: print(json.dumps(row), flush=True))
        log({"run": "whole", "seconds": round(whole, 1), **check_store(home)})
        for number in range(1, args.kills + 1):
            at, during, ended = Finetune(args, home, text).kill_at(rng.uniform(0, whole))
            row = {"kill": number, "at_s": round(at, 1), "during": during, "ended_itself": ended, **check_store(home)}
            failures += "problem" in row
            rows.append(row)
            log(row)
        last = Finetune(args, home, text)
        final_code = last.wait()
        final = {"run": "after the kills", "exit": final_code, **check_store(home)}
        failures += final_code != 0 or "problem" in final or final["scratch_left"] != 0
        log(final)
    summary = {"kills": len(rows), "killed_while_running": sum(row["ended_itself"] is None for row in rows),
               "failures": failures, "whole_run_s": round(whole, 1), "next_finetune_exit": final_code}
    print(json.dumps({"rows": rows, "final": final, "summary": summary} if args.json else summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
