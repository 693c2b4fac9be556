"""Places, their text sections and photos, and the old slugs that redirect to them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import connection, models
from django.db.models import Prefetch, Q
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from places import browse, folding, geo, images, photo_files
from places.markup import markdown_html, normalize_text, plain_paragraphs
from places.nearby import nearest

# How many stored keys a search reads at most in its key range (exact, prefix and word
# matches together, in key order), and on each side of the query for near misses: a
# one-letter query costs the same few index pages at a thousand places or a million. A query
# that more keys start with ranks the first SEARCH_CANDIDATES of them (in key order).
SEARCH_CANDIDATES = 500
NEAR_CANDIDATES = 50

LATITUDE_MESSAGE = _("Latitude must be between -90 and 90 degrees (north is positive).")
LONGITUDE_MESSAGE = _("Longitude must be between -180 and 180 degrees (east is positive).")
# On the model fields, not only the admin's form fields, so that imports refuse it too
# (PostgreSQL cannot store a NUL character in text).
NO_NUL = [ProhibitNullCharactersValidator()]


def stored_coordinates(latitude, longitude) -> tuple[float, float, int]:
    """The coordinates a place stores (geo.stored_point) and the grid cell of that point.

    Place.save and the bulk import (places.exchange.plan) both store places through this.
    """
    latitude, longitude = geo.stored_point(latitude, longitude)
    return latitude, longitude, geo.cell_of(latitude, longitude)


def stored_section(body: str, *, markdown: bool = True) -> tuple[str, str | None]:
    """A section's body as stored (normalize_text) and its HTML: Section.save and the bulk
    import both store sections through this. With `markdown=False` the HTML is None for a body
    that needs Markdown (the import renders those later, and only when their body changed)."""
    body = normalize_text(body)
    html = plain_paragraphs(body)
    if html is None and markdown:
        html = markdown_html(body)
    return body, html


class PlaceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Place.Status.PUBLISHED)

    def for_page(self):
        """Everything a place page shows about the place itself, in three queries."""
        return self.select_related("town").prefetch_related(
            Prefetch("sections", queryset=Section.objects.exclude(body_html="")),
            "photos",
        )

    def published_with_slug(self, slug):
        """The published place of this queryset with this slug, or None."""
        return self.published().filter(slug=slug).first()

    def matching(self, selection):
        """The published places of a browse.Selection (its filters and text; not its page)."""
        places = self.published().filter(**selection.filters())
        if selection.q:
            places = places.filter(pk__in=SearchName.objects.places_matching(selection.q))
        return places

    def page_of(self, selection, size=browse.PAGE_SIZE):
        """(places, has_more): a page of the selection in slug order, after its cursor."""
        rows = self.for_map(selection, size + 1)
        return rows[:size], len(rows) > size

    def for_map(self, selection, limit):
        """Up to `limit` places of the selection in slug order, with what a map shows of each
        (places.maps) and a list too."""
        places = browse.page_of(self.matching(selection), selection.after)
        fields = ("name", "slug", "kind", "category", "country", "latitude", "longitude")
        return list(places.only(*fields)[:limit])

    def capped_count(self, selection):
        """How many places the selection holds, counted up to browse.COUNT_CAP + 1."""
        # No order: counting reads the filter's index in whatever order is cheapest.
        return self.matching(selection).order_by()[: browse.COUNT_CAP + 1].count()


class PlaceManager(models.Manager.from_queryset(PlaceQuerySet)):
    def nearest_published(self, latitude, longitude, radius_km, limit, exclude_pk=None):
        """The `limit` published places nearest to a point within `radius_km`, nearest first
        (ties by id), as NearbyPlace objects (with `distance_km`): one query up to 128 km, two
        beyond; see places.nearby. A manager method, not a queryset one, because it reads
        the table by its own index whatever a queryset was filtered on."""
        published = Place.Status.PUBLISHED.value  # a plain str for the raw cursors
        return nearest(
            self.model, self.db, published, latitude, longitude, radius_km, limit, exclude_pk
        )

    def filter_counts(self, selection):
        """{filter: [(value, count)]} for the places list: the values of category, kind and
        country, and the towns of the chosen country, counted within the other filters (up
        to browse.VALUE_CAP + 1): one query each. See places.browse."""
        counts = {
            name: self.value_counts(selection, name) for name in ("category", "kind", "country")
        }
        towns = self.towns_of(selection.country, selection) if selection.country else []
        counts["town"] = [town for town in towns if town[-1]]  # those with places, as above
        return counts

    def value_counts(self, selection, name):
        """[(value, count)] of one of category, kind and country: see browse.value_counts."""
        choices = Place.Kind.values if name == "kind" else None
        status = Place.Status.PUBLISHED.value
        matches = SearchName.objects.places_matching_sql(selection.q)
        return browse.value_counts(self.model, status, selection, name, choices, matches)

    def towns_of(self, country, selection=None, after="", limit=browse.MAX_VALUES):
        """[(id, name, slug, count)]: the published towns and districts of a country by
        slug, after the slug `after`, each with its published places (within the
        selection's other filters) counted up to browse.VALUE_CAP + 1."""
        status, area = Place.Status.PUBLISHED.value, Place.Kind.AREA.value
        selection = selection or browse.Selection()
        matches = SearchName.objects.places_matching_sql(selection.q)
        return browse.town_counts(
            self.model, status, area, selection, country, after, limit, matches
        )

    def published_town(self, slug):
        """The published town or district with this slug, or None."""
        return self.published().filter(kind=Place.Kind.AREA, slug=slug).first()

    def search(self, query, limit=10, offset=0):
        """SearchResults: the published places whose names (short and alternate names too)
        match the text `query` in any case, accents or script (places.folding), best first:
        exact names, then names starting with it, then names with a later word starting with
        it, each class by importance (areas by population, then other places), then by the
        matched name; near misses ("shakhtinks") only when nothing else matches. `limit`
        results from `offset` on, each place once, with how many were found in all. Reads
        the index of SearchName: SEARCH_CANDIDATES keys at most, then (for near misses) twice
        NEAR_CANDIDATES; then the page's places in one query."""
        key = folding.fold(query)
        if not key:
            return SearchResults([], 0)
        typed = folding.plain(query)
        hits = folding.rank(key, SearchName.objects.candidates(key), typed)
        if not hits:
            hits = folding.rank_near(key, SearchName.objects.near_candidates(key), typed)
        page = hits[offset : offset + limit]
        # By primary key alone, the status checked here: with `status = 'published'` in the
        # WHERE clause, SQLite without statistics (a fresh import) read every published place
        # through an index that leads with the status (40 ms at 134,000 places, not 0.1 ms).
        places = self.in_bulk([hit.place for hit in page])
        results = [
            SearchResult(places[hit.place], hit)
            for hit in page
            if hit.place in places and places[hit.place].is_published
        ]
        return SearchResults(results, len(hits), offset)


class Place(models.Model):
    class Kind(models.TextChoices):
        SIGHT = "sight", _("Sight")
        AREA = "area", _("Town or district")

    class Status(models.TextChoices):
        # draft → review → published; an editor's reject or unpublish goes back to draft
        # (places/workflow.py).
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    name = models.CharField(max_length=200, validators=NO_NUL)
    short_name = models.CharField(
        max_length=100,
        blank=True,
        validators=NO_NUL,
        help_text='How running text names it, if shorter: "Shakhtinsk" for "Shakhtīnsk Qalasy". '
        "Lists show the full name.",
    )
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
    population = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="People living in a town or district (GeoNames fills it in); among equally "
        "good search matches, the more populous areas come first.",
    )
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
    # Derived from the coordinates on save; see geo.cell_of and places.nearby.
    cell = models.IntegerField(editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    featured = models.BooleanField(default=False, help_text="Show on the home page.")
    external_id = models.CharField(
        max_length=100,
        blank=True,
        validators=NO_NUL,
        help_text='The id in the source it was imported from, e.g. "geonames:1519327".',
    )
    # The review (places/workflow.py): who wrote the place, who last sent it for review and
    # when (the queue's order), and why an editor sent it back.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_note = models.TextField(
        blank=True,
        db_default="",  # the bulk imports (places.exchange.write) insert without it
        editable=False,
        validators=NO_NUL,
        help_text="Why an editor sent the place back to its draft.",
    )
    # Moved on by every save of the admin's form, admin action and restore: a form opened at
    # an older number is refused rather than overwrite what was saved since (places/history.py).
    # (db_default: the bulk import inserts places in SQL.)
    edit_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = PlaceManager()

    class Meta:
        ordering = ["name"]
        # Editors' permission (the "Editors" group); contributors only change places.
        permissions = [("publish_place", "Can publish, unpublish and reject places")]
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
            # The home page's "recently added" list: published places by -created, -id, read in
            # order until 12 are found. The id breaks ties, which imports make common (one
            # `created` for a whole file). The status leads, rather than being a partial
            # index's condition, so that SQLite prefers this index to places_place_cell_idx
            # even before ANALYZE has given it statistics.
            models.Index(fields=["status", "-created", "-id"], name="places_place_recent_idx"),
            # The home page's "featured" list: published featured places by name. Partial:
            # only the few featured places are in it.
            models.Index(
                fields=["status", "name"],
                condition=Q(featured=True),
                name="places_place_featured_idx",
            ),
            # The places list (places/browse.py) pages a selection by slug (unique, and one
            # alphabet for names in any script) from where the last page stopped: unfiltered
            # through this index, filtered through the one that leads with the filter's column,
            # which also finds that filter's values one seek each and counts each value up to
            # the cap. Not by name: SQLite would then read the home page's featured places
            # through this index instead of places_place_featured_idx.
            models.Index(fields=["status", "slug", "kind"], name="places_place_browse_idx"),
            # (The kind after the slug: read from the index when counting a kind's places.)
            models.Index(
                fields=["status", "category", "slug", "kind"], name="places_place_category_idx"
            ),
            # (...and the country page's towns: the kind after the slug, read from the index.)
            models.Index(
                fields=["status", "country", "slug", "kind"], name="places_place_country_idx"
            ),
            # The counts of the country and category filters when the other one is chosen:
            # "status, country and category equal" is one range of this index, read up to
            # the cap, instead of one country's (or category's) places read in the table;
            # with the kind, that filter is checked in the index too.
            models.Index(
                fields=["status", "country", "category", "kind"], name="places_place_ctry_cat_idx"
            ),
            # The town filter, an area page's own places, and the country page's counts per
            # town. The kind filter has no index: its two values are each a large share of
            # any list, found in a few rows of the others.
            models.Index(fields=["status", "town", "slug"], name="places_place_town_idx"),
            # The editors' review queue, oldest submission first, and its count on the admin
            # index. Partial: only the few places in review are in it.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status="review"),
                name="places_place_review_idx",
            ),
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
        fields = kwargs.get("update_fields")
        if fields is None or SEARCHED_FIELDS & set(fields):
            SearchName.objects.rewrite([self.pk])

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
    def published_town(self):
        """The town the pages and the API name: only a published one."""
        return self.town if self.town and self.town.is_published else None

    def neighbours(self, radius_km, limit):
        """The published places nearest to this one, itself left out."""
        return Place.objects.nearest_published(
            self.latitude, self.longitude, radius_km, limit, exclude_pk=self.pk
        )

    @property
    def running_name(self):
        """The name in running text ("Discover all places nearby (Shakhtinsk)"); lists and
        headings show the full name."""
        return self.short_name or self.name

    @property
    def display_subtitle(self):
        if self.subtitle:
            return self.subtitle
        town = self.published_town
        where = ", ".join(part for part in (town and town.running_name, self.country) if part)
        if not where:
            return self.category
        # Translators: a place's subtitle, e.g. "Museum in Shakhtinsk, Kazakhstan".
        return gettext("%(category)s in %(where)s") % {"category": self.category, "where": where}

    def subtitle_around_town(self):
        """A contributor's subtitle as (before, town, after), split at the first mention of
        the town's name, so that the page can link it; None when it does not name the town."""
        town = self.published_town
        if not (self.subtitle and town):
            return None
        for name in (town.running_name, town.name):
            before, found, after = self.subtitle.partition(name)
            if found:
                return before, found, after
        return None

    @property
    def coordinates(self):
        return geo.format_coordinates(self.latitude, self.longitude)

    @property
    def openstreetmap_url(self):
        lat, lon = self.latitude, self.longitude
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=15/{lat}/{lon}"


