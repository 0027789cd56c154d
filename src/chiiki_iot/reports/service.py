"""Reports' rules that the site and the ``chiiki-iot report`` commands share."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from chiiki_iot.adoption import survey
from chiiki_iot.core.fiscal import today_in_japan


def report_date(session: Session, *, as_of: dt.date | None = None, round_slug: str = "") -> dt.date:
    """The report's 基準日: a survey round's (so a report matches what that round asked), a given date, or
    today in Japan. A round named but unknown is refused rather than silently replaced by today."""
    if round_slug:
        return survey.get_round(session, round_slug).as_of
    return as_of or today_in_japan()
