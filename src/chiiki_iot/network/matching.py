"""The scorer that ranks solutions for a need (マッチング): one function, used by the pages, the API and
``chiiki-iot network evaluate``, so the figure the evaluation reports is the site's own.

A need is written in the trouble's words and a solution in the mechanism's, so plain word overlap misses
most true matches. The score therefore combines:

- **themes** (概念): the lexicon in ``data/network/concepts.yaml`` maps both kinds of wording to shared
  themes (見守り・安否確認 is found in 「倒れていても気づかれない」 and in 「電力使用量から異常を検知」);
- **text**: TF-IDF over character 2- and 3-grams of kanji and katakana, which survives okurigana and
  compound words;
- **meaning**: word vectors over Sudachi's content words (``network.meaning``), for paraphrases that
  share neither characters nor a listed cue;
- **model fit**: the need's sector models, or those its themes suggest when it names none;
- **budget fit**, **region** (a solution that does not serve the body's area is pushed down, not hidden)
  and **track record** (the organisation's projects in the same or a neighbouring block).

Every ranked item carries its reasons in words. The index is a sparse matrix, so one need against 100,000
solutions is a few column reads, not a loop.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import yaml
from scipy import sparse

from chiiki_iot.network.meaning import MeaningIndex

LEXICON = Path(__file__).resolve().parents[1] / "data" / "network" / "concepts.yaml"

# Weights of the parts of the score, chosen on the development set (tests/network/data/matching_eval.jsonl)
# and checked on the held-out one; docs/benchmarks.md records both figures.
W_THEMES = 0.30
W_TEXT = 0.60
W_MEANING = 2.0  # word vectors (network.meaning): the paraphrases the other parts miss
W_MODEL = 0.07
W_BUDGET = 0.03
W_TRACK = 0.02
# 「内容が近い」 is given as a reason when a solution's meaning is this much closer to the need than the
# catalogue's median (mean vectors of any two texts are already near: on the development set the median
# solution sits at 0.70 and the median relevant one at 0.81).
MEANING_MARGIN = 0.10
OUTSIDE_REGION = 0.35  # factor for a solution that does not serve the body's area
OVER_BUDGET = 0.6  # budget fit when even the lowest price is above the budget


@dataclass(frozen=True)
class Concept:
    """A theme (概念) of the lexicon: its label for reasons, the words that show it, its usual models."""

    slug: str
    label: str
    terms: tuple[str, ...]
    models: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class Reason:
    """Why an item ranks where it does, in both languages (the page shows the reader's)."""

    ja: str
    en: str


@dataclass(frozen=True)
class SolutionCard:
    """What the scorer knows of a solution (解決策)."""

    key: str
    organisation: str
    title: str
    description: str
    models: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    """Block slugs, prefecture codes or body codes; empty: nationwide."""
    price_yen: tuple[int, int] | None = None
    track_record: Mapping[str, int] = field(default_factory=dict)
    """Implemented projects of the organisation, by block slug."""


@dataclass(frozen=True)
class NeedCard:
    """What the scorer knows of a need (課題) and of the body that posted it."""

    title: str
    description: str
    models: tuple[str, ...] = ()
    budget_yen: int | None = None
    body_code: str = ""
    prefecture_code: str = ""
    block_slug: str = ""
    neighbour_blocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranked:
    key: str
    score: float
    reasons: tuple[Reason, ...]


@cache
def lexicon() -> tuple[Concept, ...]:
    rows = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    return tuple(
        Concept(
            slug=r["slug"],
            label=r["label"],
            terms=tuple(fold(str(t)) for t in r["terms"]),
            models=tuple(r.get("models") or ()),
            weight=float(r.get("weight", 1.0)),
        )
        for r in rows
    )


def fold(text: str) -> str:
    """NFKC (全角英数 → 半角, 半角カナ → 全角) and lower case: the form every comparison runs on."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class _Cues:
    """The lexicon's cue words, indexed for one pass over a text: by their first two characters (and the
    one-character cues, 雪・橋・牛, by themselves), with the themes each cue shows."""

    by_prefix: dict[str, tuple[str, ...]]
    single: frozenset[str]
    themes_of_cue: dict[str, tuple[int, ...]]


@cache
def _cues() -> _Cues:
    themes_of_cue: dict[str, list[int]] = {}
    for i, concept in enumerate(lexicon()):
        for term in concept.terms:
            themes_of_cue.setdefault(term, []).append(i)
    by_prefix: dict[str, list[str]] = {}
    for cue in themes_of_cue:
        if len(cue) > 1:
            by_prefix.setdefault(cue[:2], []).append(cue)
    return _Cues(
        by_prefix={k: tuple(v) for k, v in by_prefix.items()},
        single=frozenset(c for c in themes_of_cue if len(c) == 1),
        themes_of_cue={k: tuple(v) for k, v in themes_of_cue.items()},
    )


def themes_of(text: str) -> Counter[int]:
    """The lexicon's themes found in a text, by index, with how many distinct cue words showed each."""
    cues, folded = _cues(), fold(text)
    found = set(cues.single.intersection(folded))
    for i in range(len(folded) - 1):
        for cue in cues.by_prefix.get(folded[i : i + 2], ()):
            if folded.startswith(cue, i):
                found.add(cue)
    themes: Counter[int] = Counter()
    for cue in found:
        for theme in cues.themes_of_cue[cue]:
            themes[theme] += 1
    return themes


