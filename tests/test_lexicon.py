from collections import Counter

import numpy as np
import pytest

from engine.core.vocab import Vocab
from engine.runtime.lexicon import LexiconError, RareWords
from engine.runtime.suggestions import WordChooser


@pytest.fixture
def vocab():
    return Vocab.build(Counter({"the": 9, "tomorrow": 5, "to": 8, "pizza": 3}), min_count=1)


@pytest.fixture
def rare(vocab):
    counts = Counter({"pneumonia": 3, "pneumatic": 1, "tomography": 2, "the": 99, "x1!": 5, "netflix": 2})
    return RareWords.build(counts, vocab, min_count=2, display_counts=Counter({"Netflix": 2}))


def probabilities_with_unk(vocab, unk):
    probabilities = np.full(len(vocab), 0.01)
    probabilities[vocab.unk_id] = unk
    return probabilities


def test_only_words_outside_the_vocabulary_seen_often_enough_are_kept(rare):
    assert rare.words == ["netflix", "pneumonia", "tomography"]  # "pneumatic" once: likely a typo
    words, shares = rare.completions("PNEU")
    assert words == ["pneumonia"] and shares.tolist() == [3 / 7]


def test_a_typed_prefix_completes_a_word_the_model_does_not_know(vocab, rare):
    chooser = WordChooser(vocab, rare_words=rare, skip_passed_over=False)
    offered = chooser.choose(probabilities_with_unk(vocab, 0.2), "i have pneu", 3)
    assert [s.word for s in offered] == ["pneumonia"]
    assert offered[0].probability == pytest.approx(0.2 * 3 / 7)
    assert [s.word for s in chooser.choose(probabilities_with_unk(vocab, 0.2), "watching net", 3)] == ["Netflix"]


def test_rare_words_rank_below_known_words_by_the_model_belief_in_an_unknown_word(vocab, rare):
    chooser = WordChooser(vocab, rare_words=rare, skip_passed_over=False)
    low = [s.word for s in chooser.choose(probabilities_with_unk(vocab, 0.001), "see you to", 3)]
    high = [s.word for s in chooser.choose(probabilities_with_unk(vocab, 0.9), "see you to", 3)]
    assert low == ["tomorrow", "tomography"]  # "to" is typed in full already
    assert high[0] == "tomography"


def test_rare_words_are_not_offered_at_a_word_start_or_when_blocked(vocab, rare):
    chooser = WordChooser(vocab, blocked_words={"pneumonia"}, rare_words=rare, skip_passed_over=False)
    probabilities = probabilities_with_unk(vocab, 0.9)
    offered = {s.word.lower() for s in chooser.choose(probabilities, "so ", 9)}
    assert not {"pneumonia", "netflix", "tomography"} & offered
    assert chooser.choose(probabilities, "so pneu", 3) == []


def test_rare_words_survive_a_round_trip_and_a_damaged_file_is_named(rare, tmp_path):
    path = tmp_path / "rare_words.json"
    rare.save(path)
    loaded = RareWords.load(path)
    assert loaded.words == rare.words and loaded.display_form("netflix") == "Netflix"
    path.write_text('{"format": "nextword-rare-words", "words": ["a"], "counts": []}')
    with pytest.raises(LexiconError, match="rare_words.json.*damaged"):
        RareWords.load(path)
    path.write_text("{not json")
    with pytest.raises(LexiconError, match="rare_words.json"):
        RareWords.load(path)


def test_a_release_completes_words_beyond_its_vocabulary(tiny_corpus, tmp_path, capsys):
    from conftest import tiny_config

    from engine.cli import main as nextword
    from engine.runtime.model_opening import open_model
    from engine.training.release import main as release
    from engine.training.trainer import train

    # A vocabulary too small for the corpus: "netflix" is <unk> to the model.
    train(tiny_config(tiny_corpus, tmp_path / "run", max_vocab=20, max_steps=3), log=lambda *args: None)
    model = tmp_path / "release" / "nextword.pt"
    assert release([str(tmp_path / "run" / "best.pt"), "--out", str(model), "--rare-words-min-count", "1"]) == 0
    predictor = open_model(model)
    assert "netflix" not in predictor.vocab.index
    predictor.chooser.skip_passed_over = False  # so few words that "Netflix" was shown after "n" already
    assert "Netflix" in [s.word for s in predictor.suggest("Do you like to watch netf", 3)]

    (model.parent / "rare_words.json").write_text("{cut short")
    capsys.readouterr()
    assert nextword(["suggest", "--model", str(model), "watch netf"]) == 2
    assert "rare_words.json: rare-word list is not valid JSON" in capsys.readouterr().err


def test_a_word_seen_once_is_kept_unless_it_looks_like_a_slip(vocab):
    counts = Counter({"tomorow": 1, "tommorrow": 1, "tomography": 1, "pneumonia": 3, "pnuemonia": 1,
                      "whataburger": 1})
    rare = RareWords.build(counts, vocab, min_count=1)
    # A letter left out of or added to "tomorrow" (known), letters swapped in "pneumonia" (seen more often).
    assert rare.words == ["pneumonia", "tomography", "whataburger"]
    assert "tomorow" in RareWords.build(counts, vocab, min_count=1, trusted_count=1).words
