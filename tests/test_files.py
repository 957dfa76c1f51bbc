"""Opening and saving keep what the person had: the file's bytes, its mode, group and links, and the text in
the editor whenever a save cannot be done."""

import errno
import os
import stat
from types import SimpleNamespace

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QTextCursor  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from desktop.document import files, textfile  # noqa: E402
from desktop.document.document import Document  # noqa: E402
from desktop.gui.editor import SuggestingEditor  # noqa: E402

ROOT = os.geteuid() == 0


class Said(list):
    """The window's messages: its boxes (show_message) and its status bar (messages.say), in order."""

    def say(self, text):
        self.append(text)


class LightWindow:
    """What files.py uses of the main window, without the model and its worker thread."""

    def __init__(self):
        self.editor = SuggestingEditor()
        self.document = Document(self.editor.document())
        self.settings = None
        self.recent = []
        self.preferences = SimpleNamespace(add_recent=self.recent.append, save=lambda settings: None)
        self.messages = Said()

    def show_message(self, title, text):
        self.messages.append(f"{title}: {text}")


@pytest.fixture
def window(qtbot):
    window = LightWindow()
    qtbot.addWidget(window.editor)
    return window


def opened(window, path, data: bytes):
    path.write_bytes(data)
    assert files.open_path(window, path)
    return path


def type_at_end_of_line(window, line: int, text: str):
    """Edit as typing does: the cursor at the end of a line, then text where \\n stands for Enter."""
    cursor = QTextCursor(window.editor.document().findBlockByNumber(line))
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    window.editor.setTextCursor(cursor)
    for piece in text.split("\n")[:-1]:
        window.editor.insertPlainText(piece)
        window.editor.textCursor().insertBlock()
    window.editor.insertPlainText(text.split("\n")[-1])


def retype(window, text: str):
    """Replace all the text as the person would: an edit, so the document is modified."""
    window.editor.selectAll()
    window.editor.insertPlainText(text)


def no_temporary_files(folder, *names):
    return sorted(os.listdir(folder)) == sorted(names)


def fail_writes(monkeypatch, after: int, times: int = 1):
    """os.write works `after` times, then raises ENOSPC `times` times, as a full disk does."""
    real_write, calls = os.write, []

    def write(fd, data):
        calls.append(fd)
        if after < len(calls) <= after + times:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


# The bytes
@pytest.mark.parametrize("data", [
    b"one\r\ntwo\r\nthree\r\n",
    b"one\rtwo\rthree",
    b"one\r\ntwo\nthree\r\nfour\n\nfive",
    "a line\u2028that goes on\nand the next\n".encode(),
    b"\xef\xbb\xbfwith a BOM\n",
    "non\u00a0breaking\u00a0spaces \u00a0\n".encode(),
    b"a final line end\n",
    b"no final line end",
    b"",
    b"\xef\xbb\xbf",
    b"\n\n\r\n\r\r\n",
    "paragraphs\u2029apart\u2029".encode(),
    b"\xef\xbb\xbf\xef\xbb\xbftwo BOMs",
    "\ufdd0frame marks\ufdd1\n".encode(),
    "tabs\tand\x0bform\x0cfeeds\x85 and \ufeff in a line\r\n".encode(),
], ids=["crlf", "lone-cr", "crlf-and-lf", "u2028", "bom", "nbsp", "final-line-end", "no-final-line-end", "empty",
        "only-bom", "only-line-ends", "u2029", "two-boms", "fdd0-fdd1", "control-characters"])
def test_opening_and_saving_unchanged_gives_back_the_same_bytes(window, tmp_path, data):
    path = opened(window, tmp_path / "notes.txt", data)
    assert files.write(window, path) and path.read_bytes() == data and not window.messages


def test_a_bom_is_kept_and_not_shown_in_the_editor(window, tmp_path):
    opened(window, tmp_path / "bom.txt", b"\xef\xbb\xbfhello")
    assert window.editor.toPlainText() == "hello" and window.document.file_format.bom


