"""The maps' data in the pages (places/maps.py, read by static/js/map.js), their tile settings,
the admin's map picker, and the vendored Leaflet files (`make vendor`). The maps themselves, in
a browser: tests/test_browser_maps.py."""

import json
import re
from pathlib import Path

from django.contrib.staticfiles import finders

from places.models import Place, stored_coordinates
from tests.data import KARLAG
from tests.pages import map_data

ROOT = Path(__file__).resolve().parent.parent


def town_and_museum(make_place):
    town = make_place(
        "Shakhtīnsk Qalasy", 49.70713, 72.59321, kind=Place.Kind.AREA, category="City",
        slug="shakhtinsk-qalasy",
    )  # fmt: skip
    museum = make_place("KarLag Museum", town=town, **KARLAG)
    make_place("Mine park", 49.70, 72.60, town=town, category="Park")
    make_place("Far museum", 10.0, 10.0)
    make_place("Draft museum", 49.68, 72.69, status=Place.Status.DRAFT)
    return town, museum


def markers(data):
    return {
        (p["name"], p["url"], p["kind"], p["category"], p["lat"], p["lon"]) for p in data["places"]
    }


def test_place_page_map_holds_the_place_and_its_nearby_places_with_their_coordinates(
    client, make_place
):
    town_and_museum(make_place)

    data = map_data(client.get("/places/karlag-museum/").content.decode())

    assert data["here"] == {
        "name": "KarLag Museum", "url": "/places/karlag-museum/", "kind": "sight",
        "category": "Museum", "lat": 49.679, "lon": 72.6855, "label": "This place",
    }  # fmt: skip
    assert markers(data) == {
        ("Mine park", "/places/mine-park/", "sight", "Park", 49.70, 72.60),
        ("Shakhtīnsk Qalasy", "/places/shakhtinsk-qalasy/", "area", "City", 49.70713, 72.59321),
    }
    assert data["kinds"] == {"sight": "Sight", "area": "Town or district"}
    assert data["cluster"] is False


def test_area_page_map_holds_all_its_own_places_and_those_nearby_once_each(client, make_place):
    town, _ = town_and_museum(make_place)
    for i in range(12):  # more than the page lists (10), all far from the town
        make_place(f"Own {i:02}", 30.0 + i, 60.0, town=town, category="Monument")

    page = client.get("/places/shakhtinsk-qalasy/").content.decode()
    data = map_data(page)

    names = sorted(p["name"] for p in data["places"])
    assert names == ["KarLag Museum", "Mine park", *[f"Own {i:02}" for i in range(12)]]
    assert data["here"]["name"] == "Shakhtīnsk Qalasy"
    assert page.count('<a href="/places/own-') == 8  # the list shows 10 places, by slug


def test_all_places_nearby_map_holds_every_page_of_the_chosen_category(client, make_place):
    town, _ = town_and_museum(make_place)
    for i in range(60):
        make_place(f"Sight {i:02}", 49.70 + i / 1000, 72.60, category="Monument")

    data = map_data(client.get("/places/shakhtinsk-qalasy/nearby/").content.decode())
    assert len(data["places"]) == 62  # 60 monuments, the museum and the park: 50 a page
    assert data["cluster"] is True  # more than 50 markers

    data = map_data(client.get("/places/shakhtinsk-qalasy/nearby/?category=Park").content.decode())
    assert [p["name"] for p in data["places"]] == ["Mine park"]
    assert data["cluster"] is False


def test_near_me_map_holds_the_position_given_and_the_places_found(client, make_place):
    town_and_museum(make_place)

    data = map_data(client.get("/nearby/?lat=49.7&lon=72.6").content.decode())

    assert data["here"] == {
        "name": "The position you gave", "label": "The position you gave", "lat": 49.7, "lon": 72.6
    }  # fmt: skip
    assert {p["name"] for p in data["places"]} == {
        "KarLag Museum",
        "Mine park",
        "Shakhtīnsk Qalasy",
    }
    assert map_data(client.get("/nearby/").content.decode()) is None  # no position, no map
    assert map_data(client.get("/nearby/?lat=91&lon=0").content.decode()) is None


def test_search_results_map_holds_the_pages_places(client, make_place):
    town_and_museum(make_place)
    make_place("Museum of art", 49.8, 73.1)

    data = map_data(client.get("/search/?q=museum").content.decode())

    assert data["here"] is None
    assert {(p["name"], p["lat"], p["lon"]) for p in data["places"]} == {
        ("KarLag Museum", 49.679, 72.6855),
        ("Far museum", 10.0, 10.0),
        ("Museum of art", 49.8, 73.1),
    }
    assert map_data(client.get("/search/?q=nothing-like-it").content.decode()) is None


