"""Public pages of the guide, and its read-only JSON API under /api/ (places/api.py)."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from places import api, views
from places.cache import LISTINGS, cached_page
from places.sitemaps import SITEMAPS

app_name = "places"

urlpatterns = [
    path("", views.home, name="home"),
    path("places/", views.place_list, name="list"),
    path("places/<slug:slug>/", views.place_detail, name="detail"),
    path("places/<slug:slug>/nearby/", views.place_nearby, name="nearby"),
    path("search/", views.search, name="search"),
    path("countries/<path:name>/", views.country, name="country"),
    path("nearby/", views.near_me, name="near_me"),
    # For search engines (places/sitemaps.py).
    path("robots.txt", views.robots_txt, name="robots"),
    # For monitors and load balancers: the process answers (docs/deploy.md).
    path("healthz", views.healthz, name="healthz"),
    path(
        "sitemap.xml",
        cached_page(sitemap_views.index, tags=[LISTINGS]),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "places:sitemap"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        cached_page(sitemap_views.sitemap, tags=[LISTINGS]),
        # Django's template, less what the guide never uses: a file renders in half the time.
        {"sitemaps": SITEMAPS, "template_name": "places/sitemap.xml"},
        name="sitemap",
    ),
    # The API, described in docs/api.md and docs/openapi.json.
    path("api/nearby/", api.nearby, name="api_nearby"),
    path("api/places/", api.place_list, name="api_places"),
    path("api/search/", api.search, name="api_search"),
    # Any text, not just slugs, so that every unknown place gets the API's JSON 404.
    path("api/places/<str:slug>/", api.place_detail, name="api_place"),
    path("api/openapi.json", api.openapi, name="api_openapi"),
    # Anything else under /api/: a JSON 404 (not an endpoint, so not in the description).
    re_path(r"^api/(?P<rest>[\s\S]*)\Z", api.unknown, name="api_unknown"),
]
