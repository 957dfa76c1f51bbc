"""A big personal cache saved and read back while the GUI thread goes on: the longest stall it causes.

The editor saves the cache on its worker thread, but a thread holding Python's GIL in one long C call (json
encoding or decoding a whole 14 MB file) stops the GUI thread for as long. This builds a cache of `--words`
different words (their pairs and triples too, pruned as the cache prunes them), then, in a Qt application
(offscreen) whose GUI thread runs a 10 ms timer, saves it on another thread, and reads it back as an editor
does when another editor on the same folder saved (PersonalCache.sync). Prints each one's time and the
timer's worst lateness meanwhile (target for the save: 50 ms). As in the editor, what lives on is frozen out of
the garbage collector's sight before and after the save (desktop/core/worker.py keep_collections_short).

    QT_QPA_PLATFORM=offscreen python bench/cache_save.py [--words 200000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from bench.big_text import StallWatch, spin  # noqa: E402
from desktop.core.worker import keep_collections_short  # noqa: E402
from engine.runtime.personal_cache import CACHE_FILE, PersonalCache  # noqa: E402

WORDS_PER_SENTENCE = 10


def made_up_word(number: int) -> str:
    """A different word for each number (letters only: a word with a digit is never learned)."""
    letters = []
    while True:
        number, letter = divmod(number, 26)
        letters.append(chr(97 + letter))
        if not number:
            return "w" + "".join(letters) + "x"


def big_cache(path: Path, words: int) -> PersonalCache:
    cache = PersonalCache.load(path)
    for first in range(0, words, WORDS_PER_SENTENCE):
        cache.observe(" ".join(made_up_word(n) for n in range(first, min(words, first + WORDS_PER_SENTENCE))) + ".")
    return cache


def on_thread(work) -> float:
    """Run `work` on another thread while the GUI thread's event loop turns; its seconds."""
    took = []
    thread = threading.Thread(target=lambda: took.append(timed(work)))
    thread.start()
    while thread.is_alive():
        spin(5)
    return took[0]


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=200_000)
    args = parser.parse_args(argv)
    QCoreApplication.instance() or QCoreApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / CACHE_FILE
        built = time.perf_counter()
        cache = big_cache(path, args.words)
        print(f"cache: {len(cache):,} words, {cache._entries:,} words, pairs and triples, "
              f"built in {time.perf_counter() - built:.1f} s")
        keep_collections_short()  # as the editor's worker does once its model is loaded
        watch = StallWatch()
        watch.start()
        seconds = on_thread(cache.save)
        keep_collections_short()  # and after each save
        print(f"save: {seconds * 1000:.0f} ms on the worker thread, {path.stat().st_size / 2**20:.1f} MB; "
              f"longest GUI stall {watch.stop()} ms (target: 50 ms)")
        other = PersonalCache.load(path)
        other.observe("another editor wrote this.")
        other.save()
        watch.start()
        seconds = on_thread(cache.sync)
        print(f"reading what another editor saved: {seconds * 1000:.0f} ms; longest GUI stall {watch.stop()} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
