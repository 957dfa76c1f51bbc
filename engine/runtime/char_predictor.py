"""CharPredictor: suggestions and completions from a character model, by beam search over characters.

The model reads the text spelled out (engine/core/characters.py), with its state after every prefix cached
by the Predictor this extends, so a keystroke reads one character. The likeliest ways to end the word
being typed (or the next word, at a word start) are found by a short beam search over letters up to a
word end. They make a distribution over the word vocabulary, and from there on a word model's machinery
takes over: the same choice of chips (blocked words, usual written forms, the one-letter rule), the
personal cache mixed in, and the same phrase scoring for the inline completion (one word long here).

The distribution depends on the letters typed, so the words passed over while typing a word are worked
out from each earlier letter's own search (WordChooser's rotation assumes one distribution per word).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from engine.core import characters as spelling
from engine.core.typed import Typed, context_tokens
from engine.core.vocab import BOS, EOS, SPEAKERS, SPECIAL_TOKENS, Vocab
from engine.runtime.cache_layout import NO_EXTRAS, Extras
from engine.runtime.completion import NOTHING, Completion, as_completion
from engine.runtime.model_input import line_layout
from engine.runtime.predictor import Predictor, last_tokens
from engine.runtime.suggestions import Suggestion

BEAM_WIDTH = 8  # letter sequences kept at each depth
MAX_LETTERS = 18  # the longest ending searched for
KEEP_WORDS = 12  # a beam is dropped once it is less likely than this many words already ended
# A character model reads about five ids per word: up to 240 of them (~45 words), moved on in steps of 40.
MAX_CONTEXT_CHARACTERS, CONTEXT_CHARACTER_STEP = 240, 40


class CharPredictor(Predictor):
    def __init__(self, characters: Vocab, words: Vocab, backend, rare_words=None,
                 blocked_words: set[str] | frozenset = frozenset(), cache_size: int = 2048):
        super().__init__(words, backend, rare_words=rare_words, blocked_words=blocked_words, cache_size=cache_size)
        self.characters = characters
        self.word_ends = spelling.word_ends(characters)
        self.letters = np.asarray([len(token) == 1 and token != spelling.SPACE for token in characters.tokens])
        self._words_cache: OrderedDict[tuple, tuple[np.ndarray, Extras]] = OrderedDict()
        self._shown: dict[tuple[str, int], list[str]] = {}  # (prefix, k) -> words offered, for one word:
        self._shown_for: tuple = ()  # (context, previous, speaker)

    word_level = False  # no word-level perplexity: it predicts characters

    def character_ids(self, tokens: list[str], partial: str, previous: str | None, speaker: str | None) -> list[int]:
        """The model's input: the line laid out as in training (after the message it answers, when given),
        spelled, then the letters of the partial word."""
        layout = line_layout(tokens, previous, speaker)
        ids = spelling.encode(layout, self.characters) + self.characters.encode(list(partial))
        return last_tokens(ids, MAX_CONTEXT_CHARACTERS, CONTEXT_CHARACTER_STEP)

    def endings(self, ids: list[int]) -> dict[str, float]:
        """The likeliest letters that end the word whose start ends `ids`: ending -> P(those letters, then a
        word end). Beams of letters are extended together, one batched step per depth."""
        probabilities = self.network_probabilities(ids)
        beams = [("", 0.0, probabilities, self._cache[tuple(ids)][0])]
        found: dict[str, float] = {}
        for _ in range(MAX_LETTERS):
            grown = []
            for text, log_p, next_letter, state in beams:
                ended = float(next_letter[self.word_ends].sum())
                if text and ended > 0:
                    found[text] = math.exp(log_p) * ended
                scores = np.where(self.letters, next_letter, 0.0)
                for letter in np.argpartition(-scores, BEAM_WIDTH)[:BEAM_WIDTH]:
                    if scores[letter] > 0:
                        grown.append((log_p + math.log(scores[letter]), text + self.characters.tokens[letter],
                                      int(letter), state))
            floor = sorted(found.values(), reverse=True)[KEEP_WORDS - 1] if len(found) >= KEEP_WORDS else 0.0
            grown = sorted(grown, key=lambda beam: beam[0], reverse=True)[:BEAM_WIDTH]
            grown = [beam for beam in grown if math.exp(beam[0]) > floor]
            if not grown:  # a longer word is never likelier than its start: none left can make the list
                break
            stepped, states = self.backend.step_each([beam[2] for beam in grown], [beam[3] for beam in grown])
            beams = [(text, log_p, stepped[row], states[row]) for row, (log_p, text, _, _) in enumerate(grown)]
        return found

    def word_distribution(self, context: str, partial: str, previous: str | None = None,
                          speaker: str | None = None) -> tuple[np.ndarray, Extras]:
        """P(word | context, the letters typed) over the word vocabulary, and the personal cache's own words.
        Words it spells that the vocabulary lacks count as <unk> (rare words are offered through it)."""
        partial = partial.lower()
        version = self.personal.version if self.personal is not None else -1
        key = (context, partial, previous, speaker, version)
        if key in self._words_cache:
            self._words_cache.move_to_end(key)
            return self._words_cache[key]
        tokens = list(context_tokens(context))
        probabilities = np.zeros(len(self.vocab))
        for ending, probability in self.endings(self.character_ids(tokens, partial, previous, speaker)).items():
            index = self.vocab.index.get(partial + ending, self.vocab.unk_id)
            probabilities[self.vocab.unk_id if index < len(SPECIAL_TOKENS) else index] += probability
        extras = NO_EXTRAS
        if self.personal is not None:
            probabilities, extras = self.personal.mix(probabilities, tokens)
        probabilities.flags.writeable = False
        self._words_cache[key] = (probabilities, extras)
        if len(self._words_cache) > 64:
            self._words_cache.popitem(last=False)
        return probabilities, extras

    def suggest(self, left_text: str, k: int = 3, previous: str | None = None,
                speaker: str | None = None, corrections: bool = True) -> list[Suggestion]:
        """As Predictor.suggest; a character model has no dictionary, so it offers no corrections."""
        if speaker is not None and speaker not in SPEAKERS:
            raise ValueError(f"speaker {speaker!r}: choose one of {', '.join(SPEAKERS)}")
        typed = Typed.read(left_text)
        probabilities, extras = self.word_distribution(typed.context, typed.partial, previous, speaker)
        passed = self._passed_over(typed.context, typed.partial, previous, speaker, k)
        return self.chooser.choose(probabilities, typed, k, extras, passed=passed)

    def _passed_over(self, context: str, partial: str, previous, speaker, k: int) -> set[str]:
        """The words offered at each earlier letter of this word (each from its own search), as WordChooser
        rotates chips for a word model: seen and typed past."""
        passed: set[str] = set()
        if self._shown_for != (context, previous, speaker):
            self._shown, self._shown_for = {}, (context, previous, speaker)  # another word
        for length in range(len(partial)):
            prefix = partial[:length]
            key = (prefix.lower(), k)
            if key not in self._shown:
                probabilities, extras = self.word_distribution(context, prefix, previous, speaker)
                self._shown[key] = self.chooser.shown(probabilities, prefix, k, passed, extras)
            if not self._shown[key]:
                break  # nothing was offered: a 10,000-letter "word" is not searched 10,000 times
            passed.update(self._shown[key])
        return passed

    def complete(self, left_text: str, previous: str | None = None, speaker: str | None = None,
                 min_probability: float = 0.25, max_words: int = 4, first_word: str | None = None) -> Completion:
        """The likeliest word, completed, when it holds at least min_probability of the words found. first_word:
        the word it must be (the best chip's: one best guess), or None."""
        typed = Typed.read(left_text)
        probabilities, _ = self.word_distribution(typed.context, typed.partial, previous, speaker)
        partial = typed.partial
        total = float(probabilities.sum())
        candidates = self.chooser.completions(partial) if partial else self.chooser.allowed_word_ids
        candidates = candidates[self.chooser.allowed_mask[candidates]]
        if first_word is not None:
            candidates = candidates[candidates == self.chooser.vocab.index.get(first_word.lower(), -1)]
        if total <= 0 or len(candidates) == 0:
            return NOTHING
        best = int(candidates[np.argmax(probabilities[candidates])])
        score = float(probabilities[best]) / total
        return as_completion(self.chooser, typed, [best], score) if score >= min_probability else NOTHING

    def token_probabilities(self, tokens: list[str]) -> np.ndarray:
        """P(each token | the line before it): the product of its letters' and its space's probabilities."""
        ids = spelling.encode([SPEAKERS[0], BOS, *tokens, EOS], self.characters)
        log_probs = self.network_log_probs(ids)  # log P(ids[t + 1] | ids[:t + 1])
        probabilities, position = np.empty(len(tokens)), 2  # ids[2] is the first token's first letter
        for index, token in enumerate(tokens):
            length = len(spelling.spelled([token]))
            probabilities[index] = math.exp(float(log_probs[position - 1:position - 1 + length].sum()))
            position += length
        return probabilities
