"""What the predictor sees of a long paragraph: bounded, and starting at a place that stays put while
the person types, so the predictor's state cache keeps working."""

import random

from desktop.core.context import ANCHOR_SPACING, CONTEXT_CHARACTERS, LOOKBEHIND, context_start

WORDS = "so I think we should go to the beach on Monday and then maybe watch a movie with my friends".split()


def left_text(paragraph: str, cursor: int) -> str:
    """What the editor passes to the predictor with the cursor at `cursor` (desktop/gui/editor.py's way)."""
    fetched = min(cursor, CONTEXT_CHARACTERS + LOOKBEHIND)
    tail = paragraph[cursor - fetched : cursor]
    return tail[context_start(tail, cursor - fetched, cursor):]


def paragraph(length: int, sentences: bool, seed: int = 0) -> str:
    rng = random.Random(seed)
    words = []
    while len(" ".join(words)) < length:
        word = rng.choice(WORDS)
        words.append(word + ("." if sentences and rng.random() < 0.08 else ""))
    return " ".join(words)[:length]


def test_a_short_paragraph_is_seen_whole():
    assert left_text("how are yo", 10) == "how are yo"
    text = paragraph(CONTEXT_CHARACTERS, sentences=False)
    assert left_text(text, len(text)) == text


def test_a_long_paragraph_is_cut_at_a_sentence_start():
    text = "x" * 400 + ". " + "Old sentence ends here. Then the new one starts and goes on"
    assert left_text(text, len(text)) == "Old sentence ends here. Then the new one starts and goes on"
    text = "x " * 200 + "still the same sentence. The new one"
    assert left_text(text, len(text)) == "The new one"


def test_the_context_is_bounded_and_starts_at_a_word_start():
    for sentences in (False, True):
        text = paragraph(3000, sentences)
        for cursor in range(CONTEXT_CHARACTERS + 1, len(text), 7):
            left = left_text(text, cursor)
            start = cursor - len(left)
            assert len(left) <= CONTEXT_CHARACTERS and text[start:cursor] == left
            assert start == 0 or (text[start - 1] == " " and text[start] != " ")


def test_the_start_stays_put_while_typing_and_only_moves_forward():
    for sentences in (False, True):
        text = paragraph(2000, sentences)
        starts = [len(text[:cursor]) - len(left_text(text, cursor)) for cursor in range(len(text) + 1)]
        assert all(later >= earlier for earlier, later in zip(starts, starts[1:], strict=False))
        moves = sum(later != earlier for earlier, later in zip(starts, starts[1:], strict=False))
        assert moves <= 2 * (len(text) - CONTEXT_CHARACTERS) / ANCHOR_SPACING + 2  # twice per grid step at most


def test_typing_a_long_paragraph_runs_about_one_model_step_per_word():
    from engine.runtime.model_opening import open_bundle

    predictor = open_bundle()
    steps = 0
    step = predictor.backend.step

    def counted(token_ids, state):
        nonlocal steps
        steps += 1
        return step(token_ids, state)

    predictor.backend.step = counted
    text = paragraph(2000, sentences=False)
    for cursor in range(len(text) + 1):
        predictor.suggest(left_text(text, cursor), 3)
    words = len(text.split())
    # A new word is one step; each grid step re-reads a window of about 60 words once.
    assert steps < words + (len(text) / ANCHOR_SPACING) * 70, (steps, words)
