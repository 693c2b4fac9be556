"""A visitor in a real browser: "near me" with and without the position, and from a place page
through its breadcrumbs to its town and a filtered list."""

import pytest

from tests.browser import browse, wait_for
from tests.data import KARLAG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_near_me_opens_the_places_nearest_to_the_browsers_position(live_server, places):
    with browse(live_server, geolocation=KARLAG, permissions=["geolocation"]) as page:
        page.goto("/")
        page.click("text=Near me")
        page.click("button.near-me")
        page.wait_for_url("**/nearby/?lat=49.67900&lon=72.68550")

        items = page.locator(".nearby-list li a").all_inner_texts()
        assert items == ["KarLag Museum", "Mine park", "Shakhtīnsk Qalasy"]
        assert page.inner_text(".nearby-list li:first-child .distance") == "0 km"


def test_without_permission_the_button_says_so_and_the_form_still_works(live_server, places):
    with browse(live_server) as page:  # geolocation not granted
        page.goto("/nearby/")
        page.click("button.near-me")
        wait_for(page, "document.getElementById('near-me-status').textContent.length > 30")
        assert page.inner_text("#near-me-status") == (
            "Your position is not available. Type coordinates below instead."
        )

        page.fill("#id_lat", "49.7")
        page.fill("#id_lon", "72.6")
        page.click("text=Show places near these coordinates")
        page.wait_for_url("**/nearby/?lat=49.7&lon=72.6")
        assert page.locator(".nearby-list li a").first.inner_text() == "Mine park"

        page.fill("#id_lat", "95")
        page.click("text=Show places near these coordinates")
        page.wait_for_url("**/nearby/?lat=95&lon=72.6")
        assert "Latitude must be between -90 and 90 degrees" in page.inner_text("main")


def test_from_a_place_through_its_breadcrumbs_to_its_town_and_a_filtered_list(live_server, places):
    with browse(live_server) as page:
        page.goto("/places/karlag-museum/")
        assert page.inner_text(".subtitle") == "Museum in Shakhtinsk, Kazakhstan"
        crumbs = page.locator("nav[aria-label=Breadcrumb] a").all_inner_texts()
        assert crumbs == ["Kazakhstan", "Shakhtīnsk Qalasy", "KarLag Museum"]

        page.click("nav[aria-label=Breadcrumb] >> text=Shakhtīnsk Qalasy")
        page.wait_for_url("**/places/shakhtinsk-qalasy/")
        page.click(".area-places >> text=Park (1)")
        page.wait_for_url("**/places/?category=Park&town=shakhtinsk-qalasy")
        assert page.locator(".place-list li a").all_inner_texts() == ["Mine park"]

        page.click("text=Any category")
        assert page.locator(".place-list li a").all_inner_texts() == ["KarLag Museum", "Mine park"]
        page.click("nav[aria-label=Site] >> text=All places")
        page.click("#filter-country + ul >> text=Kazakhstan (3)")
        page.click("#filter-town + ul >> text=Shakhtīnsk Qalasy (2)")
        assert page.locator(".place-list li a").all_inner_texts() == ["KarLag Museum", "Mine park"]
