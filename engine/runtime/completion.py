"""Phrase completion for inline (ghost) text: the likeliest few words after the cursor, by beam search.

The first word completes the partial word when the cursor is inside one, and its probability is
then conditioned on what is typed: P(word | context) / P(any word starting with the typed letters).
Each hypothesis is extended with the model's next words (through the predictor's state cache, so a
step costs one LSTM step), the `beam_width` likeliest survive, and the answer is the longest
continuation still at least `min_probability` likely: a person accepts one long confident phrase
with one key, and an unsure one is not shown at all.

One best guess: given `first_word` (the best chip's word), the phrase starts with that word or is not offered,
so that the grey text and the best chip never disagree (Tab and Alt+1 take the same word).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.typed import Typed, capitalise


@dataclass(frozen=True)
class Completion:
    text: str  # what appears after the cursor and is inserted on accept ("u doing" after "how are yo")
    words: tuple[str, ...]  # the whole words, the first one complete ("you", "doing")
    probability: float

    def __bool__(self) -> bool:
        return bool(self.text)


NOTHING = Completion("", (), 0.0)


def _best(scores: np.ndarray, ids: np.ndarray, count: int) -> list[tuple[float, int]]:
    if len(ids) == 0:
        return []
    take = min(count, len(ids))
    top = np.argpartition(-scores, take - 1)[:take]
    return sorted(((float(scores[i]), int(ids[i])) for i in top), reverse=True)


def complete_phrase(predictor, typed: Typed, min_probability: float = 0.25, max_words: int = 4,
                    beam_width: int = 4, first_word: str | None = None) -> Completion:
    """typed: what the predictor read of the text left of the cursor (Predictor.read), its ids laid out;
    first_word: the word the phrase must start with (any case), or None for the likeliest."""
    chooser = predictor.chooser
    partial = typed.partial
    history = list(typed.meant)  # the personal cache reads the words (as meant), the network the ids
    base = list(typed.ids)
    probabilities = predictor.distribution_for(typed)[0]
    allowed_ids = chooser.allowed_word_ids
    if partial:
        matching = chooser.prefix_ids(partial)  # every word starting with the typed letters, as typed included
        mass = float(probabilities[matching].sum())
        first = chooser.completions(partial)
        first = first[chooser.allowed_mask[first]]
        scores = probabilities[first] / mass if mass > 0 else np.zeros(len(first))
    else:
        first = allowed_ids
        scores = probabilities[first]
    if first_word is not None:
        keep = first == chooser.vocab.index.get(first_word.lower(), -1)
        first, scores = first[keep], scores[keep]
    beams = [(score, [token]) for score, token in _best(scores, first, beam_width) if score >= min_probability]
    found = list(beams)
    for _ in range(max_words - 1):
        extended = []
        for score, tokens in beams:
            following = predictor.next_probabilities(base + tokens, [*history, *chooser.vocab.decode(tokens)])
            for probability, token in _best(following[allowed_ids], allowed_ids, beam_width):
                if score * probability >= min_probability:  # a longer phrase is never more likely
                    extended.append((score * probability, [*tokens, token]))
        beams = sorted(extended, key=lambda beam: beam[0], reverse=True)[:beam_width]
        if not beams:
            break
        found.extend(beams)
    if not found:
        return NOTHING
    score, tokens = max(found, key=lambda beam: (len(beam[1]), beam[0]))
    return as_completion(chooser, typed, tokens, score)


def as_completion(chooser, typed: Typed, tokens: list[int], score: float) -> Completion:
    words = [chooser.vocab.display_form(chooser.vocab.tokens[token]) for token in tokens]
    if typed.capitalised:
        words[0] = capitalise(words[0])
    context, partial = typed.context, typed.partial
    text = " ".join([words[0][len(partial):], *words[1:]]) if partial else " ".join(words)
    if not partial and context and not context[-1].isspace():
        text = " " + text  # "hello," -> " how are you"
    return Completion(text, tuple(words), score)
