"""The read-only JSON API: published places as GeoJSON (documented in docs/api.md)."""

import base64
import binascii
import copy
import functools
import json
import logging
import math
import re
from urllib.parse import urlencode

from django.conf import settings
from django.db import OperationalError
from django.db.models import BooleanField, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from places import folding, geo, markup
from places.cache import (
    LISTINGS,
    box_tags,
    cached_page,
    depends_on,
    nearby_tags,
    place_tag,
    town_name_tag,
)
from places.models import AlternateName, Place, Section, SlugRedirect

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 20
# /api/search/ answers as-you-type suggestions: a few by default, never a long list.
SEARCH_DEFAULT_LIMIT = 10
SEARCH_MAX_LIMIT = 50
# The order places in a box are paged in: the index's, with the id to break ties.
PAGE_ORDER = ("cell", "latitude", "longitude", "id")
# What SlugField accepts: anything else is no place's slug, and is never sent to the database.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# Numbers in ASCII decimal notation, as JSON and every language's float formatting write
# them, exponents included (Python sends 0.00001 as "1e-05", JavaScript 1e21 as "1e+21"); not
# the Unicode digits, underscores and spaces that Python's float() and int() also take. The
# bbox pattern is stated in docs/openapi.json (a test checks they agree).
NUMBER_PATTERN = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
NUMBER = re.compile(NUMBER_PATTERN)
# More digits than any limit needs, and few enough for int() (which refuses 4,301).
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
BBOX = re.compile(f"^{NUMBER_PATTERN},{NUMBER_PATTERN},{NUMBER_PATTERN},{NUMBER_PATTERN}$")
OPENAPI_PATH = settings.BASE_DIR / "docs" / "openapi.json"
# What a client waits before asking again when the database cannot answer.
RETRY_AFTER_SECONDS = 30

log = logging.getLogger(__name__)


class BadParameter(Exception):
    """A query parameter is missing or wrong; the message tells the client what to send."""


def api_view(view):
    """GET and HEAD only, open to other sites' pages, wrong parameters answered with 400 and
    a JSON error, and a database that cannot answer (down, unreachable, locked) with 503."""

    # Exempt so that a POST is told 405 rather than 403: these views never change anything.
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = error(405, f"{request.method} is not allowed: the API is read-only.")
            response["Allow"] = "GET, HEAD"
            return response
        # The API speaks English whatever the browser asks (section titles, errors).
        with translation.override(settings.LANGUAGE_CODE):
            try:
                response = view(request, *args, **kwargs)
            except BadParameter as problem:
                response = error(400, str(problem))
            except OperationalError:
                log.exception("The database could not answer %s", request.path)
                response = error(503, "The database cannot answer just now: try again shortly.")
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Content-Language"] = settings.LANGUAGE_CODE
        # Public data, read without cookies: any web page may fetch it (CORS).
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


def error(status, message):
    return JsonResponse({"error": message}, status=status)


def server_error(request):
    """The site's handler500: under /api/ a JSON answer like every other there, elsewhere the
    HTML error page."""
    if not request.path_info.startswith("/api/"):
        return defaults.server_error(request)
    response = error(500, "Something went wrong on the server; it has been logged.")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def bad_request(request, exception):
    """The site's handler400, for requests Django refuses before or while a view reads them
    (more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters, a redirect to an address too long
    to follow): under /api/ a JSON answer like every other there, elsewhere the HTML page."""
    if not request.path_info.startswith("/api/"):
        return defaults.bad_request(request, exception)
    response = error(
        400, "The request cannot be read: too long an address, or too many parameters."
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def not_found(slug):
    return error(404, f"No published place has the slug {slug!r}.")


def _nearby_tags(request):
    """The regions an answer of nearby can draw from: known from its parameters alone (none
    for wrong ones, which are answered with 400 and not cached)."""
    try:
        latitude = required_number(request, "lat", -90, 90)
        longitude = required_number(request, "lon", -180, 180)
        return nearby_tags(latitude, longitude, radius_param(request))
    except BadParameter:
        return []


def _box_tags(request):
    try:
        return box_tags(*bbox_param(request))
    except BadParameter:
        return []


# JSON has no language: one cached answer for every visitor, varying with nothing.
@api_view
@cached_page(tags=_nearby_tags, vary=())
def nearby(request):
    latitude = required_number(request, "lat", -90, 90)
    longitude = required_number(request, "lon", -180, 180)
    limit = limit_param(request)
    radius_km = radius_param(request)
    places = Place.objects.nearest_published(latitude, longitude, radius_km, limit)
    features = [
        feature(request, place, distance_km=round(place.distance_km, 3)) for place in places
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, content_type=GEOJSON)


@api_view
@cached_page(tags=[LISTINGS], vary=())
def search(request):
    """Suggestions for a text: published places whose names (alternate names too) match it,
    best first (Place.objects.search)."""
    query = request.GET.get("q", "")
    if not query.strip():
        raise BadParameter(
            "q is required: the text to search for in the places' names, e.g. q=karaganda."
        )
    if not folding.fold(query):
        raise BadParameter(f"q must hold at least one letter or digit, not {query!r}.")
    limit = limit_param(request, SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT)
    features = [
        feature(
            request,
            result.place,
            country=result.place.country,
            area=result.place.kind == Place.Kind.AREA,
            matched=result.matched,
            match=result.match,
        )
        for result in Place.objects.search(query, limit)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, content_type=GEOJSON)


@api_view
@cached_page(tags=_box_tags, vary=())
def place_list(request):
    south, north, intervals = bbox_param(request)
    after = cursor_param(request)
    limit = limit_param(request)
    # One row more than the page tells whether there is a next page.
    rows = list(places_in_box(south, north, intervals, after)[: limit + 1])
    page = rows[:limit]
    next_url = None
    if len(rows) > limit:
        cursor = encode_cursor(position(page[-1]))
        query = urlencode(
            {"bbox": request.GET["bbox"], "limit": limit, "cursor": cursor},
            safe=",",
        )
        next_url = request.build_absolute_uri(f"{request.path}?{query}")
    features = [feature(request, place) for place in page]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "next": next_url},
        content_type=GEOJSON,
    )


