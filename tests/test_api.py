"""The JSON API: nearby places, one place, places in a box, errors, and its OpenAPI description."""

import copy
import io
import json
import random
import re
import socket
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from haversine import Unit, haversine
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from places import api, urls
from places.models import Place, Section
from tests.data import museum_with_sections, rename, scatter

GEOJSON = "application/geo+json"
DOCS = Path(__file__).parents[1] / "docs"
OPENAPI = json.loads((DOCS / "openapi.json").read_text())


@pytest.fixture(autouse=True)
def _answers_uncached(settings):
    """The API's own queries and answers: within a test's transaction nothing commits, so the
    page cache would keep serving an answer from before a change. Its answers are cached as
    pages are, and tested with them (tests/test_page_cache.py, test_page_cache_edits.py)."""
    settings.PLACES_PAGE_CACHE_SECONDS = 0


# The KarLag Museum made at (49.679, 72.6855), as a list of places answers it.
KARLAG_MUSEUM = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [72.6855, 49.679]},
    "properties": {
        "name": "KarLag Museum",
        "slug": "karlag-museum",
        "url": "http://testserver/places/karlag-museum/",
        "category": "Museum",
        "kind": "sight",
    },
}


def get(client, path, **params):
    return client.get(path, params)


def features(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == GEOJSON
    return response.json()["features"]


def slugs(response):
    return [feature["properties"]["slug"] for feature in features(response)]


def png(name="photo.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# /api/nearby/


def test_nearby_lists_published_places_nearest_first_with_haversine_distances(client, make_place):
    rng = random.Random(11)
    places = scatter(make_place, rng, 60, 49.68, 72.69, 0.5)
    expected = sorted(
        (haversine((49.679, 72.6855), (p.latitude, p.longitude), unit=Unit.KILOMETERS), p.slug)
        for p in places
        if p.is_published
    )
    expected = [row for row in expected if row[0] <= 30][:25]

    found = features(get(client, "/api/nearby/", lat=49.679, lon=72.6855, radius_km=30, limit=25))

    assert [f["properties"]["slug"] for f in found] == [slug for _, slug in expected]
    for feature, (km, _) in zip(found, expected, strict=True):
        assert feature["properties"]["distance_km"] == pytest.approx(km, abs=0.0005 + 1e-9)
        assert feature["properties"]["distance_km"] == round(
            feature["properties"]["distance_km"], 3
        )
    distances = [f["properties"]["distance_km"] for f in found]
    assert distances == sorted(distances)
    assert 10 < len(found) <= 25


def test_nearby_feature_is_a_geojson_point_with_the_place_properties(client, make_place):
    town = make_place("Shakhtinsk", 49.707, 72.593, kind=Place.Kind.AREA, category="City")
    make_place("KarLag Museum", 49.679, 72.6855, slug="karlag-museum", town=town)

    response = get(client, "/api/nearby/", lat=49.679, lon=72.6855)

    assert response["Content-Type"] == GEOJSON
    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            {
                **KARLAG_MUSEUM,
                "properties": {**KARLAG_MUSEUM["properties"], "distance_km": 0.0},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [72.593, 49.707]},
                "properties": {
                    "name": "Shakhtinsk",
                    "slug": "shakhtinsk",
                    "url": "http://testserver/places/shakhtinsk/",
                    "category": "City",
                    "kind": "area",
                    "distance_km": round(
                        haversine((49.679, 72.6855), (49.707, 72.593), unit=Unit.KILOMETERS), 3
                    ),
                },
            },
        ],
    }


def test_nearby_leaves_out_drafts(client, make_place):
    make_place("Published", 0.0, 0.01)
    make_place("Draft", 0.0, 0.0, status=Place.Status.DRAFT)

    assert slugs(get(client, "/api/nearby/", lat=0, lon=0)) == ["published"]


def test_nearby_respects_limit_and_radius(client, make_place):
    for i in range(1, 8):
        make_place(f"P{i}", 0.0, i * 0.01)  # 1.11 km apart along the equator

    assert slugs(get(client, "/api/nearby/", lat=0, lon=0, limit=3)) == ["p1", "p2", "p3"]
    assert slugs(get(client, "/api/nearby/", lat=0, lon=0, radius_km=3.4)) == ["p1", "p2", "p3"]
    assert slugs(get(client, "/api/nearby/", lat=0, lon=0, radius_km=5, limit=2)) == ["p1", "p2"]


