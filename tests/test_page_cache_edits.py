"""The page cache after edits: no page shows what an edit changed, and pages that cannot show
it stay cached. Transactional, so that every edit commits and moves versions as in production
(places/cache.py); run on SQLite and on PostgreSQL with Redis."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from places.models import AlternateName, Photo, Place, Section

pytestmark = pytest.mark.django_db(transaction=True)

COUNTRY = "Kazakhstan"


def photo_file(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="drawn.png")


@pytest.fixture
def site(make_place):
    """A museum in Shakhtinsk with a park near it, Karaganda 40 km away, and a park and its
    town 700 km away, in Almaty."""
    shakhtinsk = make_place(
        "Shakhtinsk", 49.707, 72.593, kind=Place.Kind.AREA, category="City", country=COUNTRY
    )
    make_place("Karaganda", 49.806, 73.085, kind=Place.Kind.AREA, category="City", country=COUNTRY)
    museum = make_place("Camp museum", 49.679, 72.6855, town=shakhtinsk, country=COUNTRY)
    Section.objects.create(place=museum, kind=Section.Kind.DESCRIPTION, body="Old text.")
    Photo.objects.create(place=museum, image=photo_file("red"), alt_text="The red hall")
    make_place("Mine park", 49.70, 72.60, town=shakhtinsk, country=COUNTRY, category="Park")
    almaty = make_place(
        "Almaty", 43.238, 76.889, kind=Place.Kind.AREA, category="City", country=COUNTRY
    )
    make_place("Panfilov park", 43.258, 76.953, town=almaty, country=COUNTRY, category="Park")
    return museum


NEAR_THE_MUSEUM = [
    "/",
    "/places/",
    "/places/?category=Museum",
    "/places/?country=Kazakhstan&town=shakhtinsk",
    "/search/?q=museum",
    "/search/?q=camp",
    "/search/?q=kamp",
    "/places/camp-museum/",
    "/places/camp-museum/nearby/",
    "/places/mine-park/",
    "/places/mine-park/nearby/",
    "/places/shakhtinsk/",
    "/places/karaganda/",
    "/places/karaganda/nearby/",
    f"/countries/{COUNTRY}/",
    "/sitemap.xml",
    "/sitemap-places.xml",
    "/sitemap-pages.xml",
    "/api/places/camp-museum/",
    "/api/places/mine-park/",
    "/api/places/shakhtinsk/",
    "/api/nearby/?lat=49.7&lon=72.6",
    "/api/nearby/?lat=49.7&lon=72.6&radius_km=300",
    "/api/places/?bbox=72,49,74,51",
    "/api/search/?q=camp",
    "/api/search/?q=cam",
]
FAR_AWAY = [
    "/places/panfilov-park/",
    "/places/panfilov-park/nearby/",
    "/places/almaty/nearby/",
    "/api/places/panfilov-park/",
    "/api/nearby/?lat=43.25&lon=76.95",
    "/api/places/?bbox=76,43,77.5,44",
]
# Pages that show nothing of a place's text and photos: an edit of those leaves them cached.
NOT_SHOWING_TEXTS = [
    "/",
    "/places/",
    "/places/?category=Museum",
    "/search/?q=museum",
    "/places/mine-park/",
    "/places/shakhtinsk/",
    f"/countries/{COUNTRY}/",
    "/sitemap-places.xml",
    "/api/nearby/?lat=49.7&lon=72.6",
    "/api/search/?q=camp",
]


def museum():
    return Place.objects.get(name__endswith="museum")


def rename(place):
    place.name = "Gulag museum"
    place.save()


def move_100_km(place):
    place.latitude += 0.9  # 100 km north: out of the others' 50 km
    place.save()


def unpublish(place):
    place.status = Place.Status.DRAFT
    place.save()


def delete(place):
    place.delete()


def change_section(place):
    section = place.sections.get()
    section.body = "New text about the camp."
    section.save()


def change_photo(place):
    photo = place.photos.get()
    photo.alt_text = "The blue hall"
    photo.caption = "The hall, repainted"
    photo.save()


def add_photo(place):
    Photo.objects.create(place=place, image=photo_file("blue"), alt_text="The blue hall")


def add_alternate_name(place):
    AlternateName.objects.create(place=place, name="Kamp muzeum")


def change_town(place):
    place.town = Place.objects.get(slug="karaganda")
    place.save()


def rename_its_town(place):
    town = place.town
    town.name, town.short_name = "Shakhtinsk City", "Shakhtinsk-on-Mine"
    town.save()


def new_slug(place):
    place.slug = "gulag-museum"
    place.save()


def add_a_place_nearby(place):
    Place.objects.create(
        name="New camp memorial", slug="new-camp-memorial", latitude=49.69, longitude=72.68,
        category="Memorial", country=COUNTRY, status=Place.Status.PUBLISHED, town=place.town,
    )  # fmt: skip


def publish_a_draft_nearby(place):
    Place.objects.create(
        name="Camp archive", slug="camp-archive", latitude=49.75, longitude=72.62,
        category="Museum", country=COUNTRY, status=Place.Status.DRAFT,
    )  # fmt: skip
    draft = Place.objects.get(slug="camp-archive")
    draft.status = Place.Status.PUBLISHED
    draft.save()


EDITS = [
    rename,
    move_100_km,
    unpublish,
    delete,
    change_section,
    change_photo,
    add_photo,
    add_alternate_name,
    change_town,
    rename_its_town,
    new_slug,
    add_a_place_nearby,
    publish_a_draft_nearby,
]


def fetch(client, url):
    response = client.get(url)
    return response.status_code, response.get("Location"), response.content


def served(client, url):
    """What a visitor gets, and whether it came from the page cache."""
    response = client.get(url)
    answer = response.status_code, response.get("Location"), response.content
    return answer, getattr(response, "page_cache", None) == "hit"


def fresh(client, settings, url):
    """The page rendered now, with the page cache off."""
    cached = settings.PLACES_PAGE_CACHE_SECONDS
    settings.PLACES_PAGE_CACHE_SECONDS = 0
    try:
        return fetch(client, url)
    finally:
        settings.PLACES_PAGE_CACHE_SECONDS = cached


def from_cache(client, url):
    return getattr(client.get(url), "page_cache", None) == "hit"


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__)
def test_after_an_edit_no_cached_page_shows_what_it_changed_and_far_pages_stay_cached(
    client, settings, site, edit
):
    urls = NEAR_THE_MUSEUM + FAR_AWAY
    before = {url: fetch(client, url) for url in urls}  # rendered and cached
    assert all(status == 200 for status, _, _ in before.values()), before
    assert all(from_cache(client, url) for url in urls)

    edit(museum())

    changed, hits = [], set()
    for url in urls:
        answer, hit = served(client, url)
        assert answer == fresh(client, settings, url), f"{url} is stale after {edit.__name__}"
        changed.append(answer != before[url])
        if hit:
            hits.add(url)
    # The edit shows: on the museum's own page at least (gone from it, for some).
    assert any(changed)
    assert set(FAR_AWAY) <= hits
    if edit in (change_section, change_photo, add_photo):
        assert set(NOT_SHOWING_TEXTS) <= hits
