"""Back up the site: its database and its photos, into a new folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from places.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Copy the database (PostgreSQL: pg_dump's custom format; SQLite: its online backup, "
        "consistent while the site writes) and the photos in MEDIA_ROOT (a tar file) into "
        "FOLDER, which must be new or empty. `manage.py restore FOLDER` puts them back."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        try:
            written = backup(folder)
        except BackupError as error:
            raise CommandError(error) from None
        sizes = ", ".join(f"{path.name} ({path.stat().st_size:,} bytes)" for path in written)
        self.stdout.write(self.style.SUCCESS(f"Backed up into {folder}: {sizes}."))
