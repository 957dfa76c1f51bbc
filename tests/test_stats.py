"""`nextword stats`, Analytics and the threshold tuning on a log too big to read into memory: the figures come from
SQLite and equal a row-by-row count; odd values are skipped and said; CSV is safe to open in a spreadsheet."""

import csv
import io
import json
import random
import sqlite3

import pytest

from desktop.log.log_schema import open_database
from desktop.log.stats import as_csv, compute_stats, main, read_rows, read_stats
from engine.evaluation.metrics import percentile

COLUMNS = ("session_id", "shown_at", "kind", "rank", "words", "latency_ms", "typed_chars", "probability", "outcome",
           "keystrokes_saved")
KINDS = ("chip", "inline", "correction", "autocorrect")
OUTCOMES = ("accepted", "typed_through", "dismissed", "ignored", "undone")


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "nextword.db"


def random_rows(rng, count, days=9):
    rows = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        outcome = rng.choice(OUTCOMES)
        rows.append((1, f"2026-03-{rng.randrange(1, days + 1):02d}T{rng.randrange(24):02d}:00:00.000+00:00", kind,
                     0 if kind == "inline" else rng.randrange(5), 1, round(rng.uniform(1, 40), 1), 1,
                     rng.random(), outcome, rng.randrange(1, 8) if outcome == "accepted" else 0))
    return rows


def write_log(path, rows, characters_typed=500):
    """A log made by the real schema, its rows inserted as the writer would (the triggers keep the totals)."""
    db = open_database(path)
    db.execute("INSERT INTO sessions (id, started_at, ended_at, model, provider, characters_typed) "
               "VALUES (1, '2026-03-01T09:00:00.000+00:00', '2026-03-09T18:00:00.000+00:00', 'm', 'p', ?)",
               [characters_typed])
    insert(db.conn, rows)
    db.close()


def insert(connection, rows):
    connection.executemany(f"INSERT INTO suggestions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                           rows)
    connection.commit()


def row_by_row(rows, characters_typed):
    """The figures as `nextword stats` worked them out before it asked SQLite: every row in memory, counted in
    Python (the tuned threshold comes from desktop/log/tuning.py's own test)."""
    def rate(subset):
        accepted = sum(row["outcome"] == "accepted" for row in subset)
        return {"shown": len(subset), "accepted": accepted,
                "acceptance_rate": accepted / len(subset) if subset else 0.0,
                "keystrokes_saved": sum(row["keystrokes_saved"] for row in subset)}

    shown = [row for row in rows if row["kind"] != "autocorrect"]
    chips = [row for row in shown if row["kind"] != "inline"]
    stats = rate(shown)
    saved = stats["keystrokes_saved"]
    stats["keystrokes_saved_per_100_characters"] = 100 * saved / (characters_typed + saved)
    stats["characters_typed"] = characters_typed
    stats["by_kind"] = {kind: rate([row for row in rows if row["kind"] == kind])
                        for kind in sorted({row["kind"] for row in rows})}
    stats["by_rank"] = {str(rank): rate([row for row in chips if row["rank"] == rank])
                        for rank in sorted({row["rank"] for row in chips})}
    stats["by_day"] = {day: rate([row for row in shown if row["shown_at"][:10] == day])
                       for day in sorted({row["shown_at"][:10] for row in shown})}
    latencies = [row["latency_ms"] for row in shown]
    stats["latency_ms"] = {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)}
    made = [row for row in rows if row["kind"] == "autocorrect"]
    undone = sum(row["outcome"] == "undone" for row in made)
    offered = [row for row in rows if row["kind"] == "correction"]
    stats["corrections"] = {"offered": len(offered), "taken": sum(row["outcome"] == "accepted" for row in offered),
                            "autocorrected": len(made), "undone": undone,
                            "kept_rate": (len(made) - undone) / len(made) if made else 0.0}
    return stats


