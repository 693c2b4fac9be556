"""Top-level URLs: the guide, the admin, and uploaded photos."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from places.media import serve_photo

admin.site.site_header = "Places guide"
admin.site.site_title = "Places guide admin"
admin.site.index_title = "Edit the guide"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switcher's form sits on cached pages, shared by every visitor, so it can
    # carry no CSRF token; a forged post could at worst change a visitor's language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("places.urls")),
]
# Photos, whatever DEBUG says, unless a web server in front serves MEDIA_URL (places/media.py);
# none when MEDIA_URL is another site's (a bucket's).
if not urlsplit(settings.MEDIA_URL).netloc:
    media = settings.MEDIA_URL.strip("/")
    urlpatterns.append(path(f"{media}/<path:name>", serve_photo, name="media"))

# A server error or a request Django refuses (400) under /api/ is answered in JSON, elsewhere
# with templates/500.html or Django's 400 page.
handler400 = "places.api.bad_request"
handler500 = "places.api.server_error"
