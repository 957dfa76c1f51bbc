"""A stand-in for `nextword finetune PATH... --json` in the editor's tests: the same progress lines, messages,
exit codes and JSON report as export/personalize.py, in a moment and without torch.

    python fake_finetune.py MODE PATH...    MODE: installed, not-installed, slow, ignore-term, refused or crash

It writes the paths it was given to NEXTWORD_HOME/fake_finetune_args.json.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path


def progress(share: float, message: str) -> None:
    print(f"progress {share:.3f} {message}", file=sys.stderr, flush=True)


def cancelled(*_args) -> None:
    print("nextword finetune: cancelled; the model in use stays", file=sys.stderr, flush=True)
    sys.exit(130)


def main() -> int:
    mode, paths = sys.argv[1], sys.argv[2:]
    Path(os.environ["NEXTWORD_HOME"], "fake_finetune_args.json").write_text(json.dumps(paths), encoding="utf-8")
    signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "ignore-term" else cancelled)
    progress(0.0, "reading your text")
    print("nextword finetune: skipped photo.jpg: not a .txt, .md or .csv file (.jpg)", file=sys.stderr, flush=True)
    if mode == "refused":
        print("nextword finetune: 12 words of readable text; at least 300 are needed", file=sys.stderr, flush=True)
        return 2
    progress(0.42, "fine-tuning: epoch 1 of 3")
    if mode == "crash":  # a fault nothing foresaw: a traceback on stderr and exit code 1
        raise RuntimeError("something nobody foresaw")
    if mode in ("slow", "ignore-term"):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
    installed = mode == "installed"
    metrics = {"user": {"ksr": 0.30, "top3": 0.40, "perplexity": 90.0}, "general": {"ksr": 0.45, "top3": 0.55}}
    after = {"user": {"ksr": 0.35, "top3": 0.46, "perplexity": 70.0}, "general": {"ksr": 0.449, "top3": 0.548}}
    reason = ("better on your writing (your keystroke savings 30.0% -> 35.0%, general 45.0% -> 44.9%)" if installed
              else "not better on your held-out text (...); the model in use stays")
    progress(1.0, "installed" if installed else "done, not installed")
    print(json.dumps({"before": metrics, "after": after, "installed": installed, "reason": reason, "minutes": 0.01,
                      "bundle": None, "model_id": "v3" if installed else None, "new_word_count": 7}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
