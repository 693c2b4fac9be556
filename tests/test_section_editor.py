"""The admin's section editor: each section's preview, rendered and sanitised as the place's
page shows it, beside its box; the preview endpoint answers only those who may edit sections."""

from django.contrib.auth.models import User
from django.test import Client

from places.models import Place, Section

PREVIEW_URL = "/admin/places/place/section-preview/"
HOSTILE = (
    "# Opening hours\n\nOpen *daily*, see [the map](https://example.org/map) "
    "or [this](javascript:alert(1)).\n\n<script>alert('x')</script>\n\n"
    '<img src="x" onerror="alert(1)"> <b onclick="alert(1)">bold</b>\n\n- one\n- two'
)


def test_a_contributor_gets_the_section_as_its_page_will_show_it(
    contributor_client, client, make_place
):
    response = contributor_client.post(PREVIEW_URL, {"body": HOSTILE})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "<h3>Opening hours</h3>" in html
    assert "<em>daily</em>" in html
    assert '<a href="https://example.org/map" rel="nofollow noopener">the map</a>' in html
    assert "<li>one</li>" in html
    for hostile in ("<script", "javascript:", "onerror", "onclick", "<img", "<b "):
        assert hostile not in html

    # The same HTML as the page shows once the section is saved.
    place = make_place("Preview museum")
    Section.objects.create(place=place, kind=Section.Kind.PRACTICAL, body=HOSTILE)
    assert html in client.get(place.get_absolute_url()).content.decode()


def test_text_sent_with_windows_line_ends_previews_as_it_will_be_stored(contributor_client):
    windows = contributor_client.post(PREVIEW_URL, {"body": "A line\r\n\r\n  - a list\r\n"})
    unix = contributor_client.post(PREVIEW_URL, {"body": "A line\n\n  - a list"})
    assert windows.content == unix.content


def test_the_preview_needs_a_logged_in_user_who_may_edit_sections(client, db):
    assert client.post(PREVIEW_URL, {"body": "x"}).url.startswith("/admin/login/")

    visitor = User.objects.create_user("visitor", password="a long passphrase")
    client.force_login(visitor)  # not staff
    assert client.post(PREVIEW_URL, {"body": "x"}).url.startswith("/admin/login/")

    visitor.is_staff = True  # staff, but with no right to sections
    visitor.save()
    assert client.post(PREVIEW_URL, {"body": "x"}).status_code == 403


def test_the_preview_is_refused_without_the_forms_csrf_token(contributor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    assert client.post(PREVIEW_URL, {"body": "x"}).status_code == 403
    assert client.get(PREVIEW_URL).status_code == 405


def test_the_place_form_shows_each_sections_preview_beside_its_box(contributor_client, places):
    museum = Place.objects.get(slug="karlag-museum")
    Section.objects.create(place=museum, kind=Section.Kind.HISTORY, body="Built in *1931*.")
    page = contributor_client.get(f"/admin/places/place/{museum.pk}/change/").content.decode()

    assert (
        '<div class="section-preview" role="region" aria-label="Preview of the section as its '
        'page shows it" aria-live="polite"><p>Built in <em>1931</em>.</p></div>'
    ) in page
    assert f'data-preview-url="{PREVIEW_URL}"' in page
    assert "/static/js/section-editor.js" in page
    # The empty form that "Add another Section" copies has its (empty) preview too.
    assert page.count('class="section-preview"') == 2
