"""Hostile files: made to hurt, not merely damaged. JSON nested past what the parser survives, numbers that are
not numbers, a zip bomb in a bundle, a rare-word list of millions of words, a file name that is not UTF-8.
Each is refused quickly and cheaply with a message naming the file (kept aside where it is the person's), and
nothing prints a traceback. Sizes here are small: bench/hostile_bundle.py measures the full-sized ones."""

import json
import os
import re
import shutil
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format

from engine.core import safe_json
from engine.core.bundle import BundleError, read_manifest
from engine.core.console import printable
from engine.core.model_store import BUNDLED, ModelStore, ModelStoreError
from engine.core.paths import bundled_model_dir
from engine.core.safe_npz import NpzLimits
from engine.runtime import lexicon
from engine.runtime.lexicon import LexiconError, RareWords
from engine.runtime.ngram import BUNDLE_LIMITS, KneserNey, NgramError
from engine.runtime.personal_cache import CacheError, PersonalCache

# Deep enough that json raises RecursionError (100,000 levels overflow the C stack and abort the process).
NESTED = b"[" * 5000 + b"]" * 5000


# The one reader


def test_json_nested_deeper_than_the_limit_is_refused_before_json_sees_it(tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)  # json itself would abort the process on this
    with pytest.raises(safe_json.JSONFileError, match=r"deep.json: nests lists or objects 100,000 levels deep"):
        safe_json.read_json(path)


def test_brackets_and_commas_inside_strings_are_text_not_nesting(tmp_path):
    value = {"lines": ["[" * 500, "\\\"[[[", "{" * 100 + ",,,"], "end": [[["\\"]]]}
    path = tmp_path / "text.json"
    path.write_text(json.dumps(value))
    assert safe_json.read_json(path, max_values=10) == value
    with pytest.raises(safe_json.JSONFileError, match="7 levels deep"):
        safe_json.parse(json.dumps([[[[[[[1]]]]]]]).encode(), "seven.json", max_depth=6)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_that_is_not_a_number_is_refused_naming_the_file(number):
    with pytest.raises(safe_json.JSONFileError, match=f"counts.json: holds {number}.*not a number"):
        safe_json.parse(f'{{"count": {number}}}'.encode(), "counts.json")


def test_a_file_larger_than_its_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps(["word"] * 1000))
    with pytest.raises(safe_json.JSONFileError, match=r"big.json: is 8,\d\d\d bytes, larger than Nextword ever makes"):
        safe_json.read_json(path, max_bytes=1000)


def test_a_file_that_is_not_utf8_says_so_with_the_byte(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('["café"]'.encode("latin-1"))
    with pytest.raises(safe_json.JSONFileError, match="latin1.json: is not UTF-8 text .byte 0xe9"):
        safe_json.read_json(path)


# The person's files: kept aside with one message


def test_a_deeply_nested_model_pointer_is_a_message_from_nextword_models_and_suggest_never_a_traceback(capsys):
    from engine.cli import main as nextword

    store = ModelStore()
    store.root.mkdir(parents=True)
    store.pointer_path.write_bytes(NESTED)
    with pytest.raises(ModelStoreError, match="active.json: the choice of active model nests .* 5,000 levels deep"):
        store.active()
    assert nextword(["models"]) == 2 and nextword(["suggest", "how are "]) == 2
    errors = capsys.readouterr().err
    assert errors.count("active.json: the choice of active model nests") == 2 and "Traceback" not in errors
    assert store.use(BUNDLED).id == BUNDLED and store.active().id == BUNDLED  # kept aside and written anew


def test_a_deeply_nested_stored_manifest_is_a_bundle_error_naming_it(tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(NESTED)
    with pytest.raises(BundleError, match="manifest.json: nests lists or objects 5,000 levels deep"):
        read_manifest(folder)


def test_a_deeply_nested_fine_tune_record_leaves_the_list_working():
    store = ModelStore()
    scratch = store.new_scratch()
    model = store.add(_copy_of_bundled(scratch), {"sources": ["notes.txt"]}, True)
    (model.path / "finetune.json").write_bytes(NESTED)
    assert [(item.id, item.record) for item in store.models()] == [(BUNDLED, {}), ("v1", {})]


@pytest.mark.parametrize("counts", ['{"hello": NaN}', '{"hello": Infinity}', '{"hello": "nan"}', '{"hello": -1}',
                                    '{"hello": 1e300}'])
def test_a_personal_cache_whose_counts_are_not_counts_is_refused_naming_the_file(tmp_path, counts):
    path = tmp_path / "personal_cache.json"
    path.write_text(f'{{"format": "nextword-personal-cache", "version": 1, "clock": 3, "unigrams": {counts}, '
                    '"bigrams": [], "trigrams": []}')
    with pytest.raises(CacheError, match="personal_cache.json: the personal cache .*move it away or delete it"):
        PersonalCache.load(path)


def test_a_deeply_nested_personal_cache_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "personal_cache.json"
    path.write_bytes(NESTED)
    with pytest.raises(CacheError, match="personal_cache.json: the personal cache nests lists or objects 5,000"):
        PersonalCache.load(path)


# A hostile bundle: refused before it takes the memory it claims


def zip_bomb(path, megabytes: int) -> None:
    """An .npz whose unigram array is `megabytes` of zeros: a few hundred times smaller on disk."""
    count = megabytes * 2**20 // 8
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("unigram.npy", "w", force_zip64=True) as member:
            npy_format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (count,)})
            for _ in range(megabytes):
                member.write(bytes(2**20))
        for name, value in (("vocab_size", count), ("order", 3)):
            with archive.open(f"{name}.npy", "w") as member:
                npy_format.write_array(member, np.asarray(value))


