"""The search keys of an import's places: those of its new places made before the writing
(on SQLite before it takes the database's write lock: folding every name is the slowest part
of writing a large import, and a new place's keys depend on the file alone), copied in while
writing, and those of the places it updates made again while writing."""

import json

from places.exchange import sql
from places.exchange.plan import BATCH_SIZE, NO_TEXTS, STAGED, STAGED_KEYS
from places.folding import keys_of
from places.models import (
    CANDIDATE_FIELDS,
    AlternateName,
    Place,
    SearchName,
    search_importance,
    write_search_names,
)

NO_TEXTS_GIVEN = json.loads(NO_TEXTS)


def stage() -> None:
    """The keys of the new published places, as write_search_names makes them, from the
    staged name, short name, kind, population and the alternate names the file gives."""
    sql.execute(
        f"CREATE TEMPORARY TABLE {STAGED_KEYS} (n INTEGER NOT NULL, key TEXT, word INTEGER,"
        " importance BIGINT, name TEXT, alternate BOOLEAN)"
    )
    last = 0
    while True:
        page = sql.rows(
            f"SELECT n, name, short_name, kind, population, texts FROM {STAGED}"
            " WHERE pk IS NULL AND status = %s AND n > %s ORDER BY n LIMIT %s",
            [Place.Status.PUBLISHED.value, last, BATCH_SIZE],
        )
        if not page:
            break
        last = page[-1][0]
        keys = []
        for n, name, short_name, kind, population, texts in page:
            given = NO_TEXTS_GIVEN if texts == NO_TEXTS else json.loads(texts)
            alternates = {other for other in given["alternate_names"] or () if other != name}
            importance = search_importance(kind, population)
            keys.extend(
                (n, key, word, importance, text, alternate)
                for word, key, text, alternate in keys_of([name, short_name], alternates)
            )
        sql.insert(STAGED_KEYS, ["n", "key", "word", "importance", "name", "alternate"], keys)


def write(total: int) -> None:
    """The search keys of the places written. A new place's were made before the writing
    (stage) and are copied in one statement, in key order (the index's). An updated
    place's are made again from its names as written (the guide's kept name and the source's
    added alternate names included), page by page from the staged rows: a page's published
    places and their alternate names in two joins, then write_search_names's DELETE and
    executemany."""
    place, alternate = sql.table(Place), sql.table(AlternateName)
    columns = ", ".join(sql.column(SearchName, name) for name in CANDIDATE_FIELDS)
    sql.execute(
        f"INSERT INTO {sql.table(SearchName)} ({columns}) SELECT s.pk, k.key, k.word,"
        f" k.importance, k.name, k.alternate FROM {STAGED_KEYS} k JOIN {STAGED} s ON s.n = k.n"
        " ORDER BY k.key"
    )
    published = Place.Status.PUBLISHED.value
    for start in range(1, total + 1, BATCH_SIZE):
        page = [start, start + BATCH_SIZE]
        ids = [
            pk
            for (pk,) in sql.rows(
                f"SELECT pk FROM {STAGED} WHERE n >= %s AND n < %s AND old_slug IS NOT NULL",
                page,
            )
        ]
        if not ids:
            continue
        places = sql.rows(
            f"SELECT p.id, p.name, p.short_name, p.kind, p.population FROM {STAGED} s"
            f" JOIN {place} p ON p.id = s.pk WHERE s.n >= %s AND s.n < %s"
            " AND s.old_slug IS NOT NULL AND p.status = %s",
            [*page, published],
        )
        alternates = sql.rows(
            f"SELECT a.place_id, a.name FROM {STAGED} s JOIN {alternate} a"
            f" ON a.place_id = s.pk WHERE s.n >= %s AND s.n < %s AND s.old_slug IS NOT NULL",
            page,
        )
        write_search_names(ids, places, alternates)
