"""Checking an import and deciding what it does, before anything is written.

Records stream in from a reader and each is checked alone through the model fields' own
validation (the admin's rules: lengths, NUL characters, choices, the slug pattern, coordinate
ranges) and staged: one row of a temporary table holding the place as it will be stored. Memory
holds a batch of records and the problems found, never the file. Then SQL over the staged rows
checks them against each other and the database: repeated ids and slugs, which places exist
already (by external id, or by slug for places without one), slugs made from names, towns
(Place.clean's rule). `write.write_plan` writes from the staged rows in `write.writing()`.

On SQLite, whose writers take turns, the checking takes no write lock: it reads the database
and writes only the temporary tables (a DEFERRED transaction, as the connection's temporary
schema is its own), so contributors save and other imports write meanwhile. Only the writing
holds the lock (an IMMEDIATE transaction), with everything it can be spared done before it:
the search keys of new places, for one. Whatever changed in between that the writing would
get wrong refuses the import whole (`write.writing`, the database's unique and foreign
keys), as on PostgreSQL, where both run in one transaction at READ COMMITTED.
"""

import json
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from places.exchange import sql
from places.exchange.checks import check_record
from places.exchange.records import PLACE_COLUMNS, PlaceRecord
from places.models import Place, stored_section
from places.transliteration import ascii_slug, unique_slug

BATCH_SIZE = 2000
STAGED = "places_import_staged"
# The staged sections, one row each: the body as stored, and its HTML when it is plain
# paragraphs (NULL when it needs Markdown, rendered when written, if its body changed).
STAGED_SECTIONS = "places_import_sections"
# The slugs made from names, until they are copied into the staged rows.
MADE_SLUGS = "places_import_slugs"
# The search keys of the new places, made before the writing (places/exchange/search_keys.py).
STAGED_KEYS = "places_import_keys"
# The staged alternate names and photos of a place that has none.
NO_TEXTS = '{"alternate_names": [], "photos": []}'
SLUG_MAX_LENGTH = Place._meta.get_field("slug").max_length


@dataclass(frozen=True)
class UpdatePolicy:
    """What an import from one kind of source writes over a place that exists already."""

    columns: tuple[str, ...]  # the Place columns an update writes
    replaces_names: bool  # the source's alternate names replace the place's, or join them

    @property
    def keeps_name(self) -> bool:
        """The guide's name stays; the source's becomes one more alternate name."""
        return "name" not in self.columns


# A file says everything about its places: an update writes what the file gives, and
# the town, sections, names and photos it gives replace the place's own.
FROM_FILE = UpdatePolicy(columns=PLACE_COLUMNS, replaces_names=True)


