"""Migrations (docs/reliability.md, item 7): each one reverses, and a database made by the first
release upgrades to today's schema with nothing lost.

They run `manage.py migrate` (call_command) on the suite's database, committed as an operator's
would be, and leave it at today's schema whatever happens (the `migrating` fixture).
"""

import importlib
import io
import json
import math
import sys

import markdown
import nh3
import pytest
from django.apps import apps as today
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings
from PIL import Image

from places import geo
from places.models import Place, SearchName
from tests import pages

FIRST_RELEASE = "0002_contributors_group"  # the last migration of commit 62f3e5a


def migrate(*arguments):
    call_command("migrate", *arguments, verbosity=0, stdout=io.StringIO())


def drop_places_tables():
    """Last resort after a failure that left the schema between two states."""
    with connection.cursor() as cursor:
        tables = [
            t for t in connection.introspection.table_names(cursor) if t.startswith("places_")
        ]
        cascade = " CASCADE" if connection.vendor == "postgresql" else ""
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = OFF")
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}{cascade}")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'places'")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = ON")


@pytest.fixture
def migrating(transactional_db):
    """The suite's database at today's schema after the test, even when it failed midway."""
    try:
        yield
    finally:
        try:
            migrate()
        except Exception:  # noqa: BLE001 - whatever broke, the next tests need the schema
            drop_places_tables()
            migrate()


def places_migrations():
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(name for app, name in loader.disk_migrations if app == "places")


def state_apps(name):
    """The models as the places migration `name` leaves them."""
    return MigrationLoader(connection).project_state(("places", name)).apps


def schema_differences(models):
    """How the places tables in the database differ from what `models` describe (table names,
    columns, named indexes and constraints); empty when they agree."""
    introspection = connection.introspection
    wanted = {m._meta.db_table: m for m in models if not m._meta.proxy}
    differences = []
    with connection.cursor() as cursor:
        tables = {t for t in introspection.table_names(cursor) if t.startswith("places_")}
        if tables != set(wanted):
            differences.append(f"tables {sorted(tables)} instead of {sorted(wanted)}")
        for table, model in wanted.items():
            if table not in tables:
                continue
            columns = {c.name for c in introspection.get_table_description(cursor, table)}
            fields = {f.column for f in model._meta.local_concrete_fields}
            if columns != fields:
                differences.append(
                    f"{table}: columns {sorted(columns)} instead of {sorted(fields)}"
                )
            found = introspection.get_constraints(cursor, table)
            for index in [*model._meta.indexes, *model._meta.constraints]:
                if index.name not in found:
                    differences.append(f"{table}: no {index.name}")
            for index in model._meta.indexes:
                columns = [f.lstrip("-") for f in index.fields]
                names = [model._meta.get_field(f).column for f in columns]
                if index.name in found and found[index.name]["columns"] != names:
                    differences.append(f"{index.name} on {found[index.name]['columns']}")
    return differences


def places_models(name):
    return state_apps(name).get_app_config("places").get_models() if name != "zero" else []


def search_keys():
    return sorted(SearchName.objects.values_list("place__slug", "key", "word", "importance"))


def rewritten_search_keys():
    """The keys today's code writes (SearchName.objects.rewrite) for every place."""
    SearchName.objects.rewrite(list(Place.objects.values_list("pk", flat=True)))
    keys = search_keys()
    assert keys
    return keys


def test_every_migration_reverses_and_applies_again(migrating, places):
    names = places_migrations()
    assert names[0] == "0001_initial" and len(names) >= 11
    kept = sorted(Place.objects.values_list("slug", "name", "latitude", "longitude"))

    # Down one step at a time to the first, each step leaving its predecessor's schema, with
    # the places kept in the tables that remain; then up again one step at a time.
    steps = [*reversed(names[:-1]), *names[1:]]
    for name in steps:
        migrate("places", name)
        assert schema_differences(places_models(name)) == [], name
        Historical = state_apps(name).get_model("places", "Place")
        rows = Historical.objects.values_list("slug", "name", "latitude", "longitude")
        assert sorted(rows) == kept, name
    # Columns a step down dropped come back empty (the town's short name); the search keys
    # 0009 wrote again are those the site writes for the places as they are now.
    assert search_keys() == rewritten_search_keys()

    # The first one too: to nothing, and back.
    migrate("places", "zero")
    assert schema_differences([]) == []
    migrate("places")
    assert schema_differences(today.get_app_config("places").get_models()) == []
    sys.stderr.write(
        f"\nmigrations: {len(names)} reversed and applied again ({len(steps) + 2} steps, the "
        f"schema checked after each), {len(kept)} places kept\n"
    )


