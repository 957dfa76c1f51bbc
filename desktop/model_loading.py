"""Which model the editor loads, and what it does when that model cannot be loaded.

A folder named by hand (--model, Preferences) is the person's: only said to be unusable. A version of the
model store that does not load is kept aside (engine/core/damaged.py) and the model in use before it is
loaded instead; a store pointer that cannot be read is kept aside and the bundled model used; the bundled
model itself is never renamed (reinstalling mends it). Each fallback is said once through `say`.
Runs on the prediction worker's thread, which imports this module when it first loads a model; Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.core import paths
from engine.core.bundle import ModelError, NewerBundleError
from engine.core.damaged import KeepAsideError
from engine.core.model_store import BUNDLED, SWITCH, ModelStore, ModelStoreError, StoredModel
from engine.runtime.onnx_backend import pick_providers
from engine.runtime.predictor import Predictor

Say = Callable[[str], None]


def describe_model(model_id: str) -> str:
    """How the status bar names a model of the store (engine/core/model_store.py)."""
    return "bundled model" if model_id == BUNDLED else f"{model_id} (learned from your writing)"


def bundled_model() -> StoredModel:
    """The model Nextword ships, as the store lists it, without reading the store's pointer."""
    return StoredModel(BUNDLED, paths.bundled_model_dir())


def load_predictor(model_path: str, provider: str, blocked: set[str], say: Say) -> tuple[Predictor, str]:
    """(predictor, store id: empty for a folder named by hand). ModelError when nothing can be loaded."""
    pick_providers(provider)  # a provider this machine lacks is no fault of any model: said before loading
    if model_path:
        try:
            return Predictor.load(model_path, provider=provider, blocked_words=blocked), ""
        except ModelError as error:
            raise type(error)(f"{error}; or clear the model folder in Edit > Preferences to use your "
                              "active model") from None
    store = ModelStore()
    model = _active_model(store, say)
    while True:
        try:
            return Predictor.load(model.path, provider=provider, blocked_words=blocked), model.id
        except ModelError as error:
            if model.id == BUNDLED:
                raise
            model = _instead_of(store, model, error, say)


def _active_model(store: ModelStore, say: Say) -> StoredModel:
    """The store's active model; a pointer that cannot be read is kept aside (and said) and the bundled
    model used."""
    try:
        return store.active()
    except ModelStoreError as error:
        problem = str(error).split("; ", 1)[0]  # the file and what is wrong; what to do is said here
        try:
            aside = store.keep_pointer_aside()
        except KeepAsideError as keep_error:
            if store.pointer_path.exists():
                say(f"{problem}; it could not be kept aside ({keep_error}), so the bundled model is used this "
                    "time: choose one in Tools > Models")
                return bundled_model()
            return _active_model(store, say)  # another window kept it aside first
        say(f"{problem}; it was kept aside as {aside.name} and the bundled model is used: choose another in "
            "Tools > Models")
        return store.active()


def _instead_of(store: ModelStore, model: StoredModel, error: ModelError, say: Say) -> StoredModel:
    """The model to load instead of a stored version that failed, once the failure is said: the version
    is kept aside (a newer Nextword's is left as it is) and the pointer goes back to the one before."""
    problem = str(error).removesuffix(f"; {SWITCH}")
    said = f"Your model {model.id} (learned from your writing) could not be loaded: {problem}"
    if isinstance(error, NewerBundleError):
        say(f"{said}; the bundled model is used this time")
        return bundled_model()
    try:
        aside, now_active = store.keep_version_aside(model.id)
    except KeepAsideError as keep_error:
        say(f"{said}. It could not be kept aside ({keep_error}), so the bundled model is used this time: "
            "choose one in Tools > Models")
        return bundled_model()
    say(f"{said}. It was kept aside as {aside.name}; now using {describe_model(now_active)}: Tools > Models "
        "to choose another")
    return store.get(now_active)