def test_nearby_defaults_to_20_places_within_the_nearby_radius_setting(
    client, make_place, settings
):
    for i in range(1, 26):
        make_place(f"P{i}", 0.0, i * 0.01)

    assert len(slugs(get(client, "/api/nearby/", lat=0, lon=0))) == 20

    settings.PLACES_NEARBY_RADIUS_KM = 2.5
    assert slugs(get(client, "/api/nearby/", lat=0, lon=0)) == ["p1", "p2"]


def test_nearby_accepts_the_largest_limit_and_radius(client, make_place, settings):
    settings.PLACES_API_MAX_LIMIT = 3
    settings.PLACES_API_MAX_RADIUS_KM = 200
    make_place("Far", 0.0, 1.7)  # 189 km

    assert slugs(get(client, "/api/nearby/", lat=0, lon=0, limit=3, radius_km=200)) == ["far"]
    assert get(client, "/api/nearby/", lat=0, lon=0, limit=4).status_code == 400
    assert get(client, "/api/nearby/", lat=0, lon=0, radius_km=200.5).status_code == 400


def test_nearby_finds_places_across_the_antimeridian(client, make_place):
    make_place("West edge", 0.0, -179.95)

    found = features(get(client, "/api/nearby/", lat=0, lon=179.95))

    assert [f["properties"]["slug"] for f in found] == ["west-edge"]
    assert found[0]["properties"]["distance_km"] == pytest.approx(11.119, abs=0.001)


def test_nearby_finds_places_across_the_pole(client, make_place):
    make_place("Other side", 89.9, 180.0)

    found = features(get(client, "/api/nearby/", lat=89.9, lon=0))

    assert found[0]["properties"]["distance_km"] == pytest.approx(22.239, abs=0.001)


def test_nearby_is_one_query_and_two_beyond_128_km_when_the_first_128_hold_too_few(
    client, make_place, django_assert_num_queries
):
    for i in range(30):
        make_place(f"P{i}", 0.0, i * 0.01)
    make_place("Far", 0.0, 3.0)  # 334 km

    with django_assert_num_queries(1):  # the rings up to 128 km
        assert len(features(get(client, "/api/nearby/", lat=0, lon=0, limit=30))) == 30
    with django_assert_num_queries(1):  # the rings up to 128 km hold 30: no wider ring
        assert len(features(get(client, "/api/nearby/", lat=0, lon=0, radius_km=500))) == 20
    with django_assert_num_queries(2):  # the rings up to 128 km, then those out to 500 km
        found = slugs(get(client, "/api/nearby/", lat=0, lon=0, radius_km=500, limit=31))
    assert found[-1] == "far"


def test_nearby_places_at_the_same_distance_come_in_the_order_they_were_added(client, make_place):
    for name in ["Zoo", "Museum", "Abbey"]:
        make_place(name, 0.0, 0.01)

    assert slugs(get(client, "/api/nearby/", lat=0, lon=0)) == ["zoo", "museum", "abbey"]


# /api/places/<slug>/


def test_place_returns_sections_in_page_order_photos_and_alternate_names(client, make_place):
    museum = museum_with_sections(make_place, "KarLag Museum")
    museum.photos.create(
        image=png(), alt_text="The building", caption="Front", credit="A. Author", licence="CC0-1.0"
    )
    museum.alternate_names.create(name="Музей КарЛАГа")
    museum.alternate_names.create(name="Karlag")

    response = client.get("/api/places/karlag-museum/")

    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    assert b"\\u041c\\u0443\\u0437\\u0435\\u0439" in response.content  # "Музей", ASCII-escaped
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [72.69, 49.68]}
    properties = dict(feature["properties"])
    (photo,) = properties.pop("photos")
    assert properties == {
        "name": "KarLag Museum",
        "slug": "karlag-museum",
        "url": "http://testserver/places/karlag-museum/",
        "category": "Museum",
        "kind": "sight",
        "subtitle": "Museum in Shakhtinsk, Kazakhstan",
        "country": "Kazakhstan",
        "town": "shakhtinsk",
        "alternate_names": ["Karlag", "Музей КарЛАГа"],  # alphabetically
        "sections": [
            {
                "kind": "description",
                "title": "Description",
                "text": "A *history* museum.",
                "html": "<p>A <em>history</em> museum.</p>",
            },
            {
                "kind": "history",
                "title": "History",
                "text": "Opened in 2001.",
                "html": "<p>Opened in 2001.</p>",
            },
            {
                "kind": "did_you_know",
                "title": "Did you know?",
                "text": "Built by prisoners.",
                "html": "<p>Built by prisoners.</p>",
            },
        ],
    }
    # Re-encoded and named by us (places/images.py).
    assert re.fullmatch(
        r"http://testserver/media/photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photo["url"]
    )
    assert photo | {"url": ""} == {
        "url": "",
        "alt_text": "The building",
        "caption": "Front",
        "credit": "A. Author",
        "licence": "CC0-1.0",
        "width": 40,
        "height": 30,
    }


