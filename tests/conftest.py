"""Fixtures shared by the test modules: places, the demo, and logged-in contributors and
editors."""

import importlib
import io

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils.text import slugify

from places.models import Place, Section
from tests.data import KARLAG, rename
from tests.test_api import png


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache outlives each test's database transaction.
    cache.clear()


@pytest.fixture(autouse=True)
def _source_static_files_and_temporary_media(settings, tmp_path):
    # Production serves hashed files made by collectstatic; tests read the sources.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_place(db):
    def make(name="A place", latitude=49.68, longitude=72.69, **fields):
        fields.setdefault("slug", slugify(name))
        fields.setdefault("category", "Museum")
        fields.setdefault("status", Place.Status.PUBLISHED)
        return Place.objects.create(name=name, latitude=latitude, longitude=longitude, **fields)

    return make


@pytest.fixture
def places(make_place):
    """The KarLag Museum in its town, Shakhtinsk, a park there, and a museum far away."""
    town = make_place(
        "Shakhtīnsk Qalasy", 49.70713, 72.59321, kind=Place.Kind.AREA, category="City",
        country="Kazakhstan", short_name="Shakhtinsk", slug="shakhtinsk-qalasy",
    )  # fmt: skip
    make_place("KarLag Museum", town=town, country="Kazakhstan", **KARLAG)
    make_place("Mine park", 49.70, 72.60, town=town, country="Kazakhstan", category="Park")
    make_place("Far museum", 10.0, 10.0)


@pytest.fixture
def rich_places(places, make_place):
    """The places fixture's places with all a page or an answer can show: the museum with
    sections, a photo and another name; the park renamed (its old slug redirects); a draft."""
    museum = Place.objects.get(slug="karlag-museum")
    museum.sections.create(kind=Section.Kind.DESCRIPTION, body="A *museum* [site](https://x.org)")
    museum.sections.create(kind=Section.Kind.HISTORY, body="Opened in 2001.")
    museum.photos.create(image=png(), alt_text="The museum", caption="Dolinka", credit="CC0")
    museum.alternate_names.create(name="Музей памяти жертв репрессий")
    rename(Place.objects.get(slug="mine-park"), "coal-mine-park")
    make_place("A draft", status=Place.Status.DRAFT)


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def contributor(db):
    return staff_user("contributor", contributors_group())


@pytest.fixture
def editor(db):
    return staff_user("editor", editors_group())


def staff_user(name, group):
    """A staff account in a group, with the password "a long passphrase"."""
    user = User.objects.create_user(name, f"{name}@example.org", "a long passphrase", is_staff=True)
    user.groups.add(group)
    return user


CONTRIBUTORS = ("0002_contributors_group", "0008_contributors_delete_photos")
EDITORS = (*CONTRIBUTORS, "0010_review")


def contributors_group():
    """The group its data migrations made, made again when a transactional test (which
    empties every table when it ends) ran before."""
    return _group("Contributors", CONTRIBUTORS)


def editors_group():
    """The "Editors" group: the contributors' permissions and its own (migration 0010)."""
    return _group("Editors", EDITORS)


def _group(name, migration_names):
    migrations = [importlib.import_module(f"places.migrations.{m}") for m in migration_names]
    group, created = Group.objects.get_or_create(name=name)
    if created:
        codenames = [codename for migration in migrations for codename in migration.PERMISSIONS]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="places", codename__in=codenames)
        )
    return group


@pytest.fixture
def contributor_client(client, contributor):
    client.force_login(contributor)
    return client


@pytest.fixture
def editor_client(editor):
    # A client of its own, so that a test may hold a contributor's and an editor's sessions.
    client = Client()
    client.force_login(editor)
    return client
