"""Top-level URLs: the guide, the admin, and uploaded media in development."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Places guide"
admin.site.site_title = "Places guide admin"
admin.site.index_title = "Edit the guide"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("places.urls")),
]
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A server error under /api/ is answered in JSON, elsewhere with templates/500.html.
handler500 = "places.api.server_error"
