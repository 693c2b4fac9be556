"""The history of places, kept by django-reversion: recording changes, reading versions with
their word-level differences (places/diff.py), restoring one, and the edit counter that stops
a form opened at an older version from overwriting newer work.

For code that changes places (the admin's form, its actions, workflow transitions):

    with history.recorded(request.user, "Published", places=[place.pk]):
        ...change the places (save() them, or update() and then:)
        history.moved_on([place.pk])

`recorded` first gives each place that has no version yet a baseline one ("as it was before
its first recorded change": imports and older edits record none), then records everything
saved inside the block (places, sections, photos, other names) as one revision by the user
with the comment. `moved_on` moves the places' edit_version on (admin forms opened before are
then refused, see stale_form_message) and records their final state: call it inside the
block for every change that does not go through the admin's form, which moves it itself.
Use the `place_action` decorator for admin actions: it does both.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Revision, Version

from places import diff
from places.models import AlternateName, Photo, Place, Section, SlugRedirect

# The newest versions a history page shows (and diffs against the one before each).
HISTORY_LENGTH = 100
# The fields of a place its history shows, in the form's order.
PLACE_FIELDS = [
    "name", "short_name", "slug", "kind", "category", "subtitle", "status", "featured",
    "town", "country", "latitude", "longitude", "population", "external_id",
]  # fmt: skip
PHOTO_FIELDS = ["alt_text", "caption", "credit", "licence", "position"]
BASELINE = gettext_lazy("As it was before its first recorded change (an import or older edit)")


def register():
    """Called once by the app's ready(): a place's version holds its sections, photos (their
    text and file name; not the file) and other names, so that a restore brings all back."""
    for model in (Section, Photo, AlternateName):
        reversion.register(model)
    reversion.register(Place, follow=("sections", "photos", "alternate_names"))


# --- Recording --------------------------------------------------------------------------


@contextmanager
def recorded(user, comment, places=()):
    """Record what the block saves as one revision by `user` with `comment` (a str, or the
    admin's change message list). See the module's docstring."""
    record_baselines(places)
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield


def moved_on(place_ids):
    """Move the places' edit_version on and record their state now in the current revision."""
    Place.objects.filter(pk__in=place_ids).update(edit_version=F("edit_version") + 1)
    for place in Place.objects.filter(pk__in=place_ids):
        reversion.add_to_revision(place)


def place_action(action):
    """An admin action that changes the places it is given, recorded as one revision named
    after the action (its description) and moving each place's edit_version on."""

    @wraps(action)
    def run(modeladmin, request, queryset):
        place_ids = list(queryset.values_list("pk", flat=True))
        comment = str(getattr(run, "short_description", action.__name__))
        with recorded(request.user, comment, place_ids):
            # Locked first: a form saved meanwhile waits, then finds itself out of date.
            list(Place.objects.select_for_update().filter(pk__in=place_ids).values("pk"))
            result = action(modeladmin, request, queryset)
            moved_on(place_ids)
        return result

    return run


def record_baselines(place_ids):
    """A first version, dated when each place was last saved, for the places that have none.
    Outside any revision: inside one, reversion would merge it into that revision."""
    if reversion.is_active():
        raise RuntimeError("Record baselines before the revision of the change starts.")
    ids = [str(pk) for pk in place_ids]
    if not ids:
        return
    have = set(
        Version.objects.get_for_model(Place)
        .filter(object_id__in=ids)
        .values_list("object_id", flat=True)
    )
    missing = [pk for pk in ids if pk not in have]
    places = list(Place.objects.filter(pk__in=missing))
    if not places:
        return
    with reversion.create_revision():
        reversion.set_comment(str(BASELINE))
        reversion.set_date_created(max(place.updated for place in places))
        for place in places:
            reversion.add_to_revision(place)


def record_import(source, created, updated):
    """One revision naming an import run; its places get their versions at their first edit
    (record_baselines), which keeps imports at their speed."""
    comment = _("Imported %(source)s: %(created)s places added, %(updated)s updated") % {
        "source": source,
        "created": f"{created:,}",
        "updated": f"{updated:,}",
    }
    Revision.objects.create(date_created=timezone.now(), comment=comment)


# --- Reading ----------------------------------------------------------------------------


@dataclass
class Entry:
    """One version of a place: `texts` is {label: text} of what it shows, `changes` the
    [(label, SafeString word diff)] against the version before (all of it for the first)."""

    version: Version
    texts: dict[str, str]
    changes: list[tuple[str, SafeString]] = field(default_factory=list)
    first: bool = False  # the place's first version: its changes are all it held

    @property
    def revision(self):
        return self.version.revision

    @property
    def edit_version(self):
        return self.version.field_dict.get("edit_version", 0)


def history_of(place, limit=None):
    """The place's newest `limit` (HISTORY_LENGTH) versions, newest first, each with its
    changes: three queries (the place's versions, their revisions' other versions, the towns
    named)."""
    limit = limit or HISTORY_LENGTH
    versions = list(
        Version.objects.get_for_object(place)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")[: limit + 1]
    )
    children = _children_of(place, [version.revision_id for version in versions])
    towns = dict(
        Place.objects.filter(
            pk__in={v.field_dict.get("town_id") for v in versions} - {None}
        ).values_list("pk", "name")
    )
    entries = [
        Entry(version, _texts(version, children.get(version.revision_id, []), towns))
        for version in versions
    ]
    for newer, older in zip(entries, [*entries[1:], None], strict=True):
        before = older.texts if older else {}
        newer.first = older is None
        newer.changes = [
            # diff.word_diff escapes each piece of both texts.
            (label, mark_safe(html))
            for label, html in diff.changes(before, newer.texts)
        ]
    return entries[:limit]


def _children_of(place, revision_ids):
    """{revision id: [Version]} of the place's sections, photos and other names."""
    types = list(ContentType.objects.get_for_models(Section, Photo, AlternateName).values())
    found = {}
    rows = Version.objects.filter(revision_id__in=revision_ids, content_type__in=types)
    for version in rows.order_by("pk"):
        if version.field_dict.get("place_id") == place.pk:
            found.setdefault(version.revision_id, []).append(version)
    return found


def _texts(version, children, towns):
    values = version.field_dict
    texts = {}
    for name in PLACE_FIELDS:
        model_field = Place._meta.get_field(name)
        value = values.get(model_field.attname)
        if name == "town":
            value = towns.get(value, "")
        elif model_field.choices:
            value = dict(model_field.flatchoices).get(value, value)
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        texts[capfirst(model_field.verbose_name)] = "" if value is None else str(value)
    sections = sorted(
        (child.field_dict for child in children if child._model is Section),
        key=lambda fields: fields["kind"],
    )
    for fields in sections:
        kind = Section.Kind(fields["kind"]).label if fields["kind"] in Section.Kind else ""
        texts[_("Section “%(kind)s”") % {"kind": kind}] = fields["body"]
    for child in children:
        if child._model is Photo:
            fields = child.field_dict
            for name in PHOTO_FIELDS:
                label = _("Photo %(id)s: %(field)s") % {
                    "id": child.object_id,
                    "field": Photo._meta.get_field(name).verbose_name,
                }
                texts[label] = str(fields[name])
    names = sorted(c.field_dict["name"] for c in children if c._model is AlternateName)
    if names:
        texts[_("Other names")] = "; ".join(names)
    return texts


def version_of(place, version_id):
    """The place's version with this id, or None."""
    return Version.objects.get_for_object(place).filter(pk=version_id).first()


def stale_form_message(place, opened):
    """Why a form opened at edit_version `opened` is refused: who changed what since."""
    since = [entry for entry in history_of(place, limit=20) if entry.edit_version > opened]
    changes = []
    for entry in reversed(since):
        revision = entry.revision
        if entry.first:  # a baseline: what changed it before is not recorded
            changes.append(_("it was changed by an import or another program"))
            continue
        who = revision.user.get_username() if revision.user else _("an import or a program")
        what = ", ".join(label for label, _html in entry.changes) or _("nothing visible")
        when = date_format(timezone.localtime(revision.date_created), "DATETIME_FORMAT")
        changes.append(
            _("%(who)s on %(when)s changed: %(what)s") % {"who": who, "when": when, "what": what}
        )
    if not changes:
        changes.append(_("it was changed by an import or another program"))
    return " ".join(
        [
            _("Not saved: since you opened this form, %(changes)s.")
            % {"changes": "; ".join(changes)},
            _(
                "Your input is kept below, and the form now counts from the newest version: "
                "compare it with the place's page or history (in another tab), keep what you "
                "want of both, and save again."
            ),
        ]
    )


# --- Restoring --------------------------------------------------------------------------


class RestoreRefused(Exception):
    """A version that cannot be restored as things are now; the message says why."""


def restore(place, version, user):
    """Make the place, its sections, photos' text and other names what they were in
    `version`, as a new revision: those added since are deleted. Each photo that still
    exists keeps the file it has now (files are not versioned); one deleted since comes back
    without its file. Returns the restored photos whose file is missing."""
    with transaction.atomic():
        current = Place.objects.select_for_update().get(pk=place.pk)
        restored = _deserialized(
            [version, *_children_of(place, [version.revision_id]).get(version.revision_id, [])]
        )
        old = restored[0].object
        clash = Place.objects.exclude(pk=place.pk).filter(slug=old.slug).first()
        if clash:
            raise RestoreRefused(
                _("The address “%(slug)s” of that version is now used by “%(place)s”.")
                % {"slug": old.slug, "place": clash}
            )
        when = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
        comment = _("Restored the version of %(when)s") % {"when": when}
        with recorded(user, comment, [place.pk]):
            files = {pk: (image, width, height) for pk, image, width, height in
                     current.photos.values_list("pk", "image", "width", "height")}  # fmt: skip
            kept = {model: {o.object.pk for o in restored if type(o.object) is model}
                    for model in (Section, Photo, AlternateName)}  # fmt: skip
            # As Revision.revert(delete=True): what was added since goes (a photo's files once
            # this commits, by its post_delete signal).
            current.sections.exclude(pk__in=kept[Section]).delete()
            current.photos.exclude(pk__in=kept[Photo]).delete()
            current.alternate_names.exclude(pk__in=kept[AlternateName]).delete()
            for item in restored:
                if isinstance(item.object, Photo) and item.object.pk in files:
                    item.object.image, item.object.width, item.object.height = files[item.object.pk]
            try:
                with transaction.atomic():
                    for item in restored:
                        item.save()  # reversion's revert: save_base(raw=True), no save()
            except IntegrityError:
                raise RestoreRefused(
                    _("That version clashes with another place's data as it is now.")
                ) from None
            # What Place.save and Section.save keep true, which a raw save skips: the grid
            # cell, search keys, slug redirects, rendered text; their signals move the cache.
            place = Place.objects.get(pk=place.pk)
            if place.town_id and not Place.objects.filter(pk=place.town_id).exists():
                place.town = None  # deleted since
            # The text comes back, not the review's state: a restore neither publishes nor
            # unpublishes (places/workflow.py decides who may).
            for name in ("status", "created_by", "submitted_by", "submitted_at", "review_note"):
                setattr(place, name, getattr(current, name))
            place.edit_version = current.edit_version + 1
            place.save()
            if current.slug != place.slug:
                SlugRedirect.objects.update_or_create(
                    old_slug=current.slug, defaults={"place": place}
                )
            for section in place.sections.all():
                section.save()
            return [photo for photo in place.photos.all() if photo.shown is None]


def _deserialized(versions):
    """Django's DeserializedObject of each version (what reversion's revert saves)."""
    return [
        next(serializers.deserialize(v.format, v.serialized_data, ignorenonexistent=True))
        for v in versions
    ]
