"""Writing a checked plan in bulk: places, their towns and old slugs, then their texts.

Set-based SQL from the staged rows and executemany, not the ORM: on SQLite bulk_create spends
~45 µs a row preparing values field by field and bulk_update's CASE statements manage ~700
rows/s, while INSERT ... SELECT from the staged table or one prepared statement run over a
batch writes over 100,000 rows/s. The staged values were made by the model's own functions
(fields' validation, stored_coordinates), and sections are stored through stored_section, as
Section.save stores them. Deletes are plain DELETEs too: QuerySet.delete() fetches and
signals row by row once a model has receivers (the page cache's); the page cache is told once,
when the import commits.
"""

import json
from collections.abc import Callable, Sequence

from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from places import cache, images
from places.exchange import sql
from places.exchange.plan import NO_TEXTS, STAGED, Plan
from places.exchange.records import PLACE_COLUMNS, ExchangeError
from places.models import (
    AlternateName,
    Photo,
    Place,
    SearchName,
    Section,
    SlugRedirect,
    stored_section,
    write_search_names,
)

PAGE_SIZE = 2000
ANALYZE_FROM = 10_000  # places written
Progress = Callable[[str, int, int], None]


def write_plan(plan: Plan, progress: Progress | None = None) -> None:
    """Write a checked plan without errors, inside its `with` block (its transaction)."""
    if plan.errors:
        raise ExchangeError("a plan with errors cannot be written")
    assert connection.in_atomic_block, "write_plan runs inside the plan's `with` block"
    total = plan.creates + plan.updates
    now = Place._meta.get_field("updated").get_db_prep_save(timezone.now(), connection)
    _write_places(plan, total, now, progress)
    sql.execute(  # the new places' ids, which their texts need
        f"UPDATE {STAGED} SET pk = (SELECT p.id FROM {sql.table(Place)} p"
        f" WHERE p.slug = {STAGED}.slug) WHERE pk IS NULL"
    )
    sql.execute(f"ANALYZE {STAGED}")  # so that PostgreSQL plans the joins on those ids well
    _write_towns()
    _move_slug_redirects(now)
    _remove_texts_of_places_without(plan)
    for start in range(1, total + 1, PAGE_SIZE):
        _write_texts(plan, _page(start), now)
        if progress:
            progress("texts", min(start + PAGE_SIZE - 1, total), total)
    _write_search_names(total)
    if connection.vendor == "postgresql" and total >= ANALYZE_FROM:
        # Autovacuum analyses the tables only a while after the commit; until then PostgreSQL
        # plans as if they held what they held before (a re-import of 100,000 places with
        # texts right after the first took 59 s instead of 33 s).
        for model in (Place, Section, AlternateName, Photo, SearchName):
            sql.execute(f"ANALYZE {sql.table(model)}")
    cache.content_changed()  # every cached page is out of date once this commits


def _write_search_names(total: int) -> None:
    """The search keys of the places written, made again from their names as written (the
    guide's kept name and the source's added alternate names included), page by page from
    the staged rows: a page's published places and their alternate names in two joins, then
    write_search_names's DELETE and executemany."""
    place, alternate = sql.table(Place), sql.table(AlternateName)
    published = Place.Status.PUBLISHED.value
    for start in range(1, total + 1, PAGE_SIZE):
        page = _page(start)
        ids = [pk for (pk,) in sql.rows(f"SELECT pk FROM {STAGED} WHERE n >= %s AND n < %s", page)]
        places = sql.rows(
            f"SELECT p.id, p.name, p.short_name, p.kind, p.population FROM {STAGED} s"
            f" JOIN {place} p ON p.id = s.pk WHERE s.n >= %s AND s.n < %s AND p.status = %s",
            [*page, published],
        )
        alternates = sql.rows(
            f"SELECT a.place_id, a.name FROM {STAGED} s JOIN {alternate} a"
            f" ON a.place_id = s.pk WHERE s.n >= %s AND s.n < %s",
            page,
        )
        write_search_names(ids, places, alternates)


def _write_places(plan: Plan, total: int, now, progress: Progress | None) -> None:
    place, columns = sql.table(Place), [sql.column(Place, name) for name in PLACE_COLUMNS]
    staged = ", ".join(PLACE_COLUMNS)
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
            " WHERE pk IS NULL AND n >= %s AND n < %s",
            [now, now, *page],
        )
        sql.execute(
            f"UPDATE {place} SET {assignments}, {sql.column(Place, 'updated')} = %s FROM {STAGED} s"
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
    """Updated places that the source gives no texts (most open data) lose theirs, in one
    statement a table rather than page by page."""
    models = [Section, Photo, *([AlternateName] if plan.policy.replaces_names else [])]
    for model in models:
        sql.execute(
            f"DELETE FROM {sql.table(model)} WHERE {sql.column(model, 'place')} IN"
            f" (SELECT pk FROM {STAGED} WHERE old_slug IS NOT NULL AND texts = %s)",
            [NO_TEXTS],
        )


def _write_texts(plan: Plan, page: list[int], now) -> None:
    """Sections, alternate names and photos of a page of staged places."""
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.pk, s.old_slug, s.name, p.name, s.texts FROM {STAGED} s"
            f" JOIN {sql.table(Place)} p ON p.id = s.pk WHERE s.n >= %s AND s.n < %s"
            " AND s.texts <> %s ORDER BY s.n",
            [*page, NO_TEXTS],
        )
        for pk, old_slug, source_name, name, texts in cursor.fetchall():
            rows.append((pk, old_slug is not None, source_name, name, json.loads(texts)))
    _write_sections([(pk, updated, texts["sections"]) for pk, updated, _, _, texts in rows], now)
    names = []
    for pk, updated, source_name, name, texts in rows:
        given = texts["alternate_names"]
        if given is not None and plan.policy.keeps_name and source_name:
            given = [*given, source_name]
        if given is not None:
            names.append((pk, updated, [other for other in given if other != name]))
    _write_alternate_names(names, plan.policy.replaces_names)
    _write_photos([(pk, updated, texts["photos"]) for pk, updated, _, _, texts in rows])


def _write_sections(places: list[tuple[int, bool, dict | None]], now) -> None:
    """The records' sections replace the places' own. A body that did not change keeps its
    HTML, so re-importing a file renders only what changed."""
    given = [(pk, updated, sections) for pk, updated, sections in places if sections is not None]
    replaced = [pk for pk, updated, _ in given if updated]
    rendered = {}
    for batch in _batches(replaced, 500):
        rendered.update(
            ((place, kind, body), html)
            for place, kind, body, html in Section.objects.filter(place__in=batch).values_list(
                "place", "kind", "body", "body_html"
            )
        )
    _delete_where_in(Section, "place", replaced)
    rows = []
    for pk, _, sections in given:
        for kind, body in sorted(sections.items(), key=lambda item: int(item[0])):
            html = rendered.get((pk, int(kind), body))
            stored = (body, html) if html is not None else stored_section(body)
            rows.append((pk, int(kind), *stored, now, now))
    _insert(Section, ["place", "kind", "body", "body_html", "created", "updated"], rows)


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
