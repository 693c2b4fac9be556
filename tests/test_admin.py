"""Contributors edit places in the admin: inline sections and photos, validation, permissions."""

import io

import pytest
from django import forms
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from places.models import Photo, Place, Section
from tests.pages import text

ADD_URL = "/admin/places/place/add/"
# The change form's button an editor presses to publish (places/workflow.py).
PUBLISH = {"_publish": "Publish"}


def new_place_form(**overrides):
    data = {
        "name": "Karaganda Ecological Museum",
        "slug": "karaganda-ecological-museum",
        "kind": "sight",
        "category": "Museum",
        "subtitle": "",
        "town": "",
        "country": "Kazakhstan",
        "latitude": "49.8",
        "longitude": "73.1",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "0",
        "sections-0-kind": "1",
        "sections-0-body": "A museum about the steppe.\n\nSecond paragraph.",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "alternate_names-TOTAL_FORMS": "1",
        "alternate_names-INITIAL_FORMS": "0",
        "alternate_names-0-name": "Экологический музей",
    }
    return {**data, **overrides}


def current_form(response):
    """The admin change form as the browser would post it back unchanged."""
    data = {}
    all_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        all_forms += [inline.formset.management_form, *inline.formset.forms]
    for form in all_forms:
        for field in form:
            value = field.value()
            if value is None or isinstance(field.field, forms.FileField):
                continue
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
                continue
            data[field.html_name] = value
    return data


def png_upload(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_editor_adds_a_place_with_a_section_and_publishes_it(editor_client, client):
    response = editor_client.post(ADD_URL, new_place_form(**PUBLISH))

    assert response.status_code == 302
    place = Place.objects.get(slug="karaganda-ecological-museum")
    assert (
        place.sections.get().body_html
        == "<p>A museum about the steppe.</p>\n<p>Second paragraph.</p>"
    )
    page = client.get("/places/karaganda-ecological-museum/").content.decode()
    assert "A museum about the steppe." in page


def test_contributor_changes_the_text_of_a_demo_place(contributor_client, demo):
    museum = Place.objects.get(slug="karlag-museum")
    url = f"/admin/places/place/{museum.pk}/change/"
    data = current_form(contributor_client.get(url))
    index = next(i for i in range(5) if data[f"sections-{i}-kind"] == Section.Kind.HISTORY)
    data[f"sections-{index}-body"] = "Rewritten history paragraph."

    response = contributor_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    page = contributor_client.get("/places/karlag-museum/").content.decode()
    assert "Rewritten history paragraph." in page
    assert museum.sections.count() == 5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("latitude", "91", "Latitude must be between -90 and 90 degrees"),
        ("latitude", "-90.5", "Latitude must be between -90 and 90 degrees"),
        ("longitude", "180.01", "Longitude must be between -180 and 180 degrees"),
        ("longitude", "east", "Enter a number."),
        ("latitude", "nan", "Enter a number."),
    ],
)
def test_wrong_coordinate_is_refused_with_a_message_and_nothing_saved(
    contributor_client, field, value, message
):
    response = contributor_client.post(ADD_URL, new_place_form(**{field: value}))

    assert response.status_code == 200
    assert message in text(response.content.decode())
    assert not Place.objects.exists()
    assert not Section.objects.exists()


def test_second_section_of_the_same_kind_is_refused(contributor_client):
    form = new_place_form(
        **{"sections-TOTAL_FORMS": "2", "sections-1-kind": "1", "sections-1-body": "Again."}
    )

    response = contributor_client.post(ADD_URL, form)

    assert response.status_code == 200
    assert "Please correct the duplicate data for kind" in text(response.content.decode())
    assert not Place.objects.exists()


# The photo's files are written when the form's transaction commits.
@pytest.mark.django_db(transaction=True)
def test_photo_upload_shows_first_photo_on_the_page(editor_client, client):
    form = new_place_form(
        **PUBLISH,
        **{
            "photos-TOTAL_FORMS": "1",
            "photos-0-image": png_upload(),
            "photos-0-alt_text": "Museum entrance in summer",
            "photos-0-caption": "The entrance",
            "photos-0-credit": "A. Editor",
            "photos-0-licence": "CC-BY-SA-4.0",
            "photos-0-position": "0",
        },
    )

    assert editor_client.post(ADD_URL, form).status_code == 302

    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (40, 30)
    page = client.get("/places/karaganda-ecological-museum/").content.decode()
    jpeg = photo.image.url.replace(".jpg", "-40.jpg")
    assert f'<img src="{jpeg}" srcset="{jpeg} 40w"' in page
    assert 'alt="Museum entrance in summer" width="40" height="30">' in page
    assert "The entrance Photo: A. Editor, CC BY-SA 4.0" in text(page)


