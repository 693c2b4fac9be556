"""Whole public pages, cached until any place's content changes.

A place page lists other places, so one edit can change many pages. Rather than track which,
every cached page is keyed by a content version that any change to places, sections, photos,
alternate names or slugs replaces; pages of the old version are never read again and expire.
Code that writes without Model.save() (bulk imports) calls content_changed() itself.
"""

import hashlib
from functools import wraps
from uuid import uuid4

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse

VERSION_KEY = "places:content-version"


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def content_changed(**kwargs):
    """Every cached page is out of date. Also a receiver for the model signals."""
    cache.set(VERSION_KEY, uuid4().hex, None)


def connect_signals(*models):
    for model in models:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-delete-{model}")


@checks.register(checks.Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """Each process has its own memory cache: another worker never hears of an edit."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.PLACES_PAGE_CACHE_SECONDS and backend.endswith(".LocMemCache"):
        return [
            checks.Warning(
                "Pages are cached in each process's own memory, so with several worker "
                "processes an edit shows on the others only when their copy expires "
                f"(PLACES_PAGE_CACHE_SECONDS={settings.PLACES_PAGE_CACHE_SECONDS}).",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/0, "
                "unless the site runs as one process.",
                id="places.W001",
            )
        ]
    return []


def cached_page(view):
    """Serve a view's 200 responses from the cache, by scheme, host and path (the public
    pages take no query parameters and show nothing that depends on the visitor)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        timeout = settings.PLACES_PAGE_CACHE_SECONDS
        if not timeout or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        address = f"{content_version()} {request.scheme} {request.get_host()} {request.path}"
        key = f"places:page:{hashlib.sha256(address.encode()).hexdigest()}"
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, response.content, timeout)
        return response

    return wrapper
