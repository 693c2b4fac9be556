"""Places, their text sections and photos, and the old slugs that redirect to them."""

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse

from places import geo
from places.markup import render_markdown
from places.nearby import nearest

LATITUDE_MESSAGE = "Latitude must be between -90 and 90 degrees (north is positive)."
LONGITUDE_MESSAGE = "Longitude must be between -180 and 180 degrees (east is positive)."
# On the model fields, not only the admin's form fields, so that imports refuse it too
# (PostgreSQL cannot store a NUL character in text).
NO_NUL = [ProhibitNullCharactersValidator()]


def stored_coordinates(latitude, longitude) -> tuple[float, float, int]:
    """The coordinates a place stores, rounded, and the grid cell of the rounded point.

    Place.save and the bulk import (places.exchange.plan) both store places through this.
    """
    latitude, longitude = geo.round_degrees(latitude), geo.round_degrees(longitude)
    return latitude, longitude, geo.cell_of(latitude, longitude)


def stored_section(body: str) -> tuple[str, str]:
    """A section's body as stored and its HTML: Section.save and the bulk import both store
    sections through this."""
    return body, render_markdown(body)


class PlaceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Place.Status.PUBLISHED)

    def for_page(self):
        """Everything a place page shows about the place itself, in three queries."""
        return self.select_related("town").prefetch_related(
            Prefetch("sections", queryset=Section.objects.exclude(body_html="")),
            "photos",
        )

    def nearby(self, latitude, longitude, radius_km, limit, exclude_pk=None):
        """The `limit` published places nearest to a point within `radius_km`, nearest first,
        as NearbyPlace objects (with `distance_km`). One query up to 128 km; see places.nearby.
        Drafts are never near anything, whatever the queryset was filtered on."""
        return nearest(self.model, self.db, latitude, longitude, radius_km, limit, exclude_pk)


class Place(models.Model):
    class Kind(models.TextChoices):
        SIGHT = "sight", "Sight"
        AREA = "area", "Town or district"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    name = models.CharField(max_length=200, validators=NO_NUL)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the page address: /places/this-slug/.",
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.SIGHT)
    category = models.CharField(
        max_length=100, validators=NO_NUL, help_text='What the place is, e.g. "Museum".'
    )
    subtitle = models.CharField(
        max_length=200,
        blank=True,
        validators=NO_NUL,
        help_text='Leave empty for "Category in Town, Country", made from the fields below.',
    )
    town = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Kind.AREA},
        help_text="The town or district the place belongs to.",
    )
    country = models.CharField(max_length=100, blank=True, validators=NO_NUL)
    latitude = models.FloatField(
        validators=[
            MinValueValidator(-90, LATITUDE_MESSAGE),
            MaxValueValidator(90, LATITUDE_MESSAGE),
        ],
        help_text="WGS84 degrees, e.g. 49.679.",
    )
    longitude = models.FloatField(
        validators=[
            MinValueValidator(-180, LONGITUDE_MESSAGE),
            MaxValueValidator(180, LONGITUDE_MESSAGE),
        ],
        help_text="WGS84 degrees, e.g. 72.6855.",
    )
    # Derived from the coordinates on save; see geo.cell_of and PlaceQuerySet.nearby.
    cell = models.IntegerField(editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    featured = models.BooleanField(default=False, help_text="Show on the home page.")
    external_id = models.CharField(
        max_length=100,
        blank=True,
        validators=NO_NUL,
        help_text='The id in the source it was imported from, e.g. "geonames:1519327".',
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90),
                name="places_place_latitude_range",
                violation_error_message=LATITUDE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="places_place_longitude_range",
                violation_error_message=LONGITUDE_MESSAGE,
            ),
            # Imports update the place with the same external id instead of adding another.
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="places_place_external_id_unique",
                violation_error_message="Another place was imported with this external id.",
            ),
        ]
        indexes = [
            # places.nearby: equality on status, then one range of cells per latitude row of
            # the search box; the coordinates in the index rank places without the table.
            models.Index(
                fields=["status", "cell", "latitude", "longitude"], name="places_place_cell_idx"
            ),
            # The home page's "recently added" list.
            models.Index(fields=["status", "-created"], name="places_place_recent_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.latitude, self.longitude, self.cell = stored_coordinates(self.latitude, self.longitude)
        if "update_fields" in kwargs and {"latitude", "longitude"} & set(kwargs["update_fields"]):
            kwargs["update_fields"] = {*kwargs["update_fields"], "cell"}
        old_slug = (
            Place.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if self.pk
            else None
        )
        super().save(*args, **kwargs)
        # A slug belongs to one place: the place now holding it no longer redirects from it.
        SlugRedirect.objects.filter(old_slug=self.slug).delete()
        if old_slug and old_slug != self.slug:
            SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"place": self})

    def get_absolute_url(self):
        return reverse("places:detail", args=[self.slug])

    def clean(self):
        # The admin's town field offers only areas (limit_choices_to); an import gives the
        # town as a slug and is checked here, with a town that may be in the same file.
        town = self.town
        if town is None:
            return
        if town is self or (self.pk and town.pk == self.pk):
            raise ValidationError({"town": "A place cannot be its own town."})
        if town.kind != Place.Kind.AREA:
            raise ValidationError({"town": f"{town.slug!r} is not a town or district."})

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def display_subtitle(self):
        if self.subtitle:
            return self.subtitle
        where = ", ".join(part for part in (self.town and self.town.name, self.country) if part)
        return f"{self.category} in {where}" if where else self.category

    @property
    def coordinates(self):
        return geo.format_coordinates(self.latitude, self.longitude)

    @property
    def openstreetmap_url(self):
        lat, lon = self.latitude, self.longitude
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=15/{lat}/{lon}"


class SlugRedirect(models.Model):
    """A slug a place used to have: its old address redirects to the current one."""

    old_slug = models.SlugField(max_length=200, unique=True)
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="old_slugs")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.old_slug} → {self.place.slug}"


class AlternateName(models.Model):
    """Another name of a place: in another script or language, or a former name."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="alternate_names")
    name = models.CharField(max_length=200, validators=NO_NUL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="places_alternatename_unique"),
        ]

    def __str__(self):
        return self.name


class Section(models.Model):
    """One titled part of a place's text; a place has at most one of each kind."""

    class Kind(models.IntegerChoices):
        # The values give the order in which sections appear on the page.
        DESCRIPTION = 1, "Description"
        HISTORY = 2, "History"
        CULTURE = 3, "Culture"
        PRACTICAL = 4, "Practical"
        DID_YOU_KNOW = 5, "Did you know?"

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="sections")
    kind = models.PositiveSmallIntegerField(choices=Kind)
    body = models.TextField(
        blank=True,
        validators=NO_NUL,
        help_text="Plain paragraphs separated by blank lines; Markdown is allowed.",
    )
    # Rendered from `body` on save and sanitised, so pages never render raw input.
    body_html = models.TextField(editable=False, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "kind"],
                name="places_section_one_per_kind",
                violation_error_message="This place already has a section of this kind.",
            ),
        ]

    def __str__(self):
        return f"{self.place} — {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.body, self.body_html = stored_section(self.body)
        super().save(*args, **kwargs)


class Photo(models.Model):
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="photos/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    alt_text = models.CharField(
        max_length=200,
        validators=NO_NUL,
        help_text="What the photo shows, for people who cannot see it.",
    )
    caption = models.CharField(max_length=300, blank=True, validators=NO_NUL)
    credit = models.CharField(
        max_length=200, blank=True, validators=NO_NUL, help_text="Author and licence."
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="The first photo leads the page."
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.caption or self.alt_text
