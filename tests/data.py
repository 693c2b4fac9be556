"""Test data made the way several test modules need it."""

from places.models import Place


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


def rename(place, new_slug, **changes):
    """Give a place a new slug (and other changes), as a contributor does in the admin."""
    place.slug = new_slug
    for field, value in changes.items():
        setattr(place, field, value)
    place.save()
    return place
