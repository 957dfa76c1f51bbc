"""Spell-check for the editor: the misspelled words of a text, what a misspelled word may mean in its
context, and a finished sentence as autocorrect would have left it (what the personal cache learns).

A word is checked when it is a plain word: letters and apostrophes, not touching a digit or an underscore
("abc123", "my_var"), not in an address or a file name ("www.gogle.com", "bob@gmial.com", "notes.txt"),
not an acronym ("NASA") nor written in mixed case ("iPhone", "camelCase"). It is misspelled when neither
Nextword's dictionary, its model's vocabulary nor the person knows it (Predictor.misspelled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.core.typed import matching_case

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_ADDRESS = re.compile(r"@|://|\w\.\w", re.IGNORECASE)  # e-mail, web or file names: "bob@x", "gogle.com", "a.txt"
_CHUNK = re.compile(r"\S+")
_JOINED = re.compile(r"[\w@/]")  # a word touching one of these is part of something else (digits, names_like_this)


@dataclass(frozen=True)
class Misspelling:
    start: int  # where the word starts in the text checked
    word: str


def checked_words(text: str):
    """The plain words of `text` (re.Match objects), as the module's docstring says."""
    for chunk in _CHUNK.finditer(text):
        if _ADDRESS.search(chunk.group()):
            continue
        for match in WORD.finditer(chunk.group()):
            start, end, word = match.start(), match.end(), match.group()
            before, after = chunk.group()[start - 1:start], chunk.group()[end:end + 1]
            if _JOINED.match(before) or _JOINED.match(after):
                continue  # "abc1", "x_y", "a/b", "café" (only plain English letters are checked)
            if len(word) > 1 and word[1:] != word[1:].lower():
                continue  # NASA, iPhone, camelCase
            yield chunk.start() + start, word


def misspellings(predictor, text: str) -> list[Misspelling]:
    """The words of `text` the predictor's dictionary and the person do not know, in order."""
    return [Misspelling(start, word) for start, word in checked_words(text) if predictor.misspelled(word)]


def spelling_corrections(predictor, left_text: str, k: int = 3) -> list[str]:
    """The words likeliest meant by the last word of `left_text` (a whole word, misspelled), read in its context,
    best first, in the case it was typed in."""
    corrector = predictor.corrector
    typed = predictor.read(left_text)
    if corrector is None or not typed.partial:
        return []
    probabilities, extras = predictor.distribution_for(typed)
    readings = corrector.corrections(typed.partial, probabilities, whole_word=True,
                                     allowed=predictor.chooser.may_offer, wanted=k)
    return [matching_case(predictor.chooser.display_form(reading.word, extras), typed.partial)
            for reading in readings[:k]]


def as_meant(predictor, sentence: str) -> str:
    """The sentence with each word autocorrect would replace replaced: a typo the editor corrected a moment after
    the sentence was finished is not learned as the person's word."""
    pieces, done = [], 0
    for start, word in checked_words(sentence):
        if not predictor.may_be_typo(word.lower()):
            continue  # what autocorrect would leave (spell-check's rule would also leave the chat's "htat")
        found = predictor.autocorrection(sentence[:start + len(word)])
        if found is not None:
            pieces += [sentence[done:start], found.word]
            done = start + len(word)
    return "".join(pieces) + sentence[done:]
