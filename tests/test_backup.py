"""Backup round trip (docs/reliability.md, item 6): the demo site, with its photos, backed up
and restored by the commands of docs/deploy.md into a new empty database and media folder,
answers every public page, API answer and photo byte for byte as before.

Both sites run as production does (deploy/stack: gunicorn behind nginx, DEBUG off) on the
suite's database server: a new PostgreSQL database beside the tests' one, or an SQLite file.
"""

import json
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import deque
from urllib.parse import urljoin, urlsplit

import psycopg
import pytest

from places.backup import BackupError, unpack
from places.models import Place
from tests.processes import ROOT, environment
from tests.test_stack import STACK, get, new_folder, stack_environment

DEPLOY_DOCS = ROOT / "docs" / "deploy.md"
# One name for the site, whichever stack answers: API answers hold absolute URLs.
HOST = "localhost"
# Where a crawl starts: pages no link leads to (forms' answers, the API, search engines' files).
SEEDS = [
    "/", "/robots.txt", "/sitemap.xml", "/nearby/", "/nearby/?lat=49.68&lon=72.69",
    "/search/?q=kar", "/search/?q=%D1%88%D0%B0%D1%85%D1%82", "/places/?q=museum",
    "/api/openapi.json", "/api/places/", "/api/places/?limit=5", "/api/search/?q=kar",
    "/api/nearby/?lat=49.68&lon=72.69", "/api/nearby/?lat=49.68&lon=72.69&radius_km=200",
]  # fmt: skip
LINKS = re.compile(r'(?:href|src)="([^"]+)"|srcset="([^"]+)"|<loc>([^<]+)</loc>|"(https?://[^"]+)"')
NOT_PUBLIC = ("/admin/", "/i18n/")
# Headers whose values the restore cannot keep, so not compared; the bodies always are:
# - Date, the time of the response;
# - a page's Last-Modified, since when the page cache has held it (places/cache.py): the
#   restore empties the cache (its strong ETag, a hash of the content, is compared);
# - a static file's Last-Modified and ETag (WhiteNoise's, from the file's time): collectstatic
#   writes the files again on each host, from the code, not from the backup.
# Photos are compared whole: nginx's ETag and Last-Modified come from the files' times, which
# the backup keeps.
MADE_AGAIN = {"page": {"Date", "Last-Modified"}, "static": {"Date", "Last-Modified", "ETag"}}
MADE_AGAIN["photo"] = {"Date"}


def kind(path):
    if path.startswith("/media/"):
        return "photo"
    return "static" if path.startswith("/static/") else "page"


def links(base, body):
    """The site's own addresses an answer points to: links, images and their srcset, sitemap
    locations, and URLs in JSON."""
    found = []
    for href, srcset, loc, url in LINKS.findall(body):
        for value in [href, loc, url, *(part.split()[0] for part in srcset.split(",") if part)]:
            if value:
                found.append(urljoin(base, value.replace("&amp;", "&")))
    site = urlsplit(base)
    return [
        urlsplit(u)._replace(scheme="", netloc="", fragment="").geturl()
        for u in found
        if urlsplit(u).netloc in (site.netloc, HOST)
    ]


def answer(url):
    status, headers, body = get(url, headers={"Host": HOST})
    made_again = MADE_AGAIN[kind(urlsplit(url).path)]
    kept = sorted((name, value) for name, value in headers.items() if name not in made_again)
    return status, kept, body


def crawl(url, extra=(), limit=5000):
    """Every public answer reachable from the seeds, by path: (status, headers, body)."""
    answers, queue = {}, deque([*SEEDS, *extra])
    while queue:
        path = queue.popleft()
        if path in answers or path.startswith(NOT_PUBLIC):
            continue
        assert len(answers) < limit, "more answers than a demo site has: a link loops"
        answers[path] = found = answer(url + path)
        content_type = dict(found[1]).get("Content-Type", "")
        place = re.fullmatch(r"/places/([\w-]+)/", path)
        if place:  # its API answer, which no page links to
            queue.append(f"/api/places/{place[1]}/")
        if found[0] == 200 and re.match(r"text/|application/(json|geo\+json|xml)", content_type):
            queue.extend(links(f"http://{HOST}{path}", found[2].decode()))
    return answers


def difference(path, before, after):
    """What differs in one answer, for the failure's message."""
    if before[:2] != after[:2]:
        return path, set(before[1]) ^ set(after[1]), before[0], after[0]
    at = next(i for i, (a, b) in enumerate(zip(before[2], after[2], strict=False)) if a != b)
    return path, at, before[2][at - 80 : at + 80], after[2][at - 80 : at + 80]


def run(command, env):
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def start_stack(folder, env, *options):
    return run([sys.executable, STACK, "start", "--dir", folder, *options], env).split()[-1]