def test_untouched_lines_keep_their_line_end_and_new_lines_get_the_dominant_one(window, tmp_path):
    path = opened(window, tmp_path / "mixed.txt", b"one\r\ntwo\nthree\r\nfour\rfive")
    type_at_end_of_line(window, 1, "\nnew")
    type_at_end_of_line(window, 5, " more")
    type_at_end_of_line(window, 5, "\nlast")
    assert files.write(window, path)
    assert path.read_bytes() == b"one\r\ntwo\nnew\r\nthree\r\nfour\rfive more\r\nlast"


def test_a_uniform_file_gets_its_line_end_on_new_lines(window, tmp_path):
    path = opened(window, tmp_path / "dos.txt", b"one\r\ntwo\r\n")
    type_at_end_of_line(window, 2, "three\nfour")
    assert files.write(window, path) and path.read_bytes() == b"one\r\ntwo\r\nthree\r\nfour"


@pytest.mark.parametrize(("terminators", "dominant"), [
    ([], "\n"), (["\r\n", "\n", "\r\n"], "\r\n"), (["\r", "\r\n"], "\n"), (["\r", "\r", "\n"], "\r"),
    (["\ufdd0", "\ufdd0"], "\n"),
])
def test_the_dominant_line_end_is_the_most_common_and_a_newline_on_a_tie(terminators, dominant):
    assert textfile.dominant(terminators) == dominant


def test_shift_enter_saves_the_files_line_end_unless_the_file_has_line_separators(window, tmp_path):
    path = opened(window, tmp_path / "dos.txt", b"one\r\n")
    window.editor.moveCursor(QTextCursor.MoveOperation.Start)
    window.editor.moveCursor(QTextCursor.MoveOperation.EndOfBlock)
    window.editor.keyPressEvent(_shift_enter())
    assert files.write(window, path) and path.read_bytes() == b"one\r\n\r\n"
    path = opened(window, tmp_path / "separators.txt", "a\u2028b".encode())
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    window.editor.keyPressEvent(_shift_enter())
    assert files.write(window, path) and path.read_bytes() == "a\u2028b\u2028".encode()


def _shift_enter():
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier, "\r")


def test_new_forgets_the_format_of_the_last_file(window, tmp_path):
    opened(window, tmp_path / "dos.txt", b"\xef\xbb\xbfone\r\ntwo\r\n")
    files.new(window)
    window.editor.setPlainText("a\nb")
    path = tmp_path / "new.txt"
    assert files.write(window, path) and path.read_bytes() == b"a\nb"


# Encodings
WESTERN = "Café crème — 5 € «déjà vu»\r\nŒuvre\r\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (WESTERN.encode("cp1252"), "cp1252"),
    ("naïve\nfaçade".encode("latin-1") + b"\x81\x8d\x8f\x90\x9d", "latin-1"),  # bytes Windows-1252 lacks
    (bytes(range(1, 256)), "latin-1"),
], ids=["windows-1252", "latin-1", "every-byte"])
def test_a_western_european_file_opens_is_said_and_saves_back_byte_for_byte(window, tmp_path, data, encoding):
    path = opened(window, tmp_path / "old.txt", data)
    text = data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
    assert window.editor.toPlainText() == text.replace("\u00a0", " ")  # as toPlainText() shows a no-break space
    assert window.messages == [f"old.txt is not UTF-8: it was read as {textfile.ENCODING_NAMES[encoding]} text, "
                               "and Save keeps it that way"]
    assert files.write(window, path) and path.read_bytes() == data


