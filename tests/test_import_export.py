"""Open data in and out: import_places reads GeoJSON and CSV, export_places writes them back."""

import json
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError
from django.db import connection

from places import geo
from places.exchange.records import DERIVED_FIELDS
from places.models import LATITUDE_MESSAGE, AlternateName, Photo, Place, Section
from places.transliteration import ascii_slug
from tests.commands import database_state, run
from tests.pages import nearby_items, text
from tests.test_admin import ADD_URL, PUBLISH, new_place_form, png_upload

CSV_HEADER = "name,latitude,longitude,category,kind,slug,town,country,status,external_id"
TOO_LONG = "Ensure this value has at most {} characters (it has {})."
NUL = "Null characters are not allowed."
BLANK = "This field cannot be blank."


def feature(name="Camp museum", latitude=49.68, longitude=72.69, **properties):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": {"name": name, "category": "Museum", **properties},
    }


def geojson_file(tmp_path, *features, name="places.geojson"):
    path = tmp_path / name
    collection = {"type": "FeatureCollection", "features": list(features)}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def csv_file(tmp_path, *lines, name="places.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_image(name="photos/2026/01/entrance.png"):
    """An image in the media storage, as a contributor's upload leaves it."""
    return default_storage.save(name, png_upload())


# --- Valid files ----------------------------------------------------------------------------


def test_geojson_import_creates_places_that_show_on_their_pages(client, db, tmp_path):
    path = geojson_file(
        tmp_path,
        feature(
            "KarLag Museum",
            49.679,
            72.6855,
            slug="karlag-museum",
            town="shakhtinsk",
            country="Kazakhstan",
            external_id="osm:node/1",
            sections={
                "did_you_know": "Built by prisoners.",
                "description": "A *history* museum.\n\nIn [Dolinka](https://example.org/).",
                "culture": "   ",
            },
            alternate_names=["Музей КарЛага", "Karlag Museum", "Музей КарЛага"],
        ),
        # Defined after the place that names it as its town.
        feature("Шахтинск", 49.70713, 72.59321, kind="area", category="City", slug="shakhtinsk"),
        feature("Unfinished page", 49.7, 72.6, status="draft"),
    )

    out, _ = run("import_places", str(path))

    assert "created 3 and updated 0 places" in out
    museum = Place.objects.get(slug="karlag-museum")
    page = client.get(museum.get_absolute_url()).content.decode()
    assert "<h1>KarLag Museum</h1>" in page
    assert "Museum in Шахтинск, Kazakhstan" in text(page)
    assert "A <em>history</em> museum." in page
    assert page.index("Description") < page.index("Did you know?")
    assert "Culture" not in page
    assert [name for name, _ in nearby_items(page)] == ["Шахтинск"]
    assert "Discover all places nearby (Шахтинск)" in page
    assert museum.cell == geo.cell_of(49.679, 72.6855)
    assert museum.external_id == "osm:node/1"
    assert sorted(museum.alternate_names.values_list("name", flat=True)) == [
        "Karlag Museum",
        "Музей КарЛага",
    ]
    assert Place.objects.get(slug="shakhtinsk").kind == Place.Kind.AREA
    draft = Place.objects.get(name="Unfinished page")
    assert draft.status == Place.Status.DRAFT
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_csv_import_creates_places_that_show_on_their_pages(client, make_place, tmp_path):
    make_place("Dolinka", 49.68, 72.68, kind=Place.Kind.AREA, category="Village")
    path = csv_file(
        tmp_path,
        "name,latitude,longitude,category,town,country,description,history,alternate_names",
        'Парк Долинки,49.6801,72.6902,Park,dolinka,Kazakhstan,"A park.\n\n'
        '- with a *pond*\n- and a café",,Dolinka park|Парк',
        "Camp cemetery,49.67,72.70,Cemetery,,Kazakhstan,,Opened in 1931.,",
    )

    out, _ = run("import_places", str(path))

    assert "created 2 and updated 0 places" in out
    park = Place.objects.get(name="Парк Долинки")
    assert park.slug == "park-dolinki"
    page = client.get("/places/park-dolinki/").content.decode()
    assert "<h1>Парк Долинки</h1>" in page
    assert "Park in Dolinka, Kazakhstan" in text(page)
    assert "<li>with a <em>pond</em></li>" in page
    assert set(park.alternate_names.values_list("name", flat=True)) == {"Dolinka park", "Парк"}
    assert park.status == Place.Status.PUBLISHED
    cemetery_page = client.get("/places/camp-cemetery/").content.decode()
    assert "Opened in 1931." in cemetery_page
    assert "Camp cemetery" in dict(nearby_items(page))


def test_slugs_made_from_names_skip_the_slugs_given_anywhere_in_the_file(db, tmp_path):
    path = geojson_file(
        tmp_path,
        feature("Old Park"),
        feature("Old Park"),
        feature("Old Park 2"),
        feature("Given", slug="old-park-2"),
        feature("Old   Park!"),
    )

    run("import_places", str(path))

    assert list(Place.objects.order_by("pk").values_list("slug", flat=True)) == [
        "old-park",
        "old-park-3",
        "old-park-2-2",
        "old-park-2",
        "old-park-4",
    ]


def indexes():
    """The index definitions of the place and search key tables, and on SQLite the indexes
    ANALYZE has described."""
    tables = ("places_place", "places_searchname")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM main.sqlite_master WHERE type = 'index'"
                " AND tbl_name IN (%s, %s) ORDER BY name",
                tables,
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT idx FROM main.sqlite_stat1 WHERE tbl IN (%s, %s) ORDER BY idx", tables
            )
            return indexes, cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s)"
            " ORDER BY indexname",
            tables,
        )
        return cursor.fetchall(), []


