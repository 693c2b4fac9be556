"""nginx's cache in front of the site (deploy/nginx-site.conf.in, docs/deploy.md): it keeps
what Django says a shared cache may keep, asks again with the ETag once stale, and never keeps
nor serves a copy to a signed-in visitor. A stack of its own (tests/test_stack.py's), whose
copies go stale after SHARED_CACHE_SECONDS.
"""

import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.processes import ROOT
from tests.test_stack import get, started_stack

pytestmark = pytest.mark.stack
# How long nginx may answer from its copy of a page (s-maxage): short, so that the tests see
# its copies expire.
SHARED_CACHE_SECONDS = 3


@pytest.fixture(scope="module")
def stack():
    yield from started_stack(PLACES_SHARED_CACHE_SECONDS=str(SHARED_CACHE_SECONDS))


def cache_status(stack, path, headers=()):
    status, response, body = get(stack["url"] + path, headers=headers)
    assert status == 200, (path, status)
    return response["X-Cache-Status"], response, body.decode()


def stack_shell(stack, code):
    """Run Python in the stack's database, as an operator's `manage.py shell` would."""
    env = {**stack["env"], "SECRET_KEY": "tests-only", "DJANGO_SETTINGS_MODULE": "guide.settings"}
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr


def test_nginx_keeps_a_public_page_and_asks_django_again_with_its_etag_once_stale(stack):
    path = "/places/karlag-museum/nearby/"
    first, headers, _ = cache_status(stack, path)
    assert first in ("MISS", "HIT", "EXPIRED", "REVALIDATED")
    assert headers["Cache-Control"] == (
        f"public, max-age=0, s-maxage={SHARED_CACHE_SECONDS}, must-revalidate"
    )
    assert cache_status(stack, path)[0] == "HIT"
    time.sleep(SHARED_CACHE_SECONDS + 1.5)  # nginx counts in whole seconds
    # Unchanged: Django answers nginx's If-None-Match with a 304, and nginx keeps its copy.
    assert cache_status(stack, path)[0] == "REVALIDATED"
    assert cache_status(stack, path)[0] == "HIT"
    # gunicorn logs a request once it has answered it: nginx may have the 304 before the log.
    logged = rf'"GET {re.escape(path)} HTTP/1.[01]" 304 '
    deadline = time.monotonic() + 10
    while not re.search(logged, (stack["dir"] / "gunicorn.log").read_text()):
        assert time.monotonic() < deadline, "no 304 in gunicorn's log"
        time.sleep(0.1)


def test_nginx_keeps_a_copy_for_each_language_asked(stack):
    path = "/places/karlag-museum/"
    ru = {"Accept-Language": "ru"}
    for headers in ((), ru):
        while cache_status(stack, path, headers)[0] != "HIT":
            pass  # at most a miss or a revalidation
    assert 'lang="ru"' in cache_status(stack, path, ru)[2]
    assert 'lang="en"' in cache_status(stack, path)[2]


def test_an_edit_shows_through_nginx_within_the_shared_cache_seconds(stack):
    path = "/places/karlag-museum/"
    while cache_status(stack, path)[0] != "HIT":
        pass
    stack_shell(
        stack,
        "from places.models import Place\n"
        "place = Place.objects.get(slug='karlag-museum')\n"
        "place.name = 'KarLag Museum, renamed'\n"
        "place.save()\n",
    )
    edited = time.monotonic()
    while "KarLag Museum, renamed" not in cache_status(stack, path)[2]:
        # A shared cache may show the page as it was for as long as s-maxage says, no longer
        # (nginx counts in whole seconds).
        assert time.monotonic() - edited < SHARED_CACHE_SECONDS + 2
        time.sleep(0.1)


def test_a_signed_in_visitor_never_gets_nor_leaves_a_copy_in_nginx(stack):
    stack_shell(
        stack,
        "from django.contrib.auth.models import User\n"
        "User.objects.create_superuser('cachetester', password='a long pass phrase')\n",
    )
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(stack["url"] + "/admin/login/") as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    form = {"username": "cachetester", "password": "a long pass phrase", "next": "/admin/"}
    form["csrfmiddlewaretoken"] = token[1]
    with browser.open(stack["url"] + "/admin/login/", urlencode(form).encode()) as response:
        assert response.url.endswith("/admin/") and "Log out" in response.read().decode()
    assert "sessionid" in {cookie.name for cookie in jar}

    def signed_in(path):
        with browser.open(stack["url"] + path) as response:
            assert response.status == 200
            if path.startswith("/admin/"):
                cache_control = response.headers["Cache-Control"]
                assert "private" in cache_control and "no-store" in cache_control, path
            return response.headers["X-Cache-Status"]

    for path in ("/admin/", "/admin/places/place/", "/places/karlag-museum/"):
        for _ in range(2):
            assert signed_in(path) == "BYPASS", path
    # A public page is the same for everyone, and says `public`, signed in or not: nginx keeps
    # no copy of it all the same, so that the first visitor after them is answered by Django.
    fresh = "/places/karlag-museum/?signed-in-first"
    assert signed_in(fresh) == "BYPASS"
    assert cache_status(stack, fresh)[0] == "MISS"
    assert cache_status(stack, fresh)[0] == "HIT"
    assert signed_in(fresh) == "BYPASS"
    # The admin's pages are never kept for anyone.
    for _ in range(2):
        status, headers, _ = get(stack["url"] + "/admin/login/")
        assert status == 200 and headers["X-Cache-Status"] == "MISS"


def test_a_forced_reload_reaches_django_and_a_post_is_never_kept(stack):
    path = "/places/karlag-museum/nearby/"
    while cache_status(stack, path)[0] != "HIT":
        pass
    reload = {"Cache-Control": "no-cache"}
    assert cache_status(stack, path, reload)[0] == "BYPASS"
    fresh = path + "?reloaded-first"
    assert cache_status(stack, fresh, reload)[0] == "BYPASS"
    assert cache_status(stack, fresh)[0] == "MISS"  # the reload's answer was not kept
    # A post goes to Django (which refuses it without a CSRF token), and is never kept.
    posted = path + "?posted-first"
    for _ in range(2):
        status, headers, _ = get(stack["url"] + posted, method="POST", data=b"name=x")
        assert status == 403 and headers["X-Cache-Status"] in (None, "MISS", "BYPASS")
    assert cache_status(stack, posted)[0] == "MISS"


def test_the_health_check_is_never_kept_by_nginx(stack):
    for _ in range(2):
        status, headers, body = get(stack["url"] + "/healthz")
        assert (status, body, headers["X-Cache-Status"]) == (200, b"ok\n", "MISS")
