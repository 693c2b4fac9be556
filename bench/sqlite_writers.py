"""SQLite under writers (docs/reliability.md, item 5): an import while contributors save and
visitors read, through gunicorn; prints figures and exits 1 on any error or anything lost.

Not a test by itself (tests/test_battery_sqlite.py runs it). From the repository root:
    .venv/bin/python bench/sqlite_writers.py [--places 200000] [--contributors 3] [--visitors 2]

A SQLite file of its own (migrated, the demo, an account per contributor), gunicorn with 2
workers on it, and `manage.py import_places` of a generated CSV while each contributor saves
its demo place through the admin's change form and visitors read place pages, search and the
API. What counts as an error, and what must be in the database after: docs/reliability.md.
"""

import argparse
import html.parser
import http.cookiejar
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from import_speed import ROOT, generated_places, write_csv

sys.path.insert(0, str(ROOT))
from tests.processes import free_port

PASSWORD = "a long passphrase"
LOCKED = "database is locked"
SEARCHES = ["karlag", "park", "museum", "stone", "river", "шахт", "green", "tower"]
ACCOUNTS = """
from django.contrib.auth.models import Group, User
from places.models import Place
group = Group.objects.get(name="Contributors")
for number, place in enumerate(Place.objects.filter(kind="sight").order_by("slug")[:{count}]):
    user = User.objects.create_user(f"contributor{{number}}", password="{password}", is_staff=True)
    user.groups.add(group)
    print(place.pk, place.slug)
"""


def say(line=""):
    print(line, flush=True)


class Run:
    """What happened, from every thread: errors, saves, reads and the lock's longest hold."""

    def __init__(self):
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.saves: list[tuple[int, str, float]] = []  # place id, subtitle, seconds
        self.reads: list[float] = []
        self.slowest: list[tuple[float, str, float]] = []  # seconds, path, when it began
        self.longest_hold = 0.0
        self.importing = True

    def error(self, line):
        with self.lock:
            self.errors.append(line)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Client:
    """One visitor or contributor: its own cookies, like a browser."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects
        )

    def request(self, path, data=None):
        """(status, body, Location), timed out after 60 s (longer than any wait for a lock)."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), response.headers["Location"]
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), error.headers["Location"]

    def log_in(self, username):
        status, page, _ = self.request("/admin/login/?next=/admin/")
        form = FormFields.of(page, "login-form")
        form.update(username=username, password=PASSWORD)
        status, page, location = self.request("/admin/login/?next=/admin/", form)
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status})")