def refusal_cost(read) -> tuple[str, float, float]:
    """The message `read` fails with, the seconds it took and the most memory Python and numpy held meanwhile."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(NgramError) as refused:
            read()
        return str(refused.value), time.perf_counter() - start, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("megabytes", "said"), [(80, "inflates to 80.0 MB, more than an array may take"),
                                                 (8, r"inflates [\d,]+ times .*a zip bomb")])
def test_a_zip_bomb_ngram_file_is_refused_fast_before_it_is_inflated(tmp_path, megabytes, said):
    path = tmp_path / "ngram.npz"
    zip_bomb(path, megabytes)
    message, seconds, peak_mb = refusal_cost(lambda: KneserNey.load(path))
    assert "ngram.npz: unigram.npy" in message and re.search(said, message)
    assert seconds < 1 and peak_mb < 4


def test_an_npz_header_claiming_a_huge_array_is_refused_without_taking_it(tmp_path):
    path = tmp_path / "ngram.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("unigram.npy", "w") as member:
        npy_format.write_array_header_1_0(member, {"descr": "<i8", "fortran_order": False, "shape": (10**10,)})
        member.write(bytes(64))
    message, seconds, peak_mb = refusal_cost(lambda: KneserNey.load(path))
    assert "claims an array of 76,293.9 MB" in message and seconds < 1 and peak_mb < 4


def test_an_npz_of_too_many_members_is_refused_before_its_directory_is_read(tmp_path):
    path = tmp_path / "ngram.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(BUNDLE_LIMITS.members + 1):
            archive.writestr(f"a{number}.npy", b"")
    with pytest.raises(NgramError, match="ngram.npz: holds 65 members, more than 64"):
        KneserNey.load(path)


def test_the_shipped_ngram_file_fits_the_limits_and_one_that_would_not_is_never_written(tmp_path):
    model = KneserNey.load(bundled_model_dir() / "ngram.npz")
    with pytest.raises(NgramError, match="more than a bundle may hold.*--ngram-min-count"):
        model.save(tmp_path / "ngram.npz", limits=NpzLimits(array_bytes=2**20, total_bytes=4 * 2**20))
    assert not (tmp_path / "ngram.npz").exists()


def test_a_rare_word_list_of_more_words_than_nextword_makes_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(lexicon, "MAX_RARE_WORDS", 100)
    path = tmp_path / "rare_words.json"
    words = [f"word{number}" for number in range(101)]
    path.write_text(json.dumps({"format": lexicon.FORMAT, "version": 1, "words": words, "counts": [2] * 101}))
    with pytest.raises(LexiconError, match="rare_words.json: rare-word list holds (101 words|30[0-9] values)"):
        RareWords.load(path)
    monkeypatch.setattr(lexicon, "MAX_RARE_WORDS_BYTES", 1000)
    with pytest.raises(LexiconError, match="rare_words.json: rare-word list is 1,\\d\\d\\d bytes, larger than"):
        RareWords.load(path)


def test_a_rare_word_list_too_long_to_load_is_saved_with_its_most_frequent_words(tmp_path, monkeypatch):
    monkeypatch.setattr(lexicon, "MAX_RARE_WORDS", 2)
    RareWords(["often", "rarely", "sometimes"], [9, 1, 5], {"often": "Often"}).save(tmp_path / "rare_words.json")
    saved = RareWords.load(tmp_path / "rare_words.json")
    assert saved.words == ["often", "sometimes"] and saved.display == {"often": "Often"}


def test_the_shipped_rare_words_fit_the_limits_many_times_over():
    assert len(RareWords.load(bundled_model_dir() / "rare_words.json")) * 20 < lexicon.MAX_RARE_WORDS


# File names that are not UTF-8


def test_nextword_models_prints_a_file_name_that_is_not_utf8_without_crashing(capsys):
    from engine.models_cli import main as models_main

    store = ModelStore()
    scratch = store.new_scratch()
    latin1 = os.fsdecode(b"notes-\xe9t\xe9.txt")  # as Python keeps a Latin-1 name it listed: lone surrogates
    store.add(_copy_of_bundled(scratch), {"created": "2026-11-28T10:00:00", "sources": [latin1]}, True)
    assert models_main([]) == 0
    assert "notes-\\xe9t\\xe9.txt" in capsys.readouterr().out
    assert models_main(["--json"]) == 0 and json.loads(capsys.readouterr().out)[1]["sources"] == [latin1]


def test_printable_shows_undecodable_bytes_and_stray_surrogates_as_escapes():
    assert printable(os.fsdecode(b"caf\xe9.txt")) == "caf\\xe9.txt"
    assert printable("a\ud800b") == "a\\ud800b" and printable("naïve ✓") == "naïve ✓"


def _copy_of_bundled(scratch):
    shutil.copytree(bundled_model_dir(), scratch / "bundle")
    return scratch / "bundle"
