"""What search engines and link previews get: sitemap.xml, robots.txt, canonical URLs,
descriptions, OpenGraph and Twitter card tags, and schema.org data on place pages."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from places import seo
from places.models import Place, Section
from places.sitemaps import PlaceSitemap
from tests.pages import OUR_SCRIPTS, head

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def xml_locations(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def sitemap_entries(response):
    """{location: lastmod} of a sitemap file."""
    root = ET.fromstring(response.content)
    return {
        url.find(f"{SITEMAP}loc").text: url.findtext(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
    }


# sitemap.xml


def test_sitemap_index_lists_one_file_per_50000_ids_of_places(client, make_place):
    first = make_place("First")
    # The next id range: whatever ids the database hands out, this one is a file further on.
    far = make_place("Far", id=first.pk + PlaceSitemap.limit)
    files = (far.pk - 1) // PlaceSitemap.limit + 1

    locations = xml_locations(client.get("/sitemap.xml"))

    places = "http://testserver/sitemap-places.xml"
    assert locations == [
        "http://testserver/sitemap-pages.xml",
        places,
        *(f"{places}?p={page}" for page in range(2, files + 1)),
    ]
    assert b"lastmod" not in client.get("/sitemap.xml").content  # it would read every place
    page_of_first = f"?p={(first.pk - 1) // PlaceSitemap.limit + 1}"
    assert list(sitemap_entries(client.get(f"/sitemap-places.xml{page_of_first}"))) == [
        "http://testserver/places/first/"
    ]
    assert list(sitemap_entries(client.get(f"/sitemap-places.xml?p={files}"))) == [
        "http://testserver/places/far/"
    ]


def test_sitemap_files_hold_every_published_place_once_with_its_lastmod_and_no_draft(
    client, demo, make_place
):
    make_place("Draft", status=Place.Status.DRAFT)
    last = Place.objects.order_by("-pk").first().pk
    files = range(1, (last - 1) // PlaceSitemap.limit + 2)

    entries = {}
    for page in files:
        entries.update(sitemap_entries(client.get(f"/sitemap-places.xml?p={page}")))

    published = Place.objects.published()
    assert len(entries) == published.count() == 29
    for place in published:
        url = f"http://testserver{place.get_absolute_url()}"
        assert entries[url] == place.updated.date().isoformat()
    assert "http://testserver/places/draft/" not in entries
    pages = sitemap_entries(client.get("/sitemap-pages.xml"))
    assert list(pages) == ["http://testserver/"]


@pytest.mark.django_db(transaction=True)  # the cached sitemap changes when edits commit
def test_sitemap_shows_a_new_place_and_drops_an_unpublished_one_at_once(client, make_place):
    lake = make_place("Lake", id=1)
    assert list(sitemap_entries(client.get("/sitemap-places.xml"))) == [
        "http://testserver/places/lake/"
    ]

    make_place("Park", id=2)
    lake.status = Place.Status.DRAFT
    lake.save()

    assert list(sitemap_entries(client.get("/sitemap-places.xml"))) == [
        "http://testserver/places/park/"
    ]


def test_sitemap_urls_follow_the_requests_scheme_and_host(client, make_place):
    make_place("Lake", id=1)

    response = client.get("/sitemap-places.xml", secure=True, HTTP_HOST="localhost")
    index = client.get("/sitemap.xml", secure=True, HTTP_HOST="localhost")

    assert list(sitemap_entries(response)) == ["https://localhost/places/lake/"]
    assert "https://localhost/sitemap-places.xml" in xml_locations(index)


@pytest.mark.parametrize("page", ["0", "3", "x"])
def test_sitemap_file_that_does_not_exist_is_404(client, make_place, page):
    make_place("Lake", id=PlaceSitemap.limit + 1)  # two files

    assert client.get(f"/sitemap-places.xml?p={page}").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_reads_the_primary_key_without_counting_or_sorting(client, make_place, settings):
    settings.PLACES_PAGE_CACHE_SECONDS = 0  # the sitemap's own queries, not the page cache's
    for i in range(5):
        make_place(f"Place {i}")
    with CaptureQueriesContext(connection) as index_queries:
        client.get("/sitemap.xml")
    with CaptureQueriesContext(connection) as file_queries:
        client.get("/sitemap-places.xml")
    explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"

    assert len(index_queries) == 1  # the largest id
    assert len(file_queries) == 2  # the largest id (is there such a file?), the file's places
    queries = [q["sql"] for q in index_queries.captured_queries + file_queries.captured_queries]
    plans = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As on a large table. (A bitmap scan and a sort is what a small table gets once
            # earlier tests have grown its file with rolled-back rows.)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        for sql in queries:
            assert "COUNT(" not in sql.upper() and "OFFSET" not in sql.upper(), sql
            cursor.execute(f"{explain} {sql}")
            plans.append(" ".join(str(row) for row in cursor.fetchall()))
    largest_id, largest_id_again, places = plans
    assert largest_id == largest_id_again
    if connection.vendor == "sqlite":
        # The table in rowid order, backwards, stopped by LIMIT 1: one row read.
        assert largest_id == "(4, 0, 0, 'SCAN places_place')"
        assert "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" in places
    else:
        assert "Index Only Scan Backward using places_place_pkey" in largest_id
        assert "Index Scan using places_place_pkey" in places
    for plan in plans:
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


# robots.txt


def test_robots_txt_keeps_crawlers_out_of_admin_and_api_and_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt", secure=True, HTTP_HOST="localhost")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /api/" in lines
    assert "Sitemap: https://localhost/sitemap.xml" in lines


# The head of the pages


def test_home_page_has_canonical_url_description_opengraph_and_twitter_card(client, demo):
    tags = head(client.get("/", HTTP_HOST="localhost").content.decode())

    assert tags.links["canonical"] == ["http://localhost/"]
    assert tags.meta["description"].startswith("Curated pages about places")
    assert tags.meta["og:title"] == "Places guide"
    assert tags.meta["og:site_name"] == "Places guide"
    assert tags.meta["og:description"] == tags.meta["description"]
    assert tags.meta["og:url"] == "http://localhost/"
    assert tags.meta["og:type"] == "website"
    assert tags.meta["twitter:card"] == "summary"
    assert "og:image" not in tags.meta
    assert tags.json_ld == []


def test_place_page_describes_the_place_by_its_first_sentence(client, demo):
    page = client.get("/places/karlag-museum/", secure=True).content.decode()
    tags = head(page)

    description = (
        "The KarLag Museum is a history museum in the village of Dolinka, a short drive from "
        "the mining town of Shakhtinsk in Karaganda Region."
    )
    assert tags.meta["description"] == description
    assert tags.links["canonical"] == ["https://testserver/places/karlag-museum/"]
    assert tags.meta["og:url"] == "https://testserver/places/karlag-museum/"
    assert tags.meta["og:title"] == "KarLag Museum"
    assert tags.meta["og:description"] == description
    assert tags.meta["og:type"] == "article"
    assert tags.meta["twitter:card"] == "summary"
    assert tags.meta["twitter:title"] == "KarLag Museum"


def test_place_without_text_is_described_by_its_subtitle(client, make_place):
    make_place("Quiet corner", country="Kazakhstan", category="Park")

    tags = head(client.get("/places/quiet-corner/").content.decode())

    assert tags.meta["description"] == "Park in Kazakhstan"


def test_long_description_is_cut_at_a_word_and_escaped(client, make_place):
    place = make_place("Tower")
    sentence = 'The "tower" of Smith & Sons, 3 < 4, ' + "a very tall thing " * 12 + "here."
    place.sections.create(kind=Section.Kind.HISTORY, body=sentence + " More.")

    page = client.get("/places/tower/").content.decode()
    tags = head(page)

    assert (
        'name="description" content="The &quot;tower&quot; of Smith &amp; Sons, 3 &lt; 4,' in page
    )
    description = tags.meta["description"]
    assert description.startswith('The "tower" of Smith & Sons, 3 < 4, a very tall thing')
    assert len(description) <= 160 and description.endswith("…")
    kept = description[:-1]
    assert sentence.startswith(kept) and sentence[len(kept)] == " "  # whole words


def test_description_stops_at_the_end_of_the_first_paragraph(client, make_place):
    place = make_place("Gate")
    place.sections.create(kind=Section.Kind.DESCRIPTION, body="A *red* gate\n\nIt is old.")

    tags = head(client.get("/places/gate/").content.decode())

    assert tags.meta["description"] == "A red gate"


def test_place_with_a_photo_shares_it_as_a_large_image(
    client, make_place, django_capture_on_commit_callbacks
):
    place = make_place("Lake Balkhash", category="Lake")
    with django_capture_on_commit_callbacks(execute=True):  # the files are written on commit
        place.photos.create(image=png(), alt_text="Water at dusk")

    tags = head(client.get("/places/lake-balkhash/", HTTP_HOST="localhost").content.decode())

    photo = place.photos.get()
    largest_jpeg = photo.image.url.replace(".jpg", "-40.jpg")  # the photo is 40 px wide
    assert tags.meta["og:image"] == f"http://localhost{largest_jpeg}"
    assert tags.meta["og:image:alt"] == "Water at dusk"
    assert tags.meta["twitter:card"] == "summary_large_image"
    (data,) = tags.json_ld
    assert data["image"] == f"http://localhost{largest_jpeg}"


def test_nearby_page_has_its_own_canonical_url_and_description(client, demo):
    tags = head(client.get("/places/karlag-museum/nearby/").content.decode())

    assert tags.links["canonical"] == ["http://testserver/places/karlag-museum/nearby/"]
    assert tags.meta["og:title"] == "Places near KarLag Museum"
    assert tags.meta["description"] == (
        "Sights, towns and districts within 50 km of KarLag Museum, nearest first."
    )


def test_canonical_url_leaves_the_query_string_out(client, demo):
    tags = head(client.get("/?utm_source=x").content.decode())

    assert tags.links["canonical"] == ["http://testserver/"]


def test_every_public_page_has_one_canonical_url_and_a_description(client, demo):
    for place in Place.objects.all()[:5]:
        for url in [place.get_absolute_url(), f"{place.get_absolute_url()}nearby/", "/"]:
            tags = head(client.get(url).content.decode())
            assert tags.links["canonical"] == [f"http://testserver{url}"], url
            assert tags.meta["description"], url


# schema.org


def test_place_json_ld_parses_and_carries_the_pages_coordinates(client, demo):
    page = client.get("/places/karlag-museum/").content.decode()

    (data,) = head(page).json_ld
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Museum"
    assert data["name"] == "KarLag Museum"
    assert data["url"] == "http://testserver/places/karlag-museum/"
    assert data["description"] == head(page).meta["description"]
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 49.679, "longitude": 72.6855}
    assert "49.679° N, 72.6855° E" in page  # the coordinates the page shows
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Shakhtīnsk Qalasy",
        "addressCountry": "Kazakhstan",
    }
    assert "image" not in data


def test_place_json_ld_type_follows_the_category(client, demo):
    expected = {
        "shakhtinsk-qalasy": "City",
        "karagandy-zoo": "Zoo",
        "central-park": "Park",
        "eternal-flame-karaganda": "LandmarksOrHistoricalBuildings",
        "seyfullin-kazakh-drama-theatre": "PerformingArtsTheater",
        "childrens-railway-karaganda": "TouristAttraction",
        "kirovskiy-rayon": "AdministrativeArea",
    }
    for slug, schema_type in expected.items():
        (data,) = head(client.get(f"/places/{slug}/").content.decode()).json_ld
        assert data["@type"] == schema_type, slug


def test_a_name_cannot_close_the_json_ld_script(client, make_place):
    name = 'Bad </script><script>alert("x")</script> & <!-- place'
    make_place(name, slug="bad-place", category="Monument")

    page = client.get("/places/bad-place/").content.decode()

    inline = OUR_SCRIPTS.sub("", page)  # the guide's script files (src, no content) set aside
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", inline, flags=re.S)
    assert len(scripts) == 2  # the JSON-LD and the map's data (tests/test_maps.py)
    for script in scripts:
        assert "<" not in script and ">" not in script and "&" not in script
    (data,) = head(page).json_ld
    assert data["name"] == name
    assert data["@type"] == "LandmarksOrHistoricalBuildings"


def test_place_page_still_costs_six_queries(client, demo, django_assert_num_queries):
    with django_assert_num_queries(6):  # as in test_place_page
        client.get("/places/karlag-museum/")


# The texts, without Django


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("One. Two.", "One."),
        ("Dr. Smith built it in 1937. Then it burned.", "Dr. Smith built it in 1937."),
        (
            "The house of A. S. Pushkin stands here. Visit it.",
            "The house of A. S. Pushkin stands here.",
        ),
        ("Built c. 1900, e.g. by prisoners. More.", "Built c. 1900, e.g. by prisoners."),
        ("Version 2.5 of the map. Next.", "Version 2.5 of the map."),
        ("Is it far? No, 7 km.", "Is it far?"),
        ('He said: "Stay." Nobody did.', 'He said: "Stay."'),
        ("No full stop at all", "No full stop at all"),
        ("  Spread\n over\n\nlines.  Second.", "Spread over lines."),
        (
            "Музей на ул. Ленина открыт в 1991 г. в здании. Второе.",
            "Музей на ул. Ленина открыт в 1991 г. в здании.",
        ),
        ("Дом, где жил А. С. Пушкин. Рядом сад.", "Дом, где жил А. С. Пушкин."),
        (
            "Фёдоровское водохранилище — крупнейшее в области. Оно…",
            "Фёдоровское водохранилище — крупнейшее в области.",
        ),
        ("Қарағанды — облыс орталығы. Қала 1934 жылы құрылды.", "Қарағанды — облыс орталығы."),
    ],
)
def test_first_sentence(text, sentence):
    assert seo.first_sentence(text) == sentence


def test_shorten_keeps_whole_words_within_the_limit():
    text = "word " * 50
    short = seo.shorten(text)
    assert len(short) <= 160 and short.endswith("word…") and "  " not in short
    assert seo.shorten("Short enough.") == "Short enough."
    assert seo.shorten("x" * 200) == "x" * 159 + "…"
    assert seo.shorten("Exactly, " + "y" * 151) == "Exactly, " + "y" * 151


def test_description_falls_back_when_there_is_no_text():
    assert seo.description("", fallback="Museum in Dolinka") == "Museum in Dolinka"
    assert seo.description("Text. More.", fallback="Museum") == "Text."


@pytest.mark.parametrize(
    ("category", "is_sight", "schema_type"),
    [
        ("Museum", True, "Museum"),
        ("park", True, "Park"),
        ("City", False, "City"),
        ("Town", False, "City"),
        ("Memorial", True, "LandmarksOrHistoricalBuildings"),
        ("Church", True, "Church"),
        ("Cathedral", True, "Church"),
        ("District", False, "AdministrativeArea"),
        ("Lake", True, "LakeBodyOfWater"),
        ("Zoo", True, "Zoo"),
        ("Theatre", True, "PerformingArtsTheater"),
        ("Viewpoint", True, "TouristAttraction"),
        ("Village", False, "Place"),
    ],
)
def test_schema_type_comes_from_the_category(category, is_sight, schema_type):
    assert seo.schema_type(category, is_sight) == schema_type


def test_json_for_script_escapes_what_could_end_the_script():
    escaped = seo.json_for_script({"name": "</script><!-- & ё"})
    assert escaped == '{"name": "\\u003C/script\\u003E\\u003C!-- \\u0026 ё"}'
