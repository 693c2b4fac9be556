"""What a visitor sees on a place page, and how unknown, unpublished and renamed places behave."""

import pytest

from places.models import Place, Section, SlugRedirect
from tests.data import museum_with_sections, rename
from tests.pages import h1_count, nearby_items, text, without_our_scripts


def test_place_page_shows_name_subtitle_sections_in_order_and_location(client, make_place):
    museum_with_sections(make_place, "Camp museum")

    page = client.get("/places/camp-museum/").content.decode()

    assert h1_count(page) == 1
    assert "<h1>Camp museum</h1>" in page
    assert "Museum in Shakhtinsk, Kazakhstan" in text(page)
    headings = [h for h in ["Description", "History", "Culture", "Did you know?"] if h in page]
    assert headings == ["Description", "History", "Did you know?"]
    assert page.index("Description") < page.index("History") < page.index("Did you know?")
    assert "A <em>history</em> museum." in page
    assert "49.68° N, 72.69° E" in text(page)
    assert "https://www.openstreetmap.org/?mlat=49.68&amp;mlon=72.69" in page


def test_contributor_subtitle_replaces_the_generated_one(client, make_place):
    make_place("KarLag Museum", slug="karlag-museum", subtitle="Museum of repression history")

    page = client.get("/places/karlag-museum/").content.decode()

    assert "Museum of repression history" in page
    assert "Museum in" not in page


def test_section_markup_is_sanitised(client, make_place):
    place = make_place()
    place.sections.create(
        kind=Section.Kind.DESCRIPTION,
        body='Hi <script>alert("x")</script> [link](javascript:alert(1)) <b onclick="x()">b</b>',
    )

    page = client.get(place.get_absolute_url()).content.decode()

    assert "<script>alert" not in page
    assert "javascript:" not in page
    assert "onclick" not in page


def test_stored_html_is_sanitised_again_on_the_page_and_in_the_api(client, make_place):
    # A row rendered under looser rules than today's (or written around Section.save).
    place = make_place()
    section = place.sections.create(kind=Section.Kind.DESCRIPTION, body="Kept.")
    Section.objects.filter(pk=section.pk).update(
        body_html='<p>Kept.</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)" onclick="alert(4)">link</a><h1>Big</h1>'
    )

    page = client.get(place.get_absolute_url()).content.decode()
    (api_section,) = client.get(f"/api/places/{place.slug}/").json()["properties"]["sections"]

    for html in (without_our_scripts(page), api_section["html"]):
        assert "<p>Kept.</p>" in html
        for unsafe in ("<script", "<img", "onerror", "javascript:", "onclick", "<h1>Big"):
            assert unsafe not in html


def test_unknown_slug_is_a_404_page(client, db):
    response = client.get("/places/no-such-place/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unpublished_place_is_404(client, make_place):
    make_place("Secret", status=Place.Status.DRAFT)

    assert client.get("/places/secret/").status_code == 404
    assert client.get("/places/secret/nearby/").status_code == 404


def test_renamed_place_old_slug_redirects_permanently(client, make_place):
    rename(make_place("Old name"), "new-name")

    response = client.get("/places/old-name/")

    assert response.status_code == 301
    assert response["Location"] == "/places/new-name/"
    assert client.get("/places/old-name/nearby/")["Location"] == "/places/new-name/nearby/"


def test_slug_reused_by_another_place_stops_redirecting(client, make_place):
    rename(make_place("First"), "first-renamed")

    make_place("First")

    assert client.get("/places/first/").status_code == 200
    assert not SlugRedirect.objects.filter(old_slug="first").exists()


def test_page_query_count_does_not_grow_with_nearby_places_or_sections(
    client, make_place, django_assert_num_queries
):
    lonely = make_place("Lonely", 10.0, 10.0)
    busy = make_place("Busy", 49.68, 72.69)
    for kind in Section.Kind:
        busy.sections.create(kind=kind, body=f"Text for {kind.label}.")
    for i in range(40):
        make_place(f"Neighbour {i}", 49.68 + i * 0.005, 72.69, kind=Place.Kind.SIGHT)
    for i in range(5):
        make_place(f"Town {i}", 49.6 - i * 0.01, 72.6, kind=Place.Kind.AREA)

    # The page cache's versions (places/cache.py), the place, its sections, its photos, the
    # nearby places, and the versions of what it showed (its place, regions and town): six
    # queries either way.
    with django_assert_num_queries(6):
        client.get(lonely.get_absolute_url())
    with django_assert_num_queries(6):
        page = client.get(busy.get_absolute_url()).content.decode()
    assert page.count('class="distance"') == 30


def test_all_places_nearby_page_takes_four_queries_however_many_it_lists(
    client, make_place, django_assert_num_queries
):
    lonely = make_place("Lonely", 10.0, 10.0)
    busy = make_place("Busy", 49.68, 72.69)
    for i in range(40):
        make_place(f"Neighbour {i}", 49.68 + i * 0.005, 72.69)

    # The page cache's versions, the place, the nearby places, and the versions of what it
    # showed.
    with django_assert_num_queries(4):
        client.get(f"{lonely.get_absolute_url()}nearby/")
    with django_assert_num_queries(4):
        page = client.get(f"{busy.get_absolute_url()}nearby/").content.decode()
    assert page.count('class="distance"') == 40


def test_all_places_nearby_page_lists_at_most_200_nearest_first_50_a_page(client, make_place):
    origin = make_place("Origin", 0.0, 0.0)
    for i in range(201):
        make_place(f"P{i}", 0.0, 0.001 * (i + 1))

    pages = [
        client.get(f"{origin.get_absolute_url()}nearby/?page={n}").content.decode()
        for n in range(1, 5)
    ]

    assert [name for page in pages for name, _ in nearby_items(page)] == [
        f"P{i}" for i in range(200)
    ]
    assert "Page 1 of 4" in pages[0] and 'href="/places/origin/nearby/?page=2"' in pages[0]
    assert 'rel="next"' not in pages[3]


def test_second_visit_is_served_from_the_cache_with_one_query(
    client, make_place, django_assert_num_queries
):
    place = make_place("Cached", 49.68, 72.69)
    make_place("Neighbour", 49.69, 72.69)
    first = client.get(place.get_absolute_url()).content

    with django_assert_num_queries(1):  # the versions of what it shows
        second = client.get(place.get_absolute_url()).content

    assert second == first


@pytest.mark.django_db(transaction=True)  # the cached pages are replaced on commit
def test_any_change_to_places_shows_at_once_on_cached_pages(client, make_place):
    place = make_place("Cached", 49.68, 72.69)
    client.get(place.get_absolute_url())  # now cached

    newcomer = make_place("Newcomer", 49.69, 72.69)
    assert "Newcomer" in client.get(place.get_absolute_url()).content.decode()

    newcomer.status = Place.Status.DRAFT
    newcomer.save()
    assert "Newcomer" not in client.get(place.get_absolute_url()).content.decode()

    place.sections.create(kind=Section.Kind.HISTORY, body="Fresh history.")
    assert "Fresh history." in client.get(place.get_absolute_url()).content.decode()
