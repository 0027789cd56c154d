"""A refused form action: a mistake in what was entered comes back on the form, a refusal of who is asking
goes to the error page (sign in, or why not allowed) instead."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound, UserError
from chiiki_iot.web.forms import form_error
from tests.accounts.test_auth import make_user, sign_in


@pytest.mark.parametrize("kind", [InvalidInput, NotFound, Conflict])
def test_an_entry_mistake_is_handed_back_for_the_form(kind: type[UserError]) -> None:
    error = kind("日本語", "English")
    assert form_error(error) is error


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_of_access_is_raised_on(status: int) -> None:
    error = UserError("日本語", "English")
    error.status_code = status  # as SignInRequired (401) and Forbidden (403) have it
    with pytest.raises(UserError) as raised:
        form_error(error)
    assert raised.value is error


def test_through_a_page(client: TestClient) -> None:
    """The outreach event form: 422 re-renders the form with what was typed; 403 shows the error page."""
    sign_in(client, make_user(Role.BUREAU, "tohoku"))
    data = {
        "csrf_token": client.cookies.get("chiiki_csrf"),
        "held_on": "2027-01-20",
        "title": "フォームの誤りの試験",
        "category": "local",
        "status": "planned",
        "target_prefecture": "050008",
        "attendance": "たくさん",
    }
    mistake = client.post("/outreach/events", data=data)
    assert mistake.status_code == 422 and '<label for="ev-title">' in mistake.text
    assert "フォームの誤りの試験" in mistake.text  # what was typed is kept
    refused = client.post("/outreach/events", data={**data, "attendance": "", "target_prefecture": "130001"})
    assert refused.status_code == 403 and '<label for="ev-title">' not in refused.text
    assert "別の利用者でサインインする" in refused.text
