"""Restore the site from a folder `manage.py backup` wrote."""

from pathlib import Path

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from places.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Put back the database and the photos `manage.py backup` wrote into FOLDER: into an "
        "empty database (PostgreSQL: made with createdb; SQLite: no file yet) and an empty or "
        "missing MEDIA_ROOT, then empty the page cache, which held pages of the database as "
        "it was. Stop the site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        try:
            restore(folder)
        except BackupError as error:
            raise CommandError(error) from None
        cache.clear()
        self.stdout.write(self.style.SUCCESS(f"Restored from {folder}."))
