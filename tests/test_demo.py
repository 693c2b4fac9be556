"""The demo data: the KarLag Museum page reproduces the listing it was taken from, and every
demo place has our texts."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from places.management.commands.load_demo import DEMO_DIR
from places.models import Place, Section
from tests.pages import nearby_items, text

FACTS = json.loads((DEMO_DIR / "karaganda.json").read_text(encoding="utf-8"))["places"]
LISTED = {place["name"]: place["listed_km"] for place in FACTS if "listed_km" in place}
TEXTS = json.loads((DEMO_DIR / "texts.json").read_text(encoding="utf-8"))
SECTION_HEADING = re.compile(r'<h2 id="section-\d+">([^<]+)</h2>')


def test_karlag_page_lists_the_same_places_within_a_tenth_of_a_km(client, demo):
    page = client.get("/places/karlag-museum/").content.decode()

    shown = dict(nearby_items(page))
    assert set(shown) == set(LISTED)
    for name, distance in shown.items():
        assert float(distance.removesuffix(" km")) == pytest.approx(LISTED[name], abs=0.1), name
    # The town's short name in running text, its full name in lists; the subtitle links it.
    assert (
        'Museum of political repression history in <a href="/places/shakhtinsk-qalasy/">'
        "Shakhtinsk</a>, Kazakhstan" in page
    )
    assert "Discover all places nearby (Shakhtinsk)" in page
    assert ("Shakhtīnsk Qalasy", "7.3 km") in nearby_items(page)


def test_karlag_page_has_all_five_sections_in_order(client, demo):
    page = text(client.get("/places/karlag-museum/").content.decode())

    positions = [page.index(f" {label} ") for label in Section.Kind.labels]
    assert positions == sorted(positions)


def test_every_demo_place_page_shows_a_description_and_at_least_one_more_section(client, demo):
    assert set(TEXTS) == {place["slug"] for place in FACTS}
    for place in FACTS:
        page = client.get(f"/places/{place['slug']}/").content.decode()

        headings = SECTION_HEADING.findall(page)
        assert headings[0] == "Description" and len(headings) >= 2, place["slug"]
        written = [Section.Kind[kind.upper()] for kind in TEXTS[place["slug"]]]
        assert headings == [kind.label for kind in sorted(written)], place["slug"]


def test_demo_town_page_lists_places_near_shakhtinsk(client, demo):
    page = client.get("/places/shakhtinsk-qalasy/nearby/").content.decode()

    items = nearby_items(page)
    assert items[0] == ("KarLag Museum", "7.3 km")
    distances = [float(d.removesuffix(" km")) for _, d in items]
    assert distances == sorted(distances)


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (Place.objects.count(), Section.objects.count())

    call_command("load_demo", stdout=io.StringIO())

    sections = sum(len(texts) for texts in TEXTS.values())
    assert (Place.objects.count(), Section.objects.count()) == counts == (29, sections)


def test_demo_account_needs_debug(db, settings, client):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        call_command("load_demo", "--demo-account", stdout=io.StringIO())

    settings.DEBUG = True
    call_command("load_demo", "--demo-account", stdout=io.StringIO())
    assert client.login(username="contributor", password="contributor")
    assert client.get("/admin/places/place/").status_code == 200
