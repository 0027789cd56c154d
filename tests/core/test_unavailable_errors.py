"""Only "busy or unreachable" database errors become 503: a fault in our own SQL stays a 500, so a bug is
never dressed up as a moment's congestion. Real errors from the real database, on both."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session

from chiiki_iot.core.db import is_unavailable


def _error_of(session: Session, sql: str) -> sa_exc.DBAPIError:
    with pytest.raises(sa_exc.DBAPIError) as raised, session.begin_nested():
        session.execute(text(sql))
    return raised.value


class TestIsUnavailable:
    def test_missing_table_is_our_fault(self, session: Session) -> None:
        assert not is_unavailable(_error_of(session, "SELECT * FROM no_such_table"))

    def test_constraint_violation_is_our_fault(self, session: Session) -> None:
        error = _error_of(session, "INSERT INTO blocks (slug) VALUES (NULL)")
        assert isinstance(error, sa_exc.IntegrityError) and not is_unavailable(error)

    def test_pool_timeout_and_other_exceptions(self) -> None:
        assert is_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))
        assert not is_unavailable(ValueError("not a database error"))
