"""What was typed left of the cursor, read once per request and passed down as one frozen value.

Every part of a suggestion needs the same few readings of the text: where the word being typed starts
(the protocol's partial word), the context before it and its tokens, and whether the word should be
written with a capital. They are made here once per keystroke, instead of each module splitting the
text again; the predictor adds the model's input ids (`Typed.with_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from engine.core.tokenizer import split_partial, starts_sentence, tokenize


@lru_cache(maxsize=256)
def context_tokens(context: str) -> tuple[str, ...]:
    """The context's tokens, lower-cased: every keystroke inside a word asks for the same context's again."""
    return tuple(tokenize(context))


@dataclass(frozen=True)
class Typed:
    left_text: str  # the text of the current line left of the cursor, as typed
    context: str  # left_text before the partial word
    partial: str  # the word being typed ("" at a word start)
    tokens: tuple[str, ...]  # the context's tokens, lower-cased: what the model reads
    previous: str | None = None  # the message this line answers, when given (conversation context)
    speaker: str | None = None  # the line's speaker tag, when given
    ids: tuple[int, ...] = ()  # the model's input for all of that, where a predictor has laid it out
    meant: tuple[str, ...] = ()  # the tokens as the predictor read them: a typo read as the word meant

    @classmethod
    def read(cls, left_text: str) -> Typed:
        context, partial = split_partial(left_text)
        return cls(left_text, context, partial, context_tokens(context))

    @classmethod
    def after(cls, context: str) -> Typed:
        """The whole text as context, its last word complete (what a generator writes after)."""
        return cls(context, context, "", context_tokens(context))

    def answering(self, previous: str | None, speaker: str | None) -> Typed:
        return replace(self, previous=previous, speaker=speaker) if previous is not None or speaker else self

    def with_reading(self, meant, ids) -> Typed:
        """The context as the predictor read it (engine/runtime/corrector.py), and the model's input for it."""
        return replace(self, meant=tuple(meant), ids=tuple(ids))

    @property
    def key(self) -> tuple:
        """What the next word's distribution depends on: the context and the conversation."""
        return self.context, self.previous, self.speaker

    @property
    def capitalised(self) -> bool:
        """The one capitalisation rule: a word is offered with a capital when the person started the word with
        one, or when it starts a sentence."""
        return bool(self.partial[:1].isupper()) or (not self.partial and starts_sentence(self.context))

    def shown(self, word: str) -> str:
        """A word as it should be written here ("The" at a sentence start)."""
        return capitalise(word) if self.capitalised else word


def capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def matching_case(meant: str, typed: str) -> str:
    """The word meant written as the word was typed: all capitals, a first capital, or as the word is written."""
    if typed.isupper() and len(typed) > 1:
        return meant.upper()
    return capitalise(meant) if typed[:1].isupper() else meant


def as_typed(text: Typed | str) -> Typed:
    """A Typed as it is, or read from left_text (for callers that hold only the text)."""
    return text if isinstance(text, Typed) else Typed.read(text)
