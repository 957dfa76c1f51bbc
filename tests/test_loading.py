"""A big file opens a slice at a time (desktop/document/loading.py): the window answers meanwhile, and nothing can be
typed into, saved from or lost with the part that is in."""

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.document import files, loading

LINES = [f"Line {number}: the lighthouse keeper counted {number} ships." for number in range(3000)]


@pytest.fixture
def small_slices(monkeypatch):
    """Files over 10 kB open in the background, 2,000 characters a slice: many slices for a small file."""
    monkeypatch.setattr(loading, "BIG_FILE_BYTES", 10_000)
    monkeypatch.setattr(loading, "SLICE_CHARS", 2_000)


def big_file(tmp_path, data: bytes):
    path = tmp_path / "logbook.txt"
    path.write_bytes(data)
    return path


def test_a_big_file_opens_in_slices_read_only_meanwhile_and_saves_back_the_same_bytes(window, qtbot, tmp_path,
                                                                                    small_slices):
    ends = ["\r\n", "\n", "\r\n", "\u2029"]
    data = b"\xef\xbb\xbf" + "".join(line + ends[n % 4] for n, line in enumerate(LINES)).encode()
    path = big_file(tmp_path, data)
    assert files.open_path(window, path, in_background=True)
    assert window.document.loader is not None and window.editor.isReadOnly()
    slices = []
    window.editor.document().contentsChanged.connect(lambda: slices.append(1))
    qtbot.waitUntil(lambda: window.document.loader is None, timeout=20000)
    assert len(slices) > 10  # put in a slice at a time, between events
    assert window.editor.toPlainText().split("\n") == [*LINES, ""]
    assert not window.editor.isReadOnly() and not window.editor.document().isModified()
    assert not window.editor.document().isUndoAvailable()  # opening is not an edit to undo
    assert window.document.path == path and "logbook.txt" in window.windowTitle()
    path.write_bytes(b"")
    assert files.save(window) and path.read_bytes() == data


def test_while_a_file_opens_saving_is_refused_and_said_and_the_file_is_untouched(window, qtbot, tmp_path,
                                                                                small_slices, monkeypatch):
    data = "\n".join(LINES).encode()
    path = big_file(tmp_path, data)
    window.document.path = path
    monkeypatch.setattr(loading, "SLICE_CHARS", 200)
    files.open_path(window, path, in_background=True)
    qtbot.waitUntil(lambda: window.editor.document().characterCount() > 1000, timeout=10000)
    assert window.document.loader is not None
    assert not files.save(window) and path.read_bytes() == data
    assert window.messages.said[-1] == "logbook.txt is still opening; save once it is open"


def test_closing_or_new_while_a_file_opens_asks_nothing_and_leaves_an_empty_document(window, qtbot, tmp_path,
                                                                                     small_slices, monkeypatch):
    path = big_file(tmp_path, "\n".join(LINES).encode())
    monkeypatch.setattr(QMessageBox, "question", lambda *args: pytest.fail("asked about a file still opening"))
    monkeypatch.setattr(loading, "SLICE_CHARS", 200)
    files.open_path(window, path, in_background=True)
    qtbot.waitUntil(lambda: window.editor.document().characterCount() > 1000, timeout=10000)
    files.new(window)
    assert window.document.loader is None and window.editor.toPlainText() == "" and not window.editor.isReadOnly()
    qtbot.wait(100)
    assert window.editor.toPlainText() == ""  # no slice comes after


def test_a_big_binary_file_says_so_and_the_text_in_the_editor_stays(window, qtbot, tmp_path, small_slices,
                                                                    monkeypatch):
    said = []
    monkeypatch.setattr(window, "show_message", lambda title, text: said.append(text))
    window.editor.setPlainText("my own words")
    path = big_file(tmp_path, "\n".join(LINES).encode() + b"\x00\x01")
    files.open_path(window, path, in_background=True)
    qtbot.waitUntil(lambda: window.document.loader is None, timeout=10000)
    assert said == [f"{path}: binary, not text. Nextword opens text files (UTF-8 or Western European); open this "
                    "one in the program that made it."]
    assert window.editor.toPlainText() == "my own words" and not window.editor.isReadOnly()


def test_a_big_western_european_file_opens_says_so_and_saves_back_the_same_bytes(window, qtbot, tmp_path,
                                                                                 small_slices, monkeypatch):
    monkeypatch.setattr(window, "show_message", lambda title, text: pytest.fail(text))
    data = "\r\n".join(f"{line} Café." for line in LINES).encode("cp1252")
    path = big_file(tmp_path, data)
    files.open_path(window, path, in_background=True)
    qtbot.waitUntil(lambda: window.document.loader is None, timeout=20000)
    assert window.messages.said[-1] == ("logbook.txt is not UTF-8: it was read as Western European (Windows-1252) "
                                        "text, and Save keeps it that way")
    path.write_bytes(b"")
    assert files.save(window) and path.read_bytes() == data