def grams_of(text: str) -> Counter[str]:
    """Character 2- and 3-grams of the text's runs of kanji, katakana and latin letters or digits. Hiragana
    is left out: in these texts it is grammar (する・ている・について), which every text shares."""
    folded = fold(text)
    grams: Counter[str] = Counter()
    for run in re.findall(r"[\u4e00-\u9fff\u3005\u30a0-\u30ffa-z0-9]+", folded):
        for n in (2, 3):
            for i in range(len(run) - n + 1):
                grams[run[i : i + n]] += 1
    return grams


def _theme_weights(found: Counter[int], idf: np.ndarray) -> dict[int, float]:
    concepts = lexicon()
    return {i: concepts[i].weight * idf[i] * (1 + math.log(hits)) for i, hits in found.items()}


def _normalised(
    values: dict,
) -> dict:
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {k: v / norm for k, v in values.items()}


@dataclass(frozen=True)
class _Scored:
    """One need against every solution: the scores and what the reasons are drawn from."""

    total: np.ndarray
    theme_query: dict[int, float]
    wanted: set[str]
    serves: np.ndarray
    meaning: np.ndarray
    meaning_floor: float


class SolutionIndex:
    """All solutions as matrices: TF-IDF character grams (columns read per query), themes and models."""

    def __init__(self, solutions: Sequence[SolutionCard], model_slugs: Iterable[str] = ()) -> None:
        self.solutions = list(solutions)
        n = len(self.solutions)
        concepts = lexicon()
        texts = [f"{s.title}\n{s.title}\n{s.description}" for s in self.solutions]
        theme_counts = [themes_of(t) for t in texts]
        self.meaning = MeaningIndex([f"{s.title}\n{s.description}" for s in self.solutions])

        # Typed arrays, one pass per text: at 100,000 solutions the (row, column, value) triples are 30 M,
        # which as Python lists took 2.5 GB.
        self.vocabulary: dict[str, int] = {}
        rows, cols, vals = array("i"), array("i"), array("f")
        for r, text in enumerate(texts):
            for gram, count in grams_of(text).items():
                rows.append(r)
                cols.append(self.vocabulary.setdefault(gram, len(self.vocabulary)))
                vals.append(1.0 + math.log(count))
        matrix = sparse.csr_matrix(
            (
                np.frombuffer(vals, dtype=np.float32),
                (np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32)),
            ),
            shape=(n, len(self.vocabulary)),
        )
        df = np.bincount(np.frombuffer(cols, dtype=np.int32), minlength=len(self.vocabulary))
        self.gram_idf = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
        matrix = matrix.multiply(self.gram_idf).tocsr()
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.grams = sparse.diags(1.0 / norms).dot(matrix).tocsc().astype(np.float32)

        theme_df = np.zeros(len(concepts))
        for found in theme_counts:
            for i in found:
                theme_df[i] += 1
        self.theme_idf = np.log((1 + n) / (1 + theme_df)) + 1.0
        self.themes = np.zeros((n, len(concepts)), dtype=np.float32)
        for r, found in enumerate(theme_counts):
            for i, w in _normalised(_theme_weights(found, self.theme_idf)).items():
                self.themes[r, i] = w

        slugs = sorted({*model_slugs, *(m for s in self.solutions for m in s.models)})
        self.model_column = {slug: i for i, slug in enumerate(slugs)}
        self.models = np.zeros((n, max(len(slugs), 1)), dtype=np.float32)
        for r, s in enumerate(self.solutions):
            for m in s.models:
                self.models[r, self.model_column[m]] = 1.0

        self.price_min = np.array(
            [s.price_yen[0] if s.price_yen else -1 for s in self.solutions], dtype=np.float64
        )
        self.nationwide = np.array([not s.regions for s in self.solutions], dtype=bool)
        self.served_by_region: dict[str, list[int]] = {}
        for r, s in enumerate(self.solutions):
            for region in s.regions:
                self.served_by_region.setdefault(region, []).append(r)

    def __len__(self) -> int:
        return len(self.solutions)

    def _scores(self, need: NeedCard) -> _Scored:
        """Every solution's score for the need, with what the reasons are drawn from."""
        n = len(self.solutions)
        text = f"{need.title}\n{need.title}\n{need.description}"
        theme_query = _normalised(_theme_weights(themes_of(text), self.theme_idf))
        theme_score = np.zeros(n, dtype=np.float32)
        if theme_query:
            idx = np.fromiter(theme_query.keys(), dtype=np.int64)
            theme_score = self.themes[:, idx] @ np.fromiter(theme_query.values(), dtype=np.float32)
        model_score, wanted = self._model_scores(need, theme_query)
        serves = self._serves(need)
        meaning = self.meaning.similarity(f"{need.title}\n{need.description}")
        total = (
            W_THEMES * theme_score
            + W_TEXT * self._text_scores(text)
            + W_MEANING * meaning
            + W_MODEL * model_score
            + W_BUDGET * self._budget_scores(need)
            + W_TRACK * self._track_scores(need)
        )
        floor = float(np.median(meaning)) + MEANING_MARGIN
        return _Scored(
            np.where(serves, total, total * OUTSIDE_REGION), theme_query, wanted, serves, meaning, floor
        )

    def rank(self, need: NeedCard, *, limit: int = 10) -> list[Ranked]:
        """The best ``limit`` solutions for the need, best first (ties by catalogue order), with reasons."""
        if not self.solutions:
            return []
        scored = self._scores(need)
        limit = min(limit, len(self.solutions))
        top = np.argpartition(-scored.total, limit - 1)[:limit]
        top = top[np.lexsort((top, -scored.total[top]))]
        return [self._ranked(r, need, scored) for r in top]

    def score_one(self, need: NeedCard, position: int) -> Ranked:
        """One solution's score and reasons for the need, as ``rank`` would give them."""
        return self._ranked(position, need, self._scores(need))

    def _ranked(self, r: int, need: NeedCard, scored: _Scored) -> Ranked:
        return Ranked(
            key=self.solutions[r].key,
            score=round(float(scored.total[r]), 4),
            reasons=self._reasons(r, need, scored),
        )

    def _text_scores(self, text: str) -> np.ndarray:
        grams = grams_of(text)
        weights: dict[int, float] = {}
        norm_sq = 0.0
        for gram, count in grams.items():
            c = self.vocabulary.get(gram)
            idf = self.gram_idf[c] if c is not None else math.log(1 + len(self.solutions)) + 1.0
            w = (1.0 + math.log(count)) * float(idf)
            norm_sq += w * w
            if c is not None:
                weights[c] = w
        if not weights:
            return np.zeros(len(self.solutions), dtype=np.float32)
        cols = np.fromiter(weights.keys(), dtype=np.int64)
        vals = np.fromiter(weights.values(), dtype=np.float32) / math.sqrt(norm_sq)
        return np.asarray(self.grams[:, cols] @ vals).ravel()

    def _model_scores(self, need: NeedCard, theme_query: Mapping[int, float]) -> tuple[np.ndarray, set[str]]:
        """1 for a solution in one of the need's models; a need without models is given those its themes
        suggest (weighted by how strongly each theme shows), so the text still decides."""
        wanted: dict[str, float] = {m: 1.0 for m in need.models}
        if not wanted:
            concepts = lexicon()
            for i, w in theme_query.items():
                for m in concepts[i].models:
                    wanted[m] = max(wanted.get(m, 0.0), w)
        columns = {self.model_column[m]: w for m, w in wanted.items() if m in self.model_column}
        if not columns:
            return np.zeros(len(self.solutions), dtype=np.float32), set()
        idx = np.fromiter(columns.keys(), dtype=np.int64)
        weights = np.fromiter(columns.values(), dtype=np.float32)
        scores = (self.models[:, idx] * weights).max(axis=1)
        return scores, set(need.models)

    def _budget_scores(self, need: NeedCard) -> np.ndarray:
        if need.budget_yen is None:
            return np.full(len(self.solutions), 0.5, dtype=np.float32)
        known = self.price_min >= 0
        within = self.price_min <= need.budget_yen
        return np.where(known, np.where(within, 1.0, OVER_BUDGET * 0.5), 0.5).astype(np.float32)

    def _serves(self, need: NeedCard) -> np.ndarray:
        serves = self.nationwide.copy()
        for region in (need.block_slug, need.prefecture_code, need.body_code):
            if region:
                serves[self.served_by_region.get(region, [])] = True
        if not (need.block_slug or need.prefecture_code or need.body_code):
            serves[:] = True
        return serves

    def _track_scores(self, need: NeedCard) -> np.ndarray:
        if not need.block_slug:
            return np.zeros(len(self.solutions), dtype=np.float32)
        near = {need.block_slug, *need.neighbour_blocks}
        counts = (
            [sum(c for block, c in s.track_record.items() if block in near) for s in self.solutions]
            if any(s.track_record for s in self.solutions)
            else [0] * len(self.solutions)
        )
        return np.minimum(np.array(counts, dtype=np.float32), 5.0) / 5.0

    def _reasons(self, r: int, need: NeedCard, scored: _Scored) -> tuple[Reason, ...]:
        s, theme_query, wanted, serves = (
            self.solutions[r],
            scored.theme_query,
            scored.wanted,
            bool(scored.serves[r]),
        )
        concepts = lexicon()
        reasons: list[Reason] = []
        shared_models = [m for m in s.models if m in wanted]
        if shared_models:
            reasons.append(Reason("同じ分野別モデル", "same sector model"))
        shared = sorted(
            (i for i in theme_query if self.themes[r, i] > 0),
            key=lambda i: -(theme_query[i] * self.themes[r, i]),
        )[:3]
        if shared:
            labels = "・".join(concepts[i].label for i in shared)
            reasons.append(Reason(f"本文の一致: {labels}", f"matching themes: {labels}"))
        if scored.meaning[r] >= scored.meaning_floor:
            reasons.append(Reason("内容が近い（語の意味から）", "close in meaning (from word vectors)"))
        if need.block_slug and s.track_record:
            same = s.track_record.get(need.block_slug, 0)
            near = sum(s.track_record.get(b, 0) for b in need.neighbour_blocks)
            if same:
                reasons.append(
                    Reason(f"同じブロックで実装実績 {same} 件", f"{same} projects in the same block")
                )
            elif near:
                reasons.append(
                    Reason(f"近隣ブロックで実装実績 {near} 件", f"{near} projects in a neighbouring block")
                )
        if need.budget_yen is not None and s.price_yen:
            if s.price_yen[0] <= need.budget_yen:
                reasons.append(Reason("予算内", "within budget"))
            else:
                reasons.append(Reason("予算を超える可能性", "may exceed the budget"))
        if not serves:
            reasons.append(Reason("対応地域外", "outside the area served"))
        elif s.regions:
            reasons.append(Reason("対応地域内", "serves this area"))
        return tuple(reasons)
