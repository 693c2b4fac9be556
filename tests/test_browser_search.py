"""A visitor in a real browser uses the header's search box: suggestions as they type (the ARIA
combobox, by keyboard and by mouse), the plain form without JavaScript, and search by voice where
the browser has the Web Speech API (a stand-in recogniser, since Chromium cannot hear a test)."""

import pytest

from places.models import AlternateName, Place
from tests.browser import browse, wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("names"),
]
OPTIONS = "#search-suggestions [role=option]"


@pytest.fixture
def names(places):
    town = Place.objects.get(slug="shakhtinsk-qalasy")
    AlternateName.objects.create(place=town, name="Шахтинск")


def type_in_the_box(page, text):
    page.locator("#search-q").press_sequentially(text)
    page.wait_for_selector(OPTIONS)


def suggestion_names(page):
    return page.locator(f"{OPTIONS} .suggestion-name").all_inner_texts()


def combobox(page):
    """The combobox's state as assistive technologies read it."""
    box = page.locator("#search-q")
    return {
        "role": box.get_attribute("role"),
        "expanded": box.get_attribute("aria-expanded"),
        "active": box.get_attribute("aria-activedescendant"),
        "list shown": page.is_visible("#search-suggestions"),
    }


def test_suggestions_come_as_the_visitor_types_and_the_keyboard_opens_one(live_server):
    with browse(live_server) as page:
        page.goto("/places/karlag-museum/")
        assert page.get_attribute("#search-q", "aria-controls") == "search-suggestions"
        assert page.get_attribute("#search-q", "aria-autocomplete") == "list"
        assert combobox(page) == {
            "role": "combobox", "expanded": "false", "active": None, "list shown": False,
        }  # fmt: skip

        type_in_the_box(page, "shakh")
        assert suggestion_names(page) == ["Shakhtīnsk Qalasy"]
        assert page.inner_text(f"{OPTIONS} .suggestion-about") == "Town or district · Kazakhstan"
        assert page.inner_text("#search-count") == "Suggestions: 1"
        assert combobox(page) == {
            "role": "combobox", "expanded": "true", "active": None, "list shown": True,
        }  # fmt: skip

        page.keyboard.press("ArrowDown")
        assert combobox(page)["active"] == "search-option-0"
        assert page.get_attribute("#search-option-0", "aria-selected") == "true"
        page.keyboard.press("Escape")  # closes the list, keeps the text
        assert combobox(page) == {
            "role": "combobox", "expanded": "false", "active": None, "list shown": False,
        }  # fmt: skip
        assert page.input_value("#search-q") == "shakh"
        page.keyboard.press("Escape")  # then empties the box
        assert page.input_value("#search-q") == ""

        type_in_the_box(page, "Шахт")  # the Russian name finds the same town
        assert suggestion_names(page) == ["Shakhtīnsk Qalasy"]
        assert page.inner_text(f"{OPTIONS} .suggestion-matched") == "Шахтинск"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url("**/places/shakhtinsk-qalasy/")
        assert page.inner_text("h1") == "Shakhtīnsk Qalasy"


def test_up_and_down_move_through_the_suggestions_and_wrap(live_server):
    with browse(live_server) as page:
        page.goto("/")
        type_in_the_box(page, "museum")
        assert suggestion_names(page) == ["Far museum", "KarLag Museum"]
        moves = []
        for key in ["ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp", "ArrowUp"]:
            page.keyboard.press(key)
            moves.append(combobox(page)["active"])
        assert moves == [
            "search-option-0", "search-option-1", "search-option-0", "search-option-1",
            "search-option-0",
        ]  # fmt: skip
        assert (
            page.locator(f"{OPTIONS}[aria-selected=true]")
            .all_inner_texts()[0]
            .startswith("Far museum")
        )
        page.keyboard.type("s")  # typing again drops the active suggestion
        wait_for(page, "!document.getElementById('search-q').hasAttribute('aria-activedescendant')")


def test_at_most_eight_suggestions_come(live_server, make_place):
    for n in range(10):
        make_place(f"Museum number {n}", 49.0 + n / 10, 72.0)
    with browse(live_server) as page:
        page.goto("/")
        type_in_the_box(page, "museum number")
        assert page.locator(OPTIONS).count() == 8
        assert page.inner_text("#search-count") == "Suggestions: 8"


def test_a_text_that_matches_nothing_says_so_and_opens_no_list(live_server):
    with browse(live_server) as page:
        page.goto("/")
        page.locator("#search-q").press_sequentially("zzzz")
        wait_for(page, "document.getElementById('search-count').textContent !== ''")
        assert page.inner_text("#search-count") == "No suggestions"
        assert combobox(page) == {
            "role": "combobox", "expanded": "false", "active": None, "list shown": False,
        }  # fmt: skip


