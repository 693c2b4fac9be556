"""Cached pages: an edit shows on the next page view, from any process, and a cache server
that stops answering never takes pages down."""

import logging
import subprocess
import threading

import pytest
import redis
from django.db import connection, transaction

from places.models import Place
from tests.processes import free_port, manage

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db(transaction=True)
def test_a_page_viewed_while_an_edit_is_uncommitted_is_not_served_after_the_commit(
    client, make_place
):
    place = make_place("Old name")
    url = place.get_absolute_url()
    saved, commit = threading.Event(), threading.Event()

    def contributor_edits():
        try:
            with transaction.atomic():
                place.name = "New name"
                place.save()
                saved.set()
                commit.wait(10)
        finally:
            connection.close()

    editor = threading.Thread(target=contributor_edits)
    editor.start()
    try:
        assert saved.wait(10)
        during = client.get(url).content.decode()  # rendered from committed data, and cached
    finally:
        commit.set()
        editor.join()

    assert "<h1>Old name</h1>" in during
    assert "<h1>New name</h1>" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_edit_or_an_import_from_another_process_shows_on_the_next_page_view(
    client, make_place, settings, tmp_path, django_assert_num_queries
):
    settings.CACHES = LOCAL_MEMORY  # the default: each process caches pages in its own memory
    place = make_place("Old name", 49.68, 72.69)
    url = place.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(1):  # cached
        assert "<h1>Old name</h1>" in client.get(url).content.decode()

    rename = "p = Place.objects.get(slug='old-name'); p.name = 'New name'; p.save()"
    shell = manage("shell", "-c", f"from places.models import Place; {rename}")
    assert shell.returncode == 0, shell.stderr
    assert "<h1>New name</h1>" in client.get(url).content.decode()

    places = tmp_path / "places.csv"
    places.write_text("name,latitude,longitude,category\nNewcomer,49.69,72.69,Museum\n")
    imported = manage("import_places", str(places))
    assert imported.returncode == 0, imported.stderr
    assert "Newcomer" in client.get(url).content.decode()
    assert "Newcomer" in client.get("/").content.decode()


def start_redis(port, folder):
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        + ["--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            assert server.poll() is None, "redis-server stopped"
            threading.Event().wait(0.05)
    raise TimeoutError("redis-server does not answer")


def test_pages_are_served_while_redis_is_down_and_cached_again_when_it_is_back(
    client, make_place, settings, tmp_path, caplog, django_assert_num_queries
):
    port = free_port()  # a server of our own: the shared one on 6379 is never stopped
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    place = make_place("Cached")
    url = place.get_absolute_url()
    server = start_redis(port, tmp_path)
    try:
        client.get(url)
        with django_assert_num_queries(1):
            client.get(url)

        server.kill()
        server.wait()
        Place.objects.filter(pk=place.pk).update(name="Renamed while Redis is down")
        with caplog.at_level(logging.WARNING, logger="places.cache"):
            outage = [client.get(url) for _ in range(3)]
        assert [page.status_code for page in outage] == [200, 200, 200]
        assert all("Renamed while Redis is down" in p.content.decode() for p in outage)
        assert [r.getMessage() for r in caplog.records] == [
            "The page cache is unreachable; pages are served uncached."
        ]

        server = start_redis(port, tmp_path)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="places.cache"):
            client.get(url)
        assert [r.getMessage() for r in caplog.records] == ["The page cache answers again."]
        with django_assert_num_queries(1):  # served from Redis again
            assert "Renamed while Redis is down" in client.get(url).content.decode()
    finally:
        server.kill()
        server.wait()
