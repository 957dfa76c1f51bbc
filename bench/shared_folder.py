"""The data folder under a careless restore and a hostile neighbour, and shared by two editors (issue 33's targets).

    python bench/shared_folder.py                 # modes and links after a start; two editors learning, one forgetting
    python bench/shared_folder.py --sentences 2000

1. Modes and links: a data folder left 0777 with a cache restored at 0644 and a log replaced by a link to a
   file outside; then one start of `nextword models` and one of the editor (offscreen). Prints each mode after,
   and whether the outside file changed (target: 0700/0600 after any start; a link's outside target never
   changes).
2. Two editors at once: two processes, each a personal cache on the same file, learn sentences with words of
   their own and save as the editor does (every few sentences), at the same time; then one forgets while the
   other goes on learning. Prints the words learned and lost, and forgotten words back (target: 0 and 0).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime.personal_cache import CACHE_FILE, PersonalCache  # noqa: E402

SAVE_EVERY = 5  # sentences between saves: the editor saves a few seconds after the last change


def modes_and_links(folder: Path) -> dict:
    home = folder / "home"
    home.mkdir()
    PersonalCache.load(home / CACHE_FILE).save()  # an empty cache, as an editor leaves it
    outside = folder / "outside.db"
    outside.write_bytes(b"a file of someone else's")
    os.chmod(outside, 0o644)
    (home / "nextword.db").symlink_to(outside)
    os.chmod(home / CACHE_FILE, 0o644)
    os.chmod(home, 0o777)
    environment = {**os.environ, "NEXTWORD_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "HOME": str(folder)}
    before = outside.read_bytes(), stat.S_IMODE(outside.stat().st_mode)
    subprocess.run([sys.executable, "-m", "engine.cli", "models"], cwd=ROOT, env=environment, check=True,
                   capture_output=True)
    after_cli = _modes(home)
    os.chmod(home, 0o777)
    os.chmod(home / CACHE_FILE, 0o644) if (home / CACHE_FILE).exists() else None
    editor = ("from desktop.app import build_window; window = build_window(['--settings', 'settings.ini']); "
              "window.worker_thread.stop()")
    subprocess.run([sys.executable, "-c", editor], cwd=folder, env={**environment, "PYTHONPATH": str(ROOT)},
                   check=True, capture_output=True)
    return {"after nextword models": after_cli, "after the editor": _modes(home),
            "outside file unchanged": (outside.read_bytes(), stat.S_IMODE(outside.stat().st_mode)) == before}


def _modes(home: Path) -> dict:
    found = {".": oct(stat.S_IMODE(os.lstat(home).st_mode))}
    for path in sorted(home.rglob("*")):
        kind = "link" if path.is_symlink() else oct(stat.S_IMODE(os.lstat(path).st_mode))
        found[str(path.relative_to(home))] = kind
    return found


def _editor(path: str, name: str, sentences: int, start_at: float, forget_after: int | None, results) -> None:
    cache = PersonalCache.load(path)
    while time.time() < start_at:
        time.sleep(0.001)
    for number in range(sentences):
        if forget_after is not None and number == forget_after:
            began = time.time()
            cache.forget()
            cache.save()
            results.put((name, "forget", began, time.time()))
        began = time.time()
        cache.observe(f"{name} wrote {word(name, number)} today.")
        results.put((name, number, began, time.time()))
        if number % SAVE_EVERY == SAVE_EVERY - 1:
            cache.save()
    cache.save()


def word(name: str, number: int) -> str:
    """A word of this editor's own: "z" then three of a-y (never four letters alike, which the tokenizer
    shortens to three, as it does "sooooo")."""
    letters = "".join(chr(97 + (number // 25 ** place) % 25) for place in range(3))
    return f"{name}z{letters}"


def two_editors(folder: Path, sentences: int) -> dict:
    path = str(folder / CACHE_FILE)
    results = multiprocessing.Queue()
    start_at = time.time() + 1.0
    first = multiprocessing.Process(target=_editor, args=(path, "ann", sentences, start_at, None, results))
    second = multiprocessing.Process(target=_editor, args=(path, "bob", sentences, start_at, sentences // 2,
                                                           results))
    started = time.perf_counter()
    for process in (first, second):
        process.start()
    # Read while they run: a process ends only once what it put on the queue is read
    events = [results.get() for _ in range(2 * sentences + 1)]
    for process in (first, second):
        process.join()
    seconds = time.perf_counter() - started
    forget_began, forget_ended = next((began, ended) for _, number, began, ended in events if number == "forget")
    # Words learned once the forget was saved must be there; those learned before it began must not. (A word
    # learned while the forget was being made may go either way.)
    learned_words = [(word(name, number), began, ended) for name, number, began, ended in events if number != "forget"]
    after = {learned for learned, began, _ in learned_words if began > forget_ended}
    before = {learned for learned, _, ended in learned_words if ended < forget_began}
    learned = {item.word for item in PersonalCache.load(path).learned_words()}
    return {"sentences per editor": sentences, "seconds": round(seconds, 2),
            "learned after the forget": len(after), "of them lost": len(after - learned),
            "forgotten words back": len(before & learned)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=400, help="sentences each editor learns")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        print("modes and links:")
        for stage, figures in modes_and_links(Path(scratch)).items():
            print(f"  {stage}: {figures}")
    with tempfile.TemporaryDirectory() as scratch:
        print("two editors:", two_editors(Path(scratch), args.sentences))
    return 0


if __name__ == "__main__":
    sys.exit(main())
