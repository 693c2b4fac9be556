"""Uploaded photos, served by Django itself when no web server in front serves MEDIA_ROOT.

Only names under photos/ with an image extension are served, each as the type its extension
says, never sniffed, and sandboxed should a browser open one as a page; a name of ours
(places/images.py) never changes content, so browsers keep it a year. See README "Photos and
media storage" for the reverse-proxy set-up that takes this work off Django.
"""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from places import images

YEAR = 365 * 24 * 3600


@require_safe
def serve_photo(request, name):
    content_type = images.content_type(name)
    if content_type is None:
        raise Http404("No such photo.")
    try:
        file = default_storage.open(name)
    except OSError as error:  # missing, a folder...
        raise Http404("No such photo.") from error
    response = FileResponse(file, content_type=content_type)
    age = f"max-age={YEAR}, immutable" if images.is_ours(name) else "max-age=3600"
    response["Cache-Control"] = f"public, {age}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
