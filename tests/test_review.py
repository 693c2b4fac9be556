"""The review: contributors write and submit places, editors publish, reject with a reason or
unpublish them (from the form's buttons or the list's actions), the queue, and the emails."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from places import workflow
from places.models import Place, Section
from tests.pages import text
from tests.test_admin import ADD_URL, current_form, new_place_form

LIST_URL = "/admin/places/place/"
QUEUE_URL = "/admin/places/reviewqueue/"
MINE_URL = "/admin/places/myplace/"


def change_url(place):
    return f"/admin/places/place/{place.pk}/change/"


def press(client, place, button, **changes):
    """Post a place's change form back as it is, with `changes`, pressing `button`."""
    url = change_url(place)
    return client.post(url, {**current_form(client.get(url)), **changes, button: "pressed"})


def errors(response):
    return response.context and response.context["errors"]


@pytest.fixture
def draft(make_place, contributor):
    return make_place("Draft museum", status=Place.Status.DRAFT, created_by=contributor)


@pytest.fixture
def in_review(make_place, contributor):
    return make_place(
        "Museum in review",
        status=Place.Status.REVIEW,
        created_by=contributor,
        submitted_by=contributor,
        submitted_at=timezone.now(),
    )


def anonymous_sees(path):
    return Client().get(path).status_code


# --- Contributors -----------------------------------------------------------------------------


def test_contributor_adds_a_place_as_a_draft_whatever_status_they_post(contributor_client):
    response = contributor_client.post(ADD_URL, new_place_form(status="published"))

    assert response.status_code == 302
    place = Place.objects.get(slug="karaganda-ecological-museum")
    assert place.status == Place.Status.DRAFT
    assert place.created_by.username == "contributor"
    assert anonymous_sees(place.get_absolute_url()) == 404


def test_contributor_cannot_publish_a_draft_by_posting_the_status(contributor_client, draft):
    response = press(contributor_client, draft, "_save", status="published")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Place.Status.DRAFT
    assert anonymous_sees(draft.get_absolute_url()) == 404


def test_contributor_submits_a_draft_for_review(contributor_client, draft, contributor):
    response = press(contributor_client, draft, "_submit", name="Draft museum, finished")

    assert response.status_code == 302, errors(response)
    draft.refresh_from_db()
    assert (draft.status, draft.name) == (Place.Status.REVIEW, "Draft museum, finished")
    assert draft.submitted_by == contributor
    assert timezone.now() - draft.submitted_at < datetime.timedelta(minutes=1)
    page = contributor_client.get(LIST_URL).content.decode()
    assert "“Draft museum, finished” is submitted for review." in text(page)
    assert anonymous_sees(draft.get_absolute_url()) == 404


def test_contributor_sees_the_buttons_for_their_role_only(contributor_client, editor_client, draft):
    def buttons(client, place):
        page = client.get(change_url(place)).content.decode()
        return [name for name in workflow.MOVES if f'name="_{name}"' in page]

    assert buttons(contributor_client, draft) == ["submit"]
    assert buttons(editor_client, draft) == ["submit", "publish"]
    draft.status = Place.Status.REVIEW
    draft.save()
    assert buttons(contributor_client, draft) == []
    assert buttons(editor_client, draft) == ["publish", "reject"]
    draft.status = Place.Status.PUBLISHED
    draft.save()
    assert buttons(contributor_client, draft) == []
    assert buttons(editor_client, draft) == ["unpublish"]


@pytest.mark.parametrize("button", ["_publish", "_reject", "_unpublish"])
def test_contributor_pressing_an_editors_button_is_refused_and_nothing_changes(
    contributor_client, in_review, make_place, button
):
    published = make_place("Published museum", 49.0, 72.0)
    for place in (in_review, published):
        before = (place.status, place.name)
        response = press(
            contributor_client, place, button, name="Renamed", **{workflow.NOTE_FIELD: "No."}
        )

        assert response.status_code == 200
        assert "Only editors may publish, unpublish or reject places." in text(
            response.content.decode()
        )
        assert response.context["adminform"].form["name"].value() == "Renamed"  # kept
        place.refresh_from_db()
        assert (place.status, place.name) == before
        assert place.review_note == ""


