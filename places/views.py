"""Public pages: the home page, place and area pages, the places near a place or a point,
the places list with its filters, search, a country's towns, robots.txt and the health check."""

import math
from collections import Counter
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from places import browse
from places.cache import (
    LISTINGS,
    cached_page,
    country_tag,
    depends_on,
    nearby_tags,
    place_page_tags,
    place_tag,
)
from places.forms import BrowseForm, CoordinatesForm
from places.models import Place, SlugRedirect

# How far "near me" looks: a visitor may be far from any place in the guide.
NEAR_ME_RADIUS_KM = 500
# How many of an area's own places its page lists; the places list pages the rest.
AREA_PLACES = 10
# How many places a page of all places near a place lists.
NEARBY_PAGE_SIZE = 50
# What of a search text is read: more than any name a visitor types.
SEARCH_QUERY_LENGTH = 200
# How many of an area's own places its map shows (its list pages them all).
AREA_MAP_PLACES = 300


@cached_page(tags=[LISTINGS])
def home(request):
    places = Place.objects.published().only("name", "slug", "category", "kind")
    context = {
        # Served by the indexes places_place_featured_idx and places_place_recent_idx.
        "featured": places.filter(featured=True).order_by("name")[:6],
        "recent": places.order_by("-created", "-pk")[:12],
    }
    return render(request, "home.html", context)


def _redirect_from_old_slug(slug, view_name):
    """A renamed place's old address moves permanently to the new one; anything else is 404."""
    new_slug = SlugRedirect.objects.current_slug(slug)
    if new_slug is None:
        raise Http404("No published place has this address.")
    return redirect(view_name, slug=new_slug, permanent=True)


def _place_or_preview(request, places, slug):
    """The published place with this slug; for someone who may edit places, an unpublished
    one too, previewed. None for anyone else."""
    place = places.published_with_slug(slug)
    if place is None and request.user.has_perm("places.change_place"):
        place = places.filter(slug=slug).first()
    return place


def _render_place(request, place, template, context):
    """The page as it will look once published; a preview says it is one, is kept out of
    search engines, and is never stored in any cache (cached_page skips a no-store page)."""
    preview = not place.is_published
    response = render(request, template, {**context, "preview": preview})
    if preview:
        response["X-Robots-Tag"] = "noindex"
        response["Cache-Control"] = "private, no-store"
    return response


@cached_page
def place_detail(request, slug):
    place = _place_or_preview(request, Place.objects.for_page(), slug)
    if place is None:
        return _redirect_from_old_slug(slug, "places:detail")
    depends_on(request, *place_page_tags(place, settings.PLACES_NEARBY_RADIUS_KM))
    nearby = place.neighbours(settings.PLACES_NEARBY_RADIUS_KM, settings.PLACES_NEARBY_LIMIT)
    # The first photo whose file is there leads the page, the others follow as a gallery:
    # a missing file means no image.
    photos = [photo for photo in place.photos.all() if photo.shown]
    context = {
        "place": place,
        "sections": place.sections.all(),
        "photo": photos[0] if photos else None,
        "gallery": photos[1:],
        "nearby_sights": [p for p in nearby if p.kind == Place.Kind.SIGHT],
        "nearby_areas": [p for p in nearby if p.kind == Place.Kind.AREA],
        "town": place.published_town,
        "map_places": nearby,
    }
    if place.kind == Place.Kind.AREA:
        context.update(_area_context(place))
        context["map_places"] = [*context["area_map_places"], *nearby]
    return _render_place(request, place, "places/place_detail.html", context)


def _area_context(area):
    """What an area's page adds: its own places, with their numbers per category."""
    selection = browse.Selection(town=area)
    # Its map's places, in slug order as the list's: the list shows the first of them.
    map_places = Place.objects.for_map(selection, AREA_MAP_PLACES)
    places, more = map_places[:AREA_PLACES], len(map_places) > AREA_PLACES
    categories = Place.objects.value_counts(selection, "category")
    return {
        "selection": selection,
        "area_places": places,
        "area_more": more,
        "area_categories": browse.one_filter(selection, "category", categories),
        "area_map_places": map_places,
    }


