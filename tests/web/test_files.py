"""Downloads name their file twice: an ASCII ``filename=`` any client can read, and the real (often Japanese)
name in ``filename*=UTF-8''…``. Checked on the helper for every kind the site hands out, then on each
download route of the running app."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from chiiki_iot.accounts.policy import Role
from chiiki_iot.web.files import XLSX, ascii_filename, download_headers, file_response
from tests.accounts.test_auth import make_user, sign_in

BOTH_FORMS = re.compile(r"attachment; filename=\"(?P<plain>[^\"]*)\"; filename\*=UTF-8''(?P<encoded>[^\s;]+)")


def names(disposition: str) -> tuple[str, str]:
    """The ASCII name and the decoded UTF-8 name of a Content-Disposition header; both must be there."""
    match = BOTH_FORMS.fullmatch(disposition)
    assert match, disposition
    plain = match["plain"]
    assert plain.isascii() and plain.isprintable() and plain, plain
    plain.encode("latin-1")  # what an HTTP header value must be
    return plain, unquote(match["encoded"], errors="strict")


@pytest.mark.parametrize(
    ("filename", "media_type", "plain"),
    [
        ("fy2019-北海道札幌市.xlsx", XLSX, "fy2019-.xlsx"),
        ("進捗-東京都.csv", "text/csv; charset=utf-8", "-.csv"),
        ("説明会-東北.ics", "text/calendar; charset=utf-8", "-.ics"),
        ("報告書（令和元年度）.pdf", "application/pdf", "download.pdf"),
        ("地図.svg", "image/svg+xml", "download.svg"),
    ],
)
def test_each_kind_keeps_its_japanese_name_with_an_ascii_fallback(
    filename: str, media_type: str, plain: str
) -> None:
    response = file_response(b"x", filename=filename, media_type=media_type)
    assert names(response.headers["content-disposition"]) == (plain, filename)
    assert response.headers["content-type"].startswith(media_type.split(";")[0])


class TestTheAsciiName:
    def test_quotes_backslashes_and_spaces_cannot_break_out_of_the_quoted_name(self) -> None:
        assert ascii_filename('a"b\\c d\r\n.xlsx') == "abcd.xlsx"

    def test_a_given_fallback_replaces_an_empty_name(self) -> None:
        assert ascii_filename("データ", fallback="data.csv") == "data.csv"
        assert ascii_filename("データ") == "download"
        assert ascii_filename("データ.csv") == "download.csv"  # not the hidden-looking '.csv'

    def test_a_slash_is_percent_encoded_in_the_utf8_form(self) -> None:
        header = download_headers("a/b.csv")["Content-Disposition"]
        assert "filename*=UTF-8''a%2Fb.csv" in header

    def test_inline_when_asked(self) -> None:
        assert download_headers("地図.svg", disposition="inline")["Content-Disposition"].startswith(
            "inline; "
        )


class TestEveryDownloadRoute:
    """Each route that hands out a file, through the app; the survey round is this module's own year."""

    @pytest.mark.slow  # the national workbook of a round on every model: about 25 s
    def test_survey_workbook_and_annotated_errors(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.SECRETARIAT))
        csrf = client.cookies.get("chiiki_csrf")
        opened = client.post(
            "/survey",
            data={"fiscal_year": "2081", "deadline": "2082-05-31", "force": "true", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert opened.status_code == 303, opened.text
        book = client.get("/survey/fy2081/workbook.xlsx", params={"body": "011002"})
        assert book.status_code == 200
        plain, real = names(book.headers["content-disposition"])
        assert real == "fy2081-北海道札幌市.xlsx" and plain == "fy2081-.xlsx"
        national = client.get("/survey/fy2081/workbook.xlsx")
        assert names(national.headers["content-disposition"]) == ("fy2081-.xlsx", "fy2081-全国.xlsx")

        not_a_survey = Workbook()
        not_a_survey.active["A1"] = "団体コード"
        not_a_survey.active["B1"] = "今回の段階"
        not_a_survey.active["A2"] = "011002"
        not_a_survey.active["B2"] = "たぶん"
        data = io.BytesIO()
        not_a_survey.save(data)
        refused = client.post(
            "/survey/fy2081/uploads",
            files={"file": ("回答 札幌.xlsx", data.getvalue())},
            data={"csrf_token": csrf},
            follow_redirects=True,
        )
        assert refused.status_code == 422, refused.text
        errors = client.get(refused.url.path + "/errors.xlsx")
        assert errors.status_code == 200, errors.text
        assert names(errors.headers["content-disposition"]) == ("errors-.xlsx", "errors-回答 札幌.xlsx")

    def test_pdca_workbook(self, client: TestClient) -> None:
        response = client.get(
            "/reports/pdca.xlsx", params={"scope": "prefecture", "key": "20", "as_of": "2020-03-31"}
        )
        assert response.status_code == 200
        assert names(response.headers["content-disposition"]) == (
            "pdca-prefecture-20-2020-03-31.xlsx",
            "pdca-prefecture-20-2020-03-31.xlsx",
        )

    def test_calendar(self, client: TestClient) -> None:
        response = client.get("/api/v1/outreach/calendar.ics", params={"block": "tohoku"})
        assert response.status_code == 200
        assert names(response.headers["content-disposition"]) == ("chiiki-iot-tohoku.ics",) * 2

    def test_csv(self, client: TestClient) -> None:
        response = client.get("/api/v1/blocks", params={"format": "csv"})
        assert response.status_code == 200
        assert names(response.headers["content-disposition"]) == ("blocks.csv", "blocks.csv")
