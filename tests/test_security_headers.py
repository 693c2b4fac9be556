"""The security headers on every kind of response (pages, API, admin, static files, photos,
errors), the Content-Security-Policy's directives, and HSTS as production turns it on."""

import io
import subprocess
import sys

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from guide import csp
from tests import test_api
from tests.processes import ROOT, bare_environment

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https://tile.openstreetmap.org"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}
PHOTO_POLICY = "default-src 'none'; sandbox"  # places/media.py's own
# (path, status, the kind of answer) for a visitor...
PUBLIC = [
    ("/", 200, "text/html"),
    ("/places/karlag-museum/", 200, "text/html"),
    ("/places/karlag-museum/nearby/", 200, "text/html"),
    ("/search/?q=kar", 200, "text/html"),
    ("/places/?town=nope", 400, "text/html"),  # a wrong filter, named on the page
    ("/no/such/page/", 404, "text/html"),
    ("/places/no-such-place/", 404, "text/html"),
    ("/robots.txt", 200, "text/plain"),
    ("/healthz", 200, "text/plain"),
    ("/sitemap.xml", 200, "application/xml"),
    ("/i18n/setlang/", 302, None),  # the language switcher's post, answered with a redirect
    ("/api/places/?bbox=72,49,73,50", 200, "application/geo+json"),
    ("/api/places/karlag-museum/", 200, "application/geo+json"),
    ("/api/places/nope/", 404, "application/json"),
    ("/api/nearby/?lat=91&lon=0", 400, "application/json"),
    ("/api/no/such/endpoint", 404, "application/json"),
    ("/api/openapi.json", 200, "application/json"),
    ("/admin/", 302, None),  # to the login page
    ("/admin/login/", 200, "text/html"),
    ("/static/css/site.css", 200, "text/css"),
    ("/static/js/map.js", 200, "text/javascript"),
    ("/static/admin/js/core.js", 200, "text/javascript"),
    ("/media/photos/2026/01/page.jpg", 200, "image/jpeg"),  # HTML stored under an image's name
    ("/media/photos/2026/01/page.html", 404, "text/html"),
]
# ...and for a contributor.
ADMIN = [
    ("/admin/", 200, "text/html"),
    ("/admin/places/place/", 200, "text/html"),
    ("/admin/places/place/add/", 200, "text/html"),  # with the map picker
    ("/admin/places/place/?q=%3Cscript%3E", 200, "text/html"),
    ("/admin/places/place/999999/change/", 302, None),  # "does not exist", to the list
    (
        "/admin/autocomplete/?app_label=places&model_name=place&field_name=town",
        200,
        "application/json",
    ),
]
HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def site(places, settings):
    # Static files from their sources through WhiteNoise, as `runserver` serves them (the
    # middleware reads this when the first request loads it); a page of HTML stored under a
    # photo's name, and under its own.
    settings.WHITENOISE_USE_FINDERS = True
    for name in ("photos/2026/01/page.jpg", "photos/2026/01/page.html"):
        default_storage.save(name, io.BytesIO(HTML_PAGE))


def answers(client, requests, **extra):
    for path, status, content_type in requests:
        if path == "/i18n/setlang/":
            response = client.post(path, {"language": "ru", "next": "/"}, **extra)
        else:
            response = client.get(path, **extra)
        assert response.status_code == status, path
        if content_type:
            assert response["Content-Type"].split(";")[0] == content_type, path
        yield path, response


def every_answer(client, contributor, **extra):
    editor = Client()
    editor.force_login(contributor)
    yield from answers(client, PUBLIC, **extra)
    yield from answers(editor, ADMIN, **extra)


def parsed(header):
    directives = (directive.split() for directive in header.split(";"))
    return {name: sources for name, *sources in directives}


def test_every_response_carries_the_security_headers(client, contributor, site):
    for path, response in every_answer(client, contributor):
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
        # Not over plain HTTP, nor by default over HTTPS (below).
        assert "Strict-Transport-Security" not in response, path


def test_every_response_but_a_photo_carries_the_sites_content_security_policy(
    client, contributor, site
):
    for path, response in every_answer(client, contributor):
        if path.startswith("/media/") and response.status_code == 200:
            assert response["Content-Security-Policy"] == PHOTO_POLICY, path
        else:
            assert parsed(response["Content-Security-Policy"]) == POLICY, path


