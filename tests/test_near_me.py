""" "Near me": the places nearest to a position given as coordinates, or by the browser."""

import pytest

from places.models import Place
from tests.pages import h1_count, nearby_items


def test_near_me_lists_the_nearest_published_places_to_the_coordinates(
    client, make_place, django_assert_num_queries
):
    make_place("KarLag Museum", 49.679, 72.6855)
    make_place("Shakhtinsk", 49.707, 72.593, kind=Place.Kind.AREA)
    make_place("Secret", 49.68, 72.69, status=Place.Status.DRAFT)
    make_place("Far away", 10.0, 10.0)

    # The nearby lookup only (not cached: every position is another page): its rings up to
    # 128 km, then the wider ones out to 500 km, as the first held fewer than 200 places.
    with django_assert_num_queries(2):
        response = client.get("/nearby/?lat=49.68&lon=72.69")

    assert response.status_code == 200
    assert nearby_items(response.content.decode()) == [
        ("KarLag Museum", "0.3 km"),
        ("Shakhtinsk", "7.6 km"),
    ]


def test_near_me_without_coordinates_offers_the_button_and_the_form(client, db):
    page = client.get("/nearby/").content.decode()

    assert h1_count(page) == 1
    # The button shows only once our script finds the browser can locate itself.
    assert '<button type="button" class="near-me" hidden data-near-me="/nearby/"' in page
    assert '<script src="/static/js/near-me.js" defer></script>' in page
    assert '<form class="coordinates-form" method="get" action="/nearby/"' in page
    assert 'name="lat"' in page and 'name="lon"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lat=91&lon=10", "Latitude must be between -90 and 90 degrees (north is positive)."),
        ("lat=10&lon=-181", "Longitude must be between -180 and 180 degrees (east is positive)."),
        ("lat=abc&lon=10", "Enter a number."),
        ("lat=nan&lon=10", "Enter a number."),
        ("lat=10", "This field is required."),
    ],
)
def test_bad_coordinates_get_a_clear_message_on_the_page(client, make_place, query, message):
    make_place("KarLag Museum", 10.0, 10.0)

    response = client.get(f"/nearby/?{query}")
    page = response.content.decode()

    assert response.status_code == 400
    assert message in page
    assert h1_count(page) == 1
    assert nearby_items(page) == []
    assert 'value="10"' in page  # what the visitor typed is kept
