"""Writes a crash cannot leave half done."""

import pytest

from engine.core import atomic, safe_write


@pytest.mark.parametrize("exchange", [True, False], ids=["one exchange", "two renames"])
def test_swapping_in_a_folder_replaces_all_of_the_old_one(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)  # systems without renameat2
    target, new = tmp_path / "bundle", tmp_path / "new"
    target.mkdir()
    (target / "old.txt").write_text("old")
    (target / "kept-name.txt").write_text("old")
    new.mkdir()
    (new / "kept-name.txt").write_text("new")
    atomic.swap_in_folder(new, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]
    assert sorted(p.name for p in target.iterdir()) == ["kept-name.txt"]
    assert (target / "kept-name.txt").read_text() == "new"


def test_swapping_in_a_folder_where_there_is_none_is_a_rename(tmp_path):
    new = tmp_path / "new"
    new.mkdir()
    (new / "a").write_text("a")
    atomic.swap_in_folder(new, tmp_path / "target")
    assert (tmp_path / "target" / "a").read_text() == "a" and not new.exists()


def test_an_atomic_write_that_fails_leaves_the_old_text_and_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / ("n" * 250 + ".json")  # a long name: the partial file's name must not grow from it
    atomic.write_text_atomically(path, "old")
    monkeypatch.setattr(safe_write.os, "replace", lambda *args: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(OSError):
        atomic.write_text_atomically(path, "new")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == [path.name]