def first_release_cell(latitude, longitude):
    """The first release's geo.cell_of: rows and columns of 0.1° from the south-west."""
    row = min(math.floor((latitude + 90) / 0.1), 1799)
    return row * 3600 + min(math.floor((longitude + 180) / 0.1), 3599)


def first_release_html(body):
    """A section's HTML as the first release stored it (its places/markup.py)."""
    html = markdown.markdown(
        body, extensions=["toc"], extension_configs={"toc": {"baselevel": 3}}, output_format="html"
    )
    tags = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h3"}
    return nh3.clean(
        html,
        tags=tags | {"h4"},
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )


PLACES = [
    # name, slug, kind, category, latitude, longitude, status, featured
    ("Шахтинск", "shakhtinsk", "area", "City", 49.70713, 72.59321, "published", False),
    ("Музей КарЛАГа", "muzei-karlaga", "sight", "Museum", 49.6822, 72.6855, "published", True),
    ("Парк Долинки", "park-dolinki", "sight", "Park", 49.6930, 72.6800, "published", False),
    ("Фёдоровское водохранилище", "fedorovskoe-vodokhranilishche", "sight", "Lake",
     49.8010, 73.0520, "published", False),
    ("Қарқаралы ұлттық паркі", "qarqaraly", "sight", "Park", 49.4069, 75.4720, "published", False),
    ("Шахта «Шахтинская»", "shakhta-shakhtinskaia", "sight", "Mine", 49.7100, 72.6000, "draft",
     False),
]  # fmt: skip
SECTIONS = {
    "muzei-karlaga": {
        1: "Музей в здании бывшего **управления КарЛАГа** в Долинке.\n\nОткрыт со вторника.",
        2: "Лагерь работал с 1931 по 1959 год.",
    },
    "shakhtinsk": {1: "Город шахтёров к западу от Караганды."},
    "fedorovskoe-vodokhranilishche": {4: "Купаться можно с июня; берег — *песчаный*."},
}


def fill_as_the_first_release(apps, media_root):
    """Places, sections, a photo, an old slug and a contributor, written through the first
    release's models (the migration state) and with its derived fields, as it stored them."""
    Place = apps.get_model("places", "Place")
    town = None
    for name, slug, kind, category, latitude, longitude, status, featured in PLACES:
        place = Place.objects.create(
            name=name, slug=slug, kind=kind, category=category, country="Kazakhstan",
            latitude=latitude, longitude=longitude, cell=first_release_cell(latitude, longitude),
            status=status, featured=featured, town=town if kind == "sight" else None,
        )  # fmt: skip
        town = town or place
    for slug, sections in SECTIONS.items():
        for kind, body in sections.items():
            apps.get_model("places", "Section").objects.create(
                place=Place.objects.get(slug=slug), kind=kind, body=body,
                body_html=first_release_html(body),
            )  # fmt: skip
    museum = Place.objects.get(slug="muzei-karlaga")
    apps.get_model("places", "SlugRedirect").objects.create(place=museum, old_slug="karlag")
    # An upload as the first release kept it: the file as sent, under upload_to.
    photo = media_root / "photos" / "2026" / "11" / "barak.jpg"
    photo.parent.mkdir(parents=True)
    Image.new("RGB", (640, 427), (120, 90, 60)).save(photo, quality=80)
    apps.get_model("places", "Photo").objects.create(
        place=museum, image="photos/2026/11/barak.jpg", width=640, height=427,
        alt_text="Барак лагеря", caption="Барак, восстановленный в 2001 году",
        credit="А. Автор, CC BY-SA 4.0",
    )  # fmt: skip
    User = apps.get_model("auth", "User")
    contributor = User.objects.create(username="aigerim", is_staff=True, email="a@example.org")
    contributor.password = make_password("a long passphrase")
    contributor.save()
    contributor.groups.add(apps.get_model("auth", "Group").objects.get(name="Contributors"))
    return photo.read_bytes()


def rows(apps, model):
    """Every row of a first-release table, all its columns, by primary key."""
    Model = apps.get_model("places", model)
    return {row["id"]: row for row in Model.objects.values()}


