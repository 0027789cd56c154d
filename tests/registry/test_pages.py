"""Registry pages as a visitor sees them: Japanese first, English on request, errors explained."""

from fastapi.testclient import TestClient


class TestDirectory:
    def test_lists_and_counts(self, client: TestClient) -> None:
        page = client.get("/bodies")
        assert page.status_code == 200 and "該当：1,741 団体" in page.text

    def test_search_by_reading(self, client: TestClient) -> None:
        page = client.get("/bodies", params={"q": "はこだて"})
        assert "該当：1 団体" in page.text and 'href="/bodies/012025"' in page.text

    def test_filters_by_prefecture_and_kind(self, client: TestClient) -> None:
        page = client.get("/bodies", params={"prefecture": "130001", "kind": "特別区"})
        assert "該当：23 団体" in page.text

    def test_a_wrong_check_digit_is_explained_not_just_empty(self, client: TestClient) -> None:
        page = client.get("/bodies", params={"q": "011001"})
        assert "該当：0 団体" in page.text and 'role="alert"' in page.text and "検査数字" in page.text

    def test_data_links_give_the_whole_list_not_one_page(self, client: TestClient) -> None:
        page = client.get("/bodies", params={"prefecture": "130001", "page": "2"})
        json_href = (
            page.text.split('class="data-links"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
        )
        assert "page=" not in json_href
        assert client.get(json_href).json()["total"] == 62 == len(client.get(json_href).json()["items"])

    def test_a_page_past_the_end_does_not_claim_nothing_matched(self, client: TestClient) -> None:
        page = client.get("/bodies", params={"page": "999"})
        assert (
            "このページに表示する団体はありません" in page.text
            and "条件に合う団体はありません" not in page.text
        )

    def test_unknown_kind_is_refused_with_a_message(self, client: TestClient) -> None:
        page = client.get("/bodies", params={"kind": "県"})
        assert page.status_code == 422 and "選択肢にありません" in page.text

    def test_english(self, client: TestClient) -> None:
        page = client.get("/bodies?lang=en")
        assert '<html lang="en">' in page.text and "Municipalities" in page.text


class TestBodyPages:
    def test_municipality(self, client: TestClient) -> None:
        page = client.get("/bodies/011002")
        assert "北海道札幌市" in page.text and "政令指定都市" in page.text and "中央区" in page.text

    def test_five_digit_code_redirects_to_six(self, client: TestClient) -> None:
        response = client.get("/bodies/01100", follow_redirects=False)
        assert response.status_code == 301 and response.headers["location"] == "/bodies/011002"

    def test_prefecture_lists_its_municipalities_and_map(self, client: TestClient) -> None:
        page = client.get("/bodies/470007")
        assert "市区町村（41 団体）" in page.text and "/map.svg?prefecture=470007" in page.text

    def test_bad_code_explains_in_both_languages(self, client: TestClient) -> None:
        page = client.get("/bodies/011003")
        assert page.status_code == 422
        assert "検査数字が正しくありません" in page.text and "wrong check digit" in page.text

    def test_unknown_page_is_a_friendly_404(self, client: TestClient) -> None:
        page = client.get("/no-such-page")
        assert page.status_code == 404 and "見つかりませんでした" in page.text


class TestBlocksAndMap:
    def test_block_page_sums_its_municipalities(self, client: TestClient) -> None:
        page = client.get("/blocks/shinetsu")
        assert "新潟県" in page.text and "長野県" in page.text and ">107<" in page.text  # 30 + 77

    def test_map_svg(self, client: TestClient) -> None:
        response = client.get("/map.svg")
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.text.count("<path") > 1000  # one mark per municipality at least


class TestPrefectures:
    def test_list_of_47_with_their_municipality_counts(self, client: TestClient) -> None:
        page = client.get("/prefectures")
        assert page.status_code == 200 and page.text.count('<th scope="row">') == 47
        assert (
            'href="/bodies/130001"' in page.text and ">62<" in page.text
        )  # 東京都: 23 区 + 26 市 + 5 町 + 8 村

    def test_home_card_for_prefectures_leads_there(self, client: TestClient) -> None:
        assert 'href="/prefectures"' in client.get("/").text

    def test_two_digit_alias_redirects(self, client: TestClient) -> None:
        response = client.get("/prefectures/13", follow_redirects=False)
        assert response.status_code == 301 and response.headers["location"] == "/bodies/130001"

    def test_a_municipality_is_not_a_prefecture_map(self, client: TestClient) -> None:
        response = client.get("/map.svg", params={"prefecture": "011002"})
        assert response.status_code == 422 and "都道府県ではありません" in response.text


class TestHttpBehaviour:
    def test_head_is_answered_like_get_without_a_body(self, client: TestClient) -> None:
        for url in ("/", "/bodies", "/api/v1/prefectures?format=csv"):
            head, get = client.head(url), client.get(url)
            assert head.status_code == 200, url
            assert head.headers["content-type"] == get.headers["content-type"], url
            assert int(head.headers["content-length"]) == len(get.content), url

    def test_charts_are_addressed_per_language(self, client: TestClient) -> None:
        """A chart cached in Japanese must not be shown on the English page."""
        english = client.get("/map?lang=en").text
        assert "/map.svg?lang=en" in english
        assert "/map.svg?lang=ja" in client.get("/map?lang=ja").text
        assert "Cookie" in client.get("/map.svg?lang=en").headers["vary"]

    def test_parameter_errors_are_explained_in_japanese_too(self, client: TestClient) -> None:
        problem = client.get("/api/v1/municipalities", params={"limit": "0"}).json()
        assert problem["errors"][0]["message_ja"] == "1 以上の値を指定してください。"
        assert problem["errors"][0]["location"] == "limit"
        page = client.get("/roadmap/compare")
        assert page.status_code == 422 and "必須の項目です" in page.text


class TestTileMap:
    def test_every_prefecture_has_a_tile_without_any_import(self, client: TestClient) -> None:
        """Prefecture shapes need a boundary import; the tile map shows all 47 on a fresh install."""
        assert "/map/tiles.svg?lang=ja" in client.get("/map").text
        svg = client.get("/map/tiles.svg?lang=ja").text
        for label in ("北海道", "東京", "沖縄", "山梨", "長野"):
            assert f">{label}<" in svg, label
        assert ">Tokyo<" in client.get("/map/tiles.svg?lang=en").text

    def test_labels_contrast_with_their_tile(self) -> None:
        from chiiki_iot.web.charts import label_colour

        assert label_colour("#F0E442") == "#000000" and label_colour("#332288") == "#ffffff"


class TestProblemTypes:
    def test_problem_type_uris_resolve(self, client: TestClient) -> None:
        problem = client.get("/api/v1/bodies/011003").json()
        page = client.get(problem["type"])
        assert page.status_code == 200 and "errors" in page.text
        assert client.get("/problems/no-such-type").status_code == 404

    def test_a_choice_error_lists_the_choices_in_japanese(self, client: TestClient) -> None:
        problem = client.get("/api/v1/prefectures", params={"format": "xml"}).json()
        assert problem["errors"][0]["message_ja"] == "次のいずれかを指定してください：'json'、'csv'"
