"""The SQL the planner and the writer share: statements on Django's connection, and many rows
written at once."""

from django.db import connection


def execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def insert(into: str, columns: list[str], values: list[tuple], suffix: str = "") -> None:
    """INSERT INTO `into` (columns) the rows `values` with one prepared statement; `suffix`
    ends it, e.g. "ON CONFLICT DO NOTHING" (SQLite 3.24+, PostgreSQL 9.5+)."""
    if values:
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {into} ({', '.join(columns)}) VALUES ({placeholders}) {suffix}",
                values,
            )
