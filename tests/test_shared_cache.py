"""Editors sharing one data folder merge what they learn instead of overwriting it, and a forget is a fact
every one of them obeys."""

from __future__ import annotations

import threading
import time

from engine.core.damaged import keep_aside
from engine.runtime.personal_cache import CACHE_FILE, PersonalCache


def words(cache: PersonalCache) -> set[str]:
    return {item.word for item in cache.learned_words()}


def saved_words(path) -> set[str]:
    return words(PersonalCache.load(path))


def test_two_editors_saving_in_turn_lose_nothing_the_other_learned(tmp_path):
    path = tmp_path / CACHE_FILE
    first, second = PersonalCache.load(path), PersonalCache.load(path)
    for number in range(3):
        first.observe(f"first editor word alpha{'x' * number} here.")
        first.save()
        second.observe(f"second editor word beta{'y' * number} there.")
        second.save()
    expected = {f"alpha{'x' * n}" for n in range(3)} | {f"beta{'y' * n}" for n in range(3)}
    assert expected <= saved_words(path)
    assert first.sync() and expected <= words(first)  # the first takes in what the second saved last
    assert saved_words(path) == words(first) == words(second)
    assert first.count("editor") == second.count("editor")  # counted once per sentence, not twice by the merge


def test_two_editors_learning_at_the_same_time_lose_no_word(tmp_path):
    path = tmp_path / CACHE_FILE

    def editor(name):
        cache = PersonalCache.load(path)
        for number in range(40):
            cache.observe(f"{name} wrote word {name}{chr(97 + number % 26)}{chr(97 + number // 26)} today.")
            cache.save()

    threads = [threading.Thread(target=editor, args=(name,)) for name in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    learned = saved_words(path)
    for name in ("ann", "bob"):
        assert {f"{name}{chr(97 + n % 26)}{chr(97 + n // 26)}" for n in range(40)} <= learned


def test_a_forget_in_one_editor_is_obeyed_by_another_that_learned_before_it(tmp_path):
    path = tmp_path / CACHE_FILE
    first, second = PersonalCache.load(path), PersonalCache.load(path)
    first.observe("secretive zorblax was here.")
    first.save()
    second.sync()
    second.observe("quizzical flimflam before the forget.")  # learned, not saved yet
    time.sleep(0.01)
    first.forget()
    first.save()
    time.sleep(0.01)
    second.observe("wondrous kerfuffle after the forget.")
    second.save()  # must not write back what was forgotten
    learned = saved_words(path)
    assert not {"zorblax", "flimflam", "secretive", "quizzical"} & learned
    assert "kerfuffle" in learned and "kerfuffle" in words(second) and "zorblax" not in words(second)


def test_an_idle_editor_stops_suggesting_forgotten_words_at_its_next_sync(tmp_path):
    path = tmp_path / CACHE_FILE
    first, second = PersonalCache.load(path), PersonalCache.load(path)
    first.observe("zorblax zorblax zorblax.")
    first.save()
    assert second.sync() and "zorblax" in words(second)
    assert not second.sync()  # nothing saved since: nothing read
    first.forget()
    first.save()
    version = second.version
    assert second.sync() and words(second) == set() and second.version > version


def test_a_word_removed_in_one_editor_is_not_put_back_by_the_other(tmp_path):
    path = tmp_path / CACHE_FILE
    first, second = PersonalCache.load(path), PersonalCache.load(path)
    first.observe("remember zorblax now.")
    first.save()
    second.sync()
    first.remove_word("zorblax")
    first.save()
    second.observe("another line entirely.")
    second.save()
    assert "zorblax" not in saved_words(path) and "zorblax" in PersonalCache.load(path).never
    assert "another" in saved_words(path)


def test_forgetting_from_the_command_line_removes_kept_aside_copies_and_an_open_editor_obeys(tmp_path, monkeypatch):
    from engine.core.model_store import ModelStore
    from engine.models_cli import forget_everything

    monkeypatch.setenv("NEXTWORD_HOME", str(tmp_path))
    path = tmp_path / CACHE_FILE
    path.write_text("{damaged")
    kept = keep_aside(path)
    editor = PersonalCache.load(path)
    editor.observe("zorblax learned in the open editor.")
    editor.save()
    time.sleep(0.01)
    forget_everything(ModelStore(tmp_path / "models"))
    assert not kept.exists()
    editor.observe("a new sentence after the forget.")
    editor.save()
    assert "zorblax" not in saved_words(path) and "sentence" in saved_words(path)


def test_a_cache_file_deleted_by_hand_counts_as_forgotten(tmp_path):
    path = tmp_path / CACHE_FILE
    editor = PersonalCache.load(path)
    editor.observe("zorblax was learned.")
    editor.save()
    path.unlink()
    assert editor.sync() and words(editor) == set()
