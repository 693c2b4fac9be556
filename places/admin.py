"""Editing places in the Django admin: sections, photos and other names inline on the place
form."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places import images, maps, section_editor, workflow
from places.markup import normalize_text
from places.models import AlternateName, MyPlace, Photo, Place, ReviewQueue, Section
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
    extra = 0
    verbose_name = "other name"
    verbose_name_plural = "Other names (other scripts, languages, former names)"


class PlaceForm(forms.ModelForm):
    request = None  # set by PlaceAdmin.get_form: who presses a review button

    def clean(self):
        # A review button ("Publish"...) is checked with the form, so that a refusal is shown
        # on it with everything typed kept; PlaceAdmin.save_model makes the move.
        cleaned = super().clean()
        name = workflow.requested(self.data)
        if name:
            note = self.data.get(workflow.NOTE_FIELD, "")
            try:
                workflow.check(self.request.user, self.instance, name, note, photos=False)
            except workflow.Refused as refusal:
                raise ValidationError(str(refusal), code="review") from None
        return cleaned

    class Media:
        # The map picker (map_picker below, static/js/map.js), on the form's pages only; the
        # plain fields work without it.
        css = {"all": ["vendor/leaflet/leaflet.css", "css/map.css"]}
        js = ["vendor/leaflet/leaflet.js", "js/map.js"]


# What the admin says after a move, by its name in places.workflow.MOVES.
MOVED = {
    "submit": gettext_lazy("“%(name)s” is submitted for review."),
    "publish": gettext_lazy("Published: %(name)s."),
    "reject": gettext_lazy("Sent back to the draft: %(name)s."),
    "unpublish": gettext_lazy("Unpublished: %(name)s."),
}


def _site(request):
    """The site's address for links in emails: https://host, without a slash."""
    return request.build_absolute_uri("/").rstrip("/")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=workflow.NOTE_LENGTH,
        help_text=gettext_lazy("The contributor sees it on the place's form and in an email."),
    )


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
    # The status moves only by the review's buttons and actions (places/workflow.py).
    readonly_fields = ["status", "map_picker"]
    view_on_site = True
    actions = ["publish_selected", "unpublish_selected", "reject_selected"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        place = obj or Place()
        context["review_moves"] = workflow.available(request.user, place)
        context["review_note_field"] = workflow.NOTE_FIELD
        context["review_note_limit"] = workflow.NOTE_LENGTH
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        name = workflow.requested(request.POST)
        if name is None:
            return super().save_model(request, obj, form, change)
        # Checked with the form (PlaceForm.clean); its photos by the formset.
        note = request.POST.get(workflow.NOTE_FIELD, "")
        workflow.perform(request.user, obj, name, note, site=_site(request), photos=False)
        self.message_user(request, MOVED[name] % {"name": obj.name})

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.PUBLISH)

    @admin.action(permissions=["publish"], description=gettext_lazy("Publish selected places"))
    def publish_selected(self, request, queryset):
        self._move_selected(request, queryset, "publish")

    @admin.action(permissions=["publish"], description=gettext_lazy("Unpublish selected places"))
    def unpublish_selected(self, request, queryset):
        self._move_selected(request, queryset, "unpublish")

    @admin.action(
        permissions=["publish"], description=gettext_lazy("Reject selected places (with a reason)")
    )
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            return self._move_selected(request, queryset, "reject", form.cleaned_data["reason"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reject places"),
            "places": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/places/place/reject_selected.html", context)

    def _move_selected(self, request, queryset, name, note=""):
        moved, refusals = workflow.perform_many(
            request.user, queryset, name, note, site=_site(request)
        )
        if moved:
            names = ", ".join(place.name for place in moved)
            self.message_user(request, MOVED[name] % {"name": names})
        for refusal in refusals:
            self.message_user(request, refusal, level="error")

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


class PlaceListAdmin(admin.ModelAdmin):
    """A read-only list of places whose names lead to the place's own form."""

    list_display_links = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Name", ordering="name")
    def place(self, place):
        url = reverse("admin:places_place_change", args=[place.pk])
        return format_html('<a href="{}">{}</a>', url, place.name)


@admin.register(ReviewQueue)
class ReviewQueueAdmin(PlaceListAdmin):
    """Editors' queue: the places in review, oldest submission first (places_place_review_idx);
    the admin index shows how many (places.admin_site)."""

    list_display = ["place", "category", "town", "submitted_by", "submitted_at"]
    list_select_related = ["town", "submitted_by"]
    ordering = ["submitted_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Place.Status.REVIEW)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(workflow.PUBLISH)


@admin.register(MyPlace)
class MyPlaceAdmin(PlaceListAdmin):
    """A contributor's places (written or submitted by them), their states, and the reason an
    editor gave for sending one back."""

    list_display = ["place", "status", "review_note", "updated"]
    list_filter = ["status"]
    ordering = ["-updated", "-pk"]

    def get_queryset(self, request):
        mine = Q(created_by=request.user) | Q(submitted_by=request.user)
        return super().get_queryset(request).filter(mine)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("places.view_place")
