"""Applications for support: the workflow from draft to completion, who sees and does what, conflicts of
interest, budgets that never go negative, and no lost update."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.models import AuditEntry
from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.core.errors import Conflict, Forbidden, InvalidInput, NotFound, SignInRequired
from chiiki_iot.outreach import service as outreach
from chiiki_iot.support import applications, budgets, reviews
from tests.accounts.factories import create_user, principal
from tests.support.factories import SAPPORO, approved, body_principal, draft, reviewed

OTARU, HAKODATE, NAHA = "012033", "012025", "472018"


@pytest.fixture
def secretariat(session: Session) -> Principal:
    return principal(create_user(session, Role.SECRETARIAT))


class TestWorkflow:
    def test_a_group_application_goes_from_draft_to_completion(self, session: Session, secretariat) -> None:
        application = draft(session, members=[OTARU])
        assert application.status == "draft" and applications.body_codes(application) == [SAPPORO, OTARU]
        budgets.set_envelope(
            session, principal=secretariat, measure_slug="implementation-funding",
            fiscal_year=application.fiscal_year, envelope_yen=5_000_000,
        )  # fmt: skip
        reviewed(session, application, secretariat=secretariat)
        assert application.status == "reviewed"
        applications.decide(
            session, principal=secretariat, application_id=application.id,
            expected_version=application.version, outcome="approve", reason="条件なし", granted_yen=2_000_000,
        )  # fmt: skip
        assert application.status == "approved" and application.granted_yen == 2_000_000
        member = body_principal(OTARU)  # any body of the group may carry it on
        applications.start(
            session, principal=member, application_id=application.id, expected_version=application.version
        )
        applications.complete(
            session, principal=member, application_id=application.id,
            expected_version=application.version, report="センサー30台を設置した。",
        )  # fmt: skip
        assert application.status == "completed"
        [line] = budgets.budget_lines(session, fiscal_year=application.fiscal_year)
        assert (line.committed_yen, line.paid_yen, line.remaining_yen) == (2_000_000, 2_000_000, 3_000_000)
        logged = session.scalars(
            select(AuditEntry.note)
            .where(AuditEntry.entity == "support_budgets", AuditEntry.note != "")
            .order_by(AuditEntry.id)
        ).all()
        assert [n.split(" / ")[0] for n in logged] == ["交付決定 +2,000,000円", "支払 +2,000,000円"]

    def test_a_step_out_of_order_is_refused(self, session: Session, secretariat) -> None:
        application = draft(session)
        with pytest.raises(Conflict):
            applications.decide(
                session, principal=secretariat, application_id=application.id,
                expected_version=application.version, outcome="approve", reason="早すぎる",
            )  # fmt: skip
        assert application.status == "draft"

    def test_a_returned_application_is_corrected_and_submitted_again(
        self, session: Session, secretariat
    ) -> None:
        application = draft(session)
        reviewed(session, application, secretariat=secretariat)
        applications.decide(
            session, principal=secretariat, application_id=application.id,
            expected_version=application.version, outcome="return", reason="経費の根拠を添えてください",
        )  # fmt: skip
        assert application.status == "returned" and application.return_reason == "経費の根拠を添えてください"
        applications.submit(
            session,
            principal=body_principal(),
            application_id=application.id,
            expected_version=application.version,
        )
        assert application.status == "submitted"

    def test_a_stale_save_is_refused(self, session: Session) -> None:
        application = draft(session)
        stale = application.version
        applications.submit(
            session, principal=body_principal(), application_id=application.id, expected_version=stale
        )
        with pytest.raises(Conflict):
            applications.submit(
                session, principal=body_principal(), application_id=application.id, expected_version=stale
            )

    def test_bad_input_is_named_in_both_languages(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as refused:
            draft(session, members=[SAPPORO])
        assert "代表団体" in refused.value.message_ja and "lead body" in refused.value.message_en
        with pytest.raises(InvalidInput):
            draft(session, measure="iot-mentor")  # a dispatch measure takes no applications


class TestWhoSeesWhat:
    def test_a_body_sees_its_own_and_its_groups_applications_only(self, session: Session) -> None:
        own = draft(session)
        group = draft(session, lead=HAKODATE, members=[SAPPORO])
        other = draft(session, lead=HAKODATE)
        sapporo = body_principal()
        assert {a.id for a in applications.list_visible(session, sapporo)} == {own.id, group.id}
        with pytest.raises(NotFound):
            applications.get(session, sapporo, other.id)
        with pytest.raises(NotFound):  # another body's application does not exist for it, even to edit
            applications.submit(
                session, principal=sapporo, application_id=other.id, expected_version=other.version
            )
        applications.submit(
            session, principal=sapporo, application_id=group.id, expected_version=group.version
        )
        assert group.status == "submitted"  # a member body may carry its group's application

    def test_reviewers_see_only_the_applications_assigned_to_them(
        self, session: Session, secretariat
    ) -> None:
        bureau = create_user(session, Role.BUREAU, "hokkaido")
        first, second = draft(session), draft(session, lead=OTARU)
        for a in (first, second):
            applications.submit(
                session,
                principal=body_principal(a.lead_body_code),
                application_id=a.id,
                expected_version=a.version,
            )
        reviews.assign(
            session,
            principal=secretariat,
            application_id=first.id,
            reviewer_email=bureau.email,
            stage="bureau",
        )
        seen = applications.list_visible(session, principal(bureau))
        assert [a.id for a in seen] == [first.id]

    def test_a_conflicted_reviewer_cannot_score(self, session: Session, secretariat) -> None:
        outreach.save_organisation(
            session, principal=secretariat,
            data=outreach.OrganisationInput(slug="acme-iot", name_ja="アクメIoT", name_en="Acme IoT", kind="company"),
        )  # fmt: skip
        application = draft(session, organisations=["acme-iot"])
        applications.submit(
            session,
            principal=body_principal(),
            application_id=application.id,
            expected_version=application.version,
        )
        tied = create_user(session, Role.BUREAU, "hokkaido")
        tied.grants.append(
            type(tied.grants[0])(
                role=Role.ORGANISATION.value, scope="acme-iot", granted_at=tied.grants[0].granted_at
            )
        )
        session.flush()
        reviews.assign(
            session,
            principal=secretariat,
            application_id=application.id,
            reviewer_email=tied.email,
            stage="bureau",
        )
        with pytest.raises(Forbidden) as refused:
            reviews.score(
                session, principal=principal(tied), application_id=application.id,
                scores={"必要性": 5, "実現性": 5, "KPIへの効果": 5, "持続性・横展開": 5},
                recommendation="approve", comment="", no_conflict=True,  # declaring it does not help
            )  # fmt: skip
        assert "利害関係" in refused.value.message_ja
        assert application.status == "submitted"

    def test_a_reviewer_must_declare_no_conflict(self, session: Session, secretariat) -> None:
        application = draft(session)
        applications.submit(
            session,
            principal=body_principal(),
            application_id=application.id,
            expected_version=application.version,
        )
        reviews.assign(
            session,
            principal=secretariat,
            application_id=application.id,
            reviewer_email=secretariat.actor,
            stage="bureau",
        )
        with pytest.raises(InvalidInput):
            reviews.score(
                session, principal=secretariat, application_id=application.id,
                scores={"必要性": 1, "実現性": 1, "KPIへの効果": 1, "持続性・横展開": 1},
                recommendation="reject", comment="", no_conflict=False,
            )  # fmt: skip

    def test_an_organisation_sees_only_applications_it_takes_part_in(
        self, session: Session, secretariat
    ) -> None:
        for slug in ("acme-iot", "other-co"):
            outreach.save_organisation(
                session, principal=secretariat,
                data=outreach.OrganisationInput(slug=slug, name_ja=slug, name_en=slug, kind="company"),
            )  # fmt: skip
        part = draft(session, organisations=["acme-iot"])
        draft(session, organisations=["other-co"])
        draft(session)
        company = Principal("sales@acme.example", (Grant(Role.ORGANISATION, "acme-iot"),), user_id=990)
        assert [a.id for a in applications.list_visible(session, company)] == [part.id]
        assert reviews.visible_reviews(session, company, part) == []  # and not the scores

    def test_an_anonymous_visitor_is_asked_to_sign_in(self, session: Session) -> None:
        application = draft(session)
        with pytest.raises(SignInRequired):
            applications.get(session, Principal(actor="anonymous"), application.id)


class TestBudgets:
    def test_an_approval_larger_than_what_remains_is_refused_and_changes_nothing(
        self, session: Session, secretariat
    ) -> None:
        first = approved(session, secretariat=secretariat, envelope=4_000_000, yen=3_000_000)
        second = draft(session, lead=OTARU, yen=2_000_000)
        reviewed(session, second, secretariat=secretariat)
        with pytest.raises(Conflict) as refused:
            applications.decide(
                session, principal=secretariat, application_id=second.id,
                expected_version=second.version, outcome="approve", reason="交付する",
            )  # fmt: skip
        assert "1,000,000円" in refused.value.message_ja
        assert second.status == "reviewed" and second.granted_yen is None
        [line] = budgets.budget_lines(session, fiscal_year=first.fiscal_year)
        assert line.committed_yen == 3_000_000 and line.remaining_yen == 1_000_000

    def test_the_envelope_cannot_go_below_what_is_committed(self, session: Session, secretariat) -> None:
        application = approved(session, secretariat=secretariat, envelope=4_000_000, yen=3_000_000)
        with pytest.raises(Conflict):
            budgets.set_envelope(
                session, principal=secretariat, measure_slug="implementation-funding",
                fiscal_year=application.fiscal_year, envelope_yen=2_000_000,
            )  # fmt: skip


class TestARefusalChangesNothing:
    def test_an_empty_report_or_reason_leaves_the_application_as_it_was(
        self, session: Session, secretariat
    ) -> None:
        application = approved(session, secretariat=secretariat)
        applications.start(
            session,
            principal=body_principal(),
            application_id=application.id,
            expected_version=application.version,
        )
        with pytest.raises(InvalidInput):
            applications.complete(
                session, principal=body_principal(), application_id=application.id,
                expected_version=application.version, report="  ",
            )  # fmt: skip
        assert application.status == "in-progress" and application.completed_at is None
        other = draft(session, lead=OTARU)
        applications.submit(
            session, principal=body_principal(OTARU), application_id=other.id, expected_version=other.version
        )
        with pytest.raises(InvalidInput):
            applications.return_to_applicant(
                session,
                principal=secretariat,
                application_id=other.id,
                expected_version=other.version,
                reason="",
            )
        assert other.status == "submitted"
