"""The map of a public page: {% places_map places here=place %} (see places.maps)."""

from django import template

from places import maps

register = template.Library()


@register.inclusion_tag("places/includes/map.html")
def places_map(places, here=None, latitude=None, longitude=None):
    """A map of `places` around `here` (a place), or around the position given by `latitude`
    and `longitude`."""
    position = (latitude, longitude) if latitude is not None and longitude is not None else None
    return {"map": maps.places_map(places, here=here, position=position)}
