"""Offering back, at start, what a Nextword that crashed (or was killed) had not saved.

`offer` runs in desktop/app.py build_window once the first window is built (and FILE opened). It takes
every autosave whose lock no live process holds (QLockFile takes over the lock of a process that is gone;
a window open in another Nextword keeps its own, and is never offered) and asks about each, one at a
time, newest first:

- Restore: the text goes back into a window exactly as it was typed (desktop/document/textfile.py: line ends, BOM),
  with its file (or Untitled), marked unsaved (•); the window goes on autosaving it as that same autosave,
  so a second crash still has it. The first window takes the first restore if it holds nothing yet (empty
  and Untitled, or the same file opened and unchanged); each other restore opens a new window.
- Discard: the autosave is deleted.
- Decide Later (or Esc, or closing the question): it is kept and offered again at the next start.

One question per autosave rather than one list with a choice per row: each answer is about one text, named
in the question, and more than one or two crashed documents at once is rare.

`nextword app FILE` with an autosave of FILE (the same file, through links) newer than the file: that one
is asked about first, as "An unsaved version of NAME from TIME is newer than the file": Restore It / Open the
File as Saved / Discard It. Opening the file as saved keeps the autosave, as Vim keeps its swap file after
"Edit anyway" (VS Code, which restores unsaved work without asking, never drops it either): nothing typed
goes without the person saying so, and it is offered again at the next start until restored or discarded.
If the file was saved after the autosave, the question says so.

The question is `ask` (a module function: tests replace it, and never see a dialog).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPlainTextEdit

from desktop.document import autosave_store, textfile
from desktop.document.autosave import lock_file, try_lock
from desktop.document.autosave_store import Autosave

RESTORE, DISCARD, LATER = "restore", "discard", "later"
PREVIEW_LINES = 6  # the first lines of the text offered back, shown in the question: enough to know it again
PREVIEW_LINE_CHARS = 200  # of each (a line may be megabytes long)


@dataclass
class Crashed:
    autosave: Autosave
    lock: QLockFile  # held by this process from the moment it was found: no other Nextword offers it too


def find_crashed(folder: Path) -> tuple[list[Crashed], list[str]]:
    """The autosaves no live process holds, each locked now by this one; and a message for each damaged one
    (kept aside). Locks left by crashed windows that never autosaved are cleared on the way."""
    crashed, problems = [], []
    for autosave_id in autosave_store.ids(folder):
        lock = lock_file(folder, autosave_id)
        if not try_lock(lock):
            continue  # a live window's, in this Nextword or another
        autosave, problem = autosave_store.read_or_keep_aside(folder, autosave_id)
        if autosave is None:
            lock.unlock()
            problems.append(problem)
        else:
            crashed.append(Crashed(autosave, lock))
    _clear_stale_locks(folder)
    return crashed, problems


def _clear_stale_locks(folder: Path) -> None:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    autosaves = set(autosave_store.ids(folder))
    for name in names:
        autosave_id = name.removesuffix(".lock")
        if name.endswith(".lock") and autosave_id not in autosaves:
            lock = lock_file(folder, autosave_id)
            if try_lock(lock):  # only a dead process's lock: taking it and letting go removes it
                lock.unlock()


def offer(window, opened: Path | None, new_window: Callable[[], object]) -> list:
    """Ask about each crashed autosave and do what the person says; the new windows it opened (shown)."""
    crashed, problems = find_crashed(window.autosaver.folder)
    if problems:
        for problem in problems:
            window.messages.say(problem)
    crashed.sort(key=lambda item: (not newer_than_file(item.autosave, opened), -item.autosave.changed_at.timestamp()))
    windows = []
    for item in crashed:
        answer = ask(window, item.autosave, newer_than_file(item.autosave, opened))
        if answer == RESTORE:
            target = window if takes_restore(window, item.autosave) else new_window()
            restore(target, item)
            if target is not window:
                target.show()
                windows.append(target)
        elif answer == DISCARD:
            discard(window, item)
        else:
            item.lock.unlock()  # kept as it is, for the next start
    return windows


def restore(window, item: Crashed) -> None:
    """The autosave's text in the window as typed, marked unsaved, and autosaved on as the same autosave."""
    autosave = item.autosave
    document = window.document
    document.belongs_to(Path(autosave.path) if autosave.path else None, autosave.decoded.format)
    textfile.show(document.text, autosave.decoded)
    document.text.setModified(True)
    window.autosaver.take_over(autosave, item.lock)  # after the text: putting it in clears the modified flag


