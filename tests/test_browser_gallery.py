"""The gallery in a real browser, on the demo museum's page: opened and moved through with the
keyboard, with buttons and a swipe on a touch screen, without JavaScript, and checked by axe
with the dialog open."""

import io

import pytest
from django.core.management import call_command

from places.models import Photo
from tests.browser import browse, wait_for
from tests.test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MUSEUM = "/places/karlag-museum/"
SHOWN = "() => document.querySelector('.gallery-large img').alt"
OPEN = "() => document.querySelector('dialog.gallery-dialog').open"
FOCUSED = "() => document.activeElement.className"
# The dialog's close event, which gives the focus back, comes in a task after the key press.
FOCUS_ON = "href => document.activeElement.getAttribute('href') === href"


@pytest.fixture
def gallery(db):
    """The museum's photos after the first, as (alt text, caption, large file's URL)."""
    call_command("load_demo", stdout=io.StringIO())
    _, *others = Photo.objects.filter(place__slug="karlag-museum")
    return [(photo.alt_text, photo.caption, photo.shown.large) for photo in others]


def test_the_gallery_opens_moves_and_closes_with_the_keyboard(live_server, gallery):
    with browse(live_server, viewport={"width": 1280, "height": 900}) as page:
        page.goto(MUSEUM)
        thumbnails = page.locator(".gallery-link")
        assert thumbnails.count() == 2
        thumbnails.first.focus()

        page.keyboard.press("Enter")
        assert page.evaluate(OPEN) and page.evaluate(SHOWN) == gallery[0][0]
        assert page.evaluate(FOCUSED) == "gallery-close"  # focus moved into the dialog
        large = page.locator(".gallery-large img")
        large.evaluate("img => img.decode()")
        # The large photo (60rem wide on this screen), not the thumbnail's 480 px file.
        assert large.evaluate("img => img.currentSrc").endswith("-960.webp")
        assert (
            page.locator(".gallery-photo img")
            .first.evaluate("img => img.currentSrc")
            .endswith("-480.webp")
        )
        caption = page.inner_text(".gallery-large figcaption")
        assert gallery[0][1] in caption
        assert "Photo: Places guide project, CC BY 4.0" in caption
        assert page.inner_text(".gallery-position") == "Photo 1 of 2"

        page.keyboard.press("ArrowRight")
        assert page.evaluate(SHOWN) == gallery[1][0]
        assert page.inner_text(".gallery-position") == "Photo 2 of 2"
        assert gallery[1][1] in page.inner_text(".gallery-large figcaption")

        page.keyboard.press("Escape")
        assert not page.evaluate(OPEN)
        # Back on the thumbnail of the photo last shown.
        wait_for(page, FOCUS_ON, arg=gallery[1][2], timeout=5000)

        page.keyboard.press(" ")  # Space opens as Enter does
        assert page.evaluate(OPEN) and page.evaluate(SHOWN) == gallery[1][0]
        page.keyboard.press("ArrowRight")  # past the last: back to the first
        assert page.evaluate(SHOWN) == gallery[0][0]
        page.keyboard.press("ArrowLeft")
        assert page.evaluate(SHOWN) == gallery[1][0]
        page.keyboard.press("Tab")  # the dialog keeps the focus while open
        assert page.evaluate("() => document.activeElement.closest('dialog') !== null")
        page.keyboard.press("Escape")
        wait_for(page, FOCUS_ON, arg=gallery[1][2], timeout=5000)


SWIPE = """([from, to]) => {
    const stage = document.querySelector(".gallery-stage");
    for (const [type, x] of [["pointerdown", from], ["pointerup", to]]) {
        stage.dispatchEvent(new PointerEvent(type, {
            pointerType: "touch", clientX: x, clientY: 200, bubbles: true }));
    }
}"""


def test_on_a_touch_screen_a_swipe_or_the_buttons_move_and_close(live_server, gallery):
    with browse(
        live_server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    ) as page:
        page.goto(MUSEUM)
        page.locator(".gallery-link").first.tap()
        assert page.evaluate(SHOWN) == gallery[0][0]

        page.evaluate(SWIPE, [300, 100])  # a swipe to the left: the next photo
        assert page.evaluate(SHOWN) == gallery[1][0]
        page.evaluate(SWIPE, [100, 300])
        assert page.evaluate(SHOWN) == gallery[0][0]
        page.evaluate(SWIPE, [200, 190])  # a tap is no swipe
        assert page.evaluate(SHOWN) == gallery[0][0]

        page.get_by_role("button", name="Next photo").tap()
        assert page.evaluate(SHOWN) == gallery[1][0]
        page.get_by_role("button", name="Previous photo").tap()
        assert page.evaluate(SHOWN) == gallery[0][0]
        page.get_by_role("button", name="Close").tap()
        assert not page.evaluate(OPEN)
        # The photo fits the phone's screen.
        page.locator(".gallery-link").nth(1).tap()
        box = page.locator(".gallery-large img").bounding_box()
        assert box["width"] <= 390 and box["height"] <= 844 * 0.72 + 1


def test_without_javascript_a_thumbnail_opens_its_large_file(live_server, gallery):
    with browse(live_server, java_script_enabled=False) as page:
        page.goto(MUSEUM)
        assert page.locator("dialog").count() == 0

        with page.expect_response(f"**{gallery[1][2]}") as response:
            page.locator(".gallery-link").nth(1).click()

        assert response.value.status == 200
        assert response.value.headers["content-type"] == "image/jpeg"
        assert page.url == f"{live_server.url}{gallery[1][2]}"


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_museum_page_with_the_gallery_open_passes_axe(live_server, gallery, language):
    headers = {"Accept-Language": language}
    with browse(live_server, locale=language, extra_http_headers=headers) as page:
        page.goto(MUSEUM)
        page.locator(".gallery-link").first.click()
        assert page.evaluate(OPEN)

        assert axe_violations(page) == []