def test_a_slow_answer_to_earlier_text_never_replaces_the_later_one(live_server):
    held, failed = [], []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)  # answered after the next one, if ever

    with browse(live_server) as page:
        page.route("**/api/search/**", hold_the_first)
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto("/")
        page.locator("#search-q").press_sequentially("kar")
        while not held:
            page.wait_for_timeout(20)
        page.fill("#search-q", "mine")
        page.wait_for_selector(OPTIONS)
        assert suggestion_names(page) == ["Mine park"]
        assert failed == [held[0].request.url]  # the script gave up the earlier request
        assert "q=kar&" in failed[0]
        page.wait_for_timeout(300)
        assert suggestion_names(page) == ["Mine park"]


def test_a_click_on_a_suggestion_opens_its_page(live_server):
    with browse(live_server) as page:
        page.goto("/")
        type_in_the_box(page, "karlag")
        page.click(f"{OPTIONS} >> text=KarLag Museum")
        page.wait_for_url("**/places/karlag-museum/")
        assert page.inner_text("h1") == "KarLag Museum"


def test_enter_without_a_chosen_suggestion_opens_the_results_page(live_server):
    with browse(live_server) as page:
        page.goto("/")
        type_in_the_box(page, "mine")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search/?q=mine")
        assert page.locator("main a", has_text="Mine park").count() == 1


def test_without_javascript_the_box_is_a_plain_form(live_server):
    with browse(live_server, java_script_enabled=False) as page:
        page.goto("/")
        assert page.get_attribute("#search-q", "role") is None
        assert page.is_hidden("#search-suggestions")
        assert page.is_hidden(".search-voice")
        page.fill("#search-q", "karlag")
        page.press("#search-q", "Enter")
        page.wait_for_url("**/search/?q=karlag")
        assert page.locator("main a", has_text="KarLag Museum").count() == 1


# A stand-in for the browser's recogniser: it records how it was set up and answers when the
# test says what the visitor said (or which error happened).
STAND_IN = """
window.SpeechRecognition = class {
  constructor() { window.recogniser = this; }
  start() { this.started = true; }
  abort() { this.onerror({ error: "aborted" }); this.onend(); }
  say(transcript) { this.onresult({ results: [[{ transcript }]] }); this.onend(); }
  fail(error) { this.onerror({ error }); this.onend(); }
};
delete window.webkitSpeechRecognition;
"""


def test_search_by_voice_fills_the_box_and_opens_the_results(live_server):
    with browse(live_server, locale="ru-RU") as page:
        page.add_init_script(STAND_IN)
        page.goto("/places/karlag-museum/")
        button = page.get_by_role("button", name="Искать голосом")
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert page.evaluate("[recogniser.started, recogniser.lang]") == [True, "ru"]
        assert page.inner_text("#search-voice-status") == "Слушаю… Назовите место."

        page.evaluate("recogniser.say('Mine park')")
        page.wait_for_url("**/search/?q=Mine+park")
        assert page.input_value("#search-q") == "Mine park"
        assert page.locator("main a", has_text="Mine park").count() == 1


def test_voice_search_says_when_it_cannot_listen(live_server):
    with browse(live_server) as page:
        page.add_init_script(STAND_IN)
        page.goto("/")
        button = page.get_by_role("button", name="Search by voice")
        messages = {}
        for error in ["not-allowed", "no-speech", "network"]:
            button.click()
            page.evaluate(f"recogniser.fail('{error}')")
            assert button.get_attribute("aria-pressed") == "false"
            messages[error] = page.inner_text("#search-voice-status")
        assert messages == {
            "not-allowed": "The microphone is not allowed: type the name instead.",
            "no-speech": "Nothing was heard. Try again, or type the name.",
            "network": "Voice search did not work: type the name instead.",
        }
        button.click()
        button.click()  # a second press stops listening
        assert button.get_attribute("aria-pressed") == "false"
        assert page.inner_text("#search-voice-status") == ""
        assert page.url == f"{live_server.url}/"


NO_SPEECH_API = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"


def test_without_the_speech_api_there_is_no_voice_button(live_server):
    with browse(live_server) as page:
        page.add_init_script(NO_SPEECH_API)
        page.goto("/")
        assert page.evaluate("window.SpeechRecognition || window.webkitSpeechRecognition") is None
        assert page.get_by_role("button", name="Search by voice").count() == 0
        type_in_the_box(page, "karlag")  # suggestions still come
        assert suggestion_names(page) == ["KarLag Museum"]
