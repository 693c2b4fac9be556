"""The Content-Security-Policy in Chromium: what it refuses is refused and fails the test that
browsed it (tests/browser.py), the admin's pages work under it, and a photo holding a page is
never run as one."""

import io

import pytest
from django.core.files.storage import default_storage

from places.models import Place
from tests.browser import browse
from tests.test_browser_maps import log_in, serve_tiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What an injection would try: a script of its own, an image from elsewhere, a style attribute.
INJECT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.injected = true";
    document.body.append(script);
    document.body.insertAdjacentHTML(
        "beforeend", '<img src="https://attacker.example/x.png"><p style="color: red">x</p>'
    );
}"""


def test_what_the_policy_refuses_is_refused_and_fails_the_test(live_server, places):
    with pytest.raises(AssertionError) as failed:
        with browse(live_server) as page:
            page.goto("/places/karlag-museum/")
            page.evaluate(INJECT)
            assert page.evaluate("() => window.injected") is None  # never ran
    report = str(failed.value)
    assert report.startswith("Content-Security-Policy violations:")
    for refused in (
        "script-src-elem refused inline",
        "img-src refused https://attacker.example/x.png",
        "style-src-attr refused inline",
    ):
        assert refused in report


def test_a_contributor_works_through_the_admin_with_no_violation(live_server, places, contributor):
    museum = Place.objects.get(slug="karlag-museum")
    with browse(live_server) as page:
        serve_tiles(page)
        log_in(page)  # the login page, then the index
        page.click('#content-main a[href="/admin/places/place/"]')
        page.fill("#searchbar", "museum")  # the list, searched and filtered
        page.press("#searchbar", "Enter")
        page.click("#changelist-filter >> text=Published")
        page.wait_for_url("**/?q=museum&status__exact=published")
        assert page.locator("#result_list tbody tr").count() == 2

        page.click("text=KarLag Museum")  # the form, its map picker, inlines and autocomplete
        page.wait_for_selector(".map-picker .map-marker")
        page.click("#sections-group .add-row a")
        page.click(".field-town .select2-selection")
        page.fill(".select2-search__field", "shakh")
        page.click(".select2-results__option >> text=Shakhtīnsk Qalasy")
        page.click("fieldset.collapse summary")  # "Source", folded

        # A new town added in the admin's popup window, which hands it back to the form.
        with page.expect_popup() as opened:
            page.click("#add_id_town")
        popup = opened.value
        popup.fill("#id_name", "Dolinka")
        popup.fill("#id_category", "Village")
        popup.select_option("#id_kind", "area")
        popup.fill("#id_latitude", "49.68")
        popup.fill("#id_longitude", "72.67")
        popup.click("input[name=_save]")
        popup.wait_for_event("close")
        assert page.inner_text(".field-town .select2-selection__rendered").endswith("Dolinka")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")

        page.click("a.historylink")
        page.wait_for_selector(".version")  # its versions, with their differences
        page.goto(f"/admin/places/place/{museum.pk}/change/")
        page.click("text=View on site")
        page.wait_for_url("**/places/karlag-museum/")
        page.wait_for_selector(".leaflet-marker-icon")


def test_a_photo_holding_a_page_is_shown_as_an_image_and_runs_nothing(live_server, db):
    default_storage.save(
        "photos/2026/01/page.jpg",
        io.BytesIO(b"<!doctype html><script>alert(document.domain)</script><p>page</p>"),
    )
    dialogs = []
    with browse(live_server) as page:
        page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
        response = page.goto("/media/photos/2026/01/page.jpg")
        assert response.headers["content-type"] == "image/jpeg"
        assert page.locator("p").count() == 0  # not parsed as HTML
    assert dialogs == []
