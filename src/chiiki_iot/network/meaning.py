"""Closeness of meaning between a need and a solution, from word vectors that install from PyPI.

Character n-grams and the theme lexicon match what is written; they miss a paraphrase that shares neither
characters nor a listed cue (お年寄り／高齢者, 食害／荒らす). ``ja_ginza`` ships 20,000 chiVe word vectors
(300 dimensions, trained on the National Institute for Japanese Language and Linguistics' web corpus) with
SudachiPy's tokenizer and dictionary: a text becomes the IDF-weighted mean of its content words' vectors
(nouns, verbs, adjectives, by Sudachi's part of speech), and closeness is the cosine. Nothing is fetched
at run time; the model loads once per process (about a second), when the first ranking needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

CONTENT = ("名詞", "動詞", "形容詞")
# Only the vectors are read from the spaCy pipeline; the text is split by SudachiPy directly (eight times
# faster than through spaCy's tokenizer, which builds a document for every text).
UNUSED_PIPES = [
    "tok2vec",
    "parser",
    "ner",
    "morphologizer",
    "attribute_ruler",
    "compound_splitter",
    "bunsetu_recognizer",
]

_tokenizer_lock = threading.Lock()  # SudachiPy's tokenizer is not safe to share between threads


@dataclass(frozen=True)
class _Model:
    vectors: np.ndarray
    row_of: dict[str, int]
    tokenizer: Any
    is_content: Any
    """SudachiPy's part-of-speech matcher for nouns, verbs and adjectives (a table look-up per word)."""
    short: Any
    """Sudachi's shortest split (mode A), for compounds the vectors do not know whole."""


@cache
def _model() -> _Model:
    import spacy  # deferred: a second of loading that only the matcher needs
    from sudachipy import Dictionary, SplitMode

    nlp = spacy.load("ja_ginza", exclude=UNUSED_PIPES)
    strings, key2row = nlp.vocab.strings, nlp.vocab.vectors.key2row
    row_of = {text: int(row) for text in strings if (row := key2row.get(strings[text])) is not None}
    dictionary = Dictionary(dict="core")
    return _Model(
        vectors=np.asarray(nlp.vocab.vectors.data, dtype=np.float32),
        row_of=row_of,
        tokenizer=dictionary.create(SplitMode.C),
        is_content=dictionary.pos_matcher(lambda pos: pos[0] in CONTENT),
        short=SplitMode.A,
    )


def word_rows(text: str) -> list[int]:
    """The vector rows of the text's content words (dictionary form first, then normalised, then as
    written). A compound without a vector of its own (一人暮らし) counts by its short units (一人・暮らし),
    as Sudachi splits it; a word with neither is left out."""
    model = _model()
    is_content, row_of = model.is_content, model.row_of
    with _tokenizer_lock:
        words = [
            [(m.dictionary_form(), m.normalized_form(), m.surface())]
            + [(p.dictionary_form(), p.normalized_form(), p.surface()) for p in m.split(model.short)]
            for m in model.tokenizer.tokenize(text)
            if is_content(m)
        ]
    rows = []
    for whole, *parts in words:
        row = next((row_of[f] for f in whole if f in row_of), None)
        if row is not None:
            rows.append(row)
            continue
        if len(parts) > 1:
            rows.extend(
                r
                for forms in parts
                if (r := next((row_of[f] for f in forms if f in row_of), None)) is not None
            )
    return rows


class MeaningIndex:
    """Every solution's meaning vector, and the document frequency of words that weights them."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._vectors = _model().vectors
        docs = [word_rows(t) for t in texts]
        df = np.zeros(len(self._vectors), dtype=np.float64)
        for d in docs:
            df[list(set(d))] += 1
        self._idf = (np.log((1 + len(docs)) / (1 + df)) + 1.0).astype(np.float32)
        self.matrix = np.zeros((len(docs), self._vectors.shape[1]), dtype=np.float32)
        for i, d in enumerate(docs):
            self.matrix[i] = self.vector(d)

    def vector(self, rows: list[int]) -> np.ndarray:
        """The IDF-weighted mean of the words' vectors, of length 1 (zero when no word has a vector)."""
        if not rows:
            return np.zeros(self._vectors.shape[1], dtype=np.float32)
        unique, counts = np.unique(np.asarray(rows, dtype=np.int64), return_counts=True)
        weights = self._idf[unique] * (1.0 + np.log(counts)).astype(np.float32)
        out = weights @ self._vectors[unique]
        norm = float(np.linalg.norm(out))
        return out / norm if norm else out

    def similarity(self, text: str) -> np.ndarray:
        """Cosine between the text and every solution (0 for a text or solution with no known word)."""
        return self.matrix @ self.vector(word_rows(text))
