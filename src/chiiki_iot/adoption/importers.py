"""Bulk import of an external list into the status history (e.g. the Digital Agency's list of local
governments that publish open data): one model, one as-of date, a column of answers mapped to stages.

Planned first (every row read, matched to a body and compared with the status in force on that date),
then applied all or nothing. A row whose stage is already in force is unchanged, so importing the same
file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption import service
from chiiki_iot.adoption.ladder import Stage, parse_stage
from chiiki_iot.adoption.models import StatusChange
from chiiki_iot.core.errors import InvalidInput, Problem, UserError
from chiiki_iot.core.files import CsvTable, find_column, read_csv, refused
from chiiki_iot.core.text import normalize, search_key
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.codes import column_reader
from chiiki_iot.registry.kinds import BodyKind

CODE_COLUMNS = (
    "lgcode",
    "団体コード",
    "全国地方公共団体コード",
    "地方公共団体コード6桁",
    "地方公共団体コード",
    "code",
)
NAME_COLUMNS = ("団体名", "地方公共団体名", "市区町村名", "name")
PREFECTURE_COLUMNS = ("都道府県名", "都道府県", "prefecture")


@dataclass
class StatusRow:
    line: int
    body_code: str
    body_name: str
    value: str
    stage: Stage
    previous: str | None

    @property
    def changes(self) -> bool:
        return self.previous != self.stage.value


@dataclass
class StatusImportPlan:
    file_name: str
    encoding_label: str
    model_slug: str
    as_of: dt.date
    value_column: str
    rows: list[StatusRow] = field(default_factory=list)
    skipped: int = 0  # rows with an empty answer

    @property
    def change_count(self) -> int:
        return sum(r.changes for r in self.rows)


def parse_mapping(pairs: list[str]) -> dict[str, Stage]:
    """'取組んでいる=実装済' pairs from the command line into a value → stage map."""
    mapping: dict[str, Stage] = {}
    for pair in pairs:
        value, sep, stage = pair.partition("=")
        if not sep:
            raise InvalidInput(
                f"対応づけ「{pair}」は 値=段階 の形で書いてください。",
                f"Write the mapping '{pair}' as value=stage.",
            )
        mapping[_key(value)] = parse_stage(stage)
    return mapping


def _key(value: str) -> str:
    return "".join(normalize(value).split())


def plan_status_import(
    session: Session,
    *,
    data: bytes,
    file_name: str,
    model_slug: str,
    as_of: dt.date,
    value_column: str,
    mapping: dict[str, Stage] | None = None,
    code_column: str | None = None,
) -> StatusImportPlan:
    table = read_csv(data, name=file_name)
    slug = service.check_model(session, model_slug)
    service.check_effective_on(as_of)  # the rule every status recording follows, before reading the file
    value_i = find_column(table.header, (), value_column, ("回答", "answer"), table)
    code_i = _optional_column(table, CODE_COLUMNS, code_column)
    name_i, pref_i = (
        _optional_column(table, NAME_COLUMNS, None),
        _optional_column(table, PREFECTURE_COLUMNS, None),
    )
    if code_i is None and name_i is None:
        raise InvalidInput(
            f"「{file_name}」に団体コードの列も団体名の列もありません（列: {', '.join(table.header)}）。",
            f"'{file_name}' has neither a code nor a name column (columns: {', '.join(table.header)}).",
        )
    bodies = {c: b for c, b in registry.bodies_by_code(session).items() if b.kind != BodyKind.WARD}
    current = {c.body_code: c.stage for _, c in service.adoption_of_model(session, slug, as_of=as_of)}
    plan = StatusImportPlan(file_name, table.encoding_label, slug, as_of, table.header[value_i])
    read_code = column_reader([c[code_i] for _, c in table.rows if code_i is not None and code_i < len(c)])
    problems: list[Problem] = []
    seen: dict[str, int] = {}  # body → the row it first appeared on
    for line, cells in table.rows:  # blank rows (Excel's trailing ones) are already dropped
        where = f"{line}行目 / row {line}"
        value = cells[value_i].strip() if value_i < len(cells) else ""
        if not value:
            plan.skipped += 1
            continue
        try:
            body = _match_body(cells, code_i, name_i, pref_i, bodies, read_code)
            stage = (mapping or {}).get(_key(value)) or parse_stage(value)
        except UserError as error:
            problems.append(Problem(error.message_ja, error.message_en, where))
            continue
        if body.code in seen:  # two rows would record two contradictory stages on one day
            problems.append(
                Problem(
                    f"{body.full_name} が {seen[body.code]}行目と {line}行目の二度出てきます。どちらか一方にしてください",
                    f"{body.full_name} appears twice, in rows {seen[body.code]} and {line}; keep one of them",
                    where,
                )
            )
            continue
        seen[body.code] = line
        plan.rows.append(StatusRow(line, body.code, body.full_name, value, stage, current.get(body.code)))
    if problems:
        raise refused(file_name, table.encoding_label, problems)
    return plan


def _optional_column(table: CsvTable, candidates: tuple[str, ...], chosen: str | None) -> int | None:
    try:
        return find_column(table.header, candidates, chosen, ("", ""), table)
    except InvalidInput:
        if chosen:
            raise
        return None


def _match_body(
    cells: list[str],
    code_i: int | None,
    name_i: int | None,
    pref_i: int | None,
    bodies: dict[str, registry.Body],
    read_code: Callable[[str], str],
) -> registry.Body:
    if code_i is not None and code_i < len(cells) and cells[code_i].strip():
        code = read_code(cells[code_i])
        if code not in bodies:
            raise InvalidInput(
                f"団体コード {code} は登録されていない団体です", f"code {code} is not a registered body"
            )
        return bodies[code]
    name = search_key(cells[name_i]) if name_i is not None and name_i < len(cells) else ""
    pref = search_key(cells[pref_i]) if pref_i is not None and pref_i < len(cells) else ""
    found = [
        b
        for b in bodies.values()
        if b.name_key == name and (not pref or search_key(bodies[b.prefecture_code].name) == pref)
    ]
    if len(found) == 1:
        return found[0]
    shown = cells[name_i] if name_i is not None and name_i < len(cells) else ""
    if not found:
        raise InvalidInput(f"団体名「{shown}」に当たる団体がありません", f"no body is named '{shown}'")
    raise InvalidInput(
        f"団体名「{shown}」に当たる団体が複数あります（{'、'.join(b.full_name for b in found)}）。"
        "都道府県の列を付けるか団体コードを使ってください",
        f"'{shown}' matches several bodies; add a prefecture column or use codes",
    )


def apply_status_import(session: Session, plan: StatusImportPlan, *, principal: Principal) -> int:
    """Write the rows that change the status; return how many. All in the caller's transaction."""
    now = dt.datetime.now(dt.UTC)
    changed = [r for r in plan.rows if r.changes]
    for row in changed:
        body = registry.get_body(session, row.body_code)
        authorize(principal, "status.record", registry.policy_target(body))
        session.add(
            StatusChange(
                body_code=row.body_code,
                model_slug=plan.model_slug,
                stage=row.stage.value,
                effective_on=plan.as_of,
                source_kind="import",
                source_ref=plan.file_name,
                evidence={},
                recorded_at=now,
                recorded_by=principal.actor,
                is_synthetic=False,
            )
        )
    session.flush()
    return len(changed)