def discard(window, item: Crashed) -> None:
    folder = window.autosaver.folder
    try:
        autosave_store.remove(folder, item.autosave.id)
    except OSError as error:
        window.messages.say(f"The autosave {autosave_store.file_path(folder, item.autosave.id)} could not be "
                            f"deleted ({error.strerror or error}); it is offered again at the next start")
    item.lock.unlock()


def takes_restore(window, autosave: Autosave) -> bool:
    """The window holds nothing of its own yet: empty and Untitled, or the autosave's file, unchanged."""
    document = window.document
    if document.is_modified():
        return False
    if document.path is None:
        return document.text.isEmpty()
    return autosave.path is not None and same_file(document.path, autosave.path)


def same_file(first: str | Path, second: str | Path) -> bool:
    return os.path.realpath(first) == os.path.realpath(second)


def file_changed_at(path: str | Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
    except OSError:
        return None


def newer_than_file(autosave: Autosave, opened: Path | None) -> bool:
    """The autosave is of the file opened at start and was changed after the file was last saved."""
    if opened is None or autosave.path is None or not same_file(autosave.path, opened):
        return False
    saved_at = file_changed_at(opened)
    return saved_at is not None and autosave.changed_at > saved_at


def describe_time(when: datetime, now: datetime | None = None) -> str:
    """Local time, as a person says it: "today at 14:05", "yesterday at 09:30", "3 March 2025 at 18:00"."""
    local, today = when.astimezone(), (now or datetime.now(UTC)).astimezone().date()
    if local.date() == today:
        return f"today at {local:%H:%M}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday at {local:%H:%M}"
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def ask(parent, autosave: Autosave, newer: bool) -> str:
    """RESTORE, DISCARD or LATER, from a question naming the document and the time of its last change."""
    when = describe_time(autosave.changed_at)
    box = QMessageBox(QMessageBox.Icon.Question, "Unsaved Text Found", "", parent=parent)
    role = QMessageBox.ButtonRole
    if newer:
        box.setText(f"An unsaved version of {autosave.name} from {when} is newer than the file.")
        box.setInformativeText("Opening the file as saved keeps the unsaved version: it is offered again at the "
                               "next start.")
        choices = [("Restore It", role.AcceptRole, RESTORE), ("Open the File as Saved", role.RejectRole, LATER),
                   ("Discard It", role.DestructiveRole, DISCARD)]
    else:
        box.setText(f"Nextword closed before {autosave.name} was saved. Restore the unsaved text from {when}?")
        box.setInformativeText(_file_note(autosave) + "Decide Later keeps it for the next start.")
        choices = [("Restore", role.AcceptRole, RESTORE), ("Discard", role.DestructiveRole, DISCARD),
                   ("Decide Later", role.RejectRole, LATER)]
    answers = {box.addButton(label, button_role): answer for label, button_role, answer in choices}
    box.setDefaultButton(next(iter(answers)))
    box.setEscapeButton(next(button for button, answer in answers.items() if answer == LATER))
    _add_preview(box, autosave)
    box.exec()
    return answers.get(box.clickedButton(), LATER)


def preview_text(autosave: Autosave) -> str:
    """The first lines of the autosave's text, each cut short if long; "…" where more follows."""
    lines = autosave.decoded.lines
    shown = [line[:PREVIEW_LINE_CHARS] + ("…" if len(line) > PREVIEW_LINE_CHARS else "")
             for line in lines[:PREVIEW_LINES]]
    return "\n".join(shown) + ("\n…" if len(lines) > PREVIEW_LINES else "")


def _add_preview(box: QMessageBox, autosave: Autosave) -> None:
    """A read-only view of the text's first lines, above the buttons: the person sees what is offered back."""
    preview = QPlainTextEdit(preview_text(autosave) or "(empty)")
    preview.setReadOnly(True)
    preview.setTabChangesFocus(True)  # Tab goes on to the buttons
    preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    preview.setAccessibleName("The start of the unsaved text")
    preview.setFixedHeight(round(preview.fontMetrics().lineSpacing() * (PREVIEW_LINES + 1.5)))
    preview.setMinimumWidth(360)
    layout = box.layout()  # a grid; its last row holds the buttons, which go one row further down
    button_box = box.findChild(QDialogButtonBox)
    row = layout.rowCount()
    if button_box is not None:
        layout.removeWidget(button_box)
    layout.addWidget(preview, row, 0, 1, layout.columnCount())
    if button_box is not None:
        layout.addWidget(button_box, row + 1, 0, 1, layout.columnCount())


def _file_note(autosave: Autosave) -> str:
    saved_at = file_changed_at(autosave.path) if autosave.path else None
    if saved_at is not None and saved_at > autosave.changed_at:
        return f"The file itself was saved later, {describe_time(saved_at)}. "
    return ""