def test_a_first_release_database_upgrades_to_todays_schema_with_nothing_lost(
    migrating, client, settings
):
    migrate("places", "zero")
    with override_settings(MIGRATION_MODULES={"places": "tests.first_release"}):
        migrate("places", FIRST_RELEASE)
        old = state_apps(FIRST_RELEASE)
        photo_bytes = fill_as_the_first_release(old, settings.MEDIA_ROOT)
        before = {m: rows(old, m) for m in ("Place", "Section", "Photo", "SlugRedirect")}
    assert "external_id" not in {f.column for f in old.get_model("places", "Place")._meta.fields}

    migrate()  # as each release's `manage.py migrate`

    assert schema_differences(today.get_app_config("places").get_models()) == []
    new = state_apps(places_migrations()[-1])
    for model, kept in before.items():
        now = rows(new, model)
        assert set(now) == set(kept), model
        for pk, row in kept.items():
            assert {k: now[pk][k] for k in row} == row, (model, pk)

    # What the later migrations added, filled as today's code fills it.
    for place in Place.objects.all():
        assert place.cell == geo.cell_of(place.latitude, place.longitude), place.slug
        assert (place.edit_version, place.review_note, place.submitted_at) == (0, "", None)
        assert (place.external_id, place.short_name, place.population) == ("", "", None)
    published = Place.objects.published()
    assert published.count() == 5
    keys = search_keys()
    assert {slug for slug, *_ in keys} == set(published.values_list("slug", flat=True))
    assert keys == rewritten_search_keys()
    assert_contributors_have_todays_permissions()

    # The site shows it all, at the same addresses.
    for name, slug, *_, status, _ in PLACES:
        response = client.get(f"/places/{slug}/")
        if status == "draft":
            assert response.status_code == 404
            continue
        page = response.content.decode()
        assert response.status_code == 200, slug
        assert pages.h1_count(page) == 1 and f">{name}</h1>" in page, slug
        place = Place.objects.get(slug=slug)
        assert place.coordinates in pages.text(page), slug
        for body in SECTIONS.get(slug, {}).values():
            first_words = body.split("**")[0].split("*")[0].strip()
            assert first_words in pages.text(page), slug
    museum = client.get("/places/muzei-karlaga/").content.decode()
    # Its nearby list: every other published place within 50 km, as the grid cells find them.
    near = {
        name
        for name, _, _, _, latitude, longitude, status, _ in PLACES
        if status == "published" and name != "Музей КарЛАГа"
        and geo.haversine_km(49.6822, 72.6855, latitude, longitude) <= 50
    }  # fmt: skip
    assert len(near) == 3
    assert sorted(n for n, _ in pages.nearby_items(museum)) == sorted(near)
    assert 'src="/media/photos/2026/11/barak.jpg"' in museum
    assert "Барак, восстановленный в 2001 году" in museum
    assert b"".join(client.get("/media/photos/2026/11/barak.jpg").streaming_content) == photo_bytes
    assert client.get("/places/karlag/").url == "/places/muzei-karlaga/"
    assert "Музей КарЛАГа" in client.get("/").content.decode()
    searches = [("шахтинск", "shakhtinsk"), ("fedorovskoe", "fedorovskoe-vodokhranilishche"),
                ("qarqaraly", "qarqaraly"), ("Қарқаралы", "qarqaraly")]  # fmt: skip
    for query, slug in searches:
        found = json.loads(client.get("/api/search/", {"q": query}).content)["features"]
        assert [f["properties"]["slug"] for f in found][:1] == [slug], query
    api = json.loads(client.get("/api/places/muzei-karlaga/").content)
    assert api["geometry"]["coordinates"] == [72.6855, 49.6822]

    # The first release's contributor logs in and edits, alternate names too.
    login = {"username": "aigerim", "password": "a long passphrase"}
    assert client.post("/admin/login/?next=/admin/", login).url == "/admin/"
    form = client.get(f"/admin/places/place/{Place.objects.get(slug='park-dolinki').pk}/change/")
    assert form.status_code == 200
    assert 'name="alternate_names-TOTAL_FORMS"' in form.content.decode()
    carried = ", ".join(f"{len(kept)} {model}" for model, kept in before.items())
    sys.stderr.write(f"\nfirst release upgraded: {carried}, 1 photo file, 1 login; {len(keys)} "
                     f"search keys made\n")  # fmt: skip


def assert_contributors_have_todays_permissions():
    """The groups as a database made today has them (migrations 0002, 0008 and 0010)."""
    group_permissions = {
        group: set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
        for group in ("Contributors", "Editors")
    }
    contributors = {*migration("0002_contributors_group").PERMISSIONS,
                    *migration("0008_contributors_delete_photos").PERMISSIONS}  # fmt: skip
    assert group_permissions["Contributors"] == contributors
    editors = contributors | set(migration("0010_review").PERMISSIONS)
    assert group_permissions["Editors"] == editors


def migration(name):
    return importlib.import_module(f"places.migrations.{name}")
