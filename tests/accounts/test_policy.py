"""The whole matrix of role × action × own/other scope, written out by hand so that a change to the policy
data that nobody meant shows up here; and the proof that renaming the actions changed no one's rights: the
rules as they stood before the vocabulary was split (``BEFORE``) and the role checks that pages and
services used to do by hand give the same answers as the new actions and policy functions."""

import ast
import itertools
from pathlib import Path

import pytest

from chiiki_iot.accounts.policy import (
    ANONYMOUS,
    MINISTRY_ROLES,
    POLICY,
    SOMEWHERE,
    Forbidden,
    Grant,
    Principal,
    Reach,
    Role,
    SignInRequired,
    Target,
    authorize,
    bodies_acted_for,
    can,
    policy_matrix,
    reaches,
    reaches_of,
)

SAPPORO = Target(body_code="011002", prefecture_code="010006", block_slug="hokkaido")
HOKKAIDO = Target(body_code="010006", prefecture_code="010006", block_slug="hokkaido", is_prefecture=True)
NAHA = Target(body_code="472018", prefecture_code="470007", block_slug="okinawa")
OKINAWA = Target(body_code="470007", prefecture_code="470007", block_slug="okinawa", is_prefecture=True)

AS = {
    "secretariat": Principal("s@x", (Grant(Role.SECRETARIAT),), user_id=1),
    "bureau-hokkaido": Principal("b@x", (Grant(Role.BUREAU, "hokkaido"),), user_id=2),
    "pref-hokkaido": Principal("p@x", (Grant(Role.PREFECTURE, "010006"),), user_id=3),
    "muni-sapporo": Principal("m@x", (Grant(Role.MUNICIPALITY, "011002"),), user_id=4),
    "org": Principal("o@x", (Grant(Role.ORGANISATION, "acme"),), user_id=5),
    "anonymous": ANONYMOUS,
}
ALL = set(AS) - {"anonymous"}

