"""The IoTデザインハブ on the real database: a need goes from posting to a pilot that moves the body's status,
who may do what at each step, and symbol projects through review and selection."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Role
from chiiki_iot.adoption import projects as adoption_projects
from chiiki_iot.adoption import service as adoption
from chiiki_iot.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.network import hub, members, ranking, symbols
from chiiki_iot.outreach import service as outreach
from tests.accounts.factories import create_user, principal

SAPPORO = "011002"


def _as(session: Session, role: Role, scope: str = "") -> Principal:
    return principal(create_user(session, role, scope))


def _org(session: Session, slug: str) -> Principal:
    admin = _as(session, Role.SECRETARIAT)
    outreach.save_organisation(
        session,
        principal=admin,
        data=outreach.OrganisationInput(slug=slug, name_ja=f"{slug}株式会社", kind="company"),
    )
    return _as(session, Role.ORGANISATION, slug)


def _solution(
    session: Session, org: Principal, slug: str, title: str, text: str, **kw: object
) -> hub.Solution:
    return hub.save_solution(
        session,
        principal=org,
        data=hub.SolutionInput(organisation_slug=slug, title=title, description=text, **kw),  # type: ignore[arg-type]
    )


@pytest.fixture
def need_and_people(session: Session) -> dict:
    city = _as(session, Role.MUNICIPALITY, SAPPORO)
    need = hub.post_need(
        session,
        principal=city,
        data=hub.NeedInput(
            body_code=SAPPORO,
            title="一人暮らしのお年寄りの異変に早く気づきたい",
            description="倒れていても数日気づかれないことがあり、民生委員の訪問だけでは追いつきません。",
            budget_yen=3_000_000,
        ),
    )
    acme, other = _org(session, "acme"), _org(session, "other-co")
    watch = _solution(
        session,
        acme,
        "acme",
        "くらしリズム見守り",
        "電力使用量の変化から生活リズムの異常を検知し、家族と自治体に通知します。",
        model_slugs=["phr"],
        price_min_yen=500_000,
    )
    river = _solution(
        session, other, "other-co", "河川水位センサー", "河川の水位を遠隔で監視し、氾濫の危険を知らせます。"
    )
    return {"city": city, "need": need, "acme": acme, "other": other, "watch": watch, "river": river}


def test_a_need_is_hidden_until_the_bureau_publishes_it(session: Session, need_and_people: dict) -> None:
    need, acme, city = need_and_people["need"], need_and_people["acme"], need_and_people["city"]
    with pytest.raises(NotFound):  # not even its existence shows to a company
        hub.get_need(session, acme, need.id)
    assert need.id not in {n.id for n in hub.list_needs(session, acme)}
    with pytest.raises(Forbidden):  # the body cannot publish its own need
        hub.publish_need(session, principal=city, need_id=need.id, expected_version=need.version)
    with pytest.raises(Forbidden):  # nor can another block's bureau
        hub.publish_need(
            session,
            principal=_as(session, Role.BUREAU, "okinawa"),
            need_id=need.id,
            expected_version=need.version,
        )
    hub.publish_need(
        session,
        principal=_as(session, Role.BUREAU, "hokkaido"),
        need_id=need.id,
        expected_version=need.version,
    )
    assert hub.get_need(session, acme, need.id).status == "published"


def test_the_ranked_solutions_put_the_paraphrase_first_and_say_why(
    session: Session, need_and_people: dict
) -> None:
    ranked = ranking.solutions_for_need(session, need_and_people["need"], limit=5)
    assert [r.solution.id for r in ranked][:2] == [need_and_people["watch"].id, need_and_people["river"].id]
    reasons = [x.ja for x in ranked[0].ranked.reasons]
    assert "予算内" in reasons and any(x.startswith("本文の一致: ") and "見守り" in x for x in reasons)


def test_an_organisation_cannot_touch_another_ones_solution_or_proposal(
    session: Session, need_and_people: dict
) -> None:
    p = need_and_people
    hub.publish_need(
        session, principal=_as(session, Role.SECRETARIAT), need_id=p["need"].id, expected_version=1
    )
    with pytest.raises(Forbidden):
        hub.save_solution(
            session,
            principal=p["other"],
            solution_id=p["watch"].id,
            expected_version=p["watch"].version,
            data=hub.SolutionInput(organisation_slug="acme", title="乗っ取り", description="他社の解決策"),
        )
    with pytest.raises(Forbidden):  # proposing someone else's solution
        hub.propose(
            session,
            principal=p["other"],
            need_id=p["need"].id,
            solution_id=p["watch"].id,
            cost_yen=1,
            plan="x",
        )
    proposal = hub.propose(
        session, principal=p["acme"], need_id=p["need"].id, solution_id=p["watch"].id, cost_yen=1, plan="x"
    )
    with pytest.raises(Forbidden):  # deciding is the body's, not a company's
        hub.decide_proposal(
            session,
            principal=p["other"],
            proposal_id=proposal.id,
            decision="decline",
            expected_version=proposal.version,
        )
    assert proposal.status == "submitted" and p["watch"].title == "くらしリズム見守り"


def test_a_pilot_becomes_a_project_and_moves_the_status_through_adoption(
    session: Session, need_and_people: dict
) -> None:
    p = need_and_people
    hub.publish_need(
        session, principal=_as(session, Role.SECRETARIAT), need_id=p["need"].id, expected_version=1
    )
    first = hub.propose(
        session,
        principal=p["acme"],
        need_id=p["need"].id,
        solution_id=p["watch"].id,
        cost_yen=800_000,
        plan="3か月の実証",
    )
    second = hub.propose(
        session,
        principal=p["other"],
        need_id=p["need"].id,
        solution_id=p["river"].id,
        cost_yen=None,
        plan="水位計",
    )
    hub.decide_proposal(
        session,
        principal=p["city"],
        proposal_id=first.id,
        decision="shortlist",
        expected_version=first.version,
    )
    with pytest.raises(InvalidInput):  # the proposer is told why
        hub.decide_proposal(
            session,
            principal=p["city"],
            proposal_id=second.id,
            decision="decline",
            expected_version=second.version,
        )
    hub.decide_proposal(
        session,
        principal=p["city"],
        proposal_id=second.id,
        decision="decline",
        expected_version=second.version,
        note="河川の課題ではないため",
    )
    assert second.decision_note == "河川の課題ではないため"
    with pytest.raises(Conflict):  # a declined proposal cannot be piloted
        hub.decide_proposal(
            session,
            principal=p["city"],
            proposal_id=second.id,
            decision="pilot",
            expected_version=second.version,
        )
    hub.decide_proposal(
        session, principal=p["city"], proposal_id=first.id, decision="pilot", expected_version=first.version
    )
    today = today_in_japan()
    assert adoption.stages_of_body(session, SAPPORO, as_of=today)["phr"] == "実証中"
    change = adoption.history(session, SAPPORO, model_slug="phr")[-1]
    assert change.source_kind == "network" and change.source_ref == f"hub-proposal-{first.id}"
    project = next(
        pr for pr in adoption_projects.projects_of_body(session, SAPPORO) if pr.id == first.project_id
    )
    assert (
        project.vendors == ["acme株式会社"] and project.model_slugs == ["phr"] and project.starts_on == today
    )
    hub.decide_proposal(
        session, principal=p["city"], proposal_id=first.id, decision="adopt", expected_version=first.version
    )
    assert adoption.stages_of_body(session, SAPPORO, as_of=today)["phr"] == "実装済"
    stats = hub.round_statistics(session)
    assert (stats.needs_posted, stats.proposals, stats.pilots, stats.adoptions) == (1, 2, 1, 1)
    assert p["need"].status == "closed" and p["watch"].project_ids == [first.project_id]
    neighbour = hub.post_need(  # the next need in Hokkaido sees the implementation as track record
        session,
        principal=_as(session, Role.MUNICIPALITY, "012025"),
        data=hub.NeedInput(
            body_code="012025", title="高齢者の見守り", description="一人暮らしの方の異変に気づきたい"
        ),
    )
    top = ranking.solutions_for_need(session, neighbour, limit=1)[0]
    assert top.solution.id == p["watch"].id and "同じブロックで実装実績 1 件" in [
        x.ja for x in top.ranked.reasons
    ]
    assert stats.median_days_to_pilot is not None and stats.median_days_to_pilot <= 1


def test_interest_from_both_sides_opens_one_conversation(session: Session, need_and_people: dict) -> None:
    p = need_and_people
    hub.publish_need(
        session, principal=_as(session, Role.SECRETARIAT), need_id=p["need"].id, expected_version=1
    )
    first = hub.show_interest(session, principal=p["city"], need_id=p["need"].id, solution_id=p["watch"].id)
    assert first.conversation is None and first.interest.side == "body"
    second = hub.show_interest(session, principal=p["acme"], need_id=p["need"].id, solution_id=p["watch"].id)
    assert second.conversation is not None
    again = hub.show_interest(session, principal=p["acme"], need_id=p["need"].id, solution_id=p["watch"].id)
    assert again.conversation is None  # opened once
    with pytest.raises(Forbidden):  # a third company speaks for neither side
        hub.show_interest(session, principal=p["other"], need_id=p["need"].id, solution_id=p["watch"].id)


def test_bad_input_is_refused_in_both_languages(session: Session, need_and_people: dict) -> None:
    with pytest.raises(InvalidInput) as refused:
        hub.post_need(
            session,
            principal=need_and_people["city"],
            data=hub.NeedInput(body_code=SAPPORO, title=" ", description="内容"),
        )
    assert "題名" in refused.value.message_ja and "title" in refused.value.message_en
    with pytest.raises(InvalidInput):
        hub.save_solution(
            session,
            principal=need_and_people["acme"],
            data=hub.SolutionInput(
                organisation_slug="acme", title="t", description="d", price_min_yen=5, price_max_yen=1
            ),
        )


def test_the_seed_founders_are_members_and_the_founding_meeting_is_an_event(session: Session) -> None:
    founders = members.list_members(session, members.MemberFilter(founders_only=True))
    assert {f.body_code for f in founders if f.body_code} == {
        "012050",
        "072028",
        "131130",
        "222143",
        "272205",
        "325252",
        "412040",
    }
    assert {f.name for f in founders if f.kind == "organisation"} >= {
        "電気通信事業者協会",
        "熱意ある地方創生ベンチャー連合",
    }
    day = dt.date(2017, 7, 11)
    assert [e.place for e in outreach.list_events(session, since=day, until=day)] == [
        "ホテルルポール麴町「ロイヤルクリスタル」"
    ]


def test_an_application_is_decided_by_the_secretariat_with_a_reason(session: Session) -> None:
    city = _as(session, Role.MUNICIPALITY, SAPPORO)
    applied = members.apply(session, principal=city, body_code=SAPPORO, interests=["phr"])
    with pytest.raises(Forbidden):
        members.decide(
            session,
            principal=city,
            member_id=applied.id,
            approve=True,
            reason="",
            expected_version=applied.version,
        )
    admin = _as(session, Role.SECRETARIAT)
    with pytest.raises(InvalidInput):  # declining needs a reason
        members.decide(
            session,
            principal=admin,
            member_id=applied.id,
            approve=False,
            reason=" ",
            expected_version=applied.version,
        )
    members.decide(
        session,
        principal=admin,
        member_id=applied.id,
        approve=True,
        reason="",
        expected_version=applied.version,
    )
    assert SAPPORO in {m.body_code for m in members.list_members(session, members.MemberFilter(model="phr"))}


def test_a_symbol_project_needs_two_reviews_without_conflict_before_selection(session: Session) -> None:
    admin = _as(session, Role.SECRETARIAT)
    call = symbols.open_call(
        session, principal=admin, title="シンボル・プロジェクト", deadline=today_in_japan()
    )
    city = _as(session, Role.MUNICIPALITY, SAPPORO)
    proposal = symbols.propose(
        session, principal=city, call_id=call.id, title="データ連携", summary="…", body_code=SAPPORO
    )
    with pytest.raises(Forbidden):  # a body is no reviewer, least of all of its own proposal
        symbols.review(
            session,
            principal=city,
            proposal_id=proposal.id,
            scores=[5, 5, 5, 5],
            comment="",
            no_conflict=True,
        )
    reviewer_a, reviewer_b = _as(session, Role.BUREAU, "hokkaido"), _as(session, Role.BUREAU, "tohoku")
    with pytest.raises(InvalidInput):  # no declaration, no score
        symbols.review(
            session,
            principal=reviewer_a,
            proposal_id=proposal.id,
            scores=[3, 3, 3, 3],
            comment="",
            no_conflict=False,
        )
    symbols.review(
        session,
        principal=reviewer_a,
        proposal_id=proposal.id,
        scores=[4, 3, 5, 4],
        comment="良い",
        no_conflict=True,
    )
    with pytest.raises(Conflict):  # one review is not enough
        symbols.select_proposal(
            session,
            principal=admin,
            proposal_id=proposal.id,
            selected=True,
            expected_version=proposal.version,
        )
    with pytest.raises(InvalidInput):  # a score above the criterion's maximum
        symbols.review(
            session,
            principal=reviewer_b,
            proposal_id=proposal.id,
            scores=[9, 3, 3, 3],
            comment="",
            no_conflict=True,
        )
    symbols.review(
        session,
        principal=reviewer_b,
        proposal_id=proposal.id,
        scores=[2, 3, 4, 3],
        comment="",
        no_conflict=True,
    )
    symbols.select_proposal(
        session, principal=admin, proposal_id=proposal.id, selected=True, expected_version=proposal.version
    )
    standing = symbols.standings(session, call.id)[0]
    assert proposal.status == "selected" and standing.reviews == 2 and standing.average == 14.0


def test_a_pilot_never_takes_back_a_model_already_implemented(
    session: Session, need_and_people: dict
) -> None:
    p = need_and_people
    adoption.record_status(
        session,
        principal=p["city"],
        body_code=SAPPORO,
        model_slug="phr",
        stage=adoption.Stage.IMPLEMENTED,
        effective_on=today_in_japan() - dt.timedelta(days=30),
        source_kind="manual",
    )
    hub.publish_need(
        session, principal=_as(session, Role.SECRETARIAT), need_id=p["need"].id, expected_version=1
    )
    proposal = hub.propose(
        session, principal=p["acme"], need_id=p["need"].id, solution_id=p["watch"].id, cost_yen=1, plan="x"
    )
    hub.decide_proposal(
        session, principal=p["city"], proposal_id=proposal.id, decision="pilot", expected_version=1
    )
    assert adoption.stages_of_body(session, SAPPORO, as_of=today_in_japan())["phr"] == "実装済"
    assert proposal.status == "piloting" and proposal.project_id is not None


def test_a_quote_is_seen_by_the_body_its_bureau_and_the_proposer_only(
    session: Session, need_and_people: dict
) -> None:
    p = need_and_people
    hub.publish_need(
        session, principal=_as(session, Role.SECRETARIAT), need_id=p["need"].id, expected_version=1
    )
    mine = hub.propose(
        session, principal=p["acme"], need_id=p["need"].id, solution_id=p["watch"].id, cost_yen=9, plan="x"
    )
    theirs = hub.propose(
        session, principal=p["other"], need_id=p["need"].id, solution_id=p["river"].id, cost_yen=8, plan="y"
    )
    seen = {
        who: {x.id for x in hub.visible_proposals(session, person, p["need"])}
        for who, person in {
            "city": p["city"],
            "bureau": _as(session, Role.BUREAU, "hokkaido"),
            "acme": p["acme"],
            "other bureau": _as(session, Role.BUREAU, "okinawa"),
            "anonymous": Principal(actor="anonymous"),
        }.items()
    }
    assert seen == {
        "city": {mine.id, theirs.id},
        "bureau": {mine.id, theirs.id},
        "acme": {mine.id},
        "other bureau": set(),
        "anonymous": set(),
    }


def test_a_member_can_join_iot_design_girl(session: Session) -> None:
    city = _as(session, Role.MUNICIPALITY, SAPPORO)
    applied = members.apply(session, principal=city, body_code=SAPPORO, communities=["design-girl"])
    with pytest.raises(InvalidInput):
        members.apply(
            session,
            principal=_as(session, Role.MUNICIPALITY, "012025"),
            body_code="012025",
            communities=["x"],
        )
    members.decide(
        session,
        principal=_as(session, Role.SECRETARIAT),
        member_id=applied.id,
        approve=True,
        reason="",
        expected_version=1,
    )
    listed = members.list_members(session, members.MemberFilter(community="design-girl"))
    assert [m.body_code for m in listed] == [SAPPORO]


def test_a_need_returned_by_the_bureau_is_corrected_and_sent_again(
    session: Session, need_and_people: dict
) -> None:
    p, bureau = need_and_people, _as(session, Role.BUREAU, "hokkaido")
    need = p["need"]
    with pytest.raises(InvalidInput):  # a return says what to change
        hub.return_need(session, principal=bureau, need_id=need.id, expected_version=need.version, note=" ")
    with pytest.raises(Forbidden):  # the body cannot return (or publish) its own need
        hub.return_need(
            session, principal=p["city"], need_id=need.id, expected_version=need.version, note="x"
        )
    hub.return_need(
        session, principal=bureau, need_id=need.id, expected_version=need.version, note="予算を書いてください"
    )
    assert need.status == "returned" and need.id not in {n.id for n in hub.list_needs(session, p["acme"])}
    data = hub.NeedInput(
        body_code=SAPPORO, title=need.title, description=need.description, budget_yen=2_000_000
    )
    with pytest.raises(Forbidden):
        hub.resubmit_need(
            session, principal=p["acme"], need_id=need.id, expected_version=need.version, data=data
        )
    hub.resubmit_need(session, principal=p["city"], need_id=need.id, expected_version=need.version, data=data)
    assert (need.status, need.budget_yen) == ("submitted", 2_000_000)
    hub.publish_need(session, principal=bureau, need_id=need.id, expected_version=need.version)
    with pytest.raises(Conflict):  # published: no more changes
        hub.resubmit_need(
            session, principal=p["city"], need_id=need.id, expected_version=need.version, data=data
        )


def test_a_round_is_set_up_by_the_secretariat_with_its_phases_in_order(session: Session) -> None:
    day = dt.date(2019, 4, 1)
    data = hub.RoundInput(
        "2019年度 IoTデザインハブ", day, day + dt.timedelta(days=90), day + dt.timedelta(days=150)
    )
    with pytest.raises(Forbidden):
        hub.add_round(session, principal=_as(session, Role.BUREAU, "hokkaido"), data=data)
    with pytest.raises(InvalidInput):  # proposals cannot close before needs do
        hub.add_round(
            session,
            principal=_as(session, Role.SECRETARIAT),
            data=hub.RoundInput("逆順", day, day + dt.timedelta(days=90), day + dt.timedelta(days=10)),
        )
    with pytest.raises(InvalidInput):  # pilots cannot end before proposals close
        hub.add_round(
            session,
            principal=_as(session, Role.SECRETARIAT),
            data=hub.RoundInput("短い", day, day, day + dt.timedelta(days=10), pilots_until=day),
        )
    added = hub.add_round(session, principal=_as(session, Role.SECRETARIAT), data=data)
    assert hub.list_rounds(session)[0].id == added.id
    assert hub.round_statistics(session, round_id=added.id).needs_posted == 0
    assert hub.open_round_id(session) is None  # 2019's round takes no needs today
    with pytest.raises(InvalidInput):  # so a need cannot be posted into it
        hub.post_need(
            session,
            principal=_as(session, Role.MUNICIPALITY, SAPPORO),
            data=hub.NeedInput(body_code=SAPPORO, title="t", description="d", round_id=added.id),
        )


def test_a_selected_project_reports_progress_and_a_policy_proposal_its_outcome(session: Session) -> None:
    admin, city = _as(session, Role.SECRETARIAT), _as(session, Role.MUNICIPALITY, SAPPORO)
    call = symbols.open_call(session, principal=admin, title="募集", deadline=today_in_japan())
    proposal = symbols.propose(
        session, principal=city, call_id=call.id, title="連携", summary="…", body_code=SAPPORO
    )
    with pytest.raises(Conflict):  # not selected yet
        symbols.record_progress(
            session, principal=city, proposal_id=proposal.id, note="着手", expected_version=1
        )
    for reviewer in (admin, _as(session, Role.BUREAU, "hokkaido")):
        symbols.review(
            session,
            principal=reviewer,
            proposal_id=proposal.id,
            scores=[3, 3, 3, 3],
            comment="",
            no_conflict=True,
        )
    symbols.select_proposal(
        session, principal=admin, proposal_id=proposal.id, selected=True, expected_version=1
    )
    with pytest.raises(Forbidden):  # another body cannot speak for it
        symbols.record_progress(
            session,
            principal=_as(session, Role.MUNICIPALITY, "012025"),
            proposal_id=proposal.id,
            note="x",
            expected_version=proposal.version,
        )
    symbols.record_progress(
        session, principal=city, proposal_id=proposal.id, note="実証を開始", expected_version=proposal.version
    )
    assert proposal.progress_note.endswith("実証を開始")
    idea = symbols.record_policy_proposal(
        session,
        principal=admin,
        title="データ連携基盤の共通化",
        text="…",
        proposed_by="発起人会",
        proposed_on=today_in_japan(),
    )
    with pytest.raises(InvalidInput):  # an outcome says what became of it
        symbols.record_outcome(
            session, principal=admin, proposal_id=idea.id, status="adopted", outcome="", expected_version=1
        )
    symbols.record_outcome(
        session,
        principal=admin,
        proposal_id=idea.id,
        status="adopted",
        outcome="令和元年度の施策に反映",
        expected_version=1,
    )
    assert [(p.outcome_status, p.outcome) for p in symbols.list_policy_proposals(session)] == [
        ("adopted", "令和元年度の施策に反映")
    ]
