"""Accounts on the real database: sign-in with back-off, tokens, invitations, resets, audit entries."""

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.audit_recorder import AuditIsAppendOnly, act_as
from chiiki_iot.accounts.credentials import PRODUCTION_HASHER
from chiiki_iot.accounts.models import AuditEntry, Invitation, LoginAttempt, UserSession
from chiiki_iot.accounts.policy import Forbidden, Role
from chiiki_iot.core.errors import InvalidInput, NotFound
from chiiki_iot.core.settings import Settings
from tests.accounts.factories import PASSWORD, create_user, principal


def audit_entries(session: Session, entity: str, key: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_key == key)
            .order_by(AuditEntry.id)
        )
    )


class TestPasswords:
    @pytest.mark.parametrize("bad", ["short", "aaaaaaaaaaaaaaaa", "password1234", "tanaka-taro-2024"])
    def test_rules(self, session: Session, bad: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            service.create_user(
                session, email="tanaka-taro@city.example.lg.jp", display_name="田中", password=bad
            )
        assert exc.value.problems and all(p.message_ja and p.message_en for p in exc.value.problems)

    def test_hash_is_argon2_and_never_the_password(self, session: Session) -> None:
        user = create_user(session)
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash

    def test_production_hashes_at_rfc_9106_strength_and_reads_test_hashes(self, session: Session) -> None:
        """The suite hashes cheaply (CHIIKI_TEST_FAST_PASSWORD_HASHING); a server never does: its parameters
        are pinned here, and a hash made either way verifies with it (argon2 hashes carry their parameters)."""
        assert (
            Settings().test_fast_password_hashing is True
            and Settings(_env_file=None, test_fast_password_hashing=False).test_fast_password_hashing is False
        )
        strong = PRODUCTION_HASHER.hash(PASSWORD)
        assert strong.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        user = create_user(session)
        assert PRODUCTION_HASHER.verify(user.password_hash, PASSWORD) and PRODUCTION_HASHER.verify(
            strong, PASSWORD
        )


class TestSignIn:
    def test_right_password(self, session: Session) -> None:
        user = create_user(session)
        assert (
            service.sign_in(session, email=user.email.upper(), password=PASSWORD, ip="10.0.0.1").user == user
        )

    def test_wrong_password_and_unknown_address_look_the_same(self, session: Session) -> None:
        user = create_user(session)
        wrong = service.sign_in(session, email=user.email, password="nope", ip="10.0.0.1").error
        unknown = service.sign_in(session, email="nobody@example.jp", password="nope", ip="10.0.0.1").error
        assert wrong.status_code == unknown.status_code == 401 and wrong.message_ja == unknown.message_ja

    def test_five_failures_from_one_place_stop_that_place_even_with_the_right_password(
        self, session: Session
    ) -> None:
        user = create_user(session)
        for _ in range(service.MAX_FAILURES):
            assert service.sign_in(session, email=user.email, password="guess", ip="10.0.0.2").error
        stopped = service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.2")
        assert stopped.user is None and stopped.error.status_code == 429
        # ...but a stranger guessing from 10.0.0.2 has not locked the owner out of their own desk
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.3").user == user
        age_attempts(session, minutes=service.LOCK_MINUTES + 1)  # the window has passed
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.2").user == user

    def test_a_success_wipes_the_slate_for_that_place(self, session: Session) -> None:
        user = create_user(session)
        for _ in range(service.MAX_FAILURES - 1):
            service.sign_in(session, email=user.email, password="typo", ip="10.0.0.6")
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.6").user == user
        service.sign_in(session, email=user.email, password="typo", ip="10.0.0.6")  # one more typo later
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.6").user == user

    def test_a_noisy_shared_network_does_not_lock_out_people_who_sign_in_from_it(
        self, session: Session
    ) -> None:
        user = create_user(session)
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="192.0.2.50").user == user
        for i in range(service.MAX_FAILURES_PER_IP):
            service.sign_in(session, email=f"script{i}@example.jp", password="x", ip="192.0.2.50")
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="192.0.2.50").user == user

    def test_an_unknown_address_is_throttled_exactly_like_a_known_one(self, session: Session) -> None:
        user = create_user(session)
        answers = {}
        for address in (user.email, "nobody-here@example.jp"):
            for _ in range(service.MAX_FAILURES):
                service.sign_in(session, email=address, password="guess", ip="10.0.0.5")
            refused = service.sign_in(session, email=address, password="guess", ip="10.0.0.5").error
            answers[address] = (refused.status_code, refused.message_ja)
        assert len(set(answers.values())) == 1 and next(iter(answers.values()))[0] == 429

    def test_guessing_from_many_places_cannot_lock_the_owner_out_of_a_known_place(
        self, session: Session
    ) -> None:
        user = create_user(session)
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.1.0.1").user == user
        for i in range(service.MAX_FAILURES_PER_ACCOUNT):
            service.sign_in(session, email=user.email, password="guess", ip=f"203.0.113.{i}")
        new_place = service.sign_in(session, email=user.email, password=PASSWORD, ip="10.1.0.2")
        assert new_place.user is None and new_place.error.status_code == 429
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.1.0.1").user == user

    def test_two_factor_asks_for_the_code(self, session: Session) -> None:
        user = create_user(session, Role.SECRETARIAT)
        secret, uri = service.start_two_factor(user)
        assert uri.startswith("otpauth://totp/")
        totp = pyotp.TOTP(secret)
        first = totp.now()
        service.confirm_two_factor(session, user=user, secret=secret, code=first)
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.4").needs_code
        wrong = service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.4", code="000000")
        assert wrong.error is not None
        replayed = service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.4", code=first)
        assert replayed.user is None  # the code used to confirm cannot be used again
        next_code = totp.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
        right = service.sign_in(session, email=user.email, password=PASSWORD, ip="10.0.0.4", code=next_code)
        assert right.user == user
        with pytest.raises(InvalidInput):
            service.disable_two_factor(session, user=user, code=next_code)  # used: cannot switch it off
        assert user.totp_secret == secret


