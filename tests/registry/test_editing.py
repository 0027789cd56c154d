"""Editing a body's details: only the right people, never a lost update, always one audit entry."""

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.audit_recorder import act_as
from chiiki_iot.accounts.models import AuditEntry
from chiiki_iot.accounts.policy import ANONYMOUS, Forbidden, Role, SignInRequired
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.registry import service
from tests.accounts.factories import create_user, principal

# Unique per run: other tests (through the app) may already have saved the plain address.
SAPPORO_URL = f"https://www.city.sapporo.jp/?run={uuid.uuid4().hex[:8]}"


class TestWhoMayEdit:
    def test_a_municipality_edits_its_own_details(self, session: Session) -> None:
        sapporo = principal(create_user(session, Role.MUNICIPALITY, "011002"))
        body = service.get_body(session, "011002")
        service.update_body_details(
            session, principal=sapporo, code="011002", expected_version=body.version, url=SAPPORO_URL
        )
        assert service.get_body(session, "011002").url == SAPPORO_URL

    def test_but_not_another_body(self, session: Session) -> None:
        sapporo = principal(create_user(session, Role.MUNICIPALITY, "011002"))
        naha = service.get_body(session, "472018")
        before = (naha.url, naha.version)
        with pytest.raises(Forbidden):
            service.update_body_details(
                session,
                principal=sapporo,
                code="472018",
                expected_version=naha.version,
                url="https://example.jp/",
            )
        assert (service.get_body(session, "472018").url, naha.version) == before

    def test_anonymous_writes_nothing(self, session: Session) -> None:
        with pytest.raises(SignInRequired):
            service.update_body_details(
                session, principal=ANONYMOUS, code="011002", expected_version=1, url=SAPPORO_URL
            )

    def test_a_prefecture_reviews_only_its_own_municipalities(self, session: Session) -> None:
        hokkaido = principal(create_user(session, Role.PREFECTURE, "01"))
        body = service.get_body(session, "011002")
        reviewed = service.review_body(
            session, principal=hokkaido, code="011002", expected_version=body.version
        )
        assert reviewed.reviewed_by == hokkaido.actor
        with pytest.raises(Forbidden):
            naha = service.get_body(session, "472018")
            service.review_body(session, principal=hokkaido, code="472018", expected_version=naha.version)

    def test_a_bad_address_is_refused_in_both_languages(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        with pytest.raises(InvalidInput) as exc:
            service.update_body_details(
                session,
                principal=admin,
                code="011002",
                expected_version=service.get_body(session, "011002").version,
                url="javascript:alert(1)",
            )
        assert "http" in exc.value.message_ja and "http" in exc.value.message_en


class TestNoLostUpdates:
    def test_two_people_edit_the_same_version_one_is_refused_and_shown_the_other(
        self, session: Session
    ) -> None:
        first = principal(create_user(session, Role.MUNICIPALITY, "011002"))
        second = principal(create_user(session, Role.SECRETARIAT))
        opened = service.get_body(session, "011002").version  # both open the edit form at this version
        service.update_body_details(
            session, principal=first, code="011002", expected_version=opened, url=SAPPORO_URL
        )
        with pytest.raises(Conflict) as exc:
            service.update_body_details(
                session,
                principal=second,
                code="011002",
                expected_version=opened,
                url="https://overwrite.example/",
            )
        assert exc.value.status_code == 409 and exc.value.extra["current"]["url"] == SAPPORO_URL
        assert service.get_body(session, "011002").url == SAPPORO_URL


class TestAuditOfEdits:
    def test_exactly_one_entry_with_before_and_after(self, session: Session) -> None:
        user = create_user(session, Role.MUNICIPALITY, "011002")
        act_as(session, principal(user))
        before_count = len(session.scalars(select(AuditEntry.id)).all())
        body = service.get_body(session, "011002")
        old_url, old_version = body.url, body.version
        service.update_body_details(
            session, principal=principal(user), code="011002", expected_version=old_version, url=SAPPORO_URL
        )
        entries = session.scalars(select(AuditEntry).where(AuditEntry.id > 0).order_by(AuditEntry.id)).all()
        new = entries[before_count:]
        assert len(new) == 1
        entry = new[0]
        assert (entry.action, entry.entity, entry.entity_key, entry.actor) == (
            "update",
            "bodies",
            "011002",
            user.email,
        )
        assert entry.before == {"url": old_url, "version": old_version}
        assert entry.after == {"url": SAPPORO_URL, "version": old_version + 1}
