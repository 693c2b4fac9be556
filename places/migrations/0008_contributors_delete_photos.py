"""Contributors may remove a wrong photo (its files go with it): they get delete_photo."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Contributors"
PERMISSIONS = ["delete_photo"]


def grant(apps, schema_editor):
    places = apps.get_app_config("places")
    places.models_module = True
    create_permissions(places, apps=apps, verbosity=0)
    places.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="places", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="places", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("places", "0007_photo_licence_and_image_without_dimension_fields")]

    operations = [migrations.RunPython(grant, revoke)]
