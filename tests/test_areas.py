"""Towns, districts and countries: breadcrumbs, an area's own places and the places around
it, a country's towns, and a town's short name in running text."""

import re

from django.test import Client

from places.models import Place
from tests.pages import h1_count, nearby_items, text

BREADCRUMBS = re.compile(r'<nav class="breadcrumbs" aria-label="Breadcrumb">(.*?)</nav>', re.S)


def crumbs(page):
    """(address, text) of each breadcrumb, in order."""
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', BREADCRUMBS.search(page)[1])


def make_town(make_place, name="Shakhtīnsk Qalasy", **fields):
    fields = {"kind": Place.Kind.AREA, "category": "City", "country": "Kazakhstan", **fields}
    return make_place(name, 49.707, 72.593, **fields)


def test_place_page_shows_breadcrumbs_country_town_place(client, make_place):
    town = make_town(make_place, short_name="Shakhtinsk")
    make_place("KarLag Museum", town=town, country="Kazakhstan")

    page = client.get("/places/karlag-museum/").content.decode()

    assert crumbs(page) == [
        ("/countries/Kazakhstan/", "Kazakhstan"),
        ("/places/shakhtinsk-qalasy/", "Shakhtīnsk Qalasy"),
        ("/places/karlag-museum/", "KarLag Museum"),
    ]
    assert 'aria-current="page">KarLag Museum</a>' in page


def test_a_place_without_town_or_country_has_itself_as_its_only_breadcrumb(client, make_place):
    make_place("Lonely rock", 10.0, 10.0)

    assert crumbs(client.get("/places/lonely-rock/").content.decode()) == [
        ("/places/lonely-rock/", "Lonely rock")
    ]


def test_running_text_names_the_town_by_its_short_name_and_lists_by_its_full_name(
    client, make_place
):
    town = make_town(make_place, short_name="Shakhtinsk")
    make_place("KarLag Museum", 49.679, 72.6855, town=town, country="Kazakhstan")

    page = client.get("/places/karlag-museum/").content.decode()

    # The subtitle made from the data links the town.
    assert 'Museum in <a href="/places/shakhtinsk-qalasy/">Shakhtinsk</a>, Kazakhstan' in page
    assert "Discover all places nearby (Shakhtinsk)" in page
    assert ("Shakhtīnsk Qalasy", "7.3 km") in nearby_items(page)


def test_a_contributors_subtitle_links_the_town_where_it_names_it(client, make_place):
    town = make_town(make_place, short_name="Shakhtinsk")
    make_place("KarLag Museum", town=town, subtitle="Museum of repression history in Shakhtinsk")
    make_place("Camp museum", town=town, subtitle="A museum of the camp years")

    assert (
        'Museum of repression history in <a href="/places/shakhtinsk-qalasy/">Shakhtinsk</a>'
        in client.get("/places/karlag-museum/").content.decode()
    )
    assert '<p class="subtitle">A museum of the camp years</p>' in (
        client.get("/places/camp-museum/").content.decode()
    )


def test_without_a_short_name_the_full_name_is_used_everywhere(client, make_place):
    town = make_town(make_place, name="Dolinka")
    make_place("KarLag Museum", town=town, country="Kazakhstan")

    page = client.get("/places/karlag-museum/").content.decode()

    assert "Museum in Dolinka, Kazakhstan" in text(page)
    assert "Discover all places nearby (Dolinka)" in page


def test_a_place_without_a_town_links_to_the_places_near_it(client, make_place):
    make_place("Irtysh–Karaganda Canal", slug="irtysh-karaganda-canal", category="Canal")

    page = client.get("/places/irtysh-karaganda-canal/").content.decode()

    assert '<a href="/places/irtysh-karaganda-canal/nearby/">Discover all places nearby</a>' in page


def test_a_draft_town_is_neither_linked_nor_named(client, make_place):
    town = make_town(make_place, status=Place.Status.DRAFT)
    make_place("KarLag Museum", town=town, country="Kazakhstan")

    page = client.get("/places/karlag-museum/").content.decode()

    assert "Shakhtīnsk" not in page
    assert "Museum in Kazakhstan" in text(page)


def test_area_page_lists_its_own_places_with_counts_per_category_and_the_places_around(
    client, make_place
):
    town = make_town(make_place, short_name="Shakhtinsk")
    for i in range(12):
        category = "Museum" if i < 8 else "Park"
        make_place(f"Own {i:02}", 49.71, 72.6 + i * 0.001, town=town, category=category)
    make_place("Own draft", town=town, status=Place.Status.DRAFT)
    make_place("Around", 49.8, 72.7)

    page = client.get("/places/shakhtinsk-qalasy/").content.decode()

    own = page[page.index("Places in Shakhtīnsk Qalasy") : page.index("Location")]
    assert re.findall(r">(Museum|Park) \((\d+)\)</a>", own) == [("Museum", "8"), ("Park", "4")]
    assert '<a href="/places/?category=Park&amp;town=shakhtinsk-qalasy">' in own
    assert re.findall(r">(Own \d+)</a>", own) == [f"Own {i:02}" for i in range(10)]
    assert '<a href="/places/?town=shakhtinsk-qalasy">All places in Shakhtinsk</a>' in own
    assert "Own draft" not in page
    # The places around it, own or not, nearest first.
    around = nearby_items(page)
    assert "Around" in [name for name, _ in around]
    distances = [float(d.removesuffix(" km")) for _, d in around]
    assert distances == sorted(distances)
    assert h1_count(page) == 1


