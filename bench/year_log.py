"""A year of use: `nextword stats` and the editor's threshold tuning on an acceptance log of millions of rows.

Builds a log of `--rows` suggestions (default 10,000,000) spread over a year, in a temporary folder, with
the schema made by the real code (desktop/log/log_schema.py): every row goes in through the newest schema's
triggers and indexes, as the editor writes them. With `--upgrade`, the rows go into a log of the first
migration's tables instead, and opening it then runs the later migrations over them, as the first start
after upgrading Nextword would (timed: it happens once). Then prints:

* `nextword stats` on it, run as a subprocess: wall time and peak resident memory (getrusage of the child)
* the threshold tuning the editor runs at its start (desktop/log/tuning.py, tune_from_log), on this log and on an
  empty one; and, beside it, how long opening the log takes at the editor's start (on its GUI thread), and
  reading every page for damage after it, on the log's writer thread

    python bench/year_log.py [--rows 10000000] [--upgrade] [--keep]
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlite_utils import Database  # noqa: E402

from desktop.log.events import EventLog  # noqa: E402
from desktop.log.log_schema import (  # noqa: E402
    check_every_page,
    m001_create_sessions_and_suggestions,
    now,
    open_database,
)
from desktop.log.tuning import tune_from_log  # noqa: E402

COLUMNS = ("session_id", "shown_at", "kind", "rank", "words", "latency_ms", "typed_chars", "probability", "outcome",
           "keystrokes_saved")
DAYS = 365
BATCH = 100_000
TEMPLATES = 100_003  # distinct rows, repeated with their own times: random enough, and fast to make


def template_rows(rng: random.Random) -> list[tuple]:
    """(kind, rank, words, latency, typed, probability, outcome, saved) as a person's log holds them."""
    rows = []
    for _ in range(TEMPLATES):
        kind = rng.choices(("chip", "inline", "correction", "autocorrect"), (70, 18, 8, 4))[0]
        probability = rng.random()
        if kind == "autocorrect":
            outcome = "undone" if rng.random() < 0.1 else "accepted"
        elif kind == "inline":
            outcome = rng.choices(("accepted", "dismissed", "ignored"), (probability, 0.2, 1 - probability))[0]
        else:
            outcome = rng.choices(("accepted", "typed_through", "ignored"), (15, 10, 75))[0]
        saved = rng.randrange(1, 9) if outcome == "accepted" and kind != "autocorrect" else 0
        rows.append((kind, 0 if kind in ("inline", "autocorrect") else rng.randrange(5), 1,
                     round(rng.lognormvariate(2.0, 0.6), 2), rng.randrange(4), probability, outcome, saved))
    return rows


def session_model(day: int) -> tuple[str, str]:
    """(description, model id) of the day's session: the bundled model, then v1, then v2."""
    model_id = "bundled" if day < DAYS // 2 else "v1" if day < 3 * DAYS // 4 else "v2"
    name = "bundled model" if model_id == "bundled" else f"{model_id} (learned from your writing)"
    return f"{name}: lstm model.int8.onnx, exported 2025-01-01T00:00:00+00:00, vocabulary 0123abcd", model_id


def suggestion_rows(count: int, templates: list[tuple]):
    """`count` rows over DAYS days of 2025, oldest first, each with its own time."""
    dates = [(datetime.date(2025, 1, 1) + datetime.timedelta(days=day)).isoformat() for day in range(DAYS)]
    span_ms = DAYS * 86_400_000
    for index in range(count):
        at = index * span_ms // count
        day, ms = divmod(at, 86_400_000)
        seconds, ms = divmod(ms, 1000)
        minutes, seconds = divmod(seconds, 60)
        shown_at = f"{dates[day]}T{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}.{ms:03d}+00:00"
        yield (day + 1, shown_at, *templates[index % TEMPLATES])


