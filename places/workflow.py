"""The review of places: who may move a place between draft, review and published, what a
move changes, and whom it tells by email.

The admin calls these functions (the change form's buttons and the list's actions), so that a
move is checked, saved through Place.save and announced the same way wherever it starts.
"""

from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places.models import Place

Status = Place.Status
CHANGE = "places.change_place"
PUBLISH = "places.publish_place"


@dataclass(frozen=True)
class Move:
    label: str
    sources: frozenset
    target: str
    permission: str
    needs_note: bool = False


# By the name of the change form's button ("_publish") and of the list's actions.
MOVES = {
    "submit": Move(
        gettext_lazy("Submit for review"), frozenset({Status.DRAFT}), Status.REVIEW, CHANGE
    ),
    # An editor may publish a draft of their own without a review by another.
    "publish": Move(
        gettext_lazy("Publish"), frozenset({Status.DRAFT, Status.REVIEW}), Status.PUBLISHED, PUBLISH
    ),
    "reject": Move(
        gettext_lazy("Reject"), frozenset({Status.REVIEW}), Status.DRAFT, PUBLISH, needs_note=True
    ),
    "unpublish": Move(
        gettext_lazy("Unpublish"), frozenset({Status.PUBLISHED}), Status.DRAFT, PUBLISH
    ),
}
BUTTON_PREFIX = "_"
NOTE_FIELD = "_review_note"
NOTE_LENGTH = 2000


class Refused(Exception):
    """A move that this user may not make, or not now; the message says why."""


def requested(data):
    """The move a posted change form asks for (the name of the button pressed), or None."""
    return next((name for name in MOVES if BUTTON_PREFIX + name in data), None)


def target_status(place, data):
    """The status the place will have once the posted form is saved."""
    name = requested(data)
    return MOVES[name].target if name else place.status


def available(user, place):
    """[(name, Move)]: the moves this user may make on this place as it stands, for buttons."""
    return [
        (name, move)
        for name, move in MOVES.items()
        if place.status in move.sources and user.has_perm(move.permission)
    ]


def check(user, place, name, note="", *, photos=True):
    """Raise Refused unless `user` may make the move `name` on `place` now. With `photos`, a
    place is published only when each of its stored photos has alt text (the admin's form
    checks the photos it is saving instead)."""
    move = MOVES.get(name)
    if move is None:
        raise Refused(_("Unknown action."))
    if not user.has_perm(move.permission):
        raise Refused(_("Only editors may publish, unpublish or reject places."))
    if place.status not in move.sources:
        values = {"name": place.name, "status": place.get_status_display(), "action": move.label}
        raise Refused(_("“%(action)s” does not apply to “%(name)s” (%(status)s).") % values)
    if move.needs_note and not note.strip():
        raise Refused(_("Say why the place is rejected: the contributor sees the reason."))
    if len(note) > NOTE_LENGTH:
        raise Refused(
            _("The reason is too long: at most %(limit)s characters.") % {"limit": NOTE_LENGTH}
        )
    if photos and move.target == Status.PUBLISHED and place.pk:
        if any(not photo.alt_text.strip() for photo in place.photos.all()):
            raise Refused(
                _("“%(name)s” has photos without alt text: describe them before publishing.")
                % {"name": place.name}
            )
    return move


def apply(user, place, name, note=""):
    """Set what the move changes on the place (not saved)."""
    move = MOVES[name]
    place.status = move.target
    if name == "submit":
        place.submitted_by, place.submitted_at = user, timezone.now()
    # The reason stays on the draft until the contributor submits it again.
    place.review_note = note.strip() if name == "reject" else ""


def perform(user, place, name, note="", *, site="", photos=True):
    """Check, apply and save the move (through Place.save: search keys, page versions), and
    tell the contributor by email once the transaction commits."""
    check(user, place, name, note, photos=photos)
    apply(user, place, name, note)
    place.save()
    announce(user, place, name, site)


def perform_many(user, places, name, note="", *, site=""):
    """The move on each place of a queryset, each read again and locked as it is moved.
    Returns (moved places, refusal messages)."""
    moved, refusals = [], []
    for pk in places.values_list("pk", flat=True):
        with transaction.atomic():
            place = Place.objects.select_for_update().filter(pk=pk).first()
            if place is None:
                continue
            try:
                perform(user, place, name, note, site=site)
            except Refused as refusal:
                refusals.append(str(refusal))
            else:
                moved.append(place)
    return moved, refusals


def recipient(place):
    """Whom a decision on the place is told to: who submitted it, else who created it."""
    return place.submitted_by or place.created_by


def announce(user, place, name, site=""):
    """Email the contributor an editor's decision (publish or reject) once it commits; not the
    editor deciding on their own place, nor an account without an address."""
    if name not in ("publish", "reject"):
        return
    to = recipient(place)
    if to is None or not to.email or to.pk == user.pk:
        return
    values = {
        "name": place.name,
        "editor": user.get_full_name() or user.get_username(),
        "page": site + place.get_absolute_url(),
        "form": site + reverse("admin:places_place_change", args=[place.pk]),
        "note": place.review_note,
    }
    # Written now, in the editor's language, and sent only if the move is committed.
    if name == "publish":
        subject = _("Published: %(name)s") % values
        body = _("%(editor)s published “%(name)s”. It is on the site now:\n%(page)s\n") % values
    else:
        subject = _("Returned for changes: %(name)s") % values
        body = (
            _(
                "%(editor)s sent “%(name)s” back to its draft, saying:\n\n%(note)s\n\n"
                "Change it and submit it for review again:\n%(form)s\n"
            )
            % values
        )
    # A name holds what was posted or imported, line breaks too; a header cannot.
    subject = " ".join(subject.split())
    address = to.email
    # robust: the move is committed by then; a mail server's failure must not undo it.
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [address], fail_silently=False), robust=True
    )
