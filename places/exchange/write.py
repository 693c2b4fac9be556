"""Writing a checked plan in bulk: places, their towns and old slugs, then their texts.

Set-based SQL from the staged rows and executemany, not the ORM: on SQLite bulk_create spends
~45 µs a row preparing values field by field and bulk_update's CASE statements manage ~700
rows/s, while INSERT ... SELECT from the staged table or one prepared statement run over a
batch writes over 100,000 rows/s. The staged values were made by the model's own functions
(fields' validation, stored_coordinates, stored_section, as Place.save and Section.save store
them). Deletes are plain DELETEs too: QuerySet.delete() fetches and signals row by row once a
model has receivers (the page cache's); the page cache is told once, when the import commits.
"""

import json
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from places import cache, images
from places.exchange import search_keys, sql
from places.exchange.plan import NO_TEXTS, STAGED, STAGED_SECTIONS, Plan, reading
from places.exchange.records import PLACE_COLUMNS, ExchangeError
from places.models import (
    AlternateName,
    Photo,
    Place,
    SearchName,
    Section,
    SlugRedirect,
    stored_section,
)

PAGE_SIZE = 2000
ANALYZE_FROM = 10_000  # places written
Progress = Callable[[str, int, int], None]


@contextmanager
def writing():
    """The transaction a checked plan is written in (with write_plan), after the search keys of its
    new places are made; it refuses the plan when the database changed since it was checked
    in a way the writing would get wrong (ExchangeError)."""
    with reading():
        search_keys.stage()
    with transaction.atomic():
        _check_unchanged()
        yield


def _check_unchanged() -> None:
    """Refuse the plan when a place it updates was deleted or given another slug, or a town
    it names left the database, since it was checked (slugs and external ids taken
    meanwhile are refused by the unique indexes)."""
    place = Place._meta.db_table
    changed = sql.rows(
        f"SELECT s.place_where FROM {STAGED} s LEFT JOIN {place} p ON p.id = s.pk"
        " WHERE s.pk IS NOT NULL AND (p.id IS NULL OR p.slug <> s.old_slug)"
        f" UNION ALL SELECT s.place_where FROM {STAGED} s WHERE s.town <> ''"
        f" AND NOT EXISTS (SELECT 1 FROM {place} p WHERE p.slug = s.town)"
        f" AND NOT EXISTS (SELECT 1 FROM {STAGED} f WHERE f.slug = s.town) LIMIT 5"
    )
    if changed:
        raise ExchangeError(
            f"the places of {', '.join(where for (where,) in changed)} changed while the "
            "file was checked; run it again"
        )


def write_plan(plan: Plan, progress: Progress | None = None) -> None:
    """Write a checked plan without errors, inside writing() (its transaction)."""
    if plan.errors:
        raise ExchangeError("a plan with errors cannot be written")
    assert connection.in_atomic_block, "write_plan runs inside writing()"
    total = plan.creates + plan.updates
    now = Place._meta.get_field("updated").get_db_prep_save(timezone.now(), connection)
    first_import = _is_first_import(plan)
    with _indexes_built_after(Place, first_import):
        _write_places(plan, total, now, progress)
    # The check's index of matched places would be updated row by row below; nothing reads
    # it from here on.
    sql.execute(f"DROP INDEX {STAGED}_pk")
    sql.execute(  # the new places' ids, which their texts need
        f"UPDATE {STAGED} SET pk = (SELECT p.id FROM {sql.table(Place)} p"
        f" WHERE p.slug = {STAGED}.slug) WHERE pk IS NULL"
    )
    sql.execute(f"ANALYZE {STAGED}")  # so that PostgreSQL plans the joins on those ids well
    _write_towns()
    _move_slug_redirects(now)
    _remove_texts_of_places_without(plan)
    for start in range(1, total + 1, PAGE_SIZE):
        _write_sections(_page(start), now, plan.updates > 0)
        _write_texts(plan, _page(start))
        if progress:
            progress("texts", min(start + PAGE_SIZE - 1, total), total)
    with _indexes_built_after(SearchName, first_import):
        search_keys.write(total)
    if connection.vendor == "postgresql" and total >= ANALYZE_FROM:
        # Autovacuum analyses the tables only a while after the commit; until then PostgreSQL
        # plans as if they held what they held before (a re-import of 100,000 places with
        # texts right after the first took 59 s instead of 33 s).
        for model in (Place, Section, AlternateName, Photo, SearchName):
            sql.execute(f"ANALYZE {sql.table(model)}")
    # Every cached page is out of date once this commits: an import may touch any number of
    # places, and finding each one's pages would cost more than rendering them again.
    cache.everything_changed()


def _is_first_import(plan: Plan) -> bool:
    """On SQLite, a plan that creates at least as many places as the table holds."""
    if connection.vendor != "sqlite" or not plan.creates:
        return False
    return plan.creates >= sql.rows(f"SELECT COUNT(*) FROM {sql.table(Place)}")[0][0]


