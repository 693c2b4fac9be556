"""The guide's admin site: Django's, with the editors' review queue counted in its list of
models (on the index and in the side bar)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class GuideAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        for app in apps:
            for model in app["models"]:
                # Listed only for those who may see the queue (ReviewQueueAdmin).
                if model["object_name"] == "ReviewQueue":
                    model["name"] = f"{model['name']} ({review_count()})"
        return apps


def review_count():
    from places.models import Place  # not at the top: settings load this module before the models

    # One range of the partial index places_place_review_idx.
    return Place.objects.filter(status=Place.Status.REVIEW).count()


class GuideAdminConfig(AdminConfig):
    default_site = "places.admin_site.GuideAdminSite"