def test_place_town_is_null_without_a_published_town(client, make_place):
    draft_town = make_place("Draft town", kind=Place.Kind.AREA, status=Place.Status.DRAFT)
    make_place("In a draft town", town=draft_town)
    make_place("Nowhere")

    assert client.get("/api/places/in-a-draft-town/").json()["properties"]["town"] is None
    assert client.get("/api/places/nowhere/").json()["properties"]["town"] is None


def test_place_takes_four_queries_however_much_it_holds(
    client, make_place, django_assert_num_queries
):
    plain = make_place("Plain")
    full = make_place("Full", town=make_place("Town", kind=Place.Kind.AREA))
    for kind in Section.Kind:
        full.sections.create(kind=kind, body=f"About {kind.label}.")
    for i in range(3):
        # Added in the reverse of their positions: the leading photo comes first.
        full.photos.create(image=png(f"p{i}.png"), alt_text=f"Photo {i}", position=3 - i)
        full.alternate_names.create(name=f"Name {i}")

    for place, sections in [(plain, 0), (full, 5)]:
        # place with its town, sections, photos, alternate names
        with django_assert_num_queries(4):
            response = client.get(f"/api/places/{place.slug}/")
        assert len(response.json()["properties"]["sections"]) == sections
    photos = response.json()["properties"]["photos"]
    assert [photo["alt_text"] for photo in photos] == ["Photo 2", "Photo 1", "Photo 0"]


