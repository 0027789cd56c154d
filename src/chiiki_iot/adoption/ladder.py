"""The implementation ladder (実装状況) and the barriers (壁), with the spellings real answers use.

未着手 → 関心あり → 検討中 → 実証中 → 実装済, plus 中止・休止 for a project that stopped. The seed observes
that many bodies are 「関心」 but not 「行動」: the ladder makes that gap countable.
"""

from __future__ import annotations

from enum import StrEnum

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.terms import N_
from chiiki_iot.core.text import normalize


class Stage(StrEnum):
    NOT_STARTED = "未着手"
    INTERESTED = "関心あり"
    CONSIDERING = "検討中"
    DEMONSTRATING = "実証中"
    IMPLEMENTED = "実装済"
    STOPPED = "中止・休止"


LADDER = (Stage.NOT_STARTED, Stage.INTERESTED, Stage.CONSIDERING, Stage.DEMONSTRATING, Stage.IMPLEMENTED)
STAGE_LABELS = {s: N_(s.value) for s in Stage}
STAGE_EN = {
    Stage.NOT_STARTED: "not started",
    Stage.INTERESTED: "interested",
    Stage.CONSIDERING: "considering",
    Stage.DEMONSTRATING: "piloting",
    Stage.IMPLEMENTED: "implemented",
    Stage.STOPPED: "stopped",
}

# What people write for each stage, folded with NFKC and without spaces: 「実装済み」「実装済」「実装」 ...
_SPELLINGS: dict[str, Stage] = {}
for stage, words in {
    Stage.NOT_STARTED: ["未着手", "未実施", "なし", "無", "notstarted", "0"],
    Stage.INTERESTED: ["関心あり", "関心有り", "関心がある", "興味あり", "interested", "1"],
    Stage.CONSIDERING: ["検討中", "検討", "計画中", "considering", "2"],
    Stage.DEMONSTRATING: ["実証中", "実証", "実証実験中", "試行中", "piloting", "3"],
    Stage.IMPLEMENTED: ["実装済", "実装済み", "実装", "導入済", "導入済み", "実施中", "implemented", "4"],
    Stage.STOPPED: ["中止・休止", "中止", "休止", "廃止", "stopped"],
}.items():
    for word in words:
        _SPELLINGS[word] = stage


def rank(stage: Stage) -> int:
    """Position on the ladder; a stopped project ranks below 未着手 for 'at or above' counts."""
    return LADDER.index(stage) if stage in LADDER else -1


def parse_stage(text: str) -> Stage:
    key = "".join(normalize(text).lower().split())
    if key in _SPELLINGS:
        return _SPELLINGS[key]
    choices = "・".join(s.value for s in Stage)
    raise InvalidInput(
        f"段階「{text}」が分かりません（{choices} のいずれか）。",
        f"Unknown stage '{text}' (one of {', '.join(STAGE_EN.values())}).",
    )


class Barrier(StrEnum):
    """実装を阻む「壁」 as the seed names them, plus other."""

    BUDGET = "予算の制約"
    VISIBILITY = "利用イメージ・効果の見える化"
    PEOPLE = "人材の不足"
    STRUCTURE = "官民が連携した推進体制"
    OTHER = "その他"


BARRIER_EN = {
    Barrier.BUDGET: "budget constraints",
    Barrier.VISIBILITY: "unclear use and benefit",
    Barrier.PEOPLE: "lack of skilled people",
    Barrier.STRUCTURE: "no public-private structure",
    Barrier.OTHER: "other",
}
BARRIER_LABELS = {b: N_(b.value) for b in Barrier}
