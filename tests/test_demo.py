"""The demo data: the KarLag Museum page reproduces the listing it was taken from, every demo
place has our texts, and at least eight have illustrations drawn by our code."""

import html
import io
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client

from places.demo.illustrations import ILLUSTRATIONS, png
from places.management.commands.load_demo import DEMO_DIR, demo_places
from places.models import Photo, Place, Section
from tests.pages import head, nearby_items, text
from tests.test_photo_uploads import media_files

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


def test_demo_accounts_need_debug(db, settings, client):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        call_command("load_demo", "--demo-account", stdout=io.StringIO())

    settings.DEBUG = True
    call_command("load_demo", "--demo-account", stdout=io.StringIO())
    credentials = {"username": "contributor", "password": "contributor"}
    assert client.post("/admin/login/?next=/admin/", credentials).url == "/admin/"
    assert client.get("/admin/places/place/").status_code == 200
    assert client.get("/admin/places/reviewqueue/").status_code == 403

    editor = Client()
    credentials = {"username": "editor", "password": "editor"}
    assert editor.post("/admin/login/?next=/admin/", credentials).url == "/admin/"
    assert editor.get("/admin/places/reviewqueue/").status_code == 200
    assert User.objects.get(username="editor").has_perm("places.publish_place")


# --- The demo's illustrations -----------------------------------------------------------------
# Transactional: a photo's files are written when its transaction commits.


def demo_photos():
    return sorted(
        Photo.objects.values_list(
            "place__slug", "position", "image", "alt_text", "caption", "credit", "licence"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_loading_the_demo_twice_keeps_the_same_photos_and_files():
    call_command("load_demo", stdout=io.StringIO())
    photos, files = demo_photos(), media_files()

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert "(0 drawn now)" in out.getvalue()
    assert demo_photos() == photos and media_files() == files
    assert len(photos) == len(ILLUSTRATIONS)
    assert len(files) == len(ILLUSTRATIONS) * 7  # a master and 3 widths in WebP and JPEG


@pytest.mark.django_db(transaction=True)
def test_loading_the_demo_draws_again_an_illustration_whose_file_is_missing():
    call_command("load_demo", stdout=io.StringIO())
    files = media_files()
    lost = Photo.objects.get(place__slug="central-park")
    default_storage.delete(lost.image.name)

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert "(1 drawn now)" in out.getvalue()
    found = Photo.objects.get(place__slug="central-park", position=0)
    assert found.pk == lost.pk and found.image.name != lost.image.name and found.shown
    assert len(media_files()) == len(files)  # the lost photo's variants went with it
    assert not [name for name in media_files() if lost.image.name[:-4] in name]


@pytest.mark.django_db(transaction=True)
def test_at_least_eight_demo_places_have_illustrations_labelled_and_credited():
    call_command("load_demo", stdout=io.StringIO())

    photos = Photo.objects.select_related("place")
    assert len({photo.place_id for photo in photos}) >= 8
    for photo in photos:
        photo.full_clean()  # within the fields' limits, as the admin would save it
        assert photo.caption.startswith("Illustration: "), photo.caption
        assert len(photo.alt_text) > 60, photo.alt_text
        assert (photo.credit, photo.licence) == ("Places guide project", "CC-BY-4.0")
        assert photo.shown and (photo.width, photo.height) == (1200, 800)
        assert photo.place.status == Place.Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_the_museum_page_shows_its_lead_illustration_and_a_gallery_of_the_others(client):
    call_command("load_demo", stdout=io.StringIO())
    lead, *others = Photo.objects.filter(place__slug="karlag-museum")

    page = client.get("/places/karlag-museum/").content.decode()

    lead_figure = re.search(r'<figure class="lead-photo">.*?</figure>', page, re.S)[0]
    assert f'alt="{html.escape(lead.alt_text)}"' in lead_figure
    assert "Illustration: a stylised museum building" in lead_figure
    assert "Photo: Places guide project, " in text(lead_figure)
    gallery = re.search(r'<section class="gallery".*?</section>', page, re.S)[0]
    links = re.findall(r'<a class="gallery-link" href="([^"]+)">', gallery)
    assert links == [photo.shown.large for photo in others] and len(links) == 2
    assert head(page).meta["og:image"] == f"http://testserver{lead.shown.large}"


def test_illustrations_are_drawn_the_same_each_time():
    facts = demo_places()
    for illustration in ILLUSTRATIONS:
        first, second = png(illustration.draw(facts)), png(illustration.draw(facts))
        assert first == second, illustration.slug
        assert illustration.slug in {place["slug"] for place in facts}
