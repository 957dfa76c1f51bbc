"""The acceptance log: schema, privacy, crash safety, and the figures `nextword stats` prints."""

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

from desktop.log.events import EventLog, LoggedSuggestion
from desktop.log.log_schema import MIGRATIONS, open_database
from desktop.log.stats import compute_stats, main, read_rows


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "nextword.db"


def fixture_log(path, store_accepted_words=False):
    log = EventLog(path, store_accepted_words=store_accepted_words)
    log.start_session("bundled model", "CPUExecutionProvider")
    rows = [  # kind, rank, outcome, keystrokes saved, latency, day
        ("chip", 0, "accepted", 3, 2.0, "2026-11-20"),
        ("chip", 1, "ignored", 0, 4.0, "2026-11-20"),
        ("chip", 0, "typed_through", 0, 6.0, "2026-11-21"),
        ("inline", 0, "accepted", 7, 8.0, "2026-11-21"),
        ("inline", 0, "dismissed", 0, 10.0, "2026-11-21"),
    ]
    for kind, rank, outcome, saved, latency, day in rows:
        log.record(LoggedSuggestion(kind, rank, 1, latency, 2, 0.5, outcome, saved, accepted_text="pneumonia",
                              shown_at=f"{day}T10:00:00.000+00:00"))
    log.end_session(characters_typed=90)
    log.flush()
    return log


def test_the_log_is_created_private_in_wal_mode_and_migrated_once(log_path):
    db = open_database(log_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"sessions", "suggestions", "migrations"} <= set(db.table_names())
    assert stat.S_IMODE(os.stat(log_path).st_mode) == 0o600
    open_database(log_path)
    assert db["migrations"].count == len(MIGRATIONS)  # each once


def test_stats_match_the_numbers_worked_out_by_hand(log_path):
    fixture_log(log_path).close()
    stats = compute_stats(*read_rows(log_path))
    assert (stats["shown"], stats["accepted"], stats["keystrokes_saved"]) == (5, 2, 10)
    assert stats["acceptance_rate"] == pytest.approx(0.4)
    assert stats["keystrokes_saved_per_100_characters"] == pytest.approx(100 * 10 / 100)  # 90 typed + 10 saved
    assert stats["by_kind"]["inline"]["acceptance_rate"] == pytest.approx(0.5)
    assert stats["by_rank"]["0"]["shown"] == 2 and stats["by_rank"]["1"]["accepted"] == 0
    assert stats["by_day"]["2026-11-21"]["shown"] == 3
    assert stats["latency_ms"] == {"p50": 6.0, "p95": 10.0}


def test_the_stats_command_prints_json_csv_and_honours_since(log_path, capsys):
    fixture_log(log_path).close()
    assert main(["--db", str(log_path), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert {"shown", "accepted", "acceptance_rate", "keystrokes_saved"} <= set(stats)
    assert main(["--db", str(log_path), "--csv", "--since", "2026-11-21"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[1].startswith("overall,,3,1,") and not any("2026-11-20" in row for row in rows)
    assert main(["--db", str(log_path), "--since", "yesterday"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["--db", str(log_path.with_name("none.db"))]) == 2


def test_nothing_typed_reaches_the_file_unless_the_person_opts_in(tmp_path):
    private = tmp_path / "private.db"
    fixture_log(private).close()
    assert b"pneumonia" not in b"".join(path.read_bytes() for path in tmp_path.glob("private.db*"))
    shared = tmp_path / "opted-in.db"
    fixture_log(shared, store_accepted_words=True).close()
    assert b"pneumonia" in b"".join(path.read_bytes() for path in tmp_path.glob("opted-in.db*"))


def test_paused_learning_logs_nothing_and_delete_my_data_empties_the_log(log_path):
    log = fixture_log(log_path)
    log.paused = True
    log.record(LoggedSuggestion("chip", 0, 1, 1.0, 0, 0.9, "accepted", 4))
    log.flush()
    assert log.db["suggestions"].count == 5
    log.delete_all()
    assert log.db["suggestions"].count == 0 and log.db["sessions"].count == 0
    log.close()


WRITER = """
import sys
from desktop.log.events import EventLog, LoggedSuggestion
log = EventLog(sys.argv[1], flush_seconds=0.01)
log.start_session("m", "p")
for batch in range(100000):
    for _ in range(20):
        log.record(LoggedSuggestion("chip", 0, 1, 1.0, 0, 0.5, "accepted", 2))
    if not log.flush():  # True only when everything recorded since the last flush is committed
        sys.exit(f"batch {batch} was not written")
    print((batch + 1) * 20, flush=True)
"""


def test_killing_the_process_while_it_writes_loses_nothing_committed(log_path):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log_path)], stdout=subprocess.PIPE, text=True)
    committed = 0
    started = time.monotonic()
    while committed < 400 and time.monotonic() - started < 30:
        committed = int(writer.stdout.readline() or committed)
    os.kill(writer.pid, signal.SIGKILL)  # mid-write: the loop never pauses
    writer.wait()
    db = open_database(log_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db["suggestions"].count >= committed >= 400


def synthetic_inline_log(rng, count=2000):
    """Inline suggestions whose chance of being taken jumps at probability 0.4: the known optimum."""
    rows = []
    for _ in range(count):
        probability = rng.random()
        taken = rng.random() < (0.8 if probability >= 0.4 else 0.1)
        rows.append({"kind": "inline", "probability": probability, "keystrokes_saved": 6 if taken else 0})
    return rows


def test_threshold_tuning_finds_the_known_optimum_and_never_hides_everything():
    import random

    from desktop.log.tuning import tune_inline_threshold

    rng = random.Random(6)
    assert tune_inline_threshold(synthetic_inline_log(rng)) == pytest.approx(0.4)
    confident_only = [{"kind": "inline", "probability": p / 100, "keystrokes_saved": 9 if p > 95 else 0}
                      for p in range(100)]
    assert tune_inline_threshold(confident_only, min_share=0.25) <= 0.75  # a quarter of them stays shown
    assert tune_inline_threshold(synthetic_inline_log(rng, count=20)) is None  # too little to go on


def test_an_older_log_opened_by_the_editor_is_migrated_on_its_writer_thread_before_the_first_write(log_path):
    """The first start after an upgrade migrates every row (about a minute for a year's log): never while the
    window starts, and never after a row of the new kind is written."""
    from sqlite_utils import Database

    from desktop.log.acceptance import open_log
    from desktop.log.log_schema import m001_create_sessions_and_suggestions, now

    old = Database(log_path)
    m001_create_sessions_and_suggestions(old)
    old["migrations"].insert({"name": m001_create_sessions_and_suggestions.__name__, "applied_at": now()})
    old.close()
    log, said = open_log(log_path)
    assert said == "" and len(applied(log_path)) == 1  # the window's part: checks only
    log.finish_opening_later()
    log.start_session("m", "p")
    log.record(LoggedSuggestion("chip", 0, 1, 1.0, 0, 0.5, outcome="accepted"))
    assert log.flush()
    log.close()
    assert applied(log_path) == [migration.__name__ for migration in MIGRATIONS]
    assert compute_stats(*read_rows(log_path))["accepted"] == 1


def applied(path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT name FROM migrations ORDER BY name")]
    finally:
        connection.close()
