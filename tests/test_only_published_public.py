"""Only published places appear anywhere public: a draft and a place in review beside published
ones change no public page, list, map, search, sitemap or API answer."""

import pytest
from django.test import Client

from places.models import Place

HIDDEN = {
    "draft-museum": ("Zzdraft Museum", Place.Status.DRAFT, Place.Kind.SIGHT),
    "review-museum": ("Zzreview Museum", Place.Status.REVIEW, Place.Kind.SIGHT),
    "draft-district": ("Zzdraft District", Place.Status.DRAFT, Place.Kind.AREA),
}

SURFACES = [
    "/",
    "/places/",
    "/places/?category=Museum",
    "/places/?country=Kazakhstan",
    "/places/?town=shakhtinsk-qalasy",
    "/places/?q=zz",
    "/places/karlag-museum/",
    "/places/karlag-museum/nearby/",
    "/places/shakhtinsk-qalasy/",
    "/places/shakhtinsk-qalasy/nearby/",
    "/search/?q=museum",
    "/search/?q=zzdraft",
    "/search/?q=zzreview",
    "/countries/Kazakhstan/",
    "/nearby/?lat=49.7&lon=72.6",
    "/sitemap.xml",
    "/sitemap-places.xml?p=1",
    "/api/nearby/?lat=49.7&lon=72.6",
    "/api/places/?bbox=72,49,73,50",
    "/api/search/?q=zz",
    "/api/search/?q=museum",
]


def add_hidden_places():
    """The unpublished places, in the town and beside the published ones, featured."""
    town = Place.objects.get(slug="shakhtinsk-qalasy")
    for slug, (name, status, kind) in HIDDEN.items():
        Place.objects.create(
            name=name, slug=slug, status=status, kind=kind, category="Museum",
            country="Kazakhstan", town=town, featured=True, latitude=49.701, longitude=72.601,
        )  # fmt: skip


@pytest.fixture
def hidden(places):
    add_hidden_places()


def test_unpublished_places_change_no_public_page(places, settings):
    # Rendered afresh each time: the page cache would answer the second look from the first.
    settings.PLACES_PAGE_CACHE_SECONDS = 0
    client = Client()
    before = {path: client.get(path) for path in SURFACES}
    assert all(response.status_code == 200 for response in before.values())

    add_hidden_places()

    for path in SURFACES:
        after = client.get(path)
        assert after.status_code == 200, path
        assert after.content == before[path].content, path
        for slug, (name, _, _) in HIDDEN.items():
            assert slug not in after.content.decode() and name not in after.content.decode()


@pytest.mark.parametrize("slug", HIDDEN)
@pytest.mark.parametrize(
    "path", ["/places/{}/", "/places/{}/nearby/", "/api/places/{}/", "/places/?town={}"]
)
def test_unpublished_place_has_no_public_address(hidden, slug, path):
    response = Client().get(path.format(slug))

    assert response.status_code in (400, 404)
