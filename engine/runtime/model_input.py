"""The model's input layout for a line being typed, as messages were laid out in training: one definition,
encoded as word ids (Predictor) or spelled out (CharPredictor).

    <s1> <bos> context                                         a line on its own
    <s1> <bos> previous message <eos> <s2> <bos> context       answering a message (the speakers swap)
"""

from __future__ import annotations

from engine.core.tokenizer import tokenize
from engine.core.vocab import BOS, EOS, SPEAKERS


def line_layout(tokens, previous: str | None = None, speaker: str | None = None) -> list[str]:
    """The tokens the model reads before the next word. speaker: the line's speaker tag (default: `<s1>` for
    a line on its own, `<s2>` for one answering `previous`)."""
    if previous is None:
        return [speaker or SPEAKERS[0], BOS, *tokens]
    speaker = speaker or SPEAKERS[1]
    other = SPEAKERS[0] if speaker == SPEAKERS[1] else SPEAKERS[1]
    return [other, BOS, *tokenize(previous), EOS, speaker, BOS, *tokens]
