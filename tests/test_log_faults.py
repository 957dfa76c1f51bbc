"""The acceptance log when the disk says no: locked by another process, read-only, failing mid-burst.

Recording never waits, a problem is said once, logging goes on once the disk answers again, and closing
returns within seconds whatever the disk does.
"""

import sqlite3
import time

import pytest

from desktop.log.events import LOG_FILE, EventLog, LoggedSuggestion


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "nextword.db"


def suggestion(keystrokes_saved=0, rank=0):
    return LoggedSuggestion("chip", rank, 1, 1.0, 0, 0.5, "accepted" if keystrokes_saved else "ignored",
                            keystrokes_saved)


def lock(path, within=5.0):
    """Another connection holding the log's write lock until it rolls back (it waits for a write in hand)."""
    other = sqlite3.connect(str(path), timeout=0, isolation_level=None)
    give_up = time.monotonic() + within
    while True:
        try:
            other.execute("BEGIN EXCLUSIVE")
            return other
        except sqlite3.OperationalError:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.02)


def release(other):
    other.execute("ROLLBACK")
    other.close()


def query(path, sql):
    """One value, read from the file as another process would see it: committed rows only."""
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return reader.execute(sql).fetchone()[0]
    finally:
        reader.close()


def started_log(path, **options):
    """A log whose session row is written, and the list its problems are told to."""
    problems = []
    log = EventLog(path, on_problem=problems.append, **options)
    log.start_session("m", "p")
    assert log.flush()
    return log, problems


def wait_for(condition, timeout):
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.02)
    return True


def test_a_locked_log_never_makes_recording_wait_says_so_once_and_writes_again_once_released(log_path):
    log, problems = started_log(log_path)
    other = lock(log_path)
    try:
        slowest = 0.0
        for typed in range(60):
            started = time.monotonic()
            log.record(suggestion())
            log.note_characters_typed(typed + 1)
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.01)
        assert slowest < 0.05
        assert wait_for(lambda: problems, timeout=8)  # the lock outlasts the tries: the burst is given up on
    finally:
        release(other)
    assert len(problems) == 1 and "could not be written (database is locked); logging goes on" in problems[0]
    for _ in range(5):
        log.record(suggestion(keystrokes_saved=7))
    log.note_characters_typed(99)
    log.flush()
    assert query(log_path, "SELECT COUNT(*) FROM suggestions WHERE keystrokes_saved = 7") == 5
    assert query(log_path, "SELECT characters_typed FROM sessions") == 99
    started = time.monotonic()
    assert log.close() and time.monotonic() - started < 1


def test_a_lock_shorter_than_the_busy_timeout_is_waited_out_and_loses_nothing(log_path):
    problems = []
    log = EventLog(log_path, on_problem=problems.append, flush_seconds=0.05)
    other = lock(log_path)
    try:
        log.start_session("m", "p")  # the session's row is inserted with the first burst, behind the lock
        log.record(suggestion())
        time.sleep(0.7)  # longer than the backoff between tries: only waiting for the lock gets it
    finally:
        release(other)
    assert log.flush() and problems == []
    assert query(log_path, "SELECT COUNT(*) FROM suggestions") == 1
    log.close()


def test_closing_while_the_log_is_locked_returns_within_seconds_and_says_what_was_not_written(log_path):
    log, problems = started_log(log_path)
    other = lock(log_path)
    try:
        for _ in range(10):
            log.record(suggestion())
        started = time.monotonic()
        assert not log.close()
        assert time.monotonic() - started < 5
        assert problems and "10 events" in problems[-1] and "database is locked" in problems[-1]
    finally:
        release(other)
    log.record(suggestion())  # closed: taken and forgotten, never an error
    assert not log.flush()


def test_a_read_only_log_is_said_once_and_recording_and_closing_go_on(log_path):
    log, problems = started_log(log_path, flush_seconds=0.05)
    # As root, chmod 0444 stops no write; SQLite's own read-only switch fails writes the same way a
    # read-only file does: "attempt to write a readonly database".
    log.db.execute("PRAGMA query_only = ON")
    for _ in range(3):
        for _ in range(5):
            log.record(suggestion())
        assert not log.flush()  # each burst tried a few times, then given up on
    assert len(problems) == 1 and "readonly database" in problems[0] and "logging goes on" in problems[0]
    started = time.monotonic()
    log.close()
    assert time.monotonic() - started < 2
    assert query(log_path, "SELECT COUNT(*) FROM suggestions") == 0