@pytest.mark.parametrize(
    "path", ["/api/places/no-such-place/", "/api/places/not%20a%20slug/", "/api/places/nul%00/"]
)
def test_unknown_place_is_a_json_404(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "No published place has the slug" in response.json()["error"]


@pytest.mark.parametrize(
    "path", ["/api/", "/api/nowhere/", "/api/places/a/b/", "/api/near", "/api/a%0Ab", "/api/%0A"]
)
def test_an_unknown_api_address_is_a_json_404_pointing_to_the_description(
    client, db, path, django_assert_num_queries
):
    with django_assert_num_queries(0):  # none: the address alone decides
        response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "see /api/openapi.json" in response.json()["error"]


def test_web_pages_on_other_sites_may_read_the_api_answers_and_errors(client, make_place):
    make_place("Museum")

    for path, params in [
        ("/api/nearby/", {"lat": 49.68, "lon": 72.69}),
        ("/api/places/museum/", {}),
        ("/api/nearby/", {"lat": 200, "lon": 0}),
    ]:
        response = client.get(path, params, headers={"Origin": "https://map.example.org"})
        assert response["Access-Control-Allow-Origin"] == "*", path


def test_an_api_address_without_its_final_slash_redirects_with_its_query(client, db):
    response = client.get("/api/nearby", {"lat": 49.68, "lon": 72.69})

    assert response.status_code == 301
    assert response["Location"] == "/api/nearby/?lat=49.68&lon=72.69"


def test_unpublished_place_is_a_json_404(client, make_place):
    make_place("Secret", status=Place.Status.DRAFT)

    response = client.get("/api/places/secret/")

    assert response.status_code == 404
    assert response.json() == {"error": "No published place has the slug 'secret'."}


def test_renamed_place_old_slug_redirects_permanently_to_the_new_api_address(client, make_place):
    rename(make_place("Old name"), "new-name")

    response = client.get("/api/places/old-name/")

    assert response.status_code == 301
    assert response["Location"] == "/api/places/new-name/"
    assert client.get(response["Location"]).json()["properties"]["slug"] == "new-name"


def test_old_slug_of_an_unpublished_place_is_a_404(client, make_place):
    rename(make_place("Old name"), "new-name", status=Place.Status.DRAFT)

    assert client.get("/api/places/old-name/").status_code == 404


# /api/places/?bbox=


def test_bbox_lists_the_published_places_inside_its_edges(client, make_place):
    make_place("Inside", 50.0, 73.0)
    make_place("On the south-west corner", 49.5, 72.5)
    make_place("On the north-east corner", 50.1, 73.3)
    make_place("Too far north", 50.11, 73.0)
    make_place("Too far east", 50.0, 73.31)
    make_place("Draft inside", 50.0, 73.0, status=Place.Status.DRAFT)

    response = get(client, "/api/places/", bbox="72.5,49.5,73.3,50.1")

    assert sorted(slugs(response)) == [
        "inside",
        "on-the-north-east-corner",
        "on-the-south-west-corner",
    ]
    assert response.json()["next"] is None


def test_bbox_feature_has_the_place_properties(client, make_place):
    make_place("KarLag Museum", 49.679, 72.6855, slug="karlag-museum")

    (feature,) = features(get(client, "/api/places/", bbox="72,49,73,50"))

    assert feature == KARLAG_MUSEUM


def test_bbox_whose_west_edge_is_east_of_its_east_edge_crosses_the_antimeridian(client, make_place):
    for name, longitude in [
        ("East of 170", 175.0),
        ("On 180", 180.0),
        ("On minus 180", -180.0),
        ("West of minus 170", -175.0),
        ("Greenwich", 0.0),
        ("At 160", 160.0),
        ("At minus 160", -160.0),
    ]:
        make_place(name, 0.0, longitude)

    found = slugs(get(client, "/api/places/", bbox="170,-10,-170,10"))

    assert sorted(found) == ["east-of-170", "on-180", "on-minus-180", "west-of-minus-170"]


def test_tall_and_whole_world_boxes_are_answered(client, make_place):
    # A box from pole to pole covers 1800 rows of cells: more ranges than one query may hold.
    make_place("Far south", -89.9, 10.2)
    make_place("Equator", 0.0, 10.3)
    make_place("Far north", 89.9, 10.4)
    make_place("Outside", 0.0, 11.0)

    assert sorted(slugs(get(client, "/api/places/", bbox="10,-90,10.5,90"))) == [
        "equator",
        "far-north",
        "far-south",
    ]
    assert len(slugs(get(client, "/api/places/", bbox="-180,-90,180,90"))) == 4
    # West of east: everything but the strip between 10.35 and 10.45 degrees east.
    assert sorted(slugs(get(client, "/api/places/", bbox="10.45,-90,10.35,90"))) == [
        "equator",
        "far-south",
        "outside",
    ]


def test_paging_through_a_bbox_yields_every_place_exactly_once(
    client, make_place, django_assert_num_queries
):
    rng = random.Random(3)
    inside = {make_place(f"In {i}", rng.uniform(-5, 5), rng.uniform(-5, 5)).slug for i in range(57)}
    make_place("Out", 6.0, 0.0)
    make_place("Draft", 0.0, 0.0, status=Place.Status.DRAFT)

    seen, pages = [], 0
    url = "/api/places/?" + urlencode({"bbox": "-5,-5,5,5", "limit": 10})
    while url:
        with django_assert_num_queries(1):  # one page: its places and one more
            response = client.get(url)
        seen += slugs(response)
        url = response.json()["next"]
        pages += 1
        if url:
            assert url.startswith("http://testserver/api/places/?bbox=-5,-5,5,5&limit=10&cursor=")

    assert pages == 6
    assert len(seen) == len(set(seen)) == 57
    assert set(seen) == inside


def test_paging_a_box_across_the_antimeridian_yields_each_place_once_in_grid_order(
    client, make_place
):
    rng = random.Random(5)
    inside = set()
    for i in range(40):
        longitude = rng.choice([rng.uniform(175, 180), rng.uniform(-180, -175)])
        inside.add(make_place(f"Isle {i}", rng.uniform(-3, 3), longitude).slug)
    make_place("Far", 0.0, 170.0)

    seen = []
    url = "/api/places/?" + urlencode({"bbox": "175,-3,-175,3", "limit": 7})
    while url:
        page = client.get(url).json()
        seen += slugs_of(page)
        url = page["next"]

    assert len(seen) == len(set(seen)) == 40
    assert set(seen) == inside


def test_a_full_last_page_has_no_next(client, make_place):
    for i in range(4):
        make_place(f"P{i}", 0.0, i * 0.1)

    first = get(client, "/api/places/", bbox="-1,-1,1,1", limit=2).json()
    second = client.get(first["next"]).json()

    assert len(first["features"]) == len(second["features"]) == 2
    assert second["next"] is None


def test_places_added_while_paging_never_repeat_or_hide_others(client, make_place):
    for i in range(6):
        make_place(f"Before {i}", 0.0, i * 0.1)

    first = get(client, "/api/places/", bbox="-1,-1,1,1", limit=3).json()
    # One place lands before the cursor, one after it.
    make_place("Added early", 0.0, 0.05)
    make_place("Added late", 0.0, 0.95)
    seen = slugs_of(first)
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += slugs_of(page)
        url = page["next"]

    assert seen == [*(f"before-{i}" for i in range(6)), "added-late"]


def slugs_of(page):
    return [feature["properties"]["slug"] for feature in page["features"]]


# Errors


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/api/nearby/", {"lat": 200, "lon": 0}, "lat must be a number between -90 and 90"),
        ("/api/nearby/", {"lat": 0, "lon": -181}, "lon must be a number between -180 and 180"),
        ("/api/nearby/", {"lon": 0}, "lat is required: must be a number between -90 and 90"),
        ("/api/nearby/", {"lat": 0}, "lon is required: must be a number between -180 and 180"),
        ("/api/nearby/", {"lat": "", "lon": 0}, "lat is required"),
        ("/api/nearby/", {"lat": "abc", "lon": 0}, "lat must be a number between -90 and 90"),
        ("/api/nearby/", {"lat": "nan", "lon": 0}, "lat must be a number"),
        ("/api/nearby/", {"lat": 0, "lon": "inf"}, "lon must be a number"),
        ("/api/nearby/", {"lat": "-inf", "lon": 0}, "lat must be a number"),
        ("/api/nearby/", {"lat": "1e999", "lon": 0}, "lat must be a number"),
        # Only ASCII decimal notation: not what Python's float() and int() also take.
        *(
            ("/api/nearby/", {"lat": value, "lon": 0}, "lat must be a number")
            for value in ["٥", "1_0", " 5", "5 ", "0x10", "1e", ".", "--1", "١٢.٥"]
        ),
        *(
            ("/api/nearby/", {"lat": 0, "lon": 0, "limit": value}, "limit must be a whole number")
            for value in ["５", "1_0", "+5", " 5", "", "1e1", "9" * 5000]
        ),
        ("/api/nearby/", {"lat": 0, "lon": 0, "radius_km": ""}, "radius_km must be a number"),
        *(
            ("/api/nearby/", {"lat": 0, "lon": 0, "limit": value}, "limit must be a whole number")
            for value in [0, -1, 10**9, 101, "abc", "1.5", "nan"]
        ),
        ("/api/nearby/", {"lat": 0, "lon": 0, "limit": 10**9}, "from 1 to 100 (the maximum)"),
        *(
            (
                "/api/nearby/",
                {"lat": 0, "lon": 0, "radius_km": value},
                "radius_km must be a number of kilometres greater than 0 and at most 500",
            )
            for value in [0, -5, 500.01, 10**9, "abc", "nan", "inf"]
        ),
        ("/api/places/", {}, "bbox is required (for now)"),
        *(
            ("/api/places/", {"bbox": bbox}, "bbox must be four numbers west,south,east,north")
            for bbox in [
                *["1,2,3", "1,2,3,4,5", "a,b,c,d", "1,2,,4", "nan,0,1,1", "0,0,inf,1"],
                *["1, 2,3,4", "1_0,0,1,1", "٥,0,1,1", "0,0,1,1,", "0,0,1,1\n"],
            ]
        ),
        ("/api/places/", {"bbox": "0,0,1e999,1"}, "longitudes in '0,0,1e999,1' are out of range"),
        ("/api/places/", {"bbox": "0,10,1,5"}, "south is greater than north"),
        ("/api/places/", {"bbox": "0,-91,1,0"}, "latitudes in '0,-91,1,0' are out of range"),
        ("/api/places/", {"bbox": "0,0,1,91"}, "latitudes in '0,0,1,91' are out of range"),
        ("/api/places/", {"bbox": "-181,0,0,1"}, "longitudes in '-181,0,0,1' are out of range"),
        ("/api/places/", {"bbox": "0,0,1,1", "limit": 0}, "limit must be a whole number"),
        *(
            ("/api/places/", {"bbox": "0,0,1,1", "cursor": cursor}, "cursor is not valid")
            for cursor in [
                "",
                "!!!",
                "abc",
                "LTE",
                "MQ==",
                "x" * 40,
                "MTAwMDAwMDAwMDAwMDAwMDAwMDAw",
            ]
        ),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, db, path, params, message):
    response = client.get(path, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["lat", "lon", "limit", "radius_km", "bbox", "cursor", "slug"]),
    value=st.text(max_size=30) | st.from_regex(r"-?[0-9.e,naif]{1,20}", fullmatch=True),
)
def test_no_parameter_value_causes_a_server_error(name, value):
    client = Client(raise_request_exception=False)
    if name == "slug":
        # A slash or nothing would make it another address; anything else reaches the view.
        responses = [client.get(f"/api/places/{quote(value.replace('/', '') or '-')}/")]
    else:
        good = {"lat": "0", "lon": "0", "bbox": "0,0,1,1"}
        responses = [
            client.get("/api/nearby/", {**good, name: value}),
            client.get("/api/places/", {**good, name: value}),
        ]
    for response in responses:
        assert response.status_code in {200, 400, 404}, (name, value, response.content)
        assert response["Content-Type"] in {GEOJSON, "application/json"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_api_is_read_only(db, method):
    # CSRF checks on, as in production: a POST is still told 405, not 403.
    client = Client(enforce_csrf_checks=True)

    for path in [
        "/api/nearby/",
        "/api/places/",
        "/api/places/a/",
        "/api/search/",
        "/api/openapi.json",
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 405, path
        assert response["Allow"] == "GET, HEAD"
        assert response.json() == {
            "error": f"{method.upper()} is not allowed: the API is read-only."
        }


def test_numbers_are_read_in_ascii_decimal_notation_with_exponents(client, make_place):
    make_place("Here", 0.0, 0.0)

    # As generated clients write them: Python sends 0.00001 as "1e-05".
    for lat in ["0", "-0", "+0.0", "1e-05", "1E-5", ".00001", "0.", "00"]:
        response = get(client, "/api/nearby/", lat=lat, lon="0", radius_km="1e1", limit="05")
        assert slugs(response) == ["here"], lat
    assert slugs(get(client, "/api/places/", bbox="-1e-1,-.1,1e0,+1.")) == ["here"]


def test_head_is_answered_like_get(client, make_place):
    make_place("Here", 0.0, 0.0)

    response = client.head("/api/nearby/?lat=0&lon=0")

    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_unreachable(db, tmp_path):
    """The default connection replaced, for the test, by one whose settings name a database
    that cannot be opened: a file in a missing folder (SQLite), a closed port (PostgreSQL).
    The test's own connection is put back untouched (closing an in-memory SQLite database
    would destroy it)."""
    working = connections["default"]
    unreachable = copy.deepcopy(working.settings_dict)
    if working.vendor == "sqlite":
        unreachable["NAME"] = str(tmp_path / "missing" / "guide.sqlite3")
    else:
        unreachable["PORT"] = str(closed_port())
    connections["default"] = working.__class__(unreachable, "default")
    yield
    connections["default"].close()
    connections["default"] = working


def test_the_api_answers_503_json_when_the_database_cannot_be_reached(database_unreachable):
    client = Client(raise_request_exception=False)

    for path in ["/api/nearby/?lat=0&lon=0", "/api/places/?bbox=0,0,1,1", "/api/places/here/"]:
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Content-Type"] == "application/json"
        assert response["Retry-After"] == "30"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response.json() == {
            "error": "The database cannot answer just now: try again shortly."
        }
    # The pages answer the same in HTML (guide/middleware.py).
    for path in ["/places/here/", "/", "/search/?q=here"]:
        page = client.get(path)
        assert page.status_code == 503, path
        assert page["Content-Type"].startswith("text/html")
        assert page["Retry-After"] == "30"
        assert "<h1>The guide is unavailable for a moment</h1>" in page.content.decode()


def test_an_unexpected_error_under_api_is_a_json_500(make_place):
    client = Client(raise_request_exception=False)
    place = make_place("Odd")
    # A row no form can write: a section kind the code does not know.
    Section.objects.create(place=place, kind=9, body="?")

    response = client.get("/api/places/odd/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {"error": "Something went wrong on the server; it has been logged."}


# The OpenAPI description


def test_openapi_description_is_served_as_json(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):  # read from the file once per process
        response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == OPENAPI | {"servers": [{"url": "http://testserver"}]}
    assert OPENAPI["openapi"].startswith("3.1.")


def test_every_api_url_is_documented_and_every_documented_path_is_an_api_url():
    api_routes = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for pattern in urls.urlpatterns
        if str(pattern.pattern).startswith("api/") and pattern.name != "api_unknown"
    }

    assert set(OPENAPI["paths"]) == api_routes


def operations():
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def deref(node):
    """The object a {"$ref": "#/components/..."} points to (or the node itself)."""
    while isinstance(node, dict) and "$ref" in node:
        target = OPENAPI
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def parameters(operation):
    return [deref(parameter) for parameter in operation.get("parameters", [])]


def example_request(path, operation, **overrides):
    """The URL and query of a request made of every documented parameter's example."""
    query = {}
    for parameter in parameters(operation):
        value = overrides.get(parameter["name"], parameter["example"])
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(value))
        elif value is not None:
            query[parameter["name"]] = value
    return path, query


ANNOTATIONS = {"description", "format", "default", "example", "title"}
JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def check(value, schema, where="$"):
    """Check a JSON value against the subset of JSON Schema that docs/openapi.json uses.

    Any other keyword fails, so the description cannot promise what this test does not check.
    """
    schema = deref(schema)
    unknown = set(schema) - ANNOTATIONS - {
        "type", "enum", "required", "properties", "items", "allOf",
        "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "pattern",
    }  # fmt: skip
    assert not unknown, f"{where}: the test does not check {unknown}"
    for part in schema.get("allOf", []):
        check(value, part, where)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(
            isinstance(value, JSON_TYPES[t]) and not (isinstance(value, bool) and t != "boolean")
            for t in types
        ), f"{where}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: {name} is missing"
        for name, subschema in schema.get("properties", {}).items():
            if name in value:
                check(value[name], subschema, f"{where}.{name}")
    if isinstance(value, list):
        assert schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value))
        for i, item in enumerate(value):
            check(item, schema.get("items", {}), f"{where}[{i}]")
    if isinstance(value, str) and "pattern" in schema:
        assert matches(schema["pattern"], value), f"{where}: {value!r} is not {schema['pattern']}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        assert schema.get("minimum", value) <= value <= schema.get("maximum", value), where
        assert value > schema.get("exclusiveMinimum", value - 1), where