# The fields a place's search keys are made from.
SEARCHED_FIELDS = {"name", "short_name", "status", "kind", "population"}


def search_importance(kind, population):
    """What ranks equally good search matches: areas by population (and above other
    places), then the rest."""
    return 1 + (population or 0) if kind == Place.Kind.AREA else 0


class SearchResult:
    """A place a search found, with how: `hit.match` ("exact", "prefix", "word", "near") and
    `hit.name`, the name that matched, shown when it is an alternate name (`matched`)."""

    def __init__(self, place, hit):
        self.place, self.hit = place, hit

    @property
    def matched(self):
        return self.hit.name

    @property
    def match(self):
        return self.hit.match

    @property
    def shows_matched(self):
        return self.hit.alternate and self.hit.name != self.place.name


class SearchResults(list):
    """A page of SearchResult, with `total`, how many places the search found in all, and
    `start`, the rank of the first (from 1)."""

    def __init__(self, results, total, offset=0):
        super().__init__(results)
        self.total, self.start = total, offset + 1


class SlugRedirectQuerySet(models.QuerySet):
    def current_slug(self, old_slug):
        """The current slug of the published place that used to have this one, or None."""
        old = self.filter(old_slug=old_slug, place__status=Place.Status.PUBLISHED)
        return old.values_list("place__slug", flat=True).first()