def test_an_import_keeps_the_place_and_search_tables_indexes_and_their_statistics(
    client, make_place, tmp_path
):
    # On SQLite an import that creates more places than the table holds builds the indexes
    # after writing them (see write.py); a smaller one writes into them.
    make_place("Zhezkazgan")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    before = indexes()
    described = {name for (name,) in before[1]}
    assert len(before[0]) >= 12
    assert (
        connection.vendor != "sqlite"
        or {"places_place_cell_idx", "places_searchname_key_idx"} <= described
    )
    many = [feature(f"Place {number}", external_id=f"x:{number}") for number in range(30)]
    run("import_places", str(geojson_file(tmp_path, *many)))
    assert indexes() == before
    run("import_places", str(geojson_file(tmp_path, feature("One more"), name="b.geojson")))
    assert indexes() == before
    assert Place.objects.filter(status="published").order_by("slug").first().slug == "one-more"
    found = client.get("/api/search/", {"q": "place 7"}).json()["features"]
    assert [place["properties"]["slug"] for place in found] == ["place-7"]


def test_slugs_made_from_names_are_ascii_and_unique(client, make_place, tmp_path):
    make_place("Парк Долинки", slug="park-dolinki")
    path = geojson_file(
        tmp_path,
        feature("Парк Долинки"),
        feature("Парк  Долинки!"),
        feature("北京"),
        feature("Café Ümlaut – Shakhtīnsk"),
        feature("Қарағанды"),
    )

    run("import_places", str(path))

    slugs = list(Place.objects.order_by("pk").values_list("slug", flat=True))
    assert slugs == [
        "park-dolinki",
        "park-dolinki-2",
        "park-dolinki-3",
        ascii_slug("北京"),
        "cafe-umlaut-shakhtinsk",
        "qaragandy",
    ]
    assert re.fullmatch(r"place-[0-9a-f]{10}", ascii_slug("北京"))
    assert ascii_slug("北京") == ascii_slug("北京")  # the same name, the same slug
    for slug in slugs:
        assert client.get(f"/places/{slug}/").status_code == 200


def test_reimporting_the_same_external_ids_updates_places_instead_of_duplicating(
    client, db, tmp_path
):
    first = geojson_file(
        tmp_path,
        feature(
            "Camp museum",
            external_id="wikidata:Q1",
            sections={"description": "Old text.", "history": "Old history."},
            alternate_names=["Old name"],
        ),
        feature("Steppe", kind="area", category="Region", external_id="wikidata:Q2"),
        name="first.geojson",
    )
    run("import_places", str(first))
    museum = Place.objects.get(external_id="wikidata:Q1")
    second = geojson_file(
        tmp_path,
        feature(
            "KarLag Museum",
            49.7,
            72.7,
            external_id="wikidata:Q1",
            town=Place.objects.get(external_id="wikidata:Q2").slug,
            sections={"description": "New *text*."},
            alternate_names=["Карлаг"],
        ),
        feature("Steppe", kind="area", category="Region", external_id="wikidata:Q2"),
        name="second.geojson",
    )

    out, _ = run("import_places", str(second))

    assert "created 0 and updated 2 places" in out
    assert Place.objects.count() == 2
    museum.refresh_from_db()
    assert (museum.name, museum.slug, museum.latitude) == ("KarLag Museum", "camp-museum", 49.7)
    assert museum.cell == geo.cell_of(49.7, 72.7)
    assert museum.town.name == "Steppe"
    assert list(museum.sections.values_list("kind", "body")) == [(1, "New *text*.")]
    assert list(museum.alternate_names.values_list("name", flat=True)) == ["Карлаг"]
    page = client.get(museum.get_absolute_url()).content.decode()
    assert "New <em>text</em>." in page
    assert "Old" not in page


