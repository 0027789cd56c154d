"""Many rows written at once, as each database does it fastest.

A national survey workbook writes 41,124 status changes, as many audit entries and their summary rows.
On PostgreSQL an INSERT of many VALUES lists cost psycopg about 9 µs per bound parameter (400,000 of them:
most of an 8.5 s commit), and one array per column was no better (every element escaped in Python). There
the rows go by COPY, which psycopg formats in C; an upsert copies into a temporary table and inserts from
it. SQLite binds parameters cheaply and takes the plain multi-row INSERT.

Rows written here bypass the ORM, so the data versions of their table are marked here
(``core.data_versions.note_table_write``), as a bulk ORM statement would have been.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, Column, Insert, Table, column, insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from chiiki_iot.core import data_versions

Row = dict[str, Any]


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def table_of(model: type[Any]) -> Table:
    """A mapped class's table (typed as what it is: a Table)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_rows(session: Session, model: type[Any], rows: Sequence[Row], *, ids: bool = False) -> list[int]:
    """Insert ``rows`` of a mapped class in the session's transaction (a column a row leaves out takes its
    default); with ``ids``, return the ids given to them, in order."""
    if not rows:
        return []
    session.flush()  # as an ORM statement would: the rows may refer to objects not yet written
    table = table_of(model)
    data_versions.note_table_write(session, table.name)
    connection = session.connection()
    if not on_postgresql(session):
        if ids:
            returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return list(connection.execute(returning, list(rows)).scalars())
        connection.execute(insert(table), list(rows))
        return []
    given = _new_ids(session, table, len(rows)) if ids else []
    values = [{**row, "id": i} for row, i in zip(rows, given, strict=True)] if ids else rows
    _copy(session, table.name, [c for c in table.columns if _written(c, values[0])], values)
    return given


def _written(col: Column[Any], row: Row) -> bool:
    """Whether COPY names the column: given in the rows, or with a default of ours to fill in; any other
    is left to the database (its server default, or NULL), as an INSERT that leaves it out would."""
    return col.name in row or col.default is not None


def upsert_rows(
    session: Session, model: type[Any], rows: Sequence[Row], conflict: Callable[[Any], Insert]
) -> None:
    """INSERT … ON CONFLICT of ``rows`` on PostgreSQL, ``conflict`` adding the clause to the dialect's
    insert: the rows are copied into a temporary table first and inserted from it in one statement."""
    table = table_of(model)
    data_versions.note_table_write(session, table.name)
    staging = f"_staging_{table.name}"
    connection = session.connection()
    connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE IF NOT EXISTS "{staging}" (LIKE "{table.name}") ON COMMIT DROP'
    )
    connection.exec_driver_sql(f'TRUNCATE "{staging}"')
    columns = list(table.columns)
    _copy(session, staging, columns, rows)
    names: list[Any] = [column(c.name) for c in columns]
    keys: list[Any] = [column(c.name) for c in table.primary_key.columns]
    # in key order: two transactions upserting the same rows lock them in the same order (no deadlock)
    source = select(*names).select_from(text(f'"{staging}"')).order_by(*keys)
    connection.execute(conflict(postgresql.insert(table).from_select([c.name for c in columns], source)))


def _copy(session: Session, table: str, columns: list[Column[Any]], rows: Sequence[Row]) -> None:
    """COPY ``rows`` into ``table`` on the session's connection and transaction."""
    # JSON None is stored as JSON null, as the ORM stores it (``none_as_null`` is off by default)
    fields = [(c.name, _default(c), isinstance(c.type, JSON) and not c.type.none_as_null) for c in columns]
    names = ", ".join(f'"{name}"' for name, _, _ in fields)
    raw = session.connection().connection.driver_connection
    assert raw is not None  # a connection the session holds
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = [row.get(name, fallback) for name, fallback, _ in fields]
            copy.write_row([Json(v) if json else v for v, (_, _, json) in zip(values, fields, strict=True)])


def _default(col: Column[Any]) -> object:
    """What a row that leaves out ``col`` gets: its declared default (as an INSERT would apply it)."""
    default = col.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]
    return default.arg  # type: ignore[attr-defined]


def _new_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` ids from the table's sequence, taken before the rows are written (so they are known
    without RETURNING, in the rows' order)."""
    query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
    return list(session.connection().execute(query, {"table": table.name, "count": count}).scalars())
