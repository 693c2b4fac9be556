"""The review: places in review, who wrote and submitted them, an editor's note, the
permission to publish, and the "Editors" group (contributors' permissions, plus publishing,
unpublishing, rejecting and deleting places)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

EDITORS = "Editors"
CONTRIBUTORS = "Contributors"
# Over and above the Contributors group's (migrations 0002 and 0008).
PERMISSIONS = ["publish_place", "delete_place"]


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs publish_place now.
    places = apps.get_app_config("places")
    places.models_module = True
    create_permissions(places, apps=apps, verbosity=0)
    places.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    contributors, _ = Group.objects.get_or_create(name=CONTRIBUTORS)
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(
        [
            *contributors.permissions.all(),
            *Permission.objects.filter(content_type__app_label="places", codename__in=PERMISSIONS),
        ]
    )


def delete_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0009_search_names_population"),
        ("places", "0008_contributors_delete_photos"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MyPlace",
            fields=[],
            options={
                "verbose_name": "my place",
                "verbose_name_plural": "My places",
                "proxy": True,
                "default_permissions": (),
                "indexes": [],
                "constraints": [],
            },
            bases=("places.place",),
        ),
        migrations.CreateModel(
            name="ReviewQueue",
            fields=[],
            options={
                "verbose_name": "place in review",
                "verbose_name_plural": "Review queue",
                "proxy": True,
                "default_permissions": (),
                "indexes": [],
                "constraints": [],
            },
            bases=("places.place",),
        ),
        migrations.AlterModelOptions(
            name="place",
            options={
                "ordering": ["name"],
                "permissions": [("publish_place", "Can publish, unpublish and reject places")],
            },
        ),
        migrations.AddField(
            model_name="place",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="place",
            name="review_note",
            field=models.TextField(
                blank=True,
                db_default="",
                editable=False,
                help_text="Why an editor sent the place back to its draft.",
                validators=[django.core.validators.ProhibitNullCharactersValidator()],
            ),
        ),
        migrations.AddField(
            model_name="place",
            name="submitted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="place",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="place",
            name="status",
            field=models.CharField(
                choices=[("draft", "Draft"), ("review", "In review"), ("published", "Published")],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="place",
            index=models.Index(
                condition=models.Q(("status", "review")),
                fields=["submitted_at", "id"],
                name="places_place_review_idx",
            ),
        ),
        migrations.RunPython(create_editors, delete_editors),
    ]