class Plan:
    """An import being checked, then written (a context manager; see write.writing).

    After `check`: `errors` (one line per bad record, in file order), `creates`, `updates`.
    """

    def __init__(self, policy: UpdatePolicy = FROM_FILE):
        self.policy = policy
        self.errors: list[str] = []
        self.creates = self.updates = 0
        self._problems: dict[int, tuple[str, list[str]]] = {}
        self._discard = False

    def __enter__(self):
        # On SQLite the staged tables outlive the checking's transaction (see the module's
        # docstring); elsewhere everything is one transaction.
        self._atomic = None if connection.vendor == "sqlite" else transaction.atomic()
        if self._atomic:
            self._atomic.__enter__()
        else:
            # SQLite's default page cache (2 MB) is far smaller than the indexes an import
            # updates at random places (the places list's among them): with 96 MB the same
            # import ran 1.25-1.4 times faster (bench/import_speed.py), and memory stays
            # bounded (the cache's size, whatever the file's). 64 MB, not 96: building an
            # index after a first import sorts in as much memory again, and a 1M-row file
            # then peaked at 295 MB instead of 227 MB, for 2% of speed.
            sql.execute("PRAGMA cache_size = -65536")  # KiB, for this connection
            sql.execute("PRAGMA temp.cache_size = -16384")  # the staged table's
        sql.execute(
            f"CREATE TEMPORARY TABLE {STAGED} (n INTEGER PRIMARY KEY, place_where TEXT,"
            " name TEXT, slug TEXT, kind TEXT, category TEXT, subtitle TEXT, short_name TEXT,"
            " country TEXT,"
            " latitude DOUBLE PRECISION, longitude DOUBLE PRECISION, cell INTEGER, status TEXT,"
            " featured BOOLEAN, external_id TEXT, population BIGINT, town TEXT,"
            " sections INTEGER, texts TEXT, pk BIGINT, old_slug TEXT)"
        )
        sql.execute(
            f"CREATE TEMPORARY TABLE {STAGED_SECTIONS} (n INTEGER NOT NULL, kind INTEGER NOT NULL,"
            " body TEXT NOT NULL, body_html TEXT)"
        )
        return self

    def __exit__(self, *exc_info):
        if self._atomic is None:
            # Nothing the checking wrote is in the database, whatever happened; a connection
            # kept open (a test, a shell) must be able to import again.
            for name in (STAGED, STAGED_SECTIONS, STAGED_KEYS, MADE_SLUGS):
                sql.execute(f"DROP TABLE IF EXISTS temp.{name}")
            return False
        if exc_info[0] is None and not self._discard:
            sql.execute(f"DROP TABLE {STAGED}")
            sql.execute(f"DROP TABLE {STAGED_SECTIONS}")
            sql.execute(f"DROP TABLE IF EXISTS {STAGED_KEYS}")
        elif exc_info[0] is None:
            transaction.set_rollback(True)  # a dry run; the staged table goes with it
        return self._atomic.__exit__(*exc_info)

    def discard(self):
        """Write nothing: what was staged is rolled back on leaving the `with` block."""
        self._discard = True

    def check(
        self, records: Iterable[PlaceRecord], progress: Callable[[int], None] | None = None
    ) -> None:
        """Stage and check every record; ExchangeError from the reader stops it all."""
        with reading():
            self._check(records, progress)

    def _check(self, records, progress) -> None:
        rows, sections, count = [], [], 0
        for count, record in enumerate(records, 1):
            rows.append(self._stage(count, record, sections))
            if len(rows) == BATCH_SIZE:
                self._insert_staged(rows, sections)
                rows, sections = [], []
                if progress:
                    progress(count)
        self._insert_staged(rows, sections)
        self._staged = count
        if progress:
            progress(count)
        for name in ("slug", "external_id", "pk", "town"):
            sql.execute(f"CREATE INDEX {STAGED}_{name} ON {STAGED} ({name})")
        sql.execute(f"CREATE INDEX {STAGED_SECTIONS}_n ON {STAGED_SECTIONS} (n)")
        # PostgreSQL never analyses a temporary table by itself; without statistics it
        # plans the checks below as if the table were empty (a minute per 100,000 places).
        sql.execute(f"ANALYZE {STAGED}")
        sql.execute(f"ANALYZE {STAGED_SECTIONS}")
        self._find_repeats("external_id")
        self._find_repeats("slug")
        self._match_existing_places()
        self._check_slugs_taken()
        self._make_slugs()
        self._check_towns()
        self.errors = [
            f"{where}: {'; '.join(problems)}"
            for _, (where, problems) in sorted(self._problems.items())
        ]
        sql.execute(f"ANALYZE {STAGED}")  # the matched places' pks, for the writer's joins
        self.updates = sql.rows(f"SELECT COUNT(*) FROM {STAGED} WHERE pk IS NOT NULL")[0][0]
        self.creates = count - self.updates

    # --- Each record alone ----------------------------------------------------------------

    def _stage(self, n: int, record: PlaceRecord, sections: list[tuple]) -> tuple:
        """The staged row of a record; its sections are added to `sections`."""
        problems, latitude, longitude, cell = check_record(record)
        if record.alternate_names == [] and record.photos == []:
            texts = NO_TEXTS  # most open data: written without a look
        else:
            texts = json.dumps({"alternate_names": record.alternate_names, "photos": record.photos})
        given = record.sections
        row = (
            n, record.where, record.name, record.slug, record.kind, record.category,
            record.subtitle, record.short_name, record.country, latitude, longitude, cell,
            record.status, record.featured, record.external_id, record.population, record.town,
            None if given is None else len(given), texts,
        )  # fmt: skip
        if problems:
            self._problems[n] = (record.where, problems)
            # Staged all the same, to be checked against the others, but without the NUL
            # characters PostgreSQL cannot store (json.dumps escapes those in the texts), and
            # without its sections: a file with a bad record is not written.
            return tuple(None if isinstance(v, str) and "\x00" in v else v for v in row)
        if given:
            sections.extend(
                (n, kind, *stored_section(body, markdown=False))
                for kind, body in sorted(given.items())
            )
        return row

    def _insert_staged(self, rows: list[tuple], sections: list[tuple]) -> None:
        columns = ["n", "place_where", *PLACE_COLUMNS, "town", "sections", "texts"]
        sql.insert(STAGED, columns, rows)
        sql.insert(STAGED_SECTIONS, ["n", "kind", "body", "body_html"], sections)

    # --- Against each other and the database -------------------------------------------

    def _problem(self, n: int, where: str, problem: str) -> None:
        self._problems.setdefault(n, (where, []))[1].append(problem)

    def _find_repeats(self, column: str) -> None:
        for n, where, value, first in sql.rows(
            f"SELECT s.n, s.place_where, s.{column}, f.place_where FROM {STAGED} s"
            f" JOIN (SELECT {column}, MIN(n) AS n FROM {STAGED} WHERE {column} <> ''"
            f" GROUP BY {column} HAVING COUNT(*) > 1) d ON d.{column} = s.{column}"
            f" JOIN {STAGED} f ON f.n = d.n WHERE s.n > d.n"
        ):
            self._problem(n, where, f"{column} {value!r} is also used by {first}")

    def _match_existing_places(self) -> None:
        """A record updates the place with its external id, or, when it has none, the place
        without one that has its slug (as exported from this database)."""
        place = Place._meta.db_table
        sql.execute(
            f"UPDATE {STAGED} SET pk = (SELECT p.id FROM {place} p"
            # Spelled as the partial unique index's condition, so that SQLite uses the index.
            f" WHERE p.external_id = {STAGED}.external_id AND NOT (p.external_id = ''))"
            " WHERE external_id <> ''"
        )
        sql.execute(
            f"UPDATE {STAGED} SET pk = (SELECT p.id FROM {place} p"
            f" WHERE p.slug = {STAGED}.slug AND p.external_id = '')"
            " WHERE external_id = '' AND slug <> ''"
        )
        sql.execute(
            f"UPDATE {STAGED} SET old_slug = (SELECT p.slug FROM {place} p"
            f" WHERE p.id = {STAGED}.pk) WHERE pk IS NOT NULL"
        )
        # An update keeps the place's slug unless the record gives one it may write, and
        # its kind (which town checks read) unless it may write that.
        kept = "slug = '' AND " if "slug" in self.policy.columns else ""
        sql.execute(f"UPDATE {STAGED} SET slug = old_slug WHERE {kept}pk IS NOT NULL")
        if "kind" not in self.policy.columns:
            sql.execute(
                f"UPDATE {STAGED} SET kind = (SELECT p.kind FROM {place} p"
                f" WHERE p.id = {STAGED}.pk) WHERE pk IS NOT NULL"
            )

    def _check_slugs_taken(self) -> None:
        for n, where, slug, external_id in sql.rows(
            f"SELECT s.n, s.place_where, s.slug, p.external_id FROM {STAGED} s"
            f" JOIN {Place._meta.db_table} p ON p.slug = s.slug"
            " WHERE s.slug <> '' AND (s.pk IS NULL OR s.pk <> p.id)"
        ):
            held_by = f" (external id {external_id!r})" if external_id else ""
            self._problem(n, where, f"slug {slug!r} already belongs to another place{held_by}")

    def _make_slugs(self) -> None:
        """A slug from the name for each new place without one, unlike any slug in the
        database or the file, in file order (page by page, to keep memory flat).

        The slugs made are added to a table of their own and copied into the staged rows in
        one statement, with the staged slugs' index built again after: updating the staged
        rows one by one through that index took twice as long."""
        sql.execute(f"CREATE TEMPORARY TABLE {MADE_SLUGS} (n INTEGER PRIMARY KEY, slug TEXT)")
        sql.execute(f"CREATE INDEX {MADE_SLUGS}_slug ON {MADE_SLUGS} (slug)")
        taken, last = _TakenSlugs(), 0
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            # Each look-up seeks 500 slugs in three tables. PostgreSQL's costs prefer reading
            # the temporary tables whole for that (11-16 ms for a table of 100,000 made
            # slugs, against 0.3 ms through its index, EXPLAIN ANALYZE): until the slugs are
            # made, it may not.
            sql.execute("SET LOCAL enable_seqscan = off")
        while True:
            page = sql.rows(
                f"SELECT n, name FROM {STAGED} WHERE slug = '' AND n > %s ORDER BY n LIMIT %s",
                [last, BATCH_SIZE],
            )
            if not page:
                break
            last = page[-1][0]
            bases = {n: ascii_slug(name, SLUG_MAX_LENGTH) for n, name in page if name}
            taken.look_up(bases.values())
            made = [
                (n, unique_slug(base, taken, taken.next_suffix, SLUG_MAX_LENGTH))
                for n, base in bases.items()
            ]
            sql.insert(MADE_SLUGS, ["n", "slug"], made)
            taken.forget()
        if postgresql:
            sql.execute("RESET enable_seqscan")
        if last:
            sql.execute(f"DROP INDEX {STAGED}_slug")
            sql.execute(
                f"UPDATE {STAGED} SET slug = m.slug FROM {MADE_SLUGS} m WHERE m.n = {STAGED}.n"
            )
            sql.execute(f"CREATE INDEX {STAGED}_slug ON {STAGED} (slug)")
        sql.execute(f"DROP TABLE {MADE_SLUGS}")

    def _check_towns(self) -> None:
        """The town is found by slug in the file, else in the database (as the file leaves
        it), and must pass Place.clean: an area, not the place itself."""
        rows = (
            row
            for start in range(1, self._staged + 1, BATCH_SIZE)
            for row in sql.rows(
                f"SELECT s.n, s.place_where, s.town, f.n, f.kind, p.id, p.kind, u.place_where,"
                f" u.slug FROM {STAGED} s LEFT JOIN {STAGED} f ON f.slug = s.town"
                f" LEFT JOIN {Place._meta.db_table} p ON p.slug = s.town"
                f" LEFT JOIN {STAGED} u ON u.pk = p.id"
                " WHERE s.town <> '' AND s.n >= %s AND s.n < %s",
                [start, start + BATCH_SIZE],
            )
        )
        for row in rows:
            n, where, slug, file_n, file_kind, pk, kind, updater, new_slug = row
            place = Place()
            if file_n == n:
                place.town = place
            elif file_n is not None:
                place.town = Place(kind=file_kind, slug=slug)
            elif pk is None:
                self._problem(n, where, f"town {slug!r} is neither in the database nor in the file")
                continue
            elif updater is not None:
                self._problem(n, where, f"town {slug!r} becomes {new_slug!r} by {updater}")
                continue
            else:
                place.town = Place(pk=pk, kind=kind, slug=slug)
            try:
                place.clean()
            except ValidationError as error:
                self._problem(n, where, f"town: {' '.join(error.messages)}")


