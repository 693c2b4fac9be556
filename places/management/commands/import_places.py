"""Import places from a GeoJSON or CSV file: all of it or, when anything is wrong, none."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from places import exchange


class Command(BaseCommand):
    help = (
        "Import places from GeoJSON (a FeatureCollection of Points) or CSV. A place whose "
        "external_id was imported before is updated, with its sections and alternate names "
        "replaced. A file with any bad record is refused whole, naming each one."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .geojson, .json or .csv file (UTF-8).")
        parser.add_argument(
            "--format", choices=exchange.FORMATS, help="Default: from the file's extension."
        )
        self.add_dry_run(parser)

    def add_dry_run(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything and write nothing."
        )

    def read_records(self, options):
        """(what the records come from, the records, notes for the summary)."""
        path = Path(options["file"])
        try:
            format = options["format"] or exchange.guess_format(path)
            records, ignored = exchange.parse(exchange.read_text(path), format)
        except exchange.ExchangeError as error:
            raise CommandError(f"{path}: {error}. Nothing was written.") from None
        notes = [f"Ignored unknown column(s): {', '.join(ignored)}."] if ignored else []
        return str(path), records, notes

    def handle(self, *args, **options):
        started = time.perf_counter()
        source, records, notes = self.read_records(options)
        plan = exchange.plan_import(records)
        if plan.errors:
            raise CommandError(
                f"{source}: refused, nothing was written. {len(plan.errors):,} bad record(s):\n"
                + "\n".join(f"  {error}" for error in plan.errors)
            )
        for note in notes:
            self.stdout.write(note)
        created, updated = len(plan.creates), len(plan.updates)
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{source}: dry run, nothing was written. {len(records):,} records are "
                    f"valid: {created:,} places would be created and {updated:,} updated."
                )
            )
            return
        try:
            exchange.write_plan(plan, progress=self.show_progress)
        except IntegrityError as error:
            # Someone else wrote a clashing slug or external id since the file was checked.
            raise CommandError(
                f"{source}: the database refused the import, nothing was written: {error}. "
                "Run it again to check the file against the database as it is now."
            ) from None
        if records:
            self.stderr.write("", ending="\n", style_func=str)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{source}: created {created:,} and updated {updated:,} places in "
                f"{seconds:.1f} s ({(created + updated) / seconds:,.0f} places/s)."
            )
        )

    def show_progress(self, done, total):
        # Plain text, rewritten in place; not red like the errors stderr usually carries.
        self.stderr.write(f"\r  {done:,}/{total:,} places", ending="", style_func=str)
        self.stderr.flush()
