"""The "Contributors" group: may add and change places, sections and photos, nothing more."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Contributors"
PERMISSIONS = [
    f"{action}_{model}"
    for model in ("place", "section", "photo")
    for action in ("view", "add", "change")
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    places = apps.get_app_config("places")
    places.models_module = True
    create_permissions(places, apps=apps, verbosity=0)
    places.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="places", codename__in=PERMISSIONS)
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
