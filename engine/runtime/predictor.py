"""Predictor: left text -> ranked next-word suggestions, with the LSTM state carried between calls.

    from engine.runtime.model_opening import open_model
    predictor = open_model()                # the active model; open_model(path) for a bundle or a checkpoint
    predictor.suggest("how are yo", k=3)    # [Suggestion(word="you", probability=0.93), ...]

The model is reached through a backend with two methods, `initial_state()` and
`step(token_ids, state) -> (probabilities (V,), state)`: onnxruntime for bundles (engine.runtime.onnx_backend),
torch for training checkpoints, so the predictor never knows which one it has; which model is opened, and
how, is engine/runtime/model_opening.py's business. The state after every
context seen is cached: typing inside a word runs no model step at all, a new word runs one, and going
back (backspace, an edit, a paste) restarts from the longest context already computed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.core.bundle import (
    NGRAM_FILE,
    RARE_WORDS_FILE,
)
from engine.core.dictionary import Dictionary
from engine.core.tokenizer import tokenize
from engine.core.typed import Typed, matching_case
from engine.core.vocab import EOS, SPEAKERS, Vocab
from engine.runtime.cache_layout import NO_EXTRAS, Extras
from engine.runtime.completion import Completion, complete_phrase
from engine.runtime.corrector import Corrector, may_correct, name_or_address
from engine.runtime.known_words import known_words
from engine.runtime.lexicon import LexiconError, RareWords
from engine.runtime.mixture import MixtureWeights, mix
from engine.runtime.model_input import line_layout
from engine.runtime.ngram import KneserNey, NgramError
from engine.runtime.personal_cache import PersonalCache
from engine.runtime.suggestions import Suggestion, WordChooser

# The network reads at most this many ids of context. 300 characters (what the editor passes) are about
# 60 words, but may be 300 tokens ("a-a-a-a", "!?!?", "1.1.1."): a step costs ~0.35 ms on one CPU core,
# so a context of 300 read afresh (after a paste, or when the editor's window moves) cost ~100 ms. Cut in
# steps of CONTEXT_TOKEN_STEP so that the start stays put while typing, and a new word still runs one step;
# an LSTM remembers little of what came 60-80 tokens before anyway.
MAX_CONTEXT_TOKENS = 80
CONTEXT_TOKEN_STEP = 20
# Ids are read in runs of RUN_TOKENS from the context's start, the rest a step at a time: 80 ids read afresh
# took 12-13 ms in runs of 8 against 27 ms a step at a time (int8, 2-core CPU; a run of 8 costs about two
# steps). The runs are fixed by the ids alone, never by what was read before, because a run rounds its
# activations together (int8) and sums in another order than steps do: so a context gives the same
# distribution however it was reached (typed, pasted, backspaced to), to the last bit. Against a step at a
# time, top-1, top-3 and keystroke savings moved by at most 0.11 points on chat, the gospels and Python's
# docstrings, either way (`nextword eval`).
RUN_TOKENS = 8


@dataclass(frozen=True)
class Autocorrection:
    word: str  # replaces the word typed, in its case ("Tomorrow" for "Tomorow")
    confidence: float  # the corrector's share of every reading, the word as typed included


def last_tokens(ids: list[int], most: int = MAX_CONTEXT_TOKENS, step: int = CONTEXT_TOKEN_STEP) -> list[int]:
    """The last most - step .. most ids of a longer context, starting at a multiple of `step`: the start moves
    once per `step` tokens typed (and the window is then read afresh, mostly in runs)."""
    if len(ids) <= most:
        return ids
    start = -(-(len(ids) - most) // step) * step
    return ids[start:]


class Predictor:
    word_level = True  # predicts words (a word-level perplexity means something); CharPredictor: characters

    def __init__(self, vocab: Vocab, backend, ngram: KneserNey | None = None,
                 mixture: MixtureWeights | None = None, cache_size: int = 512,
                 rare_words: RareWords | None = None, blocked_words: set[str] | frozenset = frozenset()):
        self.vocab = vocab
        self.backend = backend
        self.chooser = WordChooser(vocab, blocked_words=blocked_words, rare_words=rare_words)
        self.ngram = ngram  # mixed in only where `mixture` gives it weight
        self.mixture = mixture
        self.cache_size = cache_size
        self.train_data: list[str] | None = None  # what the model learned from, when known
        self.personal: PersonalCache | None = None  # what the person wrote, mixed in (attach_personal_cache)
        # context ids -> (state after them, next-token probabilities); least recently used goes first.
        # An entry is ~52 KB (float32 probabilities over 12,000 words): 512 of them cover the last few
        # hundred words of edits in ~27 MB.
        self._cache: OrderedDict[tuple[int, ...], tuple[object, np.ndarray]] = OrderedDict()
        # ...and at most cache_bytes: a transformer's state (its key/value cache, ~0.5 MB) is 60 times an
        # LSTM's, and 512 entries would hold 270 MB. How many fit is worked out from the first entry's size.
        self.cache_bytes = 64 << 20
        self._entry_bytes = 0
        # The last context text and its final distribution (with the personal cache's own words): every
        # keystroke inside a word asks for it again, and then neither tokenizing nor mixing is redone.
        self._last: tuple[tuple, np.ndarray, Extras] | None = None
        self._last_ids: tuple[tuple, tuple[str, ...], tuple[int, ...]] | None = None  # Typed.key -> reading, ids
        self.dictionary: Dictionary | None = None  # the words known beyond the model's (use_dictionary)
        self._corrector: Corrector | None = None  # made when first needed: indexing every word takes ~0.35 s
        self._readings: OrderedDict[tuple, str] = OrderedDict()  # (context before, word typed) -> word meant

    @property
    def provider(self) -> str:
        """The execution provider really in use: CUDAExecutionProvider, CPUExecutionProvider or torch."""
        return getattr(self.backend, "provider", "torch")

    @property
    def mixing(self) -> bool:
        return self.ngram is not None and self.mixture is not None and self.mixture.active

    def network_probabilities(self, context_ids: list[int]) -> np.ndarray:
        """P(next token | context) from the network alone, read-only: it is cached and shared.

        Every prefix's state and distribution is cached, so extending a context by one token costs one
        model step (or one run, where its length is a multiple of RUN_TOKENS), and going back costs nothing.
        """
        key = tuple(context_ids)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit[1]
        pending, length = [], len(key)  # the prefixes to read, longest first: back to one already read
        while length and key[:length] not in self._cache:
            pending.append(length)
            length -= RUN_TOKENS if length % RUN_TOKENS == 0 else 1
        state = self._cache[key[:length]][0] if length else self.backend.initial_state()
        probabilities = None
        for end in reversed(pending):
            probabilities, state = self.backend.step(list(key[length:end]), state)
            self._remember(key[:end], state, probabilities)
            length = end
        return probabilities

    def _remember(self, key, state, probabilities: np.ndarray) -> None:
        probabilities.flags.writeable = False  # shared by every caller that asks for this context
        if not self._entry_bytes:
            self._entry_bytes = probabilities.nbytes + sum(part.nbytes for part in state)
        self._cache[key] = (state, probabilities)
        while len(self._cache) > min(self.cache_size, max(16, self.cache_bytes // self._entry_bytes)):
            self._cache.popitem(last=False)

    def network_log_probs(self, token_ids: list[int]) -> np.ndarray:
        """log P(token_ids[t+1] | token_ids[:t+1]) from the network alone, for every t, in one run."""
        return self.backend.token_log_probs(token_ids)

    def mixture_weight(self, context_ids: list[int]) -> float:
        """The n-gram model's share after this context (0 when none is mixed in)."""
        if not self.mixing:
            return 0.0
        if self.mixture.single is not None:  # the shipped bundle's: no need to count the context
            return self.mixture.single
        return self.mixture.weight_for(self.ngram.context_count(context_ids))

    def next_probabilities(self, context_ids: list[int], history: list[str] | None = None) -> np.ndarray:
        """P(next token | context): the network's, mixed with the n-gram model's when one is loaded, and with
        the personal cache's when one is attached and the context's tokens (`history`) are given."""
        weight = self.mixture_weight(context_ids)
        ngram_next = self.ngram.distribution(context_ids) if weight else None
        probabilities = mix(self.network_probabilities(context_ids), ngram_next, weight)
        if history is not None and self.personal is not None:
            probabilities, _ = self.personal.mix(probabilities, history)
        return probabilities

    def context_ids(self, context: str, previous: str | None = None, speaker: str | None = None,
                    tokens=None) -> list[int]:
        """The model's input for the text before the partial word, laid out as in training
        (engine/runtime/model_input.py); at most its last MAX_CONTEXT_TOKENS ids, from a start that stays put
        while typing (last_tokens). tokens: the context's, when the caller has them already."""
        tokens = tokenize(context) if tokens is None else tokens
        return last_tokens(self.vocab.encode(line_layout(tokens, previous, speaker)))

    def read(self, left_text: str, previous: str | None = None, speaker: str | None = None) -> Typed:
        """What was typed, read once for the whole request: the partial word, the context, its tokens and the
        model's input ids (laid out again only when the context changes, not at every letter of a word)."""
        return self._with_ids(Typed.read(left_text).answering(previous, speaker))

    def _with_ids(self, typed: Typed) -> Typed:
        if typed.speaker is not None and typed.speaker not in SPEAKERS:
            raise ValueError(f"speaker {typed.speaker!r}: choose one of {', '.join(SPEAKERS)}")
        if self._last_ids is None or self._last_ids[0] != typed.key:
            meant = self._meant(typed.tokens, typed.previous, typed.speaker)
            ids = self.context_ids(typed.context, typed.previous, typed.speaker, meant)
            self._last_ids = (typed.key, meant, tuple(ids))
        return typed.with_reading(self._last_ids[1], self._last_ids[2])

    # Corrections (engine/runtime/corrector.py)
    def use_dictionary(self, dictionary: Dictionary) -> None:
        """Know this dictionary's words (so typos can be corrected) and never offer its known misspellings (but
        those the person taught as their spelling: refresh_spellings)."""
        self.dictionary = dictionary
        self.refresh_spellings()
        if self.chooser.rare_words is not None:
            self.chooser.rare_words = self.chooser.rare_words.without(dictionary.never_offered)
        self._corrector, self._last, self._last_ids = None, None, None
        self._readings.clear()

    def refresh_spellings(self) -> None:
        """The person's spellings (PersonalCache.spellings) changed: a known misspelling they taught ("recieve") is
        offered as a completion again. The corrector's index keeps the list's words out still: it is made for the
        lists once, and the person's spellings are never corrected anyway (person_knows)."""
        if self.dictionary is not None:
            taught = self.personal.spellings if self.personal is not None else set()
            self.chooser.set_misspellings(self.dictionary.never_offered - taught)

    @property
    def corrector(self) -> Corrector | None:
        """None without a dictionary (a predictor made by hand, a training checkpoint)."""
        if self._corrector is None and self.dictionary is not None:
            chooser = self.chooser
            self._corrector = Corrector(known_words(self.vocab, chooser.offerable_mask, chooser.rare_words,
                                                    self.dictionary))
        return self._corrector

    @corrector.setter
    def corrector(self, corrector: Corrector | None) -> None:
        """Another corrector (bench/typos.py tunes the error model with it); what was read before is read again."""
        self._corrector, self._last, self._last_ids = corrector, None, None
        self._readings.clear()

    def person_knows(self, word: str) -> bool:
        """A word the person wrote (the personal cache counted it) or taught as spelled: never corrected."""
        personal = self.personal
        return personal is not None and (word in personal.spellings or personal.count(word) > 0)

    def may_be_typo(self, word: str) -> bool:
        """A lower-case word neither the dictionary nor the person knows: perhaps a typo, even if the training text
        had it (what autocorrect and the reading as meant look at; never without a dictionary)."""
        return self.corrector is not None and self._may_be_typo(word)

    def _may_be_typo(self, word: str) -> bool:
        corrector = self.corrector
        return may_correct(word) and not corrector.known.vouched(word) and not self.person_knows(word)

    def misspelled(self, word: str) -> bool:
        """For spell-check: a plain word (2-30 letters) that neither Nextword's dictionary, its model's vocabulary
        (the chat's "lol" and "yay") nor the person knows; never without a dictionary."""
        word = word.lower()
        return self.corrector is not None and self._may_be_typo(word) and not self.corrector.known.in_model(word)

    def _meant(self, tokens: tuple[str, ...], previous: str | None, speaker: str | None) -> tuple[str, ...]:
        """The context as the person meant it: a word Nextword does not know is read as its likeliest correction
        when the corrector is sure of it, so that the next word's suggestions recover after a typo."""
        if self.corrector is None:
            return tokens
        meant = list(tokens)
        for position, token in enumerate(tokens):
            if not self._may_be_typo(token):
                continue
            key = (tuple(meant[:position]), token, previous, speaker)
            if key not in self._readings:
                before = self.next_probabilities(self.context_ids("", previous, speaker, meant[:position]))
                verdict = self.corrector.verdict(token, before, allowed=self.chooser.may_offer)
                sure = verdict.best is not None and verdict.confidence >= self.corrector.reading_confidence
                self._readings[key] = verdict.best.word if sure else token
                while len(self._readings) > 256:
                    self._readings.popitem(last=False)
            meant[position] = self._readings[key]
        return tuple(meant)

    def distribution(self, context: str, previous: str | None = None, speaker: str | None = None) -> np.ndarray:
        """P(next token) after the context text: computed once per word, reused by every keystroke in it."""
        return self.distribution_for(self._with_ids(Typed.after(context).answering(previous, speaker)))[0]

    def distribution_for(self, typed: Typed) -> tuple[np.ndarray, Extras]:
        """The distribution after what was typed (Predictor.read), and the personal cache's words beyond the
        vocabulary: computed once per word, reused by every keystroke in it."""
        key = (typed.key, self.personal.version if self.personal is not None else -1)
        if self._last is None or self._last[0] != key:
            probabilities = self.next_probabilities(list(typed.ids))
            extras = NO_EXTRAS
            if self.personal is not None:
                probabilities, extras = self.personal.mix(probabilities, list(typed.meant))
            probabilities.flags.writeable = False  # reused by every keystroke in the word
            self._last = (key, probabilities, extras)
        return self._last[1], self._last[2]

    def suggest(self, left_text: str, k: int = 3, previous: str | None = None,
                speaker: str | None = None, corrections: bool = True) -> list[Suggestion]:
        """Up to k words, best first, for the text of the current message left of the cursor.

        previous: the message this one answers (conversation context, as the model was trained);
        speaker: `<s1>` or `<s2>`, the current message's speaker tag (default: the one answering);
        corrections: offer the words meant by a mistyped partial word too (each Suggestion says if it is one).
        """
        typed = self.read(left_text, previous, speaker)
        probabilities, extras = self.distribution_for(typed)
        chosen = self.chooser.choose(probabilities, typed, k, extras)
        return self._with_corrections(typed, probabilities, extras, chosen, k) if corrections else chosen

    def _with_corrections(self, typed: Typed, probabilities: np.ndarray, extras, chosen: list[Suggestion],
                          k: int) -> list[Suggestion]:
        """The chips, with the corrections of the partial word that are likelier than what was typed. A partial
        word that is a word itself (the last letter of "tomorrow") is taken as meant: no search. A name or a
        word in an address is offered corrections too: a chip is only an offer (autocorrect leaves them alone)."""
        corrector, partial = self.corrector, typed.partial.lower()
        best_typed = chosen[0].probability if chosen else 0.0
        if corrector is None or k <= 0 or not corrector.worth_searching(partial, best_typed, probabilities):
            return chosen
        if corrector.known.vouched(partial) or self.person_knows(partial):
            return chosen
        floor = chosen[k - 1].probability if len(chosen) >= k else 0.0  # a correction must beat the last chip
        corrections = [Suggestion(typed.shown(self.chooser.display_form(reading.word, extras)), reading.score, True)
                       for reading in corrector.corrections(partial, probabilities, allowed=self.chooser.may_offer,
                                                            floor=floor, wanted=k)[:k]]
        return sorted([*chosen, *corrections], key=lambda suggestion: -suggestion.probability)[:k]

    def autocorrect(self, left_text: str, previous: str | None = None, speaker: str | None = None) -> str | None:
        """The word that should replace the last word of `left_text` when a space or punctuation comes next, or
        None: left alone when it is a word Nextword or the person knows, a name (a capital mid-sentence),
        holds a digit, is part of a web or e-mail address, or the corrector is not sure enough."""
        found = self.autocorrection(left_text, previous, speaker)
        return found.word if found is not None else None

    def autocorrection(self, left_text: str, previous: str | None = None,
                       speaker: str | None = None) -> Autocorrection | None:
        """autocorrect's replacement with the corrector's confidence in it (for the acceptance log)."""
        typed = self.read(left_text, previous, speaker)
        word = typed.partial
        if self.corrector is None or not word or not self._may_be_typo(word.lower()) or name_or_address(typed):
            return None
        probabilities, _ = self.distribution_for(typed)
        verdict = self.corrector.verdict(word, probabilities, allowed=self.chooser.may_offer)
        if verdict.best is None or verdict.confidence < self.corrector.autocorrect_confidence:
            return None
        return Autocorrection(matching_case(self.chooser.display_form(verdict.best.word), word), verdict.confidence)

    def warm_up(self) -> None:
        """Suggest and complete for an empty line once, so that the person's first keystroke does not pay
        for what only the first call does: importing the tokenizer (nltk, 0.15 s; 0.7 s beside the training
        extra's scipy) and the runtime's first run. The empty line's distribution stays cached."""
        tokenize("warm up")  # not through the context's token cache, which may hold "" already
        self.suggest("", 1)
        self.complete("")
        self.corrector  # noqa: B018 (made now, on the loading thread: indexing every word takes ~0.35 s)

    # Learning the person's writing (engine/runtime/personal_cache.py)
    def attach_personal_cache(self, cache: PersonalCache | None) -> None:
        """Mix this cache into every suggestion from now on (None: none)."""
        if cache is not None:
            cache.attach_vocab(self.vocab)
        self.personal = cache
        self._last = None
        self.refresh_spellings()

    def observe(self, text: str) -> int:
        """Learn a finished message or sentence (never the word being typed); an in-memory cache is
        started if none is attached. Returns how many tokens were learned (0 while learning is paused).
        The cache's mixture weights learn from it too: how well the model alone predicted each word."""
        if self.personal is None:
            self.attach_personal_cache(PersonalCache())
        return self.personal.observe(text, self.token_probabilities)

    def token_probabilities(self, tokens: list[str]) -> np.ndarray:
        """P(each token | the tokens before it) from a line's start, network and n-gram model mixed as for
        suggestions. A word the vocabulary lacks gets a hundredth of <unk>'s probability."""
        ids = self.chooser.context_ids("", tokens=tokens)  # <s1> <bos> tokens, all of them: one run reads them
        network = np.exp(self.network_log_probs([*ids, self.vocab.index[EOS]]))[1:len(tokens) + 1]
        probabilities = np.empty(len(tokens))
        for position in range(len(tokens)):
            context, target = ids[:position + 2], ids[position + 2]
            weight = self.mixture_weight(context)
            ngram_next = self.ngram.distribution(context)[target] if weight else None
            probability = mix(float(network[position]), ngram_next, weight)
            probabilities[position] = probability * (0.01 if target == self.vocab.unk_id else 1.0)
        return probabilities

    def forget(self) -> None:
        """Everything the personal cache learned, gone."""
        if self.personal is not None:
            self.personal.forget()

    def complete(self, left_text: str, previous: str | None = None, speaker: str | None = None,
                 min_probability: float = 0.25, max_words: int = 4, first_word: str | None = None) -> Completion:
        """The likeliest continuation of a few words (beam search) and its probability; an empty
        Completion when no continuation is at least `min_probability` likely. first_word: the word it must start
        with (the best chip's: one best guess), or None."""
        return complete_phrase(self, self.read(left_text, previous, speaker), min_probability, max_words,
                               first_word=first_word)


def load_companions(folder: Path, error: type[Exception], vocab_size: int,
                    advice: str = "copy it again or delete it to run without it"):
    """The n-gram model and the rare words saved beside a model, each None when absent; `error` (naming the file,
    ending with `advice`) for one that cannot be used."""
    ngram_path, rare_path = folder / NGRAM_FILE, folder / RARE_WORDS_FILE
    ngram = rare_words = None
    if ngram_path.exists():
        try:
            ngram = KneserNey.load(ngram_path)
        except NgramError as problem:
            raise error(f"{problem}; {advice}") from None
        if ngram.vocab_size != vocab_size:
            raise error(f"{ngram_path}: made for another vocabulary ({ngram.vocab_size} words, the model has "
                        f"{vocab_size}); {advice}")
    try:
        rare_words = RareWords.load(rare_path, advice) if rare_path.exists() else None
    except LexiconError as problem:
        raise error(str(problem)) from None
    return ngram, rare_words