@api_view
@cached_page(vary=())
def place_detail(request, slug):
    if not SLUG.fullmatch(slug):
        return not_found(slug)
    alternate_names = AlternateName.objects.order_by("name")
    place = (
        Place.objects.for_page()
        .prefetch_related(Prefetch("alternate_names", queryset=alternate_names))
        .published_with_slug(slug)
    )
    if place is None:
        new_slug = SlugRedirect.objects.current_slug(slug)
        if new_slug is None:
            return not_found(slug)
        return redirect("places:api_place", slug=new_slug, permanent=True)
    depends_on(request, place_tag(place.pk))
    if place.town_id:
        depends_on(request, town_name_tag(place.town_id))
    town = place.published_town
    properties = {
        "subtitle": place.display_subtitle,
        "country": place.country,
        "town": town.slug if town else None,
        "alternate_names": [alternate.name for alternate in place.alternate_names.all()],
        "sections": [section_json(section) for section in place.sections.all()],
        "photos": [photo_json(request, photo) for photo in place.photos.all()],
    }
    return JsonResponse(feature(request, place, **properties), content_type=GEOJSON)


@api_view
def unknown(request, rest):
    """Any other address under /api/: a JSON 404 that says where the API is described, or
    the address with its missing final slash."""
    with_slash = f"{request.path}/"
    if not rest.endswith("/") and _url_name(with_slash) not in {None, "api_unknown"}:
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{with_slash}?{query}" if query else with_slash, permanent=True)
    return error(
        404,
        f"There is no API endpoint at {request.path}: see {reverse('places:api_openapi')} "
        "for the ones there are.",
    )


def _url_name(path):
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


@api_view
@cached_page(vary=())
def openapi(request):
    return JsonResponse(openapi_document(request))


# Responses


def feature(request, place, **extra_properties):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
        "properties": {
            "name": place.name,
            "slug": place.slug,
            "url": request.build_absolute_uri(place.get_absolute_url()),
            "category": place.category,
            "kind": place.kind,
            **extra_properties,
        },
    }


def section_json(section):
    return {
        "kind": Section.Kind(section.kind).name.lower(),
        "title": section.get_kind_display(),
        "text": section.body,
        "html": markup.sanitise(section.body_html),
    }


def photo_json(request, photo):
    return {
        "url": request.build_absolute_uri(photo.image.url),
        "alt_text": photo.alt_text,
        "caption": photo.caption,
        "credit": photo.credit,
        "licence": photo.licence,
        "width": photo.width,
        "height": photo.height,
    }


def openapi_document(request):
    """docs/openapi.json, with this server's address and the limits it is configured with."""
    document = copy.deepcopy(_openapi_file())
    document["servers"] = [{"url": request.build_absolute_uri(reverse("places:home")).rstrip("/")}]
    parameters = document["components"]["parameters"]
    parameters["limit"]["schema"]["maximum"] = settings.PLACES_API_MAX_LIMIT
    parameters["limit"]["schema"]["default"] = min(DEFAULT_LIMIT, settings.PLACES_API_MAX_LIMIT)
    parameters["radius_km"]["schema"]["maximum"] = settings.PLACES_API_MAX_RADIUS_KM
    parameters["radius_km"]["schema"]["default"] = settings.PLACES_NEARBY_RADIUS_KM
    return document


@functools.cache
def _openapi_file():
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


# Queries


