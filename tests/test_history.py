"""A place's history in the admin: every change recorded with who, when and a comment, shown
as word-level differences, and any version restored in one step with its sections, photos'
text and other names, keeping what Place.save keeps true."""

import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client
from reversion.models import Revision, Version

from places import geo, history
from places.models import AlternateName, Photo, Place, Section, SlugRedirect
from tests.conftest import contributors_group, staff_user
from tests.pages import text
from tests.test_admin import ADD_URL, current_form, new_place_form, png_upload


def change_url(place):
    return f"/admin/places/place/{place.pk}/change/"


def history_url(place):
    return f"/admin/places/place/{place.pk}/history/"


def restore_url(place, version):
    return f"/admin/places/place/{place.pk}/history/{version.pk}/restore/"


def edit(client, place, **changes):
    """Open the place's form, change some of it (field or inline names as posted), save."""
    data = current_form(client.get(change_url(place)))
    data.update(changes)
    response = client.post(change_url(place), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def versions_of(place):
    """The place's versions, oldest first."""
    return list(Version.objects.get_for_object(place).order_by("revision__date_created", "pk"))


@pytest.fixture
def museum(make_place):
    place = make_place("Ecological Museum", slug="ecological-museum", country="Kazakhstan")
    Section.objects.create(place=place, kind=Section.Kind.DESCRIPTION, body="A museum of steppe.")
    AlternateName.objects.create(place=place, name="Экомузей")
    return place


@pytest.fixture
def second_contributor(db):
    return staff_user("second", contributors_group())


def test_a_saved_form_is_a_version_with_who_when_and_what_changed(
    contributor_client, contributor, museum
):
    edit(contributor_client, museum, name="Ecological Museum of Karaganda")

    baseline, saved = versions_of(museum)
    assert saved.revision.user == contributor
    assert saved.revision.get_comment() == "Changed Name."
    assert saved.field_dict["name"] == "Ecological Museum of Karaganda"
    # The place had no version (made without the admin, as imports make them): its state
    # before the edit was recorded first, so that the edit can be undone.
    assert baseline.field_dict["name"] == "Ecological Museum"
    assert baseline.revision.user is None
    assert baseline.revision.date_created == museum.updated


def test_a_change_of_the_sections_alone_is_a_version_holding_them(contributor_client, museum):
    edit(contributor_client, museum, **{"sections-0-body": "A museum of the steppe."})

    saved = versions_of(museum)[-1]
    sections = saved.revision.version_set.filter(content_type__model="section")
    assert sections.get().field_dict["body"] == "A museum of the steppe."
    assert "Changed Body for section" in saved.revision.get_comment()


def test_a_place_added_in_the_admin_has_its_first_version(contributor_client, contributor):
    contributor_client.post(ADD_URL, new_place_form())

    place = Place.objects.get(slug="karaganda-ecological-museum")
    (version,) = versions_of(place)
    assert version.revision.user == contributor
    assert version.revision.get_comment().startswith("Added.")
    kinds = {v.content_type.model for v in version.revision.version_set.all()}
    assert kinds == {"place", "section", "alternatename"}


def test_a_deleted_place_keeps_its_last_version_with_who_deleted_it(admin_client, museum):
    response = admin_client.post(f"/admin/places/place/{museum.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Place.objects.filter(pk=museum.pk).exists()
    last = Version.objects.get_for_object_reference(Place, museum.pk).first()
    assert last.revision.comment == "Deleted"
    assert last.revision.user.username == "admin"
    assert last.field_dict["name"] == "Ecological Museum"


def test_an_admin_action_is_one_revision_named_after_it(contributor_client, contributor, museum):
    other = Place.objects.create(
        name="Mine park", slug="mine-park", category="Park", latitude=49.7, longitude=72.6
    )
    response = contributor_client.post(
        "/admin/places/place/",
        {"action": "show_on_home_page", "_selected_action": [museum.pk, other.pk]},
    )

    assert response.status_code == 302
    assert set(Place.objects.values_list("featured", "edit_version")) == {(True, 1)}
    revision = Revision.objects.get(comment="Show on the home page")
    assert revision.user == contributor
    recorded = revision.version_set.filter(content_type__model="place")
    assert {version.field_dict["featured"] for version in recorded} == {True}
    assert len(versions_of(museum)) == 2  # with its baseline


def test_history_page_shows_who_when_and_a_word_diff_of_fields_and_sections(
    contributor_client, museum
):
    edit(
        contributor_client,
        museum,
        name="Ecological Museum of Karaganda",
        **{"sections-0-body": "A small museum of <script>alert(1)</script> steppe."},
    )

    response = contributor_client.get(history_url(museum))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ecological Museum<ins> of Karaganda</ins>" in page
    assert (
        "A<ins> small</ins> museum of <ins>&lt;script&gt;alert(1)&lt;/script&gt; </ins>steppe."
        in page
    )
    assert "<script>alert" not in page
    shown = text(page)
    assert "— contributor" in shown and "Changed Name. Changed Body for section" in shown
    assert "Section “Description”" in shown
    assert "As it was before its first recorded change" in shown


def test_history_page_shows_the_newest_versions_each_against_the_one_before(
    contributor_client, museum, monkeypatch
):
    monkeypatch.setattr(history, "HISTORY_LENGTH", 2)
    for name in ("Second name", "Third name"):
        edit(contributor_client, museum, name=name)

    page = contributor_client.get(history_url(museum)).content.decode()

    assert page.count('class="version"') == 2
    assert "Older versions are kept but not shown." in page
    # The oldest shown is compared with the one before it, not shown in full.
    assert "<del>Ecological</del><ins>Second</ins> <del>Museum</del><ins>name</ins>" in page


def test_a_replaced_word_is_struck_through_before_the_new_one(contributor_client, museum):
    edit(contributor_client, museum, country="Qazaqstan")

    page = contributor_client.get(history_url(museum)).content.decode()

    assert "<del>Kazakhstan</del><ins>Qazaqstan</ins>" in page


# The cached page moves on when the restore commits, and so only in a transactional test.
@pytest.mark.django_db(transaction=True)
def test_restore_brings_back_the_place_its_sections_and_names_as_a_new_version(
    contributor_client, client, museum
):
    first = versions_of(museum)
    assert first == []
    edit(
        contributor_client,
        museum,
        name="Museum renamed",
        **{
            "sections-0-body": "Rewritten description.",
            "sections-TOTAL_FORMS": "2",
            "sections-1-kind": str(Section.Kind.HISTORY),
            "sections-1-body": "A history added later.",
            "alternate_names-TOTAL_FORMS": "2",
            "alternate_names-1-name": "Added name",
        },
    )
    assert "Rewritten description." in client.get("/places/ecological-museum/").content.decode()
    baseline = versions_of(museum)[0]

    response = contributor_client.post(restore_url(museum, baseline))

    assert response.status_code == 302
    museum.refresh_from_db()
    assert museum.name == "Ecological Museum"
    assert list(museum.sections.values_list("kind", "body")) == [
        (Section.Kind.DESCRIPTION, "A museum of steppe.")
    ]
    assert list(museum.alternate_names.values_list("name", flat=True)) == ["Экомузей"]
    restored = versions_of(museum)[-1]
    assert restored.revision.comment.startswith("Restored the version of")
    assert restored.field_dict["name"] == "Ecological Museum"
    page = client.get("/places/ecological-museum/").content.decode()
    assert "A museum of steppe." in page and "Rewritten description." not in page
    assert "A history added later." not in page
    messages = text(contributor_client.get(history_url(museum)).content.decode())
    assert "is restored" in messages


def test_restore_keeps_the_grid_cell_search_keys_and_slug_redirects_true(
    contributor_client, client, museum
):
    edit(contributor_client, museum, name="Karaganda Museum")  # records the baseline
    edit(
        contributor_client,
        museum,
        name="Steppe Museum",
        slug="steppe-museum",
        latitude="43.25",
        longitude="76.95",
    )
    assert client.get("/places/ecological-museum/").headers["Location"] == "/places/steppe-museum/"
    baseline = versions_of(museum)[0]

    contributor_client.post(restore_url(museum, baseline))

    museum.refresh_from_db()
    assert (museum.slug, museum.latitude, museum.longitude) == ("ecological-museum", 49.68, 72.69)
    assert museum.cell == geo.cell_of(49.68, 72.69)
    assert [p.slug for p in Place.objects.nearest_published(49.68, 72.69, 1, 5)] == [museum.slug]
    assert [r.place for r in Place.objects.search("ecological")] == [museum]
    assert list(Place.objects.search("steppe museum")) == []
    # The slug it had before the restore now leads to the restored one; its own slug no more.
    assert client.get("/places/steppe-museum/").headers["Location"] == "/places/ecological-museum/"
    assert client.get("/places/ecological-museum/").status_code == 200
    assert not SlugRedirect.objects.filter(old_slug="ecological-museum").exists()


def test_restore_moves_the_edit_version_on(contributor_client, museum):
    edit(contributor_client, museum, name="Renamed")
    museum.refresh_from_db()
    before = museum.edit_version

    contributor_client.post(restore_url(museum, versions_of(museum)[0]))

    museum.refresh_from_db()
    assert museum.edit_version == before + 1


def test_restore_is_refused_when_its_address_now_belongs_to_another_place(
    contributor_client, make_place, museum
):
    edit(contributor_client, museum, slug="museum")
    make_place("Another", slug="ecological-museum")

    response = contributor_client.post(restore_url(museum, versions_of(museum)[0]), follow=True)

    assert (
        "Not restored: The address “ecological-museum” of that version is now used by “Another”"
        in text(response.content.decode())
    )
    museum.refresh_from_db()
    assert museum.slug == "museum"


def test_restore_needs_a_post_with_csrf_token_and_the_change_permission(
    contributor, museum, contributor_client
):
    edit(contributor_client, museum, name="Renamed")
    version = versions_of(museum)[0]
    url = restore_url(museum, version)

    assert contributor_client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(contributor)
    assert strict.post(url).status_code == 403
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_place"))
    reader = Client()
    reader.force_login(viewer)
    assert reader.get(history_url(museum)).status_code == 200
    assert "Restore this version" not in reader.get(history_url(museum)).content.decode()
    assert reader.post(url).status_code == 403
    museum.refresh_from_db()
    assert museum.name == "Renamed"


def test_a_version_of_another_place_is_not_found(contributor_client, museum, make_place):
    other = make_place("Other")
    edit(contributor_client, other, name="Other renamed")

    response = contributor_client.post(restore_url(museum, versions_of(other)[0]))

    assert response.status_code == 404


# The photo's files are written, and deleted, when the transactions commit.
@pytest.mark.django_db(transaction=True)
def test_a_restored_photo_whose_file_was_deleted_comes_back_without_an_image(
    contributor_client, client
):
    photo = {
        "photos-TOTAL_FORMS": "1",
        "photos-0-image": png_upload(),
        "photos-0-alt_text": "The entrance",
        "photos-0-position": "0",
    }
    contributor_client.post(ADD_URL, new_place_form(**photo))
    place = Place.objects.get()
    assert "<img" in client.get(place.get_absolute_url()).content.decode()
    edit(contributor_client, place, **{"photos-0-DELETE": "on"})
    assert not Photo.objects.exists()

    response = contributor_client.post(restore_url(place, versions_of(place)[0]), follow=True)

    restored = Photo.objects.get()
    assert restored.alt_text == "The entrance" and restored.shown is None
    assert "1 restored photo has no image file any more" in text(response.content.decode())
    assert "<img" not in client.get(place.get_absolute_url()).content.decode()
    form = contributor_client.get(change_url(place)).content.decode()
    assert '<div class="readonly">—</div>' in form  # the photo's thumbnail


def test_a_photo_kept_since_keeps_its_file_and_gets_its_text_back(contributor_client, museum):
    photo = Photo.objects.create(place=museum, image=png_upload(), alt_text="Old text")
    edit(contributor_client, museum, **{"photos-0-alt_text": "New text"})
    file = Photo.objects.get().image.name

    contributor_client.post(restore_url(museum, versions_of(museum)[0]))

    photo.refresh_from_db()
    assert (photo.alt_text, photo.image.name) == ("Old text", file)


def import_csv(folder, rows):
    """Import a CSV file of these rows (name, slug, category, latitude, longitude); its path."""
    source = folder / "places.csv"
    source.write_text("name,slug,category,latitude,longitude\n" + rows, encoding="utf-8")
    call_command("import_places", str(source), stdout=io.StringIO(), stderr=io.StringIO())
    return source


def test_import_records_one_revision_for_the_run_and_no_versions(db, tmp_path):
    source = import_csv(tmp_path, "Museum,museum,Museum,49.6,72.6\nPark,park,Park,49.7,72.7\n")

    (revision,) = Revision.objects.all()
    assert revision.comment == f"Imported {source}: 2 places added, 0 updated"
    assert not Version.objects.exists()


def test_an_import_that_changes_a_place_moves_its_edit_version_on(db, tmp_path, museum):
    import_csv(tmp_path, "Museum renamed,ecological-museum,Museum,49.6,72.6\n")

    museum.refresh_from_db()
    assert (museum.name, museum.edit_version) == ("Museum renamed", 1)


def test_every_demo_place_has_a_first_version(demo):
    recorded = set(Version.objects.get_for_model(Place).values_list("object_id", flat=True))

    assert recorded == {str(pk) for pk in Place.objects.values_list("pk", flat=True)}
    assert Version.objects.get_for_model(Section).count() == Section.objects.count()
    assert Version.objects.get_for_model(Photo).count() == Photo.objects.count()


def test_a_restored_version_whose_town_was_deleted_since_has_no_town(
    contributor_client, make_place, museum
):
    town = make_place("Dolinka", kind=Place.Kind.AREA, category="Village")
    museum.town = town
    museum.save()
    edit(contributor_client, museum, name="Renamed")  # the baseline names the town
    town.delete()

    response = contributor_client.post(restore_url(museum, versions_of(museum)[0]))

    assert response.status_code == 302
    museum.refresh_from_db()
    assert (museum.name, museum.town) == ("Ecological Museum", None)


# --- The review's moves in the history --------------------------------------------------------


def test_a_review_button_is_a_version_named_after_the_move(editor_client, museum):
    edit(editor_client, museum, _unpublish="Unpublish")

    newest = versions_of(museum)[-1]
    assert newest.revision.get_comment() == "Unpublished: Ecological Museum."
    assert newest.field_dict["status"] == Place.Status.DRAFT


def test_an_editors_list_action_is_a_version_and_refuses_forms_opened_before_it(
    contributor_client, editor_client, museum
):
    opened = current_form(contributor_client.get(change_url(museum)))
    editor_client.post(
        "/admin/places/place/",
        {"action": "unpublish_selected", "_selected_action": [museum.pk]},
    )
    museum.refresh_from_db()
    assert museum.status == Place.Status.DRAFT
    assert versions_of(museum)[-1].revision.get_comment() == "Unpublished: Ecological Museum."

    response = contributor_client.post(change_url(museum), {**opened, "category": "Gallery"})

    assert response.status_code == 200
    assert "Not saved: since you opened this form, editor on" in text(response.content.decode())
    museum.refresh_from_db()
    assert museum.category == "Museum"


def test_a_restore_brings_back_the_text_but_never_the_review_state(
    contributor_client, editor_client, museum
):
    edit(contributor_client, museum, name="Renamed")
    edit(editor_client, museum, _unpublish="Unpublish")
    published = [v for v in versions_of(museum) if v.field_dict["status"] == "published"][0]

    response = contributor_client.post(restore_url(museum, published))

    assert response.status_code == 302
    museum.refresh_from_db()
    assert museum.name == "Ecological Museum"  # the text as it was...
    assert museum.status == Place.Status.DRAFT  # ...but a contributor's restore publishes nothing
    assert contributor_client.get("/places/ecological-museum/").status_code == 200  # a preview
    assert Client().get("/places/ecological-museum/").status_code == 404
