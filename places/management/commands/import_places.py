"""Import places from a GeoJSON or CSV file: all of it or, when anything is wrong, none."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from places import history
from places.exchange.csv import CsvReader
from places.exchange.geojson import read_geojson
from places.exchange.plan import FROM_FILE, Plan
from places.exchange.records import ExchangeError
from places.exchange.write import write_plan, writing

READERS = {"geojson": read_geojson, "csv": CsvReader}
EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv"}


class Command(BaseCommand):
    help = (
        "Import places from GeoJSON (a FeatureCollection of Points) or CSV. A place whose "
        "external_id was imported before, or without one whose slug is in the file, is updated, "
        "with its town, sections, alternate names and photos replaced. A file with any bad "
        "record is refused whole, naming each one."
    )
    policy = FROM_FILE

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .geojson, .json or .csv file (UTF-8).")
        parser.add_argument("--format", choices=READERS, help="Default: from the file's extension.")
        self.add_dry_run(parser)

    def add_dry_run(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything and write nothing."
        )

    def read_records(self, options):
        """What the records come from, and the records (an iterable read as they are checked)."""
        path = Path(options["file"])
        format = options["format"] or EXTENSIONS.get(path.suffix.lower())
        if format is None:
            raise CommandError(
                f'{path}: cannot tell the format from the extension "{path.suffix}": use '
                "--format. Nothing was written."
            )
        return str(path), READERS[format](path)

    def handle(self, *args, **options):
        started = time.perf_counter()
        source, records = self.read_records(options)
        try:
            with Plan(self.policy) as plan:
                plan.check(records, progress=lambda done: self.show_progress("checked", done))
                self.stderr.write("", style_func=str)
                if plan.errors:
                    raise CommandError(
                        f"{source}: refused, nothing was written. {len(plan.errors):,} bad "
                        "record(s):\n" + "\n".join(f"  {error}" for error in plan.errors)
                    )
                ignored = getattr(records, "ignored", [])
                if ignored:
                    self.stdout.write(f"Ignored unknown column(s): {', '.join(ignored)}.")
                if options["dry_run"]:
                    plan.discard()
                else:
                    with writing():
                        write_plan(plan, progress=self.show_progress)
                        # One row for the run; each place's version waits for its first edit.
                        history.record_import(source, plan.creates, plan.updates)
                    self.stderr.write("", style_func=str)
        except ExchangeError as error:
            raise CommandError(f"{source}: {error}. Nothing was written.") from None
        except IntegrityError as error:
            # Someone else wrote a clashing slug or external id since the file was checked.
            raise CommandError(
                f"{source}: the database refused the import, nothing was written: {error}. "
                "Run it again to check the file against the database as it is now."
            ) from None
        created, updated = plan.creates, plan.updates
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{source}: dry run, nothing was written. {created + updated:,} records are "
                    f"valid: {created:,} places would be created and {updated:,} updated."
                )
            )
            return
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{source}: created {created:,} and updated {updated:,} places in "
                f"{seconds:.1f} s ({(created + updated) / seconds:,.0f} places/s)."
            )
        )

    def show_progress(self, step, done, total=None):
        # Plain text, rewritten in place; not red like the errors stderr usually carries.
        of = f"/{total:,}" if total is not None else ""
        self.stderr.write(f"\r  {step} {done:,}{of} places", ending="", style_func=str)
        self.stderr.flush()
