"""Japanese first, English available: every user-facing string goes through here.

Source strings are Japanese. English translations live in a Babel/gettext catalogue
(``locale/en/LC_MESSAGES/messages.po``), read with Babel at start-up. The current language is held in a
context variable that the web middleware sets per request.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@lru_cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation for ``lang``; Japanese needs none."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy}


def gettext(message: str, **params: object) -> str:
    """Translate ``message`` into the current language and fill ``%(name)s`` parameters."""
    text = catalogue(current_language.get()).get(message, message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    return gettext(singular if n == 1 else plural, n=n, **params)


def pick(ja: str | None, en: str | None) -> str:
    """Choose between a record's Japanese and English field, falling back to Japanese."""
    if current_language.get() == "en" and en:
        return en
    return ja or ""
