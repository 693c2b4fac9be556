"""Test data made the way several test modules need it."""

from places.models import Place, Section

# The KarLag Museum's position, in the demo and in tests that place it by hand.
KARLAG = {"latitude": 49.679, "longitude": 72.6855}


def scatter(make_place, rng, count, latitude, longitude, spread, name="Place"):
    """`count` places around a point, up to `spread` degrees of latitude away (half as far
    again in longitude), one in five a draft."""
    return [
        make_place(
            f"{name} {i}",
            latitude + rng.uniform(-spread, spread),
            longitude + rng.uniform(-1.5 * spread, 1.5 * spread),
            status=rng.choice([Place.Status.PUBLISHED] * 4 + [Place.Status.DRAFT]),
        )
        for i in range(count)
    ]


def museum_with_sections(make_place, name):
    """A museum in Shakhtinsk, Kazakhstan, whose sections were written out of page order and
    one of them left empty: pages and the API order them and leave the empty one out."""
    town = make_place("Shakhtinsk", 49.707, 72.593, kind=Place.Kind.AREA, category="City")
    museum = make_place(name, town=town, country="Kazakhstan")
    for kind, body in [
        (Section.Kind.DID_YOU_KNOW, "Built by prisoners."),
        (Section.Kind.DESCRIPTION, "A *history* museum."),
        (Section.Kind.CULTURE, ""),
        (Section.Kind.HISTORY, "Opened in 2001."),
    ]:
        museum.sections.create(kind=kind, body=body)
    return museum


def rename(place, new_slug, **changes):
    """Give a place a new slug (and other changes), as a contributor does in the admin."""
    place.slug = new_slug
    for field, value in changes.items():
        setattr(place, field, value)
    place.save()
    return place
