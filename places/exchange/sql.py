"""The SQL the planner and the writer share: statements on Django's connection, and many rows
written at once."""

from django.db import connection

# An executemany of small UPDATEs is one round trip a row on PostgreSQL (about 45 µs here):
# there one UPDATE ... FROM (VALUES ...) takes a thousand rows.
ROWS_A_STATEMENT = 1000


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


def update(table_name: str, key: str, columns: list[str], values: list[tuple]) -> None:
    """UPDATE rows of `table_name`: each of `values` is the new `columns`, then the key."""
    if not values:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{name} = %s" for name in columns)
            cursor.executemany(f"UPDATE {table_name} SET {assignments} WHERE {key} = %s", values)
            return
        names = [*columns, key]
        row = "(" + ", ".join(["%s"] * len(names)) + ")"
        assignments = ", ".join(f"{name} = v.{name}" for name in columns)
        for start in range(0, len(values), ROWS_A_STATEMENT):
            batch = values[start : start + ROWS_A_STATEMENT]
            rows_sql = ", ".join([row] * len(batch))
            cursor.execute(
                f"UPDATE {table_name} SET {assignments} FROM (VALUES {rows_sql})"
                f" AS v({', '.join(names)}) WHERE {table_name}.{key} = v.{key}",
                [value for one in batch for value in one],
            )
