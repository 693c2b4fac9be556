"""CSV in and out: UTF-8 with a header row, one place a row, read one row at a time.

A place's photos (several, each with five texts and a position) go in one `photos` cell as a
JSON list, so that any caption survives; alternate names go in one cell separated by "|".
"""

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from places.exchange.records import (
    PLACE_KEYS,
    REQUIRED_KEYS,
    SECTION_KEYS,
    ExchangeError,
    PlaceRecord,
    coordinate,
    names_list,
    photos_list,
    population_value,
)

COLUMNS = (*PLACE_KEYS, *SECTION_KEYS, "alternate_names", "photos")
ALTERNATE_NAMES_SEPARATOR = "|"
# Sections longer than csv's default field limit (128 KiB) must still round-trip.
FIELD_LIMIT = 16 * 1024 * 1024
FEATURED = {"": False, "false": False, "true": True}


class CsvReader:
    """Records from a CSV file; `ignored` names the unknown columns, known once it is open."""

    def __init__(self, path: Path):
        csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
        self.path, self.ignored = path, []

    def __iter__(self) -> Iterator[PlaceRecord]:
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as file:
                yield from self._records(csv.reader(file))
        except UnicodeDecodeError:
            raise ExchangeError("not UTF-8 text") from None
        except OSError as error:
            raise ExchangeError(f"cannot read the file: {error.strerror}") from None

    def _records(self, reader) -> Iterator[PlaceRecord]:
        try:
            header = [column.strip() for column in next(reader)]
        except StopIteration:
            raise ExchangeError("the file is empty") from None
        except csv.Error as error:
            raise ExchangeError(f"line 1: {error}") from None
        repeated = sorted({column for column in header if column and header.count(column) > 1})
        if repeated:
            raise ExchangeError(f"repeated column(s) in the header: {', '.join(repeated)}")
        missing = [column for column in REQUIRED_KEYS if column not in header]
        if missing:
            raise ExchangeError(f"missing required column(s): {', '.join(missing)}")
        self.ignored = [column for column in header if column and column not in COLUMNS]
        line = reader.line_num  # the last line read so far; a record starts on the next one
        try:
            for row in reader:
                where = f"line {line + 1}"
                line = reader.line_num
                if row:  # not a blank line
                    yield row_record(where, header, row)
        except csv.Error as error:
            raise ExchangeError(f"line {reader.line_num}: {error}") from None


def row_record(where: str, header: list[str], row: list[str]) -> PlaceRecord:
    problems = []
    if len(row) != len(header):
        problems.append(f"has {len(row)} fields where the header has {len(header)}")
    values = dict(zip(header, row, strict=False))
    get = values.get
    featured = FEATURED.get(get("featured", "").strip().lower())
    if featured is None:
        problems.append(f"featured {get('featured')!r} is not true or false")
    names = get("alternate_names", "")
    return PlaceRecord(
        where,
        name=get("name", "").strip(),
        category=get("category", "").strip(),
        latitude=coordinate(get("latitude", ""), "latitude", problems, text=True),
        longitude=coordinate(get("longitude", ""), "longitude", problems, text=True),
        kind=get("kind", "").strip() or "sight",
        slug=get("slug", "").strip(),
        town=get("town", "").strip(),
        country=get("country", "").strip(),
        status=get("status", "").strip() or "published",
        external_id=get("external_id", "").strip(),
        subtitle=get("subtitle", "").strip(),
        short_name=get("short_name", "").strip(),
        featured=featured,
        population=population_value(get("population", ""), problems, text=True),
        sections={kind: values[key] for key, kind in SECTION_KEYS.items() if _given(get(key))},
        alternate_names=names_list(names.split(ALTERNATE_NAMES_SEPARATOR), problems)
        if names
        else [],
        photos=_photos(get("photos"), problems),
        problems=problems,
    )


def _given(cell: str | None) -> bool:
    return bool(cell) and not cell.isspace()


def _photos(cell: str | None, problems: list[str]) -> list[dict] | None:
    if not _given(cell):
        return []
    try:
        value = json.loads(cell)
    except ValueError:
        problems.append("photos must be a JSON list of objects")
        return None
    return photos_list(value, problems)


def write_csv(places, file) -> None:
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(COLUMNS)
    for place in places:
        for name in place["alternate_names"]:
            if ALTERNATE_NAMES_SEPARATOR in name:
                raise ExchangeError(
                    f"{place['slug']}: alternate name {name!r} contains "
                    f"{ALTERNATE_NAMES_SEPARATOR!r}, which CSV uses between names; "
                    "export as GeoJSON instead"
                )
        photos = place["photos"]
        values = {
            **place,
            "latitude": repr(place["latitude"]),
            "longitude": repr(place["longitude"]),
            "featured": "true" if place["featured"] else "",
            "population": "" if place["population"] is None else str(place["population"]),
            **place["sections"],
            "alternate_names": ALTERNATE_NAMES_SEPARATOR.join(place["alternate_names"]),
            "photos": json.dumps(photos, ensure_ascii=False) if photos else "",
        }
        writer.writerow([values.get(column, "") for column in COLUMNS])
