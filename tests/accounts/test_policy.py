"""The whole matrix of role × action × own/other scope, written out by hand so that a change to the policy
data that nobody meant shows up here."""

import pytest

from chiiki_iot.accounts.policy import (
    ANONYMOUS,
    Forbidden,
    Grant,
    Principal,
    Role,
    SignInRequired,
    Target,
    authorize,
    can,
)

SAPPORO = Target(body_code="011002", prefecture_code="010006", block_slug="hokkaido")
HOKKAIDO = Target(body_code="010006", prefecture_code="010006", block_slug="hokkaido", is_prefecture=True)
NAHA = Target(body_code="472018", prefecture_code="470007", block_slug="okinawa")

AS = {
    "secretariat": Principal("s@x", (Grant(Role.SECRETARIAT),), user_id=1),
    "bureau-hokkaido": Principal("b@x", (Grant(Role.BUREAU, "hokkaido"),), user_id=2),
    "pref-hokkaido": Principal("p@x", (Grant(Role.PREFECTURE, "010006"),), user_id=3),
    "muni-sapporo": Principal("m@x", (Grant(Role.MUNICIPALITY, "011002"),), user_id=4),
    "org": Principal("o@x", (Grant(Role.ORGANISATION, "acme"),), user_id=5),
    "anonymous": ANONYMOUS,
}

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
    ("users.manage", Target(), {"secretariat"}),
    ("audit.read", Target(), {"secretariat"}),
    ("users.invite", SAPPORO, {"secretariat", "bureau-hokkaido", "pref-hokkaido"}),
    ("users.invite", NAHA, {"secretariat"}),
    ("organisation.edit", Target(organisation="acme"), {"secretariat", "org"}),
    ("organisation.edit", Target(organisation="other"), {"secretariat"}),
    ("outreach.edit", Target(block_slug="hokkaido"), {"secretariat", "bureau-hokkaido"}),
    ("outreach.edit", Target(block_slug="okinawa"), {"secretariat"}),
    ("outreach.edit", Target(), {"secretariat"}),  # a national event: the secretariat's
]


@pytest.mark.parametrize(
    ("action", "target", "allowed"),
    EXPECTED,
    ids=[f"{a}-{t.body_code or t.organisation or 'all'}" for a, t, _ in EXPECTED],
)
def test_matrix(action: str, target: Target, allowed: set[str]) -> None:
    for who, principal in AS.items():
        assert can(principal, action, target) == (who in allowed), (who, action, target)


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


def test_several_roles_add_up() -> None:
    both = Principal(
        "two@x", (Grant(Role.MUNICIPALITY, "011002"), Grant(Role.MUNICIPALITY, "472018")), user_id=9
    )
    assert can(both, "body.edit", SAPPORO) and can(both, "body.edit", NAHA)
