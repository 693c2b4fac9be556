"""Password guessing on the admin login: after five failures that account is locked from that
address for a while, with a clear page; the lock is kept in the database, so it holds in every
process and while the cache is down. Every login here goes through the login form."""

from datetime import timedelta

import environ
import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.processes import free_port, manage

LOGIN = "/admin/login/?next=/admin/"
RIGHT = {"username": "contributor", "password": "a long passphrase"}
WRONG = {"username": "contributor", "password": "a guess"}


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def fail(client, times, credentials=WRONG):
    return [client.post(LOGIN, credentials).status_code for _ in range(times)]


@pytest.mark.django_db
def test_five_failed_logins_lock_that_account_from_that_address_with_a_clear_message(
    client, contributor
):
    assert fail(client, 4) == [200] * 4  # the login form again, with its error
    locked = client.post(LOGIN, WRONG)
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "<h1>Login locked</h1>" in text
    assert (
        "Too many failed logins as “contributor” from this address. "
        "Logging in as “contributor” from here is locked for 15 minutes." in text
    )

    # The right password changes nothing while the account is locked.
    assert client.post(LOGIN, RIGHT).status_code == 429
    assert logged_in_as(client) is None
    assert client.get("/admin/").status_code == 302  # to the login page


@pytest.mark.django_db
def test_the_locked_page_is_in_the_visitors_language(client, contributor):
    fail(client, 5)
    locked = client.post(LOGIN, WRONG, headers={"accept-language": "ru"})
    assert locked.status_code == 429
    assert "заблокирован" in locked.content.decode()


@pytest.mark.django_db
def test_the_lock_is_for_that_account_from_that_address_only(client, contributor):
    User.objects.create_user("other", password="another passphrase", is_staff=True)
    fail(client, 5)
    assert client.post(LOGIN, RIGHT).status_code == 429

    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert elsewhere.post(LOGIN, RIGHT).url == "/admin/"
    assert logged_in_as(elsewhere) == str(contributor.pk)
    other = {"username": "other", "password": "another passphrase"}
    assert client.post(LOGIN, other).url == "/admin/"


@pytest.mark.django_db
def test_a_successful_login_starts_the_count_again(client, contributor):
    assert fail(client, 4) == [200] * 4
    assert client.post(LOGIN, RIGHT).url == "/admin/"
    client.post("/admin/logout/")
    assert fail(client, 4) == [200] * 4  # four more, not nine
    assert client.post(LOGIN, RIGHT).url == "/admin/"


@pytest.mark.django_db
def test_the_lock_ends_after_fifteen_minutes(client, contributor):
    fail(client, 5)
    minutes_ago = timezone.now() - timedelta(minutes=14)
    AccessAttempt.objects.update(attempt_time=minutes_ago)
    assert client.post(LOGIN, RIGHT).status_code == 429
    # That attempt started the fifteen minutes again.
    assert AccessAttempt.objects.get().attempt_time > timezone.now() - timedelta(minutes=1)

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert client.post(LOGIN, RIGHT).url == "/admin/"


@pytest.mark.django_db
def test_axes_reset_unlocks_every_account(client, contributor):
    fail(client, 5)
    call_command("axes_reset", verbosity=0)
    assert client.post(LOGIN, RIGHT).url == "/admin/"


@pytest.mark.django_db
def test_behind_a_proxy_each_visitor_is_locked_by_their_own_address(settings, contributor):
    # Both come through nginx on 127.0.0.1, which says who each is in X-Real-IP (README).
    attacker = Client(headers={"x-real-ip": "203.0.113.9"})
    editor = Client(headers={"x-real-ip": "198.51.100.4"})

    # Without the setting, everyone has the proxy's address: the attacker locks the editor out.
    fail(attacker, 5)
    assert editor.post(LOGIN, RIGHT).status_code == 429
    call_command("axes_reset", verbosity=0)

    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_REAL_IP", "REMOTE_ADDR"]
    assert fail(attacker, 5)[-1] == 429
    assert editor.post(LOGIN, RIGHT).url == "/admin/"
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


@pytest.mark.django_db
def test_logins_and_the_lock_work_while_the_cache_is_down(settings, client, contributor):
    # CACHE_URL pointing at a Redis port where nothing listens.
    cache_url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": environ.Env.cache_url_config(cache_url)}

    assert client.post(LOGIN, RIGHT).url == "/admin/"  # a session in the database
    assert client.get("/admin/places/place/").status_code == 200
    client.post("/admin/logout/")
    assert fail(client, 5) == [200] * 4 + [429]
    assert client.post(LOGIN, RIGHT).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_fifty_wrong_passwords_are_refused_after_five_and_the_lock_holds_in_another_process(
    client, contributor
):
    statuses = fail(client, 50)
    assert statuses == [200] * 4 + [429] * 46
    assert client.post(LOGIN, RIGHT).status_code == 429
    assert logged_in_as(client) is None

    # Another worker process, on the same database, with the same address (the test client's).
    second = manage(
        "shell", "--no-imports", "-c", SECOND_PROCESS_LOGS_IN.format(url=LOGIN, credentials=RIGHT)
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["429", "None"]


SECOND_PROCESS_LOGS_IN = """
from django.test import Client, override_settings
source_files = {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES={{"staticfiles": source_files}}):  # no collectstatic here
    client = Client(headers={{"host": "localhost"}})
    response = client.post({url!r}, {credentials!r})
print(response.status_code, client.session.get("_auth_user_id"))
"""
