"""What a reader makes of one place in a source, and the conversions both file formats share."""

import math
from dataclasses import dataclass, field

from places.models import AlternateName, Photo, Place, Section


class ExchangeError(ValueError):
    """A file that cannot be read as a whole, or data that a format cannot hold."""


# Section kinds by the key files use for them: "description", ..., "did_you_know".
SECTION_KEYS = {kind.name.lower(): kind.value for kind in Section.Kind}
SECTION_NAMES = {value: key for key, value in SECTION_KEYS.items()}
# A place's fields as files name them, in the order CSV writes them; the coordinates are
# GeoJSON's geometry and the texts come after.
PLACE_KEYS = (
    "name", "latitude", "longitude", "category", "kind", "slug", "town", "country", "status",
    "external_id", "subtitle", "short_name", "featured", "population",
)  # fmt: skip
# The Place columns an import stores, in the staged table's order.
PLACE_COLUMNS = (
    "name", "slug", "kind", "category", "subtitle", "short_name", "country", "latitude",
    "longitude", "cell", "status", "featured", "external_id", "population",
)  # fmt: skip
REQUIRED_KEYS = ("name", "latitude", "longitude", "category")
PHOTO_KEYS = ("image", "alt_text", "caption", "credit", "licence", "position")
# Derived when a place or its texts are saved, or kept by the database (edit_version counts
# saves, places/history.py), or the review's record of this site's accounts
# (places/workflow.py), which means nothing elsewhere: never exported.
DERIVED_FIELDS = {
    Place: {
        "id",
        "cell",
        "edit_version",
        "created",
        "updated",
        "created_by",
        "submitted_by",
        "submitted_at",
        "review_note",
    },
    Section: {"id", "place", "body_html", "created", "updated"},
    Photo: {"id", "place", "width", "height", "created"},
    AlternateName: {"id", "place"},
}


@dataclass(slots=True, eq=False)
class PlaceRecord:
    """One place read from a source, as the source gives it, with what is wrong with it.

    A value that could not be read is None and `problems` says why. `town`, `sections`,
    `alternate_names` and `photos` set to None mean "the source does not say": an update
    leaves them as they are (GeoNames has no texts, so it must not delete the guide's).
    """

    where: str  # "line 4", "feature 2": how error messages name the record
    name: str | None = None
    category: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    kind: str | None = Place.Kind.SIGHT.value
    slug: str | None = ""  # "" for one made from the name
    town: str | None = ""  # the slug of an area place; "" for none
    country: str | None = ""
    status: str | None = Place.Status.PUBLISHED.value
    external_id: str | None = ""
    subtitle: str | None = ""
    short_name: str | None = ""
    featured: bool | None = False
    population: int | None = None  # None: not known (or, with a problem, not readable)
    sections: dict[int, str] | None = field(default_factory=dict)  # Section.Kind → body
    alternate_names: list[str] | None = field(default_factory=list)
    photos: list[dict] | None = field(default_factory=list)  # PHOTO_KEYS → value
    problems: list[str] = field(default_factory=list)


def text_value(values, key, problems, default=""):
    """A text property, stripped; None (and a problem) when it is not text."""
    value = values.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        problems.append(f"{key} must be text, not {json_type(value)}")
        return None
    return value.strip()


def coordinate(value, key, problems, text=False) -> float | None:
    """A latitude or longitude: a JSON number, or a CSV cell when `text`. The range is the
    model's to check; a value that is not a finite number is the format's."""
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
            problems.append(f"{key} is too large a number")
            return None
    else:
        problems.append(f"{key} must be a number, not {json_type(value)}")
        return None
    if not math.isfinite(number):
        problems.append(f"{key} is {value!s}, not a finite number")
        return None
    return number


def population_value(value, problems, text=False) -> int | None:
    """A number of people: a whole JSON number, or a CSV cell of ASCII digits ("" for none).
    The range is the model's to check."""
    if text:
        value = value.strip()
        if not value:
            return None
        if value.isascii() and value.lstrip("-").isdigit():
            return int(value)
        problems.append(f"population {value!r} is not a whole number")
        return None
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    problems.append(f"population must be a whole number, not {json_type(value)}")
    return None


def names_list(names, problems) -> list[str] | None:
    """Alternate names stripped, without blanks or repeats (a place has each once)."""
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        problems.append("alternate_names must be a list of texts")
        return None
    return [name for name in dict.fromkeys(name.strip() for name in names) if name]


def sections_object(value, problems) -> dict[int, str] | None:
    """Sections from {"description": "...", ...}; empty ones are left out."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"sections must be an object, not {json_type(value)}")
        return None
    sections = {}
    for key, body in value.items():
        if key not in SECTION_KEYS:
            problems.append(f"unknown section {key!r} (expected {', '.join(SECTION_KEYS)})")
        elif body is not None and not isinstance(body, str):
            problems.append(f"section {key} must be text, not {json_type(body)}")
        elif body and body.strip():
            sections[SECTION_KEYS[key]] = body
    return sections


def photos_list(value, problems) -> list[dict] | None:
    """Photos as [{"image": "photos/2026/01/a.jpg", "alt_text": ..., ...}, ...]."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(photo, dict) for photo in value):
        problems.append("photos must be a list of objects")
        return None
    photos = []
    for photo in value:
        unknown = set(photo) - set(PHOTO_KEYS)
        if unknown:
            problems.append(f"unknown photo key(s): {', '.join(sorted(unknown))}")
            return None
        texts = {key: photo.get(key, "") for key in PHOTO_KEYS if key != "position"}
        position = photo.get("position", 0)
        if not all(isinstance(text, str) for text in texts.values()):
            problems.append("a photo's image, alt_text, caption, credit and licence must be texts")
            return None
        if not isinstance(position, int) or isinstance(position, bool):
            problems.append(f"a photo's position must be a whole number, not {position!r}")
            return None
        photos.append({**texts, "position": position})
    return photos


def json_type(value) -> str:
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