def as_dicts(rows):
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def same_figures(stats, expected, name="stats"):
    """Every figure the row-by-row count gives, equal (rates to rounding), under the same keys in the same order
    (the whole figures hold more: the tuned threshold, the odd rows)."""
    if isinstance(expected, dict):
        assert [key for key in stats if key in expected] == list(expected), name
        assert name == "stats" or set(stats) == set(expected), name
        for key, value in expected.items():
            same_figures(stats[key], value, f"{name}[{key!r}]")
    else:
        assert stats == pytest.approx(expected), name


def test_the_figures_equal_a_row_by_row_count_of_a_random_log(log_path):
    rows = random_rows(random.Random(4), 700)
    write_log(log_path, rows)
    stats = read_stats(log_path)
    same_figures(stats, row_by_row(as_dicts(rows), 500))
    assert stats["odd_rows_skipped"] == 0 and stats["inline_threshold_tuned"] is not None
    since = [row for row in as_dicts(rows) if row["shown_at"] >= "2026-03-05"]
    same_figures(read_stats(log_path, "2026-03-05"), row_by_row(since, 0))  # the session started before then
    same_figures(compute_stats(*read_rows(log_path)), row_by_row(as_dicts(rows), 500))  # rows in hand, too


def test_the_figures_stay_right_when_another_program_deletes_rows_and_after_delete_my_data(log_path):
    from desktop.log.events import EventLog

    rows = random_rows(random.Random(5), 300)
    write_log(log_path, rows)
    connection = sqlite3.connect(log_path)
    connection.execute("DELETE FROM suggestions WHERE kind = 'chip' AND rank = 1")  # not through Nextword
    connection.commit()
    connection.close()
    left = [row for row in as_dicts(rows) if not (row["kind"] == "chip" and row["rank"] == 1)]
    same_figures(read_stats(log_path), row_by_row(left, 500))
    log = EventLog(log_path)
    log.delete_all()
    log.close()
    later = random_rows(random.Random(6), 200)
    write_log(log_path, later, characters_typed=80)
    same_figures(read_stats(log_path), row_by_row(as_dicts(later), 80))


def test_a_log_from_before_the_totals_is_counted_as_it_is_and_migrated_when_the_editor_opens_it(log_path):
    from sqlite_utils import Database

    from desktop.log.log_schema import m001_create_sessions_and_suggestions, now

    rows = random_rows(random.Random(7), 300)
    db = Database(log_path)  # as the previous Nextword left it: the first migration only
    m001_create_sessions_and_suggestions(db)
    db["migrations"].insert({"name": "m001_create_sessions_and_suggestions", "applied_at": now()})
    db.execute("INSERT INTO sessions (id, characters_typed) VALUES (1, 500)")
    insert(db.conn, rows)
    db.close()
    expected = row_by_row(as_dicts(rows), 500)
    same_figures(read_stats(log_path), expected)  # read-only: worked out from the rows
    open_database(log_path).close()  # the editor's start: the totals are filled from the rows already there
    assert sqlite3.connect(log_path).execute("SELECT SUM(shown) FROM suggestion_totals").fetchone()[0] == 300
    same_figures(read_stats(log_path), expected)


ODD_ROWS = [  # each with one odd value, of the kinds a damaged or hand-edited log holds
    (1, "2026-03-02T10:00:00.000+00:00", "chip", 0, 1, None, 1, 0.5, "accepted", 3),  # no latency
    (1, "2026-03-02T10:00:00.000+00:00", "chip", "first", 1, 2.0, 1, 0.5, "accepted", 3),  # text for a rank
    (1, "2026-03-02T10:00:00.000+00:00", "inline", 0, 1, 2.0, 1, 0.5, "exploded", 0),  # an unknown outcome
    (1, "2026-03-02T10:00:00.000+00:00", None, 0, 1, 2.0, 1, 0.5, "ignored", 0),  # no kind
    (1, "2026-03-02T10:00:00.000+00:00", "chip", 0, 1, 2.0, 1, 0.5, "accepted", "three"),  # text for a count
    (1, None, "chip", 0, 1, 2.0, 1, 0.5, "ignored", 0),  # shown when?
    (1, "2026-03-02T10:00:00.000+00:00", "inline", 0, 1, 2.0, 1, "high", "accepted", 4),  # text for a probability
]