def test_a_burst_of_events_is_written_in_one_transaction(log_path):
    log, _ = started_log(log_path)
    statements = []
    log.db.conn.set_trace_callback(statements.append)  # called on the writer thread
    for _ in range(250):  # more than one INSERT statement's worth (sqlite-utils batches by 100)
        log.record(suggestion())
    log.note_characters_typed(40)
    assert log.flush()
    log.db.conn.set_trace_callback(None)
    assert [s.split()[0].upper() for s in statements if s.split()[0].upper() in ("BEGIN", "COMMIT")] == \
        ["BEGIN", "COMMIT"]
    assert query(log_path, "SELECT COUNT(*) FROM suggestions") == 250
    assert query(log_path, "SELECT characters_typed FROM sessions") == 40
    log.close()


def test_a_failure_in_the_middle_of_a_burst_leaves_none_of_its_rows(log_path):
    problems = []
    log = EventLog(log_path, on_problem=problems.append)
    log.start_session("m", "p")
    log.note_characters_typed(10)
    assert log.flush()
    saboteur = sqlite3.connect(str(log_path))
    with saboteur:  # the 150th row of the next burst fails, after 100 went in with the first INSERT
        saboteur.execute("CREATE TRIGGER sabotage BEFORE INSERT ON suggestions WHEN NEW.rank = 7 "
                         "BEGIN SELECT RAISE(ABORT, 'the disk gave up'); END")
    saboteur.close()
    for index in range(200):
        log.record(suggestion(rank=7 if index == 149 else 0))
    log.note_characters_typed(500)
    assert not log.flush()
    assert query(log_path, "SELECT COUNT(*) FROM suggestions") == 0
    assert query(log_path, "SELECT characters_typed FROM sessions") == 10  # its session update went too
    assert len(problems) == 1 and "200 events could not be written" in problems[0]
    log.record(suggestion())
    assert log.flush() and query(log_path, "SELECT COUNT(*) FROM suggestions") == 1  # logging goes on
    log.close()


def test_characters_typed_are_written_as_they_go_not_only_at_a_clean_exit(log_path):
    log = EventLog(log_path)
    log.start_session("m", "p")
    log.note_characters_typed(42)
    assert log.flush()
    assert query(log_path, "SELECT characters_typed FROM sessions") == 42
    assert query(log_path, "SELECT ended_at FROM sessions") is not None  # the last time it was written
    log.close()