# action, target → who may. Everyone else must be refused.
EXPECTED = [
    ("body.edit", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("body.edit", HOKKAIDO, {"secretariat", "pref-hokkaido"}),
    ("body.edit", NAHA, {"secretariat"}),
    ("body.review", SAPPORO, {"secretariat", "bureau-hokkaido", "pref-hokkaido"}),
    ("body.review", HOKKAIDO, {"secretariat", "bureau-hokkaido"}),  # a prefecture does not review itself
    ("body.review", NAHA, {"secretariat"}),
    ("registry.import", Target(), {"secretariat"}),
    ("status.record", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("status.record", HOKKAIDO, {"secretariat", "pref-hokkaido"}),
    ("status.record", NAHA, {"secretariat"}),
    ("indicators.import", Target(), {"secretariat"}),
    ("demo.generate", Target(), {"secretariat"}),
    ("survey.run", Target(), {"secretariat"}),
    ("survey.review", SAPPORO, {"secretariat", "bureau-hokkaido", "pref-hokkaido"}),
    ("survey.review", HOKKAIDO, {"secretariat", "bureau-hokkaido"}),  # nor approves its own answer
    ("survey.review", NAHA, {"secretariat"}),
    ("survey.follow", SAPPORO, {"secretariat", "bureau-hokkaido", "pref-hokkaido", "muni-sapporo"}),
    ("survey.follow", HOKKAIDO, {"secretariat", "bureau-hokkaido", "pref-hokkaido"}),  # follows itself
    ("survey.follow", NAHA, {"secretariat"}),
    ("progress.national_figures", Target(), {"secretariat"}),
    ("outreach.edit_block", Target(block_slug="hokkaido"), {"secretariat", "bureau-hokkaido"}),
    ("outreach.edit_block", Target(block_slug="okinawa"), {"secretariat"}),
    ("outreach.edit_block", Target(), {"secretariat"}),  # a national event: the secretariat's
    ("users.manage", Target(), {"secretariat"}),
    ("users.invite", SAPPORO, {"secretariat", "bureau-hokkaido", "pref-hokkaido"}),
    ("users.invite", NAHA, {"secretariat"}),
    ("users.invite_ministry", Target(), {"secretariat"}),
    ("audit.read", Target(), {"secretariat"}),
    ("system.health", Target(), {"secretariat"}),
    # network: a body joins, posts needs and decides on proposals for itself; its block's bureau (or the
    # secretariat) publishes its needs; an organisation edits and proposes only its own solutions.
    ("network.apply", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("network.apply", Target(organisation="acme"), {"secretariat", "org"}),
    ("network.members", Target(), {"secretariat"}),
    ("hub.rounds", Target(), {"secretariat"}),
    ("needs.post", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("needs.post", HOKKAIDO, {"secretariat", "pref-hokkaido"}),
    ("needs.publish", SAPPORO, {"secretariat", "bureau-hokkaido"}),
    ("needs.publish", NAHA, {"secretariat"}),
    ("needs.read_unpublished", SAPPORO, {"secretariat", "bureau-hokkaido", "muni-sapporo"}),
    ("solutions.edit", Target(organisation="acme"), {"secretariat", "org"}),
    ("solutions.edit", Target(organisation="other"), {"secretariat"}),
    ("proposals.submit", Target(organisation="acme"), {"org"}),
    ("proposals.submit", Target(organisation="other"), set()),
    ("proposals.decide", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("hub.interest", SAPPORO, {"muni-sapporo"}),
    ("hub.interest", Target(organisation="acme"), {"org"}),
    ("symbol.calls", Target(), {"secretariat"}),
    ("symbol.propose", SAPPORO, {"muni-sapporo"}),
    ("symbol.propose", Target(organisation="acme"), {"org"}),
    ("symbol.review", SAPPORO, {"secretariat", "bureau-hokkaido"}),
    ("symbol.progress", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("symbol.progress", Target(organisation="acme"), {"secretariat", "org"}),
    ("policy.record", Target(), {"secretariat"}),
    # support: a body applies and asks for dispatches for itself; its block's bureau assigns, reviews and
    # arranges; only the secretariat sets measures and decides; an organisation reads what it is part of.
    ("support.measures", Target(), {"secretariat"}),
    ("support.apply", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("support.apply", HOKKAIDO, {"secretariat", "pref-hokkaido"}),
    ("support.apply", NAHA, {"secretariat"}),
    ("support.partner", Target(organisation="acme"), {"org"}),
    ("support.partner", Target(organisation="other"), set()),
    ("support.assign", SAPPORO, {"secretariat", "bureau-hokkaido"}),
    ("support.assign", NAHA, {"secretariat"}),
    ("support.review", SAPPORO, {"secretariat", "bureau-hokkaido"}),
    ("support.review", NAHA, {"secretariat"}),
    ("support.decide", SAPPORO, {"secretariat"}),
    ("support.roster", Target(), {"secretariat", "bureau-hokkaido"}),
    ("support.training", Target(), {"secretariat", "bureau-hokkaido"}),
    ("plans.record", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("plans.record", HOKKAIDO, {"secretariat", "pref-hokkaido"}),
    ("plans.record", NAHA, {"secretariat"}),
    ("dispatch.request", SAPPORO, {"secretariat", "muni-sapporo"}),
    ("dispatch.request", NAHA, {"secretariat"}),
    ("dispatch.report", Target(), {"secretariat"}),  # anyone may go; the service checks who went
    ("dispatch.report", SAPPORO, {"secretariat", "bureau-hokkaido", "muni-sapporo"}),
    ("dispatch.arrange", SAPPORO, {"secretariat", "bureau-hokkaido"}),
    ("dispatch.arrange", NAHA, {"secretariat"}),
    # improvement: a bureau keeps its own block's countermeasures, opinions and priorities; the
    # secretariat triages, revises the roadmap, and keeps what belongs to no block.
    ("countermeasures.edit", Target(block_slug="hokkaido"), {"secretariat", "bureau-hokkaido"}),
    ("countermeasures.edit", Target(block_slug="okinawa"), {"secretariat"}),
    ("countermeasures.edit", Target(), {"secretariat"}),
    ("opinions.record", Target(block_slug="hokkaido"), {"secretariat", "bureau-hokkaido"}),
    ("opinions.record", Target(), {"secretariat"}),
    ("opinions.triage", Target(block_slug="hokkaido"), {"secretariat"}),
    ("priorities.set", Target(block_slug="hokkaido"), {"secretariat", "bureau-hokkaido"}),
    ("priorities.set", Target(block_slug="okinawa"), {"secretariat"}),
    ("roadmap.revise", Target(), {"secretariat"}),
    ("roadmap.comment", Target(), {"secretariat", "bureau-hokkaido"}),
    ("cases.write", SAPPORO, {"secretariat", "bureau-hokkaido", "muni-sapporo"}),
    ("cases.write", NAHA, {"secretariat"}),
    ("cases.review", SAPPORO, {"secretariat", "bureau-hokkaido"}),
    ("cases.review", NAHA, {"secretariat"}),
]


@pytest.mark.parametrize(
    ("action", "target", "allowed"),
    EXPECTED,
    ids=[f"{a}-{t.body_code or t.block_slug or t.organisation or 'all'}" for a, t, _ in EXPECTED],
)
def test_matrix(action: str, target: Target, allowed: set[str]) -> None:
    for who, principal in AS.items():
        assert can(principal, action, target) == (who in allowed), (who, action, target)


def test_the_hand_written_matrix_covers_every_action() -> None:
    """A new action needs its rows above: otherwise what it allows is checked by nobody."""
    assert {action for action, _, _ in EXPECTED} == set(POLICY)


def test_anonymous_is_asked_to_sign_in_and_others_are_forbidden() -> None:
    with pytest.raises(SignInRequired) as anonymous:
        authorize(ANONYMOUS, "body.edit", SAPPORO)
    assert anonymous.value.status_code == 401
    with pytest.raises(Forbidden) as other:
        authorize(AS["muni-sapporo"], "body.edit", NAHA)
    assert (
        other.value.status_code == 403
        and "担当外" in other.value.message_ja
        and "not allowed" in other.value.message_en
    )
    with pytest.raises(Forbidden) as nowhere:  # the route's early check names the action, not a scope
        authorize(AS["org"], "survey.run", SOMEWHERE)
    assert "実装状況調査の実施" in nowhere.value.message_ja and "担当外" not in nowhere.value.message_ja


def test_several_roles_add_up() -> None:
    both = Principal(
        "two@x", (Grant(Role.MUNICIPALITY, "011002"), Grant(Role.MUNICIPALITY, "472018")), user_id=9
    )
    assert can(both, "body.edit", SAPPORO) and can(both, "body.edit", NAHA)
    assert bodies_acted_for(both) == ["011002", "472018"]


def test_somewhere_asks_whether_the_action_is_open_to_the_person_at_all() -> None:
    assert {who for who, p in AS.items() if can(p, "outreach.edit_block", SOMEWHERE)} == {
        "secretariat",
        "bureau-hokkaido",
    }
    assert {who for who, p in AS.items() if can(p, "status.record", SOMEWHERE)} == {
        "secretariat",
        "pref-hokkaido",
        "muni-sapporo",
    }
    assert not any(can(p, "users.manage", SOMEWHERE) for who, p in AS.items() if who != "secretariat")


def test_the_admin_matrix_is_the_table_with_japanese_labels() -> None:
    rows = policy_matrix()
    assert [r.action for r in rows] == list(POLICY)
    for row in rows:
        assert row.label_ja and row.label_en and row.label_ja != row.label_en
        assert {role for role, reach in row.reach.items() if reach} == set(POLICY[row.action].rule)
    survey_run = next(r for r in rows if r.action == "survey.run")
    assert survey_run.reach[Role.SECRETARIAT] == Reach.EVERYTHING and survey_run.reach[Role.BUREAU] is None


# ---- nothing changed: the table before the split, and the checks that used to be done by hand ----------

BEFORE: dict[str, dict[Role, Reach]] = {  # accounts/policy.py as of commit bbe6cd5
    "body.edit": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.PREFECTURE: Reach.OWN_BODY,
        Role.MUNICIPALITY: Reach.OWN_BODY,
    },
    "body.review": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.BUREAU: Reach.OWN_BLOCK,
        Role.PREFECTURE: Reach.OWN_MUNICIPALITIES,
    },
    "registry.import": {Role.SECRETARIAT: Reach.EVERYTHING},
    "status.record": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.PREFECTURE: Reach.OWN_BODY,
        Role.MUNICIPALITY: Reach.OWN_BODY,
    },
    "users.manage": {Role.SECRETARIAT: Reach.EVERYTHING},
    "audit.read": {Role.SECRETARIAT: Reach.EVERYTHING},
    "users.invite": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.BUREAU: Reach.OWN_BLOCK,
        Role.PREFECTURE: Reach.OWN_MUNICIPALITIES,
    },
    "outreach.edit": {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
}

# Each action of the table → the action that gated the same calls before (None: a check done by hand,
# compared with its old code below).
WAS = {
    "body.edit": "body.edit",
    "body.review": "body.review",
    "registry.import": "registry.import",
    "status.record": "status.record",
    "indicators.import": "registry.import",  # adoption.indicators.apply_indicator_import
    "demo.generate": "users.manage",  # adoption.demo.generate
    "survey.run": "users.manage",  # adoption.survey.open_round / close_round, the national workbook
    "survey.review": "body.review",  # adoption.survey.review_response / responses_to_review
    "survey.follow": None,  # adoption.survey.missing_in_scope
    "progress.national_figures": "users.manage",  # progress.service.record_national_figure
    "outreach.edit_block": "outreach.edit",
    "users.manage": "users.manage",
    "users.invite": "users.invite",
    "users.invite_ministry": None,  # accounts.service.invite
    "audit.read": "audit.read",
    "system.health": None,  # new (issue 13): the process's memory, for the operator
    # new with the network (issue 14): nothing gated these calls before
    "network.apply": None,
    "network.members": None,
    "hub.rounds": None,
    "needs.post": None,
    "needs.publish": None,
    "needs.read_unpublished": None,
    "solutions.edit": None,
    "proposals.submit": None,
    "proposals.decide": None,
    "hub.interest": None,
    "symbol.calls": None,
    "symbol.propose": None,
    "symbol.review": None,
    "symbol.progress": None,
    "policy.record": None,
    # new with the support package (issue 15)
    "support.measures": None,
    "support.apply": None,
    "support.partner": None,
    "support.assign": None,
    "support.review": None,
    "support.decide": None,
    "support.roster": None,
    "support.training": None,
    "plans.record": None,
    "dispatch.request": None,
    "dispatch.report": None,
    "dispatch.arrange": None,
    # new with the Act step (issue 16)
    "countermeasures.edit": None,
    "opinions.record": None,
    "opinions.triage": None,
    "priorities.set": None,
    "roadmap.revise": None,
    "roadmap.comment": None,
    "cases.write": None,
    "cases.review": None,
}

PEOPLE = [
    *AS.values(),
    Principal("sp@x", (Grant(Role.SECRETARIAT), Grant(Role.PREFECTURE, "470007")), user_id=10),
    Principal("bm@x", (Grant(Role.BUREAU, "okinawa"), Grant(Role.MUNICIPALITY, "011002")), user_id=11),
    Principal("pp@x", (Grant(Role.PREFECTURE, "010006"), Grant(Role.PREFECTURE, "470007")), user_id=12),
    Principal("op@x", (Grant(Role.ORGANISATION, "acme"), Grant(Role.PREFECTURE, "470007")), user_id=13),
    Principal("none@x", (), user_id=14),  # signed in, no role
]
TARGETS = [
    SAPPORO,
    HOKKAIDO,
    NAHA,
    OKINAWA,
    Target(),
    Target(block_slug="hokkaido"),
    Target(block_slug="okinawa"),
    Target(organisation="acme"),
]


def _before(principal: Principal, action: str, target: Target) -> bool:
    rule = BEFORE[action]
    return any(g.role in rule and reaches(g, rule[g.role], target) for g in principal.grants)


def test_every_action_answers_as_the_one_it_replaced() -> None:
    assert set(WAS) == set(POLICY)
    for action, old in WAS.items():
        if old is None:
            continue
        for principal, target in itertools.product(PEOPLE, TARGETS):
            assert can(principal, action, target) == _before(principal, old, target), (
                action,
                principal.actor,
                target,
            )


def test_survey_follow_is_what_missing_in_scope_computed_by_hand() -> None:
    def by_hand(principal: Principal, target: Target) -> bool:  # adoption.survey.missing_in_scope, before
        if _before(principal, "users.manage", target):
            return True
        blocks = {g.scope for g in principal.grants if g.role == Role.BUREAU}
        prefectures = {g.scope for g in principal.grants if g.role == Role.PREFECTURE}
        own = {g.scope for g in principal.grants if g.role == Role.MUNICIPALITY}
        return target.block_slug in blocks or target.prefecture_code in prefectures or target.body_code in own

    bodies = [SAPPORO, HOKKAIDO, NAHA, OKINAWA]
    for principal, body in itertools.product(PEOPLE, bodies):
        assert can(principal, "survey.follow", body) == by_hand(principal, body), (principal.actor, body)


def test_the_checks_pages_did_by_hand_answer_as_before() -> None:
    for p in PEOPLE:
        roles = [g.role for g in p.grants]
        # adoption.survey_pages: the bodies one answers for, and the wording for a bureau
        assert bodies_acted_for(p) == [
            g.scope for g in p.grants if g.role in (Role.PREFECTURE, Role.MUNICIPALITY)
        ]
        assert (Reach.OWN_BLOCK in reaches_of(p, "survey.follow")) == (Role.BUREAU in roles)
        # outreach.pages: who sees the organisation form
        assert can(p, "outreach.edit_block", SOMEWHERE) == (
            _before(p, "outreach.edit", Target()) or Role.BUREAU in roles
        )
        # accounts.service.invite: who may invite into the ministry's roles
        assert can(p, "users.invite_ministry") == (Role.SECRETARIAT in roles)
        assert MINISTRY_ROLES == {Role.SECRETARIAT, Role.BUREAU}


def test_the_account_page_offers_what_its_template_worked_out_from_roles() -> None:
    from chiiki_iot.accounts.pages import _permissions

    for p in PEOPLE:
        roles = [str(g.role) for g in p.grants]
        inviter = [r for r in roles if r in ("prefecture", "bureau")]  # accounts/account.html, before
        offered = _permissions(p)
        assert offered["can_manage_users"] == offered["can_read_audit"] == ("secretariat" in roles)
        expected = (["municipality"] + (["prefecture"] if "bureau" in inviter else [])) if inviter else []
        assert [str(r) for r in offered["invitable_roles"]] == expected, p.actor  # type: ignore[attr-defined]


# ---- no role checks outside the policy ------------------------------------------------------------------

SRC = Path(__file__).resolve().parents[2] / "src" / "chiiki_iot"


def _role_checks(tree: ast.AST) -> list[int]:
    """Lines that decide by a role: ``x.role == Role.X`` / ``x.role in (Role.X, ...)``, ``principal.role``
    compared with anything, or a filter over a principal's grants (``for g in principal.grants if ...``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            roles = [o for o in operands if isinstance(o, ast.Attribute) and o.attr == "role"]
            names_a_role = any(
                isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Role"
                for o in operands
                for n in ast.walk(o)
            )
            if roles and (names_a_role or any(ast.unparse(r.value) == "principal" for r in roles)):
                found.append(node.lineno)
        if isinstance(node, ast.comprehension) and node.ifs:
            it = node.iter
            if isinstance(it, ast.Attribute) and it.attr == "grants" and ast.unparse(it.value) == "principal":
                found.append(it.lineno)
    return found


def test_no_role_checks_outside_the_policy() -> None:
    """Pages, services and templates ask the policy what a person may do; none of them compares roles.
    (Code that validates the scope a role *would be given* — ``accounts.service.check_scope`` — names
    roles but decides nobody's rights, and compares a plain ``role`` value, which this does not flag.)"""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "policy.py" and path.parent.name == "accounts":
            continue
        lines = _role_checks(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{path.relative_to(SRC)}:{n}" for n in lines]
    for path in sorted(SRC.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if 'attribute="role"' in text or ".role ==" in text:
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def test_the_role_check_finder_finds_role_checks() -> None:
    """The test above cannot pass by finding nothing: the forms it forbids are found."""
    code = (
        "a = any(g.role == Role.BUREAU for g in principal.grants)\n"
        "b = {g.scope for g in principal.grants if g.scope}\n"
        "c = grant.role in (Role.PREFECTURE, Role.MUNICIPALITY)\n"
        "d = principal.role == 'bureau'\n"
        "e = [g for g in user.grants if g.role == role]\n"  # a user's grant by value: no rights decided
    )
    assert sorted(_role_checks(ast.parse(code))) == [1, 2, 3, 4]
