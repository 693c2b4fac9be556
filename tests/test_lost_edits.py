"""No lost edits: a place's form saved after someone else saved it since it was opened is
refused, with who changed what, and with everything typed kept in the form to merge and save
again; for fields, for the inlines alone, and after an admin action."""

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Revision

from places.models import AlternateName, Place, Section
from tests.conftest import contributors_group, staff_user
from tests.pages import text
from tests.test_admin import current_form

ORIGINAL = "A museum of the steppe."


@pytest.fixture
def museum(make_place):
    place = make_place("Ecological Museum", slug="ecological-museum")
    Section.objects.create(place=place, kind=Section.Kind.DESCRIPTION, body=ORIGINAL)
    AlternateName.objects.create(place=place, name="Экомузей")
    return place


def logged_in(name):
    client = Client()
    client.force_login(staff_user(name, contributors_group()))
    return client


@pytest.fixture
def alice(db):
    return logged_in("alice")


@pytest.fixture
def bob(db):
    return logged_in("bob")


def url(place):
    return f"/admin/places/place/{place.pk}/change/"


def opened(client, place):
    return current_form(client.get(url(place)))


def test_a_save_opened_before_anothers_is_refused_with_who_changed_what_and_the_input_kept(
    alice, bob, museum
):
    alices, bobs = opened(alice, museum), opened(bob, museum)
    alice.post(url(museum), {**alices, "name": "Ecological Museum of Karaganda"})
    bobs.update({"category": "Gallery", "sections-0-body": "Bob's description."})

    response = bob.post(url(museum), bobs)

    assert response.status_code == 200
    shown = text(response.content.decode())
    assert "Not saved: since you opened this form, alice on" in shown
    assert "changed: Name." in shown
    assert "Your input is kept below" in shown
    kept = current_form(response)
    assert (kept["name"], kept["category"]) == ("Ecological Museum", "Gallery")
    assert kept["sections-0-body"] == "Bob's description."
    museum.refresh_from_db()
    assert (museum.name, museum.category) == ("Ecological Museum of Karaganda", "Museum")
    assert museum.sections.get().body == ORIGINAL
    assert kept["opened_version"] == str(museum.edit_version)

    # Bob merges: Alice's name with his own changes, and saves again.
    merged = bob.post(url(museum), {**kept, "name": "Ecological Museum of Karaganda"})

    assert merged.status_code == 302
    museum.refresh_from_db()
    assert (museum.name, museum.category) == ("Ecological Museum of Karaganda", "Gallery")
    assert museum.sections.get().body == "Bob's description."


def test_a_refused_save_changes_nothing_and_records_nothing(alice, bob, museum):
    alices, bobs = opened(alice, museum), opened(bob, museum)
    alice.post(url(museum), {**alices, "name": "Renamed"})
    revisions, version = Revision.objects.count(), Place.objects.get().edit_version

    bob.post(url(museum), {**bobs, "country": "Kazakhstan"})

    assert Revision.objects.count() == revisions
    assert Place.objects.get().edit_version == version


def test_a_save_is_refused_when_only_the_inlines_changed_since(alice, bob, museum):
    alices, bobs = opened(alice, museum), opened(bob, museum)
    alice.post(url(museum), {**alices, "sections-0-body": "Alice's description."})
    bobs.update({"alternate_names-0-name": "Экологический музей"})

    response = bob.post(url(museum), bobs)

    assert response.status_code == 200
    assert "alice on" in text(response.content.decode())
    assert "changed: Section “Description”." in text(response.content.decode())
    assert current_form(response)["alternate_names-0-name"] == "Экологический музей"
    assert museum.alternate_names.get().name == "Экомузей"
    assert museum.sections.get().body == "Alice's description."


