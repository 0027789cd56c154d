"""Small makers of the Act step's records, through its own service functions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal
from chiiki_iot.improvement import cases, countermeasures, revision_drafts
from chiiki_iot.improvement.models import Case, Countermeasure, RevisionDraft


def countermeasure(session: Session, *, secretariat: Principal, **overrides: object) -> Countermeasure:
    data = {
        "title": "IoTメンターの重点派遣", "owner_kind": "bureau", "owner_block": "hokkaido",
        "kpi_slugs": ["open-data-bodies"],
    } | overrides  # fmt: skip
    return countermeasures.create(
        session, principal=secretariat, data=countermeasures.CountermeasureInput(**data)
    )  # type: ignore[arg-type]


def published_case(
    session: Session, *, secretariat: Principal, body_code: str = "011002", models: tuple[str, ...] = ("open-data",),
    **overrides: object,
) -> Case:  # fmt: skip
    data = {
        "body_code": body_code,
        "title": "オープンデータで子育て支援マップ",
        "model_slugs": list(models),
    } | overrides
    case = cases.write(session, principal=secretariat, data=cases.CaseInput(**data))  # type: ignore[arg-type]
    cases.submit(session, principal=secretariat, case_id=case.id, expected_version=case.version)
    return cases.publish(session, principal=secretariat, case_id=case.id, expected_version=case.version)


def draft(session: Session, *, secretariat: Principal, slug: str = "2030-04") -> RevisionDraft:
    return revision_drafts.create(
        session, principal=secretariat, slug=slug, title_ja="", title_en="", comments_until=None
    )