@contextmanager
def reading():
    """On SQLite, a transaction that takes no write lock (DEFERRED): it may read the database
    and write the connection's temporary tables, never the database. Elsewhere, nothing more
    than the plan's transaction."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    mode, connection.transaction_mode = connection.transaction_mode, "DEFERRED"
    try:
        with transaction.atomic():
            connection.transaction_mode = mode  # it applied to the BEGIN alone
            yield
    finally:
        connection.transaction_mode = mode


class _TakenSlugs:
    """The slugs in the database, the staged file or made already, looked up as unique_slug
    asks, so that only a page of them is in memory. next_suffix is kept for names used more
    than once."""

    def __init__(self):
        self.known: dict[str, bool] = {}
        self.next_suffix: dict[str, int] = {}

    def look_up(self, slugs: Iterable[str]) -> None:
        slugs = [slug for slug in set(slugs) if slug not in self.known]
        for start in range(0, len(slugs), 500):
            batch = slugs[start : start + 500]
            placeholders = ", ".join(["%s"] * len(batch))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT slug FROM {Place._meta.db_table} WHERE slug IN ({placeholders})"
                    f" UNION SELECT slug FROM {STAGED} WHERE slug IN ({placeholders})"
                    f" UNION SELECT slug FROM {MADE_SLUGS} WHERE slug IN ({placeholders})",
                    batch * 3,
                )
                found = {slug for (slug,) in cursor.fetchall()}
            self.known.update((slug, slug in found) for slug in batch)

    def __contains__(self, slug: str) -> bool:
        if slug not in self.known:
            self.look_up([slug])
        return self.known[slug]

    def add(self, slug: str) -> None:
        self.known[slug] = True

    def forget(self) -> None:
        """Drop the page's slugs (now in the table of made slugs) and the suffixes of names
        used once."""
        self.known.clear()
        self.next_suffix = {base: n for base, n in self.next_suffix.items() if n > 2}
