"""Uploads are bounded before they are parsed (issue 12, finding 1): a 5 KB workbook with one cell at
XFD1048576 and a zip bomb of hundreds of MB of XML are refused through the real upload route in under a
second, with the limit named in Japanese and English, and without the server's memory growing by more
than 200 MB; a sheet whose declared size lies is read no further than the round's rows allow."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from chiiki_iot.accounts.policy import Role
from chiiki_iot.core import spreadsheets
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.files import read_csv
from chiiki_iot.core.settings import get_settings
from tests.accounts.test_auth import make_user, sign_in

SECONDS = 1.0
PEAK_BYTES = 200 * 1024 * 1024
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def far_corner() -> bytes:
    """One cell at the last row and column Excel allows: about 5 KB, a used range of 17 billion cells."""
    book = Workbook()
    book.active.title = "回答"
    book.active.append(["団体コード", "団体名", "分野別モデル", "モデル識別子", "前回の段階", "今回の段階"])
    book.active["XFD1048576"] = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(rows, *, dimension: bytes | None = b"A1:K2") -> bytes:  # type: ignore[no-untyped-def]
    """A real workbook whose first sheet's XML is replaced by ``rows`` (an iterable of XML chunks), written
    through the zip stream so that hundreds of MB of XML never sit in memory."""
    book = Workbook()
    book.active.title = "回答"
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info.filename))
                continue
            with target.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(b"<worksheet " + NS + b">")
                if dimension:
                    sheet.write(b'<dimension ref="' + dimension + b'"/>')
                sheet.write(b"<sheetData>")
                for chunk in rows:
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def header() -> bytes:
    return (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\x9b\xa3\xe4\xbd\x93\xe3\x82\xb3\xe3\x83\xbc\xe3\x83\x89'
        b'</t></is></c><c r="B1" t="inlineStr"><is><t>\xe4\xbb\x8a\xe5\x9b\x9e\xe3\x81\xae\xe6\xae\xb5\xe9\x9a\x8e'
        b"</t></is></c></row>"
    )  # 団体コード, 今回の段階


def bomb_rows(total: int):  # type: ignore[no-untyped-def]
    """``total`` bytes of identical rows (the same row number: compresses about 1,000:1)."""
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>011002</t></is></c></row>' * 1000
    for _ in range(total // len(row)):
        yield row


def numbered_rows(first: int, last: int):  # type: ignore[no-untyped-def]
    yield header()
    for start in range(first, last + 1, 1000):
        yield b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
            for n in range(start, min(start + 1000, last + 1))
        )


@pytest.fixture
def round_client(client: TestClient) -> TestClient:
    """Signed in as the secretariat, with a round of every model open (the national workbook's size)."""
    sign_in(client, make_user(Role.SECRETARIAT))
    opened = client.post(
        "/survey",
        data={
            "fiscal_year": "2071",
            "deadline": "2072-05-31",
            "force": "true",
            "csrf_token": client.cookies.get("chiiki_csrf"),
        },
    )
    assert opened.status_code in (200, 303), opened.text
    return client


def measured_upload(client: TestClient, data: bytes, *, lang: str = "ja"):  # type: ignore[no-untyped-def]
    """Upload through the route and follow to the preview; returns (response, seconds, peak bytes)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        response = client.post(
            f"/survey/fy2071/uploads?lang={lang}",
            files={"file": ("回答.xlsx", data)},
            data={"csrf_token": client.cookies.get("chiiki_csrf")},
            follow_redirects=True,
        )
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, seconds, peak


class TestHostileWorkbooksAreRefusedUnread:
    def test_the_far_corner_workbook(self, round_client: TestClient) -> None:
        data = far_corner()
        assert len(data) < 10_000
        response, seconds, peak = measured_upload(round_client, data)
        print(f"far corner: {len(data)} bytes, {seconds * 1000:.0f} ms, peak {peak / 1e6:.1f} MB")
        assert response.status_code == 422, response.text[:500]
        assert "「回答.xlsx」の「回答」は 16,384 列あります（200 列まで）" in response.text
        assert seconds < SECONDS and peak < PEAK_BYTES
        english, _, _ = measured_upload(round_client, data, lang="en")
        assert english.status_code == 422 and "has 16,384 columns (at most 200)" in english.text

    def test_a_zip_bomb(self, round_client: TestClient) -> None:
        data = with_sheet(bomb_rows(300 * 1024 * 1024))
        assert len(data) < 2 * 1024 * 1024  # 300 MB of XML in well under 2 MB
        response, seconds, peak = measured_upload(round_client, data)
        print(f"zip bomb: {len(data)} bytes, {seconds * 1000:.0f} ms, peak {peak / 1e6:.1f} MB")
        assert response.status_code == 422, response.text[:500]
        assert "展開すると" in response.text and "64 MB" in response.text
        assert seconds < SECONDS and peak < PEAK_BYTES
        english, _, _ = measured_upload(round_client, data, lang="en")
        assert english.status_code == 422 and "unpacks to" in english.text

    def test_a_tightly_packed_part_within_the_unpacked_limit(self, round_client: TestClient) -> None:
        data = with_sheet(bomb_rows(40 * 1024 * 1024))
        response, seconds, peak = measured_upload(round_client, data)
        assert response.status_code == 422 and "圧縮率が高すぎます" in response.text
        assert seconds < SECONDS and peak < PEAK_BYTES

    def test_a_sheet_without_a_dimension_and_too_many_rows(self, round_client: TestClient) -> None:
        """openpyxl would parse such a sheet whole just to size it: the rows are counted first."""
        data = with_sheet(numbered_rows(2, 60_000), dimension=None)
        response, seconds, peak = measured_upload(round_client, data)
        print(f"no dimension: {len(data)} bytes, {seconds * 1000:.0f} ms, peak {peak / 1e6:.1f} MB")
        assert response.status_code == 422 and "行を超えています" in response.text
        assert seconds < SECONDS and peak < PEAK_BYTES

    def test_a_file_over_the_byte_limit(self, round_client: TestClient) -> None:
        limit = get_settings().upload_max_bytes
        response, _, _ = measured_upload(round_client, b"PK" + b"\0" * limit)
        assert response.status_code == 422 and "アップロードできるのは 10 MB までです" in response.text

    def test_a_sheet_whose_dimension_lies_is_refused_with_its_real_length(
        self, round_client: TestClient
    ) -> None:
        """The sheet says A1:K2 but goes on for more rows than every body × model of the round: it is
        refused with the number of rows it really has (read in the child, within its time and memory)."""
        data = with_sheet(numbered_rows(2, 60_000))
        assert spreadsheets.check_xlsx(data, name="x.xlsx", max_rows=10) == [
            spreadsheets.SheetSize("xl/worksheets/sheet1.xml", 2, 11)
        ]
        started = time.perf_counter()
        response = round_client.post(
            "/survey/fy2071/uploads",
            files={"file": ("回答.xlsx", data)},
            data={"csrf_token": round_client.cookies.get("chiiki_csrf")},
            follow_redirects=True,
        )
        print(f"lying dimension: {len(data)} bytes, {time.perf_counter() - started:.1f} s")
        assert response.status_code == 422, response.text[:500]
        assert "60,000 行あります" in response.text and "has 60,000 rows" in response.text
        assert "Delete the extra rows" in response.text


class TestDeclaredSizes:
    def test_a_sheet_without_a_dimension_has_its_rows_counted(self) -> None:
        data = with_sheet(numbered_rows(2, 5000), dimension=None)
        assert spreadsheets.check_xlsx(data, name="x.xlsx", max_rows=5000) == [
            spreadsheets.SheetSize("xl/worksheets/sheet1.xml", None, None)
        ]
        with pytest.raises(InvalidInput) as refused:
            spreadsheets.check_xlsx(data, name="x.xlsx", max_rows=4999)
        assert "4,999 行を超えています" in refused.value.message_ja

    def test_rows_beyond_the_limit_are_refused_by_the_declared_size(self) -> None:
        with pytest.raises(InvalidInput) as refused:
            spreadsheets.check_xlsx(
                with_sheet(numbered_rows(2, 5), dimension=b"A1:B5"), name="x.xlsx", max_rows=4
            )
        assert "は5 行あります（4 行まで）" in refused.value.message_ja
        assert "has 5 rows (at most 4)" in refused.value.message_en

    def test_not_a_zip(self) -> None:
        with pytest.raises(InvalidInput) as refused:
            spreadsheets.check_xlsx(b"not a workbook", name="x.xlsx")
        assert "cannot be opened as an Excel workbook" in refused.value.message_en


class TestCsvLimits:
    def test_rows_beyond_the_limit_are_refused(self) -> None:
        data = ("code,value\n" + "011002,1\n" * 11).encode()
        assert len(read_csv(data, name="a.csv", max_rows=11).rows) == 11
        with pytest.raises(InvalidInput) as refused:
            read_csv(data, name="a.csv", max_rows=10)
        assert "10 行まで" in refused.value.message_ja and "at most 10" in refused.value.message_en

    def test_a_file_over_the_size_limit_is_refused_before_decoding(self) -> None:
        data = b"a," * (get_settings().upload_max_unpacked_bytes // 2 + 1)
        with pytest.raises(InvalidInput) as refused:
            read_csv(data, name="big.csv")
        assert "CHIIKI_UPLOAD_MAX_UNPACKED_BYTES" in refused.value.message_en
