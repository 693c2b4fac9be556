"""The serving stack as production runs it: deploy/stack starts gunicorn behind nginx.

One stack with the demo serves the module (about 20 s to start); a last test starts and stops
one more through `deploy/stack run`. The stack runs on the suite's database server (an SQLite
file, or a new PostgreSQL database beside the tests' one) and cache (Redis, under a key prefix
of its own), on free loopback ports. `pytest -m stack` runs these alone.
"""

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

from tests.processes import ROOT, bare_environment, free_port, wait_for_port

pytestmark = pytest.mark.stack
STACK = ROOT / "deploy" / "stack"
YEAR = 365 * 24 * 3600
LIGHTHOUSE = ROOT / ".cache/lighthouse/node_modules/.bin/lighthouse"  # make lighthouse


def stack_environment(folder):
    """The variables the stack gets: the suite's database server and cache, nothing else."""
    env = bare_environment(CACHE_URL="locmemcache://")
    if "CACHE_URL" in os.environ:
        joiner = "&" if "?" in os.environ["CACHE_URL"] else "?"
        env["CACHE_URL"] = f"{os.environ['CACHE_URL']}{joiner}key_prefix=stack-{folder.name}"
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        server = urlsplit(os.environ["DATABASE_URL"])
        name = f"{server.path.strip('/')}_stack_{os.getpid()}_{folder.name[-6:].lower()}"
        env["DATABASE_URL"] = server._replace(path="/" + re.sub(r"\W", "_", name)).geturl()
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    return env


def new_folder():
    # Not pytest's tmp_path: its parent is closed to other users, and nginx's workers (nobody,
    # when the tests run as root) read the photos from here.
    folder = Path(tempfile.mkdtemp(prefix="stack-"))
    folder.chmod(0o755)
    return folder


def started_stack(**variables):
    """A stack with the demo, started with these settings on top; stopped after the yield."""
    folder = new_folder()
    env = {**stack_environment(folder), **variables}
    started = time.monotonic()
    start = subprocess.run(
        [sys.executable, STACK, "start", "--dir", folder, "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert start.returncode == 0, start.stdout + start.stderr
    url = start.stdout.strip().splitlines()[-1]
    sys.stderr.write(f"\nstack: started in {time.monotonic() - started:.1f} s\n")
    try:
        yield {"url": url.rstrip("/"), "dir": folder, "env": env}
    finally:
        stopped = time.monotonic()
        subprocess.run([sys.executable, STACK, "stop", "--dir", folder], env=env, check=True)
        sys.stderr.write(f"\nstack: stopped in {time.monotonic() - stopped:.1f} s\n")
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def stack():
    yield from started_stack()


def get(url, encoding=None, host=None, method="GET", data=None, headers=()):
    request = urllib.request.Request(url, method=method, data=data, headers=dict(headers))
    if encoding:
        request.add_header("Accept-Encoding", encoding)
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def page_links(stack, pattern):
    _, _, body = get(f"{stack['url']}/places/karlag-museum/")
    return sorted(set(re.findall(pattern, body.decode())))


def test_a_place_page_through_nginx_is_compressed_with_gzip_or_brotli_when_asked(stack):
    status, headers, body = get(f"{stack['url']}/places/karlag-museum/", encoding="gzip")
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in ", ".join(headers.get_all("Vary"))
    html = gzip.decompress(body).decode()
    assert "<h1" in html and "KarLag Museum" in html

    status, headers, _ = get(f"{stack['url']}/places/karlag-museum/", encoding="br")
    assert (status, headers["Content-Encoding"]) == (200, "br")

    status, headers, body = get(f"{stack['url']}/places/karlag-museum/")
    assert (status, headers["Content-Encoding"]) == (200, None)
    assert b"KarLag Museum" in body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/places/karlag-museum/", "application/geo+json"),
        ("/api/search/?q=karlag", "application/geo+json"),
        ("/api/openapi.json", "application/json"),
    ],
)
def test_json_and_geojson_answers_are_compressed(stack, path, content_type):
    status, headers, body = get(stack["url"] + path, encoding="gzip")
    assert status == 200
    assert headers["Content-Type"].startswith(content_type)
    assert headers["Content-Encoding"] == "gzip"
    json.loads(gzip.decompress(body))


def test_static_css_and_javascript_are_compressed_and_cached_for_ever(stack):
    files = page_links(stack, r"/static/[\w/.-]+\.(?:css|js)")
    assert any(name.endswith(".css") for name in files) and any(n.endswith(".js") for n in files)
    for name in files:
        # A hashed name (collectstatic's manifest), kept by browsers for ever (WhiteNoise).
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", name), name
        status, headers, body = get(stack["url"] + name, encoding="gzip")
        assert status == 200, name
        assert headers["Content-Encoding"] == "gzip", name
        assert gzip.decompress(body), name
        cache_control = headers["Cache-Control"]
        assert "immutable" in cache_control and "public" in cache_control, name
        assert int(re.search(r"max-age=(\d+)", cache_control)[1]) >= YEAR, name


