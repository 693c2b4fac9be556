"""Whole public pages and API answers, cached until a committed change to what they show.

A cached answer depends on named versions ("tags", counters in ContentVersion): its place's,
the grid regions its nearby list can draw from, its town's list, its country's towns, the
listings. An edit moves on only the versions of what it can change (change_tags), after it
commits, so an edit to one place renders again the pages that can show it and leaves the rest
of the site cached. Kept in the database so that every process sees an edit from any other (a
worker, a shell, an import) on its next page view, whichever cache holds the pages.

An entry holds the answer, its tags and the versions they had before it was rendered. A view
of a cached address reads the entry (one cache read), then the current versions of its tags
(one query); the same versions serve it, or answer 304 to a matching If-None-Match, without
rendering. Otherwise the view renders, naming its tags as it goes (depends_on). Versions read
before rendering can only be older than the data rendered, so an entry never outlives a change
it missed. A tag first named during rendering was not read before: it is read after, with
CHANGES, which every change moves on; if CHANGES has not moved, neither has the tag since
before rendering, and the entry is stored; otherwise it is stored as never current, so that the
next view renders again knowing all its tags beforehand.

Entries are kept per release (release()): the workers a release starts render its pages again,
while those of the release before finish with theirs.

Code that writes without Model.save() (bulk imports) calls everything_changed(). When the
cache is a Redis server that stops answering, pages are rendered uncached (one warning per
outage) until it is back.
"""

import hashlib
import logging
import os
import time
from functools import cache as once
from functools import partial, wraps
from pathlib import Path
from urllib.parse import urlencode

import django
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from redis import RedisError

from places import geo
from places.models import AlternateName, ContentVersion, Photo, Place, Section, SlugRedirect

log = logging.getLogger(__name__)

# Moved on by every change; no page depends on it (see the module's docstring).
CHANGES = "changes"
# Every page depends on it: a change that cannot say what it touched (an import) moves it.
EVERYTHING = "everything"
# The listings: the home page, the places list, search, sitemaps, the API's search and any
# page over too wide an area for regions. Every change to a published place moves it.
LISTINGS = "listings"
# More regions than this, and a page depends on LISTINGS instead (a 50 km circle overlaps at
# most 9 away from the poles; the API's 2 by 2 degree box about 40).
MAX_REGIONS = 64
# What renders the pages, besides the data: the project's code, templates and translations
# (release()), and the names collectstatic gave the static files.
RELEASE_FOLDERS = ("guide", "places", "templates", "locale")
RELEASE_SUFFIXES = {".py", ".html", ".txt", ".xml", ".mo"}
# The answers a shared cache may share, and how every response says so.
VARY = ("Accept-Language", "Cookie")


def place_tag(pk):
    """Everything about one place: its page, its nearby page, its API answer."""
    return f"p:{pk}"


def town_name_tag(pk):
    """What the pages of a town's places show of it: its name, address and whether it is
    published."""
    return f"n:{pk}"


def town_tag(pk):
    """A town's own places, as its page lists and maps and counts them."""
    return f"t:{pk}"


def country_tag(name):
    """A country's page: its towns and their places' counts. Hashed: a name is up to 100
    characters, a key 40."""
    return "c:" + hashlib.sha256(name.encode()).hexdigest()[:32]


def region_tag(row, column):
    return f"r:{row}:{column}"


def _regions_or_listings(regions):
    if regions is None:
        return [LISTINGS]
    return [region_tag(*region) for region in sorted(regions)]


def nearby_tags(latitude, longitude, radius_km):
    """The tags of a list of the places within radius_km of a point: the regions that can
    hold them."""
    latitude, longitude = geo.stored_point(latitude, longitude)
    return _regions_or_listings(geo.regions_within(latitude, longitude, radius_km, MAX_REGIONS))


def box_tags(south, north, intervals):
    """The tags of a list of the places in a box."""
    return _regions_or_listings(geo.regions_of_box(south, north, intervals, MAX_REGIONS))


