"""Template filters for the guide's own formats."""

from django import template
from django.utils.safestring import mark_safe

from places import browse, geo, markup

register = template.Library()


@register.filter
def km(distance_km):
    """A distance as the guides print it: "7.3 km", "48 km"."""
    return geo.format_km(distance_km)


@register.filter
def sanitised(html):
    """Stored section HTML, cleaned with today's allow-list: the only way it reaches a page."""
    return mark_safe(markup.sanitise(html))


@register.filter
def capped_count(count):
    """A count of the places list, which stops counting past browse.COUNT_CAP: "1,000+"."""
    return f"{browse.COUNT_CAP:,}+" if count > browse.COUNT_CAP else f"{count:,}"
