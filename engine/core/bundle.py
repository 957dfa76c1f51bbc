"""The model bundle: the one contract between `export` (which writes it) and the runtime (which reads it).

A bundle is a folder:

    manifest.json     what is in the folder and how to run it (this module reads and checks it)
    model.onnx        float32 graph: input_ids (B, T) int64, h0/c0 (L, B, H) -> logits (B, T, V), hn, cn
    model.int8.onnx   the same, dynamically quantized to int8 (optional; the default when present)
    vocab.json        the vocabulary, whose content hash the manifest records
    start_state.npy   optional (2, L, 1, H) state every line starts from (absent: zeros)
    ngram.npz         optional Kneser-Ney trigram mixed into the network's probabilities
    rare_words.json   optional completions beyond the vocabulary
    words.json        a character model's word vocabulary (vocab.json then holds its characters)

Every file name is defined here and nowhere else. Other files in the folder (a model card, training
records) are not part of the bundle: the runtime never reads them and an export keeps them.
Torch-free: the desktop reads bundles with numpy and onnxruntime only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from engine.core import safe_json
from engine.core.atomic import write_text_atomically
from engine.core.damaged import read_problem
from engine.core.tokenizer import TOKENIZER_VERSION
from engine.core.vocab import Vocab, VocabError

MANIFEST_FILE = "manifest.json"
FLOAT_MODEL_FILE = "model.onnx"
INT8_MODEL_FILE = "model.int8.onnx"
VOCAB_FILE = "vocab.json"
START_STATE_FILE = "start_state.npy"
NGRAM_FILE = "ngram.npz"
RARE_WORDS_FILE = "rare_words.json"
WORDS_FILE = "words.json"
BUNDLE_FILES = (MANIFEST_FILE, FLOAT_MODEL_FILE, INT8_MODEL_FILE, VOCAB_FILE, START_STATE_FILE, NGRAM_FILE,
                RARE_WORDS_FILE, WORDS_FILE)
FORMAT = "nextword-bundle"
FORMAT_VERSION = 1
INPUT_NAMES = ("input_ids", "h0", "c0")
OUTPUT_NAMES = ("logits", "hn", "cn")
REEXPORT = "export it again with `nextword export CHECKPOINT --out DIR --int8`"
COPY_AGAIN = f"copy the bundle again or {REEXPORT}"  # what to do with a bundle folder of the person's own
MAX_MANIFEST_BYTES = 2**20  # a manifest is a few kilobytes (the shipped one: 3 KB)


class ModelError(ValueError):
    """A model (bundle or checkpoint) that cannot be used; the message names the file, what is wrong
    and what to do."""


class BundleError(ModelError):
    """A bundle that cannot be used."""


class NewerBundleError(BundleError):
    """A bundle made by a newer Nextword: not damaged, so never kept aside; this version cannot use it."""


# The model architectures a bundle may hold (engine/training/architectures.py builds them); all run behind the
# same graph signature: input_ids, h0, c0 -> logits, hn, cn.
ARCHITECTURES = ("lstm", "char-lstm", "nplm", "transformer")
ARCHITECTURE_NAMES = {"lstm": "LSTM", "char-lstm": "Character LSTM", "nplm": "NPLM", "transformer": "Transformer"}


@dataclass
class Manifest:
    folder: Path
    model_file: str  # the graph to run: the int8 one when the bundle has it
    models: dict[str, str]  # "float" / "int8" -> file name
    num_layers: int
    hidden_size: int
    vocab_size: int
    vocab_hash: str
    opset: int
    start_state_file: str = ""  # .npy of shape (2, L, 1, H); empty: every line starts from zeros
    ngram_mixture: dict | None = None
    metrics: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    advice: str = COPY_AGAIN  # what the person can do when a file of this bundle cannot be used
    architecture: str = "lstm"  # one of ARCHITECTURES; bundles made before there was a choice are LSTMs
    words_hash: str = ""  # a character model's word vocabulary (WORDS_FILE)

    @property
    def path(self) -> Path:
        return self.folder / MANIFEST_FILE

    @property
    def model_path(self) -> Path:
        return self.folder / self.model_file

    @property
    def quantized(self) -> bool:
        return self.models.get("int8") == self.model_file

    @property
    def state_shape(self) -> tuple[int, int, int]:
        return (self.num_layers, 1, self.hidden_size)  # (L, B, H) for one stream


def is_bundle(path: str | Path) -> bool:
    path = Path(path)
    return path.is_dir() or path.name == MANIFEST_FILE


def read_manifest(path: str | Path, advice: str = COPY_AGAIN) -> Manifest:
    """The bundle at `path` (its folder or its manifest), checked: every file it names is there and
    was made for this version of the tokenizer and the vocabulary beside it. `advice` ends every message
    about a file that cannot be used: what the person can do (copy or export again, reinstall, switch)."""
    folder = Path(path)
    if folder.name == MANIFEST_FILE:
        folder = folder.parent
    manifest_path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise BundleError(f"{folder}: model bundle not found; check the path or {REEXPORT}")
    if not manifest_path.exists():
        raise BundleError(f"{manifest_path}: not found, so {folder} is not a model bundle; {advice}")
    try:
        raw = safe_json.read_json(manifest_path, MAX_MANIFEST_BYTES)
    except OSError as problem:
        raise BundleError(f"{manifest_path}: {read_problem(problem)}; {advice}") from None
    except safe_json.JSONFileError as problem:
        raise BundleError(f"{manifest_path}: {problem.problem}; {advice}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BundleError(f"{manifest_path}: not a Nextword bundle manifest; {advice}")
    if not isinstance(raw.get("version", 0), int):
        raise BundleError(f"{manifest_path}: missing or wrong field 'version'; {advice}")
    if raw.get("version", 0) > FORMAT_VERSION:
        raise NewerBundleError(f"{manifest_path}: made by a newer Nextword (bundle format {raw['version']}); "
                          "upgrade Nextword to use it")
    if raw.get("tokenizer_version") != TOKENIZER_VERSION:
        raise BundleError(f"{manifest_path}: made for tokenizer version {raw.get('tokenizer_version')}, this "
                          f"Nextword splits text with version {TOKENIZER_VERSION}; {advice}")
    try:
        state = raw["state"]
        manifest = Manifest(
            folder=folder, model_file=str(raw["default_model"]), models=dict(raw["models"]),
            num_layers=int(state["num_layers"]), hidden_size=int(state["hidden_size"]),
            vocab_size=int(raw["vocab_size"]), vocab_hash=str(raw["vocab_hash"]), opset=int(raw["opset"]),
            start_state_file=str(raw.get("start_state") or ""), ngram_mixture=raw.get("ngram_mixture"),
            metrics=raw.get("metrics", {}), raw=raw, advice=advice, architecture=str(raw.get("architecture", "lstm")),
            words_hash=str(raw.get("words_hash") or ""))
        if manifest.architecture == "char-lstm" and not manifest.words_hash:
            raise ValueError("'words_hash': a character model names its word vocabulary")
        if manifest.architecture not in ARCHITECTURES:
            raise ValueError(f"'architecture': {manifest.architecture!r} is not one of {', '.join(ARCHITECTURES)}")
        if min(manifest.num_layers, manifest.hidden_size, manifest.vocab_size) < 1:
            raise ValueError("num_layers, hidden_size and vocab_size must be at least 1")
        for name in (manifest.model_file, *manifest.models.values(), manifest.start_state_file):
            if name and Path(name).name != name:
                raise ValueError(f"{name!r} is not a file name in the bundle")
    except (KeyError, TypeError, ValueError, AttributeError) as problem:
        raise BundleError(f"{manifest_path}: missing or wrong field {problem}; {advice}") from None
    if not all(isinstance(raw.get(key), list) for key in ("inputs", "outputs")) or \
            tuple(raw["inputs"]) != INPUT_NAMES or tuple(raw["outputs"]) != OUTPUT_NAMES:
        raise BundleError(f"{manifest_path}: the graph's inputs and outputs are not {INPUT_NAMES} -> "
                          f"{OUTPUT_NAMES}; {advice}")
    words = WORDS_FILE if manifest.words_hash else ""
    for name in (manifest.model_file, VOCAB_FILE, manifest.start_state_file, words):
        if not name:
            continue
        if (folder / name).is_dir():
            raise BundleError(f"{folder / name}: is a folder, not a file; {advice}")
        if not (folder / name).is_file():
            raise BundleError(f"{folder / name}: missing from the bundle; {advice}")
    return manifest


def file_checksums(folder: str | Path) -> dict[str, str]:
    """sha256 of each file of a bundle the model reads (not its card or records, which people edit); the
    manifest records them (`checksums`) at export."""
    data_files = {FLOAT_MODEL_FILE, INT8_MODEL_FILE, VOCAB_FILE, NGRAM_FILE, RARE_WORDS_FILE, START_STATE_FILE,
                  WORDS_FILE}
    return {path.name: _sha256(path) for path in sorted(Path(folder).iterdir())
            if path.is_file() and path.name in data_files}


def check_files(manifest: Manifest) -> None:
    """Every file the manifest has a checksum for is the file exported: a bit flipped in a graph's weights
    loads and runs, and would only suggest nonsense. A bundle exported before checksums has none to check."""
    for name, expected in (manifest.raw.get("checksums") or {}).items():
        path = manifest.folder / name
        if Path(name).name != name or not path.is_file():
            continue  # a file the model does not use may be gone; one it uses is checked where it is read
        try:
            actual = _sha256(path)
        except OSError as error:
            raise BundleError(f"{path}: {read_problem(error)}; {manifest.advice}") from None
        if actual != expected:
            raise BundleError(f"{path}: damaged (it is not the file exported: its checksum differs); "
                              f"{manifest.advice}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def load_vocab(manifest: Manifest) -> Vocab:
    """The bundle's vocabulary, refused if it is not the one the graph was exported with."""
    return _checked_vocab(manifest, VOCAB_FILE, manifest.vocab_hash, "vocabulary", manifest.vocab_size)


def load_words(manifest: Manifest) -> Vocab:
    """A character model's word vocabulary, refused if it is not the one exported with it."""
    return _checked_vocab(manifest, WORDS_FILE, manifest.words_hash, "word vocabulary")


def _checked_vocab(manifest: Manifest, name: str, expected_hash: str, what: str, size: int | None = None) -> Vocab:
    path = manifest.folder / name
    try:
        vocab = Vocab.load(path)
    except VocabError as error:
        raise BundleError(f"{error}; {manifest.advice}") from None
    if vocab.content_hash != expected_hash or size is not None and len(vocab) != size:
        raise BundleError(f"{path}: not the {what} this model was exported with (hash {vocab.content_hash[:12]}, "
                          f"manifest says {expected_hash[:12]}); {manifest.advice}")
    return vocab


def write_manifest(folder: str | Path, manifest: dict) -> Path:
    """Written last and atomically: a bundle with a manifest is a complete bundle."""
    text = json.dumps({"format": FORMAT, "version": FORMAT_VERSION, **manifest}, indent=2) + "\n"
    return write_text_atomically(Path(folder) / MANIFEST_FILE, text)