class SlugRedirect(models.Model):
    """A slug a place used to have: its old address redirects to the current one."""

    old_slug = models.SlugField(max_length=200, unique=True)
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="old_slugs")
    created = models.DateTimeField(auto_now_add=True)

    objects = SlugRedirectQuerySet.as_manager()

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


class SearchKeyField(models.CharField):
    """A search key column compared in code point order: on PostgreSQL the "C" collation, so
    that the B-tree answers `key >= prefix AND key < prefix_end` (SQLite's BINARY already
    compares so); a language's collation would sort "a" and "A" together and the range
    would miss keys."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


class SearchNameQuerySet(models.QuerySet):
    def starting_with(self, key):
        """The keys starting with the folded text `key`, in the index's order."""
        return self.filter(key__gte=key, key__lt=folding.prefix_end(key)).order_by(
            "key", "word", "-importance", "place_id"
        )

    def candidates(self, key):
        """folding.Candidate of the first SEARCH_CANDIDATES keys starting with `key`: one
        range of places_searchname_key_idx."""
        rows = self.starting_with(key).values_list(*CANDIDATE_FIELDS)[:SEARCH_CANDIDATES]
        return [folding.Candidate(*row) for row in rows]

    def near_candidates(self, key):
        """folding.Candidate of up to NEAR_CANDIDATES keys on each side of `key` (which no
        key starts with) among those with its first letter: where a typo after the first
        letters sorts, the names it was meant for are near."""
        first, end = key[0], folding.prefix_end(key[0])
        before = self.filter(key__gte=first, key__lt=key).order_by(
            "-key", "-word", "importance", "-place_id"
        )
        after = self.filter(key__gt=key, key__lt=end).order_by(
            "key", "word", "-importance", "place_id"
        )
        rows = [
            *before.values_list(*CANDIDATE_FIELDS)[:NEAR_CANDIDATES],
            *after.values_list(*CANDIDATE_FIELDS)[:NEAR_CANDIDATES],
        ]
        return [folding.Candidate(*row) for row in rows]

    def places_matching(self, query):
        """The ids of the places whose keys start with the folded `query` (the first
        SEARCH_CANDIDATES keys, as search reads them), as a subquery; none for a query with
        nothing searchable in it."""
        key = folding.fold(query)
        if not key:
            return self.none().values("place")
        return self.starting_with(key).values("place")[:SEARCH_CANDIDATES]

    def places_matching_sql(self, query):
        """places_matching as (SQL, parameters) for the places list's own statements, or None
        for no query."""
        if not query:
            return None
        if not folding.fold(query):
            return "SELECT 0 WHERE 1 = 0", []  # no place (ids start at 1)
        return self.places_matching(query).query.sql_with_params()

    def rewrite(self, place_ids):
        """Make the keys of these places again from their names, as they are now: published
        places get keys, others none."""
        places = Place.objects.published().filter(pk__in=place_ids)
        rows = places.values_list("id", "name", "short_name", "kind", "population")
        alternates = AlternateName.objects.filter(place__in=place_ids).values_list(
            "place_id", "name"
        )
        write_search_names(place_ids, list(rows), list(alternates))


