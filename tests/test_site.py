"""Site-wide guarantees: migrations, page structure, database constraints, settings."""

import io
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from places.models import Place
from tests.pages import h1_count


def test_no_pending_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


def test_every_public_page_is_200_with_one_h1_a_title_and_no_inline_script(client, demo):
    urls = ["/", "/places/", "/places/?category=Museum&kind=sight", "/countries/Kazakhstan/"]
    urls += ["/nearby/", "/nearby/?lat=49.68&lon=72.69", "/places/?town=shakhtinsk-qalasy"]
    for place in Place.objects.all():
        urls += [place.get_absolute_url(), f"{place.get_absolute_url()}nearby/"]
    for url in urls:
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert h1_count(page) == 1, url
        assert re.search(r"<title>[^<]+ — Places guide</title>|<title>Places guide</title>", page)
        # A Content-Security-Policy will forbid inline scripts: every script is a file, but
        # for the data blocks (JSON-LD, a map's JSON), which browsers never run.
        inline = r'<script(?![^>]* src=)(?![^>]* type="application/(?:ld\+)?json")'
        assert re.findall(inline, page) == [], url


def test_home_page_lists_featured_and_recent_places(client, demo, django_assert_num_queries):
    with django_assert_num_queries(3):  # the content version, featured, recent
        page = client.get("/").content.decode()

    featured, recent = page.split("Recently added")
    assert '<a href="/places/karlag-museum/">KarLag Museum</a>' in featured
    assert recent.count("<li>") == 12


def test_home_page_lists_6_featured_by_name_and_the_12_newest_places(client, make_place):
    for i in range(20):
        make_place(f"Place {i:02}", featured=i % 2 == 1)
    # An import gives every place it writes the same time: the newest of those come by id.
    Place.objects.update(created=timezone.now() - timedelta(days=1))
    make_place("Newest")
    make_place("Draft", status=Place.Status.DRAFT, featured=True)

    page = client.get("/").content.decode()

    featured, recent = page.split("Recently added")
    assert re.findall(r'<a href="/places/[^"]+/">([^<]+)</a>', featured) == [
        "Place 01", "Place 03", "Place 05", "Place 07", "Place 09", "Place 11"
    ]  # fmt: skip
    assert re.findall(r'<a href="/places/[^"]+/">([^<]+)</a>', recent) == [
        "Newest",
        *(f"Place {i:02}" for i in range(19, 8, -1)),
    ]


def test_home_page_queries_read_their_indexes_in_order_without_sorting(client, make_place):
    make_place("Featured", featured=True)
    make_place("Plain")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"

    plans = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table this small is cheaper to read whole, or through any index and a sort of
            # its few rows (which the planner chooses once earlier tests have grown the table's
            # file with rolled-back rows); a large one is not. A sort that no index can spare
            # still shows.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        for query in queries.captured_queries:
            cursor.execute(f"{explain} {query['sql']}")
            plans.append(" ".join(str(row) for row in cursor.fetchall()))

    _version, featured, recent = plans  # the page cache's content version comes first
    assert "places_place_featured_idx" in featured
    assert "places_place_recent_idx" in recent
    for plan in plans:
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_404_page_has_one_h1(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert h1_count(response.content.decode()) == 1


def test_health_check_answers_ok_without_touching_the_database(client):
    # No `db` fixture: any query would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]  # no cache in between keeps it
    assert not response.cookies and "Cookie" not in response.get("Vary", "")


def test_health_check_reads_no_session_for_a_signed_in_user(
    contributor_client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = contributor_client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("latitude", "longitude"), [(90.5, 0), (-91, 0), (0, 180.5), (0, -200)])
def test_database_refuses_coordinates_out_of_range(db, latitude, longitude):
    place = Place.objects.create(name="Edge", slug="edge", category="Test", latitude=0, longitude=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Place.objects.filter(pk=place.pk).update(latitude=latitude, longitude=longitude)


def test_site_refuses_to_start_without_a_secret_key_unless_debug():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env["ENV_FILE"] = ""  # not the developer's .env, which may well hold a SECRET_KEY
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='guide.settings'; django.setup()"
    )

    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    debug = subprocess.run(
        [sys.executable, "-c", code], env={**env, "DEBUG": "true"}, capture_output=True, text=True
    )

    assert refused.returncode != 0
    assert "Set the SECRET_KEY environment variable" in refused.stderr
    assert debug.returncode == 0, debug.stderr


def deploy_check_output():
    out = io.StringIO()
    call_command("check", "--deploy", stdout=out, stderr=out)
    return out.getvalue()


def test_deploy_check_warns_when_each_process_caches_pages_in_its_own_memory(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "places.W001" in deploy_check_output()

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert "places.W001" not in deploy_check_output()

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PLACES_PAGE_CACHE_SECONDS = 0
    assert "places.W001" not in deploy_check_output()
