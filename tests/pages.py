"""Reading what a visitor sees in a rendered page."""

import html
import json
import re
from html.parser import HTMLParser

NEARBY_ITEM = re.compile(
    r'<li><a href="(?P<url>[^"]+)">(?P<name>[^<]+)</a> <span class="muted">[^<]*</span> '
    r'<span class="distance">(?P<distance>[^<]+)</span></li>'
)

# Data blocks, which browsers never run: schema.org data (places/seo.py) and a map's data
# (places/maps.py), JSON with no "<" in it.
DATA_BLOCKS = re.compile(
    r'<script type="application/ld\+json">[^<]*</script>'
    r'|<script id="[\w-]+" type="application/json">[^<]*</script>'
)
# The guide's own scripts, files under static/js/ (the search box's on every page) and the
# vendored Leaflet (static/vendor/, `make vendor`).
OUR_SCRIPTS = re.compile(
    r'<script src="/static/(?:js/[a-z-]+|vendor/[\w./-]+)\.js" defer></script>'
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


MAP_DATA = re.compile(r'<script id="map-data" type="application/json">([^<]*)</script>')


def map_data(page):
    """The data of a page's map (places/maps.py), or None when it has no map."""
    found = MAP_DATA.search(page)
    return found and json.loads(found[1])


def without_our_scripts(page):
    """The page without its data blocks and the guide's own script files: what remains
    holds no script at all."""
    return OUR_SCRIPTS.sub("", DATA_BLOCKS.sub("", page))


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_json_ld = {}, {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            key = attrs.get("property") or attrs["name"]
            assert key not in self.meta, f"{key} twice"
            self.meta[key] = attrs["content"]
        elif tag == "link":
            self.links.setdefault(attrs["rel"], []).append(attrs["href"])
        self._in_json_ld = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_json_ld = False


def head(page):
    """What crawlers read: `meta` (name or property → content, unescaped), `links` (rel →
    hrefs) and `json_ld` (each application/ld+json script, parsed)."""
    parser = _Head()
    parser.feed(page)
    return parser