def test_map_data_is_in_the_pages_language(client, make_place):
    town_and_museum(make_place)

    page = client.get("/places/karlag-museum/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    data = map_data(page)

    assert data["kinds"] == {"sight": "Достопримечательность", "area": "Город или район"}
    assert data["here"]["label"] == "Это место"
    assert data["controls"] == {"zoomIn": "Приблизить", "zoomOut": "Отдалить"}


def test_tile_url_and_attribution_are_osm_by_default_and_follow_the_settings(
    client, make_place, settings
):
    town_and_museum(make_place)

    data = map_data(client.get("/places/karlag-museum/").content.decode())
    assert data["tiles"] == {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
        " contributors",
    }

    settings.PLACES_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.PLACES_MAP_TILE_ATTRIBUTION = "Tiles © Example"
    for path in [
        "/places/mine-park/",
        "/places/shakhtinsk-qalasy/nearby/",
        "/nearby/?lat=49.7&lon=72.6",
    ]:
        data = map_data(client.get(path).content.decode())
        assert data["tiles"] == {
            "url": "https://tiles.example.org/{z}/{x}/{y}.png",
            "attribution": "Tiles © Example",
        }, path


def test_a_name_cannot_break_out_of_the_map_data(client, make_place):
    name = 'Bad </script><script>alert("x")</script> & <!-- place'
    make_place(name, slug="bad-place")
    make_place("Neighbour", 49.681, 72.69)

    page = client.get("/places/neighbour/").content.decode()

    assert "<script>alert" not in page
    (bad,) = map_data(page)["places"]
    assert bad["name"] == name


def map_scripts(page):
    """The scripts a page loads for its map, in order; every script of it is a static file."""
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert all(src.startswith("/static/") for src in scripts), scripts
    return [src for src in scripts if "leaflet" in src or src.endswith("/map.js")]


def test_map_pages_load_leaflet_from_our_static_files_and_no_other_server(client, make_place):
    town_and_museum(make_place)
    for i in range(60):
        make_place(f"Sight {i:02}", 49.70 + i / 1000, 72.60)

    place_page = client.get("/places/karlag-museum/").content.decode()
    busy_page = client.get("/places/shakhtinsk-qalasy/nearby/").content.decode()

    assert map_scripts(place_page) == ["/static/vendor/leaflet/leaflet.js", "/static/js/map.js"]
    assert map_scripts(busy_page) == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/js/map.js",
    ]
    for page in (place_page, busy_page):
        assert all(
            href.startswith("/static/")
            for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        )
        assert all(
            finders.find(path.removeprefix("/static/"))
            for path in re.findall(r'"(/static/[^"]+)"', page)
        )


def test_the_map_has_an_accessible_name_and_says_what_to_do_without_javascript(client, make_place):
    town_and_museum(make_place)

    page = client.get("/places/karlag-museum/").content.decode()

    assert '<div class="map" role="region" aria-label="Map" data-map="map-data">' in page
    assert "The map needs JavaScript; the lists on this page lead to every place it shows." in page


def test_admin_place_form_has_a_map_picker_for_its_coordinates(contributor_client, make_place):
    _, museum = town_and_museum(make_place)

    for path in ["/admin/places/place/add/", f"/admin/places/place/{museum.pk}/change/"]:
        page = contributor_client.get(path).content.decode()
        assert 'data-map-picker="map-picker-data"' in page, path
        assert '<script src="/static/js/map.js"></script>' in page, path
        assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in page, path
        picker = re.search(
            r'<script id="map-picker-data" type="application/json">([^<]*)</script>', page
        )
        assert '"latitude": "id_latitude", "longitude": "id_longitude"' in picker[1], path
    # Not on the list of places, which has no map.
    assert "leaflet" not in contributor_client.get("/admin/places/place/").content.decode()


def test_vendored_leaflet_files_carry_their_licences_and_the_versions_make_vendor_installs():
    makefile = (ROOT / "Makefile").read_text()
    vendor = ROOT / "static/vendor"
    for variable, package, licence, licence_file in [
        ("LEAFLET", "leaflet", "BSD-2-Clause", "LICENSE"),
        ("MARKERCLUSTER", "leaflet.markercluster", "MIT", "MIT-LICENCE.txt"),
    ]:
        wanted = re.search(rf"^{variable} := {re.escape(package)}@([\d.]+)$", makefile, re.M)[1]
        copied = json.loads((vendor / package / "package.json").read_text())
        assert (copied["name"], copied["version"], copied["license"]) == (package, wanted, licence)
        assert "Copyright" in (vendor / package / licence_file).read_text()
    assert "Leaflet 1.9.4," in (vendor / "leaflet/leaflet.js").read_text()[:200]
    # What collectstatic's hashed names need: every file a vendored file names is there.
    css = (vendor / "leaflet/leaflet.css").read_text()
    for image in re.findall(r"url\((images/[\w-]+\.png)\)", css):
        assert (vendor / "leaflet" / image).exists(), image
    for script in vendor.glob("*/*.js"):
        source_map = re.search(r"sourceMappingURL=(\S+)", script.read_text())
        assert (script.parent / source_map[1]).exists(), script


def test_area_page_map_holds_at_most_300_of_its_own_places_the_first_by_slug(client, make_place):
    town = make_place("Big town", 10.0, 10.0, kind=Place.Kind.AREA, category="City")
    latitude, longitude, cell = stored_coordinates(40.0, 60.0)  # far from the town
    Place.objects.bulk_create(
        Place(
            name=f"Own {i:03}",
            slug=f"own-{i:03}",
            category="Monument",
            town=town,
            latitude=latitude,
            longitude=longitude,
            cell=cell,
            status=Place.Status.PUBLISHED,
        )  # fmt: skip
        for i in range(301)
    )

    data = map_data(client.get("/places/big-town/").content.decode())

    own = sorted(p["name"] for p in data["places"] if p["name"].startswith("Own"))
    assert own == [f"Own {i:03}" for i in range(300)]
