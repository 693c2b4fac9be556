"""The nearby list: the true nearest published places, by great-circle distance."""

import random

import pytest
from haversine import Unit, haversine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from places.models import Place
from places.nearby import nearest
from tests.data import scatter
from tests.pages import nearby_items


def expected_nearby(origin, places, radius_km, limit):
    """Brute force with the independent haversine package."""
    rows = []
    for place in places:
        km = haversine(
            (origin.latitude, origin.longitude),
            (place.latitude, place.longitude),
            unit=Unit.KILOMETERS,
        )
        if place.pk != origin.pk and place.is_published and km <= radius_km:
            rows.append((km, place.name, place.pk))
    return sorted(rows, key=lambda row: (row[0], row[2]))[:limit]


def test_nearby_lists_the_nearest_published_places_sorted_with_distances(client, make_place):
    rng = random.Random(7)
    origin = make_place("Origin", 49.68, 72.69)
    others = scatter(make_place, rng, 60, 49.68, 72.69, 0.6, name="Sight")

    page = client.get(origin.get_absolute_url()).content.decode()

    expected = expected_nearby(origin, others, 50, 30)
    assert nearby_items(page) == [
        (name, f"{km:.1f}".removesuffix(".0") + " km") for km, name, _ in expected
    ]
    assert 0 < len(expected)


def test_radius_cuts_off_and_the_place_itself_and_drafts_are_left_out(client, make_place):
    origin = make_place("Origin", 0.0, 0.0)
    make_place("Same spot", 0.0, 0.0)
    make_place("Just inside", 0.0, 0.449)  # 49.93 km along the equator
    make_place("Just outside", 0.0, 0.451)  # 50.15 km
    make_place("Draft next door", 0.0, 0.01, status=Place.Status.DRAFT)

    names = [
        name for name, _ in nearby_items(client.get(origin.get_absolute_url()).content.decode())
    ]

    assert names == ["Same spot", "Just inside"]


def test_radius_and_limit_come_from_settings(client, make_place, settings):
    settings.PLACES_NEARBY_RADIUS_KM = 10
    settings.PLACES_NEARBY_LIMIT = 2
    origin = make_place("Origin", 0.0, 0.0)
    for i, lon in enumerate([0.01, 0.02, 0.03, 0.2]):
        make_place(f"P{i}", 0.0, lon)

    names = [
        name for name, _ in nearby_items(client.get(origin.get_absolute_url()).content.decode())
    ]

    assert names == ["P0", "P1"]


def test_towns_and_districts_are_listed_apart_from_sights(client, make_place):
    origin = make_place("Origin", 0.0, 0.0)
    make_place("Village", 0.0, 0.01, kind=Place.Kind.AREA, category="Village")
    make_place("Statue", 0.0, 0.02)

    page = client.get(origin.get_absolute_url()).content.decode()

    sights, areas = page.split("Towns and districts")
    assert [n for n, _ in nearby_items(sights)] == ["Statue"]
    assert [n for n, _ in nearby_items(areas)] == ["Village"]


def test_places_across_the_antimeridian_are_neighbours(client, make_place):
    origin = make_place("East edge", 0.0, 179.9)
    make_place("West edge", 0.0, -179.9)

    page = client.get(origin.get_absolute_url()).content.decode()

    assert nearby_items(page) == [("West edge", "22.2 km")]


def test_places_around_the_pole_are_neighbours(client, make_place):
    origin = make_place("Pole camp", 89.9, 0.0)
    make_place("Other side", 89.9, 180.0)  # 22.2 km across the pole

    page = client.get(origin.get_absolute_url()).content.decode()

    assert nearby_items(page) == [("Other side", "22.2 km")]


def test_places_at_identical_coordinates_are_listed_at_0_km_in_the_order_they_were_added(
    client, make_place
):
    origin = make_place("Fountain", 49.68, 72.69)
    make_place("Kiosk", 49.68, 72.69)
    make_place("Bench", 49.68, 72.69)

    page = client.get(origin.get_absolute_url()).content.decode()

    assert nearby_items(page) == [("Kiosk", "0 km"), ("Bench", "0 km")]


def test_a_radius_wider_than_the_earth_reaches_the_antipode(make_place):
    make_place("Null Island", 0.0, 0.0)
    make_place("Antipode", 0.0, 180.0)
    make_place("Halfway", 0.0, 90.0)

    found = Place.objects.nearest_published(0.0, 0.0, 50_000, 10)

    assert [place.name for place in found] == ["Null Island", "Halfway", "Antipode"]
    assert [place.distance_km for place in found] == pytest.approx(
        [0.0, haversine((0, 0), (0, 90)), haversine((0, 0), (0, 180))], abs=1e-6
    )


