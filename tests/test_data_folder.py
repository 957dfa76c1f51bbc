"""The data folder is the person's alone: made private at every start, refused when others could replace it,
and never written through a link that leads out of it."""

from __future__ import annotations

import os
import stat

import pytest

from engine.core.data_folder import DataFolderRefused, prepare, write_private
from engine.core.paths import user_data_dir


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_an_existing_folder_left_open_and_a_cache_restored_at_0644_are_made_private_at_start():
    home = user_data_dir()
    (home / "models" / "v1").mkdir(parents=True)
    cache = home / "personal_cache.json"
    cache.write_text("{}")
    os.chmod(home, 0o777)
    os.chmod(home / "models", 0o755)
    os.chmod(cache, 0o644)
    assert prepare() == []
    assert mode(home) == 0o700
    assert mode(home / "models") == mode(home / "models" / "v1") == 0o700
    assert mode(cache) == 0o600


def test_a_link_leading_out_of_the_folder_is_removed_and_its_target_never_changes(tmp_path):
    home = user_data_dir()
    home.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("someone else's file")
    os.chmod(outside, 0o644)
    (home / "personal_cache.json").symlink_to(outside)
    (home / "inside_link").symlink_to(home / "models")  # a link within the folder does no harm: kept
    notes = prepare()
    assert len(notes) == 1 and "personal_cache.json" in notes[0] and "unchanged" in notes[0]
    assert not os.path.lexists(home / "personal_cache.json")
    assert os.path.islink(home / "inside_link")
    assert outside.read_text() == "someone else's file" and mode(outside) == 0o644


def test_a_file_written_in_the_folder_replaces_a_link_instead_of_writing_through_it(tmp_path):
    home = user_data_dir()
    home.mkdir(mode=0o700)
    outside = tmp_path / "outside.json"
    outside.write_text("theirs")
    (home / "personal_cache.json").symlink_to(outside)
    write_private(home / "personal_cache.json", b"what was learned")
    assert outside.read_text() == "theirs"
    assert not os.path.islink(home / "personal_cache.json")
    assert (home / "personal_cache.json").read_bytes() == b"what was learned"
    assert mode(home / "personal_cache.json") == 0o600


def test_the_personal_cache_saves_over_a_link_without_touching_its_target(tmp_path):
    from engine.runtime.personal_cache import PersonalCache

    home = user_data_dir()
    home.mkdir(mode=0o700)
    outside = tmp_path / "outside.json"
    outside.write_text("theirs")
    os.chmod(outside, 0o666)
    (home / "personal_cache.json").symlink_to(outside)
    cache = PersonalCache.load(home / "empty.json")
    cache.observe("the zebra crossed the road.")
    cache.save(home / "personal_cache.json")
    assert outside.read_text() == "theirs" and mode(outside) == 0o666
    assert "zebra" in (home / "personal_cache.json").read_text()


def test_kept_text_is_never_appended_through_a_link(tmp_path):
    from engine.core.kept_text import keep

    home = user_data_dir()
    home.mkdir(mode=0o700)
    outside = tmp_path / "outside.txt"
    outside.write_text("")
    (home / "kept_text.txt").symlink_to(outside)
    with pytest.raises(OSError):
        keep("a sentence the person typed.")
    assert outside.read_text() == ""


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="making a folder another user's needs root")
def test_a_folder_owned_by_another_user_is_refused_with_what_to_do():
    home = user_data_dir()
    home.mkdir()
    os.chown(home, 4242, 4242)
    with pytest.raises(DataFolderRefused, match="belongs to another user.*NEXTWORD_HOME"):
        prepare()


def test_a_folder_whose_parent_others_may_write_is_refused_unless_the_parent_is_sticky(tmp_path, monkeypatch):
    parent = tmp_path / "shared"
    parent.mkdir()
    os.chmod(parent, 0o777)
    monkeypatch.setenv("NEXTWORD_HOME", str(parent / "nextword"))
    with pytest.raises(DataFolderRefused, match="other users may change.*chmod go-w"):
        prepare()
    os.chmod(parent, 0o1777)  # as /tmp: only a folder's owner may rename or remove it
    assert prepare() == []
    assert mode(parent / "nextword") == 0o700


def test_the_editor_will_not_start_on_a_folder_others_may_replace(tmp_path, monkeypatch, capsys):
    from PySide6.QtWidgets import QMessageBox

    from desktop import app

    parent = tmp_path / "shared"
    parent.mkdir()
    os.chmod(parent, 0o777)
    monkeypatch.setenv("NEXTWORD_HOME", str(parent / "nextword"))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))
    assert app.main(["--settings", str(tmp_path / "settings.ini")]) == 2
    assert "chmod go-w" in capsys.readouterr().err and "chmod go-w" in shown[0]


def test_the_command_line_makes_the_folder_private_before_it_reads_it(capsys):
    from engine import cli

    home = user_data_dir()
    home.mkdir()
    os.chmod(home, 0o755)
    assert cli.main(["models", "list"]) == 0
    assert mode(home) == 0o700


def test_a_folder_that_cannot_be_made_is_left_to_each_part_to_say_not_a_traceback(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NEXTWORD_HOME", str(blocker / "nextword"))
    assert prepare() == []
