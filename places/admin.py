"""Editing places in the Django admin: sections, photos and other names inline on the place
form."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places import images, maps, section_editor
from places.markup import normalize_text
from places.models import AlternateName, Photo, Place, Section
from places.photo_files import PreparedUpload


class StoredTextField(forms.CharField):
    """A text area's value as Section.save stores it, so that a section sent back unchanged
    (browsers send "\r\n" line ends) is an unchanged form: not saved, not logged."""

    def to_python(self, value):
        return normalize_text(super().to_python(value))


class SectionInline(admin.StackedInline):
    model = Section
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


class PhotoFormSet(forms.BaseInlineFormSet):
    """A draft's photos may wait for their alt text; a published place's may not."""

    def clean(self):
        super().clean()
        if self.instance.status != Place.Status.PUBLISHED:
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
    extra = 0
    verbose_name = "other name"
    verbose_name_plural = "Other names (other scripts, languages, former names)"


class PlaceForm(forms.ModelForm):
    class Media:
        # The map picker (map_picker below, static/js/map.js), on the form's pages only; the
        # plain fields work without it.
        css = {"all": ["vendor/leaflet/leaflet.css", "css/map.css"]}
        js = ["vendor/leaflet/leaflet.js", "js/map.js"]


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "kind", "town", "country", "status", "updated"]
    list_filter = ["status", "kind", "category", "country"]
    list_select_related = ["town"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["town"]
    inlines = [SectionInline, PhotoInline, AlternateNameInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "short_name",
                    "slug",
                    "kind",
                    "category",
                    "subtitle",
                    "status",
                    "featured",
                ]
            },
        ),
        (
            "Where",
            {"fields": ["town", "country", "latitude", "longitude", "map_picker", "population"]},
        ),
        ("Source", {"fields": ["external_id"], "classes": ["collapse"]}),
    ]
    form = PlaceForm
    readonly_fields = ["map_picker"]
    view_on_site = True

    def get_urls(self):
        preview = self.admin_site.admin_view(section_editor.section_preview)
        name = section_editor.PREVIEW_URL_NAME
        # Before the admin's own, whose "<object_id>/" would take this path.
        return [path("section-preview/", preview, name=name), *super().get_urls()]

    @admin.display(description=gettext_lazy("Map"))
    def map_picker(self, place):
        data = maps.picker("id_latitude", "id_longitude")
        return format_html(
            '<div class="map-picker-field"><div class="map-picker" role="region" aria-label="{}"'
            ' data-map-picker="{}"><p class="map-fallback">{}</p></div>{}'
            '<p class="map-picker-help">{}</p></div>',
            _("Map"),
            "map-picker-data",
            _("The map needs JavaScript; type the coordinates above."),
            json_script(data, "map-picker-data"),
            _(
                "Click the map or drag its marker to set the latitude and longitude; typing "
                "them moves the marker; pasting “49.679, 72.6855” into either field fills both."
            ),
        )
