"""Maps in a real browser: a place page's markers, clusters on a busy page, the page without
JavaScript or tiles, and the admin's map picker. Tiles come from a stand-in route, never the
network."""

import io
import re

import pytest
from PIL import Image

from places.models import Place
from tests.browser import browse, wait_for
from tests.data import KARLAG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")
MARKERS = ".leaflet-marker-pane .map-marker"


def stand_in_tile():
    """A plain 256×256 PNG, as a tile server sends."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 232, 224)).save(buffer, "PNG")
    return buffer.getvalue()


def serve_tiles(page):
    """Answers the default tile URL (guide/settings.py) with the stand-in tile; returns the
    (URL, Referer header) of each tile asked for."""
    asked, tile = [], stand_in_tile()

    def answer(route):
        asked.append((route.request.url, route.request.all_headers().get("referer")))
        route.fulfill(status=200, content_type="image/png", body=tile)

    page.route(TILES, answer)
    return asked


def test_place_page_map_shows_the_place_and_its_nearby_places_linking_to_their_pages(
    live_server, places
):
    with browse(live_server) as page:
        asked = serve_tiles(page)
        page.goto("/places/karlag-museum/")
        page.wait_for_selector(".leaflet-tile-loaded")

        # The museum itself, marked apart, then a sight and a town; not the far museum.
        titles = page.locator(MARKERS).evaluate_all("els => els.map(e => [e.className, e.title])")
        kinds = {title: re.search(r"map-marker-(\w+)", cls)[1] for cls, title in titles}
        assert kinds == {
            "KarLag Museum — This place": "here",
            "Mine park — Sight": "sight",
            "Shakhtīnsk Qalasy — Town or district": "area",
        }
        assert page.locator(".map-legend li").all_inner_texts() == [
            "This place",
            "Sight",
            "Town or district",
        ]
        assert page.get_attribute(".map", "aria-label") == "Map"
        assert "© OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
        # Tile servers are told which site asks (its origin only), as OpenStreetMap's
        # policy wants, though the site's Referrer-Policy is same-origin.
        assert asked and {referer for _, referer in asked} == {f"{live_server.url}/"}

        page.click(f"{MARKERS}[title^='Mine park']")
        link = page.locator(".leaflet-popup-content a")
        assert link.inner_text() == "Mine park"
        assert link.get_attribute("href") == "/places/mine-park/"
        assert page.inner_text(".map-popup-category") == "Park"
        link.click()
        page.wait_for_url("**/places/mine-park/")


def test_a_town_with_300_places_nearby_clusters_them(live_server, make_place, settings):
    settings.PLACES_NEARBY_PAGE_LIMIT = 300
    town = make_place("Busy town", 49.8, 73.1, kind=Place.Kind.AREA, category="City")
    for i in range(300):  # a 30 × 10 grid about 1.1 km apart: many overlap on one map
        make_place(f"Sight {i:03}", 49.75 + (i // 30) * 0.01, 73.0 + (i % 30) * 0.01)
    with browse(live_server) as page:
        serve_tiles(page)
        page.goto(f"/places/{town.slug}/nearby/")
        page.wait_for_selector(".marker-cluster")

        clusters = page.locator(".marker-cluster").all_inner_texts()
        sights = page.locator(f"{MARKERS}.map-marker-sight").count()
        assert clusters and sights < 300
        # Every place is on the map: in a cluster or on its own.
        assert sum(int(count) for count in clusters) + sights == 300
        assert page.locator(f"{MARKERS}.map-marker-here").count() == 1
        assert page.locator(".nearby-list li").count() == 50  # the list's first page

        # Zooming in splits a cluster into its places.
        page.click(".marker-cluster >> nth=0")
        wait_for(page, f"document.querySelectorAll('{MARKERS}.map-marker-sight').length > {sights}")


def test_without_javascript_the_page_keeps_its_list_and_the_map_moves_nothing(live_server, places):
    with browse(live_server, java_script_enabled=False) as page:
        page.goto("/places/karlag-museum/")
        assert page.locator(".nearby-list li a").all_inner_texts() == [
            "Mine park",
            "Shakhtīnsk Qalasy",
        ]
        assert page.inner_text(".map").startswith("The map needs JavaScript")
        without = page.locator("#nearby-heading").bounding_box()

    with browse(live_server) as page:
        serve_tiles(page)
        page.goto("/places/karlag-museum/")
        page.wait_for_selector(".leaflet-tile-loaded")
        assert page.locator(MARKERS).count() == 3
        assert page.locator("#nearby-heading").bounding_box() == without


def test_when_tiles_cannot_be_had_the_markers_and_the_list_remain(live_server, places):
    with browse(live_server) as page:
        page.route(TILES, lambda route: route.abort())
        page.goto("/places/shakhtinsk-qalasy/")
        page.wait_for_selector(MARKERS)

        assert page.locator(MARKERS).count() == 3  # the town, its museum and its park
        assert page.locator(".leaflet-tile-loaded").count() == 0
        assert page.locator(".area-places .place-list li a").all_inner_texts() == [
            "KarLag Museum",
            "Mine park",
        ]


def test_near_me_results_show_the_position_and_the_places_on_a_map(live_server, places):
    with browse(live_server) as page:
        serve_tiles(page)
        page.goto("/nearby/?lat=49.7&lon=72.6")
        page.wait_for_selector(MARKERS)

        titles = page.locator(MARKERS).evaluate_all("els => els.map(e => e.title)")
        assert sorted(titles) == [
            "KarLag Museum — Sight",
            "Mine park — Sight",
            "Shakhtīnsk Qalasy — Town or district",
            "The position you gave",
        ]


def log_in(page):
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "contributor")
    page.fill("#id_password", "a long passphrase")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def marker_centre(page):
    box = page.locator(".map-picker .map-marker").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_admin_map_picker_sets_both_fields_and_follows_them(live_server, places, contributor):
    museum = Place.objects.get(slug="karlag-museum")
    with browse(live_server) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        serve_tiles(page)
        log_in(page)
        page.goto(f"/admin/places/place/{museum.pk}/change/")
        page.wait_for_selector(".map-picker .map-marker")
        page.locator(".map-picker").scroll_into_view_if_needed()
        x, y = marker_centre(page)

        # A click north-east of the marker moves it there and sets both fields.
        page.mouse.click(x + 60, y - 40)
        latitude, longitude = (
            float(page.input_value("#id_latitude")),
            float(page.input_value("#id_longitude")),
        )
        assert latitude > KARLAG["latitude"] and longitude > KARLAG["longitude"]
        assert marker_centre(page) == pytest.approx((x + 60, y - 40), abs=1)

        # Dragging the marker back south-west sets them again.
        page.mouse.move(x + 60, y - 40)
        page.mouse.down()
        page.mouse.move(x + 20, y + 10, steps=5)
        page.mouse.up()
        dragged = float(page.input_value("#id_latitude")), float(page.input_value("#id_longitude"))
        assert dragged[0] < latitude and dragged[1] < longitude

        # Typing coordinates moves the marker to them, in the map's middle.
        page.fill("#id_latitude", "49.7")
        page.fill("#id_longitude", "72.6")
        box = page.locator(".map-picker").bounding_box()
        middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_for(
            page,
            """([x, y]) => { const r = document.querySelector('.map-picker .map-marker')
                .getBoundingClientRect(); return Math.abs(r.x + r.width / 2 - x) < 1
                && Math.abs(r.y + r.height / 2 - y) < 1; }""",
            arg=middle,
        )

        # Pasting "latitude, longitude" into either field fills both.
        page.evaluate("navigator.clipboard.writeText('49.679, 72.6855')")
        page.focus("#id_longitude")
        page.keyboard.press("Control+V")
        assert page.input_value("#id_latitude") == "49.679"
        assert page.input_value("#id_longitude") == "72.6855"
        wait_for(
            page,
            """([x, y]) => { const r = document.querySelector('.map-picker .map-marker')
                .getBoundingClientRect(); return Math.abs(r.x + r.width / 2 - x) < 1
                && Math.abs(r.y + r.height / 2 - y) < 1; }""",
            arg=middle,
        )

        # What the picker set is what the form saves.
        page.mouse.click(middle[0] - 50, middle[1] + 30)
        picked = page.input_value("#id_latitude"), page.input_value("#id_longitude")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")
        assert (page.input_value("#id_latitude"), page.input_value("#id_longitude")) == picked

    museum.refresh_from_db()
    assert (museum.latitude, museum.longitude) == (float(picked[0]), float(picked[1]))
    assert museum.latitude < 49.679 and museum.longitude < 72.6855


def test_admin_place_form_works_without_javascript(live_server, places, contributor):
    museum = Place.objects.get(slug="karlag-museum")
    with browse(live_server, java_script_enabled=False) as page:
        log_in(page)
        page.goto(f"/admin/places/place/{museum.pk}/change/")
        assert "The map needs JavaScript" in page.inner_text(".map-picker")
        page.fill("#id_latitude", "49.7")
        page.fill("#id_longitude", "72.61")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")

    museum.refresh_from_db()
    assert (museum.latitude, museum.longitude) == (49.7, 72.61)
