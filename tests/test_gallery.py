"""A place's photos: the first leads the page, the others follow as a gallery of thumbnails,
each a link to its large file (static/js/gallery.js opens them in a dialog); a published
place's photos all have alt text.

Transactional: a photo's files are written when its transaction commits.
"""

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from places.models import Photo, Place
from tests.pages import head, text
from tests.test_admin import ADD_URL, PUBLISH, current_form, new_place_form, png_upload

pytestmark = pytest.mark.django_db(transaction=True)

GALLERY = re.compile(r'<section class="gallery".*?</section>', re.S)
THUMBNAIL = re.compile(
    r'<figure class="gallery-photo">\s*<a class="gallery-link" href="(?P<href>[^"]+)">'
    r"<picture>.*?<img (?P<img>[^>]*)>.*?</figure>",
    re.S,
)


def drawn(colour, size=(1200, 900)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="drawn.png")


@pytest.fixture
def museum(make_place):
    place = make_place("Camp museum")
    for position, colour in enumerate(("red", "green", "blue")):
        Photo.objects.create(
            place=place,
            image=drawn(colour),
            position=position,
            alt_text=f"The {colour} hall",
            caption=f"The {colour} hall in winter",
            credit="A. Author",
            licence=Photo.Licence.CC_BY_SA,
        )
    return place


def page(client, slug="camp-museum", **headers):
    return client.get(f"/places/{slug}/", **headers).content.decode()


def test_the_first_photo_leads_the_page_and_the_others_follow_as_thumbnails(client, museum):
    lead, *others = museum.photos.all()

    content = page(client)

    lead_figure = re.search(r'<figure class="lead-photo">.*?</figure>', content, re.S)[0]
    assert 'alt="The red hall"' in lead_figure and "loading=" not in lead_figure
    gallery = GALLERY.search(content)[0]
    assert content.index("lead-photo") < content.index('class="gallery"')
    thumbnails = list(THUMBNAIL.finditer(gallery))
    assert len(thumbnails) == 2
    for thumbnail, photo in zip(thumbnails, others, strict=True):
        # Without JavaScript the link opens the large file; the image loads when scrolled to.
        assert (
            thumbnail["href"]
            == photo.shown.large
            == default_storage.url(photo.image.name.replace(".jpg", "-1200.jpg"))
        )
        assert f'alt="{photo.alt_text}"' in thumbnail["img"]
        assert 'loading="lazy"' in thumbnail["img"]
        assert 'sizes="(min-width: 46rem) 14rem, calc(50vw - 1.75rem)"' in thumbnail["img"]
        assert 'width="1200" height="900"' in thumbnail["img"]
    assert '<script src="/static/js/gallery.js" defer></script>' in gallery


def test_every_photo_shows_its_caption_and_its_credit_apart(client, museum):
    content = page(client)

    for colour in ("red", "green", "blue"):
        assert f'<span class="caption">The {colour} hall in winter</span>' in content
    credit = (
        '<small class="credit">Photo: A. Author, <a href="https://creativecommons.org/licenses/'
        'by-sa/4.0/" rel="license">CC BY-SA 4.0</a></small>'
    )
    assert content.count(credit) == 3
    assert text(content).count("Photo: A. Author, CC BY-SA 4.0") == 3


def test_the_first_photo_is_the_pages_og_image(client, museum):
    lead = museum.photos.first()

    meta = head(page(client)).meta

    assert meta["og:image"] == f"http://testserver{lead.shown.large}"
    assert meta["og:image:alt"] == "The red hall"


def test_the_gallerys_labels_come_in_the_visitors_language(client, museum):
    content = page(client, HTTP_ACCEPT_LANGUAGE="ru")

    gallery = GALLERY.search(content)[0]
    assert 'data-label-close="Закрыть"' in gallery
    assert 'data-label-next="Следующее фото"' in gallery
    assert 'data-label-position="Фото {number} из {count}"' in gallery
    assert ">Фотографии</h2>" in gallery
    kazakh = GALLERY.search(page(client, HTTP_ACCEPT_LANGUAGE="kk"))[0]
    assert 'data-label-close="Жабу"' in kazakh


