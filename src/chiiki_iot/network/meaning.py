"""Closeness of meaning between a need and a solution, from word vectors that install from PyPI.

Character n-grams and the theme lexicon match what is written; they miss a paraphrase that shares neither
characters nor a listed cue (お年寄り／高齢者, 食害／荒らす). ``ja_ginza`` ships 20,000 chiVe word vectors
(300 dimensions, trained on the National Institute for Japanese Language and Linguistics' web corpus) with
SudachiPy's tokenizer and dictionary: a text becomes the IDF-weighted mean of its content words' vectors
(nouns, verbs, adjectives, by Sudachi's part of speech), and closeness is the cosine. Nothing is fetched
at run time; the model loads once per process (about a second), when the first ranking needs it.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
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


@cache
def _model() -> _Model:
    import spacy  # deferred: a second of loading that only the matcher needs
    from sudachipy import Dictionary, SplitMode

    nlp = spacy.load("ja_ginza", exclude=UNUSED_PIPES)
    strings, key2row = nlp.vocab.strings, nlp.vocab.vectors.key2row
    row_of = {text: int(row) for text in strings if (row := key2row.get(strings[text])) is not None}
    return _Model(
        vectors=np.asarray(nlp.vocab.vectors.data, dtype=np.float32),
        row_of=row_of,
        tokenizer=Dictionary(dict="core").create(SplitMode.C),
    )


def word_rows(text: str) -> list[int]:
    """The vector rows of the text's content words (dictionary form first, then normalised, then as
    written); words without a vector are left out."""
    model = _model()
    with _tokenizer_lock:
        morphemes = [
            (m.part_of_speech()[0], m.dictionary_form(), m.normalized_form(), m.surface())
            for m in model.tokenizer.tokenize(text)
        ]
    rows = []
    for pos, *forms in morphemes:
        if pos not in CONTENT:
            continue
        row = next((model.row_of[f] for f in forms if f in model.row_of), None)
        if row is not None:
            rows.append(row)
    return rows


class MeaningIndex:
    """Every solution's meaning vector, and the document frequency of words that weights them."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._vectors = _model().vectors
        docs = [word_rows(t) for t in texts]
        self._df: Counter[int] = Counter(r for d in docs for r in set(d))
        self._n = len(docs)
        self.matrix = (
            np.stack([self.vector(d) for d in docs])
            if docs
            else np.zeros((0, self._vectors.shape[1]), dtype=np.float32)
        )

    def vector(self, rows: list[int]) -> np.ndarray:
        """The IDF-weighted mean of the words' vectors, of length 1 (zero when no word has a vector)."""
        out = np.zeros(self._vectors.shape[1], dtype=np.float32)
        for row, count in Counter(rows).items():
            idf = math.log((1 + self._n) / (1 + self._df.get(row, 0))) + 1.0
            out += np.float32(idf * (1.0 + math.log(count))) * self._vectors[row]
        norm = float(np.linalg.norm(out))
        return out / norm if norm else out

    def similarity(self, text: str) -> np.ndarray:
        """Cosine between the text and every solution (0 for a text or solution with no known word)."""
        return self.matrix @ self.vector(word_rows(text))