CANDIDATE_FIELDS = ("place", "key", "word", "importance", "name", "alternate")


def write_search_names(place_ids, places, alternates):
    """Make the keys of the places `place_ids` those of `places` ([(id, name, short_name, kind,
    population)], the published ones) and their alternate names ([(place id, name)]). A
    place whose keys are already these is left alone (a re-import, a save that changed no
    name); the others' keys are deleted (one DELETE a thousand places) and written again
    (one executemany). The bulk import writes the places it updates through this too."""
    names = {}
    for pk, name, short_name, kind, population in places:
        names[pk] = (search_importance(kind, population), [name, short_name], [])
    for pk, name in alternates:
        if pk in names:
            names[pk][2].append(name)
    wanted = {
        pk: {
            (pk, key, word, importance, text, alternate)
            for word, key, text, alternate in folding.keys_of(own, others)
        }
        for pk, (importance, own, others) in names.items()
    }
    table = connection.ops.quote_name(SearchName._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(SearchName._meta.get_field(name).column)
        for name in CANDIDATE_FIELDS
    )
    stored = {}
    place_ids = list(place_ids)
    batches = [place_ids[start : start + 1000] for start in range(0, len(place_ids), 1000)]
    with connection.cursor() as cursor:
        for batch in batches:
            cursor.execute(
                f"SELECT {columns} FROM {table}"
                f" WHERE place_id IN ({', '.join(['%s'] * len(batch))})",
                batch,
            )
            for pk, key, word, importance, text, alternate in cursor.fetchall():
                row = (pk, key, word, importance, text, bool(alternate))
                stored.setdefault(pk, set()).add(row)
        changed = [pk for pk in place_ids if stored.get(pk) != wanted.get(pk)]
        for start in range(0, len(changed), 1000):
            batch = [pk for pk in changed[start : start + 1000] if pk in stored]
            if batch:
                cursor.execute(
                    f"DELETE FROM {table} WHERE place_id IN ({', '.join(['%s'] * len(batch))})",
                    batch,
                )
        # In key order, the index's: a batch fills its pages one after another.
        rows = sorted((row for pk in changed for row in wanted.get(pk, ())), key=lambda r: r[1])
        if rows:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 6)})", rows
            )


