"""Prefecture maps with remote islands keep the main area readable: 東京都's 伊豆諸島・小笠原 go into an
inset at their own scale, so the mainland municipalities fill the drawing instead of a corner."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.registry import maps, service
from chiiki_iot.registry.importers import apply_boundary_import, plan_boundary_import

TOKYO_ISLANDS = {
    "大島町",
    "利島村",
    "新島村",
    "神津島村",
    "三宅村",
    "御蔵島村",
    "八丈町",
    "青ヶ島村",
    "小笠原村",
}
OPERATOR = Principal(actor="test-operator", grants=(Grant(Role.SECRETARIAT),), via="cli")
POINT = re.compile(r'aria-label="[^"]*code: (\d{6})"[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"')


def _mainland_share(svg: str, island_codes: set[str]) -> tuple[float, float]:
    """How much of the drawing's width and height the mainland points span."""
    width, height = (
        float(v) for v in re.search(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)"', svg).groups()
    )
    points = [(float(x), float(y)) for code, x, y in POINT.findall(svg) if code not in island_codes]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (max(xs) - min(xs)) / width, (max(ys) - min(ys)) / height


def _island_codes(session: Session) -> set[str]:
    return {
        row.body.code
        for row in service.municipalities_of(session, "130001")
        if row.body.name in TOKYO_ISLANDS
    }


class TestWhichBodiesAreRemote:
    def test_tokyo_islands_are_remote(self, session: Session) -> None:
        assert set(maps.remote_bodies(session, service.get_body(session, "130001"))) == TOKYO_ISLANDS

    @pytest.mark.parametrize(
        "code", ["320005", "420000", "010006", "280003"]
    )  # 島根 (隠岐), 長崎, 北海道, 兵庫
    def test_near_islands_stay_on_the_main_map(self, session: Session, code: str) -> None:
        assert maps.remote_bodies(session, service.get_body(session, code)) == []

    def test_okinawa_splits_off_sakishima_and_daito(self, session: Session) -> None:
        remote = set(maps.remote_bodies(session, service.get_body(session, "470007")))
        assert {"石垣市", "宮古島市", "与那国町", "南大東村"} <= remote and "那覇市" not in remote


class TestTokyoMapIsReadable:
    def test_points_only(self, session: Session) -> None:
        svg = maps.map_svg(session, prefecture=service.get_body(session, "130001"), lang="ja")
        wide, _ = _mainland_share(svg, _island_codes(session))
        assert wide > 0.4, f"mainland spans only {wide:.0%} of the map's width"
        assert "島しょ部（縮尺は異なります）" in svg and all(c in svg for c in _island_codes(session))

    @pytest.mark.slow
    def test_with_municipality_shapes(self, session: Session, shared_data: Path) -> None:
        path = shared_data / "boundaries" / "municipalities.topojson"
        apply_boundary_import(
            session,
            plan_boundary_import(session, data=path.read_bytes(), file_name=path.name),
            principal=OPERATOR,
        )
        svg = maps.map_svg(session, prefecture=service.get_body(session, "130001"), lang="en")
        wide, _ = _mainland_share(svg, _island_codes(session))
        assert wide > 0.4 and "Outlying islands (different scale)" in svg


class TestPrefecturePageSaysSo:
    def test_note_under_the_map(self, client: TestClient) -> None:
        page = client.get("/bodies/130001")
        assert "離れた島の 9 団体" in page.text and "小笠原村" in page.text.split("<figcaption")[1]

    def test_no_note_without_islands(self, client: TestClient) -> None:
        assert "離れた島の" not in client.get("/bodies/090000").text