def test_an_edited_western_european_file_keeps_its_encoding(window, tmp_path):
    path = opened(window, tmp_path / "old.txt", WESTERN.encode("cp1252"))
    type_at_end_of_line(window, 1, " très bien")
    assert files.save(window) and path.read_bytes() == (WESTERN + "").replace(
        "Œuvre", "Œuvre très bien").encode("cp1252")


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No], ids=["yes", "no"])
def test_a_character_windows_1252_lacks_is_saved_in_utf8_only_when_the_person_says_so(window, tmp_path,
                                                                                      monkeypatch, answer):
    data = WESTERN.encode("cp1252")
    path = opened(window, tmp_path / "old.txt", data)
    type_at_end_of_line(window, 1, " → ok")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or answer)
    saved = files.save(window)
    assert "“→”" in asked[0] and "UTF-8" in asked[0]
    if answer == QMessageBox.StandardButton.Yes:
        assert saved and path.read_bytes() == (WESTERN.replace("Œuvre", "Œuvre → ok")).encode()
        assert window.messages[-1] == "old.txt is saved as UTF-8 now, as you chose" and files.save(window)
    else:
        assert not saved and path.read_bytes() == data and window.editor.document().isModified()
        assert window.messages[-1] == "old.txt was not saved; your text is still here"


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary, not text"),
    (b"plain words then a \x00 byte", "binary, not text"),
    ("UTF-16 text".encode("utf-16"), "saved as UTF-16"),
], ids=["png", "nul", "utf-16"])
def test_a_binary_file_is_still_refused_with_a_message_and_the_text_kept(window, tmp_path, data, reason):
    window.editor.setPlainText("my words")
    path = tmp_path / "picture.txt"
    path.write_bytes(data)
    assert not files.open_path(window, path)
    assert window.messages[0].startswith(f"Cannot open: {path}: {reason}. Nextword opens text files")
    assert window.editor.toPlainText() == "my words" and window.document.path is None


# The unsaved-changes question
def test_an_empty_untitled_document_is_closed_without_a_question(window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *args: pytest.fail("asked about an empty document"))
    type_at_end_of_line(window, 0, "a thought")
    retype(window, "")  # typed, then taken out again: modified, but nothing to lose
    assert window.editor.document().isModified() and files.may_discard(window)


def test_an_emptied_file_or_untitled_text_is_still_asked_about(window, tmp_path, monkeypatch):
    asked = []
    cancel = QMessageBox.StandardButton.Cancel
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or cancel)
    type_at_end_of_line(window, 0, "a thought")
    assert not files.may_discard(window) and asked == ["Save the changes to Untitled?"]
    opened(window, tmp_path / "notes.txt", b"old words")
    retype(window, "")  # the file's words taken out: saving would empty the file
    assert not files.may_discard(window) and asked[-1] == "Save the changes to notes.txt?"


# Save As
TEXT_FILTER = "Text and Markdown (*.txt *.md *.markdown)"  # as the Save As dialog names it


@pytest.mark.parametrize(("name", "chosen_filter", "saved_as"), [
    ("notes", TEXT_FILTER, "notes.txt"),
    ("Letter to Mr. Smith", TEXT_FILTER, "Letter to Mr. Smith.txt"),
    ("notes.md", TEXT_FILTER, "notes.md"),
    ("notes.txt", TEXT_FILTER, "notes.txt"),
    ("notes", "All files (*)", "notes"),
], ids=["bare", "dotted", "markdown", "txt", "all-files"])
def test_save_as_adds_txt_to_a_bare_name_when_the_text_filter_is_chosen(real_window, tmp_path, monkeypatch, name,
                                                                        chosen_filter, saved_as):
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "documents"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(folder / name), chosen_filter))
    real_window.editor.setPlainText("my words")
    assert files.save_as(real_window) and os.listdir(folder) == [saved_as]
    assert (folder / saved_as).read_text() == "my words" and real_window.document.path == folder / saved_as


@pytest.mark.parametrize(("answer", "replaced"), [(QMessageBox.StandardButton.Yes, True),
                                                  (QMessageBox.StandardButton.No, False)], ids=["yes", "no"])