def matches(pattern, text):
    """Whether text matches a JSON Schema pattern (ECMA-262: `$` is the very end, where
    Python's `$` also matches before a final newline)."""
    return re.search(pattern.replace("$", r"\Z"), text) is not None


def check_response(response, operation, status):
    documented = deref(operation["responses"][str(status)])
    ((media_type, content),) = documented["content"].items()
    assert response["Content-Type"] == media_type
    check(response.json(), content["schema"])


@pytest.fixture
def museum_with_photo_and_alternate_name(demo):
    museum = Place.objects.get(slug="karlag-museum")
    museum.photos.create(image=png(), alt_text="The museum", caption="Dolinka", credit="CC0")
    museum.alternate_names.create(name="Музей памяти жертв репрессий")


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    [pytest.param(*case, id=case[2]["operationId"]) for case in operations()],
)
def test_every_documented_operation_answers_its_examples_as_documented(
    client, museum_with_photo_and_alternate_name, path, method, operation
):
    url, query = example_request(path, operation)

    response = getattr(client, method)(url, query)

    assert response.status_code == 200, response.content
    check_response(response, operation, 200)
    body = response.json()
    if "features" in body:
        assert body["features"], "the examples should find something in the demo"
    if "sections" in body.get("properties", {}):
        assert body["properties"]["sections"] and body["properties"]["photos"]