def text_compression_audit(url, attempts=3):
    """Lighthouse's "Enable text compression" on one page in Chromium: its score and the
    addresses it says to compress. A run in which Lighthouse itself could not audit the page
    (its runtime error: a page load it gave up on, on a loaded machine) is made again."""
    for _ in range(attempts):
        out = subprocess.run(
            [
                LIGHTHOUSE,
                url,
                "--only-audits=uses-text-compression",
                "--output=json",
                "--quiet",
                "--max-wait-for-load=90000",
                "--chrome-flags=--headless --no-sandbox --disable-gpu"
                " --disable-background-networking",
            ],
            env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        audit = report["audits"]["uses-text-compression"]
        if "details" in audit and audit.get("scoreDisplayMode") != "error":
            return audit["score"], [item["url"] for item in audit["details"]["items"]]
        error = report.get("runtimeError") or audit.get("errorMessage")
    raise AssertionError(f"Lighthouse could not audit {url}: {error}")


def test_lighthouse_finds_nothing_to_compress_through_nginx(stack):
    # A place page loads the most text: its HTML, the site's CSS and scripts, the map's.
    assert text_compression_audit(f"{stack['url']}/places/karlag-museum/") == (1, [])
    # The audit can fail: gunicorn alone sends the page itself uncompressed.
    gunicorn = re.search(
        r"server (127\.0\.0\.1:\d+)", (stack["dir"] / "nginx" / "site.conf").read_text()
    )
    score, uncompressed = text_compression_audit(f"http://{gunicorn[1]}/places/karlag-museum/")
    assert score < 1 and uncompressed == [f"http://{gunicorn[1]}/places/karlag-museum/"]


def test_a_demo_photo_is_served_by_nginx_as_an_image_never_sniffed(stack):
    photos = page_links(stack, r"/media/photos/[\w/.-]+\.(?:jpg|webp)")
    assert len(photos) >= 3, photos  # the museum's three illustrations, in several widths
    # What gunicorn logged before (the Lighthouse test asks gunicorn itself for a page's photos).
    logged = len((stack["dir"] / "gunicorn.log").read_text())
    for name in photos:
        status, headers, body = get(stack["url"] + name, encoding="gzip, br")
        assert status == 200, name
        assert headers["Content-Type"] == f"image/{'jpeg' if name.endswith('.jpg') else 'webp'}"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert headers["Cache-Control"] == f"public, max-age={YEAR}, immutable"
        assert (headers["X-Frame-Options"], headers["Referrer-Policy"]) == ("DENY", "same-origin")
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Content-Encoding"] is None  # images are compressed already
        assert body[:3] == b"\xff\xd8\xff" or body[8:12] == b"WEBP", name
    # nginx read them from MEDIA_ROOT: gunicorn never saw one.
    log = (stack["dir"] / "gunicorn.log").read_text()
    assert "/places/karlag-museum/" in log[:logged]
    assert "/media/" not in log[logged:]


def test_media_other_than_our_image_types_is_never_served_as_html(stack):
    photos = stack["dir"] / "media" / "photos"
    script = b"<html><script>alert(document.domain)</script></html>"
    for name in ("page.html", "drawing.svg", "page.htm", ".hidden.jpg", "plain.txt"):
        (photos / name).write_bytes(script)
    (photos / "disguised.jpg").write_bytes(script)
    (stack["dir"] / "media" / "notes.jpg").write_bytes(script)  # outside photos/

    refused = ["photos/page.html", "photos/drawing.svg", "photos/page.htm", "photos/.hidden.jpg"]
    refused += ["photos/plain.txt", "notes.jpg", "", "photos/", "photos/2026/"]
    for name in refused:
        status, headers, body = get(f"{stack['url']}/media/{name}")
        assert status == 404, name
        assert b"alert(" not in body and b"Index of" not in body, name

    # An HTML file under an image's name goes out as that image: not sniffed, sandboxed.
    status, headers, body = get(f"{stack['url']}/media/photos/disguised.jpg")
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_an_unknown_host_is_answered_400(stack):
    status, _, _ = get(f"{stack['url']}/places/karlag-museum/", host="evil.example")
    assert status == 400
    status, _, _ = get(f"{stack['url']}/places/karlag-museum/", host="localhost")
    assert status == 200


def test_a_request_as_large_as_a_form_with_a_photo_too_large_reaches_django(stack):
    # Django, not nginx, refuses a photo over the limit: with the form's message, losing nothing.
    # A form as a browser posts it, with the CSRF cookie the form's page set, so that Django
    # reads the body whole before it refuses the missing token (without the cookie it answers
    # unread, and gunicorn may close the connection while nginx is still sending: a 502).
    _, headers, _ = get(f"{stack['url']}/admin/login/")
    cookie = re.search(r"csrftoken=[^;]+", ", ".join(headers.get_all("Set-Cookie")))[0]
    boundary = "guide-test-boundary"
    too_large_photo = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + b"x" * (settings.PLACES_PHOTO_MAX_BYTES + 1)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    form = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie}
    status, _, body = get(
        f"{stack['url']}/admin/login/", method="POST", data=too_large_photo, headers=form
    )
    assert status == 403 and b"CSRF" in body  # Django's answer to a form without a token

    site = (stack["dir"] / "nginx" / "site.conf").read_text()
    limit = int(re.search(r"client_max_body_size (\d+)k;", site)[1]) * 1024
    assert limit > 2 * settings.PLACES_PHOTO_MAX_BYTES
    status, _, _ = get(f"{stack['url']}/admin/login/", method="POST", data=b"x" * (limit + 1))
    assert status == 413


