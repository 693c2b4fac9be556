"""How fast import_places and import_geonames write, and their peak memory: prints figures.

Not a test. Run from the repository root:
    .venv/bin/python bench/import_speed.py [--places N] [--cases csv-plain geojson-texts ...]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide .venv/bin/python bench/import_speed.py
On SQLite it works on a throwaway database in a temporary folder; on PostgreSQL on the
database guide_bench_import (or --database) next to the one DATABASE_URL names (created,
emptied, dropped).
Each import runs in its own process, so that its peak resident memory (RSS) and processor time
are its own.
"""

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["Old", "Green", "Stone", "River", "Museum", "Lake", "Tower", "Mine", "Park", "Steppe"]
CYRILLIC = ["Старый", "Зелёный", "Каменный", "Речной", "Парк", "Озеро", "Башня", "Шахта"]
CATEGORIES = ["Museum", "Park", "Monument", "Church", "Lake", "Theatre", "Viewpoint"]
PROSE = (
    "the camp the museum keeps the letters of prisoners and their families from the years "
    "of exile in the steppe a school stood here until the mine opened and the village grew "
    "around it visitors walk from the station along the river to the old tower"
).split()
CASES = ["csv-plain", "geojson-plain", "csv-texts", "geojson-texts", "geonames"]


def say(line=""):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def paragraph(rng, words):
    return " ".join(rng.choice(PROSE) for _ in range(words)).capitalize() + "."


def generated_places(count, texts, seed=1):
    """Places as open data mostly comes (no texts; one in five named in Cyrillic) or, with
    `texts`, each with a description and a history of two plain paragraphs (about 600
    characters in all)."""
    rng = random.Random(seed)
    for number in range(count):
        words = CYRILLIC if number % 5 == 0 else WORDS
        place = {
            "name": f"{rng.choice(words)} {rng.choice(words)} {number}",
            "latitude": round(rng.uniform(-89.9, 89.9), 5),
            "longitude": round(rng.uniform(-179.9, 179.9), 5),
            "category": rng.choice(CATEGORIES),
            "country": "Kazakhstan",
            "external_id": f"bench:{number}",
        }
        if texts:
            place["description"] = paragraph(rng, 30) + "\n\n" + paragraph(rng, 20)
            place["history"] = paragraph(rng, 25) + "\n\n" + paragraph(rng, 15)
        yield place


def write_csv(path, places):
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = None
        for place in places:
            if writer is None:
                writer = csv.DictWriter(file, fieldnames=list(place), lineterminator="\n")
                writer.writeheader()
            writer.writerow(place)


def write_geojson(path, places):
    with path.open("w", encoding="utf-8") as file:
        file.write('{"type": "FeatureCollection", "features": [\n')
        for number, place in enumerate(places):
            sections = {key: place.pop(key) for key in ("description", "history") if key in place}
            properties = {k: v for k, v in place.items() if k not in ("latitude", "longitude")}
            if sections:
                properties["sections"] = sections
            feature = {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [place["longitude"], place["latitude"]],
                },
                "properties": properties,
            }
            file.write(("," if number else "") + json.dumps(feature, ensure_ascii=False) + "\n")
        file.write("]}\n")


# --- In the child process: one command, timed, with its peak memory ----------------------


def child(command):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from places.models import AlternateName, Place

    if command == ["migrate"]:
        call_command("migrate", verbosity=0)
        return {}
    if command == ["empty"]:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE places_place, places_section, places_photo, "
                "places_alternatename, places_slugredirect, places_searchname"
            )
        return {}
    with open(os.devnull, "w") as quiet:
        started, cpu_started = time.perf_counter(), time.process_time()
        call_command(*command, stdout=quiet, stderr=quiet)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "seconds": seconds,
        # This process's own processor time: on a busy machine it grows less than the
        # seconds do (the database server's time is not in it).
        "cpu": cpu,
        "places": Place.objects.count(),
        "names": AlternateName.objects.count(),
        # Linux reports kilobytes.
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(env, *command):
    result = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(command)],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


PG_DATABASE = """
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}"')
    if sys.argv[3] == "create":
        c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100_000, help="Places in each file.")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=CASES)
    parser.add_argument(
        "--database",
        default="guide_bench_import",
        help="On PostgreSQL, the throwaway database's name (created, emptied, dropped).",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    base = os.environ.get("DATABASE_URL", "")
    postgres = base.startswith("postgres")
    folder = Path(tempfile.mkdtemp(prefix="import-speed-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guide.settings",
        "SECRET_KEY": "benchmark-only",
        "DEBUG": "false",
    }
    if postgres:
        parts = urlsplit(base)
        admin = urlunsplit(parts._replace(path="/postgres"))
        name = args.database
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        subprocess.run([sys.executable, "-c", PG_DATABASE, admin, name, "create"], check=True)
    else:
        database = folder / "bench.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{database}"
    template = folder / "empty.sqlite3"

    def empty_database():
        if postgres:
            run_child(env, "empty")
        else:
            shutil.copyfile(template, database)

    def report(label, result):
        rate = result["places"] / result["seconds"]
        say(
            f"  {label:<38} {result['places']:>9,} places {result['seconds']:7.2f} s "
            f"{rate:>8,.0f} /s  peak {result['peak_mb']:6.0f} MB  cpu {result['cpu']:6.2f} s"
        )

    try:
        run_child(env, "migrate")
        if not postgres:
            shutil.copyfile(database, template)
        engine = "PostgreSQL" if postgres else "SQLite"
        say(f"{engine}, {args.places:,} generated places a file, one process per import:")
        for case in args.cases:
            if case == "geonames":
                empty_database()
                result = run_child(env, "import_geonames")
                report("import_geonames, empty database", result)
                say(f"  {'':<38} {result['names']:>9,} alternate names")
                report("import_geonames again (all updates)", run_child(env, "import_geonames"))
                continue
            format, texts = case.split("-")
            path = folder / f"places-{texts}.{format}"
            places = generated_places(args.places, texts == "texts")
            (write_csv if format == "csv" else write_geojson)(path, places)
            kind = "two sections" if texts == "texts" else "no texts"
            say(f"  {format.upper()}, {kind}: {path.stat().st_size / 1e6:.1f} MB")
            empty_database()
            report("import_places, empty database", run_child(env, "import_places", str(path)))
            report("import_places again (all updates)", run_child(env, "import_places", str(path)))
            path.unlink()
    finally:
        shutil.rmtree(folder)
        if postgres:
            subprocess.run([sys.executable, "-c", PG_DATABASE, admin, name, "drop"], check=True)


if __name__ == "__main__":
    main()