def test_a_photo_of_html_is_served_as_an_image_never_sniffed_and_sandboxed(client, site):
    # An imported file (uploads are re-encoded, places/images.py) holding a page.
    response = client.get("/media/photos/2026/01/page.jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == PHOTO_POLICY
    assert response["X-Frame-Options"] == "DENY"
    # The same page under its own name is not served at all.
    assert client.get("/media/photos/2026/01/page.html").status_code == 404


def test_a_request_for_an_unknown_host_is_refused_with_the_headers(client):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert parsed(response["Content-Security-Policy"]) == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# A default connection that cannot reach its database, for the test that asks for it.
database_unreachable = test_api.database_unreachable


def test_server_errors_carry_the_headers(database_unreachable):
    client = Client(raise_request_exception=False)
    for path, status, content_type in (
        ("/places/odd/", 503, "text/html"),
        ("/api/places/odd/", 503, "application/json"),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert response["Content-Type"].split(";")[0] == content_type, path
        assert parsed(response["Content-Security-Policy"]) == POLICY, path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path


def test_hsts_once_turned_on_goes_on_every_response_over_https(client, contributor, site, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    for path, response in every_answer(client, contributor, secure=True):
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        ), path
    # Over plain HTTP a browser would ignore it; Django sends none.
    assert "Strict-Transport-Security" not in Client().get("/")


def test_without_hsts_settings_none_is_sent_over_https(client, places, settings):
    assert settings.SECURE_HSTS_SECONDS == 0  # the default: no host is locked to HTTPS by mistake
    assert "Strict-Transport-Security" not in client.get("/", secure=True)


def test_django_debug_pages_for_errors_go_without_the_policy(client, places, settings):
    # Their styles and scripts are inline; a developer's pages only, with DEBUG on.
    settings.DEBUG = True
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and b"Using the URLconf defined in" in missing.content
    assert "Content-Security-Policy" not in missing
    assert parsed(client.get("/")["Content-Security-Policy"]) == POLICY


READ_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
    "' '.join(s.SECURE_CSP['img-src']))"
)


def read_settings(**variables):
    env = bare_environment(DJANGO_SETTINGS_MODULE="guide.settings", SECRET_KEY="x", **variables)
    done = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_hsts_and_the_tile_server_come_from_the_environment():
    assert read_settings() == [
        "0", "False", "False", "'self'", "data:", "https://tile.openstreetmap.org",
    ]  # fmt: skip
    assert read_settings(
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        PLACES_MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
    ) == ["31536000", "True", "True", "'self'", "data:", "https://*.tiles.example.org"]


def test_the_deploy_check_passes_hsts_once_the_environment_turns_it_on(tmp_path):
    def deploy_check(**variables):
        env = bare_environment(
            DJANGO_SETTINGS_MODULE="guide.settings",
            SECRET_KEY="a-long-random-production-key-" + "x" * 40,
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **variables,
        )
        done = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        return done.stdout + done.stderr

    hsts = ("security.W004", "security.W005", "security.W021")
    assert "security.W004" in deploy_check()
    turned_on = deploy_check(
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
    )
    assert not [warning for warning in hsts if warning in turned_on], turned_on


@pytest.mark.parametrize(
    ("template", "sources"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", ["https://tile.openstreetmap.org"]),
        ("https://{s}.tile.example.org/{z}/{x}/{y}{r}.png", ["https://*.tile.example.org"]),
        ("https://tile-{s}.example.org/{z}/{x}/{y}.png", ["https://*.example.org"]),
        ("http://127.0.0.1:8080/{z}/{x}/{y}.png", ["http://127.0.0.1:8080"]),
        ("https://user:secret@tiles.example.org/{z}/{x}/{y}.png", ["https://tiles.example.org"]),
        ("//tiles.example.org/{z}/{x}/{y}.png", ["tiles.example.org"]),  # the page's scheme
        ("/tiles/{z}/{x}/{y}.png", []),  # the site's own: 'self'
    ],
)
def test_the_tile_servers_origin_is_what_the_policy_allows_for_images(template, sources):
    assert csp.tile_sources(template) == sources


def test_the_header_lists_the_directives_in_order():
    assert csp.header({"img-src": ["'self'", "data:"], "sandbox": []}) == (
        "img-src 'self' data:; sandbox"
    )
