"""Public pages: the home page, a place page, the list of all places near a place, and
robots.txt."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from places.cache import cached_page
from places.models import Place, SlugRedirect


@cached_page
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


@cached_page
def place_detail(request, slug):
    place = Place.objects.for_page().published_with_slug(slug)
    if place is None:
        return _redirect_from_old_slug(slug, "places:detail")
    nearby = place.neighbours(settings.PLACES_NEARBY_RADIUS_KM, settings.PLACES_NEARBY_LIMIT)
    photos = list(place.photos.all())
    context = {
        "place": place,
        "sections": place.sections.all(),
        "photo": photos[0] if photos else None,
        "nearby_sights": [p for p in nearby if p.kind == Place.Kind.SIGHT],
        "nearby_areas": [p for p in nearby if p.kind == Place.Kind.AREA],
        "town": place.published_town,
    }
    return render(request, "places/place_detail.html", context)


@cached_page
def place_nearby(request, slug):
    place = Place.objects.published_with_slug(slug)
    if place is None:
        return _redirect_from_old_slug(slug, "places:nearby")
    radius_km = settings.PLACES_NEARBY_RADIUS_KM
    nearby = place.neighbours(radius_km, settings.PLACES_NEARBY_PAGE_LIMIT)
    context = {"place": place, "nearby": nearby, "radius_km": radius_km}
    return render(request, "places/place_nearby.html", context)


def robots_txt(request):
    """Crawlers may read every page but the admin and the API, and find them in the sitemap."""
    sitemap = request.build_absolute_uri(reverse("places:sitemap_index"))
    return render(request, "robots.txt", {"sitemap": sitemap}, content_type="text/plain")
