"""Statements over many rows at once, each one statement whatever the number of rows.

On PostgreSQL a batch of a few hundred rows goes as COPY (`add_rows`) or as columns of
arrays under `unnest` (`update_rows`, `insert_new_rows`, `any_of`): the statement's text
is the same for every batch size, so PostgreSQL plans it once per connection, and
neither side builds or parses a statement of a thousand placeholders, nor runs one
statement per row (measured: one UPDATE per row cost the database 30 µs a row and the
worker more). SQLite, embedded and small, takes the plain forms.
"""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import ARRAY, ColumnElement, Table, any_, bindparam, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.type_api import TypeEngine

Rows = Sequence[dict[str, Any]]

# Below this many rows an INSERT is as cheap as a COPY.
COPY_FROM = 20


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def any_of(session: Session, column: ColumnElement[Any], values: Sequence[Any]
           ) -> ColumnElement[bool]:
    """`column IN values`, as `= ANY(array)` on PostgreSQL: one statement text for any
    number of values, where IN makes a new one for each length."""
    if not is_postgresql(session):
        return column.in_(list(values))
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


def add_rows(session: Session, table: Table, rows: Rows) -> None:
    """Insert rows that all have the same keys. On PostgreSQL a batch goes through COPY:
    a multi-row INSERT of a few hundred rows costs more to build and parse, on both sides,
    than the rows cost to store."""
    if not is_postgresql(session) or len(rows) < COPY_FROM:
        session.execute(insert(table), list(rows))
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = [table.c[name] for name in rows[0]]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect)
                  for column in columns]
    names = ", ".join(f'"{column.name}"' for column in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'  # names from our own schema
    with (_raised_as_sqlalchemy(statement, session), _driver(session).cursor() as cursor,
          cursor.copy(statement) as copy):
        for row in rows:
            copy.write_row([value if process is None else process(value)
                            for value, process in zip(row.values(), processors,
                                                      strict=True)])


def update_rows(session: Session, table: Table, rows: Rows, *, key: str = "id",
                only: dict[str, Any] | None = None) -> int:
    """Set each row's values on the row of the same `key`; rows that all have the same
    keys. `only`: columns the table's row must have these values in (`{"state": "queued"}`)
    to be changed. Returns the number of rows changed."""
    if not rows:
        return 0
    names = [name for name in rows[0] if name != key]
    only = only or {}
    if not is_postgresql(session):
        statement = update(table).where(table.c[key] == bindparam(f"b_{key}"), *(
            table.c[name] == value for name, value in only.items())).values(
            {name: bindparam(f"b_{name}") for name in names})
        result = session.execute(statement, [{f"b_{k}": v for k, v in row.items()}
                                             for row in rows])
        return int(getattr(result, "rowcount", 0) or 0)
    arrays, casts = _columns_as_arrays(session, table, [key, *names], rows)
    sets = ", ".join(f'"{name}" = v."{name}"' for name in names)
    condition = " AND ".join([f't."{key}" = v."{key}"',
                              *(f't."{name}" = %s' for name in only)])
    statement = (f'UPDATE "{table.name}" AS t SET {sets} FROM {_unnest(casts, [key, *names])}'
                 f" WHERE {condition}")
    with _raised_as_sqlalchemy(statement, session), _driver(session).cursor() as cursor:
        cursor.execute(statement.encode(), [*arrays, *only.values()])
        return int(cursor.rowcount)


def insert_new_rows(session: Session, table: Table, rows: Rows, *,
                    unique: Sequence[str], returning: Sequence[str]) -> list[tuple[Any, ...]]:
    """Insert the rows whose `unique` columns are not taken yet; returns the `returning`
    columns of those actually inserted."""
    if not rows:
        return []
    names = list(rows[0])
    if not is_postgresql(session):
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).on_conflict_do_nothing(
            index_elements=list(unique)).returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in session.execute(statement, list(rows))]
    arrays, casts = _columns_as_arrays(session, table, names, rows)
    columns = ", ".join(f'"{name}"' for name in names)
    statement = (f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM '
                 f'{_unnest(casts, names)} ON CONFLICT ({", ".join(unique)}) DO NOTHING '
                 f'RETURNING {", ".join(returning)}')
    with _raised_as_sqlalchemy(statement, session), _driver(session).cursor() as cursor:
        cursor.execute(statement.encode(), arrays)
        return [tuple(row) for row in cursor.fetchall()]


def _unnest(casts: list[str], names: list[str]) -> str:
    arrays = ", ".join(f"CAST(%b AS {cast}[])" for cast in casts)
    columns = ", ".join(f'"{name}"' for name in names)
    return f"unnest({arrays}) AS v({columns})"


def _columns_as_arrays(session: Session, table: Table, names: list[str], rows: Rows
                       ) -> tuple[list[list[Any]], list[str]]:
    """The rows as one list per column, each value as its column's type binds it, and the
    PostgreSQL type of each column's array."""
    dialect = session.get_bind().dialect
    arrays, casts = [], []
    for name in names:
        column = table.c[name]
        values = [row[name] for row in rows]
        if _is_json(column.type):
            arrays.append([None if v is None else json.dumps(v) for v in values])
            casts.append("jsonb")
            continue
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        arrays.append(values if process is None else [process(v) for v in values])
        casts.append(column.type.compile(dialect=postgresql.dialect()))
    return arrays, casts


def _is_json(type_: TypeEngine[Any]) -> bool:
    from sqlalchemy import JSON

    impl = type_.dialect_impl(postgresql.dialect())
    return isinstance(impl, JSON)


def _driver(session: Session) -> psycopg.Connection[Any]:
    driver = session.connection().connection.driver_connection
    assert driver is not None, "a live psycopg connection"
    return driver  # type: ignore[no-any-return]


@contextmanager
def _raised_as_sqlalchemy(statement: str, session: Session) -> Iterator[None]:
    """A driver error raised as SQLAlchemy raises a failed statement (IntegrityError for
    a duplicate open case, ...), so callers handle both paths alike; parameters hidden."""
    try:
        yield
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error,
                                  hide_parameters=True,
                                  dialect=session.get_bind().dialect) from error
