"""The user's own models: fine-tuned bundles kept in versions, the active one chosen by a pointer.

    NEXTWORD_HOME/models/
        active.json     {"active": "v2", "history": ["bundled", "v1"]}: written atomically, last
        v1/, v2/        complete bundles, each with finetune.json (what it learned from, before/after)
        .scratch-*      a fine-tune at work: never listed, never loaded, removed by the next one

A bundle enters the store by one rename of a finished folder, and only then can the pointer name it,
so a fine-tune killed at any moment leaves the active model in use and nothing half-written that
anything loads. "bundled" is the model Nextword ships; it is active when no pointer says otherwise.
Torch-free: the editor, `nextword suggest` and `nextword models` read it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.core import safe_json
from engine.core.atomic import write_text_atomically
from engine.core.bundle import COPY_AGAIN, MANIFEST_FILE, BundleError
from engine.core.damaged import keep_aside, read_problem
from engine.core.data_folder import write_private
from engine.core.paths import REINSTALL, MissingResource, bundled_model_dir, private_dir, user_data_dir

BUNDLED = "bundled"
POINTER_FILE = "active.json"
RECORD_FILE = "finetune.json"
SCRATCH_PREFIX = ".scratch-"
POINTER_FORMAT = "nextword-model-pointer"
_VERSION_NAME = re.compile(r"v(\d+)\Z")
MAX_POINTER_BYTES = 2**20  # {"active": "v2", "history": [at most 20 ids]}: under a kilobyte
MAX_RECORD_BYTES = 16 * 2**20  # what a fine-tune learned from: its file names and figures
SWITCH = f"choose another model in Tools > Models (or `nextword models use {BUNDLED}`)"


class ModelStoreError(BundleError):
    """The model store cannot do what was asked; the message names the file or version and what to do."""


@dataclass
class StoredModel:
    id: str  # "bundled", "v1", "v2", ...
    path: Path
    record: dict = field(default_factory=dict)  # finetune.json: sources, metrics before and after, minutes
    active: bool = False


class ModelStore:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else user_data_dir() / "models"

    @property
    def pointer_path(self) -> Path:
        return self.root / POINTER_FILE

    # Reading
    def read_pointer(self) -> dict:
        """{"active": id, "history": [ids]}; the bundled model when there is no pointer yet."""
        path = self.pointer_path
        if not path.exists():
            return {"active": BUNDLED, "history": []}
        try:
            data = safe_json.read_json(path, MAX_POINTER_BYTES)
            if not isinstance(data, dict) or data.get("format") != POINTER_FORMAT:
                raise ValueError("not a Nextword model pointer")
            history = data.get("history", [])
            if not isinstance(data["active"], str) or not isinstance(history, list):
                raise ValueError("its fields are of the wrong kind")
            return {"active": data["active"], "history": [str(item) for item in history]}
        except (OSError, ValueError, KeyError, TypeError) as error:  # safe_json's JSONFileError is a ValueError
            why = read_problem(error) if isinstance(error, OSError) else _content_problem(error)
            raise ModelStoreError(f"{path}: the choice of active model {why}; "
                                  f"`nextword models use {BUNDLED}` writes it again") from None

    def models(self) -> list[StoredModel]:
        """The bundled model, then every complete stored version, oldest first."""
        active = self.read_pointer()["active"]
        found = [StoredModel(BUNDLED, bundled_model_dir(), {}, active == BUNDLED)]
        if self.root.is_dir():
            versions = sorted((int(match.group(1)), path) for path in self.root.iterdir()
                              if (match := _VERSION_NAME.match(path.name)) and (path / MANIFEST_FILE).is_file())
            for _, path in versions:
                found.append(StoredModel(path.name, path, _read_record(path), active == path.name))
        return found

    def get(self, model_id: str) -> StoredModel:
        for model in self.models():
            if model.id == model_id:
                return model
        known = ", ".join(model.id for model in self.models())
        raise ModelStoreError(f"no model {model_id!r} in {self.root}; choose one of {known}")

    def active(self) -> StoredModel:
        """The model in use; the bundled one when the pointer names a version that is gone."""
        active = self.read_pointer()["active"]
        for model in self.models():
            if model.id == active:
                return model
        return self.models()[0]

    # Changing
    def use(self, model_id: str) -> StoredModel:
        """Make a version (or "bundled") the active model; the one in use before goes on the history."""
        try:
            pointer = self.read_pointer()
        except ModelStoreError:  # damaged: kept aside for whoever wants to look, and written anew
            self.keep_pointer_aside()
            pointer = {"active": "", "history": []}
        model = self.get(model_id)
        if pointer["active"] != model.id:
            self._write_pointer(model.id, [*pointer["history"], pointer["active"]][-20:])
        return model

    def revert(self) -> StoredModel:
        """Back to the model in use before the active one (the bundled model when there is none)."""
        pointer = self.read_pointer()
        history = [item for item in pointer["history"]
                   if item == BUNDLED or (self.root / item / MANIFEST_FILE).is_file()]
        previous = history.pop() if history else BUNDLED
        self._write_pointer(previous, history)
        return self.get(previous)

    def keep_pointer_aside(self) -> Path:
        """A pointer that cannot be read, renamed beside itself (engine/core/damaged.py): the bundled model
        is active until one is chosen again. Raises KeepAsideError when it cannot be renamed."""
        return keep_aside(self.pointer_path)

    def keep_version_aside(self, model_id: str) -> tuple[Path, str]:
        """A version that does not load, renamed `vN.damaged-…` (never listed again), and the pointer back on
        the model in use before it (the bundled one when none is left); where it went and the model now active.
        Raises KeepAsideError when it cannot be renamed (nothing is changed then)."""
        if not _VERSION_NAME.match(model_id):
            raise ModelStoreError(f"{model_id!r}: only a version of {self.root} is kept aside")
        aside = keep_aside(self.root / model_id)
        try:
            pointer = self.read_pointer()
        except ModelStoreError:
            return aside, BUNDLED  # a damaged pointer names no version: the bundled model is what loads
        if pointer["active"] == model_id:
            history = [item for item in pointer["history"] if item != model_id
                       and (item == BUNDLED or (self.root / item / MANIFEST_FILE).is_file())]
            previous = history.pop() if history else BUNDLED
            self._write_pointer(previous, history)
            return aside, previous
        return aside, pointer["active"] if (self.root / pointer["active"] / MANIFEST_FILE).is_file() else BUNDLED

    def new_scratch(self) -> Path:
        """A private folder for a fine-tune to build its bundle in; stale ones of killed runs are removed."""
        private_dir(self.root)
        for stale in self.root.glob(f"{SCRATCH_PREFIX}*"):
            if _owner_gone(stale):
                shutil.rmtree(stale, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=self.root))

    def add(self, bundle: Path, record: dict, activate: bool) -> StoredModel:
        """Move a complete bundle folder (from new_scratch) into the store as the next version."""
        write_text_atomically(bundle / RECORD_FILE, json.dumps(record, indent=2) + "\n")
        _make_private(bundle)
        numbers = [int(m.group(1)) for p in self.root.iterdir() if (m := _VERSION_NAME.match(p.name))]
        target = self.root / f"v{max(numbers, default=0) + 1}"
        os.rename(bundle, target)  # one step: the version is complete or absent
        if activate:
            self.use(target.name)
        return self.get(target.name)

    def forget(self) -> None:
        """Every user model and the pointer gone: the bundled model is active again."""
        if self.root.exists():
            shutil.rmtree(self.root)

    def _write_pointer(self, active: str, history: list[str]) -> None:
        private_dir(self.root)
        text = json.dumps({"format": POINTER_FORMAT, "version": 1, "active": active, "history": history,
                           "changed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, indent=2) + "\n"
        write_private(self.pointer_path, text.encode("utf-8"))  # a link there is replaced, not written through


def _make_private(folder: Path) -> None:
    """What Nextword learned is the person's alone: folders 0700, files 0600."""
    os.chmod(folder, 0o700)
    for path in folder.rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def _read_record(path: Path) -> dict:
    """What a version learned from, for the list; nothing to show when it cannot be read (the model itself
    loads without it, so it is not kept aside)."""
    try:
        record = safe_json.read_json(path / RECORD_FILE, MAX_RECORD_BYTES)
    except (OSError, ValueError):  # safe_json's JSONFileError is a ValueError
        return {}
    return record if _usable_record(record) else {}


