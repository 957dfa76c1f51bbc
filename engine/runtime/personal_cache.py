"""The personal cache: what the person wrote, as decayed counts of their words, word pairs and triples.

It learns instantly, from finished sentences (never the word being typed), including words the model
has no row for (names, jargon). Its next-word distribution is a Witten-Bell interpolated trigram
over those counts:

    P_cache(w | u v) = (c(u v w) + t(u v) P_cache(w | v)) / (c(u v) + t(u v))     and likewise down to
    P_cache(w)       = c(w) / N

(t(h): how many different words followed h), and it is mixed into the model's distribution,
(1 - w) P_model + w P_cache, with a share w per evidence bin (how often the cache saw the context),
tuned on held-out text: each sentence observed is held-out text until it is counted, and first moves
the shares towards what would have predicted its words best beside the model (online EM). So a
recency count never drowns the model, and the shares become the person's own: small for someone who
writes as the model expects, large for a style it does not know.

Counts decay with age, measured in words observed since: a use `half_life_words` words ago counts half.
Stored as JSON (never a pickle) in the user data folder, 0600, written atomically.

Several editors may share one data folder. Each keeps the changes it made since it last read or wrote the file
(words counted, words removed, spellings, a forget), and writes under a lock (engine/core/file_lock.py): when
another editor wrote meanwhile, its file is read and these changes are replayed onto it, so neither loses what
the other learned (a read-merge-write). A forget is a fact with a time: an editor that finds the file forgotten
after its own last forget keeps only the changes it made after that time, and `sync` (every few seconds, by the
editor's worker) takes in what another editor saved, so an idle editor stops suggesting forgotten words too.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.core import safe_json
from engine.core.damaged import KeepAsideError, keep_aside, remove_kept_aside
from engine.core.data_folder import write_private
from engine.core.file_lock import locked
from engine.core.never_learned import learnable_pieces
from engine.core.paths import private_dir, user_data_dir
from engine.core.tokenizer import NUMBER_TOKEN, URL_TOKEN, is_word, starts_sentence, tokenize_cased
from engine.core.vocab import BOS, Vocab
from engine.runtime.cache_layout import NO_EXTRAS, Extras, VocabView
from engine.runtime.lexicon import NearMisses

FORMAT = "nextword-personal-cache"
FORMAT_VERSION = 1
CACHE_FILE = "personal_cache.json"
# The evidence bins, by how often (decayed) the cache saw the context: where the last two words were seen
# at least twice together, by that count (lower edges of TRIGRAM_EDGES); otherwise by how often it saw
# the last word (lower edges of BIGRAM_EDGES).
BIGRAM_EDGES = (0, 1, 3, 10, 30, 100, 300)
TRIGRAM_EDGES = (2, 5, 20)
# The cache's share per bin before it has seen any of the person's text: cautious, as for a person who
# writes the way the model already predicts well (chat: the best shares measured 0.03-0.12; the Bible
# and Python's docstrings: 0.5-0.9), but a two-word context seen twice is trusted at once ("I love to
# watch X" twice: X comes next). Each observed token then moves its bin's share towards what would have
# predicted that token best (online EM), PRIOR_TOKENS tokens' worth of evidence away.
PRIOR_WEIGHTS = (0.05, 0.10, 0.15, 0.15, 0.20, 0.20, 0.25, 0.35, 0.45, 0.55)
PRIOR_TOKENS = 20.0
WEIGHT_BOUNDS = (0.01, 0.95)
TUNING_MEMORY = 5000.0  # tokens: the shares follow how the person writes now, not years ago
MAX_NGRAMS = 400_000  # beyond this the weakest pairs and triples are dropped (a few MB on disk)
# The shares are tuned on at most a sentence's first TUNED_TOKENS tokens (all of them are counted): the
# model's probabilities cost ~0.4 ms a token, and a 300-character "sentence" of 300 tokens ("a-a-a-a", a
# pasted list) took ~100 ms to learn. Most sentences are shorter; a long one's start is evidence enough.
TUNED_TOKENS = 32


class CacheError(ValueError):
    """A personal cache file that cannot be read; the message names the file and what to do."""


@dataclass(frozen=True)
class Change:
    """One change made by this editor and not yet in the file: replayed onto another editor's saved state."""

    at: float  # time.time() when made
    kind: str  # "count" (value: the token pieces observed), "remove", "spell", "unspell" (value: a word), "forget"
    value: object = None