def place_page_tags(place, radius_km):
    """The tags of a page about a place that lists the places within radius_km of it."""
    tags = [place_tag(place.pk), *nearby_tags(place.latitude, place.longitude, radius_km)]
    if place.town_id:
        tags.append(town_name_tag(place.town_id))
    if place.kind == Place.Kind.AREA:
        tags.append(town_tag(place.pk))
    return tags


def depends_on(request, *tags):
    """Say that the answer being rendered shows what these tags cover."""
    if hasattr(request, "page_tags"):
        request.page_tags.update(tags)


# What changes of a place each kind of page shows (besides the place's own pages, which show
# all of it, and the listings, which show every published place).
NEARBY_FIELDS = {"name", "slug", "kind", "category", "latitude", "longitude", "status"}
TOWN_LIST_FIELDS = NEARBY_FIELDS | {"country", "town_id"}
TOWN_NAME_FIELDS = {"name", "short_name", "slug", "status"}
COUNTRY_FIELDS = {"name", "slug", "kind", "status", "country", "town_id"}
PLACE_FIELDS = sorted(
    {"id", "short_name", "subtitle", "population", "featured", "external_id"}
    | TOWN_LIST_FIELDS
    | COUNTRY_FIELDS
)


def place_state(place):
    return {name: getattr(place, name) for name in PLACE_FIELDS}


def change_tags(old, new, town_countries=None):
    """The tags a change of a place moves on, from its state before (None: created) and after
    (None: deleted), as place_state gives them. town_countries(ids) gives the countries of
    towns, read only when a country's page can change."""
    states = [state for state in (old, new) if state]
    tags = {place_tag(states[0]["id"])}
    if not any(state["status"] == Place.Status.PUBLISHED for state in states):
        return tags  # a draft before and after: on no public page but its own
    tags.add(LISTINGS)  # the sitemaps give every place's time of change
    if old is None or new is None:
        changed = set(PLACE_FIELDS)
    else:
        changed = {name for name in PLACE_FIELDS if old[name] != new[name]}
    if changed & NEARBY_FIELDS:
        for state in states:
            tags.add(region_tag(*geo.region_of(state["latitude"], state["longitude"])))
    towns = {state["town_id"] for state in states if state["town_id"]}
    if changed & TOWN_LIST_FIELDS:
        tags.update(town_tag(town) for town in towns)
    if changed & TOWN_NAME_FIELDS:
        tags.add(town_name_tag(states[0]["id"]))
    if changed & COUNTRY_FIELDS:
        countries = {state["country"] for state in states}
        if towns and town_countries:
            countries.update(town_countries(towns))
        tags.update(country_tag(country) for country in countries if country)
    return tags


def _town_countries(ids):
    return set(Place.objects.filter(pk__in=ids).values_list("country", flat=True))


# Versions


# Every cached page runs this: the ORM takes ten times longer to build it than SQLite to run it.
def read_versions(tags):
    """{tag: version} for these tags, 0 for a tag never moved on: one query."""
    tags = list(tags)
    versions = dict.fromkeys(tags, 0)
    table = connection.ops.quote_name(ContentVersion._meta.db_table)
    marks = ", ".join(["%s"] * len(tags))
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "key", "version" FROM {table} WHERE "key" IN ({marks})', tags)
        versions.update(cursor.fetchall())
    return versions


def changed(tags):
    """The pages of these tags are out of date once the current transaction commits (at once
    outside a transaction)."""
    # robust: the edit is committed by then; a failure here must not turn it into an error page.
    transaction.on_commit(partial(_move_on, frozenset(tags)), robust=True)


def everything_changed(**kwargs):
    """Every cached page is out of date once the current transaction commits."""
    changed({EVERYTHING})


def _move_on(tags):
    """One transaction, so that a reader sees all of a change's versions move or none; it
    starts with CHANGES, which serialises the writers (no two lock rows in different orders)."""
    others = sorted(set(tags) - {CHANGES})
    with transaction.atomic():
        for keys in ([CHANGES], others):
            if not keys:
                continue
            counters = ContentVersion.objects.filter(key__in=keys)
            if counters.update(version=F("version") + 1) < len(keys):
                # Rows missing: create them (another process may just have), then count
                # this change in each of them that was not counted yet.
                existing = set(counters.values_list("key", flat=True))
                ContentVersion.objects.bulk_create(
                    [ContentVersion(key=key) for key in keys], ignore_conflicts=True
                )
                new = [key for key in keys if key not in existing]
                ContentVersion.objects.filter(key__in=new).update(version=F("version") + 1)