def test_area_page_takes_three_queries_more_than_a_place_page(
    client, make_place, django_assert_num_queries
):
    town = make_town(make_place)
    for i in range(15):
        make_place(f"Own {i}", town=town, category=f"Category {i % 4}")

    # A place page's six (the page cache's versions, place, sections, photos, nearby, the
    # versions of what it showed), then the area's own places, their number per category,
    # and nothing per place or category.
    with django_assert_num_queries(8):
        client.get(town.get_absolute_url())


def test_country_page_lists_its_towns_with_their_numbers_of_places(client, make_place):
    astana = make_town(make_place, name="Astana")
    dolinka = make_town(make_place, name="Dolinka")
    make_town(make_place, name="Empty town")
    make_town(make_place, name="Draft town", status=Place.Status.DRAFT)
    make_town(make_place, name="Moscow", country="Russia")
    make_place("Bayterek", town=astana, country="Kazakhstan")
    make_place("National Museum", town=astana, country="Kazakhstan")
    make_place("KarLag Museum", town=dolinka, country="Kazakhstan")
    make_place("Secret", town=dolinka, status=Place.Status.DRAFT)

    page = client.get("/countries/Kazakhstan/").content.decode()

    town = r'<li><a href="/places/([^"]+)/">([^<]+)</a> <span class="muted">([^<]+)'
    assert re.findall(town, page) == [
        ("astana", "Astana", "2 places"),
        ("dolinka", "Dolinka", "1 place"),
        ("empty-town", "Empty town", "0 places"),
    ]
    assert '<a href="/places/?country=Kazakhstan">All places in Kazakhstan</a>' in page
    assert h1_count(page) == 1


def test_country_page_pages_its_towns_a_hundred_at_a_time(
    client, make_place, django_assert_num_queries
):
    for i in range(101):
        make_town(make_place, name=f"Town {i:03}")

    # The page cache's versions (the country's among them) and the towns with their numbers
    # of places.
    with django_assert_num_queries(2):
        first = client.get("/countries/Kazakhstan/").content.decode()
    (next_page,) = re.findall(r'<a href="([^"]+)" rel="next">', first)
    second = client.get(next_page.replace("&amp;", "&")).content.decode()

    assert first.count("places</span>") == 100
    assert re.findall(r">(Town \d+)</a>", second) == ["Town 100"]
    assert 'rel="next"' not in second


def test_a_country_without_published_places_is_404(client, make_place):
    make_place("Secret", country="Atlantis", status=Place.Status.DRAFT)

    assert client.get("/countries/Atlantis/").status_code == 404
    assert client.get("/countries/Nowhere/").status_code == 404


def test_a_nul_character_in_a_country_address_is_refused_not_a_server_error(make_place):
    # PostgreSQL refuses a NUL in a query: sent on, it was a server error (found by
    # tests/test_hostile_urls.py).
    make_place("KarLag Museum", country="Kazakhstan")
    client = Client(raise_request_exception=False)

    assert client.get("/countries/%00/").status_code == 404
    assert client.get("/countries/Kazakh%00stan/").status_code == 404
    assert client.get("/countries/Kazakhstan/?after=%00").status_code == 400
    assert client.get("/countries/Kazakhstan/?after=a").status_code == 200


def test_places_near_a_town_are_counted_and_filtered_by_category_nearest_first(
    client, make_place, django_assert_num_queries
):
    town = make_town(make_place)
    for i in range(60):
        make_place(f"Museum {i:02}", 49.707 + (i + 1) * 0.001, 72.593, category="Museum")
    make_place("Far park", 49.9, 72.593, category="Park")
    make_place("Near park", 49.7, 72.593, category="Park")

    # The page cache's versions, the town, the places near it (counted and paged in memory),
    # the versions of what it showed.
    with django_assert_num_queries(4):
        page = client.get("/places/shakhtinsk-qalasy/nearby/").content.decode()
    parks = client.get("/places/shakhtinsk-qalasy/nearby/?category=Park").content.decode()
    museums = client.get("/places/shakhtinsk-qalasy/nearby/?category=Museum&page=2")

    assert re.findall(r">(\w+) \((\d+)\)</a>", page) == [("Museum", "60"), ("Park", "2")]
    assert [name for name, _ in nearby_items(parks)] == ["Near park", "Far park"]
    assert [name for name, _ in nearby_items(museums.content.decode())] == [
        f"Museum {i:02}" for i in range(50, 60)
    ]
    assert 'href="/places/shakhtinsk-qalasy/nearby/?category=Museum&amp;page=1"' in (
        museums.content.decode()
    )
    assert town.get_absolute_url() in page
