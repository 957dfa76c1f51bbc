"""Autosave and recovery: what the person typed outlives a crash, a kill -9 and a full disk; it goes once saved
or discarded; and no live window's text is ever offered back as crashed."""

import errno
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QKeyEvent, QTextCursor  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from desktop.document import autosave, autosave_store, files, recovery, textfile  # noqa: E402
from desktop.gui.status_messages import StatusMessages  # noqa: E402
from engine.core.paths import private_dir  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL_ASK = recovery.ask  # the tests' stand-in replaces it; one test clicks the real one


class Questions:
    """Stands in for the recovery question: answers in turn (then Decide Later), and remembers what was asked."""

    def __init__(self):
        self.answers, self.asked = [], []

    def __call__(self, parent, autosave, newer):
        self.asked.append((autosave.name, autosave.text, newer))
        return self.answers.pop(0) if self.answers else recovery.LATER


@pytest.fixture(autouse=True)
def questions(monkeypatch):
    """No test ever sees a real dialog (it would wait for a click that never comes)."""
    answers = Questions()
    monkeypatch.setattr(recovery, "ask", answers)
    return answers


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Shorter delays, same rules: the tests wait less, and typing that never pauses still fits the longest delay."""
    monkeypatch.setattr(autosave, "AUTOSAVE_DELAY_MS", 300)
    monkeypatch.setattr(autosave, "AUTOSAVE_MAX_DELAY_MS", 900)


@pytest.fixture
def start(qtbot, tmp_path):
    """`nextword app [FILE]` as started by the person (no model: these tests are about the text); every window
    it opens, recovered ones too, is closed afterwards with nothing left to ask."""
    from desktop.app import build_window

    windows = []

    def make(*argv):
        window = build_window(["--settings", str(tmp_path / "settings.ini"), "--model", str(tmp_path / "no-model"),
                               *map(str, argv)])
        window.preferences.auto_capitalize = window.editor.auto_capitalize = False  # the text checked as typed
        window.show()
        windows.extend([window, *window.recovered_windows])
        return window

    yield make
    for window in windows:
        window.editor.document().setModified(False)
        window.close()


def folder() -> Path:
    return autosave_store.default_folder()


def autosaves():
    return autosave_store.read_all()[0]


def wait_for_autosave(qtbot, text: str, timeout: int = 5000):
    qtbot.waitUntil(lambda: [item.text for item in autosaves()] == [text], timeout=timeout)
    return autosaves()[0]


def type_text(qtbot, window, text: str):
    """Key presses as a keyboard sends them (QTest.keyClicks stops the process on a character outside ASCII)."""
    for character in text:
        QApplication.sendEvent(window.editor, key_press(character))


def key_press(character: str) -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, character)


def leave(window):
    """The window loses focus, as when the person switches to another application."""
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowDeactivate))


def after_a_crash(monkeypatch, tmp_path):
    """What a crash leaves: the autosaves as they are on disk now, no live lock on them. They are copied to a
    fresh data folder, used from now on (the window that wrote them goes on, unseen, in the old one)."""
    home = tmp_path / "after-crash"
    shutil.copytree(folder(), home / "autosave", ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("NEXTWORD_HOME", str(home))


@pytest.fixture
def statuses(monkeypatch):
    """Every message the windows said in their status bars (desktop/gui/status_messages.py), shown or still waiting."""
    boards, init = [], StatusMessages.__init__

    def register(self, status_bar):
        init(self, status_bar)
        boards.append(self)

    monkeypatch.setattr(StatusMessages, "__init__", register)

    class Said:
        def __iter__(self):
            return iter([text for board in boards for text in board.said])

    return Said()


# Writing
def test_typing_then_pausing_autosaves_exactly_the_text_with_its_metadata(start, qtbot):
    window = start()
    before = datetime.now(UTC) - timedelta(seconds=1)
    type_text(qtbot, window, "Dear Ana, café ✓")
    qtbot.keyClick(window.editor, Qt.Key.Key_Return)
    type_text(qtbot, window, "yours")
    saved = wait_for_autosave(qtbot, "Dear Ana, café ✓\nyours")
    assert saved.path is None and saved.name == "Untitled" and saved.pid == os.getpid()
    assert before <= saved.changed_at <= datetime.now(UTC)
    assert saved.id == window.autosaver.autosave_id and (folder() / f"{saved.id}.lock").exists()


def test_typing_that_never_pauses_is_still_autosaved_within_the_longest_delay(start, qtbot):
    window = start()
    began, typed = time.monotonic(), ""
    while not autosaves() and time.monotonic() - began < 3:
        type_text(qtbot, window, "a")  # a key every 50 ms: never the 300 ms pause the first delay waits for
        typed += "a"
        qtbot.wait(50)
    assert autosaves(), "nothing was autosaved while typing went on"
    assert time.monotonic() - began < 0.9 + 1.0  # the longest delay, and some time for a loaded machine
    assert typed.startswith(autosaves()[0].text) and len(autosaves()[0].text) >= 5


def test_leaving_the_window_autosaves_at_once(start, qtbot, monkeypatch):
    monkeypatch.setattr(autosave, "AUTOSAVE_DELAY_MS", 60_000)
    monkeypatch.setattr(autosave, "AUTOSAVE_MAX_DELAY_MS", 60_000)
    window = start()
    type_text(qtbot, window, "switching to the browser")
    leave(window)
    wait_for_autosave(qtbot, "switching to the browser", timeout=2000)


def test_nothing_is_autosaved_without_unsaved_changes(start, qtbot, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("saved text")
    window = start(path)
    leave(window)
    qtbot.wait(600)
    assert autosaves() == []
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, window, ", more")
    assert files.save(window)
    leave(window)
    qtbot.wait(600)
    assert autosaves() == [] and path.read_text() == "saved text, more"


def test_autosaves_are_readable_by_their_owner_alone(start, qtbot):
    old_umask = os.umask(0o022)
    try:
        window = start()
        type_text(qtbot, window, "private")
        saved = wait_for_autosave(qtbot, "private")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(folder()).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(autosave_store.file_path(folder(), saved.id)).st_mode) == 0o600


# Removing
def test_saving_removes_the_autosave(start, qtbot, tmp_path):
    window = start()
    type_text(qtbot, window, "to be saved")
    wait_for_autosave(qtbot, "to be saved")
    assert files.write(window, tmp_path / "saved.txt")
    qtbot.waitUntil(lambda: autosaves() == [], timeout=2000)


def test_undoing_back_to_the_saved_text_removes_the_autosave(start, qtbot):
    window = start()
    type_text(qtbot, window, "oops")
    wait_for_autosave(qtbot, "oops")
    while window.editor.document().isModified():
        window.editor.undo()
    qtbot.waitUntil(lambda: autosaves() == [], timeout=2000)


@pytest.mark.parametrize("how", ["close", "new", "open"])
def test_discarding_the_changes_removes_the_autosave(start, qtbot, tmp_path, monkeypatch, how):
    other = tmp_path / "other.txt"
    other.write_text("another file")
    window = start()
    type_text(qtbot, window, "not wanted")
    wait_for_autosave(qtbot, "not wanted")
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(window, "ask_path", lambda save: str(other))
    {"close": window.close, "new": lambda: files.new(window), "open": lambda: files.open_dialog(window)}[how]()
    qtbot.waitUntil(lambda: autosaves() == [], timeout=2000)
    lock = folder() / f"{window.autosaver.autosave_id}.lock"
    assert lock.exists() == (how != "close")  # a window still open keeps its lock


# Recovery
def test_after_a_crash_restore_puts_back_the_exact_text_of_an_opened_file(start, qtbot, tmp_path, monkeypatch,
                                                                        questions):
    path = tmp_path / "letter.txt"
    path.write_bytes("\ufeffDear Ana,\r\nsee you\nsoon\r\n".encode())
    window = start(path)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, window, "naïve café ✓")
    wait_for_autosave(qtbot, "Dear Ana,\nsee you\nsoon\nnaïve café ✓")
    after_a_crash(monkeypatch, tmp_path)
    questions.answers = [recovery.RESTORE]
    restored = start()
    assert questions.asked == [("letter.txt", "Dear Ana,\nsee you\nsoon\nnaïve café ✓", False)]
    assert restored.editor.toPlainText() == "Dear Ana,\nsee you\nsoon\nnaïve café ✓"
    assert restored.document.path == path and restored.document.file_format.bom and restored.document.file_format.mixed
    assert restored.editor.document().isModified() and restored.windowTitle().startswith("letter.txt •")
    assert files.save(restored)
    assert path.read_bytes() == "\ufeffDear Ana,\r\nsee you\nsoon\r\nnaïve café ✓".encode()


def test_a_restored_western_european_file_is_saved_back_in_its_own_encoding(start, qtbot, tmp_path, monkeypatch,
                                                                          questions):
    path = tmp_path / "lettre.txt"
    path.write_bytes("Chère Ana,\r\nà bientôt\r\n".encode("cp1252"))
    window = start(path)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, window, "déjà")
    wait_for_autosave(qtbot, "Chère Ana,\nà bientôt\ndéjà")
    after_a_crash(monkeypatch, tmp_path)
    questions.answers = [recovery.RESTORE]
    restored = start()
    assert restored.document.path == path and restored.document.file_format.encoding == "cp1252"
    assert files.save(restored) and path.read_bytes() == "Chère Ana,\r\nà bientôt\r\ndéjà".encode("cp1252")


def test_a_restored_document_goes_on_being_autosaved_as_the_same_autosave(start, qtbot, tmp_path, monkeypatch,
                                                                        questions):
    window = start()
    type_text(qtbot, window, "first crash")
    first = wait_for_autosave(qtbot, "first crash")
    after_a_crash(monkeypatch, tmp_path)
    questions.answers = [recovery.RESTORE]
    restored = start()
    assert restored.autosaver.autosave_id == first.id and restored.windowTitle().startswith("Untitled •")
    restored.editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, restored, ", then more")
    second = wait_for_autosave(qtbot, "first crash, then more")
    assert second.id == first.id and second.changed_at > first.changed_at


def test_after_a_crash_discard_deletes_the_autosave(start, qtbot, tmp_path, monkeypatch, questions):
    window = start()
    type_text(qtbot, window, "throw away")
    wait_for_autosave(qtbot, "throw away")
    after_a_crash(monkeypatch, tmp_path)
    questions.answers = [recovery.DISCARD]
    fresh = start()
    assert len(questions.asked) == 1 and fresh.editor.toPlainText() == "" and autosaves() == []
    assert os.listdir(folder()) == [f"{fresh.autosaver.autosave_id}.lock"]


def test_deciding_later_keeps_the_autosave_for_the_next_start(start, qtbot, tmp_path, monkeypatch, questions):
    window = start()
    type_text(qtbot, window, "not now")
    wait_for_autosave(qtbot, "not now")
    after_a_crash(monkeypatch, tmp_path)
    questions.answers = [recovery.LATER]
    fresh = start()
    assert fresh.editor.toPlainText() == "" and [item.text for item in autosaves()] == ["not now"]
    fresh.close()
    start()
    assert [text for _name, text, _newer in questions.asked] == ["not now", "not now"]


def test_two_crashed_documents_are_offered_newest_first_and_the_second_opens_a_new_window(start, qtbot, tmp_path,
                                                                                        monkeypatch, questions):
    first = start()
    type_text(qtbot, first, "older")
    wait_for_autosave(qtbot, "older")
    second = start()
    type_text(qtbot, second, "newer")
    qtbot.waitUntil(lambda: sorted(item.text for item in autosaves()) == ["newer", "older"], timeout=5000)
    after_a_crash(monkeypatch, tmp_path)
    questions.answers = [recovery.RESTORE, recovery.RESTORE]
    window = start()
    assert [text for _name, text, _newer in questions.asked] == ["newer", "older"]
    assert window.editor.toPlainText() == "newer" and len(window.recovered_windows) == 1
    other = window.recovered_windows[0]
    assert other.isVisible() and other.editor.toPlainText() == "older" and other.editor.document().isModified()


def test_a_live_windows_autosave_is_not_offered_by_a_second_window(start, qtbot, questions):
    window = start()
    type_text(qtbot, window, "still open")
    wait_for_autosave(qtbot, "still open")
    start()
    assert questions.asked == [] and [item.text for item in autosaves()] == ["still open"]


def test_a_damaged_autosave_is_kept_aside_and_the_editor_starts(start, qtbot, questions, statuses):
    private_dir(folder())
    (folder() / "cut-short.json").write_text('{"nextword_autosave": 1, "lines": ["half')
    window = start()
    assert questions.asked == [] and window.isVisible()
    aside = [name for name in os.listdir(folder()) if name.startswith("cut-short.json.damaged-")]
    assert len(aside) == 1 and any(aside[0] in text and "could not be read" in text for text in statuses)
    type_text(qtbot, window, "goes on")
    wait_for_autosave(qtbot, "goes on")


def write_draft(text: str, autosave_id: str = "draft"):
    """An autosave as a window writes it: `text` typed into an Untitled document."""
    lines = text.split("\n")
    decoded = textfile.DecodedText(lines, ["\n"] * (len(lines) - 1), textfile.TextFormat())
    autosave_store.write(folder(), autosave_store.Autosave(autosave_id, None, autosave_store.now(), 1, decoded))


# Deep enough that json raises RecursionError (100,000 levels overflow the C stack and abort the process).
NESTED = b"[" * 5000 + b"]" * 5000


def test_a_deeply_nested_autosave_is_kept_aside_once_and_the_real_draft_beside_it_is_read():
    write_draft("my real draft")
    (folder() / "nested.json").write_bytes(NESTED)
    drafts, problems = autosave_store.read_all()
    assert [item.text for item in drafts] == ["my real draft"]
    assert len(problems) == 1 and str(folder() / "nested.json") in problems[0] and "kept aside" in problems[0]
    assert [name for name in os.listdir(folder()) if name.startswith("nested.json.damaged-")]
    assert autosave_store.read_all() == (drafts, [])  # moved aside: never said again


def test_a_deeply_nested_autosave_leaves_the_editor_starting_and_offering_the_real_draft(start, qtbot, questions,
                                                                                         statuses):
    write_draft("my real draft\nsecond line")
    (folder() / "nested.json").write_bytes(NESTED)
    window = start()
    assert questions.asked == [("Untitled", "my real draft\nsecond line", False)] and window.isVisible()
    said = [text for text in statuses if "nested.json" in text]
    assert len(said) == 1 and "kept aside as nested.json.damaged-" in said[0]
    start()  # the next start: the draft (decided later) is offered again, the hostile file is not said again
    assert len(questions.asked) == 2 and [text for text in statuses if "nested.json" in text] == said


def test_opening_a_file_with_a_newer_autosave_offers_it(start, qtbot, tmp_path, monkeypatch, questions):
    path = tmp_path / "draft.md"
    path.write_text("as saved")
    os.utime(path, (time.time() - 60, time.time() - 60))
    window = start(path)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, window, ", and more")
    wait_for_autosave(qtbot, "as saved, and more")
    after_a_crash(monkeypatch, tmp_path)
    questions.answers = [recovery.LATER]  # "Open the File as Saved"
    as_saved = start(path)
    assert questions.asked == [("draft.md", "as saved, and more", True)]
    assert as_saved.editor.toPlainText() == "as saved" and not as_saved.editor.document().isModified()
    assert [item.text for item in autosaves()] == ["as saved, and more"]  # kept until restored or discarded
    as_saved.close()
    questions.answers = [recovery.RESTORE]
    restored = start(path)
    assert restored.editor.toPlainText() == "as saved, and more" and restored.document.path == path
    assert restored.editor.document().isModified() and restored.recovered_windows == []


def test_a_failed_autosave_is_said_once_and_typing_goes_on(start, qtbot, monkeypatch, statuses):
    real_write, attempts = autosave_store.write_private, []

    def write_private(path, data):
        attempts.append(path)
        if failing:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(path, data)

    monkeypatch.setattr(autosave_store, "write_private", write_private)
    failing = True
    window = start()
    messages = statuses
    type_text(qtbot, window, "full")
    qtbot.waitUntil(lambda: len(attempts) == 1 and any("Autosave" in text for text in messages), timeout=3000)
    type_text(qtbot, window, " disk")
    qtbot.waitUntil(lambda: len(attempts) == 2, timeout=3000)
    qtbot.wait(100)
    autosave_messages = [text for text in messages if "Autosave" in text]
    assert len(autosave_messages) == 1 and str(folder()) in autosave_messages[0]
    assert "No space left on device" in autosave_messages[0] and "save your work" in autosave_messages[0]
    assert window.editor.toPlainText() == "full disk"
    failing = False
    type_text(qtbot, window, ", freed")
    wait_for_autosave(qtbot, "full disk, freed")
    failing = True
    type_text(qtbot, window, ", full again")
    qtbot.waitUntil(lambda: len([text for text in messages if "Autosave" in text]) == 2, timeout=3000)


@pytest.mark.parametrize(("newer", "button", "answer"), [
    (False, "Restore", recovery.RESTORE), (False, "Discard", recovery.DISCARD), (False, None, recovery.LATER),
    (True, "Restore It", recovery.RESTORE), (True, "Open the File as Saved", recovery.LATER),
    (True, "Discard It", recovery.DISCARD)])
def test_the_question_names_the_document_and_escape_decides_later(qtbot, newer, button, answer):
    crashed = autosave_store.Autosave("one", "/notes/plan.txt", autosave_store.now(), 1,
                                      textfile.decode(b"the plan"))
    seen = []

    def click():
        box = QApplication.activeModalWidget()
        if box is None:  # not shown yet
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        if button is None:
            qtbot.keyClick(box, Qt.Key.Key_Escape)
        else:
            next(choice for choice in box.buttons() if choice.text() == button).click()

    QTimer.singleShot(0, click)
    assert REAL_ASK(None, crashed, newer) == answer
    assert "plan.txt" in seen[0] and "today at" in seen[0] and ("newer than the file" in seen[0]) == newer


def test_describe_time_says_today_yesterday_or_the_date_in_local_time():
    now = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    local = now.astimezone()
    assert recovery.describe_time(now, now) == f"today at {local:%H:%M}"
    assert recovery.describe_time(now - timedelta(days=1), now).startswith("yesterday at ")
    month_ago = (now - timedelta(days=30)).astimezone()
    assert recovery.describe_time(month_ago, now) == f"{month_ago.day} {month_ago:%B %Y at %H:%M}"


def test_a_lone_surrogate_and_odd_line_ends_survive_the_autosave_file(tmp_path):
    decoded = textfile.DecodedText(["a\ud800b", "c\u2028d", ""], ["\r", "\ufdd0"],
                                   textfile.TextFormat(line_end="\n", mixed=True, keeps_line_separators=True))
    written = autosave_store.Autosave("one", None, autosave_store.now(), 7, decoded)
    autosave_store.write(tmp_path, written)
    assert autosave_store.read(tmp_path / "one.json") == written


# A real crash
DRIVER = """
import sys
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication
from desktop.app import build_window
window = build_window(["--settings", sys.argv[1], "--model", sys.argv[2], sys.argv[3]])
window.show()
window.editor.moveCursor(QTextCursor.MoveOperation.End)
for character in sys.argv[4]:
    QApplication.sendEvent(window.editor, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_unknown,
                                                    Qt.KeyboardModifier.NoModifier, character))
QApplication.instance().exec()
"""


def test_a_nextword_killed_with_sigkill_offers_what_was_typed_at_the_next_start(start, tmp_path, questions):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbfline one\r\nline two\r\n")
    typed = "Typed, then killed: naïve ✓ "
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    nextword = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path / "killed.ini"), str(tmp_path / "none"),
                                 str(path), typed], cwd=ROOT, env=environment,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 12
        while [item.text for item in autosaves()] != ["line one\nline two\n" + typed]:
            assert nextword.poll() is None, nextword.stderr.read().decode()
            assert time.monotonic() < deadline, "no autosave from the running Nextword"
            time.sleep(0.1)
    finally:
        nextword.kill()
        nextword.wait()  # a dead process not yet waited for still holds its lock
    questions.answers = [recovery.RESTORE]
    window = start()
    assert questions.asked == [("windows.txt", "line one\nline two\n" + typed, False)]
    assert window.document.path == path and window.editor.toPlainText() == "line one\nline two\n" + typed
    assert files.save(window)
    assert path.read_bytes() == b"\xef\xbb\xbf" + ("line one\r\nline two\r\n" + typed).encode()