def test_upload_that_is_not_an_image_is_refused(contributor_client):
    fake = SimpleUploadedFile("photo.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg")
    form = new_place_form(
        **{
            "photos-TOTAL_FORMS": "1",
            "photos-0-image": fake,
            "photos-0-alt_text": "x",
            "photos-0-position": "0",
        }
    )

    response = contributor_client.post(ADD_URL, form)

    assert response.status_code == 200
    assert "Upload a JPEG, PNG or WebP image." in text(response.content.decode())
    assert not Place.objects.exists()
    assert not Photo.objects.exists()


def test_renaming_in_the_admin_keeps_the_old_address_working(contributor_client, client, demo):
    zoo = Place.objects.get(slug="karagandy-zoo")
    url = f"/admin/places/place/{zoo.pk}/change/"
    data = {**current_form(contributor_client.get(url)), "slug": "karaganda-zoo"}

    assert contributor_client.post(url, data).status_code == 302

    assert client.get("/places/karagandy-zoo/")["Location"] == "/places/karaganda-zoo/"


def test_contributor_cannot_delete_places_or_manage_users(contributor_client, demo):
    museum = Place.objects.get(slug="karlag-museum")

    assert contributor_client.get(f"/admin/places/place/{museum.pk}/delete/").status_code == 403
    assert (
        contributor_client.post(
            f"/admin/places/place/{museum.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert contributor_client.get("/admin/auth/user/").status_code == 403
    assert contributor_client.get("/admin/auth/group/").status_code == 403
    assert Place.objects.filter(pk=museum.pk).exists()


def test_place_list_is_searchable_and_filterable(contributor_client, demo):
    Place.objects.filter(slug="karagandy-arena").update(status=Place.Status.DRAFT)

    def listed(query):
        response = contributor_client.get(f"/admin/places/place/?{query}")
        return {place.name for place in response.context["cl"].result_list}

    assert listed("q=cathedral") == {
        "Cathedral of Our Lady of Fatima, Karaganda",
        "Orthodox cathedral in Karaganda",
        "St. Joseph's Cathedral in Karaganda",
    }
    assert listed("category=Zoo") == {"Karagandy Zoo"}
    assert listed("status__exact=draft") == {"Karagandy Arena"}
    assert listed("country=Kazakhstan&kind__exact=area") == {
        "Shakhtīnsk Qalasy",
        "Sorang Qalasy",
        "Zheleznodorozhnyy Rayon",
        "Kirovskiy Rayon",
        "Metallurgicheskiy Rayon",
    }


def as_browser_sends(data):
    """Form data as a browser posts it: every line break in a text area becomes "\\r\\n"."""
    return {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for name, value in data.items()
    }


def test_saving_a_place_untouched_changes_no_section_and_logs_no_change(contributor_client, demo):
    museum = Place.objects.get(slug="karlag-museum")
    before = list(museum.sections.values_list("pk", "body", "updated"))
    assert any("\n" in body for _, body, _ in before)
    url = f"/admin/places/place/{museum.pk}/change/"

    response = contributor_client.post(
        url, as_browser_sends(current_form(contributor_client.get(url)))
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(museum.sections.values_list("pk", "body", "updated")) == before
    entry = LogEntry.objects.filter(object_id=str(museum.pk)).latest("action_time")
    assert entry.get_change_message() == "No fields changed."


def test_section_written_with_windows_line_breaks_is_stored_and_served_with_unix_ones(
    contributor_client, client, demo
):
    museum = Place.objects.get(slug="karlag-museum")
    url = f"/admin/places/place/{museum.pk}/change/"
    data = current_form(contributor_client.get(url))
    index = next(i for i in range(5) if data[f"sections-{i}-kind"] == Section.Kind.HISTORY)
    data[f"sections-{index}-body"] = "First paragraph.\n\nSecond paragraph.\n"

    response = contributor_client.post(url, as_browser_sends(data))

    assert response.status_code == 302, response.context and response.context["errors"]
    history = museum.sections.get(kind=Section.Kind.HISTORY)
    assert history.body == "First paragraph.\n\nSecond paragraph."
    assert history.body_html == "<p>First paragraph.</p>\n<p>Second paragraph.</p>"
    sections = client.get("/api/places/karlag-museum/").json()["properties"]["sections"]
    assert {"text": history.body, "html": history.body_html}.items() <= next(
        section for section in sections if section["kind"] == "history"
    ).items()
    entry = LogEntry.objects.filter(object_id=str(museum.pk)).latest("action_time")
    assert entry.get_change_message() == "Changed Body for section “KarLag Museum — History”."