class SearchName(models.Model):
    """One key a published place is found by: a name of it (its name, short name or an
    alternate name) folded (places.folding), from its first word (word 0) or a later one.

    Only published places have keys, so that search never reads a draft's. Written whenever a
    name or the status changes: Place.save, an alternate name's save or delete (signals
    below), the bulk import and load_demo (write_search_names); deleted with the place.
    QuerySet.update() bypasses them, as it bypasses Place.save: use save() to rename.
    """

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="search_names")
    key = SearchKeyField(max_length=folding.KEY_LENGTH)
    word = models.PositiveSmallIntegerField(help_text="0: the whole name; n: from word n on.")
    importance = models.BigIntegerField(help_text="See search_importance.")
    name = models.CharField(max_length=200, help_text="The name as written.")
    alternate = models.BooleanField(help_text="An alternate name, not the place's own.")

    objects = SearchNameQuerySet.as_manager()

    class Meta:
        indexes = [
            # Search: the keys in a range (those starting with the query), read in the index's
            # order until the bound; equal keys in their class (whole names first) and
            # importance order, the place last so that the bound cuts the same rows each time.
            # The name as written and whether it is an alternate one at the end, so that the
            # index alone answers a search (SQLite's covering index, PostgreSQL's index-only
            # scan): read from the table, the 500 keys of a short prefix cost 500 page reads
            # at random.
            models.Index(
                fields=["key", "word", "-importance", "place", "name", "alternate"],
                name="places_searchname_key_idx",
            ),
        ]

    def __str__(self):
        return f"{self.key} ({self.word})"


def _alternate_name_changed(sender, instance, origin=None, **kwargs):
    # A place being deleted takes its alternate names and keys with it: nothing to rewrite.
    if origin is not None and not isinstance(origin, AlternateName):
        if getattr(origin, "model", None) is not AlternateName:
            return
    SearchName.objects.rewrite([instance.place_id])


post_save.connect(_alternate_name_changed, sender=AlternateName, dispatch_uid="search-names-save")
post_delete.connect(
    _alternate_name_changed, sender=AlternateName, dispatch_uid="search-names-delete"
)