def test_save_as_asks_before_replacing_the_txt_file_it_added_the_extension_for(real_window, tmp_path, monkeypatch,
                                                                               answer, replaced):
    from PySide6.QtWidgets import QFileDialog

    (tmp_path / "notes.txt").write_text("older words")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "notes"), TEXT_FILTER))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or answer)
    real_window.editor.setPlainText("my words")
    assert files.save_as(real_window) == replaced and asked == ["notes.txt already exists. Replace it?"]
    assert (tmp_path / "notes.txt").read_text() == ("my words" if replaced else "older words")
    assert not (tmp_path / "notes").exists()


# The file
def test_saving_keeps_the_files_mode_group_and_owner(window, tmp_path):
    path = opened(window, tmp_path / "private.txt", b"secret")
    os.chmod(path, 0o600)
    owner, group = (4321, 4321) if ROOT else (os.getuid(), _other_group())
    os.chown(path, owner, group)
    retype(window, "still secret")
    assert files.write(window, path)
    status = os.stat(path)
    assert stat.S_IMODE(status.st_mode) == 0o600 and (status.st_uid, status.st_gid) == (owner, group)
    assert path.read_text() == "still secret"


def _other_group():
    groups = [group for group in os.getgroups() if group != os.getgid()]
    if not groups:
        pytest.skip("needs a second group to change the file to")
    return groups[0]


def test_a_new_file_gets_the_usual_mode_for_new_files(window, tmp_path):
    old_umask = os.umask(0o027)
    try:
        retype(window, "new")
        assert files.write(window, tmp_path / "new.txt")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640


def test_saving_through_a_symlink_keeps_the_link(window, tmp_path):
    target = tmp_path / "real" / "notes.txt"
    target.parent.mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    opened(window, target, b"old")
    retype(window, "new")
    assert files.write(window, link)
    assert link.is_symlink() and os.readlink(link) == str(target) and target.read_text() == "new"
    assert no_temporary_files(target.parent, "notes.txt") and no_temporary_files(tmp_path, "link.txt", "real")


def test_saving_through_a_hard_link_changes_every_name(window, tmp_path):
    first = opened(window, tmp_path / "first.txt", b"old")
    second = tmp_path / "second.txt"
    os.link(first, second)
    inode = os.stat(first).st_ino
    retype(window, "new")
    assert files.write(window, first)
    assert first.read_text() == second.read_text() == "new" and os.stat(second).st_ino == inode
    assert no_temporary_files(tmp_path, "first.txt", "second.txt")


def test_a_254_byte_file_name_saves(window, tmp_path):
    path = opened(window, tmp_path / ("n" * 250 + ".txt"), b"old")
    retype(window, "new")
    assert files.write(window, path) and path.read_text() == "new"
    assert no_temporary_files(tmp_path, path.name)


# Saying no, and failing, without losing anything
@pytest.mark.parametrize(("answer", "saved"), [(QMessageBox.StandardButton.No, False),
                                               (QMessageBox.StandardButton.Yes, True)])
def test_a_read_only_file_is_overwritten_only_when_the_person_says_so(window, tmp_path, monkeypatch, answer, saved):
    path = opened(window, tmp_path / "read-only.txt", b"old")
    os.chmod(path, 0o444)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or answer)
    retype(window, "new")
    assert files.write(window, path) == saved and "read-only" in asked[0]
    assert path.read_text() == ("new" if saved else "old") and stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert window.editor.toPlainText() == "new" and window.editor.document().isModified() != saved


def assert_kept(window, path, old: str, *names):
    """The old file as it was, nothing left beside it, the new text in the editor and still to save."""
    assert path.read_text() == old and no_temporary_files(path.parent, *names)
    assert window.editor.toPlainText() == "new" and window.editor.document().isModified()
    assert "Cannot save" in window.messages[0] and "Your text is still here" in window.messages[0]


