"""GeoJSON in and out: a FeatureCollection of Point features, read one feature at a time.

The reader decodes each feature with the json module's own decoder as the file streams in,
so memory holds one feature, not the file: a 200 MB file no longer becomes 2 GB of objects.
(ijson streams too, but its C backend grows without bound on deeply nested input, and to check
the top-level "type" the events would pass through Python, which is slower than this.)
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path

from places.exchange.records import (
    ExchangeError,
    PlaceRecord,
    coordinate,
    json_type,
    names_list,
    photos_list,
    population_value,
    sections_object,
    text_value,
)

CHUNK = 1 << 20
WHITESPACE = re.compile(r"[ \t\n\r]*")
DECODER = json.JSONDecoder()


class _Stream:
    """The file's text from a position on, read in chunks, with line and column for errors."""

    def __init__(self, file):
        self.file, self.text, self.pos, self.ended = file, "", 0, False
        self.line, self.column = 1, 0  # of text[0], for error messages

    def more(self) -> bool:
        if self.ended:
            return False
        chunk = self.file.read(CHUNK)
        if not chunk:
            self.ended = True
            return False
        # Forget what was read, counting its lines for the positions in error messages.
        lines, last = self.text.count("\n", 0, self.pos), self.text.rfind("\n", 0, self.pos)
        self.line += lines
        self.column = self.pos - last - 1 if lines else self.column + self.pos
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True

    def skip_space(self) -> str:
        """The next character after whitespace ("" at the end of the file)."""
        while True:
            self.pos = WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, characters: str) -> str:
        found = self.skip_space()
        if not found or found not in characters:
            self.fail(f"Expecting {' or '.join(repr(c) for c in characters)}")
        self.pos += 1
        return found

    def value(self):
        """The next JSON value, reading on until it is complete."""
        self.skip_space()
        while True:
            try:
                value, end = DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                # Cut off by the chunk's end (a token is at most 16 characters; a string may
                # be long), or wrong: only more of the file can tell.
                cut = error.pos > len(self.text) - 16 or error.msg.startswith("Unterminated")
                if cut and self.more():
                    continue
                self.fail(error.msg, error.pos)
            except (ValueError, RecursionError) as error:  # a 5,000-digit number, deep nesting
                raise ExchangeError(f"the JSON cannot be read: {error}") from None
            self.pos = end
            return value

    def fail(self, message, pos=None):
        pos = self.pos if pos is None else pos
        line = self.line + self.text.count("\n", 0, pos)
        last = self.text.rfind("\n", 0, pos)
        column = pos - last if last >= 0 else self.column + pos + 1
        raise ExchangeError(f"invalid JSON at line {line}, column {column}: {message}")


def read_geojson(path: Path) -> Iterator[PlaceRecord]:
    """Records from a FeatureCollection of Point features; unknown properties are ignored.

    Raises ExchangeError, possibly after some records, when the file is not one.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            yield from _features(_Stream(file))
    except UnicodeDecodeError:
        raise ExchangeError("not UTF-8 text") from None
    except OSError as error:
        raise ExchangeError(f"cannot read the file: {error.strerror}") from None


def _features(stream: _Stream) -> Iterator[PlaceRecord]:
    if stream.skip_space() != "{":
        found = stream.value()
        raise ExchangeError(f"not a GeoJSON FeatureCollection (found {json_type(found)!r})")
    stream.pos += 1
    seen_type = seen_features = False
    if stream.skip_space() == "}":
        stream.pos += 1
    else:
        while True:
            key = stream.value()
            stream.expect(":")
            if key == "features" and stream.skip_space() == "[":
                seen_features = True
                yield from _feature_list(stream)
            else:
                value = stream.value()
                if key == "type":
                    if value != "FeatureCollection":
                        raise ExchangeError(f"not a GeoJSON FeatureCollection (found {value!r})")
                    seen_type = True
            if stream.expect(",}") == "}":
                break
    if stream.skip_space():
        stream.fail("Extra data")
    if not seen_type:
        raise ExchangeError("not a GeoJSON FeatureCollection (found no 'type')")
    if not seen_features:
        raise ExchangeError('the FeatureCollection has no "features" list')


def _feature_list(stream: _Stream) -> Iterator[PlaceRecord]:
    stream.pos += 1  # the "["
    if stream.skip_space() == "]":
        stream.pos += 1
        return
    number = 0
    while True:
        number += 1
        yield feature_record(f"feature {number}", stream.value())
        if stream.expect(",]") == "]":
            return


def feature_record(where: str, feature) -> PlaceRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return PlaceRecord(where, problems=["is not a GeoJSON Feature"])
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
            longitude = coordinate(coordinates[0], "longitude", problems)
            latitude = coordinate(coordinates[1], "latitude", problems)
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        problems.append("properties must be an object")
        properties = {}
    featured = properties.get("featured", False)
    if not isinstance(featured, bool):
        problems.append(f"featured must be true or false, not {json_type(featured)}")
        featured = None
    names = properties.get("alternate_names")
    return PlaceRecord(
        where,
        name=text_value(properties, "name", problems),
        category=text_value(properties, "category", problems),
        latitude=latitude,
        longitude=longitude,
        kind=text_value(properties, "kind", problems) or "sight",
        slug=text_value(properties, "slug", problems),
        town=text_value(properties, "town", problems),
        country=text_value(properties, "country", problems),
        status=text_value(properties, "status", problems) or "published",
        external_id=text_value(properties, "external_id", problems),
        subtitle=text_value(properties, "subtitle", problems),
        short_name=text_value(properties, "short_name", problems),
        featured=featured,
        population=population_value(properties.get("population"), problems),
        sections=sections_object(properties.get("sections"), problems),
        alternate_names=[] if names is None else names_list(names, problems),
        photos=photos_list(properties.get("photos"), problems),
        problems=problems,
    )


def write_geojson(places, file) -> None:
    """A FeatureCollection, one feature per line group; optional properties appear only
    when they hold something."""
    file.write('{\n "type": "FeatureCollection",\n "features": [')
    for number, place in enumerate(places):
        properties = {key: place[key] for key in ("name", "slug", "kind", "category", "status")}
        for key in (
            "town", "country", "external_id", "subtitle", "short_name", "featured", "sections",
            "alternate_names", "photos",
        ):  # fmt: skip
            if place[key]:
                properties[key] = place[key]
        if place["population"] is not None:  # 0 is a number of people too
            properties["population"] = place["population"]
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [place["longitude"], place["latitude"]]},
            "properties": properties,
        }
        # json writes floats with repr, the shortest text that reads back as the same float.
        text = json.dumps(feature, ensure_ascii=False, indent=1, allow_nan=False)
        file.write(("," if number else "") + "\n  " + text.replace("\n", "\n  "))
    file.write("\n ]\n}\n")