class Section(models.Model):
    """One titled part of a place's text; a place has at most one of each kind."""

    class Kind(models.IntegerChoices):
        # The values give the order in which sections appear on the page.
        DESCRIPTION = 1, _("Description")
        HISTORY = 2, _("History")
        CULTURE = 3, _("Culture")
        PRACTICAL = 4, _("Practical")
        DID_YOU_KNOW = 5, _("Did you know?")

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="sections")
    kind = models.PositiveSmallIntegerField(choices=Kind)
    body = models.TextField(
        blank=True,
        validators=NO_NUL,
        help_text="Plain paragraphs separated by blank lines; Markdown is allowed.",
    )
    # Rendered from `body` on save; pages sanitise it again as they show it (places.markup).
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
    class Licence(models.TextChoices):
        # SPDX identifiers, so that exports name them as other open data does.
        CC0 = "CC0-1.0", "CC0 1.0"
        CC_BY = "CC-BY-4.0", "CC BY 4.0"
        CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
        CC_BY_ND = "CC-BY-ND-4.0", "CC BY-ND 4.0"
        CC_BY_NC = "CC-BY-NC-4.0", "CC BY-NC 4.0"
        CC_BY_NC_SA = "CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"
        CC_BY_NC_ND = "CC-BY-NC-ND-4.0", "CC BY-NC-ND 4.0"
        PUBLIC_DOMAIN = "public-domain", _("Public domain")
        PERMISSION = "permission", _("All rights reserved, used with permission")

    LICENCE_URLS = {
        Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
        Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
        Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
        Licence.CC_BY_ND: "https://creativecommons.org/licenses/by-nd/4.0/",
        Licence.CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
        Licence.CC_BY_NC_SA: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        Licence.CC_BY_NC_ND: "https://creativecommons.org/licenses/by-nc-nd/4.0/",
        Licence.PUBLIC_DOMAIN: "https://creativecommons.org/publicdomain/mark/1.0/",
    }

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="photos")
    # Re-encoded and named by us when saved (places/photo_files.py, places/images.py); an
    # import may name a file already in the media storage.
    image = models.ImageField(upload_to="photos/%Y/%m/")
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    alt_text = models.CharField(
        max_length=200,
        validators=NO_NUL,
        help_text="What the photo shows, for people who cannot see it.",
    )
    caption = models.CharField(max_length=300, blank=True, validators=NO_NUL)
    credit = models.CharField(
        max_length=200,
        blank=True,
        validators=NO_NUL,
        help_text='Who took it, e.g. "A. Author"; the licence has its own field.',
    )
    licence = models.CharField(
        max_length=20,
        blank=True,
        choices=Licence,
        help_text="The licence under which the guide shows it.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="The first photo leads the page."
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.caption or self.alt_text

    def save(self, *args, **kwargs):
        if not (self.image and not self.image._committed):
            return super().save(*args, **kwargs)
        # A new file: re-encoded by us (the admin's form has done it already), stored under a
        # name of ours once the transaction commits; the file it replaces goes then.
        upload = self.image.file
        if isinstance(upload, photo_files.PreparedUpload):
            prepared = upload.prepared
        else:
            upload.seek(0)
            prepared = images.prepare(upload.read(), settings.PLACES_PHOTO_MAX_PIXELS)
        replaced = (
            self.pk and Photo.objects.filter(pk=self.pk).values_list("image", "width").first()
        )
        name = photo_files.new_master_name()
        # Before the save's signal: pages are cached anew once the files are there.
        photo_files.write_on_commit(name, prepared)
        self.image, self.width, self.height = name, prepared.width, prepared.height
        self.__dict__.pop("shown", None)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "image", "width", "height"}
        super().save(*args, **kwargs)
        if replaced:
            photo_files.remove_on_commit(*replaced)

    @cached_property
    def shown(self):
        """The photo's files as pages show them (photo_files.Shown), or None when its file
        is missing from the media storage: a page shows no image rather than a broken one."""
        return photo_files.shown(self.image.name, self.width)

    @property
    def licence_url(self):
        return self.LICENCE_URLS.get(self.licence)


class ContentVersion(models.Model):
    """A counter that every committed change to what public pages show moves on; cached pages
    are keyed by it (places/cache.py). Kept in the database so that every process sees it."""

    key = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.key} {self.version}"


class ReviewQueue(Place):
    """The editors' review queue in the admin (places/admin.py): the places in review."""

    class Meta:
        proxy = True
        verbose_name = "place in review"
        verbose_name_plural = "Review queue"
        default_permissions = ()  # the admin checks the Place permissions


class MyPlace(Place):
    """A contributor's own places in the admin, with their states (places/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = "my place"
        verbose_name_plural = "My places"
        default_permissions = ()
