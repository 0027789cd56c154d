"""Reading users' files: the encoding is detected and named; blank trailing rows are ignored."""

import pytest

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.files import decode_bytes, read_csv


class TestEncodings:
    def test_shift_jis_is_read_and_named(self) -> None:
        decoded = decode_bytes("団体コード,人口\n".encode("cp932"), name="x.csv")
        assert decoded.text.startswith("団体コード")
        assert decoded.encoding_label == "Shift_JIS (cp932)"

    def test_utf8_bom_is_stripped(self) -> None:
        table = read_csv("\ufeffcode,人口\n011002,1\n".encode("utf-8"), name="x.csv")
        assert table.header == ["code", "人口"]
        assert table.encoding_label == "UTF-8 (BOM付き)"

    def test_trailing_blank_rows_are_dropped_and_lines_kept(self) -> None:
        table = read_csv(b"code,pop\n011002,1\n\n012025,2\n,\n\n", name="x.csv")
        assert [n for n, _ in table.rows] == [2, 4]

    def test_empty_file_is_refused_in_both_languages(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            read_csv(b"\n\n", name="empty.csv")
        assert "データがありません" in exc.value.message_ja
        assert "no data" in exc.value.message_en


def test_a_csv_download_named_in_japanese_keeps_its_name_and_valid_headers() -> None:
    from chiiki_iot.web.tables import csv_response

    response = csv_response([{"a": 1}], columns=["a"], filename="進捗-東京都\U000d55e7.csv")
    disposition = response.headers["content-disposition"]
    assert 'filename="-.csv"' in disposition and "filename*=UTF-8''%E9%80%B2%E6%8D%97" in disposition