def test_a_reimport_keeps_the_html_of_unchanged_sections_and_renders_changed_ones(
    client, db, tmp_path
):
    def sections(**given):
        return geojson_file(tmp_path, feature(external_id="x:1", sections=given))

    run("import_places", str(sections(description="Plain words.", history="The *old* camp.")))
    # As if stored by an older renderer: an unchanged body keeps its HTML on re-import.
    Section.objects.filter(kind=Section.Kind.DESCRIPTION).update(body_html="<p>Kept words.</p>")

    run("import_places", str(sections(description="Plain words.", history="The *new* camp.")))

    page = client.get("/places/camp-museum/").content.decode()
    assert "Kept words." in page and "Plain words." not in page
    assert "The <em>new</em> camp." in page and "old" not in page


def test_a_reimport_without_texts_removes_the_places_texts(client, db, tmp_path):
    image = stored_image()
    with_texts = feature(
        external_id="x:1",
        sections={"history": "Opened in 1931."},
        alternate_names=["Karlag"],
        photos=[{"image": image, "alt_text": "The entrance"}],
    )
    run(
        "import_places",
        str(geojson_file(tmp_path, with_texts, feature("Other", external_id="x:2"))),
    )
    assert Section.objects.exists() and AlternateName.objects.exists() and Photo.objects.exists()

    path = csv_file(tmp_path, "name,latitude,longitude,category,external_id", "Camp,1,2,Museum,x:1")
    out, _ = run("import_places", str(path))

    assert "created 0 and updated 1 places" in out
    assert not (
        Section.objects.exists() or AlternateName.objects.exists() or Photo.objects.exists()
    )
    assert "Opened in 1931." not in client.get("/places/camp-museum/").content.decode()


def test_a_new_slug_on_reimport_redirects_the_old_address(client, db, tmp_path):
    run("import_places", str(geojson_file(tmp_path, feature(external_id="x:1"))))

    renamed = geojson_file(tmp_path, feature(external_id="x:1", slug="karlag"), name="b.geojson")
    run("import_places", str(renamed))

    response = client.get("/places/camp-museum/")
    assert response.status_code == 301
    assert response["Location"] == "/places/karlag/"
    assert client.get("/places/karlag/").status_code == 200


