"""The place form's inlines in the admin: sections (with their preview), photos (uploads
checked by their content and re-encoded) and other names; rows someone else deleted since the
form was opened come back as new rows rather than be lost."""

import re

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places import images, section_editor, workflow
from places.markup import normalize_text
from places.models import AlternateName, Photo, Place, Section
from places.photo_files import PreparedUpload


class StoredTextField(forms.CharField):
    """A text area's value as Section.save stores it, so that a section sent back unchanged
    (browsers send "\r\n" line ends) is an unchanged form: not saved, not logged."""

    def to_python(self, value):
        return normalize_text(super().to_python(value))


class KeptRowsFormSet(forms.BaseInlineFormSet):
    """An inline whose rows someone else deleted since the form was opened: each such row
    comes back as a new row with what was typed in it (as posted, its id would be refused
    as "not one of the available choices" on a field no one sees). Its first save is refused
    anyway, as the place's edit_version moved on; the one after, made knowing it, adds it."""

    def __init__(self, data=None, files=None, instance=None, *args, prefix=None, **kwargs):
        if data is not None and instance is not None and instance.pk:
            prefix = prefix or self.get_default_prefix()
            data, files = (
                _deleted_rows_as_new(posted, prefix, self.model, self.fk, instance)
                for posted in (data, files)
            )
        super().__init__(data, files, instance, *args, prefix=prefix, **kwargs)


def _deleted_rows_as_new(posted, prefix, model, fk, instance):
    """The posted rows of a formset, the initial ones no longer in the database moved to
    the end as new rows (posted is request.POST or request.FILES)."""
    if posted is None:
        return None
    try:
        initial = int(posted.get(f"{prefix}-INITIAL_FORMS", 0))
        total = int(posted.get(f"{prefix}-TOTAL_FORMS", 0))
    except ValueError:
        return posted  # the formset refuses its management form itself
    pk = model._meta.pk.name
    ids = {i: posted.get(f"{prefix}-{i}-{pk}", "") for i in range(min(initial, total))}
    numbers = [value for value in ids.values() if value.isdigit()]
    rows = model._default_manager.filter(**{fk.name: instance}, pk__in=numbers)
    existing = {str(number) for number in rows.values_list("pk", flat=True)}
    gone = [i for i, value in ids.items() if value and value not in existing]
    if not gone or posted.get(f"{prefix}-INITIAL_FORMS") is None:
        return posted
    order = [i for i in range(initial) if i not in gone] + gone + list(range(initial, total))
    row_key = re.compile(rf"^{re.escape(prefix)}-(\d+)-(.+)$")
    moved = posted.copy()
    for key in list(moved):
        if row_key.match(key):
            del moved[key]
    for key in posted:
        match = row_key.match(key)
        if match and int(match[1]) in order:
            number = order.index(int(match[1]))
            moved.setlist(f"{prefix}-{number}-{match[2]}", posted.getlist(key))
    for number in range(initial - len(gone), initial):
        moved[f"{prefix}-{number}-{pk}"] = ""
    moved[f"{prefix}-INITIAL_FORMS"] = str(initial - len(gone))
    return moved


class SectionInline(admin.StackedInline):
    model = Section
    formset = KeptRowsFormSet
    extra = 0
    fields = ["kind", "body"]
    formfield_overrides = {
        models.TextField: {
            "form_class": StoredTextField,
            "widget": section_editor.SectionBodyWidget,
        }
    }


ACCEPTED = gettext_lazy("Upload a JPEG, PNG or WebP image.")


class PhotoUploadField(forms.FileField):
    """An uploaded photo, checked by its content and re-encoded (places.images): the model
    stores what this returns, a PreparedUpload. The file's name plays no part."""

    def __init__(self, *args, max_length=None, **kwargs):
        kwargs["help_text"] = ACCEPTED
        super().__init__(*args, **kwargs)  # no max_length: the name we store is our own

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        limit = settings.PLACES_PHOTO_MAX_BYTES
        if upload.size > limit:
            message = _("This file is %(size)s, more than the %(limit)s accepted.")
            sizes = {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            raise forms.ValidationError(f"{message % sizes} {ACCEPTED}", code="too_large")
        upload.seek(0)
        try:
            prepared = images.prepare(upload.read(), settings.PLACES_PHOTO_MAX_PIXELS)
        except images.Refused as refusal:
            raise forms.ValidationError(refusal_message(refusal), code=refusal.reason) from None
        return PreparedUpload(prepared)


def refusal_message(refusal):
    if refusal.reason == "format":
        return _(
            "Upload a JPEG, PNG or WebP image. This file is not one: other formats "
            "(SVG, PDF, TIFF, PSD, GIF, HTML, text…) are not accepted, whatever their name."
        )
    if refusal.reason == "pixels":
        limit = settings.PLACES_PHOTO_MAX_PIXELS / 1_000_000
        if refusal.width:
            message = _(
                "This image is %(width)s × %(height)s pixels, more than the %(limit)s "
                "megapixels accepted."
            )
            values = {"width": refusal.width, "height": refusal.height, "limit": f"{limit:g}"}
            return f"{message % values} {ACCEPTED}"
        message = _("This image has more than the %(limit)s megapixels accepted.")
        return f"{message % {'limit': f'{limit:g}'}} {ACCEPTED}"
    message = _("This file could not be read as an image: it may be damaged or cut short.")
    return f"{message} {ACCEPTED}"


ALT_TEXT_HELP = gettext_lazy(
    "What the photo shows, for people who cannot see it. Required before the place is published."
)
ALT_TEXT_MISSING = gettext_lazy(
    "Describe what this photo shows: a published place's photos need alt text."
)
PUBLISHED_WITHOUT_ALT_TEXT = gettext_lazy(
    "A place is published only when each of its photos has alt text, for people who cannot "
    "see them. Describe the photos marked below, or keep the place as a draft."
)


class PhotoFormSet(KeptRowsFormSet):
    """A draft's photos may wait for their alt text; a published place's may not."""

    def clean(self):
        super().clean()
        # The status once saved: the form's "Publish" button publishes it.
        if workflow.target_status(self.instance, self.data) != Place.Status.PUBLISHED:
            return
        missing = [
            form
            for form in self.forms
            if form.cleaned_data  # not an empty extra form, nor one refused already
            and not self._should_delete_form(form)
            and not form.cleaned_data.get("alt_text", "").strip()
        ]
        for form in missing:
            form.add_error("alt_text", ALT_TEXT_MISSING)
        if missing:
            raise ValidationError(PUBLISHED_WITHOUT_ALT_TEXT, code="alt_text_missing")


class PhotoInline(admin.StackedInline):
    model = Photo
    formset = PhotoFormSet
    extra = 0
    fields = ["thumbnail", "image", "alt_text", "caption", "credit", "licence", "position"]
    readonly_fields = ["thumbnail"]
    formfield_overrides = {models.ImageField: {"form_class": PhotoUploadField}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "alt_text":  # PhotoFormSet requires it of a published place
            field.required, field.help_text = False, ALT_TEXT_HELP
        return field

    @admin.display(description=gettext_lazy("Photo"))
    def thumbnail(self, photo):
        shown = photo.shown if photo.pk else None
        if shown is None:
            return "—"
        height = images.variant_height(photo.width, photo.height, 160) if photo.width else ""
        return format_html('<img src="{}" alt="" width="160" height="{}">', shown.small, height)


class AlternateNameInline(admin.TabularInline):
    model = AlternateName
    formset = KeptRowsFormSet
    extra = 0
    verbose_name = "other name"
    verbose_name_plural = "Other names (other scripts, languages, former names)"
