"""The revised roadmap (2017-05) as transcribed from the seed: fields, models, plans and KPIs.

The numbers pinned here are exactly those the seed prints.
"""

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.roadmap import service
from chiiki_iot.roadmap.datafile import ROADMAP_FISCAL_YEARS, shipped_revisions


def kpi(session: Session, slug: str):  # type: ignore[no-untyped-def]
    return next(k for k in service.list_kpis(session) if k.slug == slug)


def kpi_named(session: Session, text: str):  # type: ignore[no-untyped-def]
    found = [k for k in service.list_kpis(session) if text in k.name_ja]
    assert len(found) == 1, [k.name_ja for k in found]
    return found[0]


class TestStructure:
    def test_the_shipped_file_is_the_may_2017_revision(self) -> None:
        revisions = shipped_revisions()
        assert [r.slug for r in revisions] == ["2017-05"]
        assert revisions[0].supersedes == "2016-12"

    def test_ten_fields_in_the_seed_order(self, session: Session) -> None:
        names = [f.name_ja for f in service.get_revision(session).fields]
        assert names == [
            "教育",
            "医療・介護・健康",
            "働き方",
            "防災",
            "農林水産業",
            "地域ビジネス",
            "観光",
            "官民協働サービス",
            "スマートシティ",
            "IoT基盤",
        ]

    def test_every_model_the_seed_names(self, session: Session) -> None:
        names = {m.name_ja for m in service.list_models(session)}
        for expected in [
            "教育クラウド・プラットフォーム",
            "プログラミング教育",
            "医療情報連携ネットワーク(EHR)",
            "医療・介護・健康データ利活用モデル(PHR)",
            "テレワーク",
            "Lアラート",
            "G空間防災システム",
            "スマート農業・林業・漁業モデル",
            "地域ビジネス活性化モデル",
            "マイキープラットフォーム",
            "観光クラウド",
            "おもてなしクラウド",
            "多言語音声翻訳",
            "オープンデータ利活用",
            "ビッグデータ利活用",
            "シェアリングエコノミー",
            "データ利活用型スマートシティ",
            "地域IoT人材の育成・活用",
            "利活用ルール",
            "セキュリティ",
            "テストベッド",
            "Wi-Fi",
            "5G",
        ]:
            assert expected in names
        assert len(names) == 23

    def test_models_in_the_table_have_a_phase_for_each_fiscal_year(self, session: Session) -> None:
        for model in service.list_models(session):
            if model.in_roadmap_table:
                assert [p.fiscal_year for p in model.plans] == list(ROADMAP_FISCAL_YEARS), model.slug
                assert {p.phase for p in model.plans} <= {"実証", "実装"}
                assert all(p.plan_ja for p in model.plans)

    def test_g_spatial_is_in_the_figure_but_not_the_table(self, session: Session) -> None:
        model = service.get_model(session, "g-spatial-disaster-prevention")
        assert not model.in_roadmap_table and model.plans == [] and model.field.name_ja == "防災"

    def test_wi_fi_and_5g_are_separate_models(self, session: Session) -> None:
        wifi, five_g = service.get_model(session, "wi-fi"), service.get_model(session, "5g")
        assert wifi.field.slug == five_g.field.slug == "iot-infrastructure"

    def test_every_model_has_slug_and_english_name(self, session: Session) -> None:
        for model in service.list_models(session):
            assert model.name_en and model.name_en != model.name_ja


class TestKpiNumbers:
    def test_point_municipalities_1303(self, session: Session) -> None:
        k = kpi_named(session, "ポイント導入自治体数")
        assert (k.target_value, k.target_text_ja, k.target_fiscal_year) == (1303, "1,303", 2020)
        assert k.model.slug == "my-key-platform"

    def test_wi_fi_sites_about_30000(self, session: Session) -> None:
        k = next(k for k in service.get_model(session, "wi-fi").kpis if "整備箇所数" in k.name_ja)
        assert (k.target_value, k.target_qualifier) == (30000, "approximately")
        assert "約3万" in k.target_text_ja

    def test_phr_80_operators_and_300000_users(self, session: Session) -> None:
        values = {k.name_ja: k.target_value for k in service.get_model(session, "phr").kpis}
        assert sorted(values.values()) == [80, 300000]

    def test_telework_companies_three_times_a_baseline(self, session: Session) -> None:
        k = kpi_named(session, "テレワーク導入企業数")
        assert (k.target_kind, k.target_value) == ("multiple", 3)
        assert k.baseline is not None and k.baseline["description_ja"]

    def test_teleworkers_at_least_ten_percent(self, session: Session) -> None:
        k = kpi_named(session, "テレワーカー")
        assert (k.target_kind, k.target_value, k.target_qualifier) == ("share", 10, "at_least")

    def test_open_data_1000_with_its_footnote(self, session: Session) -> None:
        k = kpi_named(session, "オープンデータに取り組")
        assert k.target_value == 1000
        assert any("官民データ活用推進基本計画" in note for note in k.footnotes_ja)

    def test_l_alert_all_prefectures(self, session: Session) -> None:
        values = {k.target_value for k in service.get_model(session, "l-alert").kpis}
        assert {47, 1000, 15} <= values

    @pytest.mark.parametrize(
        ("model", "value"),
        [
            ("smart-agriculture", 300),
            ("tourism-cloud", 150),
            ("multilingual-translation", 100),
            ("sharing-economy", 100),
            ("big-data", 300),
            ("smart-city", 20),
        ],
    )
    def test_single_number_targets(self, session: Session, model: str, value: float) -> None:
        assert [k.target_value for k in service.get_model(session, model).kpis] == [value]

    def test_iot_infrastructure_rows_are_unshifted(self, session: Session) -> None:
        rules = {k.target_value for k in service.get_model(session, "utilisation-rules").kpis}
        testbed = {k.target_value for k in service.get_model(session, "testbed").kpis}
        security = [k.target_text_ja for k in service.get_model(session, "security").kpis]
        assert rules == {20, 50} and testbed == {10, 100}
        assert any("3,000" in t for t in security)
        assert [k.target_kind for k in service.get_model(session, "5g").kpis] == ["qualitative"]

    def test_every_kpi_has_unit_what_it_counts_and_a_target_year(self, session: Session) -> None:
        kpis = service.list_kpis(session)
        assert len(kpis) == 33  # every 達成すべき指標 of the seed's table, after un-shifting the IoT基盤 rows
        assert sum(1 for m in service.list_models(session) if m.kpis) == 22  # all but G空間防災システム
        for k in kpis:
            assert k.counts and k.target_fiscal_year >= 2017 and k.target_text_ja
            assert k.unit_ja or k.target_kind == "qualitative"
