"""The one definition of a "word", shared by training, evaluation and typing.

Text is split with NLTK's TweetTokenizer (no downloaded data needed), which keeps contractions
("don't", "I'll") and chat words ("lol", "haha") whole and emoji and emoticons in one piece. Tokens
are then refined so that every token that *can* be suggested is a word in the sense of
shared/PROTOCOL.md (`[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*`); URLs and long numbers become one placeholder
token each instead of exploding into noise.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Bumped whenever tokenization changes: a model trained with another version would see other tokens.
TOKENIZER_VERSION = 1

URL_TOKEN = "<url>"
NUMBER_TOKEN = "<num>"

WORD_PATTERN = r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*"
_WORD = re.compile(WORD_PATTERN)
# What may be offered: the protocol's words, with letters of any script ("café", "naïve").
_SUGGESTABLE = re.compile(r"[^\W_]+(?:'[^\W_]+)*\Z")
# The protocol's partial word: a word at the very end, possibly with a trailing apostrophe ("I don'").
_PARTIAL_AT_END = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*'?\Z")
_URL = re.compile(r"(?i)^(?:https?://|www\.)\S+$")
# Plain numbers of up to four digits ("2", "10", "2018") are predictable words; longer or
# formatted numbers ("3.5", "1,000", "555-1234") are all alike to a language model.
_LONG_NUMBER = re.compile(r"^(?:\d{5,}|\d+(?:[.,:/-]\d+)+)$")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'"})
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s*\Z")



@lru_cache(maxsize=1)
def _tweet_tokenizer():
    """Made on first use, so that importing this module (the word pattern, split_partial) loads no nltk."""
    from nltk.tokenize import TweetTokenizer

    return TweetTokenizer(preserve_case=True, reduce_len=True, strip_handles=False)


def normalize(text: str) -> str:
    """NFC form with typographic apostrophes made ASCII, so "don’t" and "don't" are one word."""
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES)


def _refine(token: str) -> list[str]:
    if _URL.match(token):
        return [URL_TOKEN]
    if _LONG_NUMBER.match(token):
        return [NUMBER_TOKEN]
    if _SUGGESTABLE.match(token) or not _WORD.search(token):
        return [token]
    # Mixed tokens ("well-known", "#tag", "a@b.com") split into protocol words and single marks.
    pieces: list[str] = []
    position = 0
    for match in _WORD.finditer(token):
        pieces.extend(ch for ch in token[position : match.start()] if not ch.isspace())
        pieces.append(match.group())
        position = match.end()
    pieces.extend(ch for ch in token[position:] if not ch.isspace())
    return pieces


def tokenize_cased(text: str) -> list[str]:
    """Tokens as written (case kept); placeholders for URLs and long numbers."""
    tokens: list[str] = []
    for raw in _tweet_tokenizer().tokenize(normalize(text)):
        tokens.extend(_refine(raw))
    return tokens


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens: what the model reads and predicts."""
    return [token if token in (URL_TOKEN, NUMBER_TOKEN) else token.lower() for token in tokenize_cased(text)]


@lru_cache(maxsize=65536)
def is_word(token: str) -> bool:
    """True for tokens that may be offered as a suggestion: letters and digits, inner apostrophes."""
    return bool(_SUGGESTABLE.match(token))


def split_partial(left_text: str) -> tuple[str, str]:
    """Split text left of the cursor into (context, partial word being typed).

    The partial word is the protocol's longest suffix matching a word with an optional trailing
    apostrophe; it is empty when the text ends with a space or punctuation.
    """
    match = _PARTIAL_AT_END.search(left_text)
    if not match:
        return left_text, ""
    return left_text[: match.start()], match.group()


def starts_sentence(context: str) -> bool:
    """True where the next word begins a sentence: empty context or after ., ! or ?"""
    stripped = context.strip()
    return not stripped or bool(_SENTENCE_END.search(stripped))