def documented(command):
    """The line of docs/deploy.md's Backups section that runs `manage.py <command>`, as the
    test runs it: the folder argument last."""
    section = DEPLOY_DOCS.read_text().split("## 9. Backups")[1].split("\n## ")[0]
    (line,) = re.findall(rf"^.*manage\.py {command} .*$", section, re.M)
    return line


def manage(env, command, folder):
    """`manage.py backup|restore FOLDER`, as docs/deploy.md runs it (there as the site's user
    in /srv/guide/app, here in the project folder with the stack's settings)."""
    assert documented(command).endswith(f"manage.py {command} /var/backups/guide/$day")
    env = {**env, "SECRET_KEY": "backup-round-trip", "DJANGO_SETTINGS_MODULE": "guide.settings"}
    return run([sys.executable, "manage.py", command, str(folder)], env)


def create_empty_database(url):
    """The documented `createdb` step for PostgreSQL; SQLite needs no file beforehand."""
    if url.startswith("postgres"):
        server = urlsplit(url)._replace(path="/postgres").geturl()
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{urlsplit(url).path.strip("/")}"')


def drop_database(url):
    """Drop a database this module made (never the suite's own)."""
    if url.startswith("postgres"):
        server = urlsplit(url)._replace(path="/postgres").geturl()
        name = urlsplit(url).path.strip("/")
        assert "_stack_" in name or name.endswith("_restored"), name
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.stack  # deploy/stack needs Debian's nginx (make nginx)
def test_a_backup_restored_into_an_empty_database_and_media_folder_answers_byte_for_byte():
    source, restored, backups = new_folder(), new_folder(), new_folder()
    source_env, restored_env = stack_environment(source), stack_environment(restored)
    source_env["MEDIA_ROOT"], restored_env["MEDIA_ROOT"] = source / "media", restored / "media"
    try:
        started = time.monotonic()
        url = start_stack(source, source_env, "--demo").rstrip("/")
        photos = files(source / "media")
        assert sum(name.startswith("photos/") for name in photos) >= 9, sorted(photos)
        serving = time.monotonic()
        before = crawl(url, [f"/media/{name}" for name in photos])
        crawled = time.monotonic()
        served = {kind(path) for path, (status, _, _) in before.items() if status == 200}
        assert served == {"page", "static", "photo"}
        assert sum(status == 200 for status, _, _ in before.values()) > 500

        manage(source_env, "backup", backups / "backup")
        backed_up = time.monotonic()
        create_empty_database(restored_env["DATABASE_URL"])
        manage(restored_env, "restore", backups / "backup")
        restored_at = time.monotonic()
        run([sys.executable, STACK, "stop", "--dir", source], source_env)  # the old site goes
        assert files(restored / "media") == photos

        url = start_stack(restored, restored_env).rstrip("/")
        after = {path: answer(url + path) for path in before}
        differing = [path for path in before if after[path] != before[path]]
        assert differing == [], [difference(p, before[p], after[p]) for p in differing[:5]]
        compared = time.monotonic()
        sizes = {p.name: p.stat().st_size for p in sorted((backups / "backup").iterdir())}
    finally:
        for folder, env in ((source, source_env), (restored, restored_env)):
            if (folder / "stack.json").exists():
                run([sys.executable, STACK, "stop", "--dir", folder], env)
        drop_database(restored_env["DATABASE_URL"])
        for folder in (source, restored, backups):
            shutil.rmtree(folder)
    times = {"start": serving - started, "crawl": crawled - serving}
    times |= {"backup": backed_up - crawled}
    times |= {"restore": restored_at - backed_up, "compare": compared - restored_at}
    report(before, photos, sizes, times)


def report(answers, photos, sizes, times):
    """The figures docs/reliability.md quotes, on the test's standard error."""
    kinds = {}
    for path, (_, _, body) in answers.items():
        name = "api" if path.startswith("/api/") else kind(path)
        count, size = kinds.get(name, (0, 0))
        kinds[name] = (count + 1, size + len(body))
    sys.stderr.write(
        f"\nbackup round trip: {len(answers)} answers compared "
        f"({sum(len(a[2]) for a in answers.values()):,} bytes): "
        + ", ".join(f"{k} {n} ({b:,} B)" for k, (n, b) in sorted(kinds.items()))
        + f"; {len(photos)} media files ({sum(map(len, photos.values())):,} B); backup "
        + ", ".join(f"{name} {size:,} B" for name, size in sizes.items())
        + "; "
        + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items())
        + "\n"
    )