def test_an_import_refreshes_cached_pages(
    client, db, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.PLACES_PAGE_CACHE_SECONDS = 600
    run("import_places", str(geojson_file(tmp_path, feature(external_id="x:1"))))
    assert "<h1>Camp museum</h1>" in client.get("/places/camp-museum/").content.decode()

    renamed = geojson_file(tmp_path, feature("KarLag Museum", external_id="x:1"), name="b.geojson")
    with django_capture_on_commit_callbacks(execute=True):
        run("import_places", str(renamed))

    assert "<h1>KarLag Museum</h1>" in client.get("/places/camp-museum/").content.decode()


def test_an_imported_place_takes_over_a_slug_that_used_to_redirect(client, make_place, tmp_path):
    place = make_place("Old name")
    place.slug = "new-name"
    place.save()
    assert client.get("/places/old-name/").status_code == 301

    run("import_places", str(geojson_file(tmp_path, feature("Another place", slug="old-name"))))

    page = client.get("/places/old-name/")
    assert page.status_code == 200
    assert "<h1>Another place</h1>" in page.content.decode()


# --- Bad files are refused whole ------------------------------------------------------------

GOOD = feature("A good place", slug="a-good-place", external_id="ok:1")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (feature(latitude=91), f"latitude: {LATITUDE_MESSAGE}"),
        (feature(latitude=-90.5), f"latitude: {LATITUDE_MESSAGE}"),
        (feature(longitude=180.01), "longitude: Longitude must be between -180 and 180"),
        (feature(longitude="72.69"), "longitude must be a number, not text"),
        (feature(latitude=None), "latitude must be a number, not null"),
        (feature(latitude=float("nan")), "latitude is nan, not a finite number"),
        (feature(longitude=float("inf")), "longitude is inf, not a finite number"),
        (
            {**feature(), "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}},
            "geometry is a 'LineString', not a 'Point'",
        ),
        ({**feature(), "geometry": None}, "has no geometry"),
        (
            {**feature(), "geometry": {"type": "Point", "coordinates": [72.69]}},
            "coordinates must be [longitude, latitude]",
        ),
        (feature(name="   "), f"name: {BLANK}"),
        (feature(name=None), f"name: {BLANK}"),
        (feature(name=7), "name must be text, not a number"),
        ({**feature(), "properties": {"name": "No category"}}, f"category: {BLANK}"),
        (feature(kind="museum"), "kind: Value 'museum' is not a valid choice."),
        (feature(status="hidden"), "status: Value 'hidden' is not a valid choice."),
        (feature(featured="yes"), "featured must be true or false, not text"),
        (feature(external_id="ok:1"), "external_id 'ok:1' is also used by feature 1"),
        (feature(slug="a-good-place"), "slug 'a-good-place' is also used by feature 1"),
        (feature(slug="парк"), "slug: Enter a valid “slug” consisting of letters, numbers"),
        (
            feature(slug="taken"),
            "slug 'taken' already belongs to another place (external id 'osm:1')",
        ),
        (feature(town="nowhere"), "town 'nowhere' is neither in the database nor in the file"),
        (feature(town="now\x00here"), "town: Enter a valid “slug”"),
        (feature(external_id="osm:\x00"), f"external_id: {NUL}"),
        (feature(town="a-good-place"), "town: 'a-good-place' is not a town or district."),
        (feature(town="camp-museum", slug="camp-museum"), "town: A place cannot be its own town."),
        (feature(name="x" * 201), f"name: {TOO_LONG.format(200, 201)}"),
        (feature(category="x" * 101), f"category: {TOO_LONG.format(100, 101)}"),
        (feature(country="x" * 101), f"country: {TOO_LONG.format(100, 101)}"),
        (feature(subtitle="x" * 201), f"subtitle: {TOO_LONG.format(200, 201)}"),
        (feature(external_id="x" * 101), f"external_id: {TOO_LONG.format(100, 101)}"),
        (feature(alternate_names=["y" * 201]), f"alternate name: {TOO_LONG.format(200, 201)}"),
        (feature(alternate_names="Karlag"), "alternate_names must be a list of texts"),
        (feature(sections={"menu": "Soup"}), "unknown section 'menu'"),
        (feature(sections={"history": 1931}), "section history must be text, not a number"),
        ({"type": "Point", "coordinates": [1, 2]}, "is not a GeoJSON Feature"),
        (feature(latitude=10**400), "latitude is too large a number"),
        (feature(photos={"image": "a.png"}), "photos must be a list of objects"),
        (feature(photos=[{"image": "a.png", "size": 3}]), "unknown photo key(s): size"),
        (
            feature(photos=[{"image": "a.png", "position": "1"}]),
            "a photo's position must be a whole number",
        ),
    ],
)
def test_a_geojson_file_with_a_bad_feature_is_refused_whole(make_place, tmp_path, bad, message):
    make_place("Taken", slug="taken", external_id="osm:1")
    before = database_state()

    with pytest.raises(CommandError) as refusal:
        run("import_places", str(geojson_file(tmp_path, GOOD, bad)))

    assert f"feature 2: {message}" in str(refusal.value)
    assert "refused, nothing was written. 1 bad record(s)" in str(refusal.value)
    assert database_state() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",}\n ]}',
            "invalid JSON at line 3, column 22: Expecting property name",
        ),
        ("", "invalid JSON at line 1, column 1"),
        ('{"type": "FeatureCollection", "features": []} []', "line 1, column 47: Extra data"),
        (
            '{"features": [], "type": "Feature"}',
            "not a GeoJSON FeatureCollection (found 'Feature')",
        ),
        (json.dumps(feature()), "not a GeoJSON FeatureCollection (found 'Feature')"),
        (json.dumps([feature()]), "not a GeoJSON FeatureCollection (found 'a list')"),
        ('{"type": "FeatureCollection"}', 'the FeatureCollection has no "features" list'),
        pytest.param(
            '{"type": "FeatureCollection", "features": [' + "1" * 5000 + "]}",
            "the JSON cannot be read",
            id="a-5000-digit-number",
        ),
        pytest.param("[" * 100_000 + "]" * 100_000, "the JSON cannot be read", id="deep-nesting"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(db, tmp_path, content, message):
    path = tmp_path / "places.geojson"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match="Nothing was written") as refusal:
        run("import_places", str(path))

    assert message in str(refusal.value)
    assert not Place.objects.exists()


def test_every_bad_record_is_named_in_the_refusal(db, tmp_path):
    path = geojson_file(
        tmp_path,
        GOOD,
        feature(latitude=91, name=""),
        feature("Fine"),
        feature(kind="park"),
        feature(town="nowhere"),
    )

    with pytest.raises(CommandError) as refusal:
        run("import_places", str(path))

    lines = str(refusal.value).splitlines()
    assert "3 bad record(s)" in lines[0]
    assert lines[1:] == [
        f"  feature 2: name: {BLANK}; latitude: {LATITUDE_MESSAGE}",
        "  feature 4: kind: Value 'park' is not a valid choice.",
        "  feature 5: town 'nowhere' is neither in the database nor in the file",
    ]
    assert not Place.objects.exists()


