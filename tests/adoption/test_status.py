"""Status per body × model: who may record it, and what it was on any past date."""

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Forbidden, Role
from chiiki_iot.adoption import service
from chiiki_iot.adoption.ladder import Stage, parse_stage, rank
from chiiki_iot.core.errors import InvalidInput, NotFound
from tests.accounts.factories import create_user, principal

D = dt.date


def record(session: Session, who, code: str, model: str, stage: Stage, on: dt.date, **kw):  # type: ignore[no-untyped-def]
    return service.record_status(
        session,
        principal=who,
        body_code=code,
        model_slug=model,
        stage=stage,
        effective_on=on,
        source_kind=kw.pop("source_kind", "manual"),
        **kw,
    )


class TestLadder:
    @pytest.mark.parametrize(
        ("typed", "stage"),
        [
            ("実装済み", Stage.IMPLEMENTED),
            ("実装済", Stage.IMPLEMENTED),
            (" 検討中 ", Stage.CONSIDERING),
            ("ｼﾞｯｼｮｳ", None),
            ("関心有り", Stage.INTERESTED),
            ("４", Stage.IMPLEMENTED),
            ("休止", Stage.STOPPED),
        ],
    )
    def test_spellings_people_use(self, typed: str, stage: Stage | None) -> None:
        if stage is None:
            with pytest.raises(InvalidInput) as exc:
                parse_stage(typed)
            assert "未着手" in exc.value.message_ja and "implemented" in exc.value.message_en
        else:
            assert parse_stage(typed) == stage

    def test_order(self) -> None:
        assert (
            rank(Stage.IMPLEMENTED) > rank(Stage.DEMONSTRATING) > rank(Stage.INTERESTED) > rank(Stage.STOPPED)
        )


class TestAsOf:
    def test_the_status_on_any_past_date_is_reproducible(self, session: Session) -> None:
        naha = principal(create_user(session, Role.MUNICIPALITY, "472018"))
        record(session, naha, "472018", "open-data", Stage.INTERESTED, D(2017, 6, 1))
        record(session, naha, "472018", "open-data", Stage.DEMONSTRATING, D(2018, 10, 1))
        record(
            session,
            naha,
            "472018",
            "open-data",
            Stage.IMPLEMENTED,
            D(2019, 12, 1),
            evidence=service.Evidence(
                project="那覇市オープンデータ", url="https://www.city.naha.okinawa.jp/"
            ),
        )
        record(session, naha, "472018", "l-alert", Stage.CONSIDERING, D(2018, 1, 1))
        expected = {
            D(2017, 3, 31): {},
            D(2018, 3, 31): {"open-data": "関心あり", "l-alert": "検討中"},
            D(2019, 3, 31): {"open-data": "実証中", "l-alert": "検討中"},
            D(2020, 3, 31): {"open-data": "実装済", "l-alert": "検討中"},
        }
        for day, stages in expected.items():
            got = {m: c.stage for m, c in service.status_of_body(session, "472018", as_of=day).items()}
            assert got == stages, day

    def test_a_later_record_for_an_earlier_date_wins_that_date_only(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        record(session, admin, "011002", "telework", Stage.INTERESTED, D(2018, 4, 1))
        record(session, admin, "011002", "telework", Stage.CONSIDERING, D(2018, 4, 1), source_kind="survey")
        assert service.status_of_body(session, "011002", as_of=D(2018, 5, 1))["telework"].stage == "検討中"

    def test_adoption_of_a_model_and_stage_counts(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        for code, stage in (
            ("011002", Stage.IMPLEMENTED),
            ("012025", Stage.DEMONSTRATING),
            ("472018", Stage.IMPLEMENTED),
        ):
            record(session, admin, code, "smart-city", stage, D(2019, 6, 1))
        record(session, admin, "012025", "smart-city", Stage.STOPPED, D(2020, 2, 1))
        listed = {
            b.code: c.stage for b, c in service.adoption_of_model(session, "smart-city", as_of=D(2020, 3, 31))
        }
        assert listed == {"011002": "実装済", "012025": "中止・休止", "472018": "実装済"}
        counts = service.stage_counts(session, "smart-city", as_of=D(2020, 3, 31))
        assert counts["実装済"] == 2 and counts["中止・休止"] == 1 and sum(counts.values()) == 1788


class TestWhoRecords:
    def test_own_body_only(self, session: Session) -> None:
        sapporo = principal(create_user(session, Role.MUNICIPALITY, "011002"))
        record(session, sapporo, "011002", "open-data", Stage.IMPLEMENTED, D(2020, 1, 1))
        with pytest.raises(Forbidden):
            record(session, sapporo, "472018", "open-data", Stage.IMPLEMENTED, D(2020, 1, 1))

    def test_unknown_model_ward_and_source_are_refused(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        with pytest.raises(NotFound):
            record(session, admin, "011002", "no-such-model", Stage.IMPLEMENTED, D(2020, 1, 1))
        with pytest.raises(InvalidInput):
            record(session, admin, "011011", "open-data", Stage.IMPLEMENTED, D(2020, 1, 1))  # 札幌市中央区
        with pytest.raises(InvalidInput):
            record(
                session, admin, "011002", "open-data", Stage.IMPLEMENTED, D(2020, 1, 1), source_kind="rumour"
            )

    def test_history_is_a_timeline_with_source_and_author(self, session: Session) -> None:
        user = create_user(session, Role.MUNICIPALITY, "011002")
        record(session, principal(user), "011002", "ehr", Stage.CONSIDERING, D(2018, 4, 1), source_ref="メモ")
        record(session, principal(user), "011002", "ehr", Stage.IMPLEMENTED, D(2020, 4, 1))
        timeline = service.history(session, "011002", model_slug="ehr")
        assert [(c.stage, c.recorded_by, c.source_kind) for c in timeline][-2:] == [
            ("検討中", user.email, "manual"),
            ("実装済", user.email, "manual"),
        ]
