"""Context indicators: a per-body time series imported once, unchanged on re-import, refused when malformed."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.adoption.indicators import apply_indicator_import, indicators_of_body, plan_indicator_import
from chiiki_iot.core.errors import InvalidInput
from tests.adoption.test_importers import OPERATOR


@pytest.mark.slow
def test_my_number_card_issuance_imports_and_reimports_as_nothing(
    session: Session, shared_data: Path
) -> None:
    path = shared_data / "realworld" / "mynumbercard_issuance_by_municipality_2017_2022.csv"
    kwargs = {
        "slug": "mynumbercard-rate",
        "data": path.read_bytes(),
        "file_name": path.name,
        "value_column": "issuance_rate_pct",
    }
    plan = plan_indicator_import(session, **kwargs)
    assert plan.new == len(plan.points) > 79_000
    written = apply_indicator_import(
        session, plan, principal=OPERATOR, name_ja="マイナンバーカード交付率", unit="%"
    )
    assert written == len(plan.points)
    ((_indicator, values),) = [
        (i, v) for i, v in indicators_of_body(session, "011002") if i.slug == "mynumbercard-rate"
    ]
    assert values[0].observed_on == dt.date(2017, 3, 8) and values[0].value == pytest.approx(7.4)
    again = plan_indicator_import(session, **kwargs)
    assert (again.new, again.changed, again.unchanged) == (0, 0, len(plan.points))


def test_a_bad_row_refuses_the_file(session: Session) -> None:
    with pytest.raises(InvalidInput) as exc:
        plan_indicator_import(
            session,
            slug="x",
            file_name="x.csv",
            value_column="v",
            data=b"lgcode,date,v\n011002,2020-01-01,1\n011002,2020-13-01,2\n999999,2020-01-01,3\n",
        )
    assert [p.location for p in exc.value.problems] == ["3行目 / row 3", "4行目 / row 4"]
