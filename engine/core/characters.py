"""The character model's text: the word tokens spelled out, one id per character.

The same tokenizer splits the text (so a character model and a word model are measured on the same
words), and each message keeps its markers as single ids:

    <s1> <bos> h o w ␣ a r e ␣ y o u ␣ ? ␣ <eos>

Every word is followed by a space, so a word ends where the model writes a space or <eos>: what the
predictor's beam search over characters stops at (engine/runtime/char_predictor.py). The placeholders
for numbers and links stay single ids, like the markers. Torch-free: training and the predictor share it.
A character model's bundle also holds the word vocabulary of the same text (WORDS_FILE): the words it
spells are offered, ranked and mixed with what the person wrote as a word model's are.
"""

from __future__ import annotations

from collections import Counter

from engine.core.tokenizer import NUMBER_TOKEN, URL_TOKEN
from engine.core.vocab import EOS, SPECIAL_TOKENS, Vocab

SPACE = " "
MARKERS = frozenset(SPECIAL_TOKENS) - {NUMBER_TOKEN, URL_TOKEN}  # stand alone, not followed by a space


def spelled(tokens: list[str]) -> list[str]:
    """The character tokens of a token sequence: markers as they are, every word letter by letter and a space."""
    out: list[str] = []
    for token in tokens:
        if token in MARKERS:
            out.append(token)
        elif token in SPECIAL_TOKENS:
            out.extend((token, SPACE))
        else:
            out.extend(token)
            out.append(SPACE)
    return out


def build_characters(tokens: list[str], min_count: int) -> Vocab:
    """The character vocabulary of a token stream: markers, then characters by count (rarer than min_count:
    <unk>)."""
    counts = Counter(character for token in tokens if token not in SPECIAL_TOKENS for character in token)
    counts[SPACE] = len(tokens)
    return Vocab.build(counts, min_count)


def encode(tokens: list[str], characters: Vocab) -> list[int]:
    return characters.encode(spelled(tokens))


def word_ends(characters: Vocab) -> list[int]:
    """The ids that end a word: the space and the end of the message."""
    return [characters.index[SPACE], characters.index[EOS]]
