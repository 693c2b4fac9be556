"""Load the demo: the KarLag Museum, the places near it, our texts about them, and the
illustrations our code draws for nine of them (places/demo/illustrations.py)."""

import functools
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from places import history, images
from places.demo.illustrations import CREDIT, ILLUSTRATIONS, LICENCE, png
from places.models import AlternateName, Photo, Place, Section
from places.photo_files import PreparedUpload

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
# Local-only accounts (username = password) and their groups: the roles of the review.
DEMO_ACCOUNTS = {"contributor": "Contributors", "editor": "Editors"}


def demo_places():
    """The demo's places, areas first so that sights can name their town."""
    facts = json.loads((DEMO_DIR / "karaganda.json").read_text(encoding="utf-8"))["places"]
    return sorted(facts, key=lambda place: place["kind"] != Place.Kind.AREA)


def demo_texts():
    return json.loads((DEMO_DIR / "texts.json").read_text(encoding="utf-8"))


@functools.cache
def prepared_illustration(index: int) -> images.Prepared:
    """An illustration drawn and prepared as an upload is (images.prepare): the same in every
    run, so done once a process (the tests load the demo many times)."""
    drawing = png(ILLUSTRATIONS[index].draw(demo_places()))
    return images.prepare(drawing, settings.PLACES_PHOTO_MAX_PIXELS)


class Command(BaseCommand):
    help = (
        "Load the demo places around the KarLag Museum (published, with texts and "
        "illustrations drawn by our code). "
        "Safe to run again: it updates what it created before."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-account",
            action="store_true",
            help='Also create the local-only contributor "contributor" and editor "editor" '
            "(their passwords are their names; needs DEBUG=true).",
        )

    @transaction.atomic
    def handle(self, *args, demo_account=False, **options):
        if demo_account and not settings.DEBUG:
            raise CommandError("--demo-account creates a known password: only with DEBUG=true.")
        # The demo's places with their sections, photos and names as one revision, so that
        # every edit of them can be undone.
        with history.recorded(None, "Demo data loaded"):
            count, drawn = self._load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {count} demo places with {len(ILLUSTRATIONS)} illustrations "
                f"({drawn} drawn now)."
            )
        )
        if demo_account:
            self._create_demo_account()
        else:
            self.stdout.write(
                "To edit them, create an account with `python manage.py createsuperuser`, "
                "or run `load_demo --demo-account` in development."
            )

    def _load(self):
        """(how many places, how many illustrations drawn now)"""
        texts = demo_texts()
        by_slug = {}
        for fact in demo_places():
            town = by_slug[fact["town"]] if fact.get("town") else None
            place, _ = Place.objects.update_or_create(
                slug=fact["slug"],
                defaults={
                    "name": fact["name"],
                    "short_name": fact.get("short_name", ""),
                    "kind": fact["kind"],
                    "category": fact["category"],
                    "subtitle": fact.get("subtitle", ""),
                    "town": town,
                    "country": fact.get("country", ""),
                    "latitude": fact["latitude"],
                    "longitude": fact["longitude"],
                    "featured": fact.get("featured", False),
                    "external_id": fact.get("external_id", ""),
                    "status": Place.Status.PUBLISHED,
                },
            )
            by_slug[place.slug] = place
            # Its other names, which search finds it by (each save rewrites its keys).
            names = fact.get("alternate_names", [])
            place.alternate_names.exclude(name__in=names).delete()
            for name in names:
                AlternateName.objects.get_or_create(place=place, name=name)
            for key, body in texts.get(place.slug, {}).items():
                Section.objects.update_or_create(
                    place=place, kind=Section.Kind[key.upper()], defaults={"body": body}
                )
        return len(by_slug), self._add_illustrations(by_slug)

    def _add_illustrations(self, by_slug):
        """Each illustration as the photo at its position of its place, through the photo
        pipeline (re-encoded, named and written by Photo.save). A photo there already keeps
        its file unless that file is missing from the media storage; its texts are updated.
        Returns how many were drawn."""
        existing = {
            (photo.place_id, photo.position): photo
            for photo in Photo.objects.filter(place__slug__in={i.slug for i in ILLUSTRATIONS})
        }
        drawn = 0
        for index, illustration in enumerate(ILLUSTRATIONS):
            place = by_slug[illustration.slug]
            photo = existing.get((place.pk, illustration.position)) or Photo(
                place=place, position=illustration.position
            )
            photo.alt_text, photo.caption = illustration.alt_text, illustration.caption
            photo.credit, photo.licence = CREDIT, LICENCE
            if photo.pk is None or photo.shown is None:
                photo.image = PreparedUpload(prepared_illustration(index))
                drawn += 1
            photo.save()
        return drawn

    def _create_demo_account(self):
        for name, group in DEMO_ACCOUNTS.items():
            user, _ = User.objects.get_or_create(username=name)
            user.is_staff = True
            user.set_password(name)
            user.save()
            user.groups.add(Group.objects.get(name=group))
            self.stdout.write(
                self.style.SUCCESS(
                    f'{group[:-1]} login: "{name}" / "{name}" at /admin/ (local development only).'
                )
            )
