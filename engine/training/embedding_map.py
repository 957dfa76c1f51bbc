"""A t-SNE map of a model's word embeddings, as the tutorials draw one: the most frequent words placed so
that words the model treats alike lie close. scikit-learn does the t-SNE and matplotlib draws it (both in
the `train` extra; the desktop never loads them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.core.vocab import Vocab

MAP_FILE = "embeddings_tsne.png"


def frequent_words(vocab: Vocab, count: int) -> list[int]:
    """Ids of the `count` most frequent words (not punctuation or the special tokens), most frequent first."""
    ids = [i for i in range(len(vocab)) if vocab.is_suggestable(i) and vocab.counts[i] > 0]
    return sorted(ids, key=lambda i: -vocab.counts[i])[:count]


def embedding_map(embeddings: np.ndarray, seed: int = 0) -> np.ndarray:
    """(N, E) embeddings -> (N, 2) t-SNE coordinates; its perplexity fits a small vocabulary too."""
    from sklearn.manifold import TSNE

    perplexity = min(30.0, max(2.0, (len(embeddings) - 1) / 3))  # t-SNE needs it below the number of points
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(embeddings)


def save_embedding_map(path: str | Path, embedding_weight: np.ndarray, vocab: Vocab, words: int = 300,
                       title: str = "") -> Path | None:
    """The map of the `words` most frequent words as a PNG at `path`; None when there are too few words."""
    ids = frequent_words(vocab, words)
    if len(ids) < 5:
        return None
    points = embedding_map(np.asarray(embedding_weight, dtype=np.float32)[ids])  # (N, 2)
    import matplotlib

    matplotlib.use("Agg")  # files only: no screen, no GUI toolkit
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(10, 10), dpi=100, layout="constrained")
    try:
        axes.scatter(points[:, 0], points[:, 1], s=4, alpha=0.4)
        for (x, y), token_id in zip(points, ids, strict=True):
            axes.annotate(vocab.tokens[token_id], (x, y), fontsize=7, alpha=0.8)
        axes.set_title(title or f"t-SNE of the {len(ids)} most frequent words' embeddings")
        axes.set_xticks([])
        axes.set_yticks([])
        figure.savefig(path, format="png")
    finally:
        pyplot.close(figure)
    return Path(path)