def _usable_record(record) -> bool:
    """Its fields are of the kinds a fine-tune writes (export/personalize.py), so the list can show them."""
    if not isinstance(record, dict):
        return False
    texts = all(isinstance(record.get(key, ""), str) for key in ("created", "base"))
    sources = record.get("sources", [])
    minutes = record.get("minutes")
    return (texts and isinstance(sources, list) and all(isinstance(source, str) for source in sources)
            and (minutes is None or _is_number(minutes))
            and all(_usable_figures(record.get(key)) for key in ("before", "after")))


def _usable_figures(figures) -> bool:
    """None, or {part: {measure: number}}, as measure() writes them."""
    return figures is None or isinstance(figures, dict) and all(
        isinstance(part, dict) and all(value is None or _is_number(value) for value in part.values())
        for part in figures.values())


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _content_problem(error: Exception) -> str:
    """What is wrong inside the file, after "the choice of active model" (the message names the file once)."""
    return error.problem if isinstance(error, safe_json.JSONFileError) else f"cannot be read ({error})"


def _owner_gone(scratch: Path) -> bool:
    """A scratch folder is named after the process that made it: stale once that process is gone."""
    try:
        pid = int(scratch.name[len(SCRATCH_PREFIX):].split("-", 1)[0])
    except ValueError:
        return True
    if pid == os.getpid():
        return True  # an earlier run in this very process, finished
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def is_version_id(model_id: str) -> bool:
    """Whether `model_id` names a version of the store ("v1", "v2", ...): a model learned from the person's writing."""
    return bool(_VERSION_NAME.match(model_id))


def describe_model(model_id: str) -> str:
    """How the status bar names a model of the store."""
    return "bundled model" if model_id == BUNDLED else f"{model_id} (learned from your writing)"


def bundle_advice(path: str | Path) -> str:
    """What the person can do about a bundle at `path` that cannot be used, by whose it is: the bundled model
    is reinstalled, a version of the store is switched from, a folder of their own is copied or exported again."""
    folder = Path(path)
    if folder.name == MANIFEST_FILE:
        folder = folder.parent
    folder = folder.resolve()
    try:
        if folder == bundled_model_dir().resolve():
            return f"this is the model Nextword ships: {REINSTALL}"
    except MissingResource:
        pass
    if _VERSION_NAME.match(folder.name) and folder.parent == ModelStore().root.resolve():
        return SWITCH
    return COPY_AGAIN


def active_model_dir() -> Path:
    """The bundle the editor, `nextword suggest` and `nextword eval` use unless told otherwise."""
    return ModelStore().active().path
