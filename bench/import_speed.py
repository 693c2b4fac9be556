"""How fast import_places and import_geonames write to SQLite: prints places per second.

Not a test. Run from the repository root:  .venv/bin/python bench/import_speed.py [--places N]
It works on a throwaway SQLite database in a temporary folder and touches nothing else.
"""

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stderr
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["Old", "Green", "Stone", "River", "Museum", "Lake", "Tower", "Mine", "Park", "Steppe"]
CYRILLIC = ["Старый", "Зелёный", "Каменный", "Речной", "Парк", "Озеро", "Башня", "Шахта"]
CATEGORIES = ["Museum", "Park", "Monument", "Church", "Lake", "Theatre", "Viewpoint"]


def say(line=""):
    sys.stdout.write(line + "\n")


def plain_places(count, seed=1):
    """Places with no texts, as open data mostly comes: one in five named in Cyrillic."""
    rng = random.Random(seed)
    for number in range(count):
        words = CYRILLIC if number % 5 == 0 else WORDS
        yield {
            "name": f"{rng.choice(words)} {rng.choice(words)} {number}",
            "latitude": round(rng.uniform(-89.9, 89.9), 5),
            "longitude": round(rng.uniform(-179.9, 179.9), 5),
            "category": rng.choice(CATEGORIES),
            "country": "Kazakhstan",
            "external_id": f"bench:{number}",
        }


def write_csv(path, places):
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(places[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(places)


def write_geojson(path, places):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p["longitude"], p["latitude"]]},
            "properties": {k: v for k, v in p.items() if k not in ("latitude", "longitude")},
        }
        for p in places
    ]
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100_000, help="Places in each file.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="import-speed-"))
    template, database = folder / "empty.sqlite3", folder / "bench.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="guide.settings",
        SECRET_KEY="benchmark-only",
        DEBUG="false",
        DATABASE_URL=f"sqlite:///{database}",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from places.models import AlternateName, Place

    def fresh_database():
        connection.close()
        shutil.copyfile(template, database)

    def timed(label, *command):
        quiet = io.StringIO()
        started = time.perf_counter()
        with redirect_stderr(quiet):
            call_command(*command, stdout=quiet, stderr=quiet)
        seconds = time.perf_counter() - started
        places = Place.objects.count()
        say(f"{label:<44} {places:>8,} places {seconds:6.2f} s {places / seconds:>9,.0f} /s")

    try:
        call_command("migrate", verbosity=0)
        connection.close()
        shutil.copyfile(database, template)

        places = list(plain_places(args.places))
        csv_file, geojson_file = folder / "places.csv", folder / "places.geojson"
        write_csv(csv_file, places)
        write_geojson(geojson_file, places)
        say(f"SQLite, {args.places:,} generated places (no texts), files in {folder}")
        say(
            f"  CSV {csv_file.stat().st_size / 1e6:.1f} MB, "
            f"GeoJSON {geojson_file.stat().st_size / 1e6:.1f} MB"
        )

        fresh_database()
        timed("import_places CSV into an empty database", "import_places", str(csv_file))
        timed("import_places CSV again (all updates)", "import_places", str(csv_file))
        fresh_database()
        timed("import_places GeoJSON into an empty database", "import_places", str(geojson_file))
        fresh_database()
        timed("import_geonames, all cities, empty database", "import_geonames")
        say(f"{'':<44} {AlternateName.objects.count():>8,} alternate names")
        timed("import_geonames again (all updates)", "import_geonames")
    finally:
        connection.close()
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