class TestSessionsAndTokens:
    def test_sign_out_everywhere_ends_every_session(self, session: Session) -> None:
        user = create_user(session)
        tokens = [service.start_session(session, user=user, ip="1.1.1.1") for _ in range(2)]
        assert all(service.user_of_session(session, t) == user for t in tokens)
        signed_in = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sign-in", AuditEntry.entity_key == str(user.id))
        ).all()
        assert (
            len(signed_in) == 2
            and {e.actor for e in signed_in} == {user.email}
            and signed_in[0].ip == "1.1.1.1"
        )
        assert service.sign_out_everywhere(session, user=user) == 2
        assert all(service.user_of_session(session, t) is None for t in tokens)

    def test_a_session_stands_for_its_user_only_while_open_unexpired_and_active(
        self, session: Session
    ) -> None:
        user = create_user(session, Role.PREFECTURE, "010006")
        token = service.start_session(session, user=user, ip="")
        session.flush()
        session.expunge_all()  # as a new request would: nothing of the user already in memory
        found = service.user_of_session(session, token)
        assert found is not None and found.email == user.email
        assert [(g.role, g.scope) for g in found.grants] == [("prefecture", "010006")]
        assert service.user_of_session(session, token + "x") is None
        row = session.scalar(select(UserSession).where(UserSession.user_id == found.id))
        assert row is not None
        row.expires_at = service.now() - dt.timedelta(seconds=1)
        session.flush()
        assert service.user_of_session(session, token) is None
        row.expires_at = service.now() + dt.timedelta(hours=1)
        found.is_active = False
        session.flush()
        assert service.user_of_session(session, token) is None
        found.is_active = True
        row.revoked_at = service.now()
        session.flush()
        assert service.user_of_session(session, token) is None

    def test_a_revoked_token_stops_at_once_and_carries_only_chosen_roles(self, session: Session) -> None:
        user = create_user(session, Role.MUNICIPALITY, "011002")
        user.grants.append(type(user.grants[0])(role="prefecture", scope="010006", granted_at=service.now()))
        session.flush()
        token, secret = service.create_api_token(
            session, user=user, name="集計スクリプト", grant_ids=[user.grants[0].id]
        )
        acting = service.principal_of_token(session, secret, ip="")
        assert acting is not None and [g.role for g in acting.grants] == [Role.MUNICIPALITY]
        assert token.token_hash != secret and secret.startswith(token.prefix)
        service.revoke_api_token(session, user=user, token_id=token.id)
        assert service.principal_of_token(session, secret, ip="") is None