def test_a_photo_whose_file_is_missing_is_left_out(client, museum):
    lead, second, third = museum.photos.all()

    default_storage.delete(second.image.name)
    content = page(client)
    assert second.image.name.removesuffix(".jpg") not in content
    assert len(THUMBNAIL.findall(GALLERY.search(content)[0])) == 1

    default_storage.delete(lead.image.name)  # the second one left leads, without a gallery
    cache.clear()
    content = page(client)
    assert re.search(r'<figure class="lead-photo">.*?alt="The blue hall"', content, re.S)
    assert GALLERY.search(content) is None and "gallery.js" not in content


def test_a_place_with_one_photo_has_no_gallery(client, make_place):
    place = make_place("Camp museum")
    Photo.objects.create(place=place, image=drawn("red"), alt_text="The red hall")

    content = page(client)

    assert "lead-photo" in content and "gallery" not in content


def test_the_gallery_costs_no_query(client, museum, django_assert_num_queries):
    with django_assert_num_queries(6):  # as a place page without photos
        assert client.get("/places/camp-museum/").status_code == 200


# --- Alt text before publishing --------------------------------------------------------------

PHOTO = {"photos-TOTAL_FORMS": "1", "photos-0-position": "0"}


def test_a_place_cannot_be_published_with_a_photo_without_alt_text(editor_client):
    for alt_text in ("", "   "):
        form = new_place_form(**PHOTO, **PUBLISH, **{"photos-0-alt_text": alt_text})
        form["photos-0-image"] = png_upload()

        response = editor_client.post(ADD_URL, form)

        assert response.status_code == 200
        content = text(response.content.decode())
        assert "A place is published only when each of its photos has alt text" in content
        assert "Describe what this photo shows: a published place's photos need alt text." in (
            content
        )
        assert not Place.objects.exists() and not Photo.objects.exists()


def test_a_draft_may_keep_a_photo_without_alt_text_until_it_is_published(
    contributor_client, editor_client
):
    form = new_place_form(**PHOTO, **{"photos-0-alt_text": ""})
    form["photos-0-image"] = png_upload()
    assert contributor_client.post(ADD_URL, form).status_code == 302
    place = Place.objects.get()
    change_url = f"/admin/places/place/{place.pk}/change/"

    form = {**current_form(editor_client.get(change_url)), **PUBLISH}
    response = editor_client.post(change_url, form)
    assert "A place is published only when each of its photos has alt text" in text(
        response.content.decode()
    )
    assert Place.objects.get().status == Place.Status.DRAFT

    form["photos-0-alt_text"] = "The museum's gate"
    assert editor_client.post(change_url, form).status_code == 302
    place.refresh_from_db()
    assert place.status == Place.Status.PUBLISHED
    assert place.photos.get().alt_text == "The museum's gate"


def test_a_published_place_with_a_photo_made_without_alt_text_is_refused_until_described(
    contributor_client, editor_client, make_place
):
    # A photo stored around the forms (a shell, an older import) with no alt text.
    place = make_place("Camp museum")
    Photo.objects.create(place=place, image=drawn("red"), alt_text=" ")
    change_url = f"/admin/places/place/{place.pk}/change/"
    form = current_form(contributor_client.get(change_url))

    form["subtitle"] = "A new subtitle"
    response = contributor_client.post(change_url, form)
    assert "A place is published only when each of its photos has alt text" in text(
        response.content.decode()
    )
    place.refresh_from_db()
    assert place.subtitle == ""

    # Unpublishing it is always possible.
    assert editor_client.post(change_url, {**form, "_unpublish": "Unpublish"}).status_code == 302
    assert Place.objects.get().status == Place.Status.DRAFT


def test_the_import_also_needs_alt_text_for_a_published_places_photos(make_place, tmp_path):
    default_storage.save("photos/2026/01/gate.png", drawn("red"))
    rows = "name,latitude,longitude,category,status,photos\n"
    photo = '"[{""image"": ""photos/2026/01/gate.png"", ""alt_text"": ""  ""}]"'
    path = tmp_path / "places.csv"

    path.write_text(rows + f"Gate,49.8,73.1,Monument,published,{photo}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="photo alt_text: This field cannot be blank."):
        call_command("import_places", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Place.objects.exists()

    path.write_text(rows + f"Gate,49.8,73.1,Monument,draft,{photo}\n", encoding="utf-8")
    call_command("import_places", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Place.objects.get().photos.get().alt_text == "  "
