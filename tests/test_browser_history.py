"""A contributor in a real browser: edits a place, reads the word-level difference on its
history page, and restores the version before in one click."""

import pytest

from places.models import Place, Section
from tests.browser import browse
from tests.test_browser_maps import log_in, serve_tiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_history_shows_the_diff_and_restores_the_version_before(live_server, places, contributor):
    museum = Place.objects.get(slug="karlag-museum")
    Section.objects.create(place=museum, kind=Section.Kind.DESCRIPTION, body="A grim museum.")
    with browse(live_server) as page:
        serve_tiles(page)
        log_in(page)
        page.goto(f"/admin/places/place/{museum.pk}/change/")
        page.fill("#id_sections-0-body", "A sober museum.")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")

        page.click("a.historylink")
        page.wait_for_url("**/history/")
        page.wait_for_selector(".version")
        newest = page.locator(".version").first
        assert newest.locator("del").all_inner_texts() == ["grim"]
        assert newest.locator("ins").all_inner_texts() == ["sober"]

        page.locator(".version").nth(1).get_by_role("button", name="Restore this version").click()
        page.wait_for_selector(".messagelist .success")
        assert "is restored" in page.inner_text(".messagelist")
        restored = page.locator(".version").first
        assert "Restored the version of" in restored.inner_text()
        assert restored.locator("del").all_inner_texts() == ["sober"]
        assert restored.locator("ins").all_inner_texts() == ["grim"]

        page.goto("/places/karlag-museum/")
        assert "A grim museum." in page.inner_text("main")