@cached_page
def place_nearby(request, slug):
    place = _place_or_preview(request, Place.objects.all(), slug)
    if place is None:
        return _redirect_from_old_slug(slug, "places:nearby")
    radius_km = settings.PLACES_NEARBY_RADIUS_KM
    nearby_list = nearby_tags(place.latitude, place.longitude, radius_km)
    depends_on(request, place_tag(place.pk), *nearby_list)
    nearby = place.neighbours(radius_km, settings.PLACES_NEARBY_PAGE_LIMIT)
    # At most a few hundred places, all in memory: counted, filtered and paged here.
    category = request.GET.get("category", "")
    counts = sorted(Counter(near.category for near in nearby).items())
    chosen = [near for near in nearby if near.category == category] if category else nearby
    page = Paginator(chosen, NEARBY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "place": place,
        "nearby": page,
        "radius_km": radius_km,
        "categories": [(name, count, urlencode({"category": name})) for name, count in counts],
        "category": category,
        "page_query": urlencode({"category": category}) + "&" if category else "",
        # The map shows every page's places.
        "map_places": chosen,
    }
    return _render_place(request, place, "places/place_nearby.html", context)


@cached_page(tags=[LISTINGS])
def place_list(request):
    form = BrowseForm(request.GET)
    selection = form.selection()
    places, more = Place.objects.page_of(selection)
    context = {
        "form": form,
        "selection": selection,
        "places": places,
        "next_query": selection.next_query(places[-1]) if more else None,
        "total": Place.objects.capped_count(selection),
        "filters": browse.filters(
            selection, Place.objects.filter_counts(selection), dict(Place.Kind.choices)
        ),
        "count_cap": browse.COUNT_CAP,
        "value_cap": browse.VALUE_CAP,
    }
    return render(request, "places/place_list.html", context, status=400 if form.errors else 200)


@cached_page(tags=[LISTINGS])
def search(request):
    """Places and areas whose names match `q`, best first (Place.objects.search), a page of
    browse.PAGE_SIZE at a time by number."""
    query = request.GET.get("q", "").strip()[:SEARCH_QUERY_LENGTH]
    number = _page_number(request.GET.get("page", ""))
    size = browse.PAGE_SIZE
    results = Place.objects.search(query, size, (number - 1) * size) if query else None
    pages = math.ceil(results.total / size) if results is not None else 0
    if results is not None and number > max(pages, 1):
        # A page beyond the last (the places changed since the link was made): the last.
        number = max(pages, 1)
        results = Place.objects.search(query, size, (number - 1) * size)
    context = {
        "query": query,
        "results": results,
        "page": number,
        "pages": [(n, urlencode({"q": query, "page": n})) for n in range(1, pages + 1)],
        "list_query": urlencode({"q": query}),
        "map_places": [result.place for result in results or ()],
    }
    return render(request, "places/search.html", context)


def _page_number(text):
    """A page number from the query string: 1 for anything but ASCII digits."""
    return max(int(text), 1) if text.isascii() and text.isdigit() and len(text) < 7 else 1


@cached_page(tags=lambda request, name: [country_tag(name)])
def country(request, name):
    after = request.GET.get("after", "")
    # No stored text holds a NUL (models.NO_NUL), and PostgreSQL refuses one in a query.
    if "\x00" in name:
        raise Http404("No published place lies in this country.")
    if "\x00" in after:
        raise BadRequest("after is a town's slug, which holds no NUL character.")
    towns = Place.objects.towns_of(name, after=after, limit=browse.MAX_VALUES + 1)
    if not towns and not after and not Place.objects.published().filter(country=name).exists():
        raise Http404("No published place lies in this country.")
    towns, more = towns[: browse.MAX_VALUES], len(towns) > browse.MAX_VALUES
    context = {
        "country": name,
        "towns": towns,
        "next_query": urlencode({"after": towns[-1][2]}) if more else None,
        "selection": browse.Selection(country=name),
    }
    return render(request, "places/country.html", context)


def near_me(request):
    """Not cached: every position is another page."""
    form = CoordinatesForm(request.GET) if request.GET else CoordinatesForm()
    places = None
    if form.is_bound and form.is_valid():
        lat, lon = form.cleaned_data["lat"], form.cleaned_data["lon"]
        limit = settings.PLACES_NEARBY_PAGE_LIMIT
        places = Place.objects.nearest_published(lat, lon, NEAR_ME_RADIUS_KM, limit)
    context = {"form": form, "places": places, "radius_km": NEAR_ME_RADIUS_KM}
    return render(request, "places/near_me.html", context, status=400 if form.errors else 200)


@never_cache
def healthz(request):
    """Liveness for systemd, load balancers and monitors: this process answers. Reads neither
    the database nor the session, so that it says whether Django serves, and is the framework's
    floor in the load run (bench/load.py); never cached, so that every check reaches Django."""
    return HttpResponse("ok\n", content_type="text/plain")


def robots_txt(request):
    """Crawlers may read every page but the admin and the API, and find them in the sitemap."""
    sitemap = request.build_absolute_uri(reverse("places:sitemap_index"))
    return render(request, "robots.txt", {"sitemap": sitemap}, content_type="text/plain")