def build(path: Path, count: int, upgrade: bool) -> dict:
    """The log at `path` with `count` rows; how long each step took."""
    timings = {}
    started = time.perf_counter()
    if not upgrade:
        db = open_database(path)
    else:  # the first migration's tables, as the previous Nextword made them
        db = Database(path)
        m001_create_sessions_and_suggestions(db)
        db["migrations"].insert({"name": m001_create_sessions_and_suggestions.__name__, "applied_at": now()})
    connection = db.conn
    # A bench log: nothing to keep if the machine stops, so no journal; and a cache big enough that the indexes
    # (written in another order than the rows) are not read back from the disk at every insert
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -1000000")
    # A session a day: the bundled model for the first half of the year, then models learned from the writing
    sessions = [(day + 1, f"{datetime.date(2025, 1, 1) + datetime.timedelta(days=day)}T08:00:00.000+00:00",
                 f"{datetime.date(2025, 1, 1) + datetime.timedelta(days=day)}T18:00:00.000+00:00",
                 *session_model(day), 3 * count // DAYS) for day in range(DAYS)]
    if upgrade:  # the previous Nextword's sessions: the model's description only
        connection.executemany("INSERT INTO sessions (id, started_at, ended_at, model, provider, characters_typed) "
                               "VALUES (?, ?, ?, ?, 'CPUExecutionProvider', ?)",
                               [(*session[:4], session[5]) for session in sessions])
    else:
        connection.executemany("INSERT INTO sessions (id, started_at, ended_at, model, model_id, provider, "
                               "characters_typed) VALUES (?, ?, ?, ?, ?, 'CPUExecutionProvider', ?)", sessions)
    rows = suggestion_rows(count, template_rows(random.Random(33)))
    insert = f"INSERT INTO suggestions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    for start in range(0, count, BATCH):
        connection.executemany(insert, itertools.islice(rows, min(BATCH, count - start)))
        connection.commit()
    db.close()
    timings["rows_written_s"] = time.perf_counter() - started
    if upgrade:
        started = time.perf_counter()
        open_database(path).close()  # the later migrations, over every row: once, at the first start after upgrading
        timings["migrated_s"] = time.perf_counter() - started
    return timings


# Runs the command given and prints its wall time and peak resident memory, then its output. A process of its
# own, so that the peak is the command's: a child forked from this bench would count the bench's memory too.
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.stdout.write(done.stdout)
"""


def run_stats(path: Path) -> tuple[float, int, str]:
    """`nextword stats --db path` in a process of its own: wall seconds, peak resident memory (MB; getrusage of
    the child, kilobytes on Linux), and its first lines (to the figures by model)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "engine.cli", "stats", "--db",
                           str(path)], cwd=ROOT, capture_output=True, text=True, check=True)
    measured, *output = done.stdout.splitlines()
    wall, peak_kb = measured.split()
    return float(wall), int(peak_kb) // 1024, "\n".join(output[:7])


def median_seconds(work, times: int = 5) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def opening(path: Path) -> None:
    """What the editor's start does on its GUI thread (desktop/log/acceptance.py open_log): the pages are read later,
    on the log's writer thread."""
    EventLog(path, finish_later=True).close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--upgrade", action="store_true",
                        help="write the rows into the first migration's tables, then time the later migrations")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="nextword-year-log-"))
    try:
        big, empty = folder / "year.db", folder / "empty.db"
        open_database(empty).close()
        timings = build(big, args.rows, args.upgrade)
        print(f"log: {args.rows:,} rows, {big.stat().st_size / 2**20:,.0f} MB, in {folder}")
        print("built: " + ", ".join(f"{name} {value:.1f}" for name, value in timings.items()))
        wall, peak_mb, head = run_stats(big)
        print(f"nextword stats: {wall:.2f} s wall, peak memory {peak_mb} MB (targets: 2 s, 200 MB)")
        print("  " + head.replace("\n", "\n  "))
        tune_big, tune_empty = median_seconds(lambda: tune_from_log(big)), median_seconds(lambda: tune_from_log(empty))
        print(f"threshold tuning at the editor's start: {tune_big * 1000:.1f} ms with this log, "
              f"{tune_empty * 1000:.1f} ms with an empty one (target: within 200 ms); tuned {tune_from_log(big)}")
        open_big = median_seconds(lambda: opening(big), times=3)
        open_empty = median_seconds(lambda: opening(empty), times=3)
        print(f"opening the log at the editor's start, on its GUI thread: {open_big * 1000:.0f} ms with this log, "
              f"{open_empty * 1000:.0f} ms with an empty one (target: within 200 ms)")
        connection = open_database(big, finish=False)
        check = median_seconds(lambda: check_every_page(connection, big), times=1)
        connection.close()
        print(f"  then every page read for damage on the log's writer thread: {check * 1000:.0f} ms")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
