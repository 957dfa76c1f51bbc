"""The one way to open a model: a bundle folder, the store's active model (falling back when it fails), or a
training checkpoint; and the plain description of what was opened.

    from engine.runtime.model_opening import open_model
    predictor = open_model()                   # the active model (`nextword models`)
    predictor = open_model("bundles/mine")     # a bundle folder (or its manifest.json)
    predictor = open_model("runs/x/best.pt")   # a checkpoint: needs the `train` extra (torch)

A bundle is run by onnxruntime; a checkpoint's model by torch, imported here only for a `.pt` file (the one
way into engine/training from the runtime), so the editor and the runtime never need torch. Either way the
parts (vocabulary, backend, n-gram model, rare words) are put together by `assemble`: a word model's
Predictor, or a CharPredictor where the model spells (it has a word list beside its characters).

The editor opens through `open_for_editor`: a folder named by hand (--model, Preferences) is the person's and is
only said to be unusable. A version of the model store that does not load is kept aside
(engine/core/damaged.py) and the model in use before it is loaded instead; a store pointer that cannot be read
is kept aside and the bundled model used; the bundled model itself is never renamed (reinstalling mends it).
Each fallback is said once through `say`. Torch-free and Qt-free: runs on the editor's prediction worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.core import paths
from engine.core.bundle import (
    BundleError,
    ModelError,
    NewerBundleError,
    check_files,
    is_bundle,
    load_vocab,
    load_words,
    read_manifest,
)
from engine.core.damaged import KeepAsideError
from engine.core.dictionary import shipped_dictionary
from engine.core.model_store import (
    BUNDLED,
    SWITCH,
    ModelStore,
    ModelStoreError,
    StoredModel,
    active_model_dir,
    bundle_advice,
    describe_model,
)
from engine.core.paths import read_blocklist
from engine.core.vocab import Vocab
from engine.runtime.char_predictor import CharPredictor
from engine.runtime.lexicon import RareWords
from engine.runtime.mixture import MixtureWeights
from engine.runtime.ngram import KneserNey
from engine.runtime.predictor import Predictor, load_companions

Say = Callable[[str], None]

__all__ = ["LoadedModel", "ModelParts", "assemble", "describe_loaded", "describe_model", "open_bundle",
           "open_for_editor", "open_model"]


@dataclass(frozen=True)
class LoadedModel:
    """What the prediction worker loaded, as plain data for the window and the acceptance log (which never read
    the worker's objects: those belong to its thread)."""

    name: str  # as the person sees it: "bundled model", "v2 (learned from your writing)", a folder's name
    store_id: str  # the model store's id ("bundled", "v2"); empty for a folder named by hand
    folder: str  # the bundle folder's name
    architecture: str  # "lstm", "nplm", "transformer", "char-lstm"
    provider: str  # the execution provider really in use: CPUExecutionProvider, CUDAExecutionProvider, torch
    version: str  # which graph of which export: "lstm model.int8.onnx, exported 2026-…, vocabulary 1a2b…"

    @property
    def logged_as(self) -> str:
        """What the acceptance log groups sessions by: the store's id, or the folder's name for one named by hand."""
        return self.store_id or self.folder


@dataclass
class ModelParts:
    """What a model is made of, wherever it was read from (a bundle, a checkpoint)."""

    vocab: Vocab  # the model's tokens: words, or characters for a character model
    backend: object  # initial_state() and step(ids, state): OnnxStepper or TorchStepper
    words: Vocab | None = None  # a character model's word list (it spells words out); None for a word model
    ngram: KneserNey | None = None
    mixture: MixtureWeights | None = None
    rare_words: RareWords | None = None
    train_data: list[str] | None = None  # what the model learned from, when known


def assemble(parts: ModelParts, blocked_words: set[str] | frozenset = frozenset()) -> Predictor:
    """The predictor for these parts: a CharPredictor for a character model (no trigram is mixed into spelling),
    a word model's Predictor otherwise."""
    if parts.words is not None:
        predictor = CharPredictor(parts.vocab, parts.words, parts.backend, rare_words=parts.rare_words,
                                  blocked_words=blocked_words)
    else:
        predictor = Predictor(parts.vocab, parts.backend, parts.ngram, parts.mixture, rare_words=parts.rare_words,
                              blocked_words=blocked_words)
    predictor.train_data = parts.train_data
    return predictor


def open_bundle(path: str | Path | None = None, provider: str = "auto", model: str = "default",
                blocked_words: set[str] | None = None, threads: int = 1) -> Predictor:
    """A bundle (default: the active model, engine/core/model_store.py) run by onnxruntime; needs no torch.

    provider: auto (CUDA when onnxruntime offers it, else CPU), cpu or cuda; `predictor.provider`
    says which one runs it. model: default (int8 when the bundle has it), float or int8.
    blocked_words: never offered unless typed in full; default the shipped blocklist.
    Raises BundleError with what is wrong and what to do for a missing, damaged or foreign bundle: every
    file is read through code that turns any failure into one, naming the file; what to do depends on
    whose bundle it is (engine/core/model_store.py bundle_advice).
    """
    from engine.runtime.onnx_backend import OnnxStepper

    folder = path if path is not None else active_model_dir()
    manifest = read_manifest(folder, advice=bundle_advice(folder))
    if model != "default":
        if model not in manifest.models:
            raise BundleError(f"{manifest.folder}: this bundle has no {model} model "
                              f"(it has {', '.join(manifest.models)})")
        manifest.model_file = manifest.models[model]
        if not manifest.model_path.is_file():
            raise BundleError(f"{manifest.model_path}: missing from the bundle")
    try:
        mixture = MixtureWeights.from_json(manifest.ngram_mixture)
    except (KeyError, TypeError, ValueError) as error:
        raise BundleError(f"{manifest.path}: missing or wrong field ngram_mixture ({error}); "
                          f"{manifest.advice}") from None
    check_files(manifest)  # ~20 ms for the shipped bundle, on the loading thread
    vocab = load_vocab(manifest)
    words = load_words(manifest) if manifest.words_hash else None  # a character model's
    ngram, rare_words = load_companions(manifest.folder, BundleError, len(words or vocab), manifest.advice)
    parts = ModelParts(vocab, OnnxStepper(manifest, provider, threads), words, ngram if words is None else None,
                       mixture if words is None else None, rare_words, manifest.raw.get("train_data"))
    predictor = assemble(parts, read_blocklist() if blocked_words is None else blocked_words)
    predictor.use_dictionary(shipped_dictionary())
    return predictor


def open_model(path: str | Path | None = None, **options) -> Predictor:
    """A bundle folder (or its manifest.json; default: the active model) or a torch checkpoint (.pt, needs the
    `train` extra); `options` as open_bundle's, for a bundle."""
    if path is None or is_bundle(path) or not str(path).endswith(".pt"):
        return open_bundle(path, **options)
    from engine.training.torch_backend import checkpoint_parts  # the one way into torch from the runtime

    return assemble(checkpoint_parts(path))


def describe_loaded(predictor: Predictor, store_id: str) -> LoadedModel:
    """The plain description of a predictor opened from a bundle (store_id: empty for a folder named by hand)."""
    manifest = predictor.backend.manifest
    version = (f"{manifest.architecture} {manifest.model_file}, exported {manifest.raw.get('exported_at', '?')}, "
               f"vocabulary {manifest.vocab_hash}")
    name = describe_model(store_id) if store_id else manifest.folder.name
    return LoadedModel(name, store_id, manifest.folder.name, manifest.architecture, predictor.provider, version)


def open_for_editor(model_path: str, provider: str, blocked: set[str], say: Say) -> tuple[Predictor, LoadedModel]:
    """The editor's model: the folder named by hand, or the store's active model with its fallbacks; the
    predictor and its description. ModelError when nothing can be loaded."""
    provider = _provider_for_editor(provider, say)
    if model_path:
        try:
            predictor = open_bundle(model_path, provider=provider, blocked_words=blocked)
        except ModelError as error:
            raise type(error)(f"{error}; or clear the model folder in Edit > Preferences to use your "
                              "active model") from None
        return predictor, describe_loaded(predictor, "")
    store = ModelStore()
    model = _active_model(store, say)
    while True:
        try:
            predictor = open_bundle(model.path, provider=provider, blocked_words=blocked)
        except ModelError as error:
            if model.id == BUNDLED:
                raise
            model = _instead_of(store, model, error, say)
            continue
        return predictor, describe_loaded(predictor, model.id)


NO_GRAPHICS_CARD = "The graphics card chosen in Preferences cannot be used here: the model runs on the processor"


def _provider_for_editor(provider: str, say: Say) -> str:
    """The provider asked for, or the CPU (said in one line) where this machine's onnxruntime lacks it: a missing
    graphics card is no fault of any model, and the editor still has suggestions."""
    from engine.runtime.onnx_backend import pick_providers

    try:
        pick_providers(provider)
    except BundleError:
        say(NO_GRAPHICS_CARD)
        return "cpu"
    return provider


def bundled_model() -> StoredModel:
    """The model Nextword ships, as the store lists it, without reading the store's pointer."""
    return StoredModel(BUNDLED, paths.bundled_model_dir())


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