def test_contributor_cannot_run_the_editors_actions(contributor_client, in_review, make_place):
    published = make_place("Published museum", 49.0, 72.0)
    page = contributor_client.get(LIST_URL).content.decode()
    assert "publish_selected" not in page and "reject_selected" not in page

    for action in ("publish_selected", "unpublish_selected", "reject_selected", "delete_selected"):
        response = contributor_client.post(
            LIST_URL,
            {"action": action, "_selected_action": [in_review.pk, published.pk], "index": 0,
             "reason": "No.", "apply": "yes", "post": "yes"},
            follow=True,
        )  # fmt: skip
        assert response.status_code == 200
        assert "Published:" not in text(response.content.decode())

    assert Place.objects.get(pk=in_review.pk).status == Place.Status.REVIEW
    assert Place.objects.get(pk=published.pk).status == Place.Status.PUBLISHED


def test_contributor_cannot_delete_a_place_nor_see_the_queue(contributor_client, in_review):
    url = f"/admin/places/place/{in_review.pk}/delete/"

    assert contributor_client.get(url).status_code == 403
    assert contributor_client.post(url, {"post": "yes"}).status_code == 403
    assert contributor_client.get(QUEUE_URL).status_code == 403
    assert "Review queue" not in contributor_client.get("/admin/").content.decode()
    assert Place.objects.filter(pk=in_review.pk).exists()


def test_contributor_sees_their_own_places_with_their_states_and_reasons(
    contributor_client, draft, in_review, make_place
):
    make_place("Someone else's", 49.0, 72.0)
    draft.review_note = "Add the opening hours."
    draft.save()

    response = contributor_client.get(MINE_URL)

    assert response.status_code == 200
    assert {place.name for place in response.context["cl"].result_list} == {
        "Draft museum",
        "Museum in review",
    }
    page = text(response.content.decode())
    assert "Draft museum Draft Add the opening hours." in page
    assert "Museum in review In review" in page
    assert f'href="{change_url(draft)}"' in response.content.decode()


def test_edit_by_a_contributor_to_a_published_place_is_live_at_once(contributor_client, demo):
    museum = Place.objects.get(slug="karlag-museum")
    data = current_form(contributor_client.get(change_url(museum)))
    index = next(i for i in range(5) if data[f"sections-{i}-kind"] == Section.Kind.HISTORY)
    data[f"sections-{index}-body"] = "A contributor's new history paragraph."

    response = contributor_client.post(change_url(museum), data)

    assert response.status_code == 302, errors(response)
    assert Place.objects.get(pk=museum.pk).status == Place.Status.PUBLISHED
    page = Client().get("/places/karlag-museum/").content.decode()
    assert "A contributor's new history paragraph." in page
    assert "Preview" not in page


# --- Editors ----------------------------------------------------------------------------------


def test_editor_sees_the_queue_oldest_first_with_its_count_on_the_index(editor_client, make_place):
    now = timezone.now()
    for name, hours_ago in [("Newest", 1), ("Oldest", 30), ("Middle", 5)]:
        make_place(
            name, status=Place.Status.REVIEW, submitted_at=now - datetime.timedelta(hours=hours_ago)
        )
    make_place("A draft", status=Place.Status.DRAFT)
    make_place("Published")

    response = editor_client.get(QUEUE_URL)

    assert response.status_code == 200
    assert [p.name for p in response.context["cl"].result_list] == ["Oldest", "Middle", "Newest"]
    assert "Review queue (3)" in text(editor_client.get("/admin/").content.decode())


