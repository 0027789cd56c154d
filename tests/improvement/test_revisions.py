"""Opinions triaged into revision proposals, and a draft revision that changes one target and adds one
model: compared, commented on, published; KPI figures and targets read across the two revisions (pinned)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Forbidden, Grant, Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.improvement import countermeasures, opinions
from chiiki_iot.improvement import revision_drafts as drafts
from chiiki_iot.outreach import service as outreach
from chiiki_iot.progress import service as progress
from chiiki_iot.roadmap import revisions
from chiiki_iot.roadmap import service as roadmap
from tests.accounts.factories import create_user, principal
from tests.improvement.factories import draft

HOKKAIDO_BUREAU = Principal("bureau@hokkaido.example.jp", (Grant(Role.BUREAU, "hokkaido"),), user_id=910001)
OKINAWA_BUREAU = Principal("bureau@okinawa.example.jp", (Grant(Role.BUREAU, "okinawa"),), user_id=910002)
FY2019_END = dt.date(2020, 3, 31)


@pytest.fixture
def secretariat(session: Session) -> Principal:
    return principal(create_user(session, Role.SECRETARIAT))


def _council_meeting(session: Session, secretariat: Principal) -> str:
    entry = outreach.add_log_entry(
        session, principal=secretariat, block="hokkaido", happened_on=dt.date(2026, 10, 1), kind="meeting",
        text_ja="北海道地域IoT実装推進協議会（第3回）",
    )  # fmt: skip
    return f"log-{entry.id}"


class TestOpinions:
    def test_recorded_at_a_council_meeting_and_triaged_into_a_proposal(
        self, session: Session, secretariat: Principal
    ) -> None:
        meeting = _council_meeting(session, secretariat)
        data = opinions.OpinionInput(meeting=meeting, text="オープンデータの目標は小規模町村に厳しい",
                                     raised_by="○○町長", model_slugs=["open-data"], barriers=["人材の不足"])  # fmt: skip
        with pytest.raises(Forbidden):
            opinions.record(session, principal=OKINAWA_BUREAU, data=data)
        opinion = opinions.record(session, principal=HOKKAIDO_BUREAU, data=data)
        assert opinion.block_slug == "hokkaido" and opinion.triage == "pending"
        with pytest.raises(Forbidden):
            opinions.triage(session, principal=HOKKAIDO_BUREAU, opinion_id=opinion.id,
                            expected_version=opinion.version, outcome="noted", reply="承知")  # fmt: skip
        with pytest.raises(InvalidInput):  # a proposal needs its text
            opinions.triage(session, principal=secretariat, opinion_id=opinion.id,
                            expected_version=opinion.version, outcome="proposal", reply="検討します")  # fmt: skip
        opinions.triage(session, principal=secretariat, opinion_id=opinion.id, expected_version=opinion.version,
                        outcome="proposal", reply="次の改定で検討します", proposal="目標を800団体に見直す")  # fmt: skip
        assert [o.id for o in opinions.proposals(session)] == [opinion.id]

    def test_triaged_into_a_countermeasure_owned_by_the_councils_bureau(
        self, session: Session, secretariat: Principal
    ) -> None:
        opinion = opinions.record(
            session, principal=HOKKAIDO_BUREAU,
            data=opinions.OpinionInput(meeting=_council_meeting(session, secretariat), text="研修を増やしてほしい"),
        )  # fmt: skip
        opinions.triage(session, principal=secretariat, opinion_id=opinion.id, expected_version=opinion.version,
                        outcome="countermeasure", reply="研修を増やします", countermeasure_title="研修の増設")  # fmt: skip
        made = next(c for c in countermeasures.list_all(session) if c.opinion_id == opinion.id)
        assert (made.title, made.owner_kind, made.owner_block) == ("研修の増設", "bureau", "hokkaido")


class TestRevision:
    def test_a_draft_changes_one_target_and_adds_one_model_then_is_published(
        self, session: Session, secretariat: Principal
    ) -> None:
        current = roadmap.get_revision(session).slug
        row = draft(session, secretariat=secretariat, slug="2030-04")
        drafts.set_target(
            session, principal=secretariat, draft_id=row.id, expected_version=row.version,
            kpi_slug="open-data-bodies", value=800, text_ja="800", text_en="800", target_fiscal_year=2030,
            reasons=drafts.Reasons(),
        )  # fmt: skip
        field = roadmap.get_model(session, "open-data").field.slug
        drafts.add_model(
            session, principal=secretariat, draft_id=row.id, expected_version=row.version, field_slug=field,
            slug="drone-logistics", name_ja="ドローン物流", name_en="Drone logistics", plan_ja="地域実装の推進",
            reasons=drafts.Reasons(),
        )  # fmt: skip
        diff = drafts.compare(session, row)
        assert [c.slug for c in diff.models_added] == ["drone-logistics"]
        changed = {c.slug: c.details for c in diff.kpis_changed}
        assert set(changed) == {"open-data-bodies"} and any("800" in d for d in changed["open-data-bodies"])
        assert roadmap.get_revision(session).slug == current  # nothing published yet
        drafts.publish(session, principal=secretariat, draft_id=row.id, expected_version=row.version)
        assert roadmap.get_revision(session).slug == "2030-04"
        assert roadmap.get_model(session, "drone-logistics").name_ja == "ドローン物流"
        targets = revisions.targets_across(session, "open-data-bodies")
        assert [(t.revision, t.target_value, t.target_fiscal_year) for t in targets][-2:] == [
            (current, 1000, 2020),
            ("2030-04", 800, 2030),
        ]
        with pytest.raises(Conflict):
            drafts.publish(session, principal=secretariat, draft_id=row.id, expected_version=row.version)

    def test_kpi_figures_carry_across_a_revision_and_only_the_target_moves(
        self, session: Session, secretariat: Principal
    ) -> None:
        """Pinned: three bodies implement open data; the count is the same under both revisions, the
        target (and with it the gap) is the new revision's."""
        for code in ("011002", "131016", "472018"):
            adoption.record_status(
                session, principal=secretariat, body_code=code, model_slug="open-data", stage=Stage.IMPLEMENTED,
                effective_on=dt.date(2018, 6, 1), source_kind="manual",
            )  # fmt: skip
        kpi = progress.get_kpi(session, "open-data-bodies")
        before = progress.kpi_progress(session, kpi, progress.NATION, as_of=FY2019_END)
        row = draft(session, secretariat=secretariat, slug="2030-04")
        drafts.set_target(
            session, principal=secretariat, draft_id=row.id, expected_version=row.version,
            kpi_slug="open-data-bodies", value=3, text_ja="3", text_en="3", target_fiscal_year=2020,
            reasons=drafts.Reasons(),
        )  # fmt: skip
        drafts.publish(session, principal=secretariat, draft_id=row.id, expected_version=row.version)
        kpi = progress.get_kpi(session, "open-data-bodies")
        after = progress.kpi_progress(session, kpi, progress.NATION, as_of=FY2019_END)
        assert [(p.fiscal_year, p.value) for p in before.points] == [(2018, 3), (2019, 3)]
        assert [(p.fiscal_year, p.value) for p in after.points] == [(2018, 3), (2019, 3)]
        assert (before.value, before.target, after.value, after.target) == (3, 1000, 3, 3)
        assert (before.rating.value, after.rating.value) == ("遅延", "達成")

    def test_a_renamed_kpi_keeps_the_targets_of_its_old_name(self, session: Session, secretariat) -> None:
        row = draft(session, secretariat=secretariat, slug="2030-04")
        spec = revisions.revision_spec(session)
        data = spec.model_dump(mode="json") | {"slug": "2030-04", "decided_on": "2030-04-01"}
        kpi = next(
            k
            for f in data["fields"]
            for m in f["models"]
            for k in m["kpis"]
            if k["slug"] == "open-data-bodies"
        )
        kpi["slug"], kpi["continues"] = "open-data-local-governments", ["open-data-bodies"]

        drafts.upload(session, principal=secretariat, draft_id=row.id, expected_version=row.version,
                      content=yaml.safe_dump(data, allow_unicode=True).encode(), reasons=drafts.Reasons())  # fmt: skip
        drafts.publish(session, principal=secretariat, draft_id=row.id, expected_version=row.version)
        targets = revisions.targets_across(session, "open-data-local-governments")
        assert [t.kpi_slug for t in targets][-2:] == ["open-data-bodies", "open-data-local-governments"]

    def test_a_bad_file_and_a_closed_comment_period_are_refused(self, session: Session, secretariat) -> None:
        row = draft(session, secretariat=secretariat, slug="2030-04")
        for content, words in (
            (b"\xff\xfe", "UTF-8"),
            (b"slug: 2031-01\n", "2030-04"),
            (b"slug: 2030-04\n", "誤り"),
        ):
            with pytest.raises(InvalidInput) as refused:
                drafts.upload(session, principal=secretariat, draft_id=row.id, expected_version=row.version,
                              content=content, reasons=drafts.Reasons())  # fmt: skip
            assert words in refused.value.message_ja and refused.value.message_en
        drafts.comment(
            session, principal=HOKKAIDO_BUREAU, draft_id=row.id, text="賛成", on_behalf_of="北海道総合通信局"
        )
        row.comments_until = dt.date(2020, 1, 1)
        with pytest.raises(Conflict):
            drafts.comment(
                session, principal=HOKKAIDO_BUREAU, draft_id=row.id, text="遅れて", on_behalf_of=""
            )
        with pytest.raises(Forbidden):
            drafts.publish(session, principal=HOKKAIDO_BUREAU, draft_id=row.id, expected_version=row.version)


