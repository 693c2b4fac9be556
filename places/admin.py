"""Editing places in the Django admin: sections and photos inline on the place form."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html, json_script
from django.utils.translation import gettext_lazy as _

from places import maps
from places.markup import normalize_text
from places.models import AlternateName, Photo, Place, Section


class StoredTextField(forms.CharField):
    """A text area's value as Section.save stores it, so that a section sent back unchanged
    (browsers send "\r\n" line ends) is an unchanged form: not saved, not logged."""

    def to_python(self, value):
        return normalize_text(super().to_python(value))


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["kind", "body"]
    formfield_overrides = {models.TextField: {"form_class": StoredTextField}}


class PhotoInline(admin.StackedInline):
    model = Photo
    extra = 0
    fields = ["image", "alt_text", "caption", "credit", "position"]


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
        ("Where", {"fields": ["town", "country", "latitude", "longitude", "map_picker"]}),
        ("Source", {"fields": ["external_id"], "classes": ["collapse"]}),
    ]
    form = PlaceForm
    readonly_fields = ["map_picker"]
    view_on_site = True

    @admin.display(description=_("Map"))
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