def test_town_page_lists_all_places_near_the_town_by_distance(client, make_place, settings):
    settings.PLACES_NEARBY_LIMIT = 1
    town = make_place("Town", 0.0, 0.0, kind=Place.Kind.AREA, category="City")
    museum = make_place("Museum", 0.0, 0.01, town=town)
    make_place("Park", 0.0, 0.1)

    page = client.get(museum.get_absolute_url()).content.decode()
    assert '<a href="/places/town/nearby/">Discover all places nearby (Town)</a>' in page

    listing = client.get("/places/town/nearby/").content.decode()
    assert nearby_items(listing) == [("Museum", "1.1 km"), ("Park", "11.1 km")]


coordinates = st.tuples(
    st.floats(min_value=-90, max_value=90), st.floats(min_value=-180, max_value=180)
)
# Offsets in degrees from a random centre: a few hundred km, so the data sets cross the
# antimeridian and the poles when the centre lies near them, and repeat points sometimes.
offsets = st.tuples(st.floats(min_value=-3, max_value=3), st.floats(min_value=-3, max_value=3))


def moved(centre, offset):
    latitude = max(-90.0, min(90.0, centre[0] + offset[0]))
    return latitude, (centre[1] + offset[1] + 180) % 360 - 180


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    centre=coordinates,
    place_offsets=st.lists(st.tuples(offsets, st.booleans()), max_size=30),
    query_offset=offsets,
    radius=st.sampled_from([1, 50, 200, 20000]),
    limit=st.integers(min_value=1, max_value=40),
)
def test_lookup_equals_brute_force_on_random_data(
    centre, place_offsets, query_offset, radius, limit
):
    Place.objects.all().delete()
    places = [
        Place.objects.create(
            name=f"P{i}",
            slug=f"p{i}",
            category="Test",
            status=Place.Status.PUBLISHED if published else Place.Status.DRAFT,
            latitude=moved(centre, offset)[0],
            longitude=moved(centre, offset)[1],
        )
        for i, (offset, published) in enumerate(place_offsets)
    ]
    # The guide keeps coordinates to 7 decimals; the query point is rounded the same way.
    latitude, longitude = (round(value, 7) for value in moved(centre, query_offset))
    query = Place(latitude=latitude, longitude=longitude, status=Place.Status.PUBLISHED)

    found = Place.objects.nearest_published(latitude, longitude, radius, limit)

    expected = expected_nearby(query, places, radius, limit)
    assert [p.pk for p in found] == [pk for _, _, pk in expected]
    assert [p.distance_km for p in found] == pytest.approx([km for km, _, _ in expected], abs=1e-6)


def test_places_tied_at_a_pole_come_in_the_order_they_were_added(make_place):
    # Found by the property test above: from different longitudes of the pole, the two
    # distances differed in their last bits, and the later place came first.
    first = make_place("First", 90.0, 2.0)
    second = make_place("Second", 90.0, 0.0)
    query = Place(latitude=89.953125, longitude=0.0)

    found = Place.objects.nearest_published(query.latitude, query.longitude, 50, 1)

    assert [place.pk for place in found] == [first.pk]
    assert expected_nearby(query, [first, second], 50, 1)[0][2] == first.pk


def test_coordinates_are_kept_to_seven_decimals_so_tiny_differences_cannot_underflow(
    client, make_place
):
    origin = make_place("Origin", 1e-300, -2.2250738585072014e-308)
    make_place("Neighbour", 0.4, 1e-300)

    page = client.get(origin.get_absolute_url()).content.decode()

    origin.refresh_from_db()
    assert (origin.latitude, origin.longitude) == (0.0, 0.0)
    assert nearby_items(page) == [("Neighbour", "44.5 km")]


def test_nearest_published_is_a_manager_method_that_filtered_querysets_do_not_offer(make_place):
    make_place("Town", 0.0, 0.0, kind=Place.Kind.AREA)
    make_place("Statue", 0.0, 0.01)

    # It reads every published place by its own index, so a filter could not narrow it.
    with pytest.raises(AttributeError):
        Place.objects.filter(kind=Place.Kind.AREA).nearest_published(0.0, 0.0, 10, 5)
    assert [p.name for p in Place.objects.nearest_published(0.0, 0.0, 10, 5)] == [
        "Town",
        "Statue",
    ]


def test_the_lookup_takes_the_status_it_is_given_rather_than_spelling_one(make_place):
    make_place("Published", 0.0, 0.0)
    make_place("Draft", 0.0, 0.01, status=Place.Status.DRAFT)

    drafts = nearest(Place, "default", Place.Status.DRAFT.value, 0.0, 0.0, 10, 5)

    assert [p.name for p in drafts] == ["Draft"]
