"""The places list: every published place from A to Z in pages, filters that combine, their
counts for the current selection, a URL that holds the whole selection."""

import re
from html import unescape

import pytest
from django.utils.text import slugify

from places import geo
from places.models import Place
from tests.pages import h1_count, text


def listed(page):
    """The names of the places the list shows, in page order."""
    items = re.findall(r'<ul class="place-list">(.*?)</ul>', page, re.S)
    return [
        unescape(n) for n in re.findall(r'<a href="/places/[^"]+/">([^<]+)</a>', "".join(items))
    ]


def links(page, label):
    """The addresses of the links whose text starts with label (filter values, pagers)."""
    pattern = rf'<a href="([^"]+)"[^>]*>{re.escape(label)}[ <(]'
    return [unescape(href) for href in re.findall(pattern, page)]


def filter_values(page, name):
    """{label: count text} of one filter's values."""
    block = re.search(
        rf'<section class="filter" aria-labelledby="filter-{name}">(.*?)</section>', page, re.S
    )
    return dict(re.findall(r">([^<>]+) \(([0-9,+]+)\)</a>", unescape(block[1])))


@pytest.fixture
def guide(make_place):
    """Two countries, two towns of one of them, sights of several categories, and drafts."""
    astana = make_place(
        "Astana", 51.17, 71.45, kind=Place.Kind.AREA, category="City", country="Kazakhstan"
    )
    dolinka = make_place(
        "Dolinka", 49.68, 72.68, kind=Place.Kind.AREA, category="Village", country="Kazakhstan"
    )
    make_place("Bayterek", 51.13, 71.43, town=astana, country="Kazakhstan", category="Monument")
    make_place("National Museum", 51.12, 71.47, town=astana, country="Kazakhstan")
    make_place("KarLag Museum", 49.68, 72.69, town=dolinka, country="Kazakhstan")
    make_place("Dolinka park", 49.67, 72.68, town=dolinka, country="Kazakhstan", category="Park")
    make_place("Hermitage", 59.94, 30.31, country="Russia")
    make_place("Secret museum", 49.6, 72.6, country="Kazakhstan", status=Place.Status.DRAFT)
    make_place(
        "Draft town",
        49.6,
        72.6,
        kind=Place.Kind.AREA,
        country="Kazakhstan",
        status=Place.Status.DRAFT,
    )


def test_places_list_shows_every_published_place_from_a_to_z_in_pages(client, make_place):
    names = [f"Place {i:02}" for i in range(45)]
    for i, name in enumerate(reversed(names)):
        make_place(name, status=Place.Status.DRAFT if i % 9 == 0 else Place.Status.PUBLISHED)
    published = sorted(Place.objects.published().values_list("name", flat=True))

    seen, url, pages = [], "/places/", 0
    while url:
        page = client.get(url).content.decode()
        pages += 1
        seen += listed(page)
        url = next(iter(links(page, "Next page")), None)

    assert seen == published
    assert pages == 2  # 40 places, 20 a page
    assert "40 places match, from A to Z." in text(client.get("/places/").content.decode())


def test_places_are_listed_in_one_alphabet_whatever_the_script(client, make_place):
    for name in ["Zoo", "Парк Долинки", "Aquarium"]:
        make_place(name, slug=slugify(name) or "park-dolinki")

    assert listed(client.get("/places/").content.decode()) == ["Aquarium", "Парк Долинки", "Zoo"]


def test_filters_combine_and_count_their_values_within_the_other_filters(client, guide):
    page = client.get("/places/?category=Museum&country=Kazakhstan").content.decode()

    assert listed(page) == ["KarLag Museum", "National Museum"]
    assert "2 places match these filters" in text(page)
    # Each filter counts what choosing one of its values would show, the others kept.
    assert filter_values(page, "category") == {
        "City": "1",
        "Monument": "1",
        "Museum": "2",
        "Park": "1",
        "Village": "1",
    }
    assert filter_values(page, "country") == {"Kazakhstan": "2", "Russia": "1"}  # the Hermitage
    assert filter_values(page, "kind") == {"Sight": "2"}
    # With a country chosen, its towns are a filter too.
    assert filter_values(page, "town") == {"Astana": "1", "Dolinka": "1"}

    # Towns without places in the selection are left out, as other values are.
    parks = client.get("/places/?category=Park&country=Kazakhstan").content.decode()
    assert filter_values(parks, "town") == {"Dolinka": "1"}

    page = client.get("/places/?category=Museum&country=Kazakhstan&town=dolinka").content.decode()
    assert listed(page) == ["KarLag Museum"]
    assert filter_values(page, "category") == {"Museum": "1", "Park": "1"}


