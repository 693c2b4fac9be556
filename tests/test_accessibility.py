"""Every public page, in each language, passes axe-core's checks in Chromium with no serious
or critical violation, with their maps drawn, and so does a page with the search box's
suggestions open (axe-core comes from npm: `make axe`)."""

from pathlib import Path

import pytest

from places.models import Place
from tests.browser import browse
from tests.test_browser_maps import serve_tiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / ".cache/axe/node_modules/axe-core/axe.min.js"
# axe-core is loaded as a file of the site's own origin: the site's policy runs no inline code.
AXE_URL = "/tests-only/axe.min.js"
PAGES = [
    "/",
    "/places/",
    "/places/?category=Museum&kind=sight",
    "/places/?town=nope",  # a wrong parameter, named on the page
    "/countries/Kazakhstan/",
    "/nearby/",
    "/nearby/?lat=49.68&lon=72.69",
    "/nearby/?lat=91&lon=0",  # wrong coordinates, named on the page
    "/places/karlag-museum/",
    "/places/karlag-museum/nearby/",
    "/places/shakhtinsk-qalasy/",
    "/search/",
    "/search/?q=k",  # several kinds of results, areas marked, page links
    "/search/?q=%D0%A1%D0%B0%D1%80%D0%B0%D0%BD%D1%8C",  # an alternate name shown
    "/search/?q=zzzz",  # no results
    "/places/?q=karaganda&kind=sight",
    "/no/such/page/",
]
VIOLATIONS = """async () => (await axe.run()).violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""


def axe_violations(page):
    """The serious and critical violations axe-core finds in the page as it is now."""
    page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=AXE), times=1)
    page.add_script_tag(url=AXE_URL)
    return page.evaluate(VIOLATIONS)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_page_passes_axe_in_each_language(live_server, demo, language):
    assert Place.objects.filter(slug="shakhtinsk-qalasy").exists()
    headers = {"Accept-Language": language}
    with browse(live_server, locale=language, extra_http_headers=headers) as page:
        serve_tiles(page)  # the maps' tiles, with no network
        found = {}
        for path in PAGES:
            page.goto(path)
            if page.locator("[data-map]").count():  # checked with its markers drawn
                page.wait_for_selector(".leaflet-marker-icon")
            assert page.get_attribute("html", "lang") == language, path
            found[path] = axe_violations(page)
        assert found == {path: [] for path in PAGES}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_page_with_the_suggestions_open_passes_axe_in_each_language(live_server, demo, language):
    assert Place.objects.filter(slug="karlag-museum").exists()
    headers = {"Accept-Language": language}
    with browse(live_server, locale=language, extra_http_headers=headers) as page:
        page.goto("/places/karlag-museum/")
        page.locator("#search-q").press_sequentially("kar")
        page.wait_for_selector("#search-suggestions [role=option]")
        page.keyboard.press("ArrowDown")  # one suggestion active, the others not
        assert page.get_attribute("#search-q", "aria-activedescendant") == "search-option-0"
        assert page.is_visible(".search-voice")  # Chromium has the Web Speech API
        assert axe_violations(page) == []
