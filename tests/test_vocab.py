import json
from collections import Counter

import pytest

from engine.core.vocab import SPECIAL_TOKENS, UNK, Vocab, VocabError


def make_vocab(**kwargs):
    counts = Counter({"the": 5, "cat": 3, "sat": 3, "rare": 1, "i": 4})
    display = Counter({"I": 4, "the": 5, "Cat": 1, "cat": 2})
    return Vocab.build(counts, display_counts=display, **kwargs)


def test_specials_come_first_then_words_by_count():
    vocab = make_vocab(min_count=2)
    assert vocab.tokens[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    assert vocab.tokens[len(SPECIAL_TOKENS):] == ["the", "i", "cat", "sat"]


def test_min_count_and_max_size_limit_the_words():
    assert "rare" not in make_vocab(min_count=2).index
    assert len(make_vocab(min_count=1, max_size=len(SPECIAL_TOKENS) + 2)) == len(SPECIAL_TOKENS) + 2


def test_unknown_words_map_to_unk():
    vocab = make_vocab()
    assert vocab.decode(vocab.encode(["the", "zebra"])) == ["the", UNK]


def test_display_form_is_the_usual_written_form():
    vocab = make_vocab()
    assert vocab.display_form("i") == "I"
    assert vocab.display_form("cat") == "cat"  # "cat" was written more often than "Cat"


def test_json_round_trip_keeps_everything(tmp_path):
    vocab = make_vocab()
    vocab.save(tmp_path / "vocab.json")
    loaded = Vocab.load(tmp_path / "vocab.json")
    assert loaded.tokens == vocab.tokens and loaded.display == vocab.display
    assert loaded.content_hash == vocab.content_hash


def test_a_changed_vocab_file_is_refused(tmp_path):
    data = make_vocab().to_json()
    data["tokens"][-1] = "dog"
    (tmp_path / "vocab.json").write_text(json.dumps(data))
    with pytest.raises(VocabError, match="hash does not match"):
        Vocab.load(tmp_path / "vocab.json")


def test_hash_changes_when_ids_change():
    assert make_vocab(min_count=1).content_hash != make_vocab(min_count=2).content_hash
