"""Plans (計画策定支援) counted by scope beside implementation, and training whose participants become a
talent KPI's national figure through the progress service."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.errors import Conflict, Forbidden, InvalidInput
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry
from chiiki_iot.support import plans, training
from tests.accounts.factories import create_user, principal
from tests.support.factories import body_principal

SAPPORO, OTARU, NAHA = "011002", "012033", "472018"
ADOPTED = plans.PlanInput(title="札幌市ICT活用戦略", status="adopted", adopted_on=dt.date(2024, 4, 1),
                          period_from=2024, period_to=2028, model_slugs=["open-data"])  # fmt: skip


@pytest.fixture
def secretariat(session: Session) -> Principal:
    return principal(create_user(session, Role.SECRETARIAT))


class TestPlans:
    def test_coverage_counts_plans_in_force_beside_implementation(
        self, session: Session, secretariat
    ) -> None:
        before = plans.coverage(session, level="block")
        hokkaido = next(c for c in before if c.key == "hokkaido")
        plans.save_plan(
            session, principal=body_principal(SAPPORO), body_code=SAPPORO, expected_version=None, data=ADOPTED
        )
        plans.save_plan(
            session, principal=body_principal(OTARU), body_code=OTARU, expected_version=None,
            data=plans.PlanInput(title="小樽市DX計画（案）", status="drafting"),
        )  # fmt: skip
        adoption.record_status(
            session, principal=secretariat, body_code=SAPPORO, model_slug="open-data", stage=Stage.IMPLEMENTED,
            effective_on=dt.date(2024, 6, 1), source_kind="manual",
        )  # fmt: skip
        after = next(c for c in plans.coverage(session, level="block") if c.key == "hokkaido")
        counted = sum(1 for b in registry.counted_bodies(session) if b.block_slug == "hokkaido")
        assert after.bodies == counted == hokkaido.bodies
        assert (after.in_force, after.drafting) == (hokkaido.in_force + 1, hokkaido.drafting + 1)
        assert after.implementing_share_with_plan == 1.0  # 札幌市, its one body with a plan, implements
        okinawa = next(c for c in plans.coverage(session, level="block") if c.key == "okinawa")
        assert okinawa.in_force == 0 and okinawa.share == 0.0 and okinawa.implementing_share_with_plan is None

    def test_an_adopted_plan_needs_its_date_and_a_stale_form_is_refused(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as refused:
            plans.save_plan(
                session, principal=body_principal(), body_code=SAPPORO, expected_version=None,
                data=plans.PlanInput(title="戦略", status="adopted"),
            )  # fmt: skip
        assert "策定（改定）した日" in refused.value.message_ja
        plan = plans.save_plan(
            session, principal=body_principal(), body_code=SAPPORO, expected_version=None, data=ADOPTED
        )
        stale = plan.version
        plans.save_plan(
            session, principal=body_principal(), body_code=SAPPORO, expected_version=stale, data=ADOPTED
        )
        with pytest.raises(Conflict):
            plans.save_plan(
                session, principal=body_principal(), body_code=SAPPORO, expected_version=stale, data=ADOPTED
            )

    def test_a_body_records_only_its_own_plan(self, session: Session) -> None:
        with pytest.raises(Forbidden):
            plans.save_plan(
                session,
                principal=body_principal(NAHA),
                body_code=SAPPORO,
                expected_version=None,
                data=ADOPTED,
            )


class TestTraining:
    def test_participants_become_the_talent_kpis_national_figure(self, session: Session, secretariat) -> None:
        course = training.add_course(
            session, principal=secretariat, title="実践的サイバー防御演習", kpi_slug="cyber-exercise-trainees"
        )
        spring = training.add_session(
            session, principal=secretariat, course_id=course.id, held_on=dt.date(2025, 5, 20)
        )
        winter = training.add_session(
            session, principal=secretariat, course_id=course.id, held_on=dt.date(2026, 2, 3)
        )
        later = training.add_session(
            session, principal=secretariat, course_id=course.id, held_on=dt.date(2026, 4, 2)
        )
        training.record_attendance(
            session,
            principal=secretariat,
            session_id=spring.id,
            body_code=SAPPORO,
            role="情報政策担当",
            count=12,
        )
        training.record_attendance(
            session, principal=secretariat, session_id=winter.id, body_code=NAHA, role="情報政策担当", count=8
        )
        training.record_attendance(
            session, principal=secretariat, session_id=winter.id, body_code=NAHA, role="情報政策担当", count=9
        )  # corrected
        training.record_attendance(
            session, principal=secretariat, session_id=later.id, body_code=OTARU, role="管理職", count=4
        )
        by_year = {t.fiscal_year: t for t in training.totals(session) if t.course.id == course.id}
        assert (by_year[2025].people, by_year[2025].bodies, by_year[2025].sessions) == (21, 2, 2)
        assert by_year[2026].people == 4  # April 2026 opens fiscal 2026
        assert (
            training.feed_kpi(
                session, principal=secretariat, kpi_slug="cyber-exercise-trainees", fiscal_year=2025
            )
            == 21
        )
        kpi = progress.get_kpi(session, "cyber-exercise-trainees")
        seen = progress.kpi_progress(session, kpi, progress.NATION, as_of=dt.date(2026, 3, 31))
        assert [(p.fiscal_year, p.value) for p in seen.points] == [(2025, 21)]

    def test_a_course_counts_only_towards_a_kpi_of_people(self, session: Session, secretariat) -> None:
        with pytest.raises(InvalidInput):
            training.add_course(session, principal=secretariat, title="x", kpi_slug="open-data-bodies")

    def test_a_body_cannot_record_training(self, session: Session) -> None:
        with pytest.raises(Forbidden):
            training.add_course(session, principal=body_principal(), title="x")


def test_the_pdca_workbook_carries_the_plans_and_the_outcomes(session: Session) -> None:
    import io

    from openpyxl import load_workbook

    from chiiki_iot.reports import pdca

    plans.save_plan(
        session, principal=body_principal(SAPPORO), body_code=SAPPORO, expected_version=None, data=ADOPTED
    )
    hokkaido = progress.scope_of(session, "prefecture", "010006")
    report = pdca.build(session, scope=hokkaido, as_of=dt.date(2026, 3, 31))
    book = load_workbook(io.BytesIO(pdca.workbook(session, report)), read_only=True)
    rows = list(book["計画策定の状況"].values)
    assert rows[0][:3] == ("都道府県", "団体数", "計画あり（策定済・改定済）")
    assert [r[:3] for r in rows[1:2]] == [("北海道", 180, 1)]  # 北海道 and its 179 municipalities
    outcome_rows = list(book["支援の成果"].values)
    mentor = next(r for r in outcome_rows if r[0] == "IoTメンター公務員")
    assert mentor[-1] == "少なすぎて判断できない"
