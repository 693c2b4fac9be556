"""sitemap.xml for search engines: an index of sitemap files of at most 50,000 URLs each.

Django's Paginator would COUNT the published places for the index and for every file, then
read a file's places with OFFSET, which walks every place before them: at a million places
the last file reads them all. Here file n holds the published places whose id lies in
((n - 1) * limit, n * limit]: the index reads the largest id (one step down the primary key),
a file reads one range of the primary key, in order, and neither counts nor sorts. A file
holds fewer places where ids were skipped (drafts, deletions), none where a whole range was
deleted (an empty file is still valid).
"""

import math

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.functional import cached_property

from places.models import Place


class PlaceFiles(Paginator):
    """The places of sitemap file n: the published ones whose id lies in
    ((n - 1) * per_page, n * per_page], in the order of their ids."""

    def __init__(self, per_page):
        # Tuples rather than models: a file holds up to 50,000 of them.
        places = Place.objects.order_by("pk").values_list("slug", "updated", "status", named=True)
        super().__init__(places, per_page)

    @cached_property
    def num_pages(self):
        last = self.object_list.values_list("pk", flat=True).last()
        return max(1, math.ceil((last or 0) / self.per_page))

    def page(self, number):
        number = self.validate_number(number)
        first = (number - 1) * self.per_page
        places = self.object_list.filter(pk__gt=first, pk__lte=first + self.per_page)
        # Drafts are left out here, not in SQL: a condition on the status would let the
        # planners read one of the indexes that lead with it (all published places) and sort.
        published = [place for place in places if place.status == Place.Status.PUBLISHED]
        return self._get_page(published, number, self)


class PlaceSitemap(Sitemap):
    limit = 50_000  # the most URLs a sitemap file may hold (sitemaps.org)

    @property
    def paginator(self):
        return PlaceFiles(self.limit)

    @cached_property
    def places_path(self):
        # "/places/": reverse() once rather than for each of 50,000 places (a fifth of the time).
        return reverse("places:detail", args=["slug"]).removesuffix("slug/")

    def location(self, place):
        return f"{self.places_path}{place.slug}/"

    def lastmod(self, place):
        return place.updated

    def get_latest_lastmod(self):
        # Django's would read every place; the index gives no date rather than scan them all.
        return None


class PageSitemap(Sitemap):
    """The pages that are not about one place."""

    def items(self):
        return ["places:home"]

    def location(self, name):
        return reverse(name)


# The sections of the index, each a file (or files: ?p=2...) at /sitemap-<section>.xml.
SITEMAPS = {"pages": PageSitemap, "places": PlaceSitemap}