@dataclass(frozen=True)
class LearnedWord:
    word: str  # lower-case, as counted
    count: float  # decayed uses
    known: bool  # the model has a row for it
    shown: str  # as the person writes it ("Zorblax")


class PersonalCache:
    def __init__(self, path: str | Path | None = None, half_life_words: float = 50_000, tune_weights: bool = True):
        self.path = Path(path) if path is not None else None
        self.rate = math.log(2) / half_life_words
        self.tune_weights = tune_weights
        self.paused = False
        self.never: set[str] = set()  # words the person removed: never learned again
        # Words the person taught as spelled ("Add to dictionary", or an autocorrection they undid): never
        # corrected nor underlined. Kept apart from the counts, which fade with use; a spelling stays until removed.
        self.spellings: set[str] = set()
        self.version = 0  # bumped by every change: callers key their cached distributions on it
        self.dirty = False  # changed since loaded or saved
        self.forgotten_at = 0.0  # time.time() of the last forget (here or in another editor sharing the file)
        # Changes since the file was last read or written here (only for a cache with a file): see the docstring
        self._changes: list[Change] = []
        self._synced: tuple | None = None  # the file's identity (inode, size, mtime) when last read or written
        self._tuning_synced: tuple[list[float], list[float]] = ([], [])  # the tuning sums then
        self._lock = threading.Lock()  # changes, and snapshots for saving, happen under it
        self._vocab: Vocab | None = None
        self._near_misses: NearMisses | None = None
        self._clear()

    def _clear(self) -> None:
        # Online EM per evidence bin: decayed sums of the cache's responsibility for each token, and of tokens.
        self._credit = [0.0] * len(PRIOR_WEIGHTS)
        self._tokens_seen = [0.0] * len(PRIOR_WEIGHTS)
        self.clock = 0.0  # words observed, ever: the age of a count is measured on it
        self._base = 0.0  # stored counts are scaled by exp(rate * (time added - base))
        self.unigrams: dict[str, float] = {}
        self.bigrams: dict[str, dict[str, float]] = {}  # v -> {w: count}
        self.trigrams: dict[tuple[str, str], dict[str, float]] = {}  # (u, v) -> {w: count}
        self._totals: dict[object, float] = {}  # history -> sum of its followers' counts
        self._entries = 0  # words, pairs and triples counted: what MAX_NGRAMS bounds
        self.display: dict[str, str] = {}  # word -> its written form, where not lower-case
        self._view = None

    # Learning
    def observe(self, text: str, model_probabilities=None) -> int:
        """Count a finished sentence or message; returns how many tokens were counted (0 while paused).
        What looks like a secret or an identifier is left out (engine/core/never_learned.py), and no pair or
        triple spans the gap it leaves.

        model_probabilities: a function from the sentence's tokens (its first TUNED_TOKENS) to the model's
        probability of each (Predictor.observe gives it): then the mixture weights learn, from this sentence,
        how much the cache should be trusted beside the model before its counts grow."""
        if self.paused:
            return 0
        pieces = [tokens for tokens in (self._tokens(piece) for piece in learnable_pieces(text)) if tokens]
        if not pieces:
            return 0
        tuned = pieces[0][:TUNED_TOKENS]  # the model reads the sentence from its start: up to the first gap
        model = model_probabilities(tuned) if model_probabilities is not None and self.tune_weights else None
        with self._lock:
            self._count_pieces(pieces, model)
            # as tuples of strings: the garbage collector stops looking at them (lists it would look at every time)
            self._record("count", tuple(map(tuple, pieces)))
            self._changed(keep_view=True)
        return sum(len(tokens) for tokens in pieces)

    def _count_pieces(self, pieces: list[list[str]], model=None) -> None:
        for number, tokens in enumerate(pieces):
            self._count(tokens, model if number == 0 else None, starts_sentence=number == 0)
        if self.rate * (self.clock - self._base) > 30:
            self._rescale()
        if self._entries > MAX_NGRAMS:
            self._prune()

    def _count(self, tokens: list[str], model, starts_sentence: bool) -> None:
        """Count one piece's words, pairs and triples. A piece after a gap does not start a sentence: its first
        word is counted alone, not as following the sentence's start."""
        for position, token in enumerate(tokens):
            history = tokens[max(0, position - 2):position]  # only the last two count: no quadratic copying
            if model is not None and position < len(model) and self.unigrams:
                self._tune(self.evidence_bin(history), model[position], self.probability(token, history))
            self.clock += 1
            increment = math.exp(self.rate * (self.clock - self._base))
            u = tokens[position - 2] if position >= 2 else BOS
            v = tokens[position - 1] if position >= 1 else BOS
            pair = (u, v)  # one tuple for both tables that key on it
            bigram = v if position >= 1 or starts_sentence else None  # None: not counted (after a gap)
            trigram = pair if position >= 2 or (position == 1 and starts_sentence) else None
            self._add(self.unigrams, token, increment, None)
            if bigram is not None:
                self._add(self.bigrams.setdefault(v, {}), token, increment, v)
            if trigram is not None:
                self._add(self.trigrams.setdefault(pair, {}), token, increment, pair)
            if self._view is not None:
                self._view.counted(token, increment, bigram, trigram)

    def _tune(self, bin_index: int, model: float, cache: float) -> None:
        """One online EM step: how much of this token the cache would have explained, at today's weight."""
        weight = self._weight(bin_index)
        explained = weight * cache
        responsibility = explained / max(1e-300, explained + (1 - weight) * model)
        keep = 1 - 1 / TUNING_MEMORY
        self._credit[bin_index] = self._credit[bin_index] * keep + responsibility
        self._tokens_seen[bin_index] = self._tokens_seen[bin_index] * keep + 1

    @property
    def weights(self) -> tuple[float, ...]:
        """The cache's share beside the model, per evidence bin: the prior moved by what it has seen."""
        return tuple(self._weight(bin_index) for bin_index in range(len(PRIOR_WEIGHTS)))

    def _weight(self, bin_index: int) -> float:
        low, high = WEIGHT_BOUNDS
        estimate = (self._credit[bin_index] + PRIOR_WEIGHTS[bin_index] * PRIOR_TOKENS) / \
            (self._tokens_seen[bin_index] + PRIOR_TOKENS)
        return min(high, max(low, estimate))

    def _tokens(self, text: str) -> list[str]:
        """The sentence's tokens as the model reads them (lower-case), less the words never to learn;
        the written form of each word met inside a sentence is kept for showing it."""
        tokens, sentence_start = [], True
        for surface in tokenize_cased(text):
            token = surface if surface in (URL_TOKEN, NUMBER_TOKEN) else surface.lower()
            if token in self.never:
                continue
            if not sentence_start and is_word(token):
                if surface != token and not (surface.isupper() and len(surface) > 1 and token in self.display):
                    self.display[token] = surface
                elif surface == token:
                    self.display.pop(token, None)
            sentence_start = starts_sentence(surface)
            tokens.append(sys.intern(token))  # one string per word, however many tables and pairs hold it
        return tokens

    def _add(self, table: dict[str, float], token: str, increment: float, history) -> None:
        if token not in table:
            self._entries += 1
        table[token] = table.get(token, 0.0) + increment
        self._totals[history] = self._totals.get(history, 0.0) + increment

    def _changed(self, keep_view: bool = False) -> None:
        self.version += 1
        self.dirty = True
        if not keep_view:
            self._view = None

    def _rescale(self) -> None:
        """Keep stored counts finite: fold the growth so far into every count (what they mean is unchanged)."""
        factor = math.exp(-self.rate * (self.clock - self._base))
        for table in (self.unigrams, *self.bigrams.values(), *self.trigrams.values()):
            for token in table:
                table[token] *= factor
        self._totals = {history: total * factor for history, total in self._totals.items()}
        self._base = self.clock
        self._view = None

    def _prune(self) -> None:
        """Drop the weakest half of the triples and pairs seen once: they are the oldest single uses."""
        for tables in (self.trigrams, self.bigrams):
            values = sorted(count for followers in tables.values() for count in followers.values())
            floor = values[len(values) // 2] if values else 0.0
            for history in list(tables):
                kept = {word: count for word, count in tables[history].items() if count > floor}
                if kept:
                    tables[history] = kept
                else:
                    del tables[history]
        self._recount()

    def _recount(self) -> None:
        self._entries = len(self.unigrams) + sum(len(f) for f in self.bigrams.values()) + \
            sum(len(f) for f in self.trigrams.values())
        totals: dict[object, float] = {None: sum(self.unigrams.values())}
        for v, followers in self.bigrams.items():
            totals[v] = sum(followers.values())
        for history, followers in self.trigrams.items():
            totals[history] = sum(followers.values())
        self._totals = totals
        self._view = None

    def forget(self) -> None:
        """Everything learned, the spellings taught and the list of words never to learn, gone; and the copies of
        its file kept aside as damaged, which hold what was learned too."""
        with self._lock:
            self._forget_at(time.time())
            self._changes = [Change(self.forgotten_at, "forget")] if self.path is not None else []
            self._changed()
        if self.path is not None:
            remove_kept_aside(self.path)

    def _forget_at(self, when: float) -> None:
        self._clear()
        self.never = set()
        self.spellings = set()
        self.forgotten_at = when

    def add_spelling(self, word: str) -> None:
        """A word the person spells this way: never corrected or underlined again (even while learning is paused:
        the person asked for it)."""
        with self._lock:
            self.spellings.add(word.lower())
            self._record("spell", word.lower())
            self._changed(keep_view=True)

    def remove_spelling(self, word: str) -> None:
        with self._lock:
            self.spellings.discard(word.lower())
            self._record("unspell", word.lower())
            self._changed(keep_view=True)

    def _record(self, kind: str, value=None) -> None:
        """Kept until the file is written: only a cache with a file shares it with other editors."""
        if self.path is not None:
            self._changes.append(Change(time.time(), kind, value))

    def remove_word(self, word: str) -> None:
        """Forget a word and every pair and triple it is in, and never learn it again."""
        word = word.lower()
        with self._lock:
            self._record("remove", word)
            self.never.add(word)
            self.unigrams.pop(word, None)
            self.display.pop(word, None)
            self.bigrams.pop(word, None)
            for followers in self.bigrams.values():
                followers.pop(word, None)
            self.trigrams = {history: {w: c for w, c in followers.items() if w != word}
                             for history, followers in self.trigrams.items() if word not in history}
            self.bigrams = {v: followers for v, followers in self.bigrams.items() if followers}
            self.trigrams = {h: followers for h, followers in self.trigrams.items() if followers}
            self._recount()
            self._changed()

    # What it knows
    def __len__(self) -> int:
        return len(self.unigrams)

    def count(self, token: str) -> float:
        """The decayed number of uses of a token."""
        return self.unigrams.get(token, 0.0) * self._decay()

    def _decay(self) -> float:
        return math.exp(-self.rate * (self.clock - self._base))

    def learned_words(self) -> list[LearnedWord]:
        """Every word learned (not punctuation), most used first: what the person sees and edits."""
        known = self._vocab.index if self._vocab is not None else {}
        with self._lock:
            decay = self._decay()
            words = [LearnedWord(word, count * decay, word in known, self.display.get(word, word))
                     for word, count in self.unigrams.items() if is_word(word)]
        return sorted(words, key=lambda item: (-item.count, item.word))

    # Mixing into a model's distribution
    def attach_vocab(self, vocab: Vocab) -> None:
        """The vocabulary of the model it is mixed into (again after every model switch). Indexes its words
        by their one-letter deletions (~0.1 s for 12,000 words), here at load rather than on a keystroke."""
        self._vocab = vocab
        self._near_misses = NearMisses({t for i, t in enumerate(vocab.tokens) if vocab.is_suggestable(i)})
        self._view = None

    def evidence_bin(self, history: list[str]) -> int:
        """Which weight applies after this history: by how often (decayed) the cache saw its last two
        words together, when at least twice, else its last word (BIGRAM_EDGES, TRIGRAM_EDGES)."""
        decay = self._decay()
        v = history[-1] if history else BOS
        if history:
            pair = self._totals.get((history[-2] if len(history) >= 2 else BOS, v), 0.0) * decay
            if pair >= TRIGRAM_EDGES[0] - 0.01:  # "twice", allowing for a little decay
                return len(BIGRAM_EDGES) + bisect.bisect_right(TRIGRAM_EDGES, pair + 0.01) - 1
        return bisect.bisect_right(BIGRAM_EDGES, self._totals.get(v, 0.0) * decay) - 1

    def _levels(self, history: list[str]) -> list[tuple[dict[str, float], object]]:
        """The followers of the last two tokens and of the last one, with their history keys."""
        v = history[-1] if history else BOS
        found = []
        if history:
            u = history[-2] if len(history) >= 2 else BOS
            found.append((self.trigrams.get((u, v)), (u, v)))
        found.append((self.bigrams.get(v), v))
        return [(followers, key) for followers, key in found if followers]

    def _shares(self, history: list[str]) -> tuple[list[tuple[dict[str, float], float]], float]:
        """Witten-Bell: each level's followers with the factor that turns a count into probability, and
        the factor for the unigram counts (what the levels above left)."""
        remaining, parts = 1.0, []
        for followers, key in self._levels(history):
            total = self._totals[key]
            keep = total / (total + len(followers))
            parts.append((followers, remaining * keep / total))
            remaining *= 1 - keep
        return parts, remaining / max(1e-300, self._totals.get(None, 0.0))

    def probability(self, token: str, history: list[str]) -> float:
        """P_cache(token | history)."""
        parts, unigram = self._shares(history)
        return sum(scale * followers.get(token, 0.0) for followers, scale in parts) + unigram * \
            self.unigrams.get(token, 0.0)

    def mix(self, probabilities: np.ndarray, history: list[str]) -> tuple[np.ndarray, Extras]:
        """(1 - w) P_model + w P_cache over the vocabulary, and the cache's own words outside it.

        history: the tokens before the cursor (lower-case, as tokenize gives them); only the last two count.
        """
        if not self.unigrams or self._vocab is None:
            return probabilities, NO_EXTRAS
        weight = self._weight(self.evidence_bin(history))
        if not weight:
            return probabilities, NO_EXTRAS
        view = self._view if self._view is not None else self._build_view()
        mixed = probabilities * (1 - weight)
        parts, unigram = self._shares(history)
        mixed += view.unigram * (weight * unigram)
        extra = view.extra_unigram * (weight * unigram)
        for (followers, scale), (_, key) in zip(parts, self._levels(history), strict=True):
            found = view.followers_of(key, followers)
            mixed[found.rows] += (weight * scale) * found.counts  # rows are distinct: a plain fancy-index add is right
            extra[found.extra_rows] += (weight * scale) * found.extra_counts
        return mixed, Extras(view.extra_words, extra, self.display, view.extra_lengths, view.sorted_words,
                             view.sorted_slots)

    def _build_view(self) -> VocabView:
        self._view = VocabView(self._vocab, self.unigrams, self._decay(), self._near_misses)
        return self._view

    # Files
    def to_json(self) -> dict:
        """What the file holds, as Python values (to look at: save writes file_text)."""
        return json.loads(self.file_text())

    def file_text(self) -> str:
        """The file's JSON. Written piece by piece rather than by one json.dumps of a dict of lists: that is one C
        call holding Python's lock for half a second on a big cache, and the hundreds of thousands of small lists it
        needs bring on full garbage collections, as long again; the GUI thread waits for both (bench/cache_save.py).
        Strings are no work for the collector, and a short call lets the GUI thread take its turn."""
        with self._lock:
            decay = self._decay()
            quoted = _Quoted()
            pairs = (f"[{quoted[v]},{quoted[w]},{c * decay!r}]" for v, followers in self.bigrams.items()
                     for w, c in followers.items())
            triples = (f"[{quoted[u]},{quoted[v]},{quoted[w]},{c * decay!r}]"
                       for (u, v), followers in self.trigrams.items() for w, c in followers.items())
            counts = (f"{quoted[w]}:{c * decay!r}" for w, c in self.unigrams.items())
            small = {"format": FORMAT, "version": FORMAT_VERSION, "clock": self.clock,
                     "half_life_words": math.log(2) / self.rate, "display": dict(self.display),
                     "never": sorted(self.never), "spellings": sorted(self.spellings),
                     "forgotten_at": self.forgotten_at, "tuning": {"credit": self._credit, "tokens": self._tokens_seen}}
            return (_compact(small)[:-1] + ',"unigrams":{' + _joined(counts) + '},"bigrams":[' + _joined(pairs)
                    + '],"trigrams":[' + _joined(triples) + "]}")

    def save(self, path: str | Path | None = None) -> Path:
        """Atomically, readable by the owner alone; a failure leaves the old file whole (OSError). Its own file is
        written under its lock, after taking in what another editor wrote there since (see the docstring)."""
        target = Path(path) if path is not None else self.path or default_path()
        private_dir(target.parent)
        with locked(target):
            own_file = target == self.path
            if own_file:
                self._take_in_saved()
            text = self.file_text()
            # Never created empty first: a reader (or a crash) sees the old cache or the new one, whole.
            write_private(target, text.encode("utf-8"))
            if own_file:
                with self._lock:
                    self._synced = _identity(target)
                    self._changes = []
                    self._tuning_synced = (list(self._credit), list(self._tokens_seen))
        self.dirty = False
        return target

    def sync(self) -> bool:
        """Take in what another editor saved to this cache's file since it was last read or written here (cheap
        when nothing was: one stat). True when what it knows changed."""
        if self.path is None or _identity(self.path) == self._synced:
            return False
        with locked(self.path):
            return self._take_in_saved()

    def _take_in_saved(self) -> bool:
        """Under the file's lock: if the file is not as this cache last read or wrote it, read it, replay this
        cache's changes onto it and take the result. A file that cannot be read is kept aside first."""
        identity = _identity(self.path)
        if identity == self._synced:
            return False
        saved = PersonalCache(self.path, math.log(2) / self.rate, self.tune_weights)
        if identity is None:  # deleted since it was read here: everything learned before now is forgotten
            saved._forget_at(time.time())
        else:
            try:
                _read_file(saved, self.path)
            except CacheError:
                try:
                    keep_aside(self.path)
                except KeepAsideError:
                    pass  # the write that follows replaces it; nothing of the person's was in a file unread
                saved._forget_at(self.forgotten_at)  # nothing of it taken: what this cache knows is replayed alone
        with self._lock:
            self._replay_onto(saved)
            self._adopt(saved)
            self._synced = identity
            self._tuning_synced = (list(saved._credit), list(saved._tokens_seen))
            self._changed()
        return True

    def _replay_onto(self, saved: PersonalCache) -> None:
        """This cache's changes, and its own tuning since it last synced, applied to another editor's state."""
        changes = self._changes
        forgotten_elsewhere = saved.forgotten_at > self.forgotten_at
        if forgotten_elsewhere:  # what was learned here before that forget is forgotten too
            changes = [change for change in changes if change.at > saved.forgotten_at]
        for change in changes:
            saved._apply(change)
        credit_then, tokens_then = self._tuning_synced
        if not forgotten_elsewhere and len(credit_then) == len(self._credit):
            saved._credit = [max(0.0, s + mine - then) for s, mine, then in
                             zip(saved._credit, self._credit, credit_then, strict=True)]
            saved._tokens_seen = [max(0.0, s + mine - then) for s, mine, then in
                                  zip(saved._tokens_seen, self._tokens_seen, tokens_then, strict=True)]
        saved.display.update({word: form for word, form in self.display.items() if word in saved.unigrams})

    def _apply(self, change: Change) -> None:
        if change.kind == "count":
            pieces = [[token for token in tokens if token not in self.never] for tokens in change.value]
            self._count_pieces([tokens for tokens in pieces if tokens])
        elif change.kind == "remove":
            self.remove_word(change.value)
        elif change.kind == "spell":
            self.spellings.add(change.value)
        elif change.kind == "unspell":
            self.spellings.discard(change.value)
        elif change.kind == "forget":
            self._forget_at(change.at)

    def _adopt(self, saved: PersonalCache) -> None:
        """Everything `saved` knows becomes this cache's (its changes not yet written stay its own)."""
        for name in ("clock", "_base", "unigrams", "bigrams", "trigrams", "_totals", "_entries", "display",
                     "never", "spellings", "_credit", "_tokens_seen", "forgotten_at"):
            setattr(self, name, getattr(saved, name))
        self._view = None

    @classmethod
    def load(cls, path: str | Path | None = None, **options) -> PersonalCache:
        """The cache at `path` (default: the user data folder); an empty one where there is none yet."""
        path = Path(path) if path is not None else default_path()
        cache = cls(path, **options)
        cache._synced = _identity(path)  # before reading: a change made meanwhile is taken in at the next sync
        if cache._synced is None:
            return cache
        _read_file(cache, path)
        cache._tuning_synced = (list(cache._credit), list(cache._tokens_seen))
        return cache

    def _read(self, data: dict) -> None:
        self.clock = self._base = _count(data["clock"])
        word = sys.intern  # one string per word, as observe keeps them (JSON gives a new one each time)
        self.unigrams = {word(str(w)): _count(c) for w, c in data["unigrams"].items()}
        for v, w, c in data["bigrams"]:
            self.bigrams.setdefault(word(str(v)), {})[word(str(w))] = _count(c)
        for u, v, w, c in data["trigrams"]:
            self.trigrams.setdefault((word(str(u)), word(str(v))), {})[word(str(w))] = _count(c)
        self.never = {str(word) for word in data.get("never", [])}
        self.spellings = {str(word) for word in data.get("spellings", [])}
        self.forgotten_at = _count(data.get("forgotten_at", 0.0))
        self.display = {str(word): str(form) for word, form in data.get("display", {}).items()}
        tuning = data.get("tuning") or {}
        if len(tuning.get("credit", [])) == len(PRIOR_WEIGHTS) == len(tuning.get("tokens", [])):
            self._credit = [_count(x) for x in tuning["credit"]]
            self._tokens_seen = [_count(x) for x in tuning["tokens"]]
        self._recount()
        self.dirty = False


def _read_file(cache: PersonalCache, path: Path) -> None:
    """What the file at `path` holds, read into `cache`; CacheError (naming the file and what to do) if it is not
    a personal cache Nextword can read."""
    try:
        data = safe_json.read_json(path, MAX_CACHE_BYTES)  # depth, size and NaN checked before any use
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a Nextword personal cache")
        cache._read(data)
    except (OSError, ValueError, TypeError, KeyError) as error:  # safe_json's JSONFileError is a ValueError
        # The file named once: safe_json's own message names it too.
        problem = error.problem if isinstance(error, safe_json.JSONFileError) else f"cannot be read ({error})"
        raise CacheError(f"{path}: the personal cache {problem}; move it away or delete it to start learning "
                         "afresh") from None


class _Quoted(dict):
    """Each word as a JSON string, made once (a word is in many pairs and triples)."""

    def __missing__(self, word: str) -> str:
        self[word] = quoted = _compact(word)
        return quoted


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _joined(pieces) -> str:
    """",".join(pieces), a few thousand at a time: each join is a short call."""
    chunks = []
    while chunk := list(itertools.islice(pieces, 2000)):
        chunks.append(",".join(chunk))
    return ",".join(chunks)


def _identity(path: Path) -> tuple | None:
    """What tells one written version of the file from another (each write is a new file: a new inode)."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


# A cache holds at most MAX_NGRAMS words, pairs and triples, about 45 bytes each as JSON: under 20 MB.
MAX_CACHE_BYTES = 64 * 2**20
MAX_COUNT = 1e100


def _count(value) -> float:
    """A count (or the clock) read from the file: never NaN, infinite, negative or so large that a sum of them
    overflows, any of which would spoil every share summed with it (NaN as a string slips past the JSON
    reader: float("nan")). Counts grow to e**30 between rescales (observe): far below MAX_COUNT."""
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    if not 0 <= number <= MAX_COUNT:  # False for NaN too
        raise ValueError(f"{str(value)[:40]} is not a count")
    return number


def default_path() -> Path:
    return user_data_dir() / CACHE_FILE
