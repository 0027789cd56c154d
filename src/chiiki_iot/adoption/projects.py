"""Projects (事業): a body's concrete IoT projects. The body records its own (or the secretariat); a joint
project names its partner bodies, and shows on their pages too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption.models import Project
from chiiki_iot.adoption.service import check_model
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.terms import N_
from chiiki_iot.registry import service as registry

# The budget column is a 32-bit integer on both databases: about 21億円, beyond any one municipal IoT project.
# A larger figure was a 500 on PostgreSQL ("integer out of range"); it is refused as input instead.
BUDGET_MAX_YEN = 2**31 - 1

FUNDING = {"national-subsidy": N_("国の補助事業"), "own": N_("単独事業"), "other": N_("その他")}


@dataclass(frozen=True)
class ProjectInput:
    name: str
    model_slugs: list[str]
    funding: str
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    budget_yen: int | None = None
    vendors: list[str] = field(default_factory=list)
    partner_codes: list[str] = field(default_factory=list)
    outcome: str = ""


def add_project(session: Session, *, principal: Principal, body_code: str, project: ProjectInput) -> Project:
    body = registry.get_body(session, body_code)
    authorize(principal, "status.record", registry.policy_target(body))
    if not project.name.strip():
        raise InvalidInput("事業名を入力してください。", "Give the project a name.")
    if not project.model_slugs:
        raise InvalidInput("分野別モデルを一つ以上選んでください。", "Choose at least one sector model.")
    if project.funding not in FUNDING:
        raise InvalidInput(
            f"財源「{project.funding}」は選択肢にありません（{'・'.join(FUNDING.values())}）。",
            f"Unknown funding '{project.funding}' (one of {', '.join(FUNDING)}).",
        )
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        raise InvalidInput("終了日が開始日より前です。", "The end date is before the start date.")
    if project.budget_yen is not None and project.budget_yen < 0:
        raise InvalidInput("予算は0円以上にしてください。", "The budget cannot be negative.")
    if project.budget_yen is not None and project.budget_yen > BUDGET_MAX_YEN:
        raise InvalidInput(
            f"予算は{BUDGET_MAX_YEN:,}円以下にしてください。",
            f"The budget can be at most {BUDGET_MAX_YEN:,} yen.",
        )
    partners = [registry.get_body(session, code).code for code in project.partner_codes]
    row = Project(
        body_code=body.code,
        name=project.name.strip(),
        model_slugs=[check_model(session, m) for m in project.model_slugs],
        starts_on=project.starts_on,
        ends_on=project.ends_on,
        budget_yen=project.budget_yen,
        funding=project.funding,
        vendors=[v.strip() for v in project.vendors if v.strip()],
        partner_codes=partners,
        outcome=project.outcome.strip(),
    )
    session.add(row)
    session.flush()
    return row


def projects_of_body(session: Session, body_code: str) -> list[Project]:
    """The body's own projects and the joint projects it is a partner in."""
    code = registry.get_body(session, body_code).code
    own = list(session.scalars(select(Project).where(Project.body_code == code)))
    # The JSON text narrows the scan in the database; the exact check below keeps 01100 out of 011002.
    mentioned = select(Project).where(
        Project.body_code != code, cast(Project.partner_codes, String).contains(code)
    )
    partner = [p for p in session.scalars(mentioned) if code in (p.partner_codes or [])]
    return sorted(own + partner, key=lambda p: (p.starts_on or dt.date.min, p.id))


def project_blocks(session: Session, project_ids: list[int]) -> dict[int, str]:
    """The block of the body that ran each project (a solution's track record is counted by block)."""
    if not project_ids:
        return {}
    bodies = registry.bodies_by_code(
        session, list(session.scalars(select(Project.body_code).where(Project.id.in_(project_ids))))
    )
    rows = session.execute(select(Project.id, Project.body_code).where(Project.id.in_(project_ids)))
    return {pid: bodies[code].block_slug for pid, code in rows if code in bodies}
