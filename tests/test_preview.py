"""Those who may edit places see an unpublished place's pages as they will look, marked as a
preview, kept out of search engines and every cache; everyone else gets a 404."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from places.models import Place
from tests.pages import head, text
from tests.test_admin import current_form

BANNER = "Preview — not published"


@pytest.fixture
def draft_town(places):
    return Place.objects.create(
        name="Draft town", slug="draft-town", kind=Place.Kind.AREA, category="City",
        latitude=49.71, longitude=72.6, status=Place.Status.DRAFT,
    )  # fmt: skip


@pytest.fixture
def draft(places, draft_town):
    museum = Place.objects.create(
        name="Draft museum", slug="draft-museum", category="Museum", latitude=49.69,
        longitude=72.61, status=Place.Status.REVIEW, town=draft_town,
    )  # fmt: skip
    museum.sections.create(kind=1, body="Text *still* being written.")
    return museum


def assert_preview(response, name):
    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in text(page)
    assert name in text(page)
    assert head(page).meta["robots"] == "noindex"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("path", ["/places/draft-museum/", "/places/draft-museum/nearby/"])
def test_an_unpublished_place_is_404_for_visitors_and_accounts_that_may_not_edit(draft, path):
    assert Client().get(path).status_code == 404
    visitor = Client()
    visitor.force_login(User.objects.create_user("reader", password="x"))
    assert visitor.get(path).status_code == 404
    staff_without_places = Client()
    staff_without_places.force_login(User.objects.create_user("staff", password="x", is_staff=True))
    assert staff_without_places.get(path).status_code == 404


def test_contributor_previews_a_place_as_it_will_look(contributor_client, draft):
    response = contributor_client.get("/places/draft-museum/")

    assert_preview(response, "Draft museum")
    page = response.content.decode()
    assert "<p>Text <em>still</em> being written.</p>" in page
    assert "KarLag Museum" in text(page)  # its published neighbours
    assert f'href="/admin/places/place/{draft.pk}/change/"' in page


def test_contributor_previews_an_unpublished_town_and_the_places_near_a_place(
    contributor_client, draft, draft_town
):
    assert_preview(contributor_client.get("/places/draft-town/"), "Draft town")
    assert_preview(contributor_client.get("/places/draft-museum/nearby/"), "Draft museum")


def test_a_preview_is_never_cached_nor_served_to_anyone_else(contributor_client, draft, settings):
    assert settings.PLACES_PAGE_CACHE_SECONDS  # the page cache is on
    assert_preview(contributor_client.get("/places/draft-museum/"), "Draft museum")

    assert Client().get("/places/draft-museum/").status_code == 404
    assert_preview(contributor_client.get("/places/draft-museum/"), "Draft museum")
    # A published page served (and cached) after a preview has no banner.
    for client in (contributor_client, Client(), Client()):
        page = client.get("/places/karlag-museum/")
        assert page.status_code == 200
        assert BANNER not in text(page.content.decode())
        assert "noindex" not in page.content.decode() and "X-Robots-Tag" not in page


@pytest.mark.django_db(transaction=True)
def test_once_published_the_page_has_no_banner(
    contributor_client, editor_client, make_place, contributor
):
    place = make_place("New museum", status=Place.Status.REVIEW, created_by=contributor)
    assert_preview(contributor_client.get("/places/new-museum/"), "New museum")

    url = f"/admin/places/place/{place.pk}/change/"
    data = current_form(editor_client.get(url))
    response = editor_client.post(url, {**data, "_publish": "Publish"})
    assert response.status_code == 302, response.context and response.context["errors"]

    for client in (Client(), contributor_client):
        response = client.get("/places/new-museum/")
        assert response.status_code == 200
        assert BANNER not in text(response.content.decode())
        assert "no-store" not in response.get("Cache-Control", "")


def test_view_on_site_in_the_admin_leads_to_the_preview(contributor_client, draft):
    page = contributor_client.get(f"/admin/places/place/{draft.pk}/change/").content.decode()
    link = next(
        part.split('"')[0] for part in page.split('href="')[1:] if part.startswith("/admin/r/")
    )

    response = contributor_client.get(link, follow=True)

    assert response.redirect_chain[-1][0].endswith("/places/draft-museum/")
    assert_preview(response, "Draft museum")