def test_rows_with_odd_values_are_skipped_counted_and_said_never_a_traceback(log_path, capsys):
    rows = random_rows(random.Random(8), 200)
    write_log(log_path, rows + ODD_ROWS)
    expected = row_by_row(as_dicts(rows), 500)
    stats = read_stats(log_path)
    same_figures(stats, expected)
    assert stats["odd_rows_skipped"] == len(ODD_ROWS)
    assert main(["--db", str(log_path)]) == 0
    assert "7 log rows with odd values were skipped" in capsys.readouterr().out
    assert main(["--db", str(log_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["odd_rows_skipped"] == 7
    assert main(["--db", str(log_path), "--csv"]) == 0
    said = capsys.readouterr()
    assert "7 log rows with odd values were skipped" in said.err and "odd" not in said.out
    same_figures(compute_stats(*read_rows(log_path)), expected)  # rows in hand, too


def test_the_analytics_window_says_how_many_odd_rows_it_skipped(qtbot, log_path):
    from desktop.gui.analytics import AnalyticsWindow

    write_log(log_path, random_rows(random.Random(9), 50) + ODD_ROWS[:1])
    analytics = AnalyticsWindow(log_path)
    qtbot.addWidget(analytics)
    qtbot.waitUntil(lambda: analytics.stats is not None, timeout=5000)
    assert "1 log row with odd values was skipped" in analytics.summary.text()


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(log_path, capsys):
    rate = {"shown": 1, "accepted": 0, "acceptance_rate": 0.0, "keystrokes_saved": -3}
    stats = {"shown": 1, "accepted": 0, "acceptance_rate": 0.0, "keystrokes_saved": 0, "by_rank": {}, "by_day": {},
             "by_kind": {key: rate for key in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                                "chip")}}
    rows = list(csv.reader(io.StringIO(as_csv(stats), newline="")))
    keys = [row[1] for row in rows if row[0] == "kind"]
    assert keys == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "chip"]
    assert {row[5] for row in rows[2:]} == {"-3"}  # a number stays a number
    write_log(log_path, [(1, "2026-03-02T10:00:00.000+00:00", "=1+1", 0, 1, 2.0, 1, 0.5, "accepted", 3)])
    assert main(["--db", str(log_path), "--csv"]) == 0
    cells = [cell for row in csv.reader(io.StringIO(capsys.readouterr().out)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def shifting_inline_rows(old, new):
    """Inline suggestions whose best threshold was 0.7 long ago and is 0.4 in the newest ones."""
    rng = random.Random(10)
    rows = []
    for index in range(old + new):
        probability = rng.random()
        jump = 0.7 if index < old else 0.4
        taken = rng.random() < (0.8 if probability >= jump else 0.1)
        rows.append((1, f"2026-0{1 + index * 8 // (old + new)}-01T00:00:{index % 60:02d}.000+00:00", "inline", 0, 1,
                     2.0, 1, probability, "accepted" if taken else "dismissed", 6 if taken else 0))
    return rows


def test_threshold_tuning_follows_the_newest_inline_suggestions(log_path):
    from desktop.log.tuning import RECENT_INLINE, tune_from_log, tune_inline_threshold

    rows = shifting_inline_rows(old=3 * RECENT_INLINE, new=RECENT_INLINE)
    write_log(log_path, rows)
    assert tune_inline_threshold(as_dicts(rows)) == pytest.approx(0.7)  # the whole log: mostly the old ones
    assert tune_from_log(log_path) == pytest.approx(0.4)
    assert read_stats(log_path)["inline_threshold_tuned"] == pytest.approx(0.4)


def steps_to_tune(path):
    """The SQLite virtual machine's steps that reading the tuning's rows takes: what it reads, not how fast."""
    from desktop.log.tuning import recent_inline

    connection = sqlite3.connect(path)
    steps = [0]

    def count():
        steps[0] += 1

    connection.set_progress_handler(count, 100)
    assert len(recent_inline(connection)) > 0
    connection.close()
    return steps[0]


def test_threshold_tuning_reads_as_much_of_a_big_log_as_of_a_small_one(tmp_path):
    from desktop.log.tuning import RECENT_INLINE

    small, big = tmp_path / "small.db", tmp_path / "big.db"
    write_log(small, shifting_inline_rows(old=0, new=RECENT_INLINE))
    chips = random_rows(random.Random(11), 40000)
    write_log(big, [row for row in chips if row[2] != "inline"] + shifting_inline_rows(old=4 * RECENT_INLINE,
                                                                                       new=RECENT_INLINE))
    assert steps_to_tune(big) < 1.1 * steps_to_tune(small)  # the newest ones through the index, never the rest


def test_the_latency_percentiles_and_the_tuning_go_through_their_indexes_never_a_sort_of_every_row(log_path):
    from desktop.log.stats import latency_percentiles
    from desktop.log.tuning import recent_inline

    write_log(log_path, random_rows(random.Random(12), 50))
    connection = sqlite3.connect(log_path)
    asked = []
    connection.set_trace_callback(asked.append)  # each statement as SQLite ran it, its values filled in
    latency_percentiles(connection, "2026-03-02")
    recent_inline(connection, "2026-03-02")
    connection.set_trace_callback(None)
    plans = {query: " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {query}"))
             for query in asked if "ORDER BY" in query}
    assert len(plans) == 3  # two percentiles, one window of inline suggestions
    for plan in plans.values():
        assert "USING INDEX suggestions_by_latency" in plan or "USING INDEX suggestions_inline_by_time" in plan
        assert "TEMP B-TREE" not in plan, plan
    connection.close()


# By model: does the model learned from the person's writing help in real use?
def two_models_log(path):
    """A session with the bundled model (3 chips shown, 1 taken, 3 keystrokes saved), then one with v1 (2 shown,
    2 taken, 9 saved); an autocorrection in each, which is no suggestion shown."""
    from desktop.log.events import EventLog, LoggedSuggestion

    log = EventLog(path)
    for model_id, name, outcomes in (("bundled", "bundled model", [("accepted", 3), ("ignored", 0), ("ignored", 0)]),
                                     ("v1", "v1 (learned from your writing)", [("accepted", 4), ("accepted", 5)])):
        log.start_session(f"{name}: lstm model.int8.onnx, exported 2026-11-01, vocabulary 1a2b", "CPUExecutionProvider",
                          model_id)
        for outcome, saved in outcomes:
            log.record(LoggedSuggestion("chip", 0, 1, 3.0, 2, 0.5, outcome, saved))
        log.record(LoggedSuggestion("autocorrect", 0, 1, 3.0, 4, 0.9, "accepted", 0))
        log.end_session(characters_typed=50)
        log.flush()
    log.close()


BUNDLED_LINE = "bundled model: 3 shown, 1 accepted (33%), 3 keystrokes saved"
V1_LINE = "v1 (learned from your writing): 2 shown, 2 accepted (100%), 9 keystrokes saved"


def test_acceptance_is_shown_by_model_in_nextword_stats_and_in_analytics(qtbot, log_path, capsys):
    from desktop.gui.analytics import AnalyticsWindow

    two_models_log(log_path)
    by_model = read_stats(log_path)["by_model"]
    assert list(by_model) == ["bundled", "v1"]
    assert [(rate["shown"], rate["accepted"], rate["keystrokes_saved"]) for rate in by_model.values()] == [
        (3, 1, 3), (2, 2, 9)]
    assert main(["--db", str(log_path)]) == 0
    said = capsys.readouterr().out
    assert f"By model:\n  {BUNDLED_LINE}\n  {V1_LINE}\n" in said
    assert "Accepted counts the suggestions you took" in said
    assert main(["--db", str(log_path), "--csv"]) == 0
    assert "model,v1,2,2,1.0,9" in capsys.readouterr().out
    analytics = AnalyticsWindow(log_path)
    qtbot.addWidget(analytics)
    qtbot.waitUntil(lambda: analytics.stats is not None, timeout=5000)
    assert analytics.by_model.text() == f"By model:\n{BUNDLED_LINE}\n{V1_LINE}"
    assert analytics.by_model_chart.points == [("bundled", pytest.approx(1 / 3)), ("v1", 1.0)]
    assert "Accepted counts the suggestions you took" in analytics.reading_guide.text()


def test_the_words_of_stats_name_no_metric_and_explain_their_numbers(log_path, capsys):
    write_log(log_path, random_rows(random.Random(13), 100))
    assert main(["--db", str(log_path)]) == 0
    said = capsys.readouterr().out
    for jargon in ("KSR", "ksr", "rank", "p50", "p95", "latency", "(0 = best)", "kind chip", "/"):
        assert jargon not in said, jargon
    assert "By chip (1 is the first, the likeliest word):\n  chip 1: " in said
    assert "half the time" in said and "in every 100 characters you would have typed without them" in said


def test_an_older_log_is_counted_by_model_from_each_sessions_description_and_migrated(log_path):
    """A log the previous Nextword made (two migrations, no model id): the models are worked out from the sessions'
    descriptions, read-only as it is, and recorded when the editor opens it."""
    from sqlite_utils import Database

    from desktop.log.log_schema import (
        m001_create_sessions_and_suggestions,
        m002_keep_daily_totals_and_index_for_stats,
        now,
    )

    db = Database(log_path)
    for migration in (m001_create_sessions_and_suggestions, m002_keep_daily_totals_and_index_for_stats):
        migration(db)
        db["migrations"].insert({"name": migration.__name__, "applied_at": now()})
    descriptions = {1: "bundled model: lstm model.int8.onnx, exported 2026-10-01, vocabulary aa",
                    2: "v3 (learned from your writing): lstm model.int8.onnx, exported 2026-10-09, vocabulary bb",
                    3: "my-model: nplm model.onnx, exported 2026-10-10, vocabulary cc", 4: "bundled model", 5: "m"}
    for session_id, description in descriptions.items():
        db.execute("INSERT INTO sessions (id, model, characters_typed) VALUES (?, ?, 10)", [session_id, description])
    rows = [(session_id, "2026-10-11T10:00:00.000+00:00", "chip", 0, 1, 2.0, 1, 0.5, "accepted", session_id)
            for session_id in (1, 2, 2, 3, 4, 5, 6)]  # session 6 is gone
    insert(db.conn, rows)
    db.close()
    expected = {"bundled": (2, 5), "v3": (2, 4), "my-model": (1, 3), "": (2, 11)}  # shown, keystrokes saved
    by_model = read_stats(log_path)["by_model"]  # read-only: worked out from the rows
    assert {model: (rate["shown"], rate["keystrokes_saved"]) for model, rate in by_model.items()} == expected
    assert list(by_model) == ["bundled", "v3", "my-model", ""]
    open_database(log_path).close()  # the editor's start: m003
    connection = sqlite3.connect(log_path)
    assert dict(connection.execute("SELECT id, model_id FROM sessions")) == {1: "bundled", 2: "v3", 3: "my-model",
                                                                           4: "bundled", 5: ""}
    assert connection.execute("SELECT COUNT(DISTINCT model) FROM suggestion_totals").fetchone()[0] == 4
    connection.close()
    by_model = read_stats(log_path)["by_model"]
    assert {model: (rate["shown"], rate["keystrokes_saved"]) for model, rate in by_model.items()} == expected
    from desktop.log.stats import as_table

    said = as_table(read_stats(log_path))
    assert "  the model in folder my-model: 1 shown, 1 accepted (100%), 3 keystrokes saved" in said
    assert "  earlier sessions (which model was not recorded): 2 shown" in said