def test_a_save_changing_only_the_inlines_moves_the_version_on(alice, bob, museum):
    alices, bobs = opened(alice, museum), opened(bob, museum)
    alice.post(url(museum), {**alices, "alternate_names-0-name": "Экологический музей"})

    response = bob.post(url(museum), {**bobs, "sections-0-body": "Bob's description."})

    assert response.status_code == 200
    assert "changed: Other names." in text(response.content.decode())
    assert museum.sections.get().body == ORIGINAL


def test_a_save_is_refused_after_an_admin_action_changed_the_place(alice, bob, museum):
    bobs = opened(bob, museum)
    alice.post(
        "/admin/places/place/",
        {"action": "show_on_home_page", "_selected_action": [museum.pk]},
    )

    response = bob.post(url(museum), {**bobs, "name": "Bob's name"})

    assert response.status_code == 200
    assert "alice on" in text(response.content.decode())
    assert "changed: Featured." in text(response.content.decode())
    museum.refresh_from_db()
    assert (museum.name, museum.featured) == ("Ecological Museum", True)


def test_a_save_after_an_import_changed_the_place_is_refused(bob, museum):
    bobs = opened(bob, museum)
    Place.objects.filter(pk=museum.pk).update(edit_version=1)  # as an import's UPDATE does

    response = bob.post(url(museum), {**bobs, "name": "Bob's name"})

    assert "it was changed by an import or another program" in text(response.content.decode())


def test_saves_one_after_another_are_all_accepted(alice, museum):
    for name in ("First", "Second", "Third"):
        assert alice.post(url(museum), {**opened(alice, museum), "name": name}).status_code == 302

    museum.refresh_from_db()
    assert (museum.name, museum.edit_version) == ("Third", 3)


@pytest.fixture
def three(db):
    return [logged_in(name) for name in ("ann", "ben", "cat")]


STEPS = st.lists(
    st.tuples(st.sampled_from(["open", "save"]), st.integers(min_value=0, max_value=2)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_random_interleavings_of_opens_and_saves_lose_no_edit(three, make_place, steps):
    with transaction.atomic():
        place = make_place("Museum", slug="museum")
        Section.objects.create(place=place, kind=Section.Kind.DESCRIPTION, body="Text.")
        forms, opened_at, latest, version = {}, {}, ("Museum", "Text."), 0
        for number, (step, user) in enumerate(steps):
            client = three[user]
            if step == "open" or user not in forms:
                forms[user], opened_at[user] = opened(client, place), version
                continue
            typed = (f"Name {number} by {user}", f"Text {number} by {user}.")
            data = {**forms[user], "name": typed[0], "sections-0-body": typed[1]}
            response = client.post(url(place), data)
            if opened_at[user] == version:  # based on the latest state: accepted
                assert response.status_code == 302
                latest, version = typed, version + 1
                del forms[user]
            else:  # refused, with all that was typed, counting from the latest state
                assert response.status_code == 200
                kept = current_form(response)
                assert (kept["name"], kept["sections-0-body"]) == typed
                assert kept["opened_version"] == str(version)
                forms[user], opened_at[user] = kept, version
        place.refresh_from_db()
        assert (place.name, place.sections.get().body) == latest
        assert place.edit_version == version
        transaction.set_rollback(True)


def test_a_row_deleted_by_another_since_comes_back_as_a_new_row_with_its_input(
    admin_client, bob, museum
):
    bobs = opened(bob, museum)
    admins = opened(admin_client, museum)
    admin_client.post(url(museum), {**admins, "sections-0-DELETE": "on"})
    assert not museum.sections.exists()

    response = bob.post(url(museum), {**bobs, "sections-0-body": "Bob's description."})

    assert response.status_code == 200
    assert "admin on" in text(response.content.decode())
    kept = current_form(response)
    assert (kept["sections-INITIAL_FORMS"], kept["sections-0-id"]) == ("0", "")
    assert kept["sections-0-body"] == "Bob's description."
    assert not museum.sections.exists()
    # Saved again, knowing it, the section is added again with Bob's text.
    assert bob.post(url(museum), kept).status_code == 302
    assert museum.sections.get().body == "Bob's description."
