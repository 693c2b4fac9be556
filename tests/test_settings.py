"""The tests' own settings, and settings that make a local run behave like production."""

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.processes import ROOT, bare_environment, free_port, start_manage, wait_for_port

PROBE = """
from django.conf import settings


def test_settings_come_from_the_tests_environment():
    assert settings.SECRET_KEY == "tests-only-not-secret"
    assert settings.PLACES_PAGE_CACHE_SECONDS == 600
    assert settings.PLACES_NEARBY_LIMIT == 30
    assert settings.CACHES["default"]["LOCATION"] == "from-the-shell"
    assert settings.DATABASES["default"]["NAME"] == "/from/the/shell.sqlite3"
"""

READ_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECRET_KEY, s.PLACES_PAGE_CACHE_SECONDS, s.PLACES_NEARBY_LIMIT)"
)


def test_tests_see_neither_the_shell_nor_a_dotenv_file_but_the_database_and_cache_urls(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SECRET_KEY=from-the-env-file\nPLACES_PAGE_CACHE_SECONDS=0\n")
    env = bare_environment(
        ENV_FILE=str(dotenv),
        DJANGO_SETTINGS_MODULE="guide.settings",
        PLACES_NEARBY_LIMIT="3",
        CACHE_URL="locmemcache://from-the-shell",
        DATABASE_URL="sqlite:////from/the/shell.sqlite3",
    )
    # The site itself reads both...
    site = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert site.stdout.split() == ["from-the-env-file", "0", "3"], site.stderr

    # ...a test run neither, even with DJANGO_SETTINGS_MODULE naming the site's settings.
    (tmp_path / "test_probe.py").write_text(PROBE)
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", ROOT / "pyproject.toml", "--rootdir", ROOT]
        + [tmp_path / "test_probe.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


@pytest.mark.parametrize("debug", [False, True])
def test_runserver_serves_css_and_admin_javascript_through_whitenoise_as_production_does(
    tmp_path, debug
):
    static_root = tmp_path / "static"
    env = bare_environment(
        DJANGO_SETTINGS_MODULE="guide.settings",
        DEBUG=str(debug).lower(),
        SECRET_KEY="test-only",
        STATIC_ROOT=str(static_root),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    files = {"css/site.css": "text/css", "admin/js/core.js": "text/javascript"}
    # The maps' vendored scripts too: their source maps and images must be there for
    # collectstatic to give them hashed names (`make vendor` copies them).
    files |= {"js/map.js": "text/javascript", "vendor/leaflet/leaflet.js": "text/javascript"}
    if debug:  # development serves the sources
        urls = {name: name for name in files}
        expected = {name: Path(finders.find(name)).read_bytes() for name in files}
    else:  # production serves what collectstatic made, under hashed names
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        urls = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        expected = {name: (static_root / urls[name]).read_bytes() for name in files}
    port = free_port()
    server = start_manage("runserver", "--noreload", f"127.0.0.1:{port}", env=env)
    try:
        wait_for_port(port, server)
        answers = {name: fetch(f"http://127.0.0.1:{port}/static/{urls[name]}") for name in files}
    finally:
        server.terminate()
        server.wait()

    for name, content_type in files.items():
        status, headers, body = answers[name]
        assert status == 200
        assert headers["Content-Type"].startswith(content_type)
        # WhiteNoise's headers, not Django's development handler's: hashed files are kept for
        # ever, sources revalidated at once.
        assert ("max-age=0" if debug else "immutable") in headers["Cache-Control"], name
        assert body == expected[name]


READ_EMAIL = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
    "s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"DEBUG": "true"}, "console None None None False webmaster@localhost"),
        ({"SECRET_KEY": "x"}, "smtp localhost 25 None False webmaster@localhost"),
        (
            {
                "SECRET_KEY": "x",
                "EMAIL_URL": "smtp+tls://guide:secret@smtp.example.org:587",
                "DEFAULT_FROM_EMAIL": "guide@example.org",
            },
            "smtp smtp.example.org 587 guide True guide@example.org",
        ),
    ],
)
def test_the_review_emails_are_sent_as_email_url_says(environment, expected):
    env = bare_environment(DJANGO_SETTINGS_MODULE="guide.settings", **environment)

    site = subprocess.run(
        [sys.executable, "-c", READ_EMAIL], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert site.stdout.split() == expected.split(), site.stderr


def test_a_key_prefix_in_cache_url_prefixes_every_key_the_site_stores():
    # Two sites on one Redis (deploy/stack beside a production site) keep apart by it.
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        "print(cache.make_key('page'))"
    )
    env = bare_environment(
        DJANGO_SETTINGS_MODULE="guide.settings",
        SECRET_KEY="test-only",
        CACHE_URL="redis://127.0.0.1:6379/0?key_prefix=stack-a",
    )
    site = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert site.stdout.strip() == "stack-a:1:page", site.stderr


def test_an_empty_environment_runs_with_debug_off_and_only_local_host_names():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS)"
    )
    env = bare_environment(DJANGO_SETTINGS_MODULE="guide.settings", SECRET_KEY="test-only")
    site = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert site.stdout.strip() == "False ['localhost', '127.0.0.1', '[::1]']", site.stderr


def test_a_host_not_in_the_default_allowed_hosts_is_answered_400(client, db):
    assert client.get("/places/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/places/", HTTP_HOST="localhost").status_code == 200


@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "check"],
        ["manage.py", "migrate"],
        ["-m", "gunicorn", "-c", "python:guide.gunicorn", "guide.wsgi"],
    ],
    ids=["check", "migrate", "gunicorn"],
)
def test_a_missing_secret_key_stops_start_up_with_one_clear_line(command):
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=bare_environment(),  # no SECRET_KEY, no DEBUG, no .env file
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # no traceback
    assert "Set the SECRET_KEY environment variable" in lines[0]


# The variables the settings and gunicorn's configuration read: env.str("NAME", ...) and the like.
READS = re.compile(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"")
ENV_EXAMPLE = ROOT / ".env.example"


def test_env_example_lists_every_variable_the_settings_read_and_no_other():
    read = set()
    for module in ("guide/settings.py", "guide/gunicorn.py"):
        read |= set(READS.findall((ROOT / module).read_text()))
    assert {"SECRET_KEY", "DATABASE_URL", "PLACES_MAP_TILE_URL", "WEB_CONCURRENCY"} <= read
    # Each as a setting (NAME=value) or, where the default suits production, commented out.
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))
    assert read - listed == set(), "missing from .env.example"
    assert listed - read == set(), "in .env.example, read by nothing"


def test_deploy_check_passes_with_the_env_example_production_values():
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=bare_environment(ENV_FILE=str(ENV_EXAMPLE), DJANGO_SETTINGS_MODULE="guide.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "System check identified no issues" in check.stdout
