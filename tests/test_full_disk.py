"""A full disk (a small tmpfs as NEXTWORD_HOME, filled): each writer fails with one clear message, the editor
keeps working, and nothing written before is lost."""

import os
import random
import sqlite3
from pathlib import Path

import pytest
from desktop_helpers import type_and_wait
from full_disk import fill, free_space, small_disk
from PySide6.QtCore import QMetaObject, Qt

from engine.core.model_store import BUNDLED, ModelStore
from engine.runtime.personal_cache import PersonalCache

LINES = ["The lighthouse keeper counted the ships at dawn.", "Salt spray covered the old brass telescope.",
         "Every evening the keeper wrote the weather in his logbook.", "Storms came from the west in autumn."]


@pytest.fixture
def home():
    """NEXTWORD_HOME on a small disk of its own."""
    with small_disk(Path(os.environ["NEXTWORD_HOME"])) as path:
        yield path


def test_a_personal_cache_that_cannot_be_saved_raises_and_keeps_the_last_saved_file(home):
    cache = PersonalCache(home / "personal_cache.json")
    cache.observe(LINES[0])
    cache.save()
    saved = (home / "personal_cache.json").read_bytes()
    fill(home)
    cache.observe(LINES[1])
    with pytest.raises(OSError, match="No space left"):
        cache.save()
    assert (home / "personal_cache.json").read_bytes() == saved
    # no half file left (the lock file, empty, is there from the first save)
    assert sorted(path.name for path in home.iterdir()) == [".filler", "personal_cache.json",
                                                            "personal_cache.json.lock"]
    free_space(home)
    cache.save()
    assert "telescope" in {word.word for word in PersonalCache.load(home / "personal_cache.json").learned_words()}


def test_a_finetune_on_a_full_disk_says_so_in_one_line_and_the_model_in_use_stays(home, tiny_bundle, tiny_corpus,
                                                                                  tmp_path, capsys):
    from export.personalize import main as finetune_main

    rng = random.Random(5)
    text = tmp_path / "logbook.txt"
    text.write_text("".join(rng.choice(LINES) + "\n" for _ in range(200)), encoding="utf-8")
    store = ModelStore()
    store.read_pointer()
    fill(home)
    code = finetune_main([str(text), "--model", str(tiny_bundle), "--general", str(tiny_corpus), "--minutes", "0.05",
                          "--threads", "1"])
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if not line.startswith("progress")]
    assert code == 2 and len(problems) == 1, err
    assert "disk" in problems[0] and str(home) in problems[0] and "Traceback" not in err
    free_space(home)
    assert store.active().id == BUNDLED and [model.id for model in store.models()] == [BUNDLED]
    assert not any(path.name.startswith(".scratch") for path in store.root.iterdir())


def type_words(qtbot, window, text: str) -> None:
    """Word by word, each word's suggestions shown before the next: as a person types, so the log has rows."""
    for word in text.split(" "):
        type_and_wait(qtbot, window, word + " ")


def save_cache_now(window) -> None:
    """The worker's save timer, sooner (on the worker's thread, as the timer would)."""
    QMetaObject.invokeMethod(window.worker_thread.worker, "save_personal_cache", Qt.ConnectionType.QueuedConnection)


def test_the_editor_on_a_full_disk_says_once_per_file_what_failed_and_keeps_suggesting(home, window, qtbot):
    from desktop.document.autosave_store import read_all

    messages = window.messages.said  # every message the status bar showed or has waiting, in order
    log, cache_path = window.recorder.log, home / "personal_cache.json"
    type_words(qtbot, window, LINES[0])
    save_cache_now(window)
    window.autosaver.save_now()
    qtbot.waitUntil(lambda: cache_path.exists() and bool(read_all(home / "autosave")[0]))
    assert log.flush()
    rows_before, cache_before = _count(home / "nextword.db"), cache_path.read_bytes()
    autosaved_before = read_all(home / "autosave")[0][0].text
    assert rows_before > 0 and autosaved_before == LINES[0] + " "
    fill(home)
    for line in LINES[1:]:
        type_words(qtbot, window, line)
        window.autosaver.save_now()  # as the timers would, once per line
        save_cache_now(window)
    assert window.last_result.words  # suggestions go on
    assert not log.flush()  # the log's writes were given up on
    qtbot.waitUntil(lambda: all(any(part in text for text in messages) for part in ("Acceptance log", "learned",
                                                                                        "Autosave")), timeout=15000)
    about = {part: [text for text in messages if part in text] for part in ("Acceptance log", "learned", "Autosave")}
    assert all(len(said) == 1 for said in about.values()), messages  # said once each, not at every write
    assert "disk is full" in about["Acceptance log"][0] and "disk is full" in about["learned"][0], messages
    assert "No space left" in about["Autosave"][0] and str(home / "autosave") in about["Autosave"][0]
    assert cache_path.read_bytes() == cache_before and read_all(home / "autosave")[0][0].text == autosaved_before
    free_space(home)
    assert _count(home / "nextword.db") == rows_before  # nothing earlier lost
    type_words(qtbot, window, "the end")
    assert log.flush()  # and logging goes on once there is room again
    assert _count(home / "nextword.db") > rows_before
    window.autosaver.save_now()
    qtbot.waitUntil(lambda: read_all(home / "autosave")[0][0].text.endswith("the end "))


def _count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return db.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0]


def test_a_sentence_kept_for_learning_on_a_full_disk_is_refused_whole_and_the_earlier_ones_stay(home):
    from engine.core.kept_text import keep, kept_text_path

    keep(LINES[0])
    fill(home)
    with pytest.raises(OSError, match="No space left"):
        keep(LINES[1] * 200)  # longer than the room left in the file's last page: written in part, then refused
    assert kept_text_path().read_text(encoding="utf-8") == LINES[0] + "\n"
    free_space(home)
    keep(LINES[2])
    assert kept_text_path().read_text(encoding="utf-8").splitlines() == [LINES[0], LINES[2]]
