"""Export places as GeoJSON or CSV, in the form import_places reads."""

import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from places.exchange.csv import write_csv
from places.exchange.export import export_places
from places.exchange.geojson import write_geojson
from places.exchange.records import ExchangeError

WRITERS = {"geojson": write_geojson, "csv": write_csv}


class Command(BaseCommand):
    help = (
        "Write all places (or only the published ones) as GeoJSON or CSV, ordered by slug, "
        "with everything a contributor can set: their sections, alternate names, town and "
        "photos (metadata and the image's path in the media storage). import_places reads "
        "the result back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=WRITERS, default="geojson")
        parser.add_argument("--output", help="A file to write (UTF-8); default: standard output.")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="Leave drafts out (and town links to them).",
        )

    def handle(self, *args, format, output, published_only, **options):
        places = export_places(published_only=published_only)
        text = io.StringIO(newline="")
        try:
            WRITERS[format](places, text)
        except ExchangeError as error:
            raise CommandError(f"{error}. Nothing was written.") from None
        if output is None:
            self.stdout.write(text.getvalue(), ending="")
            return
        # newline="": the text already has its line ends, which must not be translated.
        with Path(output).open("w", encoding="utf-8", newline="") as file:
            file.write(text.getvalue())
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(places):,} places to {output}."))
