"""Public pages: the home page, a place page and the list of all places near a place."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render

from places.cache import cached_page
from places.models import Place, SlugRedirect


@cached_page
def home(request):
    places = Place.objects.published().only("name", "slug", "category", "kind")
    context = {
        "featured": places.filter(featured=True)[:6],
        "recent": places.order_by("-created", "-pk")[:12],
    }
    return render(request, "home.html", context)


def _redirect_from_old_slug(slug, view_name):
    """A renamed place's old address moves permanently to the new one; anything else is 404."""
    old = SlugRedirect.objects.filter(old_slug=slug, place__status=Place.Status.PUBLISHED)
    new_slug = old.values_list("place__slug", flat=True).first()
    if new_slug is None:
        raise Http404("No published place has this address.")
    return redirect(view_name, slug=new_slug, permanent=True)


@cached_page
def place_detail(request, slug):
    place = Place.objects.published().for_page().filter(slug=slug).first()
    if place is None:
        return _redirect_from_old_slug(slug, "places:detail")
    nearby = Place.objects.published().nearby(
        place.latitude,
        place.longitude,
        settings.PLACES_NEARBY_RADIUS_KM,
        settings.PLACES_NEARBY_LIMIT,
        exclude_pk=place.pk,
    )
    photos = list(place.photos.all())
    context = {
        "place": place,
        "sections": place.sections.all(),
        "photo": photos[0] if photos else None,
        "nearby_sights": [p for p in nearby if p.kind == Place.Kind.SIGHT],
        "nearby_areas": [p for p in nearby if p.kind == Place.Kind.AREA],
        "town": place.town if place.town and place.town.is_published else None,
    }
    return render(request, "places/place_detail.html", context)


@cached_page
def place_nearby(request, slug):
    place = Place.objects.published().filter(slug=slug).first()
    if place is None:
        return _redirect_from_old_slug(slug, "places:nearby")
    nearby = Place.objects.published().nearby(
        place.latitude,
        place.longitude,
        settings.PLACES_NEARBY_RADIUS_KM,
        settings.PLACES_NEARBY_PAGE_LIMIT,
        exclude_pk=place.pk,
    )
    context = {"place": place, "nearby": nearby, "radius_km": settings.PLACES_NEARBY_RADIUS_KM}
    return render(request, "places/place_nearby.html", context)
