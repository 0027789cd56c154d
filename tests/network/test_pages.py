"""The network on the national dashboard and in the open-data catalogue, through the app."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.network import hub
from tests.accounts.factories import create_user, principal


def _needs_posted(html: str) -> int:
    found = re.search(r"投稿された課題</dt><dd>([\d,]+)</dd>", html)
    assert found, "the dashboard shows no matching figures"
    return int(found[1].replace(",", ""))


def test_the_dashboard_counts_a_new_need_at_once(session: Session, client: TestClient) -> None:
    before = _needs_posted(client.get("/dashboard").text)
    city = principal(create_user(session, Role.MUNICIPALITY, "011002"))
    hub.post_need(
        session,
        principal=city,
        data=hub.NeedInput(body_code="011002", title="見守り", description="高齢者の見守り"),
    )
    session.commit()
    # The page is kept in memory by its version; a new need raises the network's part of that version.
    assert _needs_posted(client.get("/dashboard").text) == before + 1


def test_the_catalogue_lists_the_network_and_its_links_answer(client: TestClient) -> None:
    datasets = {d["dct:identifier"]: d for d in client.get("/api/v1/catalog").json()["dcat:dataset"]}
    for ident in ("network-members", "network-needs", "network-solutions"):
        assert datasets[ident]["dcat:landingPage"].endswith(f"/network/{ident.split('-', 1)[1]}")
        for distribution in datasets[ident]["dcat:distribution"]:
            got = client.get(distribution["dcat:accessURL"].split("8000", 1)[1])
            assert got.status_code == 200 and got.headers["content-type"].startswith(
                distribution["dcat:mediaType"]
            )