GOOD_LINE = "A good place,49.68,72.69,Museum,sight,a-good-place,,,published,ok:1"


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("Camp,91,72.69,Museum,,,,,,", f"latitude: {LATITUDE_MESSAGE}"),
        ("Camp,49.68,-181,Museum,,,,,,", "longitude: Longitude must be between -180 and 180"),
        ("Camp,north,72.69,Museum,,,,,,", "latitude 'north' is not a number"),
        ("Camp,,72.69,Museum,,,,,,", "latitude is empty"),
        ("Camp,NaN,72.69,Museum,,,,,,", "latitude is NaN, not a finite number"),
        ("Camp,49.68,-inf,Museum,,,,,,", "longitude is -inf, not a finite number"),
        (" ,49.68,72.69,Museum,,,,,,", f"name: {BLANK}"),
        ("Camp,49.68,72.69,,,,,,,", f"category: {BLANK}"),
        ("Camp,49.68,72.69,Museum,town,,,,,", "kind: Value 'town' is not a valid choice."),
        ("Camp,49.68,72.69,Museum,,,,,secret,", "status: Value 'secret' is not a valid choice."),
        ("Camp,49.68,72.69,Museum,,,,,,ok:1", "external_id 'ok:1' is also used by line 2"),
        ("Camp,49.68,72.69,Museum,,a-good-place,,,,", "slug 'a-good-place' is also used by line 2"),
        ("Camp,49.68,72.69,Museum,,,nowhere,,,", "town 'nowhere' is neither in the database"),
        (f"{'x' * 201},49.68,72.69,Museum,,,,,,", f"name: {TOO_LONG.format(200, 201)}"),
        ("Camp\x00,49.68,72.69,Museum,,,,,,", f"name: {NUL}"),
        ("Camp,49.68,72.69,Museum", "has 4 fields where the header has 10"),
    ],
)
def test_a_csv_file_with_a_bad_line_is_refused_whole(make_place, tmp_path, bad_line, message):
    make_place("Existing")
    before = database_state()

    with pytest.raises(CommandError) as refusal:
        run("import_places", str(csv_file(tmp_path, CSV_HEADER, GOOD_LINE, bad_line)))

    assert f"line 3: {message}" in str(refusal.value)
    assert database_state() == before


def test_csv_line_numbers_count_the_lines_of_multiline_cells(db, tmp_path):
    path = csv_file(
        tmp_path,
        "name,latitude,longitude,category,description",
        'Camp museum,49.68,72.69,Museum,"First paragraph.',
        "",
        'Second paragraph."',
        "Bad place,95,72.69,Museum,",
    )

    with pytest.raises(CommandError, match=r"line 5: latitude: Latitude must be between"):
        run("import_places", str(path))


