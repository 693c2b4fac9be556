"""A visitor in a real browser set to English, Russian or Kazakh: the walk from the search box's
suggestions and results to a place page, through its breadcrumbs, its town and a filtered list to
"near me", in that language, and the footer's switcher changing the language on the same page."""

import pytest

from tests.browser import browse
from tests.data import KARLAG

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("places"),
]

# What the walk reads in each language: the suggestions' count, the voice button's name, the
# results page's heading, the subtitle, the town's "Places in" heading, the "any category" link,
# the "near me" link and the distance of the first place near the position.
WORDS = {
    "en-GB": {
        "suggestions": "Suggestions: 1", "voice": "Search by voice", "search": "Search",
        "subtitle": "Museum in Shakhtinsk, Kazakhstan", "places in": "Places in",
        "any category": "Any category", "near me": "Near me", "distance": "0 km",
    },
    "ru-RU": {
        "suggestions": "Подсказки: 1", "voice": "Искать голосом", "search": "Поиск",
        "subtitle": "Museum, Shakhtinsk, Kazakhstan", "places in": "Места:",
        "any category": "Любая категория", "near me": "Рядом со мной", "distance": "0 км",
    },
    "kk-KZ": {
        "suggestions": "Ұсыныстар: 1", "voice": "Дауыспен іздеу", "search": "Іздеу",
        "subtitle": "Museum, Shakhtinsk, Kazakhstan", "places in": "Орындар:",
        "any category": "Кез келген санат", "near me": "Маған жақын", "distance": "0 км",
    },
}  # fmt: skip


@pytest.mark.parametrize("locale", WORDS)
def test_the_walk_from_search_to_near_me_in_the_browsers_language(live_server, locale):
    words = WORDS[locale]
    with browse(
        live_server, locale=locale, geolocation=KARLAG, permissions=["geolocation"]
    ) as page:
        page.goto("/")
        assert page.get_attribute("html", "lang") == locale[:2]
        assert page.get_by_role("button", name=words["voice"]).is_visible()
        page.locator("#search-q").press_sequentially("karlag")
        page.wait_for_selector("#search-suggestions [role=option]")
        assert page.locator("[role=option] .suggestion-name").all_inner_texts() == ["KarLag Museum"]
        assert page.inner_text("#search-count") == words["suggestions"]
        page.keyboard.press("Enter")  # no suggestion chosen: the results page
        page.wait_for_url("**/search/?q=karlag")
        assert page.inner_text("h1") == words["search"]
        page.click(".search-results >> text=KarLag Museum")

        page.wait_for_url("**/places/karlag-museum/")
        assert page.inner_text(".subtitle") == words["subtitle"]
        page.click(".breadcrumbs >> text=Shakhtīnsk Qalasy")
        page.wait_for_url("**/places/shakhtinsk-qalasy/")
        assert page.inner_text("#area-places-heading").startswith(words["places in"])
        page.click(".area-places >> text=Park (1)")
        page.wait_for_url("**/places/?category=Park&town=shakhtinsk-qalasy")
        assert page.locator(".place-list li a").all_inner_texts() == ["Mine park"]
        assert page.locator(f"text={words['any category']}").count() == 1
        page.click(f".site-nav >> text={words['near me']}")
        page.click("button.near-me")
        page.wait_for_url("**/nearby/?lat=49.67900&lon=72.68550")
        assert page.inner_text(".nearby-list li:first-child .distance") == words["distance"]


def test_the_switcher_changes_the_language_and_stays_on_the_page(live_server):
    with browse(live_server, locale="en-GB") as page:
        page.goto("/places/?category=Park")
        page.click(".language-switcher >> text=Қазақша")
        page.wait_for_url("**/places/?category=Park")
        assert page.inner_text("h1") == "Барлық орындар"
        page.click(".language-switcher >> text=Русский")
        page.wait_for_url("**/places/?category=Park")
        assert page.inner_text("h1") == "Все места"
        page.goto("/places/karlag-museum/")  # the choice holds on the next pages
        assert page.get_attribute("html", "lang") == "ru"
