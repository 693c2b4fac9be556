"""A contributor in a real browser writes a section: its preview beside the box follows the
text as the page will show it, and the box grows with the text."""

import pytest

from places.models import Place, Section
from tests.browser import browse, wait_for
from tests.test_accessibility import AXE, AXE_URL
from tests.test_browser_maps import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOX = "#id_sections-0-body"
PREVIEW = "#sections-0 .section-preview"
AXE_ON_SECTIONS = """async () => (await axe.run("#sections-group")).violations
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""


def test_the_preview_follows_the_markdown_typed_and_the_box_grows(live_server, places, contributor):
    museum = Place.objects.get(slug="karlag-museum")
    Section.objects.create(place=museum, kind=Section.Kind.HISTORY, body="Built in 1931.")
    with browse(live_server, viewport={"width": 1280, "height": 900}) as page:
        log_in(page)
        page.goto(f"/admin/places/place/{museum.pk}/change/")
        assert page.inner_html(PREVIEW) == "<p>Built in 1931.</p>"
        box = page.locator(BOX)
        preview_box, text_box = page.locator(PREVIEW).bounding_box(), box.bounding_box()
        assert preview_box["x"] >= text_box["x"] + text_box["width"]  # beside it
        height = text_box["height"]

        previews = []
        page.on("request", lambda r: "section-preview" in r.url and previews.append(r.method))
        box.fill("")
        box.press_sequentially("# Camp\n\nOpen *daily* <script>alert(1)</script>", delay=5)
        wait_for(page, f"document.querySelector('{PREVIEW} em')?.textContent === 'daily'")
        assert page.inner_html(PREVIEW) == "<h3>Camp</h3>\n<p>Open <em>daily</em> </p>"
        assert 1 <= len(previews) <= 3  # not one for each of the 40 keys: it waits for a pause

        long_text = "\n\n".join(f"Paragraph {n}: the barracks and the mine." for n in range(30))
        box.fill(long_text)
        wait_for(page, f"document.querySelectorAll('{PREVIEW} p').length === 30")
        grown = box.evaluate("b => [b.offsetHeight, b.scrollHeight, b.clientHeight]")
        assert grown[0] > 2 * height
        assert grown[1] <= grown[2]  # all of the text shows, with no scroll bar
        page.set_viewport_size({"width": 600, "height": 900})  # a phone: the preview below
        narrow = box.evaluate("b => [b.scrollHeight, b.clientHeight]")
        assert narrow[0] <= narrow[1]
        assert page.locator(PREVIEW).bounding_box()["y"] > box.bounding_box()["y"] + 600
        page.set_viewport_size({"width": 1280, "height": 900})

        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")
        assert page.locator(PREVIEW + " p").count() == 30

        # A section added on the page has its preview too.
        page.click("#sections-group .add-row a")
        page.locator("#id_sections-1-body").press_sequentially("**New**", delay=5)
        wait_for(
            page,
            "document.querySelector('#sections-1 .section-preview strong')?.textContent === 'New'",
        )

    assert Section.objects.get(place=museum).body == long_text


def test_the_sections_with_their_previews_pass_axe(live_server, places, contributor):
    museum = Place.objects.get(slug="karlag-museum")
    Section.objects.create(place=museum, kind=Section.Kind.HISTORY, body="Built *in* 1931.")
    # axe-core styles the elements it measures inline, which the site's policy refuses: the
    # checker runs with the policy off (the test above walks the editor under it).
    with browse(live_server, bypass_csp=True, viewport={"width": 1280, "height": 900}) as page:
        log_in(page)
        page.goto(f"/admin/places/place/{museum.pk}/change/")
        page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=AXE), times=1)
        page.add_script_tag(url=AXE_URL)
        assert page.evaluate(AXE_ON_SECTIONS) == []
