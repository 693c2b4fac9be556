"""Running management commands as a user would, and what an import leaves in the database."""

import io

from django.core.management import call_command

from places.models import AlternateName, Photo, Place, Section, SlugRedirect


def run(*args):
    """The command's standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def database_state():
    """Everything an import writes, to show that a refused one wrote nothing."""
    return (
        list(Place.objects.order_by("pk").values()),
        list(Section.objects.order_by("pk").values_list("place_id", "kind", "body")),
        list(AlternateName.objects.order_by("pk").values_list("place_id", "name")),
        list(Photo.objects.order_by("pk").values_list("place_id", "image", "alt_text")),
        list(SlugRedirect.objects.order_by("pk").values_list("old_slug", "place_id")),
    )
