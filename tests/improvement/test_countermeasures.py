"""Countermeasures (対応策): who may open and update them, how nested progress rolls up (pinned), and where a
lagging KPI shows them — its page, the Act overview and the PDCA workbook's Act sheet — or says 対応策なし."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Forbidden, Grant, Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.improvement import countermeasures as cms
from chiiki_iot.progress import service as progress
from chiiki_iot.reports import pdca
from tests.accounts.factories import create_user, principal
from tests.improvement.factories import countermeasure

HOKKAIDO_BUREAU = Principal("bureau@hokkaido.example.jp", (Grant(Role.BUREAU, "hokkaido"),), user_id=910001)
OKINAWA_BUREAU = Principal("bureau@okinawa.example.jp", (Grant(Role.BUREAU, "okinawa"),), user_id=910002)


@pytest.fixture
def secretariat(session: Session) -> Principal:
    return principal(create_user(session, Role.SECRETARIAT))


def _lagging_open_data(session: Session, secretariat: Principal) -> None:
    """Two bodies implement open data in FY2016–17 and nobody since: against 1,000 by FY2020, 遅延."""
    for code, day in (("011002", dt.date(2017, 3, 1)), ("131016", dt.date(2017, 6, 1))):
        adoption.record_status(
            session, principal=secretariat, body_code=code, model_slug="open-data", stage=Stage.IMPLEMENTED,
            effective_on=day, source_kind="manual",
        )  # fmt: skip


class TestRollUp:
    def test_a_parent_is_the_weighted_mean_of_its_children_without_the_dropped(
        self, session: Session, secretariat: Principal
    ) -> None:
        parent = countermeasure(session, secretariat=secretariat, title="オープンデータの底上げ")
        a = countermeasure(session, secretariat=secretariat, title="研修", parent_id=parent.id, weight=3)
        b = countermeasure(session, secretariat=secretariat, title="伴走支援", parent_id=parent.id, weight=1)
        c = countermeasure(session, secretariat=secretariat, title="表彰", parent_id=parent.id, weight=5)
        grandchild = countermeasure(session, secretariat=secretariat, title="教材", parent_id=b.id)
        for row, status, value in (
            (a, "in-progress", 40),
            (grandchild, "in-progress", 80),
            (c, "dropped", 0),
        ):
            cms.post_update(
                session, principal=secretariat, countermeasure_id=row.id, expected_version=row.version,
                text="経過", status=status, progress=value,
            )  # fmt: skip
        rolled = cms.rolled_up(cms.list_all(session))
        assert rolled[b.id] == 80  # its one child
        assert rolled[parent.id] == pytest.approx((40 * 3 + 80 * 1) / 4)  # 表彰 (中止) is left out: 50.0
        assert rolled[parent.id] == 50.0

    def test_a_parent_takes_no_figure_of_its_own_and_done_means_100(
        self, session: Session, secretariat: Principal
    ) -> None:
        parent = countermeasure(session, secretariat=secretariat)
        countermeasure(session, secretariat=secretariat, parent_id=parent.id)
        with pytest.raises(InvalidInput):
            cms.post_update(
                session, principal=secretariat, countermeasure_id=parent.id, expected_version=parent.version,
                text="経過", status="in-progress", progress=30,
            )  # fmt: skip
        leaf = countermeasure(session, secretariat=secretariat)
        cms.post_update(
            session, principal=secretariat, countermeasure_id=leaf.id, expected_version=leaf.version,
            text="完了", status="done", progress=None,
        )  # fmt: skip
        assert leaf.progress == 100 and leaf.updates[0].progress == 100


class TestWhoMay:
    def test_a_bureau_keeps_its_own_blocks_countermeasures_only(self, session: Session, secretariat) -> None:
        row = countermeasure(session, secretariat=secretariat, owner_block="hokkaido")
        cms.add_milestone(
            session,
            principal=HOKKAIDO_BUREAU,
            countermeasure_id=row.id,
            title="説明会",
            due_on=dt.date(2027, 3, 1),
        )
        with pytest.raises(Forbidden):
            cms.add_milestone(
                session, principal=OKINAWA_BUREAU, countermeasure_id=row.id, title="説明会",
                due_on=dt.date(2027, 3, 1),
            )  # fmt: skip
        with pytest.raises(Forbidden):  # the secretariat's own are the secretariat's alone
            cms.create(
                session, principal=HOKKAIDO_BUREAU,
                data=cms.CountermeasureInput(title="全国キャンペーン", owner_kind="secretariat"),
            )  # fmt: skip

    def test_a_wrong_milestone_is_removed_but_a_done_one_stays(self, session: Session, secretariat) -> None:
        row = countermeasure(session, secretariat=secretariat)
        wrong = cms.add_milestone(
            session,
            principal=HOKKAIDO_BUREAU,
            countermeasure_id=row.id,
            title="誤入力",
            due_on=dt.date(2020, 1, 1),
        )
        done = cms.add_milestone(
            session,
            principal=HOKKAIDO_BUREAU,
            countermeasure_id=row.id,
            title="説明会",
            due_on=dt.date(2026, 3, 1),
        )
        cms.complete_milestone(
            session, principal=HOKKAIDO_BUREAU, milestone_id=done.id, done_on=dt.date(2026, 2, 20)
        )
        with pytest.raises(Forbidden):
            cms.remove_milestone(session, principal=OKINAWA_BUREAU, milestone_id=wrong.id)
        cms.remove_milestone(session, principal=HOKKAIDO_BUREAU, milestone_id=wrong.id)
        with pytest.raises(Conflict):
            cms.remove_milestone(session, principal=HOKKAIDO_BUREAU, milestone_id=done.id)
        assert [m.title for m in row.milestones] == ["説明会"]

    def test_a_stale_form_and_unknown_kpis_are_refused_in_both_languages(
        self, session: Session, secretariat: Principal
    ) -> None:
        row = countermeasure(session, secretariat=secretariat)
        cms.post_update(
            session, principal=secretariat, countermeasure_id=row.id, expected_version=row.version, text="一",
            status="in-progress", progress=10,
        )  # fmt: skip
        with pytest.raises(Conflict) as stale:
            cms.post_update(
                session, principal=secretariat, countermeasure_id=row.id, expected_version=row.version - 1,
                text="二", status="in-progress", progress=20,
            )  # fmt: skip
        assert "ほかの人が更新" in stale.value.message_ja and "Someone else" in stale.value.message_en
        with pytest.raises(InvalidInput) as unknown:
            countermeasure(session, secretariat=secretariat, kpi_slugs=["no-such-kpi"])
        assert "no-such-kpi" in unknown.value.message_ja


class TestWhereALaggingKpiShowsIt:
    def test_the_kpi_page_flags_a_lagging_kpi_without_one_and_lists_it_once_opened(
        self, session: Session, secretariat: Principal, client: TestClient
    ) -> None:
        _lagging_open_data(session, secretariat)
        session.commit()
        page = client.get("/dashboard/kpis/open-data-bodies").text
        assert "遅延" in page and "対応策なし" in page
        row = countermeasure(session, secretariat=secretariat, title="オープンデータ伴走支援")
        cms.add_milestone(
            session, principal=secretariat, countermeasure_id=row.id, title="手引きの公表",
            due_on=dt.date(2027, 3, 31),
        )  # fmt: skip
        session.commit()
        page = client.get("/dashboard/kpis/open-data-bodies").text
        assert "オープンデータ伴走支援" in page and "手引きの公表" in page and "対応策なし" not in page

    def test_the_pdca_workbook_has_an_act_sheet(self, session: Session, secretariat: Principal) -> None:
        _lagging_open_data(session, secretariat)
        row = countermeasure(session, secretariat=secretariat, title="オープンデータ伴走支援")
        cms.post_update(
            session, principal=secretariat, countermeasure_id=row.id, expected_version=row.version,
            text="3団体で開始", status="in-progress", progress=25,
        )  # fmt: skip
        report = pdca.build(session, scope=progress.NATION, as_of=dt.date(2026, 3, 31))
        book = load_workbook(io.BytesIO(pdca.workbook(session, report)))
        rows = [tuple(r) for r in book["改善（Act）"].iter_rows(values_only=True)]
        assert rows[0] == tuple(pdca.ACT_COLUMNS)
        mine = next(r for r in rows if r[2] == "オープンデータ伴走支援")
        assert mine[:2] == ("オープンデータに取り組む自治体数", "遅延") and mine[4:6] == ("実施中", 25)
        unanswered = [r for r in rows[1:] if r[2] == "対応策なし"]
        assert all(r[1] in ("要注意", "遅延") for r in unanswered)