@contextmanager
def _indexes_built_after(model, first_import: bool):
    """In a first import (_is_first_import), the table's indexes that are not unique are
    dropped while its rows are written and built again after, in the same transaction:
    building an index sorts it once, where inserting into it finds each row's place in every
    index (the statements alone wrote 100,000 places into an empty table in 0.7 s of CPU
    instead of 1.4 s). The statistics of ANALYZE are made again for the indexes that had
    them. Nothing written meanwhile may read the table through those indexes."""
    if not first_import:
        yield
        return
    table = model._meta.db_table
    indexes = sql.rows(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = %s"
        " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
        [table],
    )
    # "main.": the staged tables' statistics are in a sqlite_stat1 of the temporary schema.
    analysed = bool(sql.rows("SELECT 1 FROM main.sqlite_master WHERE name = 'sqlite_stat1'")) and {
        name for (name,) in sql.rows("SELECT idx FROM main.sqlite_stat1 WHERE tbl = %s", [table])
    }
    for name, _ in indexes:
        sql.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    for name, create in indexes:
        sql.execute(create)
        if analysed and name in analysed:
            sql.execute(f"ANALYZE {connection.ops.quote_name(name)}")


def _write_places(plan: Plan, total: int, now, progress: Progress | None) -> None:
    place, columns = sql.table(Place), [sql.column(Place, name) for name in PLACE_COLUMNS]
    staged = ", ".join(PLACE_COLUMNS)
    edit_version = sql.column(Place, "edit_version")
    written = [(sql.column(Place, name), name) for name in plan.policy.columns]
    assignments = ", ".join(f"{column} = s.{name}" for column, name in written)
    # Only the places whose values change: an unchanged one keeps its `updated` (the sitemaps'
    # lastmod), and its eleven index entries are not rewritten, which made re-importing an
    # unchanged file of 50,000 places with texts spend a fifth of its time in this statement.
    distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
    changed = (
        f"({', '.join(f'{place}.{column}' for column, _ in written)}) {distinct}"
        f" ({', '.join(f's.{name}' for _, name in written)})"
    )
    for start in range(1, total + 1, PAGE_SIZE):
        page = _page(start)
        sql.execute(
            f"INSERT INTO {place} ({', '.join(columns)}, {sql.column(Place, 'created')},"
            f" {sql.column(Place, 'updated')}) SELECT {staged}, %s, %s FROM {STAGED}"
            " WHERE pk IS NULL AND n >= %s AND n < %s ORDER BY n",
            [now, now, *page],
        )
        sql.execute(
            f"UPDATE {place} SET {assignments}, {sql.column(Place, 'updated')} = %s,"
            # An admin form opened before the import is refused rather than overwrite it.
            f" {edit_version} = {place}.{edit_version} + 1 FROM {STAGED} s"
            f" WHERE s.pk = {place}.id AND s.n >= %s AND s.n < %s AND {changed}",
            [now, *page],
        )
        if progress:
            progress("places", min(start + PAGE_SIZE - 1, total), total)


def _write_towns() -> None:
    """A town given by slug (checked by the plan); "" for none. A source that does not say
    (NULL) leaves the town as it is."""
    place, town = sql.table(Place), sql.column(Place, "town")
    sql.execute(
        f"UPDATE {place} SET {town} = t.id FROM {STAGED} s JOIN {place} t ON t.slug = s.town"
        f" WHERE s.pk = {place}.id AND s.town <> ''"
    )
    sql.execute(
        f"UPDATE {place} SET {town} = NULL WHERE {town} IS NOT NULL"
        f" AND id IN (SELECT pk FROM {STAGED} WHERE town = '' AND old_slug IS NOT NULL)"
    )


def _move_slug_redirects(now) -> None:
    """As Place.save: a slug in use redirects no more; a changed slug redirects to the new."""
    redirect = sql.table(SlugRedirect)
    sql.execute(f"DELETE FROM {redirect} WHERE old_slug IN (SELECT slug FROM {STAGED})")
    sql.execute(f"DELETE FROM {redirect} WHERE old_slug IN (SELECT old_slug FROM {STAGED})")
    sql.execute(
        f"INSERT INTO {redirect} (old_slug, {sql.column(SlugRedirect, 'place')}, created)"
        f" SELECT old_slug, pk, %s FROM {STAGED} WHERE old_slug <> slug",
        [now],
    )


def _remove_texts_of_places_without(plan: Plan) -> None:
    """Updated places that the source gives no alternate names and photos (most open data)
    lose theirs, in one statement a table rather than page by page."""
    models = [Photo, *([AlternateName] if plan.policy.replaces_names else [])]
    for model in models:
        sql.execute(
            f"DELETE FROM {sql.table(model)} WHERE {sql.column(model, 'place')} IN"
            f" (SELECT pk FROM {STAGED} WHERE old_slug IS NOT NULL AND texts = %s)",
            [NO_TEXTS],
        )


