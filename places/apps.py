"""The places app: place pages, nearby lists and their editing in the admin."""

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = "Places"

    def ready(self):
        from places import cache, models

        cache.connect_signals(
            models.Place, models.Section, models.Photo, models.AlternateName, models.SlugRedirect
        )
