"""Small factories for support tests: an application taken to a decision, a dispatch request."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.support import applications, budgets, dispatch, reviews
from chiiki_iot.support.models import DispatchRequest, SupportApplication

SAPPORO = "011002"


def body_principal(code: str = SAPPORO, email: str = "") -> Principal:
    return Principal(email or f"staff-{code}@example.jp", (Grant(Role.MUNICIPALITY, code),), user_id=900002)


def draft(
    session: Session,
    *,
    by: Principal | None = None,
    lead: str = SAPPORO,
    members: list[str] | None = None,
    yen: int = 3_000_000,
    measure: str = "implementation-funding",
    organisations: list[str] | None = None,
    fiscal_year: int | None = None,
) -> SupportApplication:
    return applications.create(
        session,
        principal=by or body_principal(lead),
        data=applications.ApplicationInput(
            measure_slug=measure,
            lead_body_code=lead,
            member_codes=members or [],
            organisation_slugs=organisations or [],
            title="見守りセンサーの実装",
            plan="一人暮らしの高齢者宅に見守りセンサーを置く。",
            model_slugs=["open-data"],
            budget_lines=[("機器", yen)],
            fiscal_year=fiscal_year,
        ),
    )


def reviewed(
    session: Session, application: SupportApplication, *, secretariat: Principal, by: Principal | None = None
) -> None:
    """Submitted, and scored at the bureau stage by the secretariat (a real user) standing in for the bureau."""
    applicant = by or body_principal(application.lead_body_code)
    applications.submit(
        session, principal=applicant, application_id=application.id, expected_version=application.version
    )
    reviews.assign(
        session, principal=secretariat, application_id=application.id,
        reviewer_email=secretariat.actor, stage="bureau",
    )  # fmt: skip
    sheet = reviews.criteria_of(session, application)
    reviews.score(
        session, principal=secretariat, application_id=application.id,
        scores={str(c["label"]): 3 for c in sheet}, recommendation="approve", comment="", no_conflict=True,
    )  # fmt: skip


def approved(  # type: ignore[no-untyped-def]
    session: Session, *, secretariat: Principal, envelope: int = 10_000_000, **kwargs
) -> SupportApplication:
    application = draft(session, **kwargs)
    budgets.set_envelope(
        session, principal=secretariat, measure_slug="implementation-funding",
        fiscal_year=application.fiscal_year, envelope_yen=envelope,
    )  # fmt: skip
    reviewed(session, application, secretariat=secretariat)
    return applications.decide(
        session, principal=secretariat, application_id=application.id, expected_version=application.version,
        outcome="approve", reason="計画どおり実施すること。",
    )  # fmt: skip


def requested(session: Session, *, body: str = SAPPORO, measure: str = "iot-mentor") -> DispatchRequest:
    return dispatch.request(
        session,
        principal=body_principal(body),
        data=dispatch.RequestInput(
            measure_slug=measure, body_code=body, model_slug="open-data",
            problem="オープンデータの公開を始めたいが担当がいない", mode="online",
        ),
    )  # fmt: skip
