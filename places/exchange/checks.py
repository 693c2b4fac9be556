"""One record checked alone, through the model fields' own validation, as the admin's form
checks what a contributor types: lengths, NUL characters, choices, the slug pattern, ranges."""

import math
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)

from places import images
from places.exchange.records import PLACE_COLUMNS, PlaceRecord
from places.models import AlternateName, Photo, Place, Section, stored_coordinates

# Each value an import stores, by the name its problems are reported under, with the model
# field whose validation it goes through.
CHECKED_FIELDS = {
    **{name: Place._meta.get_field(name) for name in PLACE_COLUMNS if name != "cell"},
    "town": Place._meta.get_field("slug"),  # a town is given by its slug
    "section": Section._meta.get_field("body"),
    "alternate name": AlternateName._meta.get_field("name"),
    **{
        f"photo {name}": Photo._meta.get_field(name)
        for name in ("alt_text", "caption", "credit", "licence")
    },
    "photo position": Photo._meta.get_field("position"),
}
PLACE_CHECKED = [name for name in PLACE_COLUMNS if name not in ("cell", "latitude", "longitude")]
IMAGE_MAX_LENGTH = Photo._meta.get_field("image").max_length
ALT_TEXT_BLANK = Photo._meta.get_field("alt_text").error_messages["blank"]


def check_record(record: PlaceRecord) -> tuple[list[str], float | None, float | None, int | None]:
    """What is wrong with the record (the reader's findings and the fields'), the coordinates
    to store and their grid cell (None when the record has no coordinates)."""
    problems = list(record.problems)
    values = {name: getattr(record, name) for name in PLACE_CHECKED}
    if not record.slug:
        del values["slug"]  # made from the name later
    if record.town:
        values["town"] = record.town
    _check_fields(values, problems)
    for body in (record.sections or {}).values():
        _check_fields({"section": body}, problems)
    for name in record.alternate_names or ():
        _check_fields({"alternate name": name}, problems)
    for photo in record.photos or ():
        _check_photo(photo, problems, record.status == Place.Status.PUBLISHED)
    if record.latitude is None or record.longitude is None:
        return problems, None, None, None
    latitude, longitude, cell = stored_coordinates(record.latitude, record.longitude)
    _check_fields({"latitude": latitude, "longitude": longitude}, problems)
    return problems, latitude, longitude, cell


def _check_fields(values: dict, problems: list[str]) -> None:
    """Each value through its model field's own validation, as the admin's form does."""
    for name, value in values.items():
        if value is None:
            continue  # the reader has said what is wrong with it
        errors = CHECKS[name](value)
        if errors:
            problems.extend(f"{name}: {message}" for message in errors)


def _field_check(model_field) -> Callable[[object], tuple[str, ...]]:
    """model_field.clean's error messages for a value, made cheaper for the many values of an
    import without changing a verdict: values within the limits the field's own validators
    set are accepted at once, and the verdicts on repeated values are remembered."""
    kinds = {type(validator) for validator in model_field.validators}
    limits = {type(v): v.limit_value for v in model_field.validators if hasattr(v, "limit_value")}
    within = None
    if model_field.choices is None and kinds <= {
        MaxLengthValidator,
        ProhibitNullCharactersValidator,
    }:
        longest, blank = limits.get(MaxLengthValidator, math.inf), model_field.blank

        def within(value):
            return (
                type(value) is str
                and len(value) <= longest
                and (value or blank)
                and ("\x00" not in value or ProhibitNullCharactersValidator not in kinds)
            )
    elif kinds == {MinValueValidator, MaxValueValidator}:
        low, high = limits[MinValueValidator], limits[MaxValueValidator]

        def within(value):
            return type(value) in (float, int) and low <= value <= high

    verdicts = {}

    def check(value) -> tuple[str, ...]:
        if within is not None and within(value):
            return ()
        errors = verdicts.get(value)
        if errors is None:
            try:
                model_field.clean(value, None)
                errors = ()
            except ValidationError as error:
                errors = tuple(error.messages)
            if len(verdicts) < 1000:  # categories, countries, kinds, statuses
                verdicts[value] = errors
        return errors

    return check


def _check_photo(photo: dict, problems: list[str], published: bool) -> None:
    values = {f"photo {key}": value for key, value in photo.items() if key != "image"}
    # As in the admin: a draft's photos may wait for their alt text, a published place's may not.
    if not photo["alt_text"].strip():
        del values["photo alt_text"]
        if published:
            problems.append(f"photo alt_text: {ALT_TEXT_BLANK}")
    _check_fields(values, problems)
    path = photo["image"]
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or ".." in parts or "\x00" in path:
        problems.append(f"photo image {path!r} must be a path inside the media storage")
    elif len(path) > IMAGE_MAX_LENGTH:
        problems.append(f"photo image has {len(path)} characters, more than {IMAGE_MAX_LENGTH}")
    elif not default_storage.exists(path):
        problems.append(f"photo image {path!r} is not in the media storage")
    else:
        with default_storage.open(path) as file:
            if images.dimensions(file) is None:
                problems.append(f"photo image {path!r} is not a JPEG, PNG or WebP image")
                return
            file.seek(0)
            # Served as it is: a file with a camera's GPS position must not be. Files the
            # guide made (an export's) carry none.
            if found := images.metadata(file):
                problems.append(
                    f"photo image {path!r} carries metadata ({', '.join(found)}), which would"
                    " be served to every visitor: upload it through the admin, which removes"
                    " it, or strip it from the file first"
                )


CHECKS = {name: _field_check(model_field) for name, model_field in CHECKED_FIELDS.items()}