# A contributor saving places one after another, each with its section in one transaction,
# until the file STOP names appears; it prints how many it saved.
WRITER = """
import itertools, os, pathlib
from django.db import transaction
from places.models import Place, Section
for n in itertools.count():
    if pathlib.Path(os.environ["STOP"]).exists():
        break
    with transaction.atomic():
        place = Place.objects.create(
            name=f"Written {n}", slug=f"written-{n}", category="Museum",
            latitude=49.5, longitude=72.5, status="published",
        )
        Section.objects.create(place=place, kind=1, body=f"The section of place {n}.")
print(n)
"""
# What the restored database holds of the writer's work.
WRITTEN = """
import json
from places.backup import BackupError, unpack
from places.models import Place
written = Place.objects.filter(slug__startswith="written-")
print(json.dumps({
    "numbers": sorted(int(slug.split("-")[1]) for slug in written.values_list("slug", flat=True)),
    "without_section": written.filter(sections=None).count(),
    "without_search_names": written.filter(search_names=None).count(),
}))
"""


def written_count():
    return Place.objects.filter(slug__startswith="written-").count()


def test_a_backup_taken_while_the_site_writes_restores_every_transaction_whole(
    transactional_db, tmp_path
):
    env = {**environment(), "DJANGO_SETTINGS_MODULE": "guide.settings"}
    env |= {"SECRET_KEY": "backup-round-trip", "ENV_FILE": "", "MEDIA_ROOT": str(tmp_path)}
    env["STOP"] = str(tmp_path / "stop")
    writer = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", WRITER],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    restored = {**env, "DATABASE_URL": None}  # made once the backup is
    try:
        deadline = time.monotonic() + 60
        while written_count() < 20:
            assert writer.poll() is None and time.monotonic() < deadline, writer.stderr.read()
            time.sleep(0.1)
        saved_before = written_count()
        manage(env, "backup", tmp_path / "backup")
        saved_after = written_count()
        (tmp_path / "stop").touch()
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err  # never "database is locked"
        assert int(out.split()[-1]) >= saved_after > saved_before  # it wrote all along

        url = env["DATABASE_URL"]
        if url.startswith("postgres"):
            restored["DATABASE_URL"] = f"{url}_restored"
        else:
            restored["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        create_empty_database(restored["DATABASE_URL"])
        manage(restored | {"MEDIA_ROOT": str(tmp_path / "media")}, "restore", tmp_path / "backup")
        shell = [sys.executable, "manage.py", "shell", "--no-imports", "-c", WRITTEN]
        found = json.loads(run(shell, restored))
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        if restored["DATABASE_URL"]:
            drop_database(restored["DATABASE_URL"])
    # A snapshot: the places saved before some moment, each whole.
    assert saved_before <= len(found["numbers"]) <= saved_after
    assert found["numbers"] == list(range(len(found["numbers"])))
    assert found["without_section"] == found["without_search_names"] == 0
    sys.stderr.write(
        f"\nbackup while writing: {saved_before} places saved when it began, {saved_after} when "
        f"it ended, {len(found['numbers'])} restored, each whole\n"
    )


def test_restore_refuses_a_database_with_tables_or_photos_in_media_and_backup_a_used_folder(
    transactional_db, tmp_path
):
    env = {**environment(), "DJANGO_SETTINGS_MODULE": "guide.settings", "ENV_FILE": ""}
    env |= {"SECRET_KEY": "backup-round-trip", "MEDIA_ROOT": str(tmp_path / "media")}
    command = [sys.executable, "manage.py"]
    manage(env, "backup", tmp_path / "backup")

    # The suite's database has tables: nothing is written into it.
    done = subprocess.run([*command, "restore", tmp_path / "backup"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "restore into an empty database" in done.stderr

    (tmp_path / "media" / "photos").mkdir(parents=True)
    (tmp_path / "media" / "photos" / "kept.jpg").write_bytes(b"a photo")
    done = subprocess.run([*command, "restore", tmp_path / "backup"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "is not empty: restore into an empty folder" in done.stderr
    assert (tmp_path / "media" / "photos" / "kept.jpg").read_bytes() == b"a photo"

    done = subprocess.run([*command, "backup", tmp_path / "backup"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "back up into a new folder" in done.stderr


@pytest.mark.parametrize("python", ["with the data filter", "without it (Debian 12)"])
def test_a_media_archive_unpacks_only_files_inside_media_root(python, tmp_path, monkeypatch):
    if python.startswith("without"):
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    good, evil = tmp_path / "good.tar.gz", tmp_path / "evil.tar.gz"
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"a photo")
    with tarfile.open(good, "w:gz") as tar:
        tar.add(photo, arcname="photos/2026/11/photo.jpg")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(photo, arcname="../outside.jpg")
    media = tmp_path / "media"
    with tarfile.open(good) as tar:
        unpack(tar, media)
    assert (media / "photos" / "2026" / "11" / "photo.jpg").read_bytes() == b"a photo"
    with (
        tarfile.open(evil) as tar,
        pytest.raises((BackupError, getattr(tarfile, "FilterError", BackupError))),
    ):
        unpack(tar, media)
    assert not (tmp_path / "outside.jpg").exists()
