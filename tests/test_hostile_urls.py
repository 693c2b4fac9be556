"""Generated addresses and query strings on every public URL (reliability battery, item 4):
real slugs and names mixed with generated text (any Unicode, NUL, slashes, percent signs,
very long), query parameters known and unknown, repeated, badly encoded. None may get a
server error; under /api/ every answer is JSON, as the API's description says."""

import re
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from places.sitemaps import SITEMAPS

# Requests per public address.
CASES = 60

# What a visitor or a crawler could type: any character, NUL and surrogates' neighbours
# included, and now and then far too much of it.
GARBAGE = (
    st.text(max_size=30)
    | st.text(alphabet="\x00/%.?#&=+;\\ '\"<>", max_size=12)
    | (st.sampled_from(["a", "é", "\U0001f600", "%", "\x00"]).map(lambda c: c * 5000))
)
# Every parameter any page or API address reads, and the values that reach the test's data.
PARAMETERS = [
    *["q", "page", "after", "category", "kind", "country", "town", "lat", "lon", "limit"],
    *["radius_km", "bbox", "cursor", "p", "next", "language", "slug", "format"],
]
VALUES = [
    *["Museum", "Park", "City", "area", "sight", "Kazakhstan", "shakhtinsk-qalasy", "karlag"],
    *["2", "0", "-1", "999999999999999999999", "49.68", "72.69", "1e999", "nan"],
    *["72,49,73,50", "/", "//evil.example", "javascript:alert(1)", "ru", "kk", ""],
]
# Escapes no encoder writes: a bare %, bad hex, bytes that are not UTF-8, a lone surrogate.
RAW_QUERY_PIECES = ["%", "%zz", "%FF", "%C3", "%ED%A0%80", "%00", "&&", "=", "==", "a=%", ";"]
SLUGS = ["karlag-museum", "shakhtinsk-qalasy", "mine-park", "coal-mine-park", "a-draft", "x"]
COUNTRIES = ["Kazakhstan", "kazakhstan", "Atlantis", "Kazakhstan/Shakhtinsk"]

# Each public address as a template, and the real values of its parts.
ROUTES = {
    "places:home": ("", {}),
    "places:list": ("places/", {}),
    "places:detail": ("places/{slug}/", {"slug": SLUGS}),
    "places:nearby": ("places/{slug}/nearby/", {"slug": SLUGS}),
    "places:search": ("search/", {}),
    "places:country": ("countries/{name}/", {"name": COUNTRIES}),
    "places:near_me": ("nearby/", {}),
    "places:robots": ("robots.txt", {}),
    "places:healthz": ("healthz", {}),
    "places:sitemap_index": ("sitemap.xml", {}),
    "places:sitemap": ("sitemap-{section}.xml", {"section": list(SITEMAPS)}),
    "places:api_nearby": ("api/nearby/", {}),
    "places:api_places": ("api/places/", {}),
    "places:api_search": ("api/search/", {}),
    "places:api_place": ("api/places/{slug}/", {"slug": SLUGS}),
    "places:api_openapi": ("api/openapi.json", {}),
    "places:api_unknown": ("api/{rest}", {"rest": ["places", "nearby", "v2/places/"]}),
    "set_language": ("i18n/setlang/", {}),
    "media": ("media/{name}", {"name": ["photos/", "photos/x.png", "../settings.py"]}),
    # The admin's only page open to anyone, and its other addresses (which send to it).
    "admin:login": ("admin/login/", {}),
    "admin": ("admin/{rest}", {"rest": ["places/place/", "places/place/1/change/", "logout/"]}),
    # Anything else.
    "anywhere": ("{rest}", {"rest": ["places", "static/js/search.js", "favicon.ico", "."]}),
}


def part(real):
    """A part of an address: a real value or generated text, escaped as a browser does, or
    with its slashes, dots and percent signs left as typed."""
    text = st.sampled_from(real) | GARBAGE if real else GARBAGE
    return st.tuples(text, st.sampled_from(["", "/", "/%."])).map(lambda t: quote(*t))


def query_string():
    pair = st.tuples(st.sampled_from(PARAMETERS) | GARBAGE, st.sampled_from(VALUES) | GARBAGE)
    encoded = pair.map(lambda p: urlencode([p])) | st.sampled_from(RAW_QUERY_PIECES)
    return st.lists(encoded, max_size=8).map("&".join)


def addresses(template, parts):
    names = re.findall(r"\{(\w+)\}", template)
    values = st.fixed_dictionaries({name: part(parts[name]) for name in names})
    return st.tuples(values.map(lambda v: "/" + template.format(**v)), query_string())


def public_url_names(patterns=None, namespace=None):
    """The names of the site's URL patterns outside the admin (which only logs in)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                yield from public_url_names(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_public_url_is_generated():
    assert set(public_url_names()) <= set(ROUTES)


@pytest.mark.parametrize("name", list(ROUTES))
def test_no_address_or_query_string_gets_a_server_error(rich_places, name):
    template, parts = ROUTES[name]
    client = Client(raise_request_exception=False)
    sent = []

    @settings(
        max_examples=CASES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(address=addresses(template, parts))
    def send(address):
        path, query = address
        response = client.get(f"{path}?{query}" if query else path)
        sent.append(path)
        assert response.status_code < 500, (path, query, response.status_code)
        if path.startswith("/api/") and not 300 <= response.status_code < 400:
            assert response["Content-Type"] in {"application/json", "application/geo+json"}

    send()

    assert len(sent) == CASES
