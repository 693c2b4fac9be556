"""Editing places in the Django admin: the place form (its map picker, the review's buttons, the
edit counter that refuses a stale save), its history and restore, the review queue and "My
places". The inlines are in places/admin_inlines.py."""

import json

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, json_script
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from places import cache, history, maps, section_editor, workflow
from places.admin_inlines import AlternateNameInline, PhotoInline, SectionInline
from places.models import MyPlace, Place, ReviewQueue


class PlaceForm(forms.ModelForm):
    request = None  # set by PlaceAdmin.get_form: who presses a review button
    # The place's edit_version when the form was opened (places/history.py): a save opened
    # before someone else's is refused, with what they changed, instead of overwriting it.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.edit_version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            opened = cleaned_data.get("opened_version")
            # Locked until the save commits (PostgreSQL; SQLite's transactions here are
            # IMMEDIATE, one writer at a time): no save slips in between check and save.
            current = (
                Place.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("edit_version", flat=True)
                .get()
            )
            if opened != current:
                # Shown again with all that was typed, counting from now: saved again, it wins.
                self.data = self.data.copy()
                self.data[self.add_prefix("opened_version")] = str(current)
                message = history.stale_form_message(self.instance, opened or 0)
                raise ValidationError(message, code="stale")
        # A review button ("Publish"...) is checked with the form, so that a refusal is shown
        # on it with everything typed kept; PlaceAdmin.save_model makes the move.
        name = workflow.requested(self.data)
        if name:
            note = self.data.get(workflow.NOTE_FIELD, "")
            try:
                workflow.check(self.request.user, self.instance, name, note, photos=False)
            except workflow.Refused as refusal:
                raise ValidationError(str(refusal), code="review") from None
        return cleaned_data

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
                    "opened_version",
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
    actions = [
        "publish_selected",
        "unpublish_selected",
        "reject_selected",
        "show_on_home_page",
        "remove_from_home_page",
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        place = obj or Place()
        context["review_moves"] = workflow.available(request.user, place)
        context["review_note_field"] = workflow.NOTE_FIELD
        context["review_note_limit"] = workflow.NOTE_LENGTH
        return super().render_change_form(request, context, add, change, form_url, obj)

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
        place_ids = list(queryset.values_list("pk", flat=True))
        with history.recorded(request.user, "", place_ids):
            moved, refusals = workflow.perform_many(
                request.user, queryset, name, note, site=_site(request)
            )
            names = ", ".join(place.name for place in moved)
            reversion.set_comment(str(MOVED[name] % {"name": names}))
            history.moved_on([place.pk for place in moved])
        if moved:
            self.message_user(request, MOVED[name] % {"name": names})
        for refusal in refusals:
            self.message_user(request, refusal, level="error")

    # --- History (places/history.py) ---------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        places = [int(object_id)] if object_id and object_id.isdigit() else []
        # The comment is the admin's change message, set by log_change once it is known.
        with history.recorded(request.user, "", places):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            # Checked and locked by PlaceForm.clean: this save is based on the latest state.
            obj.edit_version = form.cleaned_data["opened_version"] + 1
        else:
            obj.created_by = request.user
        name = workflow.requested(request.POST)
        if name is None:
            return super().save_model(request, obj, form, change)
        # Checked with the form (PlaceForm.clean); its photos by the formset.
        note = request.POST.get(workflow.NOTE_FIELD, "")
        workflow.perform(request.user, obj, name, note, site=_site(request), photos=False)
        self.message_user(request, MOVED[name] % {"name": obj.name})

    def log_addition(self, request, obj, message):
        if reversion.is_active():
            reversion.set_comment(_comment(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if reversion.is_active():
            move = workflow.requested(request.POST)
            comment = MOVED[move] % {"name": obj.name} if move else None
            reversion.set_comment(comment or _comment(message) or _("Saved without changes"))
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Place.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        # A deleted place's last version stays, recorded before it goes (reversion keeps
        # versions only of what exists when the revision is saved).
        with transaction.atomic():
            places = list(queryset)
            with history.recorded(request.user, _("Deleted"), [place.pk for place in places]):
                for place in places:
                    reversion.add_to_revision(place)
            queryset.delete()

    @admin.action(description=gettext_lazy("Show on the home page"))
    @history.place_action
    def show_on_home_page(self, request, queryset):
        queryset.update(featured=True)
        cache.changed({cache.LISTINGS})  # the home page's featured places

    @admin.action(description=gettext_lazy("Remove from the home page"))
    @history.place_action
    def remove_from_home_page(self, request, queryset):
        queryset.update(featured=False)
        cache.changed({cache.LISTINGS})  # the home page's featured places

    def history_view(self, request, object_id, extra_context=None):
        place = self.get_object(request, unquote(object_id))
        if place is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, place):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of %(place)s") % {"place": place},
            "subtitle": None,
            "entries": history.history_of(place),
            "limit": history.HISTORY_LENGTH,
            "may_restore": self.has_change_permission(request, place),
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": place,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/places/place/object_history.html", context)

    def get_urls(self):
        preview = self.admin_site.admin_view(section_editor.section_preview)
        restore = path(
            "<path:object_id>/history/<int:version_id>/restore/",
            self.admin_site.admin_view(self.restore_view),
            name="places_place_restore",
        )
        # Before the admin's own, whose "<object_id>/" would take the preview's path.
        preview = path("section-preview/", preview, name=section_editor.PREVIEW_URL_NAME)
        return [preview, restore, *super().get_urls()]

    def restore_view(self, request, object_id, version_id):
        """Restore a version of the place in one step: a POST from its history page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        place = self.get_object(request, unquote(object_id))
        if place is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, place):
            raise PermissionDenied
        version = history.version_of(place, version_id)
        if version is None:
            raise Http404(_("This place has no such version."))
        history_url = reverse("admin:places_place_history", args=[place.pk])
        try:
            missing = history.restore(place, version, request.user)
        except history.RestoreRefused as refusal:
            self.message_user(request, _("Not restored: %s") % refusal, messages.ERROR)
            return redirect(history_url)
        self.message_user(request, _("The version of %(when)s is restored.") % {
            "when": date_format(localtime(version.revision.date_created), "DATETIME_FORMAT")
        }, messages.SUCCESS)  # fmt: skip
        if missing:
            self.message_user(
                request,
                ngettext(
                    "%(count)s restored photo has no image file any more (it was deleted "
                    "with the photo): upload it again or delete the photo.",
                    "%(count)s restored photos have no image file any more (they were deleted "
                    "with the photos): upload them again or delete those photos.",
                    len(missing),
                )
                % {"count": len(missing)},
                messages.WARNING,
            )
        return redirect(history_url)

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


def _comment(message):
    """A revision's comment from the admin's change message: stored as the admin's log stores
    it (JSON), so that Revision.get_comment() shows it in the reader's language."""
    return json.dumps(message) if isinstance(message, list) and message else message or ""


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
