"""The k nearest places of a status to a point, exact, in one SQL statement up to 128 km.

A statement is a UNION ALL of "rings": the places whose great-circle distance lies in
(r[i-1], r[i]] for radii growing fourfold from 8 km up to the search radius, each ring sorted by
distance and cut to k, the whole cut to k. Databases run UNION ALL members in order and stop
at the outer LIMIT, so a ring is only read when the rings inside it held fewer than k places:
a dense city costs one small ring, an empty ocean a few cheap ones.

A ring reads, for each contiguous range of the indexed `cell` column that covers its search
box (see geo.cell_ranges), the matching entries of the index on (status, cell, latitude,
longitude), and ranks them by the haversine term, which grows with the distance, computed from
the coordinates in the index. Only the k winners are read from the table. The SQL is written
by hand: building it through the ORM costs more than running it.
"""

import functools
import math
import sqlite3
from dataclasses import dataclass

from django.db import connections
from django.urls import reverse

from places import geo

# What the statements return of a place. The text columns are cast so that the result's
# types stay the same when a migration changes a column's length: PostgreSQL refuses to run a
# prepared statement whose result type changed.
COLUMNS = (
    "p.id, CAST(p.name AS TEXT), CAST(p.slug AS TEXT), CAST(p.kind AS TEXT),"
    " CAST(p.category AS TEXT), p.latitude, p.longitude"
)


@dataclass(slots=True)
class NearbyPlace:
    """What a nearby list shows of a place: lighter than a model instance, made by the
    thousand on busy pages."""

    pk: int
    name: str
    slug: str
    kind: str
    category: str
    latitude: float
    longitude: float
    distance_km: float

    def get_absolute_url(self):
        return reverse("places:detail", args=[self.slug])


# The haversine term of (latitude, longitude) from the origin; parameters: the origin's
# latitude in radians, the cosine of that latitude, and its longitude in radians.
TERM_SQL = (
    "POWER(SIN((RADIANS(latitude) - %s) / 2), 2)"
    " + %s * COS(RADIANS(latitude)) * POWER(SIN((RADIANS(longitude) - %s) / 2), 2)"
)


# Statements are prepared once per distinct text and reused (SQLite's statement cache,
# PostgreSQL's prepared plans), and preparing a long one costs more than running it. So texts
# repeat: a ring's cell ranges are rows of a VALUES list, padded to a power of two with empty
# ranges and at most MAX_RANGES long, and every ring tests two longitude intervals (the second
# empty unless its box crosses the antimeridian). One statement holds at most
# RINGS_PER_STATEMENT rings (8, 32 and 128 km); wider rings, needed only where places are
# sparse, go in a second statement that runs only then.
EMPTY_CELLS = (1, 0)
EMPTY_INTERVAL = (1.0, 0.0)
MAX_RANGES = 32
RINGS_PER_STATEMENT = 3


try:
    import psycopg
    from psycopg.types.numeric import Int8

    class PreparingCursor(psycopg.Cursor):
        """Binds parameters on the server and prepares each statement on first use. Integers
        are sent as bigint: psycopg would type each by its size, making one statement text
        several prepared statements."""

        def execute(self, query, params=None, *, prepare=True, **kwargs):
            params = [Int8(v) if type(v) is int else v for v in params or ()]
            return super().execute(query, params, prepare=prepare, **kwargs)

except ImportError:  # psycopg (3) is only needed for PostgreSQL
    PreparingCursor = None


# A ring's search box: its latitude band and one or two longitude intervals.
BOX_SQL = (
    "p.latitude BETWEEN %s AND %s"
    " AND (p.longitude BETWEEN %s AND %s OR p.longitude BETWEEN %s AND %s)"
)
# How a ring reads the places in its box: one index range scan per cell range. A plain join
# does that on SQLite. PostgreSQL's planner cannot know how narrow the ranges are and, once a
# ring has 16 of them, prefers to read every entry of the latitude band; there each range gets
# its own subquery (LATERAL, kept from being merged into the join by OFFSET 0).
RING_SOURCE = {
    "sqlite": "r{i}_cells AS c JOIN {table} AS p"
    " ON p.status = %s AND p.cell BETWEEN c.first AND c.last WHERE {box}",
    "postgresql": "r{i}_cells AS c CROSS JOIN LATERAL (SELECT p.id, p.latitude, p.longitude"
    " FROM {table} AS p WHERE p.status = %s AND p.cell BETWEEN c.first AND c.last"
    " AND {box} OFFSET 0) AS p",
}


