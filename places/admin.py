"""Editing places in the Django admin: sections, photos and other names inline on the place
form."""

from django import forms
from django.contrib import admin
from django.db import models

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
        ("Where", {"fields": ["town", "country", "latitude", "longitude", "population"]}),
        ("Source", {"fields": ["external_id"], "classes": ["collapse"]}),
    ]
    view_on_site = True