def places_in_box(south, north, intervals, after=None):
    """Published places inside a box, in the order of the index on (status, cell, latitude,
    longitude): a page reads the index from where the last one stopped, and stops when it
    is full, whatever the size of the box. `after` is the last place of the previous page,
    as (cell, latitude, longitude, id)."""
    in_longitudes = Q()
    for west, east in intervals:
        in_longitudes |= Q(longitude__range=(west, east))
    places = (
        Place.objects.published()
        .filter(in_longitudes, latitude__range=(south, north))
        .filter(cell__range=(geo.cell_of(south, -180.0), geo.cell_of(north, 180.0)))
        .only("name", "slug", "kind", "category", "latitude", "longitude", "cell")
        .order_by(*PAGE_ORDER)
    )
    if after:
        # A row comparison, which both databases answer from the index; spelled out as ORs
        # of the ORM, it makes SQLite's planner sort the whole box.
        columns = ", ".join(Place._meta.get_field(name).column for name in PAGE_ORDER)
        places = places.filter(
            RawSQL(f"({columns}) > (%s, %s, %s, %s)", after, output_field=BooleanField())
        )
    return places


# Parameters


def required_number(request, name, low, high):
    expected = f"must be a number between {low:g} and {high:g}"
    text = request.GET.get(name, "")
    if not text:
        raise BadParameter(f"{name} is required: {expected}.")
    value = parse_float(text)
    if value is None or not low <= value <= high:
        raise BadParameter(f"{name} {expected}, not {text!r}.")
    return value


def parse_float(text):
    """A finite number written as NUMBER allows, or None for anything else ("abc", "nan",
    "1e999", " 5", "1_0", "٥")."""
    return value if NUMBER.fullmatch(text) and math.isfinite(value := float(text)) else None


def optional_param(request, name):
    """The parameter's text, or None when it is left out. Given empty it is wrong: a client
    that sends `limit=` meant something, and a default would hide its mistake."""
    return request.GET[name] if name in request.GET else None


def limit_param(request, default=DEFAULT_LIMIT, maximum=None):
    maximum = maximum or settings.PLACES_API_MAX_LIMIT
    text = optional_param(request, "limit")
    if text is None:
        return min(default, maximum)
    value = int(text) if WHOLE_NUMBER.fullmatch(text) else None
    if value is None or not 1 <= value <= maximum:
        raise BadParameter(
            f"limit must be a whole number from 1 to {maximum} (the maximum), not {text!r}."
        )
    return value


def radius_param(request):
    maximum = settings.PLACES_API_MAX_RADIUS_KM
    text = optional_param(request, "radius_km")
    if text is None:
        return settings.PLACES_NEARBY_RADIUS_KM
    value = parse_float(text)
    if value is None or not 0 < value <= maximum:
        raise BadParameter(
            f"radius_km must be a number of kilometres greater than 0 and at most {maximum:g}, "
            f"not {text!r}."
        )
    return value


def bbox_param(request):
    """(south, north, [(west, east), ...]): two intervals when the box crosses 180°."""
    expected = (
        "bbox must be four numbers west,south,east,north in degrees "
        "(longitudes from -180 to 180, latitudes from -90 to 90, south not above north), "
        "e.g. bbox=72.5,49.5,73.3,50.1"
    )
    text = request.GET.get("bbox", "")
    if not text:
        raise BadParameter(f"bbox is required (for now): {expected.removeprefix('bbox ')}.")
    if not BBOX.fullmatch(text):
        raise BadParameter(f"{expected}; got {text!r}.")
    # An overflowing number ("1e999") is infinite, and so out of range below.
    west, south, east, north = (float(part) for part in text.split(","))
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise BadParameter(f"{expected}; the longitudes in {text!r} are out of range.")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise BadParameter(f"{expected}; the latitudes in {text!r} are out of range.")
    if south > north:
        raise BadParameter(f"{expected}; in {text!r} south is greater than north.")
    if west > east:
        return south, north, [(west, 180.0), (-180.0, east)]
    return south, north, [(west, east)]


def position(place):
    """Where a place stands in PAGE_ORDER."""
    return (place.cell, place.latitude, place.longitude, place.pk)


def encode_cursor(position):
    """A position in PAGE_ORDER as URL-safe text."""
    cell, latitude, longitude, pk = position
    text = f"{cell},{latitude!r},{longitude!r},{pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_param(request):
    """(cell, latitude, longitude, id) the page starts after; None for the first page."""
    text = optional_param(request, "cursor")
    if text is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        cell, latitude, longitude, pk = decoded.split(",")
        after = (int(cell), float(latitude), float(longitude), int(pk))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        after = None
    # Only what encode_cursor writes: a cell of the grid, coordinates, a 64-bit primary key.
    valid = (
        after is not None
        and 0 <= after[0] < geo.CELL_ROWS * geo.CELLS_PER_ROW
        and -90 <= after[1] <= 90
        and -180 <= after[2] <= 180
        and 0 < after[3] < 2**63
        and encode_cursor(after) == text
    )
    if not valid:
        raise BadParameter(
            "cursor is not valid: pass the `next` link of the previous page unchanged, "
            "or leave cursor out for the first page."
        )
    return after