def test_delete_my_data_fails_while_the_log_is_locked_keeps_the_rows_and_succeeds_once_released(log_path):
    log = EventLog(log_path)
    log.start_session("m", "p")
    for _ in range(5):
        log.record(suggestion())
    assert log.flush()
    other = lock(log_path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            log.delete_all(wait=True)
        assert query(log_path, "SELECT COUNT(*) FROM suggestions") == 5
    finally:
        release(other)
    log.delete_all(wait=True)
    assert query(log_path, "SELECT COUNT(*) FROM suggestions") == 0
    assert query(log_path, "SELECT COUNT(*) FROM sessions") == 0
    log.close()


# Through the window, as a person uses it (pytest-qt, offscreen)


@pytest.fixture
def window(qtbot, tmp_path):
    from desktop.app import build_window

    window = build_window(["--settings", str(tmp_path / "settings.ini")])
    window.show()
    qtbot.waitUntil(lambda: window.worker_thread.worker.predictor is not None, timeout=15000)
    qtbot.waitUntil(lambda: window.recorder.log.session_started, timeout=5000)
    assert window.recorder.log.flush()  # the session's row is in the file
    yield window
    if window.isVisible():
        window.editor.document().setModified(False)
        window.close()


def type_word(qtbot, window, text):
    """Type `text` and wait for the suggestions for it; how long the typing itself took, in seconds."""
    started = time.monotonic()
    qtbot.keyClicks(window.editor, text)
    took = time.monotonic() - started
    left = window.editor.left_text()
    qtbot.waitUntil(lambda: window.last_result is not None and window.last_result.left_text == left, timeout=5000)
    return took


def close_window(window):
    window.editor.document().setModified(False)
    started = time.monotonic()
    window.close()
    return time.monotonic() - started


def test_the_editor_stays_responsive_while_the_log_is_locked_and_logs_again_once_released(window, qtbot,
                                                                                        tmp_path):
    path = tmp_path / "home" / LOG_FILE
    other = lock(path)
    try:
        for word in ("how ", "are ", "you ", "doing "):
            assert type_word(qtbot, window, word) < 0.5  # never waits on the locked file
        qtbot.waitUntil(lambda: "could not be written (database is locked)" in window.statusBar().currentMessage(),
                        timeout=10000)
    finally:
        release(other)
    written_before = query(path, "SELECT COUNT(*) FROM suggestions")
    later = "what do you want to do "
    for word in later.split(" ")[:-1]:
        type_word(qtbot, window, word + " ")
    assert close_window(window) < 5
    assert query(path, "SELECT COUNT(*) FROM suggestions") > written_before
    assert query(path, "SELECT characters_typed FROM sessions") == len("how are you doing ") + len(later)


def test_closing_the_window_while_the_log_is_locked_returns_within_seconds(window, qtbot, tmp_path):
    other = lock(tmp_path / "home" / LOG_FILE)
    try:
        type_word(qtbot, window, "how are ")
        assert close_window(window) < 5
    finally:
        release(other)


def test_characters_typed_in_the_window_are_in_the_log_before_it_closes(window, qtbot, tmp_path):
    type_word(qtbot, window, "how are yo")
    assert window.recorder.log.flush()
    assert query(tmp_path / "home" / LOG_FILE, "SELECT characters_typed FROM sessions") == len("how are yo")


def test_delete_my_data_in_the_window_says_it_failed_while_locked_and_deleted_only_once_it_was(window, qtbot,
                                                                                            tmp_path):
    path = tmp_path / "home" / LOG_FILE
    type_word(qtbot, window, "how are yo")
    window.suggestion_bar.chip_clicked.emit("you")  # a chip taken: its row is written with the next burst
    assert window.recorder.log.flush()
    rows = query(path, "SELECT COUNT(*) FROM suggestions")
    assert rows > 0
    other = lock(path)
    try:
        started = time.monotonic()
        window.delete_my_data(confirmed=True)
        assert time.monotonic() - started < 0.2  # the deletion runs on the writer thread
        qtbot.waitUntil(lambda: "could not be deleted" in window.statusBar().currentMessage(), timeout=10000)
        assert "database is locked" in window.statusBar().currentMessage()
        assert "try" in window.statusBar().currentMessage()
        assert query(path, "SELECT COUNT(*) FROM suggestions") == rows
    finally:
        release(other)
    window.delete_my_data(confirmed=True)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Acceptance log deleted", timeout=10000)
    assert query(path, "SELECT COUNT(*) FROM suggestions") == 0


@pytest.mark.parametrize("unreadable", ["not a database", "a folder"])
def test_the_analytics_window_says_why_it_cannot_read_the_log(qtbot, tmp_path, unreadable):
    from desktop.gui.analytics import AnalyticsWindow

    path = tmp_path / "nextword.db"
    if unreadable == "a folder":
        path.mkdir()
    else:
        path.write_text("these are not the rows you are looking for")
    analytics = AnalyticsWindow(path)
    qtbot.addWidget(analytics)
    with qtbot.waitSignal(analytics.loaded, timeout=5000):
        pass
    assert analytics.summary.text().startswith(f"Cannot read the acceptance log: {path}: ")
    assert analytics.stats is None


def test_the_analytics_window_reads_the_log_even_when_waiting_for_the_writer_fails(qtbot, log_path):
    from test_events import fixture_log

    from desktop.gui.analytics import AnalyticsWindow

    fixture_log(log_path).close()

    def before_read():
        raise RuntimeError("the log is closed")

    analytics = AnalyticsWindow(log_path, before_read=before_read)
    qtbot.addWidget(analytics)
    qtbot.waitUntil(lambda: analytics.stats is not None, timeout=5000)
    assert analytics.summary.text().startswith("5 suggestions shown")
