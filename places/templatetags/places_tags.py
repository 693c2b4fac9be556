"""Template filters for the guide's own formats."""

from django import template

from places import geo

register = template.Library()


@register.filter
def km(distance_km):
    """A distance as the guides print it: "7.3 km", "48 km"."""
    return geo.format_km(distance_km)
