"""Export places as GeoJSON or CSV, in the form import_places reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from places import exchange


class Command(BaseCommand):
    help = (
        "Write all places (or only the published ones) as GeoJSON or CSV, ordered by slug, "
        "with their sections, alternate names and town. import_places reads the result back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=exchange.FORMATS, default="geojson")
        parser.add_argument("--output", help="A file to write (UTF-8); default: standard output.")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="Leave drafts out (and town links to them).",
        )

    def handle(self, *args, format, output, published_only, **options):
        places = exchange.export_places(published_only=published_only)
        try:
            text = exchange.to_csv(places) if format == "csv" else exchange.to_geojson(places)
        except exchange.ExchangeError as error:
            raise CommandError(f"{error}. Nothing was written.") from None
        if output is None:
            self.stdout.write(text, ending="")
            return
        # newline="": the text already has its line ends, which must not be translated.
        with Path(output).open("w", encoding="utf-8", newline="") as file:
            file.write(text)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(places):,} places to {output}."))
