"""Cached pages: an edit shows on the next page view, from any process, and a cache server
that stops answering never takes pages down."""

import hashlib
import logging
import re
import shutil
import subprocess
import threading
import time

import pytest
import redis
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.utils.cache import patch_cache_control

from places import cache as cache_module
from places.cache import cached_page
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


STRONG_ETAG = re.compile(r'"[0-9a-f]{32}"')


@pytest.mark.parametrize(
    ("url", "varies"),
    [
        ("/places/old-name/", "Accept-Language, Cookie"),
        ("/", "Accept-Language, Cookie"),
        ("/sitemap.xml", "Accept-Language, Cookie"),
        # The API speaks English to everyone (LocaleMiddleware says Vary all the same).
        ("/api/places/old-name/", "Accept-Language"),
        ("/api/nearby/?lat=49.68&lon=72.69", "Accept-Language"),
    ],
)
def test_public_answers_carry_a_strong_etag_and_may_be_kept_briefly_by_shared_caches(
    client, make_place, url, varies
):
    make_place("Old name")
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200
    assert STRONG_ETAG.fullmatch(first["ETag"])
    assert first["ETag"] == again["ETag"] == f'"{hashlib.sha256(first.content).hexdigest()[:32]}"'
    assert first["Last-Modified"] == again["Last-Modified"]
    assert set(first["Cache-Control"].split(", ")) == {
        "public", "max-age=0", "s-maxage=60", "must-revalidate"
    }  # fmt: skip
    assert again["Cache-Control"] == first["Cache-Control"]
    assert first.get("Vary") == again.get("Vary") == varies


@pytest.mark.parametrize("url", ["/places/old-name/", "/api/places/old-name/", "/search/?q=old"])
def test_a_conditional_get_of_an_unchanged_page_answers_304_without_rendering(
    client, make_place, url, django_assert_num_queries
):
    make_place("Old name")
    page = client.get(url)
    with django_assert_num_queries(1):  # the versions of what the page shows
        unchanged = client.get(url, HTTP_IF_NONE_MATCH=page["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.templates == []
    assert unchanged["ETag"] == page["ETag"]
    assert unchanged["Cache-Control"] == page["Cache-Control"]
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=page["Last-Modified"])
    assert since.status_code == 304 and since.templates == []
    assert client.get(url, HTTP_IF_NONE_MATCH='"0123"').status_code == 200


@pytest.mark.django_db(transaction=True)
def test_after_an_edit_a_conditional_get_gets_the_new_page_and_a_new_etag(client, make_place):
    place = make_place("Old name")
    url = place.get_absolute_url()
    old = client.get(url)
    place.category = "Gallery"
    place.save()
    new = client.get(url, HTTP_IF_NONE_MATCH=old["ETag"])
    assert new.status_code == 200 and "Gallery" in new.content.decode()
    assert new["ETag"] != old["ETag"]


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_again_the_same_keeps_its_etag_and_last_modified(
    client, make_place, django_assert_num_queries
):
    place = make_place("Old name")
    url = place.get_absolute_url()
    first = client.get(url)
    time.sleep(1.1)  # Last-Modified counts whole seconds
    place.save()  # nothing the page shows changed, but its version moved on
    with django_assert_num_queries(5):  # rendered again
        again = client.get(url)
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]


def test_the_admin_and_pages_for_signed_in_users_are_private_and_never_stored(
    contributor_client, make_place
):
    make_place("Old name")
    anonymous = Client()
    near_me = anonymous.get("/nearby/")
    assert not near_me.has_header("Cache-Control")  # not cached, and nothing private in it
    assert "Cookie" not in near_me["Vary"]  # nobody signed in was looked for
    for url in ["/admin/", "/admin/places/place/", "/admin/places/place/add/", "/nearby/"]:
        response = contributor_client.get(url)
        assert response.status_code == 200, url
        directives = set(response["Cache-Control"].split(", "))
        assert {"private", "no-store"} <= directives, url
    login = anonymous.get("/admin/login/")
    assert {"private", "no-store"} <= set(login["Cache-Control"].split(", "))
    # A public page is the same for everyone, signed in or not.
    public = contributor_client.get("/places/old-name/")
    assert "public" in public["Cache-Control"]


def test_a_view_that_says_how_it_may_be_cached_is_neither_stored_nor_given_public_headers(
    rf, make_place, settings
):
    calls = []

    @cached_page
    def preview(request):
        calls.append(request)
        response = HttpResponse("a draft's preview")
        patch_cache_control(response, private=True, no_store=True)
        return response

    for _ in range(2):
        response = preview(rf.get("/places/a-draft/"))
        assert response["Cache-Control"] == "private, no-store"
        assert not response.has_header("ETag")
    assert len(calls) == 2


@pytest.fixture
def next_release(settings, tmp_path):
    """The project as a release that changes the base template would make it: its files in
    another folder, read by a new process (release() is read once per process)."""
    for folder in cache_module.RELEASE_FOLDERS:
        shutil.copytree(settings.BASE_DIR / folder, tmp_path / folder)
    base = tmp_path / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<p>The next release.</p></body>"))
    yield tmp_path
    cache_module.release.cache_clear()


def test_a_release_that_changes_a_template_renders_the_cached_pages_again(
    client, settings, make_place, next_release
):
    url = make_place("Old name").get_absolute_url()
    assert client.get(url).page_cache == "miss"
    settings.BASE_DIR = next_release
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [next_release / "templates"]}]
    # The workers of the release before: their entries serve them.
    old = client.get(url)
    assert old.page_cache == "hit" and "The next release." not in old.content.decode()
    cache_module.release.cache_clear()  # a worker of the new release
    new = client.get(url)
    assert new.page_cache == "miss" and "The next release." in new.content.decode()
    assert client.get(url).page_cache == "hit"
