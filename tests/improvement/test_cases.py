"""The case library (横展開): a case goes draft → review → published; only then is it searchable, shown to
similar bodies and counted — the case-count KPI rises by one with each publication."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Forbidden, Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.improvement import cases
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.models import BodyKind, PopulationFigure
from tests.accounts.factories import create_user, principal
from tests.improvement.factories import published_case
from tests.support.factories import body_principal

SAPPORO, HAKODATE, NAHA = "011002", "012025", "472018"


@pytest.fixture
def secretariat(session: Session) -> Principal:
    return principal(create_user(session, Role.SECRETARIAT))


def _case_count(session: Session) -> float | None:
    kpi = progress.get_kpi(session, "open-data-use-cases")
    return progress.kpi_progress(session, kpi, progress.NATION, as_of=today_in_japan()).value


def _similar_pair(session: Session) -> tuple[str, str]:
    """Two municipalities of the same kind in 東北, given populations of the same band (as an operator's
    population import would)."""
    bodies = [
        b for b in registry.counted_bodies(session) if b.block_slug == "tohoku" and b.kind == BodyKind.CITY
    ]
    a, b = bodies[0], bodies[1]
    for code, people in ((a.code, 280_000), (b.code, 290_000), (NAHA, 310_000)):
        session.add(PopulationFigure(body_code=code, as_of=dt.date(2025, 1, 1), population=people,
                                     source="test", imported_at=dt.datetime.now(dt.UTC)))  # fmt: skip
    session.flush()
    assert registry.population_bands(session)[a.code] == registry.population_bands(session)[b.code]
    return a.code, b.code


class TestWorkflow:
    def test_written_reviewed_published_and_counted(self, session: Session, secretariat: Principal) -> None:
        before = _case_count(session) or 0
        writer = body_principal(SAPPORO)
        case = cases.write(
            session, principal=writer,
            data=cases.CaseInput(body_code=SAPPORO, title="子育て施設マップ", model_slugs=["open-data"],
                                 cost_yen=3_000_000, links=["https://example.jp/map"]),
        )  # fmt: skip
        assert case.status == "draft" and cases.search(session, cases.CaseQuery()) == []
        cases.submit(session, principal=writer, case_id=case.id, expected_version=case.version)
        with pytest.raises(Forbidden):  # the body does not publish its own case
            cases.publish(session, principal=writer, case_id=case.id, expected_version=case.version)
        cases.send_back(session, principal=secretariat, case_id=case.id, expected_version=case.version,
                        note="成果を数値で")  # fmt: skip
        assert case.status == "draft" and case.review_note == "成果を数値で"
        cases.revise(
            session, principal=writer, case_id=case.id, expected_version=case.version,
            data=cases.CaseInput(body_code=SAPPORO, title="子育て施設マップ", model_slugs=["open-data"],
                                 results="月 1,200 件の閲覧"),
        )  # fmt: skip
        cases.submit(session, principal=writer, case_id=case.id, expected_version=case.version)
        cases.publish(session, principal=secretariat, case_id=case.id, expected_version=case.version)
        assert case.status == "published" and case.kpi_slugs == ["open-data-use-cases"]
        assert _case_count(session) == before + 1
        published_case(session, secretariat=secretariat, body_code=NAHA)
        assert _case_count(session) == before + 2
        with pytest.raises(Conflict):  # published: no longer editable or publishable again
            cases.publish(session, principal=secretariat, case_id=case.id, expected_version=case.version)

    def test_bad_input_is_refused_with_a_message_in_both_languages(self, session: Session) -> None:
        for data, words in (
            (cases.CaseInput(body_code=SAPPORO, title="", model_slugs=["open-data"]), "題名"),
            (cases.CaseInput(body_code=SAPPORO, title="t", model_slugs=[]), "分野別モデル"),
            (
                cases.CaseInput(
                    body_code=SAPPORO, title="t", model_slugs=["open-data"], links=["javascript:x"]
                ),
                "URL",
            ),
        ):
            with pytest.raises(InvalidInput) as refused:
                cases.write(session, principal=body_principal(SAPPORO), data=data)
            assert words in refused.value.message_ja and refused.value.message_en


class TestFindingAndSpreading:
    def test_a_similar_body_sees_it_until_it_implements_the_model(
        self, session: Session, secretariat: Principal, client: TestClient
    ) -> None:
        origin, similar = _similar_pair(session)
        case = published_case(session, secretariat=secretariat, body_code=origin, title="除雪車の位置共有")
        found = cases.similar_for_body(session, similar)
        assert [s.case.id for s in found] == [case.id]
        assert ("同じ地域ブロック", "same block") in found[0].reasons
        assert cases.similar_for_body(session, NAHA) == []  # far away
        session.commit()
        assert "除雪車の位置共有" in client.get(f"/bodies/{similar}").text
        adoption.record_status(
            session, principal=secretariat, body_code=similar, model_slug="open-data", stage=Stage.IMPLEMENTED,
            effective_on=dt.date(2024, 4, 1), source_kind="manual",
        )  # fmt: skip
        assert cases.similar_for_body(session, similar) == []

    def test_search_filters_and_the_spread_from_the_original(self, session: Session, secretariat) -> None:
        original = published_case(
            session, secretariat=secretariat, body_code=SAPPORO, barriers_overcome=["人材の不足"]
        )
        copy = published_case(
            session, secretariat=secretariat, body_code=HAKODATE, copied_from_id=original.id
        )
        copy_of_copy = published_case(
            session, secretariat=secretariat, body_code=NAHA, copied_from_id=copy.id
        )
        assert [c.id for c in cases.search(session, cases.CaseQuery(barrier="人材の不足"))] == [original.id]
        assert {c.id for c in cases.search(session, cases.CaseQuery(block="hokkaido"))} == {
            original.id,
            copy.id,
        }
        spread = cases.spread(session, copy_of_copy.id)  # from any case of the line, back to its original
        assert spread.original.id == original.id
        assert [(g, c.id) for g, c in spread.copies] == [(1, copy.id), (2, copy_of_copy.id)]

    def test_a_draft_is_its_writers_and_reviewers_alone(self, session: Session, client: TestClient) -> None:
        case = cases.write(
            session, principal=body_principal(SAPPORO),
            data=cases.CaseInput(body_code=SAPPORO, title="下書きの事例", model_slugs=["open-data"]),
        )  # fmt: skip
        session.commit()
        assert client.get(f"/cases/{case.id}", follow_redirects=False).status_code in (303, 401)
        assert "下書きの事例" not in client.get("/cases").text
