"""The places app: place pages, nearby lists and their editing in the admin."""

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = "Places"

    def ready(self):
        from django.db.models.signals import post_delete

        from places import cache, history, models, photo_files

        cache.connect_signals()
        history.register()
        # A deleted photo's files go once the deletion commits.
        post_delete.connect(
            photo_files.photo_deleted, sender=models.Photo, dispatch_uid="photo-files-delete"
        )