# What moves versions on: every save and delete of the models pages show, raw ones (fixtures,
# restored revisions) included.


def _place_saving(sender, instance, raw=False, **kwargs):
    if instance.pk is not None:
        old = Place.objects.filter(pk=instance.pk).values(*PLACE_FIELDS).first()
        instance._page_cache_old_state = old


def _place_saved(sender, instance, created=False, raw=False, **kwargs):
    old = instance.__dict__.pop("_page_cache_old_state", None)
    changed(change_tags(old, place_state(instance), _town_countries))


def _place_deleted(sender, instance, **kwargs):
    changed(change_tags(place_state(instance), None, _town_countries))


def _part_changed(sender, instance, **kwargs):
    """A section, photo or old slug: shown on its place's own pages only."""
    changed({place_tag(instance.place_id)})


def _name_changed(sender, instance, **kwargs):
    """An alternate name: shown on its place's pages, and found by search."""
    changed({place_tag(instance.place_id), LISTINGS})


def connect_signals():
    pre_save.connect(_place_saving, sender=Place, dispatch_uid="pagecache-place-saving")
    post_save.connect(_place_saved, sender=Place, dispatch_uid="pagecache-place-saved")
    post_delete.connect(_place_deleted, sender=Place, dispatch_uid="pagecache-place-deleted")
    for model, receiver in (
        (Section, _part_changed),
        (Photo, _part_changed),
        (SlugRedirect, _part_changed),
        (AlternateName, _name_changed),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"pagecache-delete-{model}")