def test_gunicorn_runs_the_number_of_workers_asked_for(stack):
    master = json.loads((stack["dir"] / "stack.json").read_text())["gunicorn"]
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 2  # WEB_CONCURRENCY's default in deploy/stack


def test_stack_run_serves_until_interrupted_then_stops_everything_it_started():
    folder = new_folder()
    env = stack_environment(folder)
    run = subprocess.Popen(
        [sys.executable, STACK, "run", "--dir", folder],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in run.stdout:  # what migrate and collectstatic say, then the URL
            if line.startswith("http://"):
                url = line.strip()
                break
        else:
            pytest.fail(f"no URL: {run.stderr.read()}")
        state = json.loads((folder / "stack.json").read_text())
        nginx = int((folder / "nginx" / "nginx.pid").read_text())
        assert get(url + "places/")[0] == 200
    finally:
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 0, run.stderr.read()

    for pid in (nginx, state["gunicorn"]):
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    with pytest.raises(OSError):
        get(url)
    assert not (folder / "stack.json").exists()
    shutil.rmtree(folder)
    if state["database"]:  # made for the stack, dropped with it
        database = urlsplit(state["database"]).path.strip("/")
        assert database not in postgres_databases(state["database"])


def postgres_databases(url):
    server = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(server) as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database")}


def test_the_production_files_agree_and_nginx_accepts_the_site_they_describe(tmp_path):
    # docs/deploy.md: the systemd unit runs gunicorn as deploy/stack does, on the socket that
    # .env.example names, in the folder the unit makes for it; nginx's site reaches it there.
    unit = (ROOT / "deploy" / "guide.service").read_text()
    assert "-m gunicorn -c python:guide.gunicorn guide.wsgi\n" in unit
    assert '"-m", "gunicorn", "-c", "python:guide.gunicorn", "guide.wsgi"' in STACK.read_text()
    bind = re.search(r"^GUNICORN_BIND=unix:(\S+)$", (ROOT / ".env.example").read_text(), re.M)[1]
    runtime = re.search(r"^RuntimeDirectory=(\S+)$", unit, re.M)[1]
    assert Path(bind).parent == Path("/run") / runtime

    env = bare_environment(ENV_FILE=str(ROOT / ".env.example"))
    site = subprocess.run(
        [sys.executable, STACK, "nginx-site", "--server-name", "guide.example.org"]
        + ["--upstream", f"unix:{bind}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "server_name guide.example.org;" in site and "listen 80;" in site
    assert "alias /srv/guide/media/$1;" in site
    assert "proxy_cache_path /var/cache/nginx/guide " in site  # docs/deploy.md makes its parent
    site = site.replace("/var/cache/nginx/guide", str(tmp_path / "cache"))
    assert f"client_max_body_size {(4 * 10 * 1024 * 1024 + 1024 * 1024) // 1024}k;" in site
    (tmp_path / "site.conf").write_text(site)
    # The parts of Debian's /etc/nginx/nginx.conf the site depends on.
    (tmp_path / "nginx.conf").write_text(
        "include /etc/nginx/modules-enabled/*.conf;\nevents {}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    test = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-c", tmp_path / "nginx.conf"]
        + ["-e", tmp_path / "error.log", "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True,
        text=True,
    )
    assert test.returncode == 0, test.stderr


def test_a_gunicorn_reload_serves_with_the_settings_changed_in_the_env_file(tmp_path):
    # docs/deploy.md: `systemctl reload guide` (SIGHUP) after a release or a change to .env.
    dotenv = tmp_path / ".env"
    dotenv.write_text("SECRET_KEY=test-only\nALLOWED_HOSTS=localhost\n")
    port = free_port()
    env = bare_environment(
        ENV_FILE=str(dotenv),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CACHE_URL="locmemcache://",
    )
    command = [sys.executable, "-m", "gunicorn", "-c", "python:guide.gunicorn", "guide.wsgi"]
    with open(tmp_path / "gunicorn.log", "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/robots.txt"
    try:
        wait_for_port(port, server)
        assert get(url, host="localhost")[0] == 200
        assert get(url, host="guide.example.org")[0] == 400

        dotenv.write_text("SECRET_KEY=test-only\nALLOWED_HOSTS=localhost,guide.example.org\n")
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while get(url, host="guide.example.org")[0] != 200:
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=60)