def test_editor_publishes_a_place_in_review_and_its_contributor_is_told(
    editor_client, in_review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = press(editor_client, in_review, "_publish")

    assert response.status_code == 302, errors(response)
    in_review.refresh_from_db()
    assert in_review.status == Place.Status.PUBLISHED
    page = Client().get(in_review.get_absolute_url()).content.decode()
    assert "Museum in review" in page and "Preview" not in page
    [email] = mail.outbox
    assert email.to == ["contributor@example.org"]
    assert email.subject == "Published: Museum in review"
    assert "editor published “Museum in review”" in email.body
    assert "http://testserver/places/museum-in-review/" in email.body


def test_a_name_with_line_breaks_is_announced_on_one_subject_line(
    editor_client, in_review, django_capture_on_commit_callbacks
):
    # No form field writes one, but a crafted post or an import can; the email's subject
    # (a header) refused it, and the contributor was never told (tests/test_browser_xss.py).
    Place.objects.filter(pk=in_review.pk).update(name="Museum\n\nin\r\nreview")

    with django_capture_on_commit_callbacks(execute=True):
        press(editor_client, in_review, "_publish")

    [email] = mail.outbox
    assert email.subject == "Published: Museum in review"


def test_editor_rejects_with_a_reason_the_contributor_reads_on_the_form_and_by_email(
    editor_client, contributor_client, in_review, django_capture_on_commit_callbacks
):
    reason = "Please add <b>the opening hours</b>."
    with django_capture_on_commit_callbacks(execute=True):
        response = press(editor_client, in_review, "_reject", **{workflow.NOTE_FIELD: reason})

    assert response.status_code == 302, errors(response)
    in_review.refresh_from_db()
    assert (in_review.status, in_review.review_note) == (Place.Status.DRAFT, reason)
    [email] = mail.outbox
    assert email.subject == "Returned for changes: Museum in review"
    assert reason in email.body
    assert f"http://testserver{change_url(in_review)}" in email.body
    form = contributor_client.get(change_url(in_review)).content.decode()
    assert "An editor sent this place back to its draft:" in form
    assert "Please add &lt;b&gt;the opening hours&lt;/b&gt;." in form  # escaped
    assert anonymous_sees(in_review.get_absolute_url()) == 404

    # Submitted again, the reason has been dealt with.
    assert press(contributor_client, in_review, "_submit").status_code == 302
    in_review.refresh_from_db()
    assert (in_review.status, in_review.review_note) == (Place.Status.REVIEW, "")


def test_reject_without_a_reason_is_refused_and_keeps_what_was_typed(editor_client, in_review):
    response = press(editor_client, in_review, "_reject", subtitle="Typed before rejecting")

    assert response.status_code == 200
    page = text(response.content.decode())
    assert "Say why the place is rejected: the contributor sees the reason." in page
    assert response.context["adminform"].form["subtitle"].value() == "Typed before rejecting"
    in_review.refresh_from_db()
    assert (in_review.status, in_review.subtitle) == (Place.Status.REVIEW, "")
    assert not mail.outbox


def test_editor_unpublishes_a_place_and_it_leaves_the_site_and_search(
    editor_client, make_place, django_capture_on_commit_callbacks
):
    place = make_place("Unlucky museum")
    assert Client().get("/api/search/?q=unlucky").json()["features"]

    with django_capture_on_commit_callbacks(execute=True):
        response = press(editor_client, place, "_unpublish")

    assert response.status_code == 302, errors(response)
    assert Place.objects.get(pk=place.pk).status == Place.Status.DRAFT
    assert anonymous_sees(place.get_absolute_url()) == 404
    assert Client().get("/api/search/?q=unlucky").json()["features"] == []
    assert not mail.outbox  # only publishing and rejecting are announced


def test_publishing_from_the_form_needs_alt_text_for_each_photo(editor_client, draft):
    from places.models import Photo
    from tests.test_admin import png_upload

    Photo.objects.create(place=draft, image=png_upload(), alt_text="", position=0)

    response = press(editor_client, draft, "_publish")

    assert response.status_code == 200
    assert "A place is published only when each of its photos has alt text" in text(
        response.content.decode()
    )
    assert Place.objects.get(pk=draft.pk).status == Place.Status.DRAFT


def test_editor_publishes_and_unpublishes_selected_places_from_the_list(
    editor_client, in_review, draft, make_place, django_capture_on_commit_callbacks
):
    published = make_place("Published museum", 49.0, 72.0)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            LIST_URL,
            {"action": "publish_selected", "index": 0,
             "_selected_action": [in_review.pk, draft.pk, published.pk]},
            follow=True,
        )  # fmt: skip

    page = text(response.content.decode())
    assert "Published: Draft museum, Museum in review." in page
    assert "“Publish” does not apply to “Published museum” (Published)." in page
    assert set(Place.objects.values_list("status", flat=True)) == {Place.Status.PUBLISHED}
    assert len(mail.outbox) == 2  # each contributor told
    assert Client().get(draft.get_absolute_url()).status_code == 200

    editor_client.post(
        LIST_URL,
        {"action": "unpublish_selected", "index": 0, "_selected_action": [draft.pk]},
    )
    assert Place.objects.get(pk=draft.pk).status == Place.Status.DRAFT