class FormFields(html.parser.HTMLParser):
    """The fields of one form of a page, as a browser would post them back unchanged."""

    @classmethod
    def of(cls, page, form_id):
        parser = cls(form_id)
        parser.feed(page)
        return {name: values if len(values) > 1 else values[0] for name, values in parser.fields}

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self.textarea = self.select = None

    def add(self, name, value):
        for field_name, values in self.fields:
            if field_name == name:
                values.append(value)
                return
        self.fields.append((name, [value]))

    def handle_starttag(self, tag, attributes):
        a = dict(attributes)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("file", "submit", "button", "image"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.add(a["name"], a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "textarea":
            self.textarea = [a["name"], ""]
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.add(self.select, a.get("value", ""))

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            # The HTML parser drops the newline a textarea's text starts with; so does a browser.
            self.add(self.textarea[0], self.textarea[1])
            self.textarea = None
        elif tag == "select":
            self.select = None


def contributor(run, base, number, place_id):
    """Saves its place's change form again and again, each time with a new subtitle."""
    client = Client(base)
    try:
        client.log_in(f"contributor{number}")
    except (OSError, RuntimeError) as error:
        run.error(f"contributor {number}: {error}")
        return
    path = f"/admin/places/place/{place_id}/change/"
    saved = 0
    while run.importing:
        status, page, _ = client.request(path)
        if status != 200:
            run.error(f"contributor {number}: GET {path} answered {status}")
            continue
        form = FormFields.of(page, "place_form")
        subtitle = f"Saved by contributor {number}, save {saved}"
        form.update(subtitle=subtitle, _save="Save")
        started = time.monotonic()
        try:
            status, page, location = client.request(path, form)
        except OSError as error:  # a worker killed while the save waited, say
            run.error(f"contributor {number}: save {saved} failed: {error}")
            continue
        seconds = time.monotonic() - started
        if status == 302 and location and "/change/" not in location:
            with run.lock:
                run.saves.append((place_id, subtitle, seconds))
            saved += 1
        else:
            problem = re.search(r'class="(?:errornote|errorlist)[^>]*>(?:<li>)?([^<]*)', page)
            run.error(
                f"contributor {number}: save {saved} answered {status}"
                f" {problem.group(0) if problem else page[:200]!r}"
            )


def visitor(run, base, slugs, seed):
    client, rng = Client(base), random.Random(seed)
    while run.importing:
        slug, text = rng.choice(slugs), urllib.parse.quote(rng.choice(SEARCHES))
        paths = [f"/places/{slug}/", f"/search/?q={text}", f"/api/places/{slug}/"]
        path = rng.choice([*paths, f"/api/search/?q={text}"])
        started = time.monotonic()
        try:
            status, page, _ = client.request(path)
        except OSError as error:
            run.error(f"visitor: GET {path} failed: {error}")
            continue
        seconds = time.monotonic() - started
        with run.lock:
            run.reads.append(seconds)
            run.slowest = sorted([*run.slowest, (seconds, path, started)], reverse=True)[:3]
        if status != 200 or LOCKED in page:
            run.error(f"visitor: GET {path} answered {status}")


def lock_probe(run, database):
    """The longest time in which nobody could have taken the write lock: another connection
    asks for it without waiting (BEGIN IMMEDIATE, then ROLLBACK) every 5 ms."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    held_since = None
    while run.importing:
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            held_since = None
        except sqlite3.OperationalError:
            now = time.monotonic()
            held_since = held_since or now
            run.longest_hold = max(run.longest_hold, now - held_since)
        time.sleep(0.005)
    probe.close()


def manage(env, *arguments):
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout


def start_gunicorn(env, log):
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:guide.gunicorn", "guide.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://{env['GUNICORN_BIND']}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=5).close()
            return server, base
        except OSError:
            assert server.poll() is None, "gunicorn stopped"
            time.sleep(0.2)
    raise TimeoutError("gunicorn does not answer")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def check_database(run, database, places, place_ids):
    """Every imported place with its values and search keys, the import's history row, and
    every answered save with its value and its history version."""
    db = sqlite3.connect(database)
    stored = {
        external_id: (name, latitude, longitude, category, country, status)
        for external_id, name, latitude, longitude, category, country, status in db.execute(
            "SELECT external_id, name, latitude, longitude, category, country, status"
            " FROM places_place WHERE external_id LIKE 'bench:%'"
        )
    }
    wrong = 0
    for place in generated_places(places, False):
        row = stored.get(place["external_id"])
        expected = (place["name"], place["latitude"], place["longitude"], place["category"])
        if row is None or row[:4] != expected or row[4:] != ("Kazakhstan", "published"):
            wrong += 1
    if len(stored) != places or wrong:
        run.error(f"import: {len(stored):,} of {places:,} places stored, {wrong:,} wrong or lost")
    (without_keys,) = db.execute(
        "SELECT COUNT(*) FROM places_place p WHERE external_id LIKE 'bench:%' AND NOT EXISTS"
        " (SELECT 1 FROM places_searchname s WHERE s.place_id = p.id)"
    ).fetchone()
    if without_keys:
        run.error(f"import: {without_keys:,} imported places without search keys")
    if not db.execute(
        "SELECT 1 FROM reversion_revision WHERE comment LIKE ?", [f"Imported %{places:,} places%"]
    ).fetchone():
        run.error("import: no history row for the run")
    last = {}
    for place_id, subtitle, _ in run.saves:
        last[place_id] = subtitle
        (versions,) = db.execute(
            "SELECT COUNT(*) FROM reversion_version v JOIN django_content_type t"
            " ON t.id = v.content_type_id WHERE t.app_label = 'places' AND t.model = 'place'"
            " AND v.object_id = ? AND v.serialized_data LIKE ?",
            [str(place_id), f"%{subtitle}%"],
        ).fetchone()
        if not versions:
            run.error(f"save {subtitle!r} of place {place_id}: no history version")
    for place_id, subtitle in last.items():
        (stored_subtitle,) = db.execute(
            "SELECT subtitle FROM places_place WHERE id = ?", [place_id]
        ).fetchone()
        if stored_subtitle != subtitle:
            run.error(f"place {place_id}: subtitle {stored_subtitle!r}, last saved {subtitle!r}")
    db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=200_000)
    parser.add_argument("--contributors", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=2)
    args = parser.parse_args()
    run = Run()
    with tempfile.TemporaryDirectory(prefix="sqlite-writers-") as folder:
        folder = Path(folder)
        database = folder / "guide.sqlite3"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "guide.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "sqlite-writers-only",
            "DEBUG": "false",
            "STATIC_ROOT": str(folder / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        }
        manage(env, "migrate", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "load_demo")
        accounts = manage(
            env, "shell", "-c", ACCOUNTS.format(count=args.contributors, password=PASSWORD)
        )
        pairs = re.findall(r"^(\d+) (\S+)$", accounts, re.MULTILINE)
        place_ids, slugs = [int(pk) for pk, _ in pairs], [slug for _, slug in pairs]
        csv = folder / "places.csv"
        write_csv(csv, generated_places(args.places, False))
        say(
            f"SQLite, {args.places:,} places imported ({csv.stat().st_size / 1e6:.1f} MB of CSV)"
            f" while {args.contributors} contributors save and {args.visitors} visitors read,"
            " through gunicorn (2 workers):"
        )
        with (folder / "gunicorn.log").open("w") as log:
            server, base = start_gunicorn(env, log)
            try:
                threads = [
                    threading.Thread(target=contributor, args=(run, base, n, place_id))
                    for n, place_id in enumerate(place_ids)
                ] + [
                    threading.Thread(target=visitor, args=(run, base, slugs, n))
                    for n in range(args.visitors)
                ]
                threads.append(threading.Thread(target=lock_probe, args=(run, database)))
                for thread in threads:
                    thread.start()
                time.sleep(2)  # logged in, saving and reading
                started = time.monotonic()
                importer = subprocess.run(
                    [sys.executable, "manage.py", "import_places", str(csv)],
                    cwd=ROOT, env=env, capture_output=True, text=True,
                )  # fmt: skip
                import_seconds = time.monotonic() - started
                time.sleep(2)  # and after it
            finally:
                run.importing = False
                for thread in threads:
                    thread.join()
                server.terminate()
                server.wait(timeout=30)
        if importer.returncode or LOCKED in importer.stdout + importer.stderr:
            run.error(f"import failed ({importer.returncode}): {importer.stderr[-500:]}")
        server_log = (folder / "gunicorn.log").read_text()
        for line in server_log.splitlines():
            if LOCKED in line or "Traceback" in line or "[CRITICAL]" in line:
                run.error(f"gunicorn: {line}")
        check_database(run, database, args.places, place_ids)

    latencies = [seconds for _, _, seconds in run.saves] or [0]
    say(
        f"  import: {args.places:,} places in {import_seconds:.1f} s"
        f" ({args.places / import_seconds:,.0f} /s; its own line: {importer.stdout.strip()})"
    )
    say(
        f"  saves:  {len(run.saves):,} answered, median {statistics.median(latencies):.2f} s,"
        f" max {max(latencies):.2f} s"
    )
    say(
        f"  reads:  {len(run.reads):,}, median {statistics.median(run.reads or [0]) * 1000:.0f} ms,"
        f" p99 {percentile(run.reads, 0.99) * 1000:.0f} ms, max {max(run.reads, default=0):.2f} s"
    )
    for seconds, path, began in run.slowest:
        say(f"    {seconds:.2f} s: {path}, begun {began - started:+.1f} s after the import")
    say(f"  longest time the write lock was never free: {run.longest_hold:.1f} s")
    say(f"  errors: {len(run.errors)} ('{LOCKED}': {sum(LOCKED in e for e in run.errors)})")
    for line in run.errors[:30]:
        say(f"    {line}")
    if not run.saves or not run.reads:
        say("  no save or no read was made")
        sys.exit(1)
    sys.exit(1 if run.errors else 0)


if __name__ == "__main__":
    main()