def _write_sections(page: list[int], now, updates: bool) -> None:
    """The staged sections of a page of places replace the places' own, set-based. A body
    that did not change keeps its HTML, so re-importing a file renders only what changed;
    the other bodies that need Markdown are rendered here."""
    sections, section = STAGED_SECTIONS, sql.table(Section)
    in_page = f"{sections}.n >= %s AND {sections}.n < %s"
    if updates:
        distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
        sql.execute(
            f"UPDATE {sections} SET body_html = o.body_html FROM {STAGED} s JOIN {section} o"
            f" ON o.{sql.column(Section, 'place')} = s.pk WHERE s.n = {sections}.n"
            f" AND s.old_slug IS NOT NULL AND o.kind = {sections}.kind"
            f" AND o.body = {sections}.body AND {in_page}"
            f" AND {sections}.body_html {distinct} o.body_html",
            page,
        )
    rendered = [
        (stored_section(body)[1], n, kind)
        for n, kind, body in sql.rows(
            f"SELECT n, kind, body FROM {sections} WHERE {in_page} AND body_html IS NULL", page
        )
    ]
    if rendered:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {sections} SET body_html = %s WHERE n = %s AND kind = %s", rendered
            )
    if updates:
        sql.execute(
            f"DELETE FROM {section} WHERE {sql.column(Section, 'place')} IN (SELECT pk FROM"
            f" {STAGED} WHERE n >= %s AND n < %s AND old_slug IS NOT NULL"
            " AND sections IS NOT NULL)",
            page,
        )
    fields = ("place", "kind", "body", "body_html", "created", "updated")
    sql.execute(
        f"INSERT INTO {section} ({', '.join(sql.column(Section, name) for name in fields)})"
        f" SELECT s.pk, {sections}.kind, {sections}.body, {sections}.body_html, %s, %s"
        f" FROM {sections} JOIN {STAGED} s ON s.n = {sections}.n WHERE {in_page}"
        f" ORDER BY {sections}.n, {sections}.kind",
        [now, now, *page],
    )


def _write_texts(plan: Plan, page: list[int]) -> None:
    """Alternate names and photos of a page of staged places."""
    rows = []
    # A source whose name joins the alternate names adds it to every place it updates.
    skipped = "" if plan.policy.keeps_name else " AND s.texts <> %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.pk, s.old_slug, s.name, p.name, s.texts FROM {STAGED} s"
            f" JOIN {sql.table(Place)} p ON p.id = s.pk WHERE s.n >= %s AND s.n < %s"
            f"{skipped} ORDER BY s.n",
            [*page, *([] if plan.policy.keeps_name else [NO_TEXTS])],
        )
        for pk, old_slug, source_name, name, texts in cursor.fetchall():
            rows.append((pk, old_slug is not None, source_name, name, json.loads(texts)))
    names = []
    for pk, updated, source_name, name, texts in rows:
        given = texts["alternate_names"]
        if given is not None and plan.policy.keeps_name and source_name:
            given = [*given, source_name]
        if given is not None:
            names.append((pk, updated, [other for other in given if other != name]))
    _write_alternate_names(names, plan.policy.replaces_names)
    _write_photos([(pk, updated, texts["photos"]) for pk, updated, _, _, texts in rows])


def _write_alternate_names(places: list[tuple[int, bool, list[str]]], replace: bool) -> None:
    if replace:
        _delete_where_in(AlternateName, "place", [pk for pk, updated, _ in places if updated])
    rows = [(pk, name) for pk, _, names in places for name in names]
    _insert(AlternateName, ["place", "name"], rows, on_conflict_do_nothing=True)


def _write_photos(places: list[tuple[int, bool, list[dict] | None]]) -> None:
    """Photos from their metadata and a file already in the media storage (one of ours from
    an export keeps its variants beside it), with the width and height its header gives."""
    given = [(pk, updated, photos) for pk, updated, photos in places if photos is not None]
    _delete_where_in(Photo, "place", [pk for pk, updated, _ in given if updated])
    Photo.objects.bulk_create(
        Photo(place_id=pk, **photo, **_dimensions(photo["image"]))
        for pk, _, photos in given
        for photo in photos
    )


def _dimensions(name: str) -> dict:
    with default_storage.open(name) as file:
        width, height = images.dimensions(file) or (None, None)
    return {"width": width, "height": height}


# --- SQL helpers ------------------------------------------------------------------------


def _page(start: int) -> list[int]:
    return [start, start + PAGE_SIZE]


def _insert(model, fields: list[str], rows: list[tuple], on_conflict_do_nothing=False) -> None:
    columns = [sql.column(model, name) for name in fields]
    suffix = "ON CONFLICT DO NOTHING" if on_conflict_do_nothing else ""
    sql.insert(sql.table(model), columns, rows, suffix)


def _delete_where_in(model, field: str, values: Sequence) -> None:
    """DELETE the rows whose `field` is one of `values`, in batches the backend accepts."""
    column = sql.column(model, field)
    for batch in _batches(values, 500):
        placeholders = ", ".join(["%s"] * len(batch))
        sql.execute(f"DELETE FROM {sql.table(model)} WHERE {column} IN ({placeholders})", batch)


def _batches(items: Sequence, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
