"""Jinja2 set-up: one environment that finds every domain's templates, with i18n and Japanese filters.

Templates run with ``StrictUndefined`` so that a missing variable is an error in tests, not a blank on
the page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chiiki_iot.core import i18n
from chiiki_iot.core.fiscal import FiscalYear, format_date, revision_label, wareki
from chiiki_iot.core.settings import get_settings
from chiiki_iot.web.csrf import ensure_csrf_cookie

LAYOUT_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _number(value: float | int | None, digits: int = 1) -> str:
    """A figure for people: thousands separated, at most ``digits`` decimals (0 for things counted whole)."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer() and digits:
        return f"{value:,.{digits}f}"
    return f"{round(value):,}"


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    day = value.date() if isinstance(value, dt.datetime) else value
    return format_date(day, i18n.current_language.get())


def _fiscal_year(year: int) -> str:
    return FiscalYear(year).label(i18n.current_language.get())


def _revision(year_month: str) -> str:
    return revision_label(year_month, i18n.current_language.get())


def _safe_href(value: str | None) -> str:
    """An address only if it is http(s): stored rows from before a check existed never become a script link."""
    text = (value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


def _json_ja(value: object) -> str:
    """JSON with Japanese left readable (audit before/after values)."""
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(LAYOUT_TEMPLATES))]),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=_number,
        date=_date,
        wareki=wareki,
        fiscal_year=_fiscal_year,
        revision=_revision,
        json_ja=_json_ja,
        safe_href=_safe_href,
    )
    env.globals.update(pick=i18n.pick)
    return env


ENV = build_environment()


def add_templates(folder: Path, template_globals: Mapping[str, Any] | None = None) -> None:
    """Let the one environment find a domain's templates (``<folder>/<domain>/...``) and the names they use.

    The assembly calls this for each domain it mounts, so this floor never names a domain. Idempotent.
    """
    loaders = ENV.loader.loaders  # type: ignore[union-attr]
    if not any(str(folder) in getattr(loader, "searchpath", ()) for loader in loaders):
        loaders.append(FileSystemLoader(str(folder)))
    ENV.globals.update(template_globals or {})


def template_folders() -> list[Path]:
    """Every folder the environment searches, layout first (for the template meta-test)."""
    return [Path(p) for loader in ENV.loader.loaders for p in loader.searchpath]  # type: ignore[union-attr]


def url_with(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


rendering_for_everyone: ContextVar[bool] = ContextVar("rendering_for_everyone", default=False)
"""Set while a page is rendered to be kept and shown to anyone (``web.page_cache``): it is rendered as for a
visitor not signed in, and a signed-in visitor's own header is put in when it is served (``account_box``)."""

ACCOUNT_BOX = re.compile(r"<!--account-box-->.*?<!--/account-box-->", re.DOTALL)
"""The visitor's own part of every page (``layout.html``): their name and sign-out, or the sign-in link."""


def _common(request: Request) -> dict[str, Any]:
    """What every template is given about the request and its visitor."""
    return {
        "request": request,
        "lang": i18n.current_language.get(),
        "url_with": lambda **c: url_with(request, **c),
        "csrf_token": ensure_csrf_cookie(request),
        "user": None if rendering_for_everyone.get() else getattr(request.state, "user", None),
        "demo_mode": get_settings().demo_mode,
    }


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(template).render(**_common(request), **context)
    return HTMLResponse(html, status_code=status_code)


def with_own_account_box(request: Request, page: bytes) -> bytes:
    """A page kept for everyone, with this visitor's own header in place of the one it was kept with."""
    own = "<!--account-box-->" + ENV.get_template("_account_box.html").render(**_common(request))
    return ACCOUNT_BOX.sub(lambda _: own + "<!--/account-box-->", page.decode(), count=1).encode()
