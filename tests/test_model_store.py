"""The user's model store: versions, the active pointer, revert, use, forget; `nextword models`."""

import json
import os
import shutil
import stat

import pytest

from engine.core.kept_text import keep, kept_text_path
from engine.core.model_store import BUNDLED, ModelStore, ModelStoreError, active_model_dir
from engine.core.paths import bundled_model_dir
from engine.models_cli import main as models_main
from engine.runtime.personal_cache import PersonalCache
from engine.runtime.personal_cache import default_path as personal_cache_path


def add_version(store: ModelStore, activate: bool = True, note: str = "") -> str:
    """A copy of a real bundle added the way a fine-tune adds one."""
    scratch = store.new_scratch()
    bundle = scratch / "bundle"
    shutil.copytree(bundled_model_dir(), bundle)
    model = store.add(bundle, {"created": "2026-11-28T10:00:00", "sources": [note or "notes.txt"],
                               "before": {"user": {"ksr": 0.2}, "general": {"ksr": 0.38}},
                               "after": {"user": {"ksr": 0.3}, "general": {"ksr": 0.379}}}, activate)
    shutil.rmtree(scratch)
    return model.id


def test_the_bundled_model_is_active_until_a_version_is_installed():
    store = ModelStore()
    assert store.active().id == BUNDLED and active_model_dir() == bundled_model_dir()
    assert add_version(store) == "v1"
    assert store.active().id == "v1" and active_model_dir() == store.root / "v1"


def test_use_and_revert_walk_back_through_the_models_in_use():
    store = ModelStore()
    add_version(store)
    add_version(store)
    assert store.active().id == "v2"
    assert store.revert().id == "v1"
    assert store.revert().id == BUNDLED
    assert store.use("v2").id == "v2"
    with pytest.raises(ModelStoreError, match="v9"):
        store.use("v9")


def test_the_store_is_readable_by_its_owner_alone():
    store = ModelStore()
    add_version(store)
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700
    for path in [store.pointer_path, *(store.root / "v1").iterdir()]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(store.root / "v1").st_mode) == 0o700


def test_a_half_built_folder_is_never_listed_or_loaded():
    store = ModelStore()
    add_version(store)
    scratch = store.new_scratch()  # a fine-tune at work
    shutil.copytree(bundled_model_dir(), scratch / "bundle")
    (store.root / "v7").mkdir()  # a version without a manifest: not complete
    assert [model.id for model in store.models()] == [BUNDLED, "v1"]


def test_a_damaged_pointer_gets_a_clear_message_that_says_what_to_do():
    store = ModelStore()
    add_version(store)
    store.pointer_path.write_text("{cut sh", encoding="utf-8")
    with pytest.raises(ModelStoreError, match="nextword models use bundled"):
        store.active()
    assert models_main(["use", BUNDLED]) == 0
    assert store.active().id == BUNDLED


def test_nextword_models_lists_uses_reverts_and_forgets_everything(capsys):
    store = ModelStore()
    add_version(store, note="letters/")
    keep("A sentence I typed.")
    cache = PersonalCache.load()
    cache.observe("Zorblax is here.")
    cache.save()
    assert models_main([]) == 0
    listing = capsys.readouterr().out
    assert "* v1" in listing and "0.200 -> 0.300" in listing and "letters/" in listing
    assert models_main(["--json"]) == 0
    assert [item["id"] for item in json.loads(capsys.readouterr().out)] == [BUNDLED, "v1"]
    assert models_main(["revert"]) == 0 and store.active().id == BUNDLED
    assert models_main(["use", "v1"]) == 0 and store.active().id == "v1"
    assert models_main(["forget"]) == 0
    assert store.active().id == BUNDLED and not store.root.exists()
    assert not kept_text_path().exists()
    forgotten = PersonalCache.load(personal_cache_path())  # left as forgotten, so that an open editor forgets too
    assert forgotten.learned_words() == [] and forgotten.forgotten_at > 0
    assert models_main(["use", "v1"]) == 2 and "v1" in capsys.readouterr().err


def test_kept_text_is_appended_line_by_line_and_private():
    keep("First sentence.")
    keep("Second\nline.")
    assert kept_text_path().read_text(encoding="utf-8") == "First sentence.\nSecond line.\n"
    assert stat.S_IMODE(os.stat(kept_text_path()).st_mode) == 0o600
