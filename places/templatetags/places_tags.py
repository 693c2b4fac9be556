"""Template filters for the guide's own formats."""

from django import template
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from places import browse, geo, markup

register = template.Library()


@register.filter
def km(distance_km):
    """A distance as the guides print it, in the page's language: "7.3 km", "7,3 км"."""
    number = geo.format_km(distance_km).removesuffix(" km")
    number = number.replace(".", get_format("DECIMAL_SEPARATOR"))
    # Translators: a distance, e.g. "7.3 km"; the number is already written your way.
    return _("%(number)s km") % {"number": number}


@register.filter
def sanitised(html):
    """Stored section HTML, cleaned with today's allow-list: the only way it reaches a page."""
    return mark_safe(markup.sanitise(html))


@register.filter
def capped_count(count, cap=browse.COUNT_CAP):
    """A count that stopped past its cap, grouped the language's way: "1,000+", "1 000+"."""
    text = f"{cap:,}+" if count > cap else f"{count:,}"
    return text.replace(",", get_format("THOUSAND_SEPARATOR"))


@register.filter
def capped_value_count(count):
    """A filter value's count, which stops past browse.VALUE_CAP: "100+"."""
    return capped_count(count, browse.VALUE_CAP)


@register.filter
def plural_of_capped(count, cap=browse.VALUE_CAP):
    """The number that chooses the plural form of a capped count: "100+" reads as 100."""
    return min(count, cap)


@register.simple_tag
def filter_links(filter):
    """The <li> links of a filter's values, "Museum (12)": built in one go, since a list of
    a hundred countries through the template language costs more than its queries."""
    url = reverse("places:list")
    return mark_safe(
        "\n".join(
            f'<li><a href="{url}?{escape(link.query)}"{CURRENT if link.chosen else ""}>'
            f"{escape(link.label)} ({capped_value_count(link.count)})</a></li>"
            for link in filter.links
        )
    )


CURRENT = ' aria-current="true"'
