"""Text normalisation for Japanese input.

Users type names in 全角 or 半角, in hiragana or katakana, and write 「ヶ」 as 「ケ」 or 「が」.
Comparisons therefore run on a folded *search key*, while the original text is always kept.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import jaconv

from chiiki_iot.core.errors import InvalidInput, Problem

# Small-ke variants that appear in place names (霞ヶ関 / 霞ケ関 / 霞が関) and old/new kanji forms
# that users type interchangeably. Folding maps every variant to one representative.
_VARIANT_FOLDS = str.maketrans(
    {
        "ヶ": "ケ",
        "ヵ": "カ",
        "ゖ": "け",
        "ゕ": "か",
        "ケ": "け",
        "之": "の",
        "龍": "竜",
        "嶋": "島",
        "嶌": "島",
        "﨑": "崎",
        "碕": "崎",
        "澤": "沢",
        "邊": "辺",
        "邉": "辺",
        "檜": "桧",
        "檮": "梼",
        "髙": "高",
        "舘": "館",
        "瀨": "瀬",
        "冨": "富",
        "曾": "曽",
        "條": "条",
        "增": "増",
        "德": "徳",
    }
)

# 「が」 written between two kanji stands for ヶ (霞が関 ≈ 霞ヶ関, 鶴が島 ≈ 鶴ヶ島). Elsewhere it is a real
# が and must not be folded, or 「かけ」 would match every reading with 「かが」 or 「がけ」.
_GA_BETWEEN_KANJI = re.compile(r"(?<=[\u3400-\u9fff])が(?=[\u3400-\u9fff])")


def normalize(text: str) -> str:
    """NFKC-normalise and trim: full-width digits and letters become ASCII, half-width kana full-width."""
    return unicodedata.normalize("NFKC", text).strip()


def search_key(text: str) -> str:
    """Fold text so that spelling variants compare equal.

    NFKC, lower case, katakana → hiragana, ヶ/ケ/が and a few 異体字 folded, spaces removed. The result
    is only for matching; it is never shown.
    """
    folded = jaconv.kata2hira(normalize(text).lower())
    folded = folded.translate(_VARIANT_FOLDS)
    folded = _GA_BETWEEN_KANJI.sub("け", folded)
    folded = jaconv.kata2hira(folded)
    return "".join(folded.split())


def digits_only(text: str) -> str:
    """Keep the ASCII digits of a normalised string ('０１１００２' → '011002')."""
    return "".join(ch for ch in normalize(text) if ch.isdigit())


def clean_url(url: str) -> str | None:
    """A web address we will link to: http(s) only, so that no 'javascript:' ever becomes a link."""
    text = url.strip()
    if not text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = urlsplit("")
    unprintable = any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(text) > 255 or unprintable:
        raise InvalidInput(
            f"ウェブサイトのアドレス「{text}」は http:// または https:// で始まる URL にしてください。",
            f"The web address '{text}' must be an http:// or https:// URL.",
            problems=[Problem("URL の形式が正しくありません", "not a valid URL", "url")],
        )
    return text
