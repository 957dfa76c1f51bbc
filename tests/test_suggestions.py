from collections import Counter

import numpy as np
import pytest

from engine.core.vocab import Vocab
from engine.runtime.suggestions import WordChooser


@pytest.fixture
def chooser():
    counts = Counter({"i": 9, "the": 8, ",": 7, "netflix": 6, "then": 5, "there": 4, "they're": 3, "damn": 2})
    vocab = Vocab.build(counts, min_count=1, display_counts=Counter({"I": 5, "Netflix": 3, "the": 4}))
    return WordChooser(vocab, blocked_words={"damn"}, skip_passed_over=False)  # its own test below


def uniform_except(chooser, boosts):
    probabilities = np.full(len(chooser.vocab), 0.01)
    for token, value in boosts.items():
        probabilities[chooser.vocab.index[token]] = value
    return probabilities


def words(suggestions):
    return [s.word for s in suggestions]


def test_special_tokens_and_punctuation_are_never_offered(chooser):
    probabilities = uniform_except(chooser, {"<unk>": 0.9, "<eos>": 0.8, ",": 0.7, "then": 0.2})
    offered = words(chooser.choose(probabilities, "and ", len(chooser.vocab)))
    assert offered[0] == "then"
    assert not {"<unk>", "<eos>", ",", "<s1>", "<pad>"} & set(offered)


def test_partial_word_gets_completions_ranked_by_the_model(chooser):
    probabilities = uniform_except(chooser, {"there": 0.3, "then": 0.2, "i": 0.9})
    assert words(chooser.choose(probabilities, "so th", 3)) == ["there", "then", "they're"]


def test_a_completion_one_letter_away_is_offered_only_when_it_is_clearly_the_word(chooser):
    unsure = uniform_except(chooser, {"the": 0.3, "then": 0.2, "there": 0.25})
    # After "th", "the" is one keystroke away and not the clear choice: the chip goes to a longer word.
    assert words(chooser.choose(unsure, "so th", 3)) == ["there", "then", "they're"]
    assert words(chooser.choose(unsure, "so t", 1)) == ["the"]  # two letters away: offered
    clear = uniform_except(chooser, {"the": 0.9, "then": 0.2})
    assert words(chooser.choose(clear, "so th", 2)) == ["the", "then"]  # most of the completions' probability
    always = WordChooser(chooser.vocab, one_letter_share=0.0, skip_passed_over=False)
    assert words(always.choose(unsure, "so th", 1)) == ["the"]
    assert "the" not in words(chooser.choose(unsure, "so the", 3))  # the word as typed is never a chip


def test_words_show_in_their_usual_form(chooser):
    probabilities = uniform_except(chooser, {"i": 0.5, "netflix": 0.4})
    assert words(chooser.choose(probabilities, "and ", 2)) == ["I", "Netflix"]


def test_sentence_start_is_capitalised(chooser):
    probabilities = uniform_except(chooser, {"the": 0.5})
    assert words(chooser.choose(probabilities, "", 1)) == ["The"]
    assert words(chooser.choose(probabilities, "Good. ", 1)) == ["The"]
    assert words(chooser.choose(probabilities, "and ", 1)) == ["the"]


def test_a_capital_typed_by_the_user_is_kept(chooser):
    probabilities = uniform_except(chooser, {"there": 0.5})
    assert words(chooser.choose(probabilities, "so Th", 1)) == ["There"]


def test_apostrophe_partial_completes_contractions(chooser):
    probabilities = uniform_except(chooser, {"they're": 0.5})
    assert words(chooser.choose(probabilities, "they'", 1)) == ["they're"]


def test_blocked_words_are_offered_only_once_typed_in_full(chooser):
    probabilities = uniform_except(chooser, {"damn": 0.9})
    assert "damn" not in words(chooser.choose(probabilities, "oh ", 3))
    assert "damn" not in words(chooser.choose(probabilities, "oh da", 3))
    every_completion = WordChooser(chooser.vocab, blocked_words={"damn"}, min_added_letters=0, skip_passed_over=False)
    assert words(every_completion.choose(probabilities, "oh damn", 1)) == ["damn"]


def test_probabilities_are_reported_best_first(chooser):
    suggestions = chooser.choose(uniform_except(chooser, {"then": 0.3, "there": 0.2}), "", 3)
    assert [s.probability for s in suggestions] == sorted((s.probability for s in suggestions), reverse=True)


def test_a_word_passed_over_while_typing_is_not_shown_again(chooser):
    rotating = WordChooser(chooser.vocab, blocked_words={"damn"})  # the product's default
    probabilities = uniform_except(chooser, {"the": 0.5, "then": 0.3, "there": 0.2, "they're": 0.1})
    assert words(rotating.choose(probabilities, "so ", 1)) == ["the"]
    assert words(rotating.choose(probabilities, "so t", 1)) == ["then"]  # "the" was offered after "so ", not taken
    assert words(rotating.choose(probabilities, "so th", 1)) == ["there"]  # and "then" after "so t"
    assert words(rotating.choose(probabilities, "so Th", 1)) == ["There"]
    assert words(chooser.choose(probabilities, "so th", 1)) == ["then"]  # without the rule "then" comes back
    assert words(rotating.choose(probabilities, "so then ", 1)) == ["the"]  # a new word starts afresh
    assert rotating.passed_over(probabilities, "th", 1) == {"the", "then"}
    sure = uniform_except(chooser, {"there": 0.9, "then": 0.05})
    assert words(rotating.choose(sure, "so ", 1)) == ["there"]
    assert words(rotating.choose(sure, "so the", 1)) == ["there"]  # passed over, but clearly the word: shown again
