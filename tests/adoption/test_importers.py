"""Bulk import of an external list: preview, all or nothing, idempotent, names the bad cells."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.adoption import service
from chiiki_iot.adoption.importers import apply_status_import, parse_mapping, plan_status_import
from chiiki_iot.adoption.models import StatusChange
from chiiki_iot.core.errors import InvalidInput

OPERATOR = Principal(actor="test-operator", grants=(Grant(Role.SECRETARIAT),), via="cli")
Q3 = "Q3【回答対象：全団体】貴団体はオープンデータに取り組んでいますか？"
AS_OF = dt.date(2024, 10, 31)


def changes(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StatusChange)) or 0


class TestDigitalAgencyOpenDataSurvey:
    def test_the_real_list_imports_once_and_a_second_time_changes_nothing(
        self, session: Session, shared_data: Path
    ) -> None:
        path = shared_data / "realworld" / "digital_agency_opendata_survey_R6_20250210_full.csv"
        mapping = parse_mapping(["取組んでいる=実装済", "取組んでいない=未着手"])
        kwargs = {
            "data": path.read_bytes(),
            "file_name": path.name,
            "model_slug": "open-data",
            "as_of": AS_OF,
            "value_column": Q3,
            "mapping": mapping,
        }
        plan = plan_status_import(session, **kwargs)
        assert (len(plan.rows), plan.skipped) == (1232 + 217, 339)
        before = changes(session)
        assert apply_status_import(session, plan, principal=OPERATOR) == 1449
        counts = service.stage_counts(session, "open-data", as_of=AS_OF)
        assert counts["実装済"] == 1232 and changes(session) == before + 1449
        again = plan_status_import(session, **kwargs)
        assert again.change_count == 0 and apply_status_import(session, again, principal=OPERATOR) == 0
        assert changes(session) == before + 1449


class TestMessyLists:
    def plan(self, session: Session, text: str, encoding: str = "utf-8", **kw):  # type: ignore[no-untyped-def]
        return plan_status_import(
            session,
            data=text.encode(encoding),
            file_name="list.csv",
            model_slug="l-alert",
            as_of=AS_OF,
            value_column=kw.pop("value_column", "状況"),
            **kw,
        )

    def test_names_instead_of_codes_full_width_and_variants(self, session: Session) -> None:
        text = "都道府県,団体名,状況\n北海道,札幌市,実装済み\n沖縄県,那覇市,検討中\n,,\n,,\n"
        plan = self.plan(session, text, encoding="cp932")
        assert [(r.body_code, r.stage.value) for r in plan.rows] == [
            ("011002", "実装済"),
            ("472018", "検討中"),
        ]
        assert plan.encoding_label == "Shift_JIS (cp932)"

    def test_an_ambiguous_name_asks_for_the_prefecture(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as exc:
            self.plan(session, "団体名,状況\n府中市,実装済\n")
        assert (
            "複数" in exc.value.problems[0].message_ja and "東京都府中市" in exc.value.problems[0].message_ja
        )

    def test_every_bad_cell_is_named_and_nothing_changes(self, session: Session) -> None:
        before = changes(session)
        text = "団体コード,状況\n011003,実装済\n011002,たぶん\n472018,実装済\n472018,検討中\n"
        with pytest.raises(InvalidInput) as exc:
            self.plan(session, text)
        where = [p.location for p in exc.value.problems]
        assert where == ["2行目 / row 2", "3行目 / row 3", "5行目 / row 5"]
        assert (
            "検査数字" in exc.value.problems[0].message_ja
            and "Unknown stage" in exc.value.problems[1].message_en
        )
        assert changes(session) == before
