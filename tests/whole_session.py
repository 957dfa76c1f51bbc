"""A whole Nextword session, scripted, for the privacy tests: run as its own process, after forbidding
internet sockets, with NEXTWORD_HOME, XDG_CACHE_HOME and HOME pointing into a scratch folder.

    python tests/whole_session.py SETTINGS_INI SENTENCES_FILE WRITING_FILE TINY_BUNDLE GENERAL_TEXT

1. The editor (offscreen), every opt-in off: types each sentence of SENTENCES_FILE word by word as a
   person does (each word's suggestions shown), accepts a chip whenever it offers the next word, ends each
   sentence with Enter (so the personal cache learns it); opens the learned words; leaves the text unsaved
   and quits without closing the window on purpose (as a crash would), so its autosave stays.
2. `nextword stats`.
3. `nextword finetune WRITING_FILE` from the tiny bundle, at tiny settings, installed if it is better.
Prints "session done" last; any failure is a traceback and a non-zero exit.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS.parent))

import no_network  # noqa: E402

no_network.forbid_internet_sockets()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

qInstallMessageHandler(lambda kind, context, message: None if "propagateSizeHints" in message
                       else print(message, file=sys.stderr))  # the offscreen platform's warning at every resize


def wait_until(predicate, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("waited too long")
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()


def shown(window) -> bool:
    result = window.last_result
    return result is not None and result.request_id == window._request_id and \
        result.left_text == window.editor.left_text()


def type_session(settings: str, sentences: list[str]) -> None:
    from desktop.app import build_window

    window = build_window(["--settings", settings])
    window.show()
    wait_until(lambda: shown(window))  # the model is loaded and the first chips are up
    for sentence in sentences:
        words = sentence.split(" ")
        for index, word in enumerate(words):
            last = index == len(words) - 1
            bare = word.rstrip(".")
            chips = window.suggestion_bar.words_by_position()
            keys = window.suggestion_bar.keys_by_position()  # the key on each chip: Alt+1 is the best guess
            if bare in chips:  # the word is offered: accepted, as a person would (it comes with its space)
                key = getattr(Qt.Key, f"Key_{keys[chips.index(bare)]}")
                QTest.keyClick(window, key, Qt.KeyboardModifier.AltModifier)
                QTest.keyClicks(window.editor, word[len(bare):])
            else:
                QTest.keyClicks(window.editor, word if last else word + " ")
            wait_until(lambda: shown(window))
        QTest.keyClick(window.editor, Qt.Key.Key_Return)
        wait_until(lambda: shown(window))
    assert window.editor.toPlainText().split("\n")[: len(sentences)] == sentences, window.editor.toPlainText()
    dialog = window.show_learned_words()
    wait_until(lambda: dialog.table.rowCount() > 0)  # what the cache learned, listed
    # Learning and logging, written as they would be before any crash: the cache saved, the log flushed.
    window.worker_thread.stop()
    assert window.recorder.log.flush()
    window.autosaver.save_now()  # as the timer would a few seconds after the last key
    wait_until(lambda: any((Path(os.environ["NEXTWORD_HOME"]) / "autosave").glob("*.json")), timeout_s=10)
    time.sleep(0.5)
    # No window.close(): an unsaved document closed on purpose would drop its autosave.


def main(argv: list[str]) -> int:
    settings, sentences, writing, bundle, general = argv
    type_session(settings, Path(sentences).read_text(encoding="utf-8").splitlines())
    from desktop.log.stats import main as stats_main
    from export.personalize import main as finetune_main

    assert stats_main([]) == 0
    assert finetune_main([writing, "--model", bundle, "--general", general, "--minutes", "0.05",
                          "--general-lines", "50", "--threads", "1"]) == 0
    print("session done", flush=True)
    os._exit(0)  # as a crash: no Qt teardown, so the autosave of the unsaved text stays


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
