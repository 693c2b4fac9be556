"""The head of every public page: canonical URL, description, OpenGraph and Twitter card tags,
and schema.org data (places/seo.py), with absolute URLs made from the request."""

import html
import re

from django import template
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from places import markup, seo

register = template.Library()

SITE_NAME = _("Places guide")
SITE_DESCRIPTION = _(
    "Curated pages about places: sights, museums, parks and towns, and what is near each one."
)


@register.inclusion_tag("places/includes/page_meta.html", takes_context=True)
def page_meta(context, title=SITE_NAME, description=SITE_DESCRIPTION, photo=None, type="website"):
    """The tags of templates/places/includes/page_meta.html for the page being rendered; its
    canonical URL is its path without the query string. `photo` is a places.models.Photo
    whose file is there (`shown`): its largest JPEG is shared."""
    request = context["request"]
    return {
        "site_name": SITE_NAME,
        "title": title,
        "description": description,
        "type": type,
        "url": request.build_absolute_uri(request.path),
        "image_url": photo and request.build_absolute_uri(photo.shown.large),
        "image_alt": photo and photo.alt_text,
    }


@register.filter
def place_description(place):
    """The first sentence of a place's first section, else its subtitle (for_page() fetched
    the sections, so this costs no query)."""
    sections = place.sections.all()
    text = first_paragraph(sections[0].body_html) if sections else ""
    return seo.description(text, fallback=place.display_subtitle)


BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|pre|td|th|div)>|<br\s*/?>", re.IGNORECASE)


def first_paragraph(section_html):
    """The text of a section's first paragraph (or other block) with text in it, without
    markup: a paragraph's end is a sentence's end, even without a full stop."""
    blocks = (strip_tags(block) for block in BLOCK_END.split(markup.sanitise(section_html)))
    return html.unescape(next((block for block in blocks if block.strip()), ""))


@register.simple_tag(takes_context=True)
def place_json_ld(context, place, photo=None):
    """A place page's schema.org data: a <script type="application/ld+json"> element."""
    request = context["request"]
    town = place.published_town
    data = seo.place_data(
        name=place.name,
        category=place.category,
        is_sight=place.kind == place.Kind.SIGHT,
        latitude=place.latitude,
        longitude=place.longitude,
        locality=town and town.name,
        country=place.country,
        url=request.build_absolute_uri(place.get_absolute_url()),
        description=place_description(place),
        image_url=photo and request.build_absolute_uri(photo.shown.large),
    )
    return format_html(
        '<script type="application/ld+json">{}</script>', mark_safe(seo.json_for_script(data))
    )