def test_editor_rejects_selected_places_with_a_reason_asked_for_first(
    editor_client, in_review, django_capture_on_commit_callbacks
):
    ask = editor_client.post(
        LIST_URL, {"action": "reject_selected", "index": 0, "_selected_action": [in_review.pk]}
    )
    assert ask.status_code == 200
    assert "Museum in review" in text(ask.content.decode())
    assert Place.objects.get(pk=in_review.pk).status == Place.Status.REVIEW

    answer = {"action": "reject_selected", "_selected_action": [in_review.pk], "apply": "yes"}
    empty = editor_client.post(LIST_URL, {**answer, "reason": " "})
    assert empty.status_code == 200 and "This field is required." in text(empty.content.decode())
    assert Place.objects.get(pk=in_review.pk).status == Place.Status.REVIEW

    with django_capture_on_commit_callbacks(execute=True):
        done = editor_client.post(LIST_URL, {**answer, "reason": "Sources, please."})

    assert done.status_code == 302
    in_review.refresh_from_db()
    assert (in_review.status, in_review.review_note) == (Place.Status.DRAFT, "Sources, please.")
    assert "Sources, please." in mail.outbox[0].body


def test_editor_deletes_a_place(editor_client, draft):
    response = editor_client.post(f"/admin/places/place/{draft.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Place.objects.filter(pk=draft.pk).exists()


def test_superuser_may_do_everything(client, in_review, django_capture_on_commit_callbacks):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))

    with django_capture_on_commit_callbacks(execute=True):
        response = press(client, in_review, "_publish")

    assert response.status_code == 302, errors(response)
    assert Place.objects.get(pk=in_review.pk).status == Place.Status.PUBLISHED
    assert client.get(QUEUE_URL).status_code == 200


# --- Emails -------------------------------------------------------------------------------------


def test_no_email_to_an_account_without_an_address_nor_to_the_editor_deciding(
    editor_client, editor, in_review, draft, django_capture_on_commit_callbacks
):
    User.objects.filter(username="contributor").update(email="")
    draft.created_by = editor
    draft.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert press(editor_client, in_review, "_publish").status_code == 302
        assert press(editor_client, draft, "_publish").status_code == 302

    assert not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_the_email_goes_when_the_decision_commits(editor_client, in_review):
    assert press(editor_client, in_review, "_publish").status_code == 302

    [email] = mail.outbox
    assert email.to == ["contributor@example.org"]


@pytest.mark.django_db(transaction=True)
def test_no_email_goes_when_the_decision_is_rolled_back(editor, in_review):
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.perform(editor, in_review, "reject", "Not this time.")
        raise RuntimeError("something later in the same transaction failed")

    assert not mail.outbox
    assert Place.objects.get(pk=in_review.pk).status == Place.Status.REVIEW
