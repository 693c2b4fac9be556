"""What the maps show (static/js/map.js draws them): the public pages' maps of places and the
admin's map picker. Their data reaches the script as JSON (json_script), never as code."""

from django.conf import settings
from django.utils.translation import gettext as _

from places.models import Place

# A map with more markers than this groups those that would overlap into clusters.
CLUSTER_FROM = 50


def tiles():
    """The tile server and its attribution (settings PLACES_MAP_TILE_URL and _ATTRIBUTION)."""
    return {
        "url": settings.PLACES_MAP_TILE_URL,
        "attribution": settings.PLACES_MAP_TILE_ATTRIBUTION,
    }


def controls():
    """The texts of the map's own buttons, in the page's language."""
    return {"zoomIn": _("Zoom in"), "zoomOut": _("Zoom out")}


def marker(place):
    """A Place or a places.nearby.NearbyPlace as a marker."""
    return {
        "name": place.name,
        "url": place.get_absolute_url(),
        "kind": place.kind,
        "category": place.category,
        "lat": place.latitude,
        "lon": place.longitude,
    }


def places_map(places, here=None, position=None):
    """A map of places around `here` (the place whose page it is) or a `position`
    ((latitude, longitude), "near me"), which gets a marker of its own. A place listed twice
    (an area's own place that is also among its nearby ones) gets one marker."""
    markers, seen = [], set()
    if here is not None:
        seen.add(here.slug)
    for place in places:
        if place.slug not in seen:
            seen.add(place.slug)
            markers.append(marker(place))
    if here is not None:
        centre = {**marker(here), "label": _("This place")}
    elif position is not None:
        label = _("The position you gave")
        centre = {"name": label, "label": label, "lat": position[0], "lon": position[1]}
    else:
        centre = None
    return {
        "tiles": tiles(),
        "controls": controls(),
        "here": centre,
        "places": markers,
        "kinds": {kind: str(label) for kind, label in Place.Kind.choices},
        "cluster": len(markers) > CLUSTER_FROM,
    }


def picker(latitude_id, longitude_id):
    """The admin's map picker for the coordinates fields with these ids."""
    return {
        "tiles": tiles(),
        "controls": controls(),
        "latitude": latitude_id,
        "longitude": longitude_id,
        "label": _("The place's position"),
    }
