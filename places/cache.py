"""Whole public pages, cached until a committed change to what they show.

A place page lists other places, so one edit can change many pages. Rather than track which,
every cached page is keyed by a content version that any change to places, sections, photos,
alternate names or slugs moves on; pages of an old version are never read again and expire.

The version is a counter in the database (ContentVersion), so that every process sees an edit
from any other (a worker, a shell, an import) on its next page view, whichever cache holds the
pages; reading it is the one query of a cached page. It moves after the change commits, and a
view reads it before anything else, so a page rendered from older data is never stored under
a newer version. Code that writes without Model.save() (bulk imports) calls content_changed().

The pages themselves live in the configured cache. When that is a Redis server that stops
answering, pages are rendered uncached (one warning per outage) until it is back.
"""

import hashlib
import logging
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from redis import RedisError

from places.models import ContentVersion

log = logging.getLogger(__name__)

VERSION_KEY = "pages"


# Every cached page runs this: the ORM takes ten times longer to build it than SQLite to run it.
READ_VERSION = f'SELECT "version" FROM "{ContentVersion._meta.db_table}" WHERE "key" = %s'


def content_version():
    """0 until the first change (and after the tests empty the table)."""
    with connection.cursor() as cursor:
        cursor.execute(READ_VERSION, [VERSION_KEY])
        row = cursor.fetchone()
    return row[0] if row else 0


def content_changed(**kwargs):
    """Every cached page is out of date once the current transaction commits (at once outside
    a transaction). Also the receiver of the model signals."""
    # robust: the edit is committed by then; a failure here must not turn it into an error page.
    transaction.on_commit(_next_version, robust=True)


def _next_version():
    counter = ContentVersion.objects.filter(key=VERSION_KEY)
    if not counter.update(version=F("version") + 1):
        # No row yet: create it, then count this change even if another process just did.
        ContentVersion.objects.bulk_create([ContentVersion(key=VERSION_KEY)], ignore_conflicts=True)
        counter.update(version=F("version") + 1)


def connect_signals(*models):
    for model in models:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-delete-{model}")


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


def page_address(request):
    """What a cached page is keyed by: scheme, host, path and the query string's parameters
    in a fixed order (a selection written in another order is the same page)."""
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    return f"{request.scheme} {request.get_host()} {request.path} {query}"


def cached_page(view):
    """Serve a view's 200 responses from the cache, by page_address and language (the public
    pages show nothing else that depends on the visitor).

    The language comes from the switcher's cookie or the browser's Accept-Language
    (LocaleMiddleware), so the answers say they vary with both, for caches in between."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        timeout = settings.PLACES_PAGE_CACHE_SECONDS
        if not timeout or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        address = f"{content_version()} {get_language()} {page_address(request)}"
        key = f"places:page:{hashlib.sha256(address.encode()).hexdigest()}"
        content = _fail_soft(cache.get, key)
        if content is not None:
            return _varying(HttpResponse(content))
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and _storable(response):
            _fail_soft(cache.set, key, response.content, timeout)
        return _varying(response)

    return wrapper


def _storable(response):
    """A page its view marked `no-store` (a preview of an unpublished place) is not kept: the
    next visitor gets the view's own answer (a 404 for anyone who may not preview)."""
    return "no-store" not in response.get("Cache-Control", "")


def _varying(response):
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
