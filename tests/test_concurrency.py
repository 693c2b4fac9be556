"""Visitors and contributors while another process writes: nobody waits on a reader, nobody
fails on a writer, nothing is lost (SQLite in WAL mode with IMMEDIATE transactions)."""

import csv
import sqlite3
import time

import pytest
from django.db import connection

from places.exchange.csv import CsvReader
from places.exchange.plan import Plan
from places.exchange.records import ExchangeError
from places.exchange.write import write_plan, writing
from places.models import Place
from tests.processes import environment, start_manage
from tests.test_admin import current_form

IMPORTED = 10_000  # about 4 s on SQLite here, 1 s of it writing, far below SQLITE_TIMEOUT


def import_file(path):
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "latitude", "longitude", "category", "description", "history"])
        for i in range(IMPORTED):
            latitude, longitude = -60 + (i % 1000) * 0.1, -170 + (i // 1000) * 0.5
            writer.writerow([f"Imported {i}", latitude, longitude, "Generated", "Text.", "Past."])


def another_connection_is_writing():
    """Whether another connection holds SQLite's write lock, or a PostgreSQL transaction of
    another connection has written."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        probe = sqlite3.connect(db["NAME"], timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # database is locked
            return True
        finally:
            probe.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_visitors_and_a_contributor_are_served_while_an_import_writes(
    client, contributor_client, make_place, tmp_path
):
    place = make_place("Before the import", 49.68, 72.69)
    url = f"/admin/places/place/{place.pk}/change/"
    form = current_form(contributor_client.get(url))
    path = tmp_path / "places.csv"
    import_file(path)

    importer = start_manage("import_places", str(path), env=environment())
    try:
        while not another_connection_is_writing():
            assert importer.poll() is None, importer.communicate()
            time.sleep(0.02)
        # Readers go on while the import holds the write lock (only while it writes: pages
        # read before it let go of it count)...
        pages = []
        while len(pages) < 3 and another_connection_is_writing():
            page = client.get(place.get_absolute_url())
            if another_connection_is_writing():
                pages.append(page)
        assert pages, "no page was read while the import wrote"
        # ...and a contributor's save waits for it instead of failing.
        saved = contributor_client.post(url, {**form, "name": "Saved during the import"})
        out, err = importer.communicate(timeout=60)
    finally:
        importer.kill()

    assert all(page.status_code == 200 for page in pages)
    assert all("<h1>Before the import</h1>" in page.content.decode() for page in pages)
    assert saved.status_code == 302
    assert importer.returncode == 0, err
    assert "locked" not in out + err
    assert Place.objects.filter(category="Generated").count() == IMPORTED
    page = client.get(place.get_absolute_url()).content.decode()
    assert "<h1>Saved during the import</h1>" in page


@pytest.mark.django_db(transaction=True)
def test_a_contributor_saves_while_an_import_checks_its_file(
    contributor_client, make_place, tmp_path
):
    """Checking a file takes no write lock: a save is answered before the import ends."""
    place = make_place("Before the import", 49.68, 72.69)
    url = f"/admin/places/place/{place.pk}/change/"
    form = current_form(contributor_client.get(url))
    path = tmp_path / "places.csv"
    import_file(path)

    importer = start_manage("import_places", str(path), env=environment())
    try:
        # The first batch of records checked, four more to go.
        progress = ""
        while not progress.endswith("checked 2,000"):
            character = importer.stderr.read(1)
            assert character, importer.communicate()
            progress += character
        saved = contributor_client.post(url, {**form, "name": "Saved while the import checks"})
        # Nothing of the import committed yet: the save did not wait for it.
        imported_meanwhile = Place.objects.filter(category="Generated").count()
        out, err = importer.communicate(timeout=60)
    finally:
        importer.kill()

    assert saved.status_code == 302
    assert imported_meanwhile == 0
    assert importer.returncode == 0, err
    assert Place.objects.filter(category="Generated").count() == IMPORTED
    assert Place.objects.get(pk=place.pk).name == "Saved while the import checks"


@pytest.mark.parametrize("change", ["deleted", "renamed", "town deleted"])
def test_an_import_is_refused_whole_when_what_it_checked_changes_before_it_writes(
    make_place, tmp_path, change
):
    """Checking and writing are two transactions on SQLite: a place the file updates that is
    deleted or given another slug in between, or a town it names that is deleted, refuses
    the whole file instead of writing it wrong."""
    town = make_place("Town", kind=Place.Kind.AREA, category="City")
    make_place("Updated", 1.0, 1.0)
    path = tmp_path / "places.csv"
    path.write_text(
        "name,slug,latitude,longitude,category,town\n"
        "Updated,updated,2.0,2.0,Museum,\n"
        "New,new,3.0,3.0,Museum,town\n",
        encoding="utf-8",
    )
    with Plan() as plan:
        plan.check(CsvReader(path))
        assert plan.errors == []
        if change == "deleted":
            Place.objects.filter(slug="updated").delete()
        elif change == "renamed":
            Place.objects.filter(slug="updated").update(slug="moved")
        else:
            town.delete()
        with pytest.raises(ExchangeError, match="changed while the file was checked"):
            with writing():
                write_plan(plan)

    assert not Place.objects.filter(slug="new").exists()
    assert not Place.objects.filter(latitude=2.0).exists()