def bound_cases():
    """A request at and just beyond each documented bound, and one without each required one."""
    for path, method, operation in operations():
        for parameter in parameters(operation):
            name, schema = parameter["name"], parameter["schema"]
            step = 1 if schema["type"] == "integer" else 0.001
            cases = []
            if parameter["required"] and parameter["in"] == "query":
                cases.append((None, 400))
            if "minimum" in schema:
                cases += [(schema["minimum"], 200), (schema["minimum"] - step, 400)]
            if "exclusiveMinimum" in schema:
                cases.append((schema["exclusiveMinimum"], 400))
            if "maximum" in schema:
                cases += [(schema["maximum"], 200), (schema["maximum"] + step, 400)]
            for value, status in cases:
                yield pytest.param(
                    path,
                    method,
                    operation,
                    name,
                    value,
                    status,
                    id=f"{operation['operationId']}-{name}={value}-{status}",
                )


@pytest.mark.parametrize(
    ("path", "method", "operation", "name", "value", "status"), list(bound_cases())
)
def test_documented_parameter_bounds_are_the_enforced_ones(
    client, demo, path, method, operation, name, value, status
):
    url, query = example_request(path, operation, **{name: value})

    response = getattr(client, method)(url, query)

    assert response.status_code == status, (name, value, response.content)
    check_response(response, operation, status)
    if status == 400:
        assert name in response.json()["error"]


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    [pytest.param(*case, id=case[2]["operationId"]) for case in operations()],
)
def test_documented_error_answers_are_the_given_ones(client, db, path, method, operation):
    url, query = example_request(path, operation, slug="no-such-place")

    check_response(client.post(url, query), operation, 405)
    if "404" in operation["responses"]:
        check_response(getattr(client, method)(url, query), operation, 404)


