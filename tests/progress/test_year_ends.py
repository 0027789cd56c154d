"""The figures read the stage at each 年度末 from the condensed history the writes keep
(``adoption.year_ends``), not from the whole history. After any sequence of writes — one status at a time,
backdated or on a year's last or first day, imports, survey workbooks in bulk, and writes rolled back — the
kept rows equal a rebuild from the history, and the stages the figures use equal a full recomputation from
the history at every 年度末, today and a day inside a year."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption import year_ends
from chiiki_iot.adoption.importers import StatusImportPlan, StatusRow, apply_status_import
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.adoption.models import StatusChange
from chiiki_iot.adoption.workbooks import _insert_audited
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.progress import facts
from tests.accounts.factories import create_user, principal

BODIES = ("011002", "131016", "472018", "010006")  # 札幌市, 千代田区, 那覇市, 北海道
MODELS = ("open-data", "l-alert", "telework")
START = dt.date(2016, 4, 1)


def _days() -> st.SearchStrategy[dt.date]:
    """Any day of the programme, often a 年度末 or the day after (where an off-by-one would show)."""
    edges = [
        d for y in range(2016, today_in_japan().year) for d in (FiscalYear(y).end, FiscalYear(y + 1).start)
    ]
    return st.one_of(
        st.dates(START, today_in_japan()),
        st.sampled_from([d for d in edges if d <= today_in_japan()]),
    )


write = st.tuples(
    st.sampled_from(("one", "import", "bulk")),
    st.sampled_from(BODIES),
    st.sampled_from(MODELS),
    st.sampled_from([s for s in Stage]),
    _days(),
    st.booleans(),  # rolled back
)


def _apply(
    session: Session, who: Principal, kind: str, code: str, model: str, stage: Stage, day: dt.date
) -> None:
    if kind == "one":
        adoption.record_status(
            session,
            principal=who,
            body_code=code,
            model_slug=model,
            stage=stage,
            effective_on=day,
            source_kind="manual",
        )
    elif kind == "import":
        plan = StatusImportPlan(
            "t.csv", "UTF-8", model, day, "状況", [StatusRow(2, code, code, "x", stage, None)]
        )
        apply_status_import(session, plan, principal=who)
    else:  # the survey workbook's bulk insert: two bodies at once, same day (ties broken by id)
        rows = [
            {
                "body_code": c,
                "model_slug": model,
                "stage": stage.value,
                "effective_on": day,
                "source_kind": "survey",
                "source_ref": "property",
                "evidence": {},
                "recorded_at": dt.datetime.now(dt.UTC),
                "recorded_by": who.actor,
                "is_synthetic": False,
            }
            for c in (code, BODIES[0])
        ]
        _insert_audited(session, StatusChange, rows)


def _recomputed(session: Session, day: dt.date) -> dict[tuple[str, str], str]:
    """The oracle: the stage in force on ``day`` from the whole history (latest date, then latest id)."""
    state: dict[tuple[str, str], tuple[dt.date, int, str]] = {}
    query = select(
        StatusChange.id,
        StatusChange.body_code,
        StatusChange.model_slug,
        StatusChange.stage,
        StatusChange.effective_on,
    ).where(StatusChange.effective_on <= day)
    for id_, code, model, stage, on in session.execute(query):
        kept = state.get((code, model))
        if kept is None or (on, id_) > kept[:2]:
            state[(code, model)] = (on, id_, stage)
    return {pair: stage for pair, (_, _, stage) in state.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(write, min_size=1, max_size=12), inside=_days())
def test_kept_rows_equal_a_rebuild_and_the_figures_a_full_recomputation(
    session: Session, writes: list, inside: dt.date
) -> None:
    example = session.begin_nested()  # each example starts from the same database
    try:
        who = principal(create_user(session, Role.SECRETARIAT))
        for kind, code, model, stage, day, rolled_back in writes:
            step = session.begin_nested()
            _apply(session, who, kind, code, model, stage, day)
            session.flush()
            if rolled_back:
                step.rollback()
            else:
                step.commit()
        kept = year_ends.all_rows(session)
        year_ends.rebuild(session)
        assert year_ends.all_rows(session) == kept

        for as_of in (today_in_japan(), inside):
            known = facts.facts(session, as_of)
            for year in known.years:
                assert known.stages[year] == _recomputed(session, FiscalYear(year).end), (as_of, year)
            assert known.current == _recomputed(session, as_of), as_of
    finally:
        example.rollback()
        facts.clear()


def test_a_stage_written_is_in_the_figures_the_same_transaction_reads(session: Session) -> None:
    """The condensed history is kept by the write itself, not by a later refresh: the next read sees it."""
    who = principal(create_user(session, Role.SECRETARIAT))
    day = FiscalYear(2018).end
    before = facts.facts(session, day).stages[2018].get(("472018", "open-data"))
    _apply(session, who, "one", "472018", "open-data", Stage.IMPLEMENTED, day)
    assert before != Stage.IMPLEMENTED.value
    assert facts.facts(session, day).stages[2018][("472018", "open-data")] == Stage.IMPLEMENTED.value
    assert facts.facts(session, day + dt.timedelta(days=400)).stages[2018][("472018", "open-data")] == (
        Stage.IMPLEMENTED.value
    )
