"""A new password ends every other way in; reset mails are bounded and never tell who has an account."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.models import PasswordReset
from chiiki_iot.core.settings import get_settings
from tests.accounts.factories import PASSWORD, create_user
from tests.accounts.test_auth import csrf, make_user, sign_in

NEW_PASSWORD = "a-new-and-long-passphrase-2026"


class TestPasswordChange:
    def test_other_sessions_and_tokens_end_this_one_stays(self, session: Session) -> None:
        user = create_user(session)
        here = service.start_session(session, user=user, ip="10.0.0.1")
        elsewhere = service.start_session(session, user=user, ip="10.0.0.2")
        _, secret = service.create_api_token(session, user=user, name="script")
        service.change_password(session, user=user, current=PASSWORD, new=NEW_PASSWORD, keep_session=here)
        assert service.user_of_session(session, here) == user
        assert service.user_of_session(session, elsewhere) is None
        assert service.principal_of_token(session, secret, ip="10.0.0.3") is None

    def test_without_staying_signed_in_the_browser_signs_in_again(self, client: TestClient) -> None:
        sign_in(client, make_user())
        changed = client.post(
            "/account/password",
            data={"current": PASSWORD, "new": NEW_PASSWORD, "csrf_token": client.cookies.get("chiiki_csrf")},
            follow_redirects=False,
        )
        assert changed.status_code == 303 and changed.headers["location"].startswith("/login")
        assert client.get("/account").status_code == 401
        told = client.get(changed.headers["location"]).text
        assert "パスワードを変更しました" in told and "APIトークンは無効" in told


class TestPasswordResetRequests:
    def test_at_most_three_reset_mails_an_hour_for_one_account(self, session: Session) -> None:
        user = create_user(session)
        answers = [service.request_password_reset(session, email=user.email) for _ in range(5)]
        assert [a is not None for a in answers] == [True, True, True, False, False]
        count = select(func.count()).select_from(PasswordReset).where(PasswordReset.user_id == user.id)
        assert session.scalar(count) == 3

    def test_a_mail_server_that_is_down_gives_the_same_page_and_the_mail_is_filed(
        self, client: TestClient, tmp_path: Path
    ) -> None:
        settings = get_settings()
        saved = settings.smtp_host, settings.smtp_port, settings.mail_outbox
        settings.smtp_host, settings.smtp_port, settings.mail_outbox = "127.0.0.1", 9, str(tmp_path)
        try:
            known = make_user()
            pages = [
                client.post("/password/forgot", data={"email": address, "csrf_token": csrf(client)})
                for address in (known, "nobody-at-all@example.jp")
            ]
        finally:
            settings.smtp_host, settings.smtp_port, settings.mail_outbox = saved
        assert [p.status_code for p in pages] == [200, 200] and pages[0].text == pages[1].text
        filed = list(tmp_path.glob("*.eml"))
        assert len(filed) == 1
        mail = email.message_from_bytes(filed[0].read_bytes(), policy=email.policy.default)
        assert "/password/reset/" in mail.get_body().get_content()  # type: ignore[union-attr]