BBOX_PATTERN = OPENAPI["components"]["parameters"]["bbox"]["schema"]["pattern"]


def test_the_documented_bbox_pattern_is_the_one_the_server_reads():
    assert BBOX_PATTERN == api.BBOX.pattern


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bbox=st.from_regex(BBOX_PATTERN, fullmatch=True) | st.text(max_size=20))
def test_a_bbox_is_read_as_four_numbers_exactly_when_it_matches_the_documented_pattern(bbox):
    response = Client().get("/api/places/", {"bbox": bbox})

    # A bbox that matches can still be out of range; one that does not is told its form.
    error = response.json().get("error", "")
    refused_form = response.status_code == 400 and ("; got " in error or "required" in error)
    assert refused_form == (not matches(BBOX_PATTERN, bbox)), response.content
    check_response(response, OPENAPI["paths"]["/api/places/"]["get"], response.status_code)


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    [
        pytest.param(*case, id=case[2]["operationId"])
        for case in operations()
        if "503" in case[2]["responses"]
    ],
)
def test_documented_database_outage_answers_are_the_given_ones(
    database_unreachable, path, method, operation
):
    url, query = example_request(path, operation)

    response = getattr(Client(raise_request_exception=False), method)(url, query)

    check_response(response, operation, 503)
    assert int(response["Retry-After"]) > 0