class TestInvitations:
    def test_secretariat_invites_a_prefecture_which_invites_its_municipality(self, session: Session) -> None:
        admin = create_user(session, Role.SECRETARIAT)
        _, token = service.invite(
            session,
            principal=principal(admin),
            email="pref@pref.hokkaido.example",
            role=Role.PREFECTURE,
            scope="01",
        )
        pref_user = service.accept_invitation(
            session, token=token, display_name="北海道 担当", password=PASSWORD
        )
        assert [(g.role, g.scope) for g in pref_user.grants] == [("prefecture", "010006")]
        _, token2 = service.invite(
            session,
            principal=principal(pref_user),
            email="sapporo@city.example",
            role=Role.MUNICIPALITY,
            scope="011002",
        )
        assert service.accept_invitation(session, token=token2, display_name="札幌", password=PASSWORD).grants
        with pytest.raises(Forbidden):  # a prefecture cannot invite for another prefecture's municipality
            service.invite(
                session,
                principal=principal(pref_user),
                email="naha@city.example",
                role=Role.MUNICIPALITY,
                scope="472018",
            )
        with pytest.raises(Forbidden):  # nor hand out the secretariat role
            service.invite(
                session, principal=principal(pref_user), email="x@x.example", role=Role.SECRETARIAT, scope=""
            )

    def test_an_invitation_from_the_command_line_is_accepted(self, session: Session) -> None:
        from chiiki_iot.accounts.cli import cli_principal

        _, token = service.invite(
            session,
            principal=cli_principal(),
            email="cli@city.example",
            role=Role.MUNICIPALITY,
            scope="472018",
        )
        assert service.accept_invitation(session, token=token, display_name="那覇", password=PASSWORD).grants

    def test_an_invitation_lapses_when_its_inviter_loses_the_role(self, session: Session) -> None:
        admin = create_user(session, Role.SECRETARIAT)
        inviter = create_user(session, Role.PREFECTURE, "01")
        _, token = service.invite(
            session,
            principal=principal(inviter),
            email="m@city.example",
            role=Role.MUNICIPALITY,
            scope="011002",
        )
        service.revoke_role(session, principal=principal(admin), user=inviter, grant_id=inviter.grants[0].id)
        with pytest.raises(NotFound, match="役割が変わった"):
            service.accept_invitation(session, token=token, display_name="札幌", password=PASSWORD)
        assert service.find_user(session, "m@city.example") is None

    def test_an_invitation_is_single_use_and_expires(self, session: Session) -> None:
        admin = create_user(session, Role.SECRETARIAT)
        _invitation, token = service.invite(
            session, principal=principal(admin), email="a@b.example", role=Role.MUNICIPALITY, scope="472018"
        )
        service.accept_invitation(session, token=token, display_name="那覇", password=PASSWORD)
        with pytest.raises(NotFound):
            service.accept_invitation(session, token=token, display_name="again", password=PASSWORD)
        old, token3 = service.invite(
            session, principal=principal(admin), email="c@d.example", role=Role.MUNICIPALITY, scope="472018"
        )
        old.expires_at = service.now() - dt.timedelta(minutes=1)
        session.flush()
        with pytest.raises(NotFound):
            service.open_invitation(session, token3)


class TestPasswordReset:
    def test_reset_link_sets_a_new_password_once_and_signs_out_everywhere(self, session: Session) -> None:
        user = create_user(session)
        cookie = service.start_session(session, user=user, ip="")
        found = service.request_password_reset(session, email=user.email)
        assert found is not None and service.request_password_reset(session, email="ghost@example.jp") is None
        service.reset_password(session, token=found[1], password="a brand new passphrase")
        assert service.user_of_session(session, cookie) is None
        assert (
            service.sign_in(session, email=user.email, password="a brand new passphrase", ip="").user == user
        )
        with pytest.raises(NotFound):
            service.reset_password(session, token=found[1], password="another new passphrase")