@checks.register(checks.Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """Each process keeping its own copy of every page multiplies memory and rendering."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.PLACES_PAGE_CACHE_SECONDS and backend.endswith(".LocMemCache"):
        return [
            checks.Warning(
                "Pages are cached in each process's own memory: every worker process renders "
                "and keeps its own copy of each page.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/0, "
                "unless the site runs as one process.",
                id="places.W001",
            )
        ]
    return []


_cache_down = False


def _fail_soft(operation, *args):
    """The cache's answer, or None while the cache server is unreachable."""
    global _cache_down
    try:
        answer = operation(*args)
    except RedisError:
        if not _cache_down:
            log.warning("The page cache is unreachable; pages are served uncached.", exc_info=True)
            _cache_down = True
        return None
    if _cache_down:
        log.warning("The page cache answers again.")
        _cache_down = False
    return answer


@once
def release():
    """A digest of what renders the pages, read once per process (a few milliseconds)."""
    root = Path(settings.BASE_DIR)
    files = sorted(
        path
        for folder in RELEASE_FOLDERS
        for path in (root / folder).rglob("*")
        if path.suffix in RELEASE_SUFFIXES and path.is_file()
    )
    digest = hashlib.sha256(django.__version__.encode())
    for path in [*files, Path(settings.STATIC_ROOT) / "staticfiles.json"]:
        if path.is_file():
            digest.update(os.path.relpath(path, root).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def page_address(request):
    """What a cached page is keyed by: scheme, host, path and the query string's parameters
    in a fixed order (a selection written in another order is the same page)."""
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    return f"{request.scheme} {request.get_host()} {request.path} {query}"


# Headers that belong to the answer, not to one response of it.
NOT_STORED = {"set-cookie", "vary", "cache-control", "etag", "last-modified", "content-length"}


def cached_page(view=None, *, tags=(), vary=VARY):
    """Serve a view's 200 answers from the cache, by page_address and language (the public
    pages show nothing else that depends on the visitor), while the versions of their tags
    stay as they were: `tags` (names, or a function of the view's arguments giving them) and
    those the view names with depends_on. Every answer gets a strong ETag (a hash of its
    content), Last-Modified (since when the cache has held this content), and Cache-Control
    public_cache_control() gives; a view that sets its own Cache-Control (a preview:
    `private, no-store`) is neither stored nor given those.

    The language comes from the switcher's cookie or the browser's Accept-Language
    (LocaleMiddleware), so the pages say they vary with both, for caches in between."""
    if view is None:
        return partial(cached_page, tags=tags, vary=vary)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if not settings.PLACES_PAGE_CACHE_SECONDS:
            return _public(request, view(request, *args, **kwargs), vary)
        known = tags(request, *args, **kwargs) if callable(tags) else tags
        key = f"places:page:{release()}:" + _digest(f"{get_language()} {page_address(request)}")
        entry = _fail_soft(cache.get, key)
        if not isinstance(entry, dict):
            entry = None
        wanted = {CHANGES, EVERYTHING, *known, *(entry["tags"] if entry else ())}
        versions = read_versions(wanted)
        if entry and all(versions[tag] == seen for tag, seen in entry["tags"].items()):
            response = HttpResponse(entry["content"])
            for header, value in entry["headers"]:
                response[header] = value
            return _served(
                _public(request, response, vary, entry["etag"], entry["modified"]), "hit"
            )

        request.page_tags = {EVERYTHING, *known}
        response = view(request, *args, **kwargs)
        if not _storable(response):
            return _public(request, response, vary)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        etag = f'"{_digest(response.content)}"'
        # Content seen before keeps its time: a change that left this page as it was.
        modified = entry["modified"] if entry and entry["etag"] == etag else time.time()
        late = request.page_tags - versions.keys()
        if late:
            now = read_versions([CHANGES, *late])
            unmoved = now[CHANGES] == versions[CHANGES]
            # Moved: stored all the same as never current, so the next view reads its tags first.
            versions.update({tag: now[tag] if unmoved else -1 for tag in late})
        headers = [(h, v) for h, v in response.items() if h.lower() not in NOT_STORED]
        stored = {
            "content": response.content,
            "headers": headers,
            "tags": {tag: versions[tag] for tag in request.page_tags},
            "etag": etag,
            "modified": modified,
        }
        _fail_soft(cache.set, key, stored, settings.PLACES_PAGE_CACHE_SECONDS)
        return _served(_public(request, response, vary, etag, modified), "miss")

    return wrapper


def _served(response, how):
    """Mark how the page cache answered, for the tests and the benchmark (not a header: a
    shared cache would keep it)."""
    response.page_cache = how
    return response


def _digest(text):
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:32]


def _storable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.has_header("Cache-Control")
        and not response.cookies
    )


def public_cache_control(response):
    """Browsers ask again each time (a 304 costs a cache read and one query, and an editor
    sees an edit on the next view); a shared cache (a proxy, a CDN) may answer from its copy
    for PLACES_SHARED_CACHE_SECONDS, then must ask."""
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.PLACES_SHARED_CACHE_SECONDS,
        must_revalidate=True,
    )


def _public(request, response, vary, etag=None, modified=None):
    """A public answer's headers, and 304 Not Modified when the client holds it already."""
    if not _storable(response):
        return response
    if etag is None:
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        etag = f'"{_digest(response.content)}"'
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    public_cache_control(response)
    if vary:
        patch_vary_headers(response, vary)
    return get_conditional_response(
        request, etag=etag, last_modified=int(modified) if modified else None, response=response
    )


def private_unless_public(get_response):
    """Middleware: any answer to a signed-in user, and any admin page, that does not say how
    it may be cached is `private, no-store` (no shared cache keeps it, no browser stores it)."""

    def middleware(request):
        response = get_response(request)
        if response.has_header("Cache-Control"):
            return response  # it says already, and the session is not read (the health check)
        # Without a session cookie nobody is signed in: the session is not read, so that
        # answers to everyone else do not say they vary with cookies.
        signed_in = (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and hasattr(request, "user")
            and request.user.is_authenticated
        )
        admin = getattr(request.resolver_match, "namespace", "") == "admin"
        if signed_in or admin:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