def test_served_description_states_the_configured_limits(client, make_place, settings):
    settings.PLACES_API_MAX_LIMIT = 7
    settings.PLACES_API_MAX_RADIUS_KM = 30
    settings.PLACES_NEARBY_RADIUS_KM = 12
    make_place("Here", 0.0, 0.0)

    components = client.get("/api/openapi.json").json()["components"]["parameters"]

    assert components["limit"]["schema"]["maximum"] == 7
    assert components["limit"]["schema"]["default"] == 7
    assert components["radius_km"]["schema"]["maximum"] == 30
    assert components["radius_km"]["schema"]["default"] == 12
    assert get(client, "/api/nearby/", lat=0, lon=0, limit=7).status_code == 200
    assert get(client, "/api/nearby/", lat=0, lon=0, limit=8).status_code == 400
    assert get(client, "/api/nearby/", lat=0, lon=0, radius_km=30).status_code == 200
    assert get(client, "/api/nearby/", lat=0, lon=0, radius_km=30.5).status_code == 400


# The examples in docs/api.md

API_DOCS = (DOCS / "api.md").read_text()
SERVER = "http://127.0.0.1:8000"
# A request, then its answer in a ```json block.
ANSWER_EXAMPLES = re.findall(
    r"```sh\ncurl '(http[^']+)'\n```\n\n```json\n(.*?)\n```", API_DOCS, re.S
)
# A request, then "# status {body}" on the next line.
ERROR_EXAMPLES = re.findall(r"curl (?:-X (\w+) )?'(http[^']+)'\n# (\d{3}) (\{.*\})", API_DOCS)


def like(example, answer):
    """Whether an answer is what the docs show, where "…" stands for text left out: part of a
    string, or, as a list's last item, any further items."""
    if isinstance(example, str) and "…" in example:
        pieces = [re.escape(piece) for piece in example.split("…")]
        return isinstance(answer, str) and re.fullmatch(".*".join(pieces), answer, re.S)
    if isinstance(example, list):
        if example and isinstance(example[-1], str) and example[-1].startswith("…"):
            example, answer = example[:-1], answer[: len(example) - 1]
        return len(example) == len(answer) and all(map(like, example, answer))
    if isinstance(example, dict):
        return example.keys() == answer.keys() and all(like(example[k], answer[k]) for k in example)
    return example == answer


def opaque_cursors(text):
    return re.sub(r"cursor=[-\w]+", "cursor=…", text)


@pytest.mark.parametrize(("url", "example"), ANSWER_EXAMPLES)
def test_the_answer_examples_in_the_api_docs_are_what_the_demo_data_gets(
    client, demo, url, example
):
    response = client.get(url.removeprefix(SERVER))

    answer = json.loads(opaque_cursors(response.content.decode()))
    expected = json.loads(opaque_cursors(example.replace(SERVER, "http://testserver")))
    assert like(expected, answer), json.dumps(answer, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(("method", "url", "status", "body"), ERROR_EXAMPLES)
def test_the_error_examples_in_the_api_docs_are_the_answers_given(
    client, db, method, url, status, body
):
    response = getattr(client, (method or "get").lower())(url.removeprefix(SERVER))

    assert response.status_code == int(status)
    assert like(json.loads(body), response.json()), response.json()


def test_the_api_docs_examples_are_all_found():
    assert (len(ANSWER_EXAMPLES), len(ERROR_EXAMPLES)) == (5, 12)