class TestAudit:
    def test_one_entry_per_change_with_before_and_after(self, session: Session) -> None:
        admin = create_user(session, Role.SECRETARIAT)
        act_as(session, principal(admin))
        user = create_user(session, display_name="旧姓")
        created = audit_entries(session, "users", str(user.id))
        assert [e.action for e in created] == ["create"] and created[0].actor == admin.email
        assert created[0].after["password_hash"] == "***"
        user.display_name = "新姓"
        session.flush()
        entries = audit_entries(session, "users", str(user.id))
        assert len(entries) == 2 and entries[1].before["display_name"] == "旧姓"
        assert entries[1].after["display_name"] == "新姓" and entries[1].role == "secretariat"

    def test_entries_cannot_be_changed_or_deleted(self, session: Session) -> None:
        create_user(session)
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        entry.note = "tampered"
        with pytest.raises(AuditIsAppendOnly):
            session.flush()
        session.rollback()

    def test_invitation_rows_are_audited_without_their_token(self, session: Session) -> None:
        admin = create_user(session, Role.SECRETARIAT)
        invitation, token = service.invite(
            session, principal=principal(admin), email="z@y.example", role=Role.MUNICIPALITY, scope="472018"
        )
        entry = audit_entries(session, Invitation.__tablename__, str(invitation.id))[0]
        assert entry.after["token_hash"] == "***" and token not in str(entry.after)

    def test_every_kind_of_write_leaves_one_entry_per_record(self, session: Session) -> None:
        from chiiki_iot.registry.importers import apply_population_import, plan_population_import

        admin = create_user(session, Role.SECRETARIAT)
        acting = principal(admin)
        act_as(session, acting)

        def count() -> int:
            return len(session.scalars(select(AuditEntry.id)).all())

        start = count()
        grant = service.grant_role(
            session, principal=acting, user=admin, role=Role.MUNICIPALITY, scope="011002"
        )
        token, _ = service.create_api_token(session, user=admin, name="t")
        service.revoke_api_token(session, user=admin, token_id=token.id)
        plan = plan_population_import(
            session,
            data=b"code,population,as_of\n011002,7,2031-01-01\n012025,8,2031-01-01\n",
            file_name="two.csv",
        )
        apply_population_import(session, plan, principal=acting)
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[start:]
        assert [(e.entity, e.action) for e in entries] == [
            ("role_grants", "create"),
            ("api_tokens", "create"),
            ("api_tokens", "update"),
            ("population_figures", "create"),
            ("population_figures", "create"),
        ]
        assert entries[0].after["scope"] == "011002" and entries[0].entity_key == str(grant.id)
        assert entries[2].before == {"revoked_at": None} and entries[2].after["revoked_at"]
        assert {e.after["population"] for e in entries[3:]} == {7, 8} and count() == start + 5


class TestReviewFindings:
    def test_bulk_changes_to_the_audit_log_are_refused_by_orm_and_database(self, session: Session) -> None:
        from sqlalchemy import delete, text, update

        create_user(session)
        with pytest.raises(AuditIsAppendOnly):
            session.execute(update(AuditEntry).values(note="tampered"))
        with pytest.raises(AuditIsAppendOnly):
            session.execute(delete(AuditEntry))
        with pytest.raises(Exception, match="append-only"):
            session.execute(text("DELETE FROM audit_entries"))
        session.rollback()

    def test_demo_accounts_only_sign_in_on_a_demo_site(self, session: Session) -> None:
        user = create_user(session)
        user.is_demo = True
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="").user is None

    def test_waiting_out_a_lock_is_not_extended_by_retries(self, session: Session) -> None:
        user = create_user(session)
        for _ in range(service.MAX_FAILURES):
            service.sign_in(session, email=user.email, password="guess", ip="10.9.9.9")
        for _ in range(3):  # retries while locked are refused but not counted
            assert (
                service.sign_in(session, email=user.email, password="guess", ip="10.9.9.9").error.status_code
                == 429
            )
        age_attempts(session, minutes=service.LOCK_MINUTES + 1)
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="10.9.9.9").user == user

    @pytest.mark.parametrize(
        "bad", ["a@b", "x@gov.example,attacker@evil.example", "a/b@c.example", "名前 <a@b.example>"]
    )
    def test_only_one_plain_address_is_accepted(self, session: Session, bad: str) -> None:
        with pytest.raises(InvalidInput):
            service.normalise_email(bad)

    def test_invitation_acceptance_is_audited_under_the_invitation(self, session: Session) -> None:
        admin = create_user(session, Role.SECRETARIAT)
        _, token = service.invite(
            session,
            principal=principal(admin),
            email="new@city.example",
            role=Role.MUNICIPALITY,
            scope="472018",
        )
        user = service.accept_invitation(session, token=token, display_name="新規", password=PASSWORD)
        created = audit_entries(session, "users", str(user.id))[0]
        assert created.actor == "invitation:new@city.example"

    def test_one_address_guessing_many_accounts_is_slowed(self, session: Session) -> None:
        user = create_user(session)
        for i in range(service.MAX_FAILURES_PER_IP):
            service.sign_in(session, email=f"guess{i}@example.jp", password="x", ip="198.51.100.7")
        blocked = service.sign_in(session, email=user.email, password=PASSWORD, ip="198.51.100.7")
        assert blocked.error is not None and blocked.error.status_code == 429
        assert service.sign_in(session, email=user.email, password=PASSWORD, ip="198.51.100.8").user == user


def age_attempts(session: Session, *, minutes: int) -> None:
    """Move every sign-in attempt into the past, as the clock would."""
    for attempt in session.scalars(select(LoginAttempt)):
        attempt.at -= dt.timedelta(minutes=minutes)
    session.flush()