@functools.lru_cache(maxsize=256)
def _statement(vendor, table, shape, qmark):
    """The SQL for rings with the given numbers of cell ranges, built once per shape."""
    ctes, rings = [], []
    for i, ranges in enumerate(shape):
        ctes.append(f"r{i}_cells(first, last) AS (VALUES {', '.join(['(%s, %s)'] * ranges)})")
        source = RING_SOURCE[vendor].format(i=i, table=table, box=BOX_SQL)
        rings.append(
            f"SELECT * FROM (SELECT id, term FROM (SELECT p.id, {TERM_SQL} AS term FROM {source}"
            f") AS r{i}_terms WHERE term > %s AND term <= %s AND id <> %s"
            f" ORDER BY term, id LIMIT %s) AS r{i}"
        )
    sql = (
        f"WITH {', '.join(ctes)} SELECT {COLUMNS}, n.term"
        f" FROM ({' UNION ALL '.join(rings)} LIMIT %s) AS n"
        f" JOIN {table} AS p ON p.id = n.id ORDER BY n.term, p.id"
    )
    return sql.replace("%s", "?") if qmark else sql


def _rings(table, cursor, origin, status, radii, inner_km, limit, exclude_pk):
    """Rows (id, name, ..., term) of the nearest places in rings from inner_km out to each of
    radii, in one statement."""
    latitude, longitude, *radians = origin
    shape, cell_params, ring_params = [], [], []
    for outer_km in radii:
        south, north, intervals = geo.search_box(latitude, longitude, outer_km)
        ranges = geo.cell_ranges(south, north, intervals, max_ranges=MAX_RANGES)
        padded = 2 ** math.ceil(math.log2(len(ranges)))
        shape.append(padded)
        for cell_range in ranges:
            cell_params += cell_range
        cell_params += EMPTY_CELLS * (padded - len(ranges))
        (west, east), (west2, east2) = [*intervals, EMPTY_INTERVAL][:2]
        lowest = geo.km_to_term(inner_km) if inner_km else -1.0
        ring_params += [*radians, status, south, north, west, east, west2, east2]
        ring_params += [lowest, geo.km_to_term(outer_km), exclude_pk, limit]
        inner_km = outer_km
    # sqlite3's own cursor takes ? for placeholders (see _cursor).
    qmark = type(cursor.cursor) is sqlite3.Cursor
    statement = _statement(cursor.db.vendor, table, tuple(shape), qmark)
    cursor.execute(statement, [*cell_params, *ring_params, limit])
    return cursor.fetchall()


def _cursor(connection):
    """A cursor for the nearby statements, still wrapped by Django (errors, query log).

    On PostgreSQL, Django's cursors bind parameters on the client, so every statement is new
    to the server, and planning this one costs more than running it: this cursor binds on
    the server and prepares each statement text once per connection (psycopg keeps the 100
    most recently used). On SQLite, Django's cursor rewrites each statement's placeholders
    with a regular expression, a tenth of the lookup's time: this is sqlite3's own cursor,
    given statements with its own placeholders, except when Django logs queries (DEBUG,
    tests), which it does from the statement's Django form.
    """
    if connection.vendor == "postgresql" and PreparingCursor is not None:
        make = PreparingCursor
    elif connection.vendor == "sqlite" and not connection.queries_logged:
        make = sqlite3.Cursor
    else:
        return connection.cursor()
    # What connection.cursor() does before it makes its own kind of cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = make(connection.connection)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


def nearest(model, using, status, latitude, longitude, radius_km, limit, exclude_pk=None):
    """Up to `limit` places of this status within radius_km, nearest first (ties by id), as
    NearbyPlace objects."""
    latitude, longitude = geo.stored_point(latitude, longitude)
    phi = math.radians(latitude)
    origin = (latitude, longitude, phi, math.cos(phi), math.radians(longitude))
    table = connections[using].ops.quote_name(model._meta.db_table)
    radii = geo.search_radii(radius_km) if radius_km > 0 else []
    rows, inner = [], 0.0
    with _cursor(connections[using]) as cursor:
        for start in range(0, len(radii), RINGS_PER_STATEMENT):
            if len(rows) >= limit:
                break
            batch = radii[start : start + RINGS_PER_STATEMENT]
            # Primary keys start at 1, so 0 excludes nothing.
            rows += _rings(
                table, cursor, origin, status, batch, inner, limit - len(rows), exclude_pk or 0
            )
            inner = batch[-1]
    return [NearbyPlace(*values, geo.term_to_km(term)) for *values, term in rows]
