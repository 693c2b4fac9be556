"""A contributor in a real browser: the admin's scripts fill the slug and add a section inline;
the place submitted for review is previewed."""

import pytest

from tests.browser import browse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    with browse(live_server) as page:
        yield page


def test_contributor_creates_a_place_submits_it_and_previews_it(contributor, live_server, page):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/places/place/add/")
    page.fill("#id_username", "contributor")
    page.fill("#id_password", "a long passphrase")
    page.click("input[type=submit]")

    # The admin fills the slug from the name, transliterated, as the name is typed and left.
    page.locator("#id_name").press_sequentially("Парк Долинки")
    page.press("#id_name", "Tab")
    assert page.input_value("#id_slug") == "park-dolinki"

    page.fill("#id_category", "Park")
    page.fill("#id_latitude", "49.68")
    page.fill("#id_longitude", "72.69")
    page.click("#sections-group .add-row a")
    page.select_option("#id_sections-0-kind", "1")
    page.fill("#id_sections-0-body", "A quiet park in the village of *Dolinka*.")
    assert page.locator("input[name=_publish]").count() == 0  # editors' only
    page.click("input[name=_submit]")
    page.wait_for_selector(".messagelist .success")

    messages = page.inner_text(".messagelist")
    assert "“Парк Долинки” is submitted for review." in messages
    assert "The place “Парк Долинки” was added" in messages
    # The contributor previews the page as it will look; a visitor's browser gets a 404.
    page.goto(f"{live_server.url}/places/park-dolinki/")
    assert page.inner_text(".preview-banner strong") == "Preview — not published"
    assert page.inner_text("h1") == "Парк Долинки"
    assert page.inner_text(".place-section p") == "A quiet park in the village of Dolinka."
    assert page.inner_html(".place-section p").count("<em>Dolinka</em>") == 1
    visitor = page.context.browser.new_page()
    assert visitor.goto(f"{live_server.url}/places/park-dolinki/").status == 404