def test_a_csv_file_without_a_required_column_is_refused(db, tmp_path):
    path = csv_file(tmp_path, "name,lat,longitude,category", "Camp,49.68,72.69,Museum")

    with pytest.raises(CommandError, match=r"missing required column\(s\): latitude"):
        run("import_places", str(path))
    assert not Place.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(db, tmp_path):
    path = tmp_path / "places.csv"
    path.write_bytes(f"{CSV_HEADER}\nKaraganda caf\xe9,49.8,73.1,Cafe,,,,,,\n".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8 text"):
        run("import_places", str(path))


def test_a_missing_or_empty_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read the file: No such file"):
        run("import_places", str(tmp_path / "nowhere.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="the file is empty"):
        run("import_places", str(empty))


def test_unknown_csv_columns_are_ignored_and_said_so(db, tmp_path):
    path = csv_file(tmp_path, "name,latitude,longitude,category,notes", "Camp,49.68,72.69,Museum,x")

    out, _ = run("import_places", str(path))

    assert "Ignored unknown column(s): notes." in out
    assert Place.objects.get().name == "Camp"


def test_the_format_comes_from_the_extension_or_the_option(db, tmp_path):
    path = tmp_path / "places.txt"
    path.write_text(f"{CSV_HEADER}\n{GOOD_LINE}\n", encoding="utf-8")

    with pytest.raises(CommandError, match="use --format"):
        run("import_places", str(path))
    run("import_places", str(path), "--format", "csv")

    assert Place.objects.get().slug == "a-good-place"


# --- Dry run, progress and summary ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_dry_run_checks_the_file_and_writes_nothing(make_place, tmp_path, fmt):
    make_place("A good place", external_id="ok:1")
    before = database_state()
    if fmt == "csv":
        path = csv_file(tmp_path, CSV_HEADER, GOOD_LINE, "New place,49.1,72.1,Park,,,,,,")
    else:
        path = geojson_file(tmp_path, GOOD, feature("New place"))

    out, _ = run("import_places", str(path), "--dry-run")

    assert "dry run, nothing was written" in out
    assert "1 places would be created and 1 updated" in out
    assert database_state() == before


def test_dry_run_still_refuses_a_bad_file(db, tmp_path):
    with pytest.raises(CommandError, match="feature 1: latitude: Latitude must be"):
        run("import_places", str(geojson_file(tmp_path, feature(latitude=91))), "--dry-run")


def test_import_shows_progress_through_checking_and_writing_and_a_summary(db, tmp_path):
    path = geojson_file(tmp_path, GOOD, feature(sections={"history": "Opened in 1931."}))

    out, err = run("import_places", str(path))

    steps = [err.index(step) for step in ("checked 2", "places 2/2", "texts 2/2")]
    assert steps == sorted(steps)
    assert re.search(r"created 2 and updated 0 places in [\d.]+ s \([\d,]+ places/s\)\.", out)


# --- The admin's rules, one validation for both paths ---------------------------------------

PHOTO_FORM = {"photos-TOTAL_FORMS": "1", "photos-0-alt_text": "Entrance", "photos-0-position": "0"}


@pytest.mark.parametrize(
    ("form", "properties", "message"),
    [
        ({"name": "Camp\x00"}, {"name": "Camp\x00"}, f"name: {NUL}"),
        ({"category": "Mu\x00seum"}, {"category": "Mu\x00seum"}, f"category: {NUL}"),
        ({"subtitle": "\x00"}, {"subtitle": "\x00"}, f"subtitle: {NUL}"),
        ({"country": "K\x00"}, {"country": "K\x00"}, f"country: {NUL}"),
        (
            {"sections-0-body": "Text\x00"},
            {"sections": {"description": "Text\x00"}},
            f"section: {NUL}",
        ),
        (
            {"alternate_names-0-name": "Музей\x00"},
            {"alternate_names": ["Музей\x00"]},
            f"alternate name: {NUL}",
        ),
        (
            {**PHOTO_FORM, "photos-0-caption": "\x00"},
            {
                "photos": [
                    {"image": "photos/2026/01/entrance.png", "alt_text": "A", "caption": "\x00"}
                ]
            },
            f"photo caption: {NUL}",
        ),
        (
            {**PHOTO_FORM, "photos-0-alt_text": ""},
            {"photos": [{"image": "photos/2026/01/entrance.png", "alt_text": ""}]},
            f"photo alt_text: {BLANK}",
        ),
        (
            {**PHOTO_FORM, "photos-0-licence": "CC-BY-5.0"},
            {
                "photos": [
                    {
                        "image": "photos/2026/01/entrance.png",
                        "alt_text": "A",
                        "licence": "CC-BY-5.0",
                    }
                ]
            },
            "photo licence: Value 'CC-BY-5.0' is not a valid choice.",
        ),
        ({"name": "x" * 201}, {"name": "x" * 201}, f"name: {TOO_LONG.format(200, 201)}"),
        ({"category": ""}, {"category": ""}, f"category: {BLANK}"),
        ({"kind": "museum"}, {"kind": "museum"}, "kind: Value 'museum' is not a valid choice."),
        ({"slug": "парк"}, {"slug": "парк"}, "slug: Enter a valid “slug”"),
        ({"latitude": "91"}, {}, f"latitude: {LATITUDE_MESSAGE}"),
        ("sight as town", {"town": "a-sight"}, "town: 'a-sight' is not a town or district."),
    ],
)
def test_the_import_refuses_what_the_admin_form_refuses(
    editor_client, make_place, tmp_path, form, properties, message
):
    sight = make_place("A sight", external_id="osm:2")
    stored_image()
    if form == "sight as town":
        form = {"town": str(sight.pk)}
    if "photos-TOTAL_FORMS" in form:
        form = {**form, "photos-0-image": png_upload()}
    before = database_state()

    # Published by an editor, as the import publishes: the form's rules for a published place.
    response = editor_client.post(ADD_URL, new_place_form(**form, **PUBLISH))

    assert response.status_code == 200  # the form again, with what is wrong
    assert response.context["errors"]
    assert database_state() == before
    latitude = 91 if "latitude" in form else 49.8
    path = geojson_file(tmp_path, feature(**{"latitude": latitude, **properties}))
    for dry_run in (["--dry-run"], []):
        with pytest.raises(CommandError) as refusal:
            run("import_places", str(path), *dry_run)
        assert f"feature 1: {message}" in str(refusal.value)
    assert database_state() == before


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("/etc/hostname", "must be a path inside the media storage"),
        ("../outside.png", "must be a path inside the media storage"),
        ("photos/../../outside.png", "must be a path inside the media storage"),
        ("photos\\entrance.png", "must be a path inside the media storage"),
        ("", "must be a path inside the media storage"),
        ("photos/2026/01/missing.png", "'photos/2026/01/missing.png' is not in the media storage"),
        ("photos/" + "x" * 100 + ".png", "photo image has 111 characters, more than 100"),
    ],
)
def test_a_photo_outside_the_media_storage_is_refused(db, tmp_path, image, message):
    stored_image()
    (tmp_path / "outside.png").write_bytes(b"not in the storage")

    with pytest.raises(CommandError) as refusal:
        photos = [{"image": image, "alt_text": "The entrance"}]
        run("import_places", str(geojson_file(tmp_path, feature(photos=photos))))

    assert "feature 1: photo image" in str(refusal.value)
    assert message in str(refusal.value)
    assert not Place.objects.exists()


def test_imported_photos_show_on_the_page_with_their_size(client, db, tmp_path):
    image = stored_image()
    photo = {"image": image, "alt_text": "The entrance", "caption": "In summer", "credit": "CC0"}

    run("import_places", str(geojson_file(tmp_path, feature(photos=[photo]))))

    stored = Photo.objects.get()
    assert (stored.image.name, stored.width, stored.height) == (image, 40, 30)
    page = client.get("/places/camp-museum/").content.decode()
    assert f'<img src="/media/{image}" alt="The entrance" width="40" height="30">' in page
    assert "In summer" in page


# --- Export and the round trip --------------------------------------------------------------


@pytest.fixture
def varied_places(make_place):
    """Places with everything an export carries: scripts, texts, other names, town, draft,
    subtitle, short name, featured, photos, population."""
    town = make_place(
        "Шахтинск",
        49.70713,
        72.59321,
        slug="shakhtinsk",
        kind=Place.Kind.AREA,
        category="City",
        country="Kazakhstan",
        external_id="geonames:1519327",
        population=37_000,
    )
    town.alternate_names.create(name="Shakhtīnsk")
    museum = make_place(
        "Музей КарЛага",
        49.6790123,
        72.6855,
        slug="muzej-karlaga",
        town=town,
        country="Kazakhstan",
        external_id="wikidata:Q4215208",
        subtitle="The museum of the Karaganda camp",
        short_name="КарЛаг",
        featured=True,
    )
    museum.sections.create(
        kind=Section.Kind.HISTORY,
        body="## The camp\r\n\r\nFrom 1931 to 1959, *KarLag* held\n\n- prisoners\n- «exiles»\n",
    )
    museum.sections.create(
        kind=Section.Kind.DESCRIPTION, body='A museum, "in" [Dolinka](https://example.org/?a=1&b=2)'
    )
    museum.sections.create(kind=Section.Kind.CULTURE, body="  ")
    museum.alternate_names.create(name="KarLag Museum")
    museum.alternate_names.create(name="Карлаг, музей")
    museum.photos.create(
        image=stored_image("photos/2026/01/hall.png"),
        alt_text="The main hall",
        caption='"Hall", 2019',
        credit="A. Editor",
        licence=Photo.Licence.CC_BY_SA,
        position=1,
    )
    museum.photos.create(image=stored_image(), alt_text="The entrance")
    make_place(
        'Café "Steppe", west',
        -33.5,
        -0.1,
        slug="cafe-steppe",
        category="Café",
        status=Place.Status.DRAFT,
    )
    make_place("Edge of the map", -90.0, 180.0, slug="edge", category="Point")


def export(*args):
    out, _ = run("export_places", *args)
    return out


def reimport(tmp_path, content, fmt, empty_first=True):
    """Import an export, into an empty database unless told otherwise."""
    if empty_first:
        Place.objects.all().delete()
        assert not (Place.objects.exists() or Section.objects.exists() or Photo.objects.exists())
    path = tmp_path / f"export.{fmt}"
    path.write_text(content, encoding="utf-8", newline="")
    return run("import_places", str(path))[0]


def test_export_import_export_gives_the_same_bytes_in_both_formats(varied_places, tmp_path):
    geojson, csv = export("--format", "geojson"), export("--format", "csv")

    reimport(tmp_path, geojson, "geojson")
    assert export("--format", "geojson") == geojson
    assert export("--format", "csv") == csv

    reimport(tmp_path, csv, "csv")
    assert export("--format", "csv") == csv
    assert export("--format", "geojson") == geojson

    museum = Place.objects.get(slug="muzej-karlaga")
    assert (museum.town.slug, museum.featured) == ("shakhtinsk", True)
    assert museum.latitude == 49.6790123
    assert Place.objects.get(slug="cafe-steppe").status == Place.Status.DRAFT
    assert list(museum.photos.values_list("alt_text", "width", "height")) == [
        ("The entrance", 40, 30),
        ("The main hall", 40, 30),
    ]


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_importing_an_export_into_the_same_database_updates_every_place_in_place(
    varied_places, tmp_path, fmt
):
    before = database_state()
    content = export("--format", fmt)

    out = reimport(tmp_path, content, fmt, empty_first=False)

    assert "created 0 and updated 4 places" in out
    assert [row["id"] for row in database_state()[0]] == [row["id"] for row in before[0]]
    assert export("--format", fmt) == content


def test_export_holds_every_field_a_contributor_can_set(varied_places):
    """Fails when a model gets a field that the export leaves out: export it, or name it in
    DERIVED_FIELDS when it is made from the others."""
    features = json.loads(export())["features"]
    museum = features[2]
    properties = museum["properties"]
    # Optional properties appear where they hold something: the town has a population.
    every_property = set().union(*(feature["properties"] for feature in features))
    exported = {
        Place: {*every_property, "latitude", "longitude"}
        - {"sections", "alternate_names", "photos"},
        Section: {"kind", "body"},  # sections are {kind: body}
        AlternateName: {"name"},  # alternate names are a list of names
        Photo: set().union(*properties["photos"]),
    }

    for model, fields in exported.items():
        stored = {field.name for field in model._meta.concrete_fields}
        assert fields == stored - DERIVED_FIELDS[model], model

    assert museum["geometry"] == {"type": "Point", "coordinates": [72.6855, 49.6790123]}
    assert properties == {
        "name": "Музей КарЛага",
        "slug": "muzej-karlaga",
        "kind": "sight",
        "category": "Museum",
        "status": "published",
        "town": "shakhtinsk",
        "country": "Kazakhstan",
        "external_id": "wikidata:Q4215208",
        "subtitle": "The museum of the Karaganda camp",
        "short_name": "КарЛаг",
        "featured": True,
        "sections": {
            "description": 'A museum, "in" [Dolinka](https://example.org/?a=1&b=2)',
            # As Section.save stores it: Unix line ends, no blank space around.
            "history": "## The camp\n\nFrom 1931 to 1959, *KarLag* held\n\n- prisoners\n- «exiles»",
        },
        "alternate_names": ["KarLag Museum", "Карлаг, музей"],
        "photos": [
            {
                "image": "photos/2026/01/entrance.png",
                "alt_text": "The entrance",
                "caption": "",
                "credit": "",
                "licence": "",
                "position": 0,
            },
            {
                "image": "photos/2026/01/hall.png",
                "alt_text": "The main hall",
                "caption": '"Hall", 2019',
                "credit": "A. Editor",
                "licence": "CC-BY-SA-4.0",
                "position": 1,
            },
        ],
    }
    header, *rows = export("--format", "csv").splitlines()
    assert header == (
        "name,latitude,longitude,category,kind,slug,town,country,status,external_id,subtitle,"
        "short_name,featured,population,description,history,culture,practical,did_you_know,"
        "alternate_names,photos"
    )
    first = '"Café ""Steppe"", west",-33.5,-0.1,Café,sight,cafe-steppe,,,draft,'
    assert rows[0] == first + "," * 11


def test_export_published_only_leaves_out_drafts_and_links_to_them(make_place, tmp_path):
    town = make_place("Draft town", kind=Place.Kind.AREA, status=Place.Status.DRAFT)
    make_place("Museum", town=town)

    features = json.loads(export("--published-only"))["features"]

    assert [f["properties"]["name"] for f in features] == ["Museum"]
    assert "town" not in features[0]["properties"]


def test_export_writes_to_a_file_when_asked(varied_places, tmp_path):
    path = tmp_path / "out.csv"

    out = export("--format", "csv", "--output", str(path))

    assert "Wrote 4 places" in out
    assert path.read_bytes().decode() == export("--format", "csv")


def test_csv_export_refuses_an_alternate_name_with_the_separator(make_place):
    make_place().alternate_names.create(name="Karlag|Karlag")

    with pytest.raises(CommandError, match="export as GeoJSON instead"):
        export("--format", "csv")
    assert "Karlag|Karlag" in export("--format", "geojson")


def test_reimporting_a_file_rewrites_only_the_places_it_changes(db, tmp_path):
    header = "name,latitude,longitude,category,external_id,featured"
    rows = ["Museum,49.68,72.69,Museum,x:1,true", "Park,49.7,72.6,Park,x:2,"]
    run("import_places", str(csv_file(tmp_path, header, *rows)))
    Place.objects.update(updated="2020-01-01T00:00:00Z")
    before = dict(Place.objects.values_list("name", "updated"))

    rows[1] = "Park,49.7,72.6,Garden,x:2,"
    out, _ = run("import_places", str(csv_file(tmp_path, header, *rows)))

    assert "created 0 and updated 2 places" in out
    after = dict(Place.objects.values_list("name", "updated"))
    # The sitemaps' lastmod: only the place whose category changed moved on.
    assert after["Museum"] == before["Museum"]
    assert after["Park"] > before["Park"]
    assert Place.objects.get(name="Park").category == "Garden"
