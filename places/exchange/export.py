"""What an export holds: every place with everything a contributor can set on it."""

from places.exchange.records import PHOTO_KEYS, SECTION_NAMES
from places.models import AlternateName, Photo, Place, Section


def export_places(published_only: bool = False) -> list[dict]:
    """Every place (or every published one) as the importers read it, ordered by slug.

    Four queries: places, sections, alternate names, photos. A town that is not exported (a
    draft, with published_only) is left out, so that the file imports on its own. Photos are
    their metadata and the image's path in the media storage, which a backup copies apart.
    """
    places = Place.objects.published() if published_only else Place.objects.all()
    rows = places.order_by("slug").values(
        "pk", "name", "slug", "kind", "category", "subtitle", "short_name", "town__slug",
        "country", "status",
        "featured", "external_id", "population", "latitude", "longitude",
    )  # fmt: skip
    sections, other_names, photos = {}, {}, {}
    for place_id, kind, body in Section.objects.filter(place__in=places).values_list(
        "place_id", "kind", "body"
    ):
        if body.strip():
            sections.setdefault(place_id, {})[kind] = body
    for place_id, name in AlternateName.objects.filter(place__in=places).values_list(
        "place_id", "name"
    ):
        other_names.setdefault(place_id, []).append(name)
    for photo in (
        Photo.objects.filter(place__in=places)
        .order_by("position", "pk")
        .values("place_id", *PHOTO_KEYS)
    ):
        photos.setdefault(photo.pop("place_id"), []).append(photo)
    rows = list(rows)
    exported = {row["slug"] for row in rows}
    result = []
    for row in rows:
        pk, town = row.pop("pk"), row.pop("town__slug")
        texts = sections.get(pk, {})
        result.append(
            {
                **row,
                "town": town if town in exported else "",
                "sections": {SECTION_NAMES[kind]: texts[kind] for kind in sorted(texts)},
                "alternate_names": sorted(other_names.get(pk, [])),
                "photos": photos.get(pk, []),
            }
        )
    return result
