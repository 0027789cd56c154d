"""Population and boundary imports: preview, then all or nothing; bad input is named and changes nothing."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.registry import service
from chiiki_iot.registry.importers import (
    apply_boundary_import,
    apply_population_import,
    plan_boundary_import,
    plan_population_import,
)
from chiiki_iot.registry.models import BoundaryLayer, PopulationFigure

OPERATOR = Principal(actor="test-operator", grants=(Grant(Role.SECRETARIAT),), via="cli")


def population_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PopulationFigure)) or 0


def plan(session: Session, text: str, *, encoding: str = "utf-8", **kwargs):  # type: ignore[no-untyped-def]
    return plan_population_import(session, data=text.encode(encoding), file_name="upload.csv", **kwargs)


class TestPopulationImport:
    def test_juki_table_imports_all_1741(self, session: Session, shared_data: Path) -> None:
        path = shared_data / "registry" / "population_juki_20220101_by_municipality.csv"
        p = plan_population_import(session, data=path.read_bytes(), file_name=path.name)
        assert (len(p.rows), p.code_column, p.population_column) == (1741, "lgcode", "population_juki")
        apply_population_import(session, p, principal=OPERATOR)
        sapporo = service.get_body(session, "011002")
        assert service.population_history(session, sapporo.code)[-1].population == 1960668
        again = plan_population_import(session, data=path.read_bytes(), file_name=path.name)
        assert (again.new_count, again.unchanged_count) == (0, 1741)

    def test_census_table_with_2015_codes_is_refused_then_imported_by_current_code(
        self, session: Session, shared_data: Path
    ) -> None:
        path = shared_data / "registry" / "ssdse2018_population2015_area_by_municipality.csv"
        kwargs = {
            "data": path.read_bytes(),
            "file_name": path.name,
            "as_of": dt.date(2015, 10, 1),
            "population_column": "population_census2015",
        }
        with pytest.raises(InvalidInput) as exc:
            plan_population_import(session, **kwargs)  # 那珂川町 403059 became 那珂川市 402311 in 2018
        assert [p.message_ja for p in exc.value.problems] == ["団体コード 403059 は登録されていない団体です"]
        p = plan_population_import(session, code_column="lgcode_current", **kwargs)
        assert len(p.rows) == 1741 and p.rows[0].population == 1952356

    def test_shift_jis_is_accepted_and_named(self, session: Session) -> None:
        p = plan(
            session,
            "団体コード,人口,基準日\n011002,1960668,2022-01-01\n０１２０２５,２４８，１０６,2022-01-01\n",
            encoding="cp932",
        )
        assert p.encoding_label == "Shift_JIS (cp932)"
        assert [r.population for r in p.rows] == [1960668, 248106]

    def test_five_digit_codes_are_accepted(self, session: Session) -> None:
        p = plan(session, "code5,population\n01100,1\n", as_of=dt.date(2020, 1, 1))
        assert p.rows[0].body_code == "011002"

    @pytest.mark.parametrize(
        ("content", "ja", "en"),
        [
            (
                "lgcode,population,as_of\n011003,5,2022-01-01\n",
                "検査数字が正しくありません",
                "wrong check digit",
            ),
            ("lgcode,population,as_of\n999997,5,2022-01-01\n", "登録されていない団体", "not a registered"),
            ("lgcode,population,as_of\n011002,many,2022-01-01\n", "整数ではありません", "not a whole number"),
            ("lgcode,population,as_of\n011002,5,2022-01-01\n011002,6,2022-01-01\n", "重複", "twice"),
        ],
    )
    def test_bad_rows_refuse_the_whole_file(self, session: Session, content: str, ja: str, en: str) -> None:
        before = population_count(session)
        good_row = "012025,248106,2022-01-01\n"
        with pytest.raises(InvalidInput) as exc:
            plan(session, content + good_row)
        error = exc.value
        assert "取り込みませんでした" in error.message_ja and "nothing was imported" in error.message_en
        assert ja in error.problems[0].message_ja and en in error.problems[0].message_en
        assert "行目" in error.problems[0].location and "row" in error.problems[0].location
        assert population_count(session) == before

    def test_missing_population_column_lists_the_columns(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as exc:
            plan(session, "lgcode,name\n011002,札幌市\n")
        assert "人口の列が見つかりません" in exc.value.message_ja
        assert "lgcode, name" in exc.value.message_en

    def test_missing_date_asks_for_as_of(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as exc:
            plan(session, "lgcode,population\n011002,5\n")
        assert "--as-of" in exc.value.message_en

    def test_undecodable_bytes_are_refused(self, session: Session) -> None:
        with pytest.raises(InvalidInput):
            plan_population_import(
                session, data=bytes([0x81, 0x20, 0xFF, 0xFE, 0x00]) * 50, file_name="bin.csv"
            )


class TestBoundaryImport:
    def test_prefecture_shapes_link_all_47(self, session: Session, shared_data: Path) -> None:
        path = shared_data / "boundaries" / "prefectures.topojson"
        p = plan_boundary_import(session, data=path.read_bytes(), file_name=path.name)
        assert (p.level, p.feature_count, len(p.codes), p.missing) == ("prefecture", 47, 47, [])
        apply_boundary_import(session, p, principal=OPERATOR)
        assert session.get(BoundaryLayer, "prefecture").feature_count == 47

    def test_municipality_shapes_link_1741_and_name_the_rest(
        self, session: Session, shared_data: Path
    ) -> None:
        path = shared_data / "boundaries" / "municipalities.topojson"
        p = plan_boundary_import(session, data=path.read_bytes(), file_name=path.name)
        assert (p.level, p.feature_count, len(p.codes), p.missing) == ("municipality", 1751, 1741, [])
        assert sum("北方領土" in u for u in p.unlinked) == 6
        assert sum("所属未定地" in u for u in p.unlinked) == 4

    def test_ward_shapes_older_than_the_registry_are_refused(
        self, session: Session, shared_data: Path
    ) -> None:
        path = shared_data / "boundaries" / "municipalities_with_wards.topojson"
        with pytest.raises(InvalidInput) as exc:
            plan_boundary_import(session, data=path.read_bytes(), file_name=path.name)
        assert any("221368" in p.message_ja for p in exc.value.problems)  # 浜松市浜北区, gone since 2024
        assert session.get(BoundaryLayer, "ward") is None

    @pytest.mark.slow
    def test_current_ward_level_file_is_the_municipality_layer(
        self, session: Session, shared_data: Path
    ) -> None:
        """A current N03 file draws designated-city wards separately; it must still draw every prefecture map."""
        import json

        path = shared_data / "boundaries" / "municipalities_with_wards.topojson"
        doc = json.loads(path.read_text(encoding="utf-8"))
        retired = {"221317", "221325", "221333", "221341", "221350", "221368", "221376"}
        name = next(iter(doc["objects"]))
        doc["objects"][name]["geometries"] = [
            g
            for g in doc["objects"][name]["geometries"]
            if str(g["properties"].get("N03_007") or "").zfill(5)[:5] + "?"
            not in {c[:5] + "?" for c in retired}
        ]
        p = plan_boundary_import(session, data=json.dumps(doc).encode(), file_name="wards.topojson")
        assert p.level == "municipality"
        # 浜松市 (its old wards were dropped) and the 8 small islands that the file's simplification removed;
        # every other designated city counts as drawn through its wards.
        assert "221309" in p.missing and "011002" not in p.missing and len(p.missing) == 9
        apply_boundary_import(session, p, principal=OPERATOR)
        assert session.get(BoundaryLayer, "ward") is None
        from chiiki_iot.registry.maps import map_svg

        hokkaido = map_svg(session, prefecture=service.get_body(session, "010006"), lang="ja")
        assert hokkaido.count("<path") > 2 * 179  # 179 points plus the municipality and Sapporo ward shapes

    def test_shift_jis_geojson_error_names_the_encoding(self, session: Session) -> None:
        doc = (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"N03_001": "北海道", "N03_007": "99999"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}'
        )
        with pytest.raises(InvalidInput) as exc:
            plan_boundary_import(session, data=doc.encode("cp932"), file_name="sjis.geojson")
        assert "Shift_JIS" in exc.value.message_ja

    @pytest.mark.parametrize(
        ("content", "en"),
        [
            (b"not json", "not valid JSON"),
            (b'{"type": "Point"}', "neither TopoJSON"),
            (
                b'{"type": "FeatureCollection", "features": [{"properties": {"name": "x"}, '
                b'"geometry": {"type": "Point", "coordinates": [0, 0]}}]}',
                "N03",
            ),
            (b'{"type": "Topology", "objects": {"a": "x"}}', "no 'arcs'"),
            (b'{"type": "Topology", "arcs": [], "objects": {"a": "x"}}', "no features"),
            (b'{"type": "Topology", "arcs": [], "objects": {"a": {"geometries": ["x"]}}}', "malformed"),
            (
                b'{"type": "Topology", "arcs": [], "objects": {"a": {"geometries": [{"type": "Polygon", "arcs": [], '
                b'"properties": ["N03_007"]}]}}}',
                "malformed",
            ),
            (
                b'{"type": "Topology", "arcs": [], "objects": {"a": {"geometries": [{"properties": {"N03_007": "01202"}}]}}}',
                "malformed",
            ),
            (b'{"type": "FeatureCollection", "features": []}', "no features"),
            (
                b'{"type": "Topology", "arcs": [], "objects": {"a": {"geometries": [{"type": "Polygon", "arcs": "bad", '
                b'"properties": {"N03_007": "01202"}}]}}}',
                "malformed",
            ),
            (
                b'{"type": "FeatureCollection", "features": [{"properties": {"N03_007": "01202"}, '
                b'"geometry": {"coordinates": "nonsense"}}]}',
                "malformed",
            ),
        ],
    )
    def test_wrong_files_are_refused(self, session: Session, content: bytes, en: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            plan_boundary_import(session, data=content, file_name="x.json")
        assert en in exc.value.message_en


class TestBoundaryCodesAsFilesWriteThem:
    @staticmethod
    def sapporo_file(code: object) -> bytes:
        import json

        feature = {
            "type": "Feature",
            "properties": {"N03_001": "北海道", "N03_004": "札幌市", "N03_007": code},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[141.3, 43.0], [141.4, 43.0], [141.4, 43.1], [141.3, 43.0]]],
            },
        }
        return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()

    @pytest.mark.parametrize("code", [1100, "1100", "01100", "1100.0", "011002"])
    def test_any_form_of_a_code_is_stored_as_the_map_reads_it(self, session: Session, code: object) -> None:
        import json

        p = plan_boundary_import(session, data=self.sapporo_file(code), file_name="sapporo.geojson")
        assert p.codes == ["011002"]
        assert json.loads(p.geometry)["features"][0]["properties"]["N03_007"] == "01100"

    def test_one_ward_does_not_count_as_its_whole_city(self, session: Session) -> None:
        import json

        doc = json.loads(self.sapporo_file("01101"))  # 札幌市中央区 only
        p = plan_boundary_import(session, data=json.dumps(doc).encode(), file_name="chuo.geojson")
        assert "011002" in p.missing


class TestWhatSpreadsheetsDoToFiles:
    def test_a_code_saved_as_a_float_keeps_its_meaning(self, session: Session) -> None:
        """Excel turns 01100 into 1100.0; that is 札幌市, not 11000 (埼玉県)."""
        p = plan(session, "code,population,as_of\n1100.0,1960668.0,2022-01-01\n")
        assert (p.rows[0].body_code, p.rows[0].population) == ("011002", 1960668)

    def test_several_candidate_population_columns_are_not_guessed(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as exc:
            plan(session, "code,男性人口,女性人口,as_of\n011002,1,2,2022-01-01\n")
        assert "男性人口、女性人口" in exc.value.message_ja and "several possible" in exc.value.message_en
        chosen = plan(
            session, "code,男性人口,女性人口,as_of\n011002,1,2,2022-01-01\n", population_column="女性人口"
        )
        assert chosen.rows[0].population == 2