class TestRefusals:
    def test_a_draft_name_a_target_year_and_a_model_identifier_are_checked(
        self, session: Session, secretariat: Principal
    ) -> None:
        for slug, words in (
            ("2026-13", "西暦4桁-月2桁"),
            ("2026/12", "西暦4桁-月2桁"),
            ("2016-01", "より後"),
        ):
            with pytest.raises(InvalidInput) as refused:
                draft(session, secretariat=secretariat, slug=slug)
            assert words in refused.value.message_ja and refused.value.message_en
        row = draft(session, secretariat=secretariat, slug="2030-04")
        with pytest.raises(InvalidInput) as year:
            drafts.set_target(
                session, principal=secretariat, draft_id=row.id, expected_version=row.version,
                kpi_slug="open-data-bodies", value=900, text_ja="", text_en="", target_fiscal_year=28,
                reasons=drafts.Reasons(),
            )  # fmt: skip
        assert "目標年度" in year.value.message_ja
        field = roadmap.get_model(session, "open-data").field.slug
        for slug, name_en, words in (("", "", "識別子"), ("open-data", "", "ほかのモデル")):
            with pytest.raises(InvalidInput) as refused:
                drafts.add_model(
                    session, principal=secretariat, draft_id=row.id, expected_version=row.version,
                    field_slug=field, slug=slug, name_ja="小規模オープンデータ", name_en=name_en, plan_ja="推進",
                    reasons=drafts.Reasons(),
                )  # fmt: skip
            assert words in refused.value.message_ja
        drafts.add_model(
            session, principal=secretariat, draft_id=row.id, expected_version=row.version, field_slug=field,
            slug="", name_ja="小規模オープンデータ", name_en="Small open data", plan_ja="推進", reasons=drafts.Reasons(),
        )  # fmt: skip
        assert any(m["slug"] == "small-open-data" for f in row.spec["fields"] for m in f["models"])

    def test_publishing_before_the_comment_deadline_needs_saying_so_and_an_old_draft_is_flagged(
        self, session: Session, secretariat: Principal
    ) -> None:
        early = drafts.create(session, principal=secretariat, slug="2030-04", title_ja="", title_en="",
                              comments_until=dt.date(2099, 1, 1))  # fmt: skip
        later = draft(session, secretariat=secretariat, slug="2030-05")
        with pytest.raises(InvalidInput) as refused:
            drafts.publish(session, principal=secretariat, draft_id=early.id, expected_version=early.version)
        assert "締切" in refused.value.message_ja
        drafts.publish(session, principal=secretariat, draft_id=early.id, expected_version=early.version,
                       before_deadline=True)  # fmt: skip
        assert drafts.is_stale(session, later) and not drafts.is_stale(session, early)
        drafts.withdraw(session, principal=secretariat, draft_id=later.id, expected_version=later.version)
        assert later.status == "withdrawn" and not drafts.is_stale(session, later)
