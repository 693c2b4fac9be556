"""Reading what a visitor sees in a rendered page."""

import html
import re

NEARBY_ITEM = re.compile(
    r'<li><a href="(?P<url>[^"]+)">(?P<name>[^<]+)</a> <span class="muted">[^<]*</span> '
    r'<span class="distance">(?P<distance>[^<]+)</span></li>'
)


def nearby_items(page):
    """(name, distance text) for each entry of the nearby lists, in page order."""
    return [(html.unescape(m["name"]), m["distance"]) for m in NEARBY_ITEM.finditer(page)]


def h1_count(page):
    return len(re.findall(r"<h1[\s>]", page))


def text(page):
    """The page's visible text with tags removed and whitespace collapsed."""
    # Inline tags join the words around them ("in <a>Shakhtinsk</a>, Kazakhstan"); others part them.
    inline = re.sub(r"</?(?:a|em|strong|b|i|span)\b[^>]*>", "", page)
    no_tags = re.sub(r"<[^>]+>", " ", inline)
    return re.sub(r"\s+", " ", html.unescape(no_tags))