def test_every_link_holds_the_whole_selection(client, guide):
    page = client.get("/places/?country=Kazakhstan&category=Museum").content.decode()

    assert links(page, "Park") == ["/places/?category=Park&country=Kazakhstan"]
    assert links(page, "Astana") == ["/places/?category=Museum&country=Kazakhstan&town=astana"]
    assert links(page, "Any category") == ["/places/?country=Kazakhstan"]
    assert links(page, "Any country") == ["/places/?category=Museum"]
    # A shared address shows the same selection.
    shared = client.get("/places/?category=Park&country=Kazakhstan").content.decode()
    assert listed(shared) == ["Dolinka park"]


def test_an_empty_selection_says_which_filters_to_loosen(client, guide):
    page = client.get("/places/?category=Park&country=Russia").content.decode()

    assert listed(page) == []
    assert "No published place matches all of these filters." in page
    loosen = page[page.index("Loosen the selection") :]
    assert links(loosen, "Any category") == ["/places/?country=Russia"]
    assert links(loosen, "Any country") == ["/places/?category=Park"]


def test_counts_past_their_caps_say_so(client, db):
    places = [
        Place(name=f"P{i:04}", slug=f"p{i:04}", category="Museum" if i % 2 else "Park",
              latitude=0, longitude=0, cell=geo.cell_of(0, 0), status=Place.Status.PUBLISHED)
        for i in range(2003)
    ]  # fmt: skip
    Place.objects.bulk_create(places)

    page = client.get("/places/").content.decode()

    assert "1,000+ places match, from A to Z." in text(page)
    assert filter_values(page, "category") == {"Museum": "100+", "Park": "100+"}
    assert "Counts stop at 100 for each filter (“100+”) and at 1,000 for the total." in page
    assert len(listed(page)) == 20


def test_a_filter_lists_at_most_100_values_in_name_order(client, db):
    places = [
        Place(name=f"P{i:03}", slug=f"p{i:03}", category=f"C{i:03}", latitude=0, longitude=0,
              cell=geo.cell_of(0, 0), status=Place.Status.PUBLISHED)
        for i in range(101)
    ]  # fmt: skip
    Place.objects.bulk_create(places)

    page = client.get("/places/").content.decode()

    assert list(filter_values(page, "category")) == [f"C{i:03}" for i in range(100)]


def test_bad_parameters_get_a_message_and_the_others_still_apply(client, guide):
    response = client.get("/places/?category=Museum&town=atlantis&kind=castle&after=%21%21")
    page = response.content.decode()

    assert response.status_code == 400
    assert "No published town or district has the address “atlantis”." in page
    assert "Select a valid choice. castle is not one of the available choices." in page
    assert "This page link is damaged: the list starts again here." in page
    assert listed(page) == ["Hermitage", "KarLag Museum", "National Museum"]
    assert h1_count(page) == 1


def test_a_draft_town_is_no_filter(client, guide):
    response = client.get("/places/?town=draft-town")

    assert response.status_code == 400
    assert (
        "No published town or district has the address “draft-town”." in response.content.decode()
    )


def test_places_list_takes_a_fixed_number_of_queries(client, guide, django_assert_num_queries):
    # The page cache's content version, the page of places, their capped count, and one
    # query for each of the category, kind and country filters.
    with django_assert_num_queries(6):
        client.get("/places/?category=Museum")
    # ...and with a country and a town chosen: the town, and the towns of the country.
    with django_assert_num_queries(8):
        client.get("/places/?category=Museum&country=Kazakhstan&town=astana")


def test_each_selection_is_cached_apart_and_parameter_order_does_not_matter(
    client, guide, django_assert_num_queries
):
    museums = client.get("/places/?category=Museum&country=Kazakhstan").content.decode()
    parks = client.get("/places/?category=Park&country=Kazakhstan").content.decode()

    assert listed(museums) == ["KarLag Museum", "National Museum"]
    assert listed(parks) == ["Dolinka park"]
    with django_assert_num_queries(1):  # the content version: served from the cache
        again = client.get("/places/?country=Kazakhstan&category=Museum").content.decode()
    assert again == museums
    with django_assert_num_queries(1):
        assert client.get("/places/?category=Park&country=Kazakhstan").content.decode() == parks


def test_a_filter_value_a_contributor_typed_is_escaped_in_its_link(client, make_place):
    category = '<b onmouseover="x()">Camp & "museum"</b>'
    make_place("Camp museum", category=category)

    page = client.get("/places/").content.decode()

    assert "<b onmouseover" not in page
    escaped = "&lt;b onmouseover=&quot;x()&quot;&gt;Camp &amp; &quot;museum&quot;&lt;/b&gt;"
    assert f"{escaped} (1)</a>" in page
