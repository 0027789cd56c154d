"""Measuring the matcher on a labelled set (``chiiki-iot network evaluate FILE.jsonl``): read solutions and
needs from JSON Lines, rank every solution for each need with the site's scorer, report top-1, top-k and
MRR. Nothing is written; the registry is only read, to place each need's body in its block.

The file format is fixed by issue 14 (one object per line, ``"type": "solution"`` or ``"need"``); a line
that does not fit is refused with its line number before anything is ranked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.network.matching import NeedCard, Ranked, SolutionCard, SolutionIndex
from chiiki_iot.registry.service import neighbour_blocks

PlaceOf = Callable[[str], tuple[str, str]]
"""A body code → (prefecture code, block slug); raises InvalidInput for an unknown code."""


@dataclass(frozen=True)
class LabelledNeed:
    key: str
    card: NeedCard
    relevant: frozenset[str]


@dataclass(frozen=True)
class NeedResult:
    need: LabelledNeed
    ranked: list[Ranked]
    first_hit: int | None
    """1-based rank of the first relevant solution in the full ranking, or None."""


@dataclass(frozen=True)
class Evaluation:
    results: list[NeedResult]
    k: int

    @property
    def needs(self) -> int:
        return len(self.results)

    def hits_at(self, k: int) -> int:
        return sum(1 for r in self.results if r.first_hit is not None and r.first_hit <= k)

    @property
    def mrr(self) -> float:
        return sum(1 / r.first_hit for r in self.results if r.first_hit) / max(self.needs, 1)

    def summary(self) -> str:
        n = max(self.needs, 1)
        return (
            f"top-1 {self.hits_at(1) / n:.3f}, top-{self.k} {self.hits_at(self.k) / n:.3f} "
            f"({self.hits_at(self.k)}/{self.needs}), MRR {self.mrr:.3f}"
        )


def _problem(line_no: int, ja: str, en: str) -> InvalidInput:
    return InvalidInput(f"{line_no} 行目: {ja}", f"line {line_no}: {en}")


def _strings(value: object, line_no: int, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _problem(
            line_no, f"{name} は文字列の配列にしてください。", f"{name} must be a list of strings."
        )
    return tuple(value)


def _price(value: object, line_no: int) -> tuple[int, int] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and v >= 0 for v in value)
        or value[0] > value[1]
    ):
        raise _problem(
            line_no,
            "price_yen は [下限, 上限] の整数2つにしてください。",
            "price_yen must be [min, max] integers.",
        )
    return (value[0], value[1])


def read_labelled(lines: Iterable[str], place_of: PlaceOf) -> tuple[list[SolutionCard], list[LabelledNeed]]:
    """Parse the file. Every problem names its line; unknown solution ids in ``relevant`` are refused."""
    solutions: list[SolutionCard] = []
    needs: list[LabelledNeed] = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise _problem(
                line_no, f"JSON として読めません（{error.msg}）。", f"not JSON ({error.msg})."
            ) from None
        if not isinstance(row, dict) or row.get("type") not in ("solution", "need"):
            raise _problem(
                line_no, "type は solution か need にしてください。", 'type must be "solution" or "need".'
            )
        for name in ("id", "title", "description"):
            if not isinstance(row.get(name), str) or not row[name].strip():
                raise _problem(line_no, f"{name} がありません。", f"{name} is missing.")
        if row["type"] == "solution":
            solutions.append(
                SolutionCard(
                    key=row["id"],
                    organisation=str(row.get("organisation", "")),
                    title=row["title"],
                    description=row["description"],
                    models=_strings(row.get("models"), line_no, "models"),
                    regions=_strings(row.get("regions"), line_no, "regions"),
                    price_yen=_price(row.get("price_yen"), line_no),
                )
            )
        else:
            needs.append(_need(row, line_no, place_of))
    known = {s.key for s in solutions}
    for need in needs:
        unknown = sorted(need.relevant - known)
        if unknown:
            raise InvalidInput(
                f"課題 {need.key} の relevant に存在しない解決策があります: {', '.join(unknown)}",
                f"need {need.key} lists unknown solutions as relevant: {', '.join(unknown)}",
            )
    return solutions, needs


def _need(row: dict, line_no: int, place_of: PlaceOf) -> LabelledNeed:
    code = row.get("body")
    if not isinstance(code, str):
        raise _problem(
            line_no, "body に団体コード（6桁）を書いてください。", "body must be a 6-digit body code."
        )
    budget = row.get("budget_yen")
    if budget is not None and (not isinstance(budget, int) or budget < 0):
        raise _problem(
            line_no, "budget_yen は0以上の整数にしてください。", "budget_yen must be a whole number ≥ 0."
        )
    try:
        prefecture, block = place_of(code)
    except InvalidInput as error:
        raise _problem(line_no, error.message_ja, error.message_en) from None
    card = NeedCard(
        title=row["title"],
        description=row["description"],
        models=_strings(row.get("models"), line_no, "models"),
        budget_yen=budget,
        body_code=code,
        prefecture_code=prefecture,
        block_slug=block,
        neighbour_blocks=neighbour_blocks(block),
    )
    return LabelledNeed(row["id"], card, frozenset(_strings(row.get("relevant"), line_no, "relevant")))


def evaluate(solutions: list[SolutionCard], needs: list[LabelledNeed], *, k: int = 3) -> Evaluation:
    index = SolutionIndex(solutions)
    results = []
    for need in needs:
        ranked = index.rank(need.card, limit=len(index))
        first = next((i for i, item in enumerate(ranked, start=1) if item.key in need.relevant), None)
        results.append(NeedResult(need, ranked[:k], first))
    return Evaluation(results, k)