def test_a_failed_disk_write_keeps_the_old_text_and_leaves_no_temporary_file(window, tmp_path, monkeypatch):
    path = opened(window, tmp_path / "notes.txt", b"old")
    retype(window, "new")
    fail_writes(monkeypatch, after=0)
    assert not files.write(window, path)
    assert_kept(window, path, "old", "notes.txt")
    assert "No space left on device" in window.messages[0]


@pytest.mark.parametrize("after", [0, 1], ids=["copying-aside", "rewriting"])
def test_a_failed_write_to_a_hard_linked_file_keeps_the_old_text(window, tmp_path, monkeypatch, after):
    path = opened(window, tmp_path / "first.txt", b"old")
    os.link(path, tmp_path / "second.txt")
    retype(window, "new")
    fail_writes(monkeypatch, after=after)
    assert not files.write(window, path)
    assert_kept(window, path, "old", "first.txt", "second.txt")
    assert (tmp_path / "second.txt").read_text() == "old"


def test_when_the_old_text_cannot_be_put_back_its_copy_is_kept_and_named(window, tmp_path, monkeypatch):
    path = opened(window, tmp_path / "first.txt", b"old")
    os.link(path, tmp_path / "second.txt")
    retype(window, "new")
    fail_writes(monkeypatch, after=1, times=2)
    assert not files.write(window, path)
    copies = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert len(copies) == 1 and (tmp_path / copies[0]).read_text() == "old" and copies[0] in window.messages[0]
    assert window.editor.toPlainText() == "new" and window.editor.document().isModified()


def test_a_failed_rename_keeps_the_old_text_and_leaves_no_temporary_file(window, tmp_path, monkeypatch):
    path = opened(window, tmp_path / "notes.txt", b"old")
    retype(window, "new")

    def replace(source, target):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", replace)
    assert not files.write(window, path)
    assert_kept(window, path, "old", "notes.txt")


def test_saving_where_a_folder_has_the_name_says_why_and_leaves_nothing(window, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "inside.txt").write_text("old")
    retype(window, "new")
    assert not files.write(window, tmp_path / "taken")
    assert_kept(window, tmp_path / "taken" / "inside.txt", "old", "inside.txt")
    assert no_temporary_files(tmp_path, "taken") and "Is a directory" in window.messages[0]


@pytest.mark.skipif(ROOT, reason="root writes in any folder, whatever its mode")
def test_saving_in_a_folder_that_is_not_writable_keeps_the_old_text(window, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    path = opened(window, folder / "notes.txt", b"old")
    folder.chmod(0o555)
    try:
        retype(window, "new")
        assert not files.write(window, path)
        assert_kept(window, path, "old", "notes.txt")
        assert "Permission denied" in window.messages[0]
    finally:
        folder.chmod(0o755)


# Through the real window
@pytest.fixture
def real_window(qtbot, tmp_path):
    from desktop.app import build_window

    window = build_window(["--settings", str(tmp_path / "settings.ini")])
    window.preferences.auto_capitalize = window.editor.auto_capitalize = False  # the text checked as typed
    window.show()
    yield window
    window.editor.document().setModified(False)
    window.close()


def test_the_real_window_saves_a_crlf_file_with_bom_mode_and_line_ends_kept(real_window, qtbot, tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffdear\u00a0sir\r\nyours\r\n".encode())
    os.chmod(path, 0o640)
    assert files.open_path(real_window, path) and real_window.document.path == path
    real_window.editor.moveCursor(QTextCursor.MoveOperation.Start)
    real_window.editor.moveCursor(QTextCursor.MoveOperation.EndOfBlock)
    qtbot.keyClick(real_window.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(real_window.editor, "madam")
    assert real_window.editor.document().isModified() and files.save(real_window)
    assert path.read_bytes() == "\ufeffdear\u00a0sir\r\nmadam\r\nyours\r\n".encode()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640 and not real_window.editor.document().isModified()
    assert real_window.windowTitle().startswith("windows.txt ")
