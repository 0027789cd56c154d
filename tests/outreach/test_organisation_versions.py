"""Organisation edits carry the version they were based on (issue 12, finding 6: two edits from one read
both succeeded and the first was lost). The second save from the same read is a 409 with the stored values,
through the service, the API and the page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.core.errors import Conflict, NotFound
from chiiki_iot.outreach import service
from chiiki_iot.outreach.service import OrganisationInput
from tests.accounts.factories import create_user, principal
from tests.accounts.test_auth import make_user, sign_in, token_for


def _lab(name: str = "四国IoTラボ") -> OrganisationInput:
    return OrganisationInput(slug="shikoku-iot-lab", name_ja=name, kind="npo", block="shikoku")


class TestService:
    def test_two_edits_from_one_read_the_second_is_refused_and_the_first_kept(self, session: Session) -> None:
        bureau = principal(create_user(session, Role.BUREAU, "shikoku"))
        created = service.save_organisation(session, principal=bureau, data=_lab())
        read = created.version
        service.save_organisation(session, principal=bureau, data=_lab("最初の変更"), expected_version=read)
        with pytest.raises(Conflict) as refused:
            service.save_organisation(
                session, principal=bureau, data=_lab("二番目の変更"), expected_version=read
            )
        current = refused.value.extra["current"]
        assert current["name_ja"] == "最初の変更" and current["version"] == read + 1
        assert service.get_organisation(session, "shikoku-iot-lab").name_ja == "最初の変更"

    def test_an_existing_slug_without_a_version_is_not_overwritten(self, session: Session) -> None:
        bureau = principal(create_user(session, Role.BUREAU, "shikoku"))
        service.save_organisation(session, principal=bureau, data=_lab())
        with pytest.raises(Conflict):
            service.save_organisation(session, principal=bureau, data=_lab("上書き"))
        with pytest.raises(NotFound):  # a version for an organisation that does not exist
            service.save_organisation(
                session,
                principal=bureau,
                data=OrganisationInput("shikoku-new", "新", "npo", block="shikoku"),
                expected_version=1,
            )
        assert service.get_organisation(session, "shikoku-iot-lab").name_ja == "四国IoTラボ"


class TestApi:
    def test_put_with_the_version_read_then_a_stale_put_is_409_with_current_values(
        self, client: TestClient
    ) -> None:
        headers = {"Authorization": f"Bearer {token_for(make_user(Role.BUREAU, 'shikoku'))}"}
        body = {"slug": "shikoku-api-lab", "name_ja": "四国APIラボ", "kind": "npo", "block": "shikoku"}
        url = "/api/v1/outreach/organisations/shikoku-api-lab"
        created = client.put(url, headers=headers, json=body)
        assert created.status_code == 200 and created.json()["version"] == 1
        first = client.put(url, headers=headers, json={**body, "name_ja": "第一", "version": 1})
        assert first.status_code == 200 and first.json()["version"] == 2
        second = client.put(url, headers=headers, json={**body, "name_ja": "第二", "version": 1})
        assert second.status_code == 409
        problem = second.json()
        assert problem["current"]["name_ja"] == "第一" and problem["current"]["version"] == 2
        assert "changed this organisation" in problem["detail_en"]
        blind = client.put(url, headers=headers, json={**body, "name_ja": "版なし"})
        assert blind.status_code == 409
        listed = {o["slug"]: o for o in client.get("/api/v1/outreach/organisations").json()}
        assert listed["shikoku-api-lab"]["name_ja"] == "第一"


class TestPage:
    def test_the_edit_form_carries_the_version_and_a_stale_save_is_409(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.BUREAU, "shikoku"))
        token = client.cookies.get("chiiki_csrf")
        fields = {"csrf_token": token, "slug": "shikoku-form-lab", "name_ja": "四国フォーム", "kind": "npo"}
        fields["block"] = "shikoku"
        assert client.post("/outreach/organisations", data=fields, follow_redirects=False).status_code == 303
        form = client.get("/outreach/organisations", params={"edit": "shikoku-form-lab"})
        assert 'href="/outreach/organisations?edit=shikoku-form-lab#edit"' in form.text
        version = re.search(r'name="version" value="(\d+)"', form.text)
        assert version is not None and 'value="四国フォーム"' in form.text
        read = {**fields, "version": version.group(1)}
        assert (
            client.post(
                "/outreach/organisations", data={**read, "name_ja": "甲"}, follow_redirects=False
            ).status_code
            == 303
        )
        stale = client.post("/outreach/organisations", data={**read, "name_ja": "乙"})
        assert (
            stale.status_code == 409 and "他の人が更新しました" in stale.text and 'value="乙"' in stale.text
        )
        blank = client.post("/outreach/organisations", data={**fields, "name_ja": "丙"})
        assert blank.status_code == 409 and "既にあります" in blank.text
        assert "甲" in client.get("/outreach/organisations").text
        assert client.get("/outreach/organisations", params={"edit": "no-such-org"}).status_code == 404
